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


_FEED = {"x-max-length": 100_000, "x-overflow": "drop-head"}

#: per exchange, the queues that exist as soon as it does (a queue with several bindings is
#: listed once per binding, with the same arguments)
STANDING_QUEUES: dict[str, tuple[StandingQueue, ...]] = {
    "monitoring.events": (
        # supervision's warnings as they change (warning.<action>.<province>.<city>.<region>):
        # the node's feed for the province's supervision and for operators; the newest 100,000
        StandingQueue("monitoring.warnings-feed", "warning.#", _FEED),
        # what people said (咨询, 投诉, 评价, 整改): no service of the node consumes these
        # events yet; kept here (the newest 100,000) for a reader to come, rather than held
        # in the outbox and offered again every half minute
        *(StandingQueue("monitoring.feedback-feed", f"{kind}.#", _FEED)
          for kind in ("consultation", "complaint", "rating", "rectification")),
    ),
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


#: Where the node's consumers give up a message they failed to handle a few times (a bug, not
#: an outage): a durable topic exchange and one queue bound to everything, for an operator to
#: list and replay (``sunlight supervision dead-letters``).
DEAD_LETTER_EXCHANGE = "sunlight.dead-letters"
#: attempts a consumer makes at a message that fails for another reason than an outage
#: before it gives the message up to the dead-letter queue
MAX_ATTEMPTS = 5
DEAD_LETTER_QUEUE = "sunlight.dead-letters"
#: The RabbitMQ policy that makes every nameko event queue of the node (``evt-…``) send the
#: messages its consumer rejects to that exchange. A policy, not queue arguments: nameko
#: declares its queues itself, and different arguments would make its declaration fail.
DEAD_LETTER_POLICY = ("sunlight-dead-letters", "^evt-",
                      {"dead-letter-exchange": DEAD_LETTER_EXCHANGE})


def declare_dead_letters(channel: pika.adapters.blocking_connection.BlockingChannel) -> None:
    """The dead-letter exchange and its queue (idempotent)."""
    declare_exchange(channel, DEAD_LETTER_EXCHANGE)
    channel.queue_declare(DEAD_LETTER_QUEUE, durable=True)
    channel.queue_bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, routing_key="#")


#: Supervision's case events, spread over its worker processes by case (监察分区): RabbitMQ's
#: consistent-hash exchange (plugin ``rabbitmq_consistent_hash_exchange``, which ships with
#: the server; ``make run``'s broker step enables it), bound to ``cases.events`` for
#: ``case.#``. It hashes the ``partition_key`` header — the case number, which the case
#: service puts on every event it publishes — not the routing key, which carries the event's
#: type and region for the other consumers. Each partition's queue is bound with weight 1,
#: so every event of a case goes to one queue, in the order published. A message without
#: the header is routed too (all of them to one partition).
CASE_PARTITION_EXCHANGE = "monitoring.case-partitions"
CONSISTENT_HASH = "x-consistent-hash"
CONSISTENT_HASH_PLUGIN = "rabbitmq_consistent_hash_exchange"
PARTITION_HEADER = "partition_key"
CASE_PARTITION_ARGUMENTS = {"hash-header": PARTITION_HEADER}
#: partitions at most (SUNLIGHT_SUPERVISION_WORKERS); the queues of partitions at or beyond
#: the number configured are retired by the workers (``services.monitoring.partitions``)
MAX_PARTITIONS = 32
#: the one queue supervision's case events had before they were partitioned
UNPARTITIONED_CASE_QUEUE = "evt-cases-case.#--monitoring.on_case_event"


def case_partition_queue(partition: int) -> str:
    """The queue of one partition (``evt-…``: the dead-letter policy applies to it)."""
    return f"{UNPARTITIONED_CASE_QUEUE}.p{partition}"


def declare_case_partitions(channel: pika.adapters.blocking_connection.BlockingChannel
                            ) -> None:
    """``cases.events``, the consistent-hash exchange and the binding between them
    (idempotent; each worker binds its own partition's queue)."""
    declare_exchange(channel, "cases.events")
    channel.exchange_declare(exchange=CASE_PARTITION_EXCHANGE, exchange_type=CONSISTENT_HASH,
                             durable=True, auto_delete=False,
                             arguments=CASE_PARTITION_ARGUMENTS)
    channel.exchange_bind(destination=CASE_PARTITION_EXCHANGE, source="cases.events",
                          routing_key="case.#")
