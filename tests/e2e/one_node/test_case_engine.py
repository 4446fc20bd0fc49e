"""The case engine end to end, through the gateway of a running node: a case runs from its
application to its published result in every mode — with parallel branches, supplements, a
return and a special procedure — its due dates are those of the official calendar with the
stopped time left out, its trace verifies, and a trace row changed in the database is named
by ``sunlight cases verify``."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from pypdf import PdfReader, PdfWriter

from services.shared.auth import mint_token
from services.shared.working_days import WorkingCalendar, local_day
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]
DEPT, FIRE, ENV, CITY = "区发展改革局", "区消防救援大队", "区生态环境局", "市发展改革委"
#: their unified social credit codes: who acts is decided by these
CODE = {DEPT: departments.DEVELOPMENT, FIRE: departments.FIRE,
        ENV: departments.ENVIRONMENT, CITY: departments.CITY_DEVELOPMENT}
APPLICANT = {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}
LAW = [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]
#: who holds which post: subject → (role, region, department, positions)
STAFF = {
    "admin": ("admin", "510000", None, ()),
    "clerk": ("clerk", "511602", DEPT, ()),
    "reviewer": ("clerk", "511602", DEPT, ("reviewer",)),
    "fire": ("clerk", "511602", FIRE, ("reviewer",)),
    "env": ("clerk", "511602", ENV, ("reviewer",)),
    "chief": ("clerk", "511602", DEPT, ("chief",)),
    "city-chief": ("clerk", "511600", CITY, ("chief",)),
    "window": ("window_clerk", "511602", None, ()),
}


@pytest.fixture(scope="module")
def api(node) -> dict[str, httpx.Client]:
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    base = f"http://127.0.0.1:{node.port('gateway_http')}"
    clients = {}
    for subject, (role, region, department, positions) in STAFF.items():
        token = mint_token(secret, f"e2e-{subject}", [role], [region],
                           department=CODE.get(department or ""),
                           department_name=department or "", positions=positions)
        clients[subject] = httpx.Client(base_url=base, timeout=15,
                                        headers={"Authorization": f"Bearer {token}"})
    yield clients
    for client in clients.values():
        client.close()


def ok(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code < 300, reply.text
    return reply.json()


def publish(api: dict[str, httpx.Client], **draft: Any) -> str:
    body = {"name": "建设项目核准", "code": implementation_code("511602"), "item_type": "01",
            "region": "511602", "department": DEPT, "department_code": CODE[DEPT],
            "statutory_limit_days": 20,
            "promised_limit_days": 10, "legal_basis": LAW, **draft}
    item = ok(api["admin"].post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                                   "draft": body}))["item"]["item_id"]
    ok(api["admin"].post(f"/v1/items/{item}/versions/1/publish",
                         json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW}))
    return item


def full_flow(decide_department: str = "", modes: tuple[str, ...] = (
        "HANDLING_MODE_PROMISED", "HANDLING_MODE_IMMEDIATE")) -> dict[str, Any]:
    return {
        "steps": [
            {"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk",
             "kind": "STEP_KIND_ACCEPTANCE"},
            {"key": "review", "name": "审查", "limit_days": 3, "role": "reviewer",
             "kind": "STEP_KIND_REVIEW", "parallel_branches": [
                 {"key": "fire", "department": FIRE, "department_code": CODE[FIRE],
                  "name": "消防意见", "limit_days": 2, "role": "reviewer"},
                 {"key": "env", "department": ENV, "department_code": CODE[ENV],
                  "name": "环评意见", "limit_days": 3, "role": "reviewer"}]},
            {"key": "decide", "name": "决定", "limit_days": 2, "role": "chief",
             "kind": "STEP_KIND_DECISION", "returns_to": ["review"],
             "department": decide_department,
             "department_code": CODE.get(decide_department, "")}],
        "materials": [{"key": "form", "name": "申请表", "mandatory": True, "originals": 1},
                      {"key": "licence", "name": "营业执照", "mandatory": True, "copies": 1}],
        "modes": list(modes),
        "special_procedures": ["SPECIAL_PROCEDURE_EXPERT_REVIEW"]}


def submit(api, item: str, mode: str = "promised",
           materials=({"key": "form", "originals": 1}, {"key": "licence", "copies": 1})):
    return ok(api["clerk"].post("/v1/cases", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item, "region": "511602",
        "applicant": APPLICANT, "mode": mode, "materials": list(materials)}))["case"]


def act(api, who: str, case: dict[str, Any], **action: Any) -> dict[str, Any]:
    return ok(api[who].post(f"/v1/cases/{case['case_number']}/actions",
                            json={"idempotency_key": uuid.uuid4().hex, **action}))["case"]


def running(case: dict[str, Any]) -> dict[str, str]:
    """Running steps: key → instance id."""
    return {s["key"]: s["instance_id"] for s in case["steps"]
            if s["status"] == "STEP_STATUS_ACTIVE"}


def review_all(api, case: dict[str, Any]) -> dict[str, Any]:
    steps = running(case)
    assert set(steps) == {"review", "review/fire", "review/env"}, steps
    for key, who in (("review/fire", "fire"), ("review/env", "env"), ("review", "reviewer")):
        case = act(api, who, case, complete_step={"instance_id": steps[key]})
    return case


def test_a_promised_case_with_supplements_branches_a_return_and_a_procedure(api) -> None:
    calendar = WorkingCalendar.official()
    today = local_day()
    item = publish(api, **full_flow())
    case = submit(api, item, materials=({"key": "form", "originals": 1},))
    assert case["status"] == "CASE_STATUS_SUBMITTED"
    assert [m for m in case["missing_materials"] if "licence" in m]
    refused = api["clerk"].post(f"/v1/cases/{case['case_number']}/actions", json={
        "idempotency_key": uuid.uuid4().hex, "accept": {}})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "MATERIALS_INCOMPLETE"

    case = act(api, "clerk", case, request_supplement={
        "missing": ["licence"], "due_date": (today + timedelta(days=15)).isoformat()})
    assert case["status"] == "CASE_STATUS_SUPPLEMENT" and case["clock"]["stopped"]
    assert case["clock"]["stopped_because"] == "supplement"
    case = act(api, "clerk", case, receive_supplement={
        "materials": [{"key": "licence", "copies": 1}]})
    assert case["status"] == "CASE_STATUS_SUBMITTED" and not case["clock"]["stopped"]
    case = act(api, "clerk", case, accept={"opinion": "材料齐全，予以受理"})

    # the due dates of the official calendar (the stop began and ended today: nothing left
    # out); every running step has its own, branches included
    assert case["promised"]["due_date"] == calendar.add_working_days(today, 10).iso()
    assert case["statutory"]["due_date"] == calendar.add_working_days(today, 20).iso()
    dues = {s["key"]: s["due_date"] for s in case["steps"]
            if s["status"] == "STEP_STATUS_ACTIVE"}
    assert dues == {"review": calendar.add_working_days(today, 3).iso(),
                    "review/fire": calendar.add_working_days(today, 2).iso(),
                    "review/env": calendar.add_working_days(today, 3).iso()}
    assert case["next_steps"] == ["决定"]

    case = review_all(api, case)
    assert list(running(case)) == ["decide"]
    case = act(api, "chief", case, return_step={"instance_id": running(case)["decide"],
                                                "to_key": "review", "reason": "消防意见不明确"})
    returned = [s for s in case["steps"] if s["status"] == "STEP_STATUS_RETURNED"]
    assert [s["key"] for s in returned] == ["decide"]
    case = review_all(api, case)

    case = act(api, "chief", case, start_procedure={
        "kind": "expert_review", "reason": "需专家论证"})
    assert case["clock"]["stopped"] and case["promised"]["due_date"] == ""
    assert "decide" not in case["allowed_actions"]
    case = act(api, "chief", case, end_procedure={"result": "专家论证通过"})
    assert not case["clock"]["stopped"]
    assert case["promised"]["due_date"] == calendar.add_working_days(today, 10).iso()

    refused = api["clerk"].post(f"/v1/cases/{case['case_number']}/actions", json={
        "idempotency_key": uuid.uuid4().hex, "decide": {"outcome": "approve"}})
    assert refused.status_code == 403  # the decision step is the chief's
    case = act(api, "chief", case, decide={"outcome": "approve", "reasons": "符合条件",
                                           "document_number": "广发改核〔2026〕1号",
                                           "certificate": "项目核准批复"})
    case = act(api, "clerk", case, publish_result={})
    case = act(api, "clerk", case, complete={})
    assert case["status"] == "CASE_STATUS_COMPLETED"
    assert case["decision"]["document_number"] == "广发改核〔2026〕1号"
    assert [p["result"] for p in case["procedures"]] == ["专家论证通过"]
    verified = ok(api["clerk"].get(f"/v1/cases/{case['case_number']}/trace/verify"))
    assert verified["intact"] and int(verified["entries"]) == int(case["sequence"])


def test_an_immediate_case_is_due_the_same_day(api) -> None:
    case = submit(api, publish(api, **full_flow()), mode="immediate")
    case = act(api, "clerk", case, accept={})
    today = local_day().isoformat()
    assert case["promised"]["due_date"] == today
    assert {s["due_date"] for s in case["steps"] if s["status"] == "STEP_STATUS_ACTIVE"} == {
        today}


def test_a_reported_case_is_decided_one_level_up(api) -> None:
    item = publish(api, **full_flow(CITY, ("HANDLING_MODE_REPORTED",)))
    case = act(api, "clerk", submit(api, item, mode="reported"), accept={})
    case = review_all(api, case)
    decision = next(s for s in case["steps"] if s["key"] == "decide")
    assert (decision["region"], decision["department"], decision["department_code"]) == (
        "511600", CITY, CODE[CITY])
    refused = api["chief"].post(f"/v1/cases/{case['case_number']}/actions", json={
        "idempotency_key": uuid.uuid4().hex, "decide": {"outcome": "approve"}})
    assert refused.status_code == 403
    case = act(api, "city-chief", case, decide={"outcome": "approve", "reasons": "同意"})
    assert case["status"] == "CASE_STATUS_DECIDED"


def test_a_filing_is_registered_on_acceptance(api) -> None:
    item = publish(api, steps=[{"key": "accept", "name": "登记", "limit_days": 1,
                                "role": "clerk", "kind": "STEP_KIND_ACCEPTANCE"}],
                   modes=["HANDLING_MODE_FILING"])
    case = submit(api, item, mode="filing", materials=())
    case = act(api, "clerk", case, accept={"opinion": "予以备案"})
    assert case["status"] == "CASE_STATUS_COMPLETED" and case["next_steps"] == []


def test_a_changed_trace_row_is_named_by_sunlight_cases_verify(node, api, database_url) -> None:
    case = act(api, "clerk", submit(api, publish(api, **full_flow())), accept={})
    number = case["case_number"]
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:  # the owner goes around the trigger
        conn.execute("ALTER TABLE cases.case_trace DISABLE TRIGGER case_trace_no_update")
        try:
            conn.execute("UPDATE cases.case_trace SET opinion = '改过的意见' "
                         "WHERE case_number = %s AND seq = 3", (number,))
        finally:
            conn.execute("ALTER TABLE cases.case_trace ENABLE TRIGGER case_trace_no_update")
    sunlight = Path(sys.executable).with_name("sunlight")
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "e2e-verifier", ["supervisor"],
                       ["511602"])
    result = subprocess.run(
        [str(sunlight), "cases", "verify", number, "--address",
         f"127.0.0.1:{node.port('gateway_grpc')}", "--token", token],
        cwd=ROOT, env=node.full_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{number}: trace BROKEN at entry 3:" in result.stderr, result.stderr


def test_supervision_keeps_every_event_of_a_case(api) -> None:
    case = act(api, "clerk", submit(api, publish(api, **full_flow())), accept={})

    def record() -> dict | None:
        reply = api["admin"].get(f"/v1/supervision/cases/{case['case_number']}")
        found = reply.json().get("record") if reply.status_code == 200 else None
        return found if found and int(found["last_sequence"]) == int(case["sequence"]) else None

    found = wait_for(record, timeout_s=30, what="supervision's record of the case")
    assert int(found["events_applied"]) == int(case["sequence"])


def test_an_accepted_case_s_notice_is_downloaded_and_verified(node, api, tmp_path) -> None:
    """受理通知书 through the gateway: issued with the acceptance (its hash in the trace),
    downloaded as a PDF in Chinese, verified through the JSON API and by `sunlight cases
    document verify` through the gateway's gRPC port; a page added is named; the public gets
    nothing."""
    item = publish(api, **full_flow())
    case = act(api, "clerk", submit(api, item), accept={"opinion": "材料齐全，予以受理"})
    number = case["case_number"]
    (notice,) = ok(api["clerk"].get(f"/v1/cases/{number}/documents"))["documents"]
    assert notice["title"] == "受理通知书" and notice["kind"] == "acceptance_notice"
    assert re.fullmatch(r"区发改受〔\d{4}〕\d+号", notice["number"]), notice
    entries = ok(api["clerk"].get(f"/v1/cases/{number}/trace"))["entries"]
    accepted = next(e for e in entries if e["action"] == "case.accepted")
    assert f"d{accepted['seq']}" == notice["document_id"]
    (recorded,) = json.loads(accepted["data_json"])["documents"]
    assert recorded["content_sha256"] == notice["content_sha256"]
    shown = ok(api["clerk"].get(f"/v1/cases/{number}"))["case"]["documents"]
    assert [d["document_id"] for d in shown] == [notice["document_id"]]

    reply = api["clerk"].get(f"/v1/cases/{number}/documents/{notice['document_id']}")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    pdf = reply.content
    assert reply.headers["etag"] == f'"{hashlib.sha256(pdf).hexdigest()}"'
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", "", text)
    for word in ("受理通知书", notice["number"], f"{APPLICANT['name']}：", "建设项目核准",
                 "予以受理", number, notice["content_sha256"]):
        assert word in flat, word
    again = api["clerk"].get(f"/v1/cases/{number}/documents/{notice['document_id']}")
    assert again.content == pdf  # rendered once, the same bytes

    verdict = ok(api["clerk"].post("/v1/documents/verify", content=pdf,
                                   headers={"Content-Type": "application/pdf"}))
    assert verdict["valid"] and verdict["document"]["number"] == notice["number"], verdict
    stored = ok(api["clerk"].get(
        f"/v1/cases/{number}/documents/{notice['document_id']}/verify"))
    assert stored["valid"] and stored["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()

    held = tmp_path / "notice.pdf"
    held.write_bytes(pdf)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_blank_page()
    changed = tmp_path / "changed.pdf"
    writer.write(str(changed))
    sunlight = Path(sys.executable).with_name("sunlight")
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "e2e-clerk-docs", ["clerk"],
                       ["511602"], department=CODE[DEPT])
    results = [subprocess.run(
        [str(sunlight), "cases", "document", "verify", str(path), "--address",
         f"127.0.0.1:{node.port('gateway_grpc')}", "--token", token],
        cwd=ROOT, env=node.full_env(), capture_output=True, text=True, timeout=60)
        for path in (held, changed)]
    assert results[0].returncode == 0, results[0].stdout + results[0].stderr
    assert "VALID" in results[0].stdout and notice["number"] in results[0].stdout
    assert results[1].returncode == 1 and "pages" in results[1].stderr, results[1].stderr

    base = f"http://127.0.0.1:{node.port('gateway_http')}"
    with httpx.Client(base_url=base, timeout=15) as public:
        for path in (f"/v1/cases/{number}/documents",
                     f"/v1/cases/{number}/documents/{notice['document_id']}"):
            assert public.get(path).status_code in (401, 403)


def test_the_service_centre_leads_a_parallel_approval_and_helps_the_applicant(api) -> None:
    """服务中心协调并联审批, 领办/帮办 through the gateway: window staff see every department's
    running branches, urge one, record their help; the stage's outcome is recorded when it
    joins; supervision receives every event."""
    case = submit(api, publish(api, **full_flow()))
    case = act(api, "window", case, assist={"kind": "guide", "note": "引导申请人准备材料"})
    case = act(api, "clerk", case, accept={})
    steps = running(case)
    listed = ok(api["window"].get("/v1/parallel-branches", params={"region": "511602"}))
    ours = [e for e in listed["entries"] if e["case_number"] == case["case_number"]]
    assert {(e["step"]["key"], e["step"]["department_code"]) for e in ours} == {
        ("review/fire", CODE[FIRE]), ("review/env", CODE[ENV])}
    refused = api["clerk"].get("/v1/parallel-branches", params={"region": "511602"})
    assert refused.status_code == 403
    case = act(api, "window", case, urge={"instance_id": steps["review/env"],
                                          "note": "请于两个工作日内出具环评意见"})
    assert [(u["instance_id"], u["department_code"], u["by"]) for u in case["urges"]] == [
        (steps["review/env"], CODE[ENV], "e2e-window")]
    not_yours = api["fire"].post(f"/v1/cases/{case['case_number']}/actions", json={
        "idempotency_key": uuid.uuid4().hex,
        "urge": {"instance_id": steps["review/env"], "note": "催办"}})
    assert not_yours.status_code == 403
    case = review_all(api, case)
    [outcome] = case["parallel_outcomes"]
    assert {b["key"]: int(b.get("urges", 0)) for b in outcome["branches"]} == {
        "review/fire": 0, "review/env": 1}
    assert all(int(b.get("days_late", 0)) == 0 for b in outcome["branches"])
    assert [a["note"] for a in case["assistance"]] == ["引导申请人准备材料"]
    trace = ok(api["clerk"].get(f"/v1/cases/{case['case_number']}/trace"))["entries"]
    actions = [e["action"] for e in trace]
    assert "case.applicant_assisted" in actions and "case.branch_urged" in actions

    def record() -> dict | None:
        reply = api["admin"].get(f"/v1/supervision/cases/{case['case_number']}")
        found = reply.json().get("record") if reply.status_code == 200 else None
        return found if found and int(found["last_sequence"]) == int(case["sequence"]) else None

    found = wait_for(record, timeout_s=30, what="supervision's record of the case")
    assert int(found["events_applied"]) == int(case["sequence"])
