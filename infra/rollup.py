"""Supervision rolls up (监察汇聚): every node's case events reach the province's supervision.

One RabbitMQ **shovel** per node below the province (plugin ``rabbitmq_shovel``, which ships
with the server; the broker step enables it), declared from the province's plan by ``make
run``'s ``province`` step (``infra.province.setup``):

- source: the durable queue ``ROLLUP_QUEUE`` in the node's own vhost, bound to its
  ``cases.events`` for ``case.#`` — declared here before the link, so every event the node's
  relay publishes from now on is kept in it until the province has confirmed it, whether the
  link is up or not (a cut link loses nothing: the queue holds the events meanwhile);
- destination: the province's consistent-hash exchange of supervision's partitions
  (``monitoring.case-partitions``), with the routing key and headers the node's relay gave
  the event (``partition_key``: the case number; ``traceparent``): the province's supervision
  workers apply it as one of their own — and nothing else at the province sees it (its case
  service and other consumers of its ``cases.events`` do not);
- ``ack-mode`` ``on-confirm``: a message leaves the node's queue only once the province's
  broker has confirmed it. A message may so cross twice (a link cut between the confirm and
  the ack); the workers' inbox applies each event id once.

The shovel is a dynamic one (``rabbitmqctl set_parameter -p <node vhost> shovel …``), kept by
the broker across restarts; declaring it again with the same definition changes nothing.
Only a broker of this machine is managed here (as in ``infra.broker``); for another one, the
command is printed for its operator. On Kubernetes (``k8s/overlays/{city,district}``) a Job
of the node's namespace declares the link from its settings, through the broker's HTTP API
(the management plugin, which the RabbitMQ operator's clusters run), with no ``rabbitmqctl``:

    python -m infra.rollup declare    AMQP_URI (the node's broker), SUNLIGHT_PROVINCE_AMQP_URI,
                                      SUNLIGHT_RABBITMQ_MANAGEMENT_URL (the node's broker's
                                      management API, http://user:password@host:15672)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import pika.exceptions

from infra.broker import SHOVEL_PLUGIN, BrokerAddress, BrokerError, rabbitmqctl
from services.shared.broker import CASE_PARTITION_EXCHANGE, connect, declare_exchange

if TYPE_CHECKING:
    from infra.province import Plan, PlannedNode

#: in each node's vhost: its case events for the province, held while the link is down
ROLLUP_QUEUE = "province.rollup"
ROLLUP_BINDING = "case.#"
#: the name of the node's shovel (a runtime parameter of the node's vhost)
SHOVEL = "province-rollup"
#: how many messages the shovel has in flight (unconfirmed) at once
PREFETCH = 1000
RECONNECT_DELAY_S = 1


def province_of(plan: Plan) -> PlannedNode | None:
    """The province's node of the plan (its region ends in 0000), if the plan has one."""
    return next((n for n in plan.nodes if n.region.endswith("0000")), None)


def shovel_definition(node: PlannedNode, province: PlannedNode) -> dict[str, Any]:
    return definition(node.env["AMQP_URI"], province.env["AMQP_URI"])


def definition(source_uri: str, province_uri: str) -> dict[str, Any]:
    """The shovel from the node's broker (``source_uri``) to the province's."""
    return {
        "src-protocol": "amqp091", "src-uri": source_uri,
        "src-queue": ROLLUP_QUEUE, "src-prefetch-count": PREFETCH,
        "src-delete-after": "never",
        "dest-protocol": "amqp091", "dest-uri": province_uri,
        "dest-exchange": CASE_PARTITION_EXCHANGE,
        "ack-mode": "on-confirm", "reconnect-delay": RECONNECT_DELAY_S,
    }


def declare_source(amqp_uri: str, timeout_s: float = 10.0) -> None:
    """The node's roll-up queue and its binding (idempotent)."""
    connection = connect(amqp_uri, timeout_s, "sunlight-rollup-setup")
    try:
        channel = connection.channel()
        declare_exchange(channel, "cases.events")
        channel.queue_declare(ROLLUP_QUEUE, durable=True)
        channel.queue_bind(ROLLUP_QUEUE, "cases.events", routing_key=ROLLUP_BINDING)
    finally:
        connection.close()


def declare_destination(province: PlannedNode) -> None:
    """The province's partitions, so that an event shovelled before its supervision workers
    first start waits in a partition's queue (as the workers declare them at start)."""
    from services.monitoring import partitions  # noqa: PLC0415 - pika only, no grpc

    settings = province.settings()
    partitions.prepare(province.env["AMQP_URI"], settings.supervision_workers,
                       settings.amqp_timeout_s)


def link(node: PlannedNode, province: PlannedNode,
         run: Callable[..., str] | None = None) -> str:
    """Declare the node's shovel to the province (idempotent); the command it took."""
    vhost = BrokerAddress.parse(node.env["AMQP_URI"]).vhost
    definition = json.dumps(shovel_definition(node, province), separators=(",", ":"))
    (run or rabbitmqctl)("set_parameter", "-p", vhost, "shovel", SHOVEL, definition)
    return (f"rabbitmqctl set_parameter -p {vhost} shovel {SHOVEL} "
            f"'{without_passwords(definition)}'")


