"""Supervision's partitions on the broker (监察分区): set up, and retiring those no longer used.

Case events reach supervision through a consistent-hash exchange
(``services.shared.broker.CASE_PARTITION_EXCHANGE``) that spreads them by case number over
``SUNLIGHT_SUPERVISION_WORKERS`` queues, one per worker process; each worker consumes its own
partition's queue, so every event of a case is applied by one process, in order.

Every worker, as it starts (``prepare``), declares the queues of *all* the configured
partitions and binds them, so that the hash ring is whole from the first worker on: events of
a partition whose worker is not running yet (or was killed) wait in its queue, and nothing is
spread differently when the others start. It then retires the queues that the configuration no
longer has — partitions at or beyond the number configured, and the single queue of before
partitioning: each is unbound (it receives nothing more), its messages are published again to
the exchange (publisher confirms; the header ``partition_key`` added from the body when a
message lacks it), which hashes them onto the partitions configured now, and only then
acknowledged; the empty queue is deleted. A queue still consumed (a worker of the old
configuration still running) is unbound but kept: the next worker to start retires it.

So changing the number of workers loses nothing (``make run`` with another
``SUNLIGHT_SUPERVISION_WORKERS``; in Kubernetes, the StatefulSet's replicas and that setting
together). While it changes, the events of a case that were waiting in a retired queue may be
applied after later ones of the same case that went to the new partition; the projection is
order-tolerant and the inbox drops duplicates, so the state ends the same. For strict order
throughout, stop the case relays' publishing (or wait for every partition's queue to be empty)
before restarting the workers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions

from services.shared.broker import (
    CASE_PARTITION_EXCHANGE,
    MAX_PARTITIONS,
    PARTITION_HEADER,
    UNPARTITIONED_CASE_QUEUE,
    case_partition_queue,
    connect,
    declare_case_partitions,
)

log = logging.getLogger("sunlight.monitoring.partitions")
#: a partition queue's binding to the consistent-hash exchange: its weight on the ring
WEIGHT = "1"
NOT_FOUND = 404


class PluginMissing(RuntimeError):
    """The broker has no consistent-hash exchange type: the plugin is not enabled."""


@dataclass(frozen=True)
class PartitionQueue:
    name: str
    partition: int | None  # None: the single queue of before partitioning
    messages: int  # ready, not counting those a worker holds unacknowledged
    consumers: int


class _QuietNotFound(logging.Filter):
    """pika logs a warning for every channel the broker closes: a queue looked for and not
    there is no news here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "NOT_FOUND" not in record.getMessage()


_quiet = _QuietNotFound()


def _probe(connection: pika.BlockingConnection, name: str) -> tuple[int, int] | None:
    """(messages, consumers) of a queue, or None when there is no such queue."""
    channel = connection.channel()
    pika_channel = logging.getLogger("pika.channel")
    pika_channel.addFilter(_quiet)
    try:
        ok = channel.queue_declare(name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == NOT_FOUND:
            return None
        raise
    finally:
        pika_channel.removeFilter(_quiet)
    channel.close()
    return ok.method.message_count, ok.method.consumer_count


def _declare(connection: pika.BlockingConnection, workers: int) -> Any:
    channel = connection.channel()
    try:
        declare_case_partitions(channel)
    except pika.exceptions.ConnectionClosedByBroker as exc:
        if "invalid exchange type" in str(exc) or exc.reply_code == 503:
            raise PluginMissing(
                "RabbitMQ has no consistent-hash exchange: rabbitmq-plugins enable "
                "rabbitmq_consistent_hash_exchange (make run's broker step does it)") from exc
        raise
    for partition in range(workers):
        # as nameko declares its event queues: durable, no arguments (policies apply)
        name = case_partition_queue(partition)
        channel.queue_declare(name, durable=True)
        channel.queue_bind(name, CASE_PARTITION_EXCHANGE, routing_key=WEIGHT)
    return channel


def queues(amqp_uri: str, timeout_s: float = 10.0) -> list[PartitionQueue]:
    """Every partition queue there is (and the queue of before partitioning, if still there)."""
    connection = connect(amqp_uri, timeout_s, "sunlight-supervision-partitions")
    try:
        found = []
        for name, partition in _candidates(0):
            if (probed := _probe(connection, name)) is not None:
                found.append(PartitionQueue(name, partition, *probed))
        return found
    finally:
        connection.close()


def _candidates(first_stale: int) -> list[tuple[str, int | None]]:
    return [(UNPARTITIONED_CASE_QUEUE, None)] + [
        (case_partition_queue(p), p) for p in range(first_stale, MAX_PARTITIONS)]


def _with_partition_key(properties: Any, body: bytes) -> dict[str, Any]:
    headers = dict(properties.headers or {})
    if PARTITION_HEADER not in headers:
        try:
            number = json.loads(body)["data"]["case_number"]
        except (ValueError, KeyError, TypeError):
            number = None
        if isinstance(number, str) and number:
            headers[PARTITION_HEADER] = number
    return headers


def _move(channel: Any, name: str) -> int:
    """Publish every message of ``name`` again to the exchange; the number moved."""
    moved = 0
    while True:
        method, properties, body = channel.basic_get(name, auto_ack=False)
        if method is None:
            return moved
        again = pika.BasicProperties(
            content_type=properties.content_type,
            content_encoding=properties.content_encoding, delivery_mode=2,
            message_id=properties.message_id, type=properties.type,
            timestamp=properties.timestamp, correlation_id=properties.correlation_id,
            headers=_with_partition_key(properties, body))
        try:
            channel.basic_publish(CASE_PARTITION_EXCHANGE, method.routing_key, body, again,
                                  mandatory=True)
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError):
            channel.basic_nack(method.delivery_tag, requeue=True)  # stays where it was
            raise
        channel.basic_ack(method.delivery_tag)
        moved += 1


def prepare(amqp_uri: str, workers: int, timeout_s: float = 10.0,
            say: Callable[[str], None] = log.info) -> dict[str, int]:
    """Declare the partitions of ``workers`` and retire the others (see the module's text);
    per retired queue, the messages moved to the partitions configured now."""
    if not 1 <= workers <= MAX_PARTITIONS:
        raise ValueError(f"between 1 and {MAX_PARTITIONS} partitions, not {workers}")
    connection = connect(amqp_uri, timeout_s, "sunlight-supervision-partitions")
    retired: dict[str, int] = {}
    try:
        channel = _declare(connection, workers)
        channel.confirm_delivery()
        for name, partition in _candidates(workers):
            probed = _probe(connection, name)
            if probed is None:
                continue
            if partition is None:
                channel.queue_unbind(name, "cases.events", routing_key="case.#")
            else:
                channel.queue_unbind(name, CASE_PARTITION_EXCHANGE, routing_key=WEIGHT)
            if probed[1]:
                say(f"supervision partition queue {name} unbound; a worker still consumes "
                    "it: retired when the next worker starts")
                continue
            retired[name] = _move(channel, name)
            try:
                channel.queue_delete(name, if_empty=True)
            except pika.exceptions.ChannelClosedByBroker:
                channel = connection.channel()  # a message came meanwhile: next time
                channel.confirm_delivery()
                continue
            say(f"supervision partition queue {name} retired: {retired[name]} events moved "
                f"to the {workers} partitions configured")
        return retired
    finally:
        connection.close()
