"""End to end: supervision rolls up (监察汇聚). A province and a district started the way
`make run` starts them; the set-up step links the district's case events to the province's
supervision with a RabbitMQ shovel (infra/rollup.py). A case started at the district shows up
in the province's supervision records, with its region; with the link cut, the district's
events wait in its roll-up queue, and once the link is back every one arrives, each applied
once even when it crosses twice."""

from __future__ import annotations

import json
import subprocess

import httpx
import pika
import pytest

from infra import rollup
from infra.localnode import LocalProvince
from infra.province import Plan
from services.shared.broker import UNPARTITIONED_CASE_QUEUE, connect
from tests.support.clients import apply_over_http, node_api, publish_over_http
from tests.support.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
REGIONS = ["510000", "511602"]
PROVINCE, DISTRICT = REGIONS


@pytest.fixture(scope="module")
def province(amqp_uri, tmp_path_factory):
    root = tmp_path_factory.mktemp("rollup")
    # no demo data: every node's seeder makes demo cases numbered 511602…, the province's too
    local = LocalProvince({"SUNLIGHT_VAR_DIR": str(root / "var"), "AMQP_URI": amqp_uri,
                           "SUNLIGHT_DEMO_DATA": "0"}, REGIONS, root / "logs")
    try:
        local.start()
        local.wait_healthy(timeout_s=600)
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def plan(province) -> Plan:
    found = Plan.read(province.var_dir)
    assert found is not None
    return found


def _api(province: LocalProvince, region: str) -> httpx.Client:
    return node_api(province.node(region), region)


@pytest.fixture(scope="module")
def district_item(province) -> str:
    with _api(province, DISTRICT) as api:
        return publish_over_http(api, DISTRICT, "区发展改革局")


def _open_case(province: LocalProvince, item_id: str) -> str:
    with _api(province, DISTRICT) as api:
        return str(apply_over_http(api, item_id, DISTRICT)["case_number"])


def _record(province: LocalProvince, region: str, number: str) -> dict | None:
    """Supervision's record of the case at the node of ``region`` (None: not there yet)."""
    with _api(province, region) as api:
        reply = api.get(f"/v1/supervision/cases/{number}")
    if reply.status_code == 404:
        assert reply.json()["error"]["code"] == "RECORD_NOT_FOUND", reply.text
        return None
    assert reply.status_code == 200, reply.text
    return reply.json()["record"]


def _in_queues(vhost: str, prefix: str) -> int:
    """Messages (ready and unacknowledged) in the queues of the vhost named ``prefix…``."""
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name",  # noqa: S607
                             "messages", "--formatter", "json"], capture_output=True,
                            text=True, timeout=60, check=True).stdout
    return sum(int(q["messages"]) for q in json.loads(listed)
               if q["name"].startswith(prefix))


def _vhost(plan: Plan, region: str) -> str:
    return plan.node(region).env["AMQP_URI"].rpartition("/")[2]


def test_a_district_case_shows_up_in_the_provinces_supervision(province, district_item
                                                               ) -> None:
    number = _open_case(province, district_item)
    record = wait_for(lambda: _record(province, PROVINCE, number), timeout_s=60,
                      what="the district's case in the province's supervision")
    assert record["region"] == DISTRICT  # the region it came from, not the province's
    assert record["status"] == "submitted"
    at_district = wait_for(lambda: _record(province, DISTRICT, number), timeout_s=60,
                           what="the case in the district's own supervision")
    assert at_district["region"] == DISTRICT


def test_a_cut_link_loses_nothing_and_applies_each_event_once(province, plan, district_item
                                                              ) -> None:
    district = plan.node(DISTRICT)
    rollup.cut(district)
    try:
        numbers = [_open_case(province, district_item) for _ in range(3)]
        # the district's own supervision has them; its roll-up queue holds their events
        for number in numbers:
            wait_for(lambda n=number: _record(province, DISTRICT, n), timeout_s=60,
                     what=f"case {number} in the district's supervision")
        wait_for(lambda: rollup.held(district) >= len(numbers), timeout_s=60,
                 what="the district's events held in its roll-up queue")
        assert all(_record(province, PROVINCE, n) is None for n in numbers)
        # one event crosses twice: a copy of it waits in the queue beside it
        connection = connect(district.env["AMQP_URI"])
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            method, properties, body = channel.basic_get(rollup.ROLLUP_QUEUE)
            assert method is not None
            twice = json.loads(body)["data"]["case_number"]
            channel.basic_publish("", rollup.ROLLUP_QUEUE, body, pika.BasicProperties(
                delivery_mode=2, headers=properties.headers,
                content_type=properties.content_type), mandatory=True)
            channel.basic_nack(method.delivery_tag, requeue=True)
        finally:
            connection.close()
        assert rollup.held(district) >= len(numbers) + 1
    finally:
        rollup.link(district, plan.node(PROVINCE))
    for number in numbers:
        wait_for(lambda n=number: _record(province, PROVINCE, n), timeout_s=60,
                 what=f"case {number} in the province's supervision after the cut")
    wait_for(lambda: _in_queues(_vhost(plan, DISTRICT), rollup.ROLLUP_QUEUE) == 0
             and _in_queues(_vhost(plan, PROVINCE), UNPARTITIONED_CASE_QUEUE) == 0,
             timeout_s=60, interval_s=0.5, what="every event across the link and applied")
    assert twice in numbers
    for number in numbers:
        here, there = _record(province, DISTRICT, number), _record(province, PROVINCE, number)
        assert there is not None and here is not None
        assert there["region"] == DISTRICT
        # each event applied once: as many at the province as at the district
        assert there["events_applied"] == here["events_applied"], number
        assert there["last_sequence"] == here["last_sequence"], number
