"""End to end: every process of a node started for real (PostgreSQL, RabbitMQ); a case is
opened and completed through the gateway and supervision's record appears."""

from __future__ import annotations

import re
import uuid

import grpc
import httpx
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from services.shared.auth import mint_token
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api(node):
    yield from _client(node, "e2e-admin")


@pytest.fixture(scope="module")
def chief(node):
    """Another administrator: who accepted a case does not decide it."""
    yield from _client(node, "e2e-chief")


def _client(node, subject: str):  # type: ignore[no-untyped-def]
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    token = mint_token(secret, subject, ["admin"], ["510000"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def _act(client: httpx.Client, number: str, **action) -> dict:  # type: ignore[no-untyped-def]
    reply = client.post(f"/v1/cases/{number}/actions",
                        json={"idempotency_key": uuid.uuid4().hex, **action})
    assert reply.status_code == 200, reply.text
    return reply.json()["case"]


def _item(api: httpx.Client, publish: bool = True) -> dict:
    body = {"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": "企业投资项目备案", "code": implementation_code("511602"),
        "item_type": "01", "region": "511602", "department": "区发展改革局",
        "statutory_limit_days": 20, "promised_limit_days": 10,
        "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                  {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}],
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}}
    reply = api.post("/v1/items", json=body)
    assert reply.status_code == 201, reply.text
    item = reply.json()["item"]
    if publish:
        reply = api.post(f"/v1/items/{item['item_id']}/versions/1/publish",
                         json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
        assert reply.status_code == 200, reply.text
        item = reply.json()["item"]
    return item


def _open(api: httpx.Client, item_id: str) -> httpx.Response:
    return api.post("/v1/cases", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": "511602",
        "applicant": {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}})


def test_status_reports_every_process_serving(node) -> None:
    states = node.serving()
    assert len(states) == 10 and all(states.values()), states


def test_a_case_through_the_gateway_reaches_supervision(api, chief) -> None:
    draft_only = _item(api, publish=False)
    refused = _open(api, draft_only["item_id"])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "ITEM_NOT_PUBLISHED"
    assert "清单之外无职权" in refused.json()["error"]["message"]

    item = _item(api)
    opened = _open(api, item["item_id"])
    assert opened.status_code == 201, opened.text
    case = opened.json()["case"]
    number = case["case_number"]
    assert number.startswith("511602") and case["status"] == "CASE_STATUS_SUBMITTED"
    case = _act(api, number, accept={"opinion": "材料齐全"})
    assert [s["key"] for s in case["steps"] if s["status"] == "STEP_STATUS_ACTIVE"] == [
        "decide"]
    case = _act(chief, number, decide={"outcome": "approve", "reasons": "符合条件"})
    case = _act(api, number, publish_result={})
    case = _act(api, number, complete={})
    assert case["status"] == "CASE_STATUS_COMPLETED"
    verified = api.get(f"/v1/cases/{number}/trace/verify").json()
    assert verified["intact"] and int(verified["entries"]) == 7

    def record():
        reply = api.get(f"/v1/supervision/cases/{number}")
        return reply.json()["record"] if reply.status_code == 200 and \
            reply.json()["record"]["status"] == "completed" else None

    rec = wait_for(record, timeout_s=30, what="supervision's record of the completed case")
    # submitted, acceptance started, accepted, decision started, decided, published, completed
    assert rec["events_applied"] == 7 and rec["steps_completed"] == 1
    assert rec["item_version"] == 1


def test_the_hall_shows_published_items_and_case_status(node, api) -> None:
    item = _item(api)
    case = _open(api, item["item_id"]).json()["case"]
    hall = f"http://127.0.0.1:{node.port('hall')}"
    listing = httpx.get(f"{hall}/", params={"region": "511602"}, timeout=10)
    assert listing.status_code == 200 and item["content"]["name"] in listing.text
    case = _act(api, case["case_number"], accept={})

    def look_up(number: str, name: str) -> httpx.Response:
        """The lookup form (its CSRF token from the form page), the applicant's name as the
        receipt's second factor."""
        with httpx.Client(base_url=hall, timeout=10) as browser:
            form = browser.get("/cases", params={"case_number": number})
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            return browser.post("/cases", data={"csrf_token": token, "case_number": number,
                                                "applicant_name": name})

    status = look_up(case["case_number"], case["applicant"]["name"])
    assert status.status_code == 200
    assert "决定" in status.text and case["due_date"] in status.text
    # a wrong name is answered as a number never given
    assert look_up(case["case_number"], "别人").status_code == 404
    assert look_up("51160220990101999999", "张三").status_code == 404


def test_bad_input_gets_a_clear_error(api) -> None:
    reply = api.post("/v1/cases", content=b"{not json", headers={
        "Content-Type": "application/json"})
    assert reply.status_code == 400 and "error" in reply.json()
    reply = api.post("/v1/items", json={"idempotency_key": "k", "draft": {"name": ""}})
    assert reply.status_code == 400
    assert reply.json()["error"]["field_violations"]
    unauthenticated = httpx.post(f"{api.base_url}/v1/cases", timeout=10, json={
        "idempotency_key": "k", "item_id": "x", "region": "511602",
        "applicant": {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "UNAUTHENTICATED"


def test_the_gateway_forwards_grpc_and_serves_reflection(node, api) -> None:
    item = _item(api)
    number = _open(api, item["item_id"]).json()["case"]["case_number"]
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    token = mint_token(secret, "e2e", ["admin"], ["510000"])
    with grpc.insecure_channel(f"127.0.0.1:{node.port('gateway_grpc')}") as channel:
        case = cases_pb2_grpc.CaseServiceStub(channel).GetCase(
            cases_pb2.GetCaseRequest(case_number=number), timeout=10,
            metadata=[("authorization", f"Bearer {token}")]).case
        assert case.case_number == number
        with pytest.raises(grpc.RpcError) as info:
            cases_pb2_grpc.CaseServiceStub(channel).GetCase(
                cases_pb2.GetCaseRequest(case_number=number), timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10)
        names = {s.name for r in replies for s in r.list_services_response.service}
    assert {"sunlight.cases.v1.CaseService", "grpc.health.v1.Health"} <= names
