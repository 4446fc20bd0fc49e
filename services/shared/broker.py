"""RabbitMQ connections (pika) with timeouts, and the exchanges of the event contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pika

EXCHANGE_TYPE = "topic"


@dataclass(frozen=True)
class StandingQueue:
    """A durable queue declared with its exchange, so that what is published there is kept
    for a reader that comes later (a province's shovel, an operator) instead of being
    returned as unroutable. Bounded: the oldest messages go first once it is full."""

    name: str
    binding: str
    arguments: dict[str, Any] = field(default_factory=dict)


#: per exchange, the queues that exist as soon as it does
STANDING_QUEUES: dict[str, tuple[StandingQueue, ...]] = {
    # supervision's warnings as they change (warning.<action>.<province>.<city>.<region>): the
    # node's feed for the province's supervision and for operators; the newest 100,000
    "monitoring.events": (StandingQueue(
        "monitoring.warnings-feed", "warning.#",
        {"x-max-length": 100_000, "x-overflow": "drop-head"}),),
}


def connection_parameters(amqp_uri: str, timeout_s: float = 10.0,
                          name: str = "sunlight") -> pika.URLParameters:
    params = pika.URLParameters(amqp_uri)
    params.socket_timeout = timeout_s
    params.stack_timeout = timeout_s * 2
    params.blocked_connection_timeout = timeout_s * 3
    params.connection_attempts = 1
    params.heartbeat = 30
    params.client_properties = {"connection_name": name}
    return params


def connect(amqp_uri: str, timeout_s: float = 10.0, name: str = "sunlight"
            ) -> pika.BlockingConnection:
    return pika.BlockingConnection(connection_parameters(amqp_uri, timeout_s, name))


def declare_exchange(channel: pika.adapters.blocking_connection.BlockingChannel,
                     exchange: str) -> None:
    """Durable topic exchange, declared exactly as nameko declares it."""
    channel.exchange_declare(exchange=exchange, exchange_type=EXCHANGE_TYPE, durable=True,
                             auto_delete=False)
