"""Supervision's backlog at the broker, as gauges of the monitoring server's ``/metrics``.

- ``sunlight_supervision_queue_messages{queue}``: messages ready in each of supervision's
  queues (a case-event partition's, the catalogue events'): events committed and published
  but not yet taken by the worker — the consumer lag in events;
- ``sunlight_dead_letter_queue_messages``: messages in the node's dead-letter queue, given up
  by a consumer (``sunlight supervision dead-letters`` lists and replays them).

Read with passive queue declarations (the queue's counts, nothing consumed) on a connection
opened for the reading, at most once every ``TTL_S`` whatever the number of scrapes. Read by
the monitoring server, not by the worker: a worker that is down is when its queue grows.
A queue that does not exist yet is left out; a broker that does not answer gives no sample.
"""

from __future__ import annotations

import pika.exceptions

from services.shared import metrics
from services.shared.broker import DEAD_LETTER_QUEUE, case_partition_queue, connect
from services.shared.config import Settings

#: seconds a reading is kept
TTL_S = 10.0
#: the catalogue events' queue of supervision's worker (nameko's name for it)
ITEM_QUEUE = "evt-catalogue-item.#--monitoring.on_item_event"


def supervision_queues(workers: int) -> list[str]:
    return [*(case_partition_queue(n) for n in range(workers)), ITEM_QUEUE]


def queue_depths(amqp_uri: str, queues: list[str], timeout_s: float) -> dict[str, int]:
    """Messages ready in each queue that exists."""
    connection = connect(amqp_uri, timeout_s, "sunlight-monitoring-metrics")
    depths: dict[str, int] = {}
    try:
        channel = connection.channel()
        for queue in queues:
            try:
                ok = channel.queue_declare(queue, passive=True)
            except pika.exceptions.ChannelClosedByBroker:  # 404: not declared yet
                channel = connection.channel()
                continue
            depths[queue] = int(ok.method.message_count)
    finally:
        if connection.is_open:
            connection.close()
    return depths


def observe_queues(settings: Settings) -> None:
    """Register the two gauges (once, in the monitoring server's process)."""
    queues = supervision_queues(settings.supervision_workers)
    read = metrics.Cached(lambda: queue_depths(
        settings.amqp_uri, [*queues, DEAD_LETTER_QUEUE], min(settings.amqp_timeout_s, 3.0)),
        TTL_S)
    metrics.observe(
        "sunlight_supervision_queue_messages",
        "messages ready in supervision's queues, not yet taken by its worker, by queue",
        lambda: [(n, {"queue": q}) for q, n in read().items() if q != DEAD_LETTER_QUEUE])
    metrics.observe(
        "sunlight_dead_letter_queue_messages",
        "messages in the node's dead-letter queue (given up by a consumer)",
        lambda: [(n, {}) for q, n in read().items() if q == DEAD_LETTER_QUEUE])
