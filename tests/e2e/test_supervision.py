"""Supervision end to end, on a running node: a case started through the gateway runs late in
one step; supervision warns yellow, then red, explains itself, reaches the handler, the
department and the region's supervisors, publishes each change on ``monitoring.events``,
closes the warning by itself once the step is completed, and counts it in the department's
monthly evaluation.

Days pass by the sweep: the worker applies the case's events as they happen (today), and the
test runs supervision's sweep for the days the step comes near its limit and runs over it —
what the worker's timer does on those days.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pika
import pytest

from services.monitoring.supervision import Supervision
from services.shared.auth import mint_token
from services.shared.db import Database
from services.shared.working_days import WorkingCalendar, local_day
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.nodes import run_node
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
DEPT = "区发展改革局"
APPLICANT = {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}
#: subject → (role, region, department, positions)
STAFF = {
    "admin": ("admin", "510000", None, ()),
    "clerk": ("clerk", "511602", departments.DEVELOPMENT, ()),
    "reviewer": ("clerk", "511602", departments.DEVELOPMENT, ("reviewer",)),
    "supervisor": ("supervisor", "511602", None, ()),
    "other-supervisor": ("supervisor", "511621", None, ()),
}
FEED = "monitoring.warnings-feed"


@pytest.fixture(scope="module")
def node(database_url, amqp_uri, tmp_path_factory):
    yield from run_node(database_url, amqp_uri, tmp_path_factory.mktemp("supervision-node"))


@pytest.fixture(scope="module")
def api(node) -> dict[str, httpx.Client]:
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    base = f"http://127.0.0.1:{node.port('gateway_http')}"
    clients = {}
    for subject, (role, region, department, positions) in STAFF.items():
        token = mint_token(secret, f"e2e-{subject}", [role], [region], department=department,
                           department_name=departments.NAMES.get(department or "", ""),
                           positions=positions)
        clients[subject] = httpx.Client(base_url=base, timeout=15,
                                        headers={"Authorization": f"Bearer {token}"})
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def supervision(node, database_url):
    """Supervision's write path on the node's database, for the sweeps of later days."""
    settings = node.settings().model_copy(update={"database_url": database_url})
    db = Database.for_service(settings, "monitoring")
    yield Supervision(db, WorkingCalendar.official(), settings.node_region)
    db.dispose()


def ok(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code < 300, reply.text
    return reply.json()


def start_a_case(api) -> tuple[dict[str, Any], dict[str, Any]]:
    """An item whose review takes 3 working days, and an accepted case of it: (case, its
    running review step)."""
    draft = {"name": "企业投资项目核准（监察）", "code": implementation_code("511602"),
             "item_type": "01", "region": "511602", "department": DEPT,
             "department_code": departments.DEVELOPMENT, "statutory_limit_days": 20,
             "promised_limit_days": 10,
             "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}],
             "steps": [
                 {"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk",
                  "kind": "STEP_KIND_ACCEPTANCE"},
                 {"key": "review", "name": "审查", "limit_days": 3, "role": "reviewer",
                  "kind": "STEP_KIND_REVIEW"},
                 {"key": "decide", "name": "决定", "limit_days": 2, "role": "reviewer",
                  "kind": "STEP_KIND_DECISION"}],
             "materials": [{"key": "form", "name": "申请表", "mandatory": True,
                            "originals": 1}],
             "modes": ["HANDLING_MODE_PROMISED"]}
    item = ok(api["admin"].post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                                   "draft": draft}))["item"]["item_id"]
    ok(api["admin"].post(f"/v1/items/{item}/versions/1/publish",
                         json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW}))
    case = ok(api["clerk"].post("/v1/cases", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item, "region": "511602",
        "applicant": APPLICANT, "mode": "promised",
        "materials": [{"key": "form", "originals": 1}]}))["case"]
    case = act(api, "clerk", case, accept={"opinion": "材料齐全，予以受理"})
    (review,) = [s for s in case["steps"] if s["status"] == "STEP_STATUS_ACTIVE"]
    assert review["key"] == "review"
    return case, review


def act(api, who: str, case: dict[str, Any], **action: Any) -> dict[str, Any]:
    return ok(api[who].post(f"/v1/cases/{case['case_number']}/actions",
                            json={"idempotency_key": uuid.uuid4().hex, **action}))["case"]


def warnings_of(api, who: str, number: str) -> list[dict[str, Any]]:
    return ok(api[who].get("/v1/supervision/warnings",
                           params={"case_number": number})).get("warnings", [])


def applied(api, case: dict[str, Any]) -> bool:
    """Whether supervision has applied the case's events up to this one."""
    reply = api["admin"].get(f"/v1/supervision/cases/{case['case_number']}")
    record = reply.json().get("record") if reply.status_code == 200 else None
    return bool(record) and int(record["last_sequence"]) >= int(case["sequence"])


