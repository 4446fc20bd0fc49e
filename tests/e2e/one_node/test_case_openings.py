"""Cases the government opens (立案), end to end through the gateway of a running node: a
penalty from its opening to its closing, a hearing asked for within its window, a decision
inside its discretion standard and one outside it (refused without a written justification,
accepted with one, and both seen by supervision), a meeting that decides with its minutes."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from services.shared.auth import mint_token
from services.shared.working_days import WorkingCalendar, local_day
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import credit_code, implementation_code
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]
DEPT = "区市场监督管理局"
CODE = departments.MARKET
BASIS = "《中华人民共和国食品安全法》第一百二十二条"
STAFF = {  # subject → (role, department, positions)
    "admin": ("admin", None, ()),
    "inspector": ("clerk", DEPT, ("inspector",)),
    "inspector-2": ("clerk", DEPT, ("inspector",)),
    "head": ("clerk", DEPT, ("head",)),
    "host": ("clerk", DEPT, ("legal",)),
}
STEPS = [("open", "立案", "OPENING", "head"), ("investigate", "调查取证", "INVESTIGATION",
                                                "inspector"),
         ("notify", "告知", "NOTIFICATION", "inspector"), ("decide", "决定", "DECISION", "head"),
         ("serve", "送达", "SERVICE", "inspector"), ("execute", "执行", "EXECUTION",
                                                     "inspector"),
         ("close", "结案", "CLOSING", "inspector")]


@pytest.fixture(scope="module")
def api(node) -> dict[str, httpx.Client]:
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    base = f"http://127.0.0.1:{node.port('gateway_http')}"
    clients = {}
    for subject, (role, department, positions) in STAFF.items():
        region = "510000" if role == "admin" else "511602"
        token = mint_token(secret, subject, [role], [region],
                           department=CODE if department else None,
                           department_name=department or "", positions=positions)
        clients[subject] = httpx.Client(base_url=base, timeout=15,
                                        headers={"Authorization": f"Bearer {token}"})
    yield clients
    for client in clients.values():
        client.close()


def ok(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code < 300, reply.text
    return reply.json()


@pytest.fixture(scope="module")
def item(api) -> str:
    draft = {
        "name": "对未取得食品经营许可从事食品经营活动的处罚",
        "code": implementation_code("511602"), "item_type": "02", "region": "511602",
        "department": DEPT, "department_code": CODE, "statutory_limit_days": 90,
        "limit_unit": "TIME_UNIT_CALENDAR_DAYS",
        "legal_basis": [{"law": "《中华人民共和国食品安全法》", "article": "第一百二十二条"}],
        "steps": [{"key": k, "name": n, "kind": f"STEP_KIND_{kind}", "role": role,
                   "limit_days": 5} for k, n, kind, role in STEPS],
        "discretion_standards": [
            {"key": "first", "severity": "一般", "fact_pattern": "初次违法，货值较小",
             "range": "警告，或罚款 500 元以上 5000 元以下", "measures": ["warning", "fine"],
             "min_amount": {"units": 500}, "max_amount": {"units": 5000}},
            {"key": "repeat", "severity": "较重", "fact_pattern": "多次违法",
             "range": "罚款 5000 元以上 50000 元以下", "measures": ["fine", "confiscate_gains"],
             "min_amount": {"units": 5000}, "max_amount": {"units": 50000}}],
        "collective_review_above": {"units": 30000}}
    made = ok(api["admin"].post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                                   "draft": draft}))["item"]["item_id"]
    ok(api["admin"].post(f"/v1/items/{made}/versions/1/publish",
                         json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW}))
    return made


def act(api, who: str, case: dict[str, Any], **action: Any) -> httpx.Response:
    return api[who].post(f"/v1/cases/{case['case_number']}/actions",
                         json={"idempotency_key": uuid.uuid4().hex, **action})


def done(api, who: str, case: dict[str, Any], **action: Any) -> dict[str, Any]:
    return ok(act(api, who, case, **action))["case"]


def refused(reply: httpx.Response, code: str) -> dict[str, Any]:
    assert reply.status_code == 422, reply.text
    error = reply.json()["error"]
    assert error["code"] == code, error
    return error


def running(case: dict[str, Any]) -> dict[str, str]:
    return {s["key"]: s["instance_id"] for s in case["steps"]
            if s["status"] == "STEP_STATUS_ACTIVE"}


def to_notification(api, item: str, party: str) -> dict[str, Any]:
    case = ok(api["inspector"].post("/v1/case-openings", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item, "region": "511602",
        "parties": [{"name": "某食品店", "id_type": "credit_code", "id_number": party}],
        "facts": "未取得食品经营许可销售预包装食品", "source": "complaint",
        "legal_basis": [BASIS],
        "evidence": [{"kind": "inspection_record", "description": "现场检查笔录"}]}))["case"]
    assert case["opened"] and case["channel"] == "CHANNEL_OPENED"
    assert case["status"] == "CASE_STATUS_SUBMITTED"
    assert act(api, "inspector", case, accept={}).status_code == 403  # the head's
    case = done(api, "head", case, accept={"opinion": "同意立案"})
    assert case["statutory"]["unit"] == "TIME_UNIT_CALENDAR_DAYS"
    case = done(api, "inspector", case, record_evidence={"evidence": {
        "kind": "documentary", "description": "进货单据", "sha256": "ab" * 32}})
    return done(api, "inspector", case, complete_step={
        "instance_id": running(case)["investigate"], "opinion": "违法事实清楚"})


def test_a_hearing_is_asked_for_within_its_window_and_noticed_7_working_days_ahead(
        api, item) -> None:
    case = to_notification(api, item, credit_code(71))
    case = done(api, "inspector-2", case, notify={
        "intended": "拟罚款 3000 元", "hearing_right": True,
        "penalty": {"circumstance": "first", "measures": ["fine"], "amount": {"units": 3000}}})
    calendar, today = WorkingCalendar.official(), local_day()
    due = calendar.add_working_days(today, 5).iso()
    assert case["notification"]["hearing_due_on"] == due
    error = refused(act(api, "head", case, decide={
        "outcome": "impose", "reasons": "事实清楚", "legal_basis": [BASIS],
        "penalty": {"circumstance": "first", "measures": ["fine"],
                    "amount": {"units": 3000}}}), "HEARING_WINDOW_OPEN")
    assert error["metadata"]["hearing_due_on"] == due
    case = done(api, "inspector", case, request_hearing={})
    assert case["clock"]["stopped"] and case["hearing"]["requested_on"] == today.isoformat()
    earliest = calendar.add_working_days(today, 7).iso()
    too_soon = refused(act(api, "inspector", case, schedule_hearing={
        "on": today.isoformat(), "place": "第一会议室", "host": "host"}),
        "HEARING_NOTICE_TOO_SHORT")
    assert too_soon["metadata"]["earliest"] == earliest
    refused(act(api, "inspector", case, schedule_hearing={
        "on": earliest, "place": "第一会议室", "host": "inspector"}), "HOST_INVESTIGATED")
    case = done(api, "inspector", case, schedule_hearing={
        "on": earliest, "place": "第一会议室", "host": "host"})
    assert case["hearing"]["scheduled_on"] == earliest
    refused(act(api, "host", case, hold_hearing={"record": "陈述", "outcome": "维持"}),
            "HEARING_NOT_YET")


def test_a_penalty_outside_its_standard_is_refused_then_justified(api, item) -> None:
    case = to_notification(api, item, credit_code(72))
    case = done(api, "inspector-2", case, notify={"intended": "拟罚款 8000 元",
                                                  "hearing_right": True})
    case = done(api, "inspector", case, waive_hearing={"reason": "当事人书面放弃听证"})
    heavy = {"outcome": "impose", "reasons": "拒不改正", "legal_basis": [BASIS],
             "penalty": {"circumstance": "first", "measures": ["fine"],
                         "amount": {"units": 8000}}}
    error = refused(act(api, "head", case, decide=heavy), "DISCRETION_OUT_OF_RANGE")
    assert "500–5000" in error["metadata"]["allowed"]
    trace = ok(api["head"].get(f"/v1/cases/{case['case_number']}/trace"))["entries"]
    assert trace[-1]["action"] == "case.decision_refused"
    heavy["penalty"]["departure"] = "当事人拒不改正，经负责人批准从重处罚"
    case = done(api, "head", case, decide=heavy)
    penalty = case["decision"]["penalty"]
    assert case["status"] == "CASE_STATUS_DECIDED" and penalty["within_standard"] is False
    trace = ok(api["head"].get(f"/v1/cases/{case['case_number']}/trace"))["entries"]
    assert trace[-1]["action"] == "case.discretion_departed"

    def record() -> dict | None:  # supervision applied every event, the refused one too
        reply = api["admin"].get(f"/v1/supervision/cases/{case['case_number']}")
        found = reply.json().get("record") if reply.status_code == 200 else None
        return found if found and int(found["last_sequence"]) == int(case["sequence"]) \
            else None

    found = wait_for(record, timeout_s=30, what="supervision's record of the case")
    assert int(found["events_applied"]) == int(case["sequence"]) == len(trace)


def test_a_large_fine_is_decided_by_a_meeting_and_the_case_runs_to_its_closing(
        node, api, item) -> None:
    party = credit_code(73)
    earlier = to_notification(api, item, party)  # an earlier case against the same party
    case = to_notification(api, item, party)
    assert [p["case_number"] for p in case["prior_cases"]] == [earlier["case_number"]]
    case = done(api, "inspector-2", case, notify={"intended": "拟罚款 40000 元"})
    large = {"outcome": "impose", "reasons": "多次违法", "legal_basis": [BASIS],
             "penalty": {"circumstance": "repeat", "measures": ["fine"],
                         "amount": {"units": 40000}}}
    refused(act(api, "head", case, decide=large), "COLLECTIVE_REVIEW_REQUIRED")
    members = [("王局长", "局长"), ("李副局长", "副局长"), ("张科长", "法制科长")]
    case = done(api, "head", case, record_collective_review={
        "held_on": local_day().isoformat(),
        "participants": [{"name": n, "position": p} for n, p in members],
        "opinions": [{"participant": n, "opinion": "同意按较重情节处罚"} for n, _ in members],
        "minutes": "会议听取了案件调查情况汇报，讨论了处罚幅度。", "outcome": "同意罚款 40000 元"})
    case = done(api, "head", case, decide=large)
    assert case["decision"]["penalty"]["within_standard"] is True
    case = done(api, "inspector", case, serve={"method": "direct", "recipient": "某食品店负责人"})
    case = done(api, "inspector", case, complete_step={
        "instance_id": running(case)["execute"], "opinion": "罚款已缴纳"})
    case = done(api, "inspector", case, complete_step={"instance_id": running(case)["close"]})
    assert case["status"] == "CASE_STATUS_COMPLETED"
    assert ok(api["head"].get(f"/v1/cases/{case['case_number']}/trace/verify"))["intact"]
    # its documents, each issued by its event and verifiable against the trace
    number = case["case_number"]
    documents = ok(api["head"].get(f"/v1/cases/{number}/documents"))["documents"]
    assert [d["kind"] for d in documents] == ["filing_approval", "penalty_notice",
                                              "penalty_decision", "service_receipt"]
    decision = documents[2]
    assert re.fullmatch(r"区市监罚〔\d{4}〕\d+号", decision["number"]), decision
    pdf = api["head"].get(f"/v1/cases/{number}/documents/{decision['document_id']}").content
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(
        io.BytesIO(pdf)).pages))
    for word in ("行政处罚决定书", "某食品店", "罚款人民币40000元", BASIS, "十五日内"):
        assert word in text, word
    verdict = ok(api["head"].post("/v1/documents/verify", content=pdf,
                                  headers={"Content-Type": "application/pdf"}))
    assert verdict["valid"] and verdict["document"]["number"] == decision["number"]
    receipt = ok(api["head"].get(f"/v1/cases/{number}/documents/"
                                 f"{documents[3]['document_id']}/verify"))
    assert receipt["valid"]
    public = httpx.get(f"http://127.0.0.1:{node.port('gateway_http')}/v1/cases/"
                       f"{case['case_number']}", timeout=10)
    assert public.status_code == 401  # nothing of it without a token
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "head", ["clerk"], ["511602"],
                       department=CODE, department_name=DEPT, positions=("head",))
    minutes = subprocess.run(
        [str(Path(sys.executable).with_name("sunlight")), "cases", "minutes",
         case["case_number"], "--address", f"127.0.0.1:{node.port('gateway_grpc')}",
         "--token", token], cwd=ROOT, env=node.full_env(), capture_output=True, text=True,
        timeout=60)
    assert minutes.returncode == 0, minutes.stderr
    assert "集体讨论记录" in minutes.stdout and "李副局长：同意按较重情节处罚" in minutes.stdout
