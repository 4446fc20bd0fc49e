"""``sunlight cases submit|act|show|queue|trace|verify`` against an in-process case service
(the real service and servicer on SQLite, behind a gRPC server), as its handlers use it."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from concurrent import futures
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc

from cli.cases import cases
from cli.main import main
from services.cases import storage as t
from services.cases.api import CaseServicer
from services.cases.domain.flow import ItemSnapshot
from services.cases.service import CaseService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar, local_day
from tests.support.cases import CLERK as CLERK_STAFF
from tests.support.cases import DEPT, DEPT_CODE, FIRE, FIRE_CODE, item

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
ITEM = item()


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


class Node:
    def __init__(self, address: str, service: CaseService, db: Database) -> None:
        self.address, self.service, self.db = address, service, db


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(MIGRATIONS, url, "cases")
    db = Database(url, "cases", pool_size=1)
    service = CaseService(db, Items(), WorkingCalendar.official(), "510000")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_CaseServiceServicer_to_server(CaseServicer(service, Authenticator(SECRET)),
                                              server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield Node(f"127.0.0.1:{port}", service, db)
    server.stop(0)
    db.dispose()


def token(subject: str, *positions: str, department: str | None = DEPT_CODE,
          role: str = "clerk") -> str:
    return mint_token(SECRET, subject, [role], ["511602"], department=department,
                      positions=positions)


CLERK = token("clerk-1")
REVIEWER = token("reviewer-1", "reviewer")
FIRE_REVIEWER = token("fire-1", "reviewer", department=FIRE_CODE)
CHIEF = token("chief-1", "chief")
SUPERVISOR = token("sup-1", role="supervisor", department=None)


def run(node: Node, who: str | None, *args: str) -> Result:
    connection = ["--address", node.address] + (["--token", who] if who else [])
    command, *rest = args
    return CliRunner().invoke(cases, [command, *rest, *connection], catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.exit_code, result.output)
    return result


def submit(node: Node, *extra: str, material: str = "form:1") -> str:
    result = ok(run(node, CLERK, "submit", ITEM.item_id, "--region", "511602",
                    "--applicant", "张三", "--id-number", "511602199001011236",
                    "--material", material, *extra))
    return result.stdout.split()[0]


def accepted(node: Node) -> str:
    number = submit(node)
    ok(run(node, CLERK, "act", number, "accept", "--opinion", "材料齐全"))
    return number


def step_id(node: Node, number: str, key: str) -> str:
    shown = json.loads(ok(run(node, CLERK, "show", number, "--json")).stdout)
    return next(s["instance_id"] for s in shown["steps"]
                if s["key"] == key and s["status"] == "STEP_STATUS_ACTIVE")


# --- a case from application to completion ----------------------------------------------------
def test_a_case_runs_from_application_to_completion(node: Node) -> None:
    number = submit(node)
    assert re.fullmatch(r"511602\d{8}\d{6}", number)
    case = node.service.get(CLERK_STAFF, number)
    assert case.status.value == "submitted" and case.materials == (("form", 1, 0),)
    ok(run(node, CLERK, "act", number, "accept", "--opinion", "材料齐全"))
    ok(run(node, FIRE_REVIEWER, "act", number, "complete-step", "--step",
           step_id(node, number, "review/fire"), "--opinion", "消防同意"))
    # only the review runs now: the CLI takes it without --step
    ok(run(node, REVIEWER, "act", number, "complete-step", "--opinion", "同意"))
    decided = ok(run(node, CHIEF, "act", number, "decide", "--outcome", "approve",
                     "--document-number", "广发改〔2026〕1号", "--certificate", "核准文件"))
    assert "status: decided" in decided.stdout
    assert "decision: approve, document 广发改〔2026〕1号" in decided.stdout
    ok(run(node, CLERK, "act", number, "publish-result"))
    done = ok(run(node, CLERK, "act", number, "complete"))
    assert "status: completed (已办结)" in done.stdout
    assert "allowed now: nothing" in done.stdout
    assert node.service.get(CLERK_STAFF, number).status.value == "completed"


def test_show_says_where_a_case_stands(node: Node) -> None:
    number = accepted(node)
    shown = ok(run(node, CLERK, "show", number)).stdout
    lines = shown.splitlines()
    assert lines[0].startswith(f"{number}  企业投资项目核准 ({ITEM.item_id} v1), {DEPT} "
                               f"({DEPT_CODE})")
    assert "status: in progress (办理中)" in shown
    now = [line for line in lines if re.match(r"(now: |     )s\d", line)]
    assert len(now) == 2  # the review and its parallel branch
    assert re.search(rf"now: s\d 审查 — {DEPT} \({DEPT_CODE}\) \(reviewer\), due "
                     r"\d{4}-\d\d-\d\d, \d+ working days left, unclaimed", shown)
    assert f"消防意见 — {FIRE} ({FIRE_CODE}) (reviewer)" in shown
    assert "next: 决定" in shown
    assert re.search(r"promised: 10 working days, due \d{4}-\d\d-\d\d, 0 used, "
                     r"10 working days left", shown)
    assert "statutory: 20 working days" in shown
    assert "allowed now: claim, release, reassign, complete-step, return-step" in shown
    assert re.search(r"  s1 受理 \(.+\): done, .* by clerk-1", shown)
    as_json = json.loads(ok(run(node, CLERK, "show", number, "--json")).stdout)
    assert as_json["case_number"] == number and as_json["next_steps"] == ["决定"]


def test_show_status_says_where_it_stands_without_the_file(node: Node) -> None:
    number = accepted(node)
    whole = ok(run(node, CLERK, "show", number)).stdout
    shown = ok(run(node, CLERK, "show", number, "--status")).stdout
    assert "status: in progress (办理中)" in shown and "next: 决定" in shown
    assert re.search(r"promised: 10 working days, due \d{4}-\d\d-\d\d", shown)
    # who handled it is in the file only
    assert "by clerk-1" in whole and "by clerk-1" not in shown
    as_json = json.loads(ok(run(node, CLERK, "show", number, "--status", "--json")).stdout)
    assert "applicant" not in as_json and as_json["next_steps"] == ["决定"]


def test_a_supplement_stops_the_clock_and_show_says_so(node: Node) -> None:
    tomorrow = (local_day() + timedelta(days=1)).isoformat()  # China's day, as the service's
    number = submit(node, material="form:0:1")  # a copy, no original: incomplete
    refused = run(node, CLERK, "act", number, "accept")
    assert refused.exit_code == 1 and "MATERIALS_INCOMPLETE" in refused.stderr
    ok(run(node, CLERK, "act", number, "request-supplement", "--missing", "form",
           "--due", tomorrow))
    shown = ok(run(node, CLERK, "show", number)).stdout
    assert "status: supplements asked for (补正中)" in shown
    assert f"supplements asked for: form, by {tomorrow}" in shown
    assert "clock: stopped since" in shown and "(supplement)" in shown
    assert "missing: 申请表 (form)" in shown
    back = ok(run(node, CLERK, "act", number, "receive-supplement", "--material", "form:1"))
    assert "status: submitted" in back.stdout and "clock: stopped" not in back.stdout


def test_a_special_procedure_and_a_return(node: Node) -> None:
    number = accepted(node)
    ok(run(node, FIRE_REVIEWER, "act", number, "complete-step", "--step",
           step_id(node, number, "review/fire")))
    ok(run(node, REVIEWER, "act", number, "complete-step"))
    started = ok(run(node, CHIEF, "act", number, "start-procedure", "--kind", "expert_review",
                     "--reason", "技术复杂"))
    assert "(expert_review)" in started.stdout
    assert "no due date while the clock stands still" in started.stdout
    ok(run(node, CHIEF, "act", number, "end-procedure", "--result", "专家同意"))
    returned = ok(run(node, CHIEF, "act", number, "return-step", "--to-step", "review",
                      "--reason", "补充消防意见"))
    assert re.search(r"s\d 决定 \(.+\): returned", returned.stdout)
    assert "next: 决定" in returned.stdout


# --- refusals and exit codes -----------------------------------------------------------------
def test_an_action_the_case_does_not_allow_exits_1_saying_what_is_allowed(node: Node) -> None:
    number = submit(node)
    result = run(node, CHIEF, "act", number, "decide", "--outcome", "approve")
    assert result.exit_code == 1
    assert "ACTION_NOT_ALLOWED" in result.stderr
    assert "decide is not possible now; possible: accept, reject, request_supplement" in (
        result.stderr)


def test_someone_else_s_step_is_refused(node: Node) -> None:
    number = accepted(node)
    result = run(node, CHIEF, "act", number, "complete-step", "--step",
                 step_id(node, number, "review"))
    assert result.exit_code == 1 and "NOT_YOURS" in result.stderr


@pytest.mark.parametrize("args, words", [
    (("reject",), "reject needs --reason"),
    (("decide",), "decide needs --outcome"),
    (("request-supplement", "--missing", "form"), "request-supplement needs --due"),
    (("start-procedure", "--kind", "hearing"), "start-procedure needs --reason"),
    (("reassign", "--step", "s2"), "reassign needs --to"),
    (("request-supplement", "--missing", "form", "--due", "soon"), "not a day"),
    (("receive-supplement", "--material", "form:x"), "KEY[:ORIGINALS[:COPIES]]"),
    (("fly",), "Invalid value for"),
])
def test_wrong_arguments_exit_2_without_a_call(node: Node, args, words) -> None:
    result = run(node, CLERK, "act", "511602202611020000001", *args)
    assert result.exit_code == 2 and words in result.output


def test_a_step_action_with_two_steps_running_needs_step(node: Node) -> None:
    number = accepted(node)
    result = run(node, REVIEWER, "act", number, "claim")
    assert result.exit_code == 2
    assert re.search(r"running now: s\d \(审查\), s\d \(消防意见\)", result.output)


def test_an_unknown_case_exits_1(node: Node) -> None:
    result = run(node, CLERK, "show", "511602209901010000009")
    assert result.exit_code == 1 and "CASE_NOT_FOUND" in result.stderr


def test_without_a_token_the_service_says_sign_in(node: Node) -> None:
    result = run(node, None, "show", "511602209901010000009")
    assert result.exit_code == 1
    assert "give --token, set SUNLIGHT_TOKEN, or use --as SUBJECT --role ROLE" in result.stderr


def test_an_unreachable_service_exits_1(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"
    result = CliRunner().invoke(cases, ["show", "511602202611020000001", "--address", dead,
                                        "--token", CLERK, "--timeout", "2"])
    assert result.exit_code == 1 and "cannot reach the case service" in result.stderr


# --- tokens and keys ---------------------------------------------------------------------------
def test_a_minted_token_carries_department_and_position(node: Node) -> None:
    number = accepted(node)
    ok(run(node, FIRE_REVIEWER, "act", number, "complete-step", "--step",
           step_id(node, number, "review/fire")))
    ok(run(node, REVIEWER, "act", number, "complete-step"))
    minted = CliRunner().invoke(main, [
        "cases", "act", number, "decide", "--outcome", "refuse", "--reason", "不符合条件",
        "--legal-basis", "《企业投资项目核准和备案管理条例》第十条", "--address", node.address,
        "--as", "chief-2", "--role", "clerk", "--as-department", DEPT_CODE.lower(),
        "--as-region", "511602", "--position", "chief"], catch_exceptions=False)
    assert minted.exit_code == 0, minted.output
    assert "decision: refuse" in minted.stdout
    trace = ok(run(node, CLERK, "trace", number)).stdout
    assert re.search(rf"case\.decided\s+chief-2 \(chief, {DEPT_CODE}\)", trace)
    by_name = CliRunner().invoke(main, [
        "cases", "show", number, "--address", node.address, "--as", "chief-3", "--role",
        "clerk", "--as-department", DEPT])
    assert by_name.exit_code == 2 and "unified social credit code" in by_name.output


def test_as_without_a_role_is_a_usage_error(node: Node) -> None:
    result = CliRunner().invoke(cases, ["show", "1", "--address", node.address,
                                        "--as", "ann"])
    assert result.exit_code == 2 and "--as needs at least one --role" in result.output


def test_the_same_key_acts_once(node: Node) -> None:
    first = submit(node, "--key", "dept-system-4711")
    again = submit(node, "--key", "dept-system-4711")
    assert first == again
    other = run(node, CLERK, "submit", ITEM.item_id, "--region", "511602", "--applicant",
                "李四", "--id-number", "511602199001011236", "--key", "dept-system-4711")
    assert other.exit_code == 1 and "IDEMPOTENCY_KEY_REUSED" in other.stderr
    made = run(node, CLERK, "act", first, "accept")
    assert re.search(r"idempotency key: [0-9a-f]{32} \(repeat the call safely with --key",
                     made.stderr)


# --- queue, trace, verify ------------------------------------------------------------------------
def test_queue_lists_a_handlers_running_steps(node: Node) -> None:
    number = accepted(node)
    listed = ok(run(node, REVIEWER, "queue"))
    [line] = [line for line in listed.stdout.splitlines() if line.startswith(number)]
    assert re.search(rf"{number}  s\d 审查  企业投资项目核准  {DEPT} \({DEPT_CODE}\)  due .* "
                     "unclaimed", line)
    assert "running steps" in listed.stderr
    ok(run(node, REVIEWER, "act", number, "claim", "--step", step_id(node, number, "review")))
    mine = ok(run(node, REVIEWER, "queue", "--mine", "--json"))
    entries = json.loads(mine.stdout)["entries"]
    assert [e["step"]["assignee"] for e in entries if e["case_number"] == number] == [
        "reviewer-1"]
    assert number not in ok(run(node, CHIEF, "queue")).stdout


def test_trace_lists_every_action(node: Node) -> None:
    number = accepted(node)
    listed = ok(run(node, CLERK, "trace", number)).stdout.splitlines()
    actions = [line.split()[3] for line in listed]
    assert actions[:3] == ["case.submitted", "case.step_started", "case.accepted"]
    assert actions.count("case.step_started") == 3  # acceptance, the review and its branch
    assert re.search(rf"case\.accepted\s+clerk-1 \(clerk, {DEPT_CODE}\)\s+submitted → "
                     r"in_progress  “材料齐全”", "\n".join(listed))
    entries = json.loads(ok(run(node, CLERK, "trace", number, "--json")).stdout)["entries"]
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(entries, entries[1:], strict=False))


def test_verify_names_a_trace_row_changed_in_the_database(node: Node) -> None:
    """The issue's words: a trace row changed directly in the database is named by
    `sunlight cases verify`."""
    number = accepted(node)
    intact = ok(run(node, SUPERVISOR, "verify", number))
    assert re.search(rf"{number}: trace intact, 5 entries, head [0-9a-f]{{64}}", intact.stdout)
    with node.db.begin() as c:  # around the append-only trigger, as a database owner could
        c.execute(text("DROP TRIGGER case_trace_no_update"))
        c.execute(t.case_trace.update().where(t.case_trace.c.case_number == number,
                                              t.case_trace.c.seq == 3).values(opinion="改过"))
    broken = run(node, SUPERVISOR, "verify", number)
    assert broken.exit_code == 1
    assert f"{number}: trace BROKEN at entry 3: its content does not match its hash" in (
        broken.stderr)


def test_what_the_contract_refuses_is_named_by_field(node: Node) -> None:
    number = submit(node)
    result = run(node, CLERK, "act", number, "claim", "--step", "step-one")
    assert result.exit_code == 1
    assert "INVALID_ARGUMENT" in result.stderr and "claim.instance_id" in result.stderr


# --- documents ----------------------------------------------------------------------------------
def test_documents_listed_written_to_a_file_and_verified(node: Node, tmp_path: Path) -> None:
    number = accepted(node)
    listed = ok(run(node, CLERK, "documents", number)).stdout
    assert re.search(r"^d\d+ +受理通知书  区发改受〔\d{4}〕\d+号", listed, re.M), listed
    assert "PDF not rendered yet" in listed
    document_id = listed.split()[0]
    target = tmp_path / "notice.pdf"
    got = ok(run(node, CLERK, "document", "get", number, document_id, "-o", str(target)))
    assert target.read_bytes().startswith(b"%PDF-") and "受理通知书" in got.stdout
    verified = ok(run(node, CLERK, "document", "verify", str(target)))
    assert "VALID" in verified.stdout and number in verified.stdout
    # a PDF with a page added: named, exit 1
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(target)))
    writer.add_blank_page()
    changed = tmp_path / "changed.pdf"
    writer.write(str(changed))
    refused = run(node, CLERK, "document", "verify", str(changed))
    assert refused.exit_code == 1 and "NOT VALID" in refused.output
    assert "pages" in refused.output
    # the public may not
    hall = mint_token(SECRET, "hall", ["hall"], ["511602"])
    denied = run(node, hall, "documents", number)
    assert denied.exit_code == 1 and "PERMISSION_DENIED" in denied.output, denied.output


# --- the service centre ---------------------------------------------------------------------
WINDOW = token("window-1", department=None, role="window_clerk")


def test_the_service_centre_lists_urges_and_assists(node: Node) -> None:
    number = accepted(node)
    listed = ok(run(node, WINDOW, "branches"))
    [line] = [line for line in listed.stdout.splitlines() if line.startswith(number)]
    assert re.search(rf"{number}  s\d 消防意见  企业投资项目核准  {FIRE} \({FIRE_CODE}\)  due .* "
                     "unclaimed$", line)
    assert "running parallel branches" in listed.stderr
    assert ok(run(node, WINDOW, "branches", "--late")).stdout == ""  # none late yet
    refused = run(node, CLERK, "branches")
    assert refused.exit_code == 1 and "case.coordinate" in refused.stderr
    # the one running branch is taken without --step
    urged = ok(run(node, WINDOW, "act", number, "urge", "--note", "请于周五前出具消防意见"))
    assert re.search(rf"消防意见 — {FIRE} \({FIRE_CODE}\) \(reviewer\), due .*, urged 1×",
                     urged.stdout)
    assert re.search(rf"urged: s\d {FIRE} \({FIRE_CODE}\) \(due \d{{4}}-\d\d-\d\d\) by "
                     "window-1, .*: 请于周五前出具消防意见", urged.stdout)
    assert "urge needs --note" in run(node, WINDOW, "act", number, "urge").output
    helped = ok(run(node, WINDOW, "act", number, "assist", "--assistance", "assist",
                    "--note", "协助补正材料"))
    assert re.search(r"assisted \(帮办\) by window-1, .*: 协助补正材料", helped.stdout)
    assert "assist needs --assistance" in run(node, WINDOW, "act", number, "assist",
                                              "--note", "x").output
    not_theirs = run(node, CLERK, "act", number, "assist", "--assistance", "guide",
                     "--note", "领办")
    assert not_theirs.exit_code == 1 and "PERMISSION_DENIED" in not_theirs.stderr
    shown = json.loads(ok(run(node, CLERK, "show", number, "--json")).stdout)
    assert [a["kind"] for a in shown["assistance"]] == ["ASSISTANCE_KIND_ASSIST"]
    assert [u["note"] for u in shown["urges"]] == ["请于周五前出具消防意见"]


def test_a_queue_of_another_departments_code_is_refused(node: Node) -> None:
    accepted(node)
    own = ok(run(node, REVIEWER, "queue", "--department", DEPT_CODE.lower(), "--json"))
    assert json.loads(own.stdout)["total"] >= 1
    other = run(node, REVIEWER, "queue", "--department", FIRE_CODE)
    assert other.exit_code == 1 and "OTHER_DEPARTMENT" in other.stderr
    by_name = run(node, REVIEWER, "queue", "--department", "区发展改革局")
    assert by_name.exit_code == 1 and "department_code: a code of ASCII letters" in (
        by_name.stderr)
    old = run(node, REVIEWER, "queue", "--department", "68236467-9")
    assert old.exit_code == 1 and "INVALID_DEPARTMENT_CODE" in old.stderr
    assert "organisation code (组织机构代码, GB 11714)" in old.stderr


def test_a_fee_is_charged_or_waived_and_countermeasures_stated(node: Node) -> None:
    number = accepted(node)
    charged = ok(run(node, CLERK, "act", number, "charge-fee", "--fee", "工本费",
                     "--amount", "12.50", "--quantity", "2", "--receipt", "SC-0001"))
    assert re.search(r"fee f1 工本费: 12\.50 yuan for 2, receipt SC-0001, by clerk-1",
                     charged.stdout)
    waived = ok(run(node, CLERK, "act", number, "charge-fee", "--fee", "证照费", "--waived",
                    "--basis", "小微企业免收"))
    assert "fee f2 证照费: waived (免收): 小微企业免收" in waived.stdout
    assert "charge-fee needs --amount and --receipt" in run(
        node, CLERK, "act", number, "charge-fee", "--fee", "工本费", "--amount", "3").output
    assert "not an amount in yuan" in run(
        node, CLERK, "act", number, "charge-fee", "--fee", "工本费", "--amount", "1.005",
        "--receipt", "R").output
    again = run(node, CLERK, "act", number, "charge-fee", "--fee", "工本费", "--amount", "1",
                "--receipt", "SC-0001")
    assert again.exit_code == 1 and "RECEIPT_RECORDED" in again.stderr
    shown = json.loads(ok(run(node, CLERK, "show", number, "--json")).stdout)
    assert shown["fees"][0]["amount"] == {"currency_code": "CNY", "units": "12",
                                          "nanos": 500000000}
    ok(run(node, FIRE_REVIEWER, "act", number, "complete-step", "--step",
           step_id(node, number, "review/fire"), "--countermeasure", "现场核验"))
    done = ok(run(node, REVIEWER, "act", number, "complete-step", "--countermeasure",
                  "双人审核", "--countermeasure", "全程留痕"))
    assert re.search(r"s\d 审查 .*done.* by reviewer-1, countermeasures: 双人审核; 全程留痕",
                     done.stdout)
    assert "states no countermeasures" in run(node, CLERK, "act", number, "withdraw",
                                              "--countermeasure", "x").output