def without_passwords(text: str) -> str:
    """The broker URIs of a shovel's definition with their passwords left out, for showing."""
    return re.sub(r"(amqps?://[^:/@\"]+):[^@\"]+@", r"\1:<password>@", text)


def cut(node: PlannedNode, run: Callable[..., str] | None = None) -> None:
    """Remove the node's shovel (its queue stays, and keeps the node's events)."""
    vhost = BrokerAddress.parse(node.env["AMQP_URI"]).vhost
    (run or rabbitmqctl)("clear_parameter", "-p", vhost, "shovel", SHOVEL)


def held(node: PlannedNode, timeout_s: float = 10.0) -> int:
    """Events waiting in the node's roll-up queue (ready, not those the shovel holds)."""
    connection = connect(node.env["AMQP_URI"], timeout_s, "sunlight-rollup-probe")
    try:
        return connection.channel().queue_declare(ROLLUP_QUEUE, passive=True
                                                  ).method.message_count
    finally:
        connection.close()


def setup(plan: Plan, say: Callable[[str], None] = print) -> list[str]:
    """Every node's link to the province of ``plan``; the regions linked."""
    province = province_of(plan)
    if province is None:
        return []
    below = [n for n in plan.nodes if n is not province]
    if not below:
        return []
    declare_destination(province)
    linked = []
    for node in below:
        declare_source(node.env["AMQP_URI"], node.settings().amqp_timeout_s)
        if not (BrokerAddress.parse(node.env["AMQP_URI"]).managed
                and BrokerAddress.parse(province.env["AMQP_URI"]).managed):
            definition = without_passwords(json.dumps(shovel_definition(node, province)))
            say(f"{node.region} roll-up: the broker is not managed here; its operator "
                f"enables {SHOVEL_PLUGIN} and declares the shovel once: rabbitmqctl "
                f"set_parameter -p <vhost> shovel {SHOVEL} '{definition}'")
            continue
        try:
            link(node, province)
        except BrokerError as exc:
            raise SystemExit(f"node {node.region}: roll-up shovel: {exc}") from None
        linked.append(node.region)
        say(f"{node.region} roll-up: shovel {SHOVEL} from {ROLLUP_QUEUE} to "
            f"{province.region}'s supervision ({CASE_PARTITION_EXCHANGE})")
    return linked


def declare_over_http(management_url: str, node_uri: str, province_uri: str,
                      client: httpx.Client | None = None, timeout_s: float = 10.0) -> str:
    """Declare the node's shovel through its broker's management API (``PUT
    /api/parameters/shovel/<vhost>/province-rollup``, idempotent); what was declared, without
    passwords. The node's roll-up queue is declared first (``declare_source``)."""
    parts = urlsplit(management_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("SUNLIGHT_RABBITMQ_MANAGEMENT_URL: an http(s) URL of the node's "
                         "broker's management API, e.g. http://user:password@rabbitmq:15672")
    auth = (parts.username or "", parts.password or "") if parts.username else None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    base = urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
    vhost = BrokerAddress.parse(node_uri).vhost
    url = f"{base}/api/parameters/shovel/{quote(vhost, safe='')}/{SHOVEL}"
    body = {"vhost": vhost, "component": "shovel", "name": SHOVEL,
            "value": definition(node_uri, province_uri)}
    http = client or httpx.Client(timeout=timeout_s)
    try:
        reply = http.put(url, json=body, auth=auth, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise BrokerError(f"{base}: the management API did not answer ({exc})") from None
    finally:
        if client is None:
            http.close()
    if reply.status_code not in {200, 201, 204}:
        raise BrokerError(f"{url}: {reply.status_code} {reply.text[:300]}")
    return without_passwords(json.dumps(body, separators=(",", ":"), ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.rollup",
                                     description="the node's roll-up link to the province")
    parser.add_argument("command", choices=["declare"])
    parser.parse_args(argv)
    names = ("AMQP_URI", "SUNLIGHT_PROVINCE_AMQP_URI", "SUNLIGHT_RABBITMQ_MANAGEMENT_URL")
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        print(f"roll-up: missing settings: {', '.join(missing)}", file=sys.stderr)
        return 2
    node_uri, province_uri, management = (os.environ[n] for n in names)
    try:
        declare_source(node_uri)
    except pika.exceptions.AMQPError as exc:
        print(f"roll-up: the node's broker: {exc!r}", file=sys.stderr)
        return 1
    try:
        declared = declare_over_http(management, node_uri, province_uri)
    except (ValueError, BrokerError) as exc:
        print(f"roll-up: {exc}", file=sys.stderr)
        return 1
    print(f"roll-up: shovel {SHOVEL} declared: {declared}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
