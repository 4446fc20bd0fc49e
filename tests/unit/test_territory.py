"""A node's territory in a province: its regions less those of the registered, unrevoked nodes
below it (docs/federation.md §9), as the node registry says."""

from __future__ import annotations

import pytest

from services.shared.errors import PermissionDenied
from services.shared.node_registry import empty
from services.shared.territory import Territory, holding_node


def province_registry(*, revoked: tuple[str, ...] = ()):
    registry = empty("510000")
    for region, name in (("510000", "四川省"), ("511600", "广安市"), ("511602", "广安区")):
        registry = registry.with_node(region, name=name)
    for region in revoked:
        registry = registry.revoking_node(region, "retired")
    return registry


def territory(region: str, held: tuple[str, ...] = (), **kwargs) -> Territory:
    registry = province_registry(**kwargs)
    return Territory(region, held, registry=lambda: registry)


def test_the_node_holding_a_region_is_the_one_covering_it_most_closely() -> None:
    registry = province_registry()
    assert holding_node(registry, "511602") == "511602"
    assert holding_node(registry, "511621") == "511600"  # no node of its own: its city
    assert holding_node(registry, "510104") == "510000"  # 成都 has no node: the province
    assert holding_node(registry, "440000") == ""
    assert holding_node(province_registry(revoked=("511602",)), "511602") == "511600"


def test_the_province_holds_only_what_no_node_below_holds() -> None:
    province = territory("510000")
    assert province.nodes_below() == ["511600", "511602"]
    assert province.holds("510000") and province.holds("510104")
    assert not province.holds("511602") and not province.holds("511600")
    assert not province.holds("511621")  # the city hosts it
    assert province.holder("511602") == "511602" and province.holder("511621") == "511600"
    assert province.holder("510104") == ""


def test_the_city_keeps_the_county_it_hosts_and_leaves_the_district() -> None:
    city = territory("511600", ("511600", "511621"))
    assert city.holds("511600") and city.holds("511621")
    assert not city.holds("511602") and city.holder("511602") == "511602"
    assert city.holder("510000") == ""  # above the city: not its region, not "held below"


def test_a_region_held_below_is_refused_naming_its_node_in_chinese() -> None:
    with pytest.raises(PermissionDenied) as refused:
        territory("510000").require("511602", "draft.region")
    error = refused.value
    assert error.code == "REGION_HELD_BY_OTHER_NODE"
    assert error.metadata == {"region": "511602", "field": "draft.region", "node": "511602",
                              "node_name": "广安区"}
    assert "由节点 511602 广安区 管辖" in error.message and "510000" in error.message
    assert territory("511602").require("511602") == "511602"


def test_a_region_outside_the_node_stays_not_hosted() -> None:
    with pytest.raises(PermissionDenied) as refused:
        territory("511602").require("511600")
    assert refused.value.code == "REGION_NOT_HOSTED"


def test_a_revoked_node_below_gives_its_regions_back() -> None:
    province = territory("510000", revoked=("511602", "511600"))
    assert province.holds("511602") and province.nodes_below() == []


def test_without_a_registry_a_node_holds_all_its_regions(tmp_path) -> None:
    alone = Territory.of_node("510000", (), tmp_path)
    assert alone.holds("511602") and alone.holder("511602") == ""
    assert alone.require("511602") == "511602"
