"""The roll-up shovel as the province's set-up declares it (infra/rollup.py): from each
node's own durable queue to the province's supervision partitions, confirmed before the node
lets a message go."""

from __future__ import annotations

import json

from infra import rollup
from infra.province import Plan, PlannedNode
from services.shared.broker import CASE_PARTITION_EXCHANGE


def _node(region: str) -> PlannedNode:
    return PlannedNode(region, region, {
        "AMQP_URI": f"amqp://guest:guest@127.0.0.1:5672/sunlight-{region}",
        "SUNLIGHT_VAR_DIR": f"var/{region}"})


def test_the_shovel_goes_from_the_nodes_queue_to_the_provinces_partitions() -> None:
    definition = rollup.shovel_definition(_node("511602"), _node("510000"))
    assert definition["src-uri"].endswith("/sunlight-511602")
    assert definition["src-queue"] == rollup.ROLLUP_QUEUE
    assert definition["dest-uri"].endswith("/sunlight-510000")
    assert definition["dest-exchange"] == CASE_PARTITION_EXCHANGE
    # the routing key and headers the relay gave the event stay (partition_key: the case)
    assert "dest-exchange-key" not in definition
    # a message leaves the node's queue only once the province's broker has confirmed it
    assert definition["ack-mode"] == "on-confirm"
    assert definition["src-delete-after"] == "never"


def test_link_and_cut_are_parameters_of_the_nodes_vhost() -> None:
    calls: list[tuple[str, ...]] = []

    def run(*args: str) -> str:
        calls.append(args)
        return ""

    rollup.link(_node("511602"), _node("510000"), run=run)
    rollup.cut(_node("511602"), run=run)
    (verb, flag, vhost, component, name, definition), cleared = calls
    assert (verb, flag, vhost, component, name) == (
        "set_parameter", "-p", "sunlight-511602", "shovel", rollup.SHOVEL)
    assert json.loads(definition)["src-queue"] == rollup.ROLLUP_QUEUE
    assert cleared == ("clear_parameter", "-p", "sunlight-511602", "shovel", rollup.SHOVEL)


def test_a_plan_without_the_province_or_without_nodes_below_links_nothing() -> None:
    assert rollup.setup(Plan(base_var=None, nodes=[_node("511602")])) == []  # type: ignore[arg-type]
    assert rollup.setup(Plan(base_var=None, nodes=[_node("510000")])) == []  # type: ignore[arg-type]
    assert rollup.province_of(Plan(base_var=None, nodes=[  # type: ignore[arg-type]
        _node("511602"), _node("510000")])).region == "510000"
