"""A nameko entrypoint that hands its worker the messages of a queue in batches.

nameko's ``EventHandler`` runs one worker per message: per message a green thread to hand
it over, a worker context with every dependency injected, a green thread for the worker, and
an acknowledgement of its own. Supervision applies case events in group-committed
transactions anyway, so that machinery was most of what the worker spent an event on
(``python -m bench.worker_drain``). ``BatchedEventHandler`` keeps nameko — its container,
its dependencies, its queue consumer's connection handling — and changes the unit of work:

- each message delivered is put in a queue of pending deliveries, in the consumer's own green
  thread (``BatchQueueConsumer``: no green thread per message);
- one worker at a time takes up to ``MAX_BATCH`` pending deliveries, oldest first, and returns
  a ``Verdict`` per delivery; the next worker starts once the verdicts are carried out, with
  what arrived meanwhile — so while a batch's transaction waits for the database, the next
  batch gathers;
- a batch starts once the oldest of its deliveries has waited ``wait_s`` (nameko's config
  ``BATCH_WAIT_S``; 0: at once), or at once when ``MAX_BATCH`` are pending: under a steady
  trickle a transaction then carries several events instead of one or two, the cost of a
  transaction shared by them, for at most ``wait_s`` more before each is applied;
- the verdicts are carried out in delivery order: a delivery to requeue goes back to the
  queue, one to give up is rejected (the queue's policy dead-letters it), and the ones
  acknowledged are acknowledged with one ``basic.ack`` per channel (``multiple``: every
  delivery up to that tag, which are exactly this batch's still unsettled ones — older
  batches are settled before a newer one starts, and the pending ones come after);
- a worker that fails as a whole (a bug outside the per-delivery verdicts) has its batch
  requeued; a delivery whose channel has gone is left alone (the broker gives it again).

The broker sends at most ``PREFETCH`` unacknowledged messages: a batch in its transaction and
the next one gathering.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer

log = logging.getLogger(__name__)

#: deliveries a worker takes at most (a transaction's events)
MAX_BATCH = 64
#: unacknowledged messages the broker sends at most: a batch at work and the next gathering
PREFETCH = 2 * MAX_BATCH
#: nameko config: seconds a batch waits for more after its first delivery (default 0)
BATCH_WAIT_CONFIG_KEY = "BATCH_WAIT_S"


class Verdict(enum.Enum):
    ACK = "ack"
    #: back to the queue, to be tried again
    REQUEUE = "requeue"
    #: given up: rejected without requeueing (the queue's policy dead-letters it)
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Delivery:
    """What a batch's worker gets of each message: its decoded body and its headers (nameko's
    prefix stripped)."""

    payload: Any
    headers: dict[str, Any]


class BatchQueueConsumer(QueueConsumer):
    """nameko's queue consumer (its own connection), handing each message straight to its
    entrypoint in the consumer's green thread, with a prefetch of ``PREFETCH``."""

    @property
    def prefetch_count(self) -> int:
        return PREFETCH

    def handle_message(self, provider, body, message):  # type: ignore[no-untyped-def]
        provider.handle_message(body, message)


class BatchedEventHandler(EventHandler):
    """An event handler whose method gets a list of ``Delivery`` and returns a ``Verdict``
    for each, in order."""

    queue_consumer = BatchQueueConsumer()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: (body, message, when it arrived), oldest first
        self._pending: deque[tuple[Any, Any, float]] = deque()
        self._busy = False
        self._timer: Any = None
        self.wait_s = 0.0

    def setup(self) -> None:
        super().setup()
        self.setup_batches()

    def setup_batches(self) -> None:
        """Once registered with the queue consumer (a subclass that binds its queue itself
        calls this after ``Consumer.setup``): the wait from the config, and a check that the
        consumer's channel carries this entrypoint's deliveries only — a ``multiple``
        acknowledgement must not reach another's."""
        self.wait_s = float(self.container.config.get(BATCH_WAIT_CONFIG_KEY, 0.0))
        others = [p for p in self.queue_consumer._providers if p is not self]
        if others:
            raise RuntimeError(f"{type(self).__name__} shares its queue consumer with {others}: "
                               "one batched entrypoint per service")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()  # what is pending goes back to the queue with the channel
            self._timer = None
        super().stop()

    def handle_message(self, body, message):  # type: ignore[no-untyped-def]
        self._pending.append((body, message, time.monotonic()))
        if not self._busy:
            self._next_batch()

    def _next_batch(self) -> None:
        """Start a worker on the pending deliveries, or wait for more (``wait_s``)."""
        if not self._pending:
            return
        if len(self._pending) < MAX_BATCH and self.wait_s > 0:
            left = self._pending[0][2] + self.wait_s - time.monotonic()
            if left > 0:
                if self._timer is None:
                    self._timer = eventlet.spawn_after(left, self._gathered)
                return
        self._start_batch()

    def _gathered(self) -> None:
        self._timer = None
        if not self._busy and self._pending:
            self._start_batch()

    def _start_batch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch = [self._pending.popleft()
                 for _ in range(min(MAX_BATCH, len(self._pending)))]
        deliveries = [Delivery(body, self.unpack_message_headers(message))
                      for body, message, _ in batch]
        self._busy = True
        try:
            self.container.spawn_worker(self, (deliveries,), {},
                                        handle_result=partial(self.handle_batch_result,
                                                              [m for _, m, _ in batch]))
        except ContainerBeingKilled:
            self._busy = False
            for _, message, _ in batch:
                self.queue_consumer.requeue_message(message)

    def handle_batch_result(self, messages, worker_ctx, result=None, exc_info=None):  # type: ignore[no-untyped-def]
        try:
            if exc_info is not None or result is None or len(result) != len(messages):
                if exc_info is None:
                    log.error("a batch's worker returned %r for %d deliveries: requeued",
                              result, len(messages))
                verdicts: Sequence[Verdict] = [Verdict.REQUEUE] * len(messages)
            else:
                verdicts = result
            settle(messages, verdicts)
        finally:
            self._busy = False
            self._next_batch()
        return result, exc_info


def settle(messages: Sequence[Any], verdicts: Sequence[Verdict]) -> None:
    """Carry out each delivery's verdict, in delivery order; the acknowledged ones with one
    ``basic.ack`` (``multiple``) per channel, on its last delivery tag."""
    last_ack: dict[int, Any] = {}  # channel (by identity) → its last message acknowledged
    for message, verdict in zip(messages, verdicts, strict=True):
        if not message.channel.connection:
            continue  # the channel is gone: the broker gives the message again
        try:
            if verdict is Verdict.ACK:
                last_ack[id(message.channel)] = message
            elif verdict is Verdict.REQUEUE:
                message.requeue()
            else:
                message.reject(requeue=False)
        except AmqpConnectionError:
            continue  # closing meanwhile: the same
    for message in last_ack.values():
        try:
            message.ack(multiple=True)
        except AmqpConnectionError:
            pass


batched_event_handler = BatchedEventHandler.decorator
