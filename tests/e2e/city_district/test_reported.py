"""End to end: a case reported up a level (上报件) across two real nodes started the way
`make run` starts them. A district case of a 上报件 item is handed up to the city once its
decision step starts; the city's staff find it in their queue and decide it; the decision
comes back and the case goes on at the district. Both traces record the hand-over and link to
each other (node, case number, hash). Calls the registry does not allow — the city handing a
case to the district, a node answering a case it does not hold — are refused clearly."""

from __future__ import annotations

import json
import uuid

import grpc
import httpx
import pytest
from sunlight.cases.v1 import cases_pb2

from gateway.routing import RECEIVE_REPORTED_CASE, RECEIVE_REPORTED_DECISION
from infra.localnode import LocalProvince
from services.shared.auth import mint_token
from services.shared.grpc_errors import error_detail_of
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
CITY, DISTRICT = "511600", "511602"
APPLICANT = {"name": "上报测试人", "id_type": "id_card", "id_number": "511602199001011236"}


def _token(province: LocalProvince, region: str, subject: str, roles: list[str],
           **claims) -> str:
    return mint_token(province.node(region).env["SUNLIGHT_TOKEN_KEY"], subject, roles,
                      [region], issuer=region, **claims)


def _api(province: LocalProvince, region: str, token: str) -> httpx.Client:
    port = province.node(region).port("gateway_http")
    return httpx.Client(base_url=f"http://127.0.0.1:{port}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _admin(province: LocalProvince, region: str) -> httpx.Client:
    return _api(province, region, _token(province, region, f"e2e-admin-{region}", ["admin"]))


def _city_chief(province: LocalProvince) -> httpx.Client:
    """Staff of the city's 市发展改革委 in the position that decides (chief)."""
    return _api(province, CITY, _token(
        province, CITY, "city-chief", ["clerk"], department=departments.CITY_DEVELOPMENT,
        positions=["chief"], name="市发改委负责人"))


def _act(api: httpx.Client, number: str, action: dict) -> dict:
    reply = api.post(f"/v1/cases/{number}/actions",
                     json={"idempotency_key": uuid.uuid4().hex, **action})
    assert reply.status_code == 200, reply.text
    return reply.json()["case"]


def _case(api: httpx.Client, number: str) -> dict:
    reply = api.get(f"/v1/cases/{number}")
    assert reply.status_code == 200, reply.text
    return reply.json()["case"]


def _trace(api: httpx.Client, number: str) -> list[dict]:
    reply = api.get(f"/v1/cases/{number}/trace")
    assert reply.status_code == 200, reply.text
    entries = reply.json()["entries"]
    for entry in entries:
        entry["data"] = json.loads(entry["data_json"])
    verified = api.get(f"/v1/cases/{number}/trace/verify")
    assert verified.status_code == 200 and verified.json()["intact"], verified.text
    return entries


@pytest.fixture(scope="module")
def reported_item(province) -> str:
    """A district item handled as 上报件: its decision belongs to the city's 市发展改革委."""
    with _admin(province, DISTRICT) as api:
        reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
            "name": "企业投资项目核准（上报）", "code": implementation_code(DISTRICT),
            "item_type": "01", "region": DISTRICT, "department": "区发展改革局",
            "statutory_limit_days": 20, "promised_limit_days": 10,
            "modes": ["HANDLING_MODE_PROMISED", "HANDLING_MODE_REPORTED"],
            "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                      {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief",
                       "department": "市发展改革委",
                       "department_code": departments.CITY_DEVELOPMENT}],
            "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}})
        assert reply.status_code == 201, reply.text
        item_id = reply.json()["item"]["item_id"]
        reply = api.post(f"/v1/items/{item_id}/versions/1/publish",
                         json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
        assert reply.status_code == 200, reply.text
        return item_id


def test_a_district_case_is_decided_at_the_city_and_comes_back(province, reported_item
                                                                ) -> None:
    with _admin(province, DISTRICT) as district:
        reply = district.post("/v1/cases", json={
            "idempotency_key": uuid.uuid4().hex, "item_id": reported_item,
            "region": DISTRICT, "mode": "reported", "applicant": APPLICANT})
        assert reply.status_code == 201, reply.text
        number = reply.json()["case"]["case_number"]
        _act(district, number, {"accept": {"opinion": "材料齐全，上报市级决定"}})
        handed = next(e for e in _trace(district, number) if e["action"] == "case.handed_up")
        assert handed["data"]["to_region"] == CITY

    with _city_chief(province) as city:
        def in_queue() -> dict | None:
            reply = city.get("/v1/queue", params={"query": APPLICANT["name"]})
            assert reply.status_code == 200, reply.text
            return next(iter(reply.json().get("entries", [])), None)

        entry = wait_for(in_queue, timeout_s=60, what="the district's case in the city's queue")
        city_number = entry["case_number"]
        assert city_number.startswith(CITY) and entry["step"]["name"] == "决定"
        assert _case(city, city_number)["reported_from"]["case_number"] == number
        first = _trace(city, city_number)[0]
        assert first["action"] == "case.report_received"
        assert (first["data"]["from_node"], first["data"]["from_case"],
                first["data"]["from_trace_hash"]) == (DISTRICT, number, handed["hash"])
        decided = _act(city, city_number, {"decide": {"outcome": "approve",
                                                      "reasons": "符合产业政策和规划"}})
        assert decided["status"].endswith("COMPLETED")
        city_decided = next(e for e in _trace(city, city_number)
                            if e["action"] == "case.decided")

    with _admin(province, DISTRICT) as district:
        case = wait_for(lambda: (c := _case(district, number))["status"].endswith("DECIDED")
                        and c, timeout_s=60, what="the city's decision back at the district")
        assert case["decision"]["decided_by"] == "city-chief"
        assert (case["reported_to"]["node"], case["reported_to"]["case_number"]) == (
            CITY, city_number)
        back = next(e for e in _trace(district, number)
                    if e["action"] == "case.decision_returned")
        assert (back["data"]["node"], back["data"]["case_number"],
                back["data"]["trace_hash"]) == (CITY, city_number, city_decided["hash"])
        # the case goes on at the district as its flow says
        _act(district, number, {"publish_result": {}})
        assert _act(district, number, {"complete": {}})["status"].endswith("COMPLETED")


def _relay_call(province: LocalProvince, region: str, method: str, request, response):  # noqa: ANN001, ANN202
    """``method`` at node ``region``'s gateway, as that node's case relay."""
    token = _token(province, region, "case-relay", ["node_relay"])
    address = f"127.0.0.1:{province.node(region).port('gateway_grpc')}"
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(method, request_serializer=type(request).SerializeToString,
                                   response_deserializer=response.FromString)
        return call(request, timeout=15, metadata=(("authorization", f"Bearer {token}"),))


def test_calls_the_registry_does_not_allow_are_refused(province) -> None:
    # the city is not the district's child: it may not hand a case to it
    down = cases_pb2.ReceiveReportedCaseRequest(
        to_region=DISTRICT, case_number="51160020260101000001", region=CITY,
        instance_id="s2", trace_seq=2, trace_hash="ab" * 32, item_snapshot_json="{}",
        idempotency_key=uuid.uuid4().hex)
    with pytest.raises(grpc.RpcError) as info:
        _relay_call(province, CITY, RECEIVE_REPORTED_CASE, down,
                    cases_pb2.ReceiveReportedCaseResponse)
    assert info.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert error_detail_of(info.value).code == "CALL_NOT_ALLOWED"
    # the city answers a district case that does not exist: not answered
    unknown = cases_pb2.ReceiveReportedDecisionRequest(
        case_number=f"{DISTRICT}20260101999999", instance_id="s2",
        parent_case_number=f"{CITY}20260101000001", trace_seq=2, trace_hash="ab" * 32,
        decision=cases_pb2.ReturnedDecision(outcome=cases_pb2.DECISION_OUTCOME_APPROVE,
                                            decided_by="city-chief"),
        idempotency_key=uuid.uuid4().hex)
    with pytest.raises(grpc.RpcError) as info:
        _relay_call(province, CITY, RECEIVE_REPORTED_DECISION, unknown,
                    cases_pb2.ReceiveReportedDecisionResponse)
    assert info.value.code() is grpc.StatusCode.NOT_FOUND
    assert error_detail_of(info.value).code == "CASE_NOT_FOUND"
