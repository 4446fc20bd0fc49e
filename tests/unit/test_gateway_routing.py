"""The gateway's router: which node holds a case number or a region."""

from __future__ import annotations

import grpc
import pytest
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2

from gateway.routing import (
    GET_CASE,
    GET_ITEM_VERSION,
    RECEIVE_REPORTED_CASE,
    RECEIVE_REPORTED_DECISION,
    REGION_METADATA,
    SEARCH_ITEMS,
    Router,
    merge_hits,
    province_nodes,
    region_of_case,
)
from services.shared.token_keys import TokenKey
from tests.support.federation import Province

KEY = TokenKey.generate().to_text()


@pytest.fixture
def province(tmp_path) -> Province:
    province = Province.create(tmp_path)
    for region, name in (("510000", "四川省"), ("511600", "广安市"), ("511602", "广安区")):
        province.add_node(region, name, f"127.0.0.1:{18060 + int(region[4:])}")
    return province


def router(province: Province, region: str) -> Router:
    return Router(region, KEY, registry=lambda: province.registry, peers=object())  # type: ignore[arg-type]


def test_a_case_number_carries_its_region() -> None:
    assert region_of_case("51160220261130000001") == "511602"
    assert region_of_case("ABC") == ""
    assert region_of_case("00000020261130000001") == ""


def test_a_region_is_held_by_the_node_that_covers_it_most_closely(province) -> None:
    at_province = router(province, "510000")
    assert at_province.node_for_region("511602") == "511602"
    # 岳池县 has no node: the city hosts it
    assert at_province.node_for_region("511621") == "511600"
    assert at_province.node_for_region("511600") == "511600"
    assert at_province.node_for_region("510100") == "510000"  # 成都: the province itself
    assert at_province.node_for_case("51162120261130000007") == "511600"
    at_district = router(province, "511602")
    assert at_district.node_for_region("511602") == "511602"
    assert at_district.node_for_region("511603") == "511600"


def test_a_revoked_node_holds_nothing_any_more(province) -> None:
    province.change(lambda r: r.revoking_node("511602", "test"))
    assert router(province, "510000").node_for_region("511602") == "511600"


def test_calls_are_routed_by_the_case_or_region_they_name(province) -> None:
    at_city = router(province, "511600")
    get_case = cases_pb2.GetCaseRequest(case_number="51160220261130000001").SerializeToString()
    assert at_city.target(GET_CASE, get_case, {}) == "511602"
    own = cases_pb2.GetCaseRequest(case_number="51162120261130000001").SerializeToString()
    assert at_city.target(GET_CASE, own, {}) is None  # 岳池县 is held here
    search = catalogue_pb2.SearchItemsRequest(region="510000").SerializeToString()
    assert at_city.target(SEARCH_ITEMS, search, {}) == "510000"
    item = catalogue_pb2.GetItemVersionRequest(item_id="x").SerializeToString()
    assert at_city.target(GET_ITEM_VERSION, item, {}) is None
    assert at_city.target(GET_ITEM_VERSION, item, {REGION_METADATA: "511602"}) == "511602"
    assert at_city.target(GET_CASE, b"\xff\xff", {}) is None  # malformed: the backend says so


def test_a_reported_case_goes_to_the_node_above_and_its_decision_back(province) -> None:
    up = cases_pb2.ReceiveReportedCaseRequest(
        to_region="511600", case_number="51160220261130000001").SerializeToString()
    assert router(province, "511602").target(RECEIVE_REPORTED_CASE, up, {}) == "511600"
    assert router(province, "511600").target(RECEIVE_REPORTED_CASE, up, {}) is None
    back = cases_pb2.ReceiveReportedDecisionRequest(
        case_number="51160220261130000001").SerializeToString()
    assert router(province, "511600").target(RECEIVE_REPORTED_DECISION, back, {}) == "511602"


def test_without_a_registry_every_call_is_local() -> None:
    alone = Router("511602", KEY)
    assert not alone.federated
    request = cases_pb2.GetCaseRequest(case_number="51000020261130000001").SerializeToString()
    assert alone.target(GET_CASE, request, {}) is None


def test_a_node_that_does_not_answer_is_named(province) -> None:
    problem = router(province, "510000").unanswered(
        "511602", grpc.StatusCode.DEADLINE_EXCEEDED, "deadline")
    assert problem.code == "NODE_UNAVAILABLE" and problem.grpc_status == "UNAVAILABLE"
    assert problem.metadata["node"] == "511602"
    assert "511602 广安区" in problem.message


def _answer(*scores: float, total: int | None = None) -> catalogue_pb2.SearchItemsResponse:
    return catalogue_pb2.SearchItemsResponse(
        hits=[catalogue_pb2.SearchHit(item=catalogue_pb2.ItemVersion(item_id=f"i{s}"),
                                      score=s) for s in scores],
        total=len(scores) if total is None else total)


def test_a_province_search_merges_and_ranks_and_says_who_did_not_answer(province) -> None:
    at_province = router(province, "510000")
    assert province_nodes(at_province) == ["510000", "511600", "511602"]
    silent = at_province.unanswered("511600", grpc.StatusCode.DEADLINE_EXCEEDED, "")
    merged = merge_hits({"510000": _answer(0.5, 0.2), "511600": silent,
                         "511602": _answer(0.9, 0.3, total=7)},
                        {"510000": "四川省", "511600": "广安市", "511602": "广安区"}, limit=3)
    assert [(h["node"], h["score"]) for h in merged["hits"]] == [
        ("511602", 0.9), ("510000", 0.5), ("511602", 0.3)]
    assert merged["total"] == 9 and merged["partial"] is True
    city = next(n for n in merged["nodes"] if n["region"] == "511600")
    assert city["answered"] is False and city["total"] is None
    assert city["error"]["code"] == "NODE_UNAVAILABLE"
    whole = merge_hits({"510000": _answer(0.5)}, {}, limit=20)
    assert whole["partial"] is False and len(whole["hits"]) == 1
