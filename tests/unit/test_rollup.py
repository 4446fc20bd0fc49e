"""The roll-up shovel as the province's set-up declares it (infra/rollup.py): from each
node's own durable queue to the province's supervision partitions, confirmed before the node
lets a message go."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from infra import rollup
from infra.broker import BrokerError
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


NODE_URI = "amqp://sunlight:s3cret@rabbitmq.sunlight-511602:5672/sunlight-511602"
PROVINCE_URI = "amqp://rollup:t0psecret@rabbitmq.sunlight-510000:5672/sunlight-510000"


def _management(status: int, seen: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, text="" if status < 300 else "vhost_not_found")

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_on_kubernetes_the_link_is_declared_through_the_management_api() -> None:
    """The Job of the overlays (python -m infra.rollup declare): the same shovel, as a
    parameter of the node's vhost, with the credentials of the URL as basic auth; what it
    prints leaves the passwords out."""
    seen: list[httpx.Request] = []
    shown = rollup.declare_over_http("http://admin:adm1n@rabbitmq.sunlight-511602:15672/",
                                     NODE_URI, PROVINCE_URI, client=_management(201, seen))
    (request,) = seen
    assert request.method == "PUT"
    assert str(request.url) == ("http://rabbitmq.sunlight-511602:15672/api/parameters/shovel/"
                                f"sunlight-511602/{rollup.SHOVEL}")
    assert request.headers["authorization"] == "Basic " + base64.b64encode(
        b"admin:adm1n").decode()
    body = json.loads(request.content)
    assert body["component"] == "shovel" and body["vhost"] == "sunlight-511602"
    assert body["value"] == rollup.definition(NODE_URI, PROVINCE_URI)
    assert "s3cret" not in shown and "t0psecret" not in shown
    assert "rollup:<password>@rabbitmq.sunlight-510000" in shown


def test_a_refused_declaration_or_a_wrong_url_says_what_is_wrong() -> None:
    with pytest.raises(BrokerError, match="404 vhost_not_found"):
        rollup.declare_over_http("http://admin:adm1n@rabbitmq:15672", NODE_URI, PROVINCE_URI,
                                 client=_management(404, []))
    with pytest.raises(ValueError, match="SUNLIGHT_RABBITMQ_MANAGEMENT_URL"):
        rollup.declare_over_http("rabbitmq:15672", NODE_URI, PROVINCE_URI,
                                 client=_management(201, []))


def test_the_job_names_the_settings_it_lacks(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("AMQP_URI", "SUNLIGHT_PROVINCE_AMQP_URI", "SUNLIGHT_RABBITMQ_MANAGEMENT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AMQP_URI", NODE_URI)
    assert rollup.main(["declare"]) == 2
    assert capsys.readouterr().err.strip() == (
        "roll-up: missing settings: SUNLIGHT_PROVINCE_AMQP_URI, "
        "SUNLIGHT_RABBITMQ_MANAGEMENT_URL")