def red_warnings_of_the_month(api, dimension: str, key: str) -> int:
    """Red warnings this month of a department or an item, by the efficiency evaluation."""
    rows = ok(api["supervisor"].get("/v1/supervision/evaluation", params={
        "period": local_day().strftime("%Y-%m"), "region": "511602",
        "dimension": dimension})).get("rows", [])
    return sum(int(r.get("red_warnings", 0)) for r in rows if r["key"] == key)


def feed_depth(amqp_uri: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(amqp_uri)) as connection:
        channel = connection.channel()
        return channel.queue_declare(FEED, passive=True).method.message_count


def test_a_late_step_is_warned_yellow_then_red_and_closes_once_completed(
        api, supervision, amqp_uri) -> None:
    calendar = WorkingCalendar.official()
    case, review = start_a_case(api)
    today = local_day()  # the case's first day: the sweeps below count from it, not the
    # clock's (a run crossing midnight in China would otherwise sweep a day late)
    number, due = case["case_number"], date.fromisoformat(review["due_date"])
    assert calendar.add_working_days(today, 3).day == due
    wait_for(lambda: applied(api, case), timeout_s=30, what="supervision applying the case")
    assert warnings_of(api, "supervisor", number) == []  # on time, as it starts

    # the working day before its last: near its limit — yellow
    supervision.sweep(calendar.add_working_days(today, 2).day)
    (warning,) = warnings_of(api, "supervisor", number)
    assert (warning["rule"], warning["severity"], warning["status"]) == (
        "STEP_LIMIT", "SEVERITY_YELLOW", "WARNING_STATUS_OPEN")
    assert f"「审查」环节（{DEPT}" in warning["explanation"]
    assert f"应于 {due.isoformat()} 前办结，还剩 1个工作日" in warning["explanation"]
    assert warning["department_code"] == departments.DEVELOPMENT

    # two working days past it: over — the same warning turns red
    supervision.sweep(calendar.add_working_days(due, 2).day)
    (warning,) = warnings_of(api, "supervisor", number)
    assert warning["severity"] == "SEVERITY_RED", warning
    assert "已超期 2个工作日" in warning["explanation"]
    assert [e["action"] for e in warning["history"]] == ["raised", "escalated"]

    # it reached the region's supervisors and the department's staff, each in their list;
    # a supervisor of another county sees none of it
    for who in ("supervisor", "reviewer"):
        texts = [n["text"] for n in ok(api[who].get("/v1/supervision/notifications"))
                 .get("notifications", []) if n["warning_id"] == warning["warning_id"]]
        assert any(t.startswith("【红牌·升级为红牌】环节时限") for t in texts), (who, texts)
        assert any(t.startswith("【黄牌·新预警】环节时限") for t in texts), (who, texts)
    assert warnings_of(api, "other-supervisor", number) == []
    assert api["other-supervisor"].get(
        f"/v1/supervision/warnings/{warning['warning_id']}").status_code == 404

    # the handler completes the step: the worker closes the warning by itself
    act(api, "reviewer", case, complete_step={"instance_id": review["instance_id"]})

    def closed() -> dict[str, Any] | None:
        (found,) = warnings_of(api, "supervisor", number)
        return found if found["status"] == "WARNING_STATUS_CLOSED" else None

    warning = wait_for(closed, timeout_s=30, what="the warning closing")
    assert [e["action"] for e in warning["history"]] == ["raised", "escalated", "closed"]
    assert warning["closed_at"]
    # each change went out on monitoring.events, kept on the node's warning feed
    wait_for(lambda: feed_depth(amqp_uri) >= 3, timeout_s=30,
             what="the three warning events on the feed")

    # and it counts in the month's evaluation, of its item and of its department (whose
    # other cases in the test session's database the sweeps may have warned of too)
    assert red_warnings_of_the_month(api, "item", case["item_id"]) == 1
    assert red_warnings_of_the_month(api, "department", departments.DEVELOPMENT) >= 1
