"""End to end, two real nodes (the city 511600 and the district 511602, started as `make run`
starts a province): the city delegates an item down a level (下放) and the district drafts it
for its own review; delivery survives a stopped district gateway and a killed city catalogue;
the district may not hand anything up; the city's hall tracks a case the district holds."""

from __future__ import annotations

import re
import signal
import uuid

import grpc
import httpx
import pytest
from sunlight.catalogue.v1 import catalogue_pb2

from gateway.peers import Peers, open_registry
from gateway.routing import RECEIVE_DELEGATION
from infra.localnode import LocalProvince
from services.shared.grpc_errors import error_detail_of
from services.shared.pki import PkiPaths
from tests.support.clients import apply_over_http, node_api, publish_over_http
from tests.support.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def api(province: LocalProvince, region: str, role: str = "admin") -> httpx.Client:
    return node_api(province.node(region), region, role)


def published_city_item(province: LocalProvince) -> str:
    with api(province, "511600") as city:
        return publish_over_http(city, "511600", "市发展改革委")


def delegation_of(province: LocalProvince, item_id: str) -> dict:
    with api(province, "511600") as city:
        reply = city.get(f"/v1/items/{item_id}/delegations")
    assert reply.status_code == 200, reply.text
    return reply.json()["delegations"][0]


def test_the_city_delegates_an_item_and_the_district_drafts_it(province) -> None:
    item_id = published_city_item(province)
    body = {"idempotency_key": uuid.uuid4().hex, "target_region": "511602",
            "reason": "放管服改革：下放区级实施"}
    with api(province, "511600", "staffing_reviewer") as city:
        # only a government one level below the item's
        wrong = city.post(f"/v1/items/{item_id}/delegations",
                          json={**body, "idempotency_key": uuid.uuid4().hex,
                                "target_region": "511702"})
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == (
            "NOT_A_LOWER_LEVEL"), wrong.text
        reply = city.post(f"/v1/items/{item_id}/delegations", json=body)
        assert reply.status_code == 201, reply.text
        first = reply.json()
        assert first["item"]["state"] == "ITEM_STATE_DELEGATED"
        again = city.post(f"/v1/items/{item_id}/delegations", json=body)
        assert again.json()["delegation"]["delegation_id"] == (
            first["delegation"]["delegation_id"])
        twice = city.post(f"/v1/items/{item_id}/delegations",
                          json={**body, "idempotency_key": uuid.uuid4().hex})
        assert twice.json()["error"]["code"] == "ALREADY_DELEGATED", twice.text

    done = wait_for(lambda: (d := delegation_of(province, item_id))["status"] == (
        "DELEGATION_STATUS_DELIVERED") and d, timeout_s=60, what="the delegation delivered")
    assert done["target_node"] == "511602"
    draft_id = done["delegated_item_id"]
    with api(province, "511602") as district:
        reply = district.get(f"/v1/items/{draft_id}/versions/1")
    assert reply.status_code == 200, reply.text
    draft = reply.json()["item"]
    assert draft["status"] == "VERSION_STATUS_DRAFT"
    assert draft["content"]["region"] == "511602"
    assert any(f"from node 511600 item {item_id} version 1" in f for f in draft["flags"])
    # awaiting the district's own review: not published, not public
    public = httpx.get(f"http://127.0.0.1:{province.node('511602').port('gateway_http')}"
                       f"/v1/items/{draft_id}/versions/0", timeout=30)
    assert public.status_code == 404, public.text


def test_delivery_survives_a_stopped_district_and_a_killed_catalogue(province) -> None:
    item_id = published_city_item(province)
    city, district = province.node("511600"), province.node("511602")
    district.stop_process("gateway")
    try:
        with api(province, "511600") as api_city:
            reply = api_city.post(f"/v1/items/{item_id}/delegations", json={
                "idempotency_key": uuid.uuid4().hex, "target_region": "511602",
                "reason": "下放"})
        assert reply.status_code == 201, reply.text
        tried = wait_for(lambda: (d := delegation_of(province, item_id))["attempts"] >= 1
                         and d, timeout_s=60, what="a failed delivery attempt")
        assert tried["status"] == "DELEGATION_STATUS_PENDING"
        assert tried["error_code"] == "NODE_UNAVAILABLE", tried
        # the city's catalogue killed while the delegation is pending: nothing is lost
        city.kill("catalogue", signal.SIGKILL)
    finally:
        district.start_process("gateway")
    done = wait_for(lambda: (d := delegation_of(province, item_id))["status"] == (
        "DELEGATION_STATUS_DELIVERED") and d, timeout_s=120,
        what="the delegation delivered after the outage")
    assert done["delegated_item_id"]


def test_the_district_may_not_hand_an_item_up(province) -> None:
    district = PkiPaths.under(province.node("511602").env["SUNLIGHT_VAR_DIR"])
    peers = Peers(district, open_registry(district).current, 10.0, region="511602")
    try:
        with pytest.raises(grpc.RpcError) as info:
            peers.call("511600", RECEIVE_DELEGATION, catalogue_pb2.ReceiveDelegationRequest(
                delegation_id=str(uuid.uuid4()), source_node="511602",
                source_item_id=str(uuid.uuid4()), source_version=1, target_region="511600"),
                catalogue_pb2.ReceiveDelegationResponse)
        assert info.value.code() is grpc.StatusCode.PERMISSION_DENIED
        assert error_detail_of(info.value).code == "CALL_NOT_ALLOWED"
    finally:
        peers.close()


def district_case(province: LocalProvince) -> tuple[str, str]:
    with api(province, "511602") as district:
        item_id = publish_over_http(district, "511602", "区发展改革局")
        case = apply_over_http(district, item_id, "511602")
    return case["case_number"], case["query_code"]


def hall_lookup(province: LocalProvince, number: str, code: str) -> httpx.Response:
    base = f"http://127.0.0.1:{province.node('511600').port('hall')}"
    with httpx.Client(base_url=base, timeout=30) as hall:
        form = hall.get("/cases", params={"case_number": number})
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        return hall.post("/cases", data={"csrf_token": token, "case_number": number,
                                         "query_code": code})


def test_the_city_hall_tracks_a_case_the_district_holds(province) -> None:
    number, code = district_case(province)
    page = hall_lookup(province, number, code)
    assert page.status_code == 200, page.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "这个办件由 广安区（511602） 办理" in text
    assert number in text and "企业投资项目备案" in text and "区发展改革局" in text
    # a wrong query code is not found, as at the district's own hall
    assert hall_lookup(province, number, "ZZZZ9999").status_code == 404
    district = province.node("511602")
    district.stop_process("gateway")
    try:
        down = hall_lookup(province, number, code)
        assert down.status_code == 503, down.text
        assert "广安区（511602）办理，该地的政务服务系统暂时无法连接" in down.text
    finally:
        district.start_process("gateway")
