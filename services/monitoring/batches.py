"""A nameko entrypoint that hands its worker the messages of a queue in batches.

nameko's ``EventHandler`` runs one worker per message: per message a green thread to hand
it over, a worker context with every dependency injected, a green thread for the worker, and
an acknowledgement of its own — most of what supervision's worker spent an event on
(``python -m bench.worker_drain``). ``BatchedEventHandler`` keeps nameko — its container,
its dependencies, its queue consumer's connection handling — and changes the unit of work:

- each message delivered is put in a queue of pending deliveries, in the consumer's own green
  thread (``BatchQueueConsumer``: no green thread per message; it never waits on the batches);
- the entrypoint's batcher (a managed green thread) takes up to ``MAX_BATCH`` pending
  deliveries, oldest first, once the oldest has waited ``wait_s`` (nameko's config
  ``BATCH_WAIT_S``; 0: at once) or at once when ``MAX_BATCH`` are pending, starts one worker
  on them and waits until its verdicts — a ``Verdict`` per delivery, in order — are carried
  out; meanwhile the next batch gathers. Under a steady trickle a transaction then carries
  several events instead of one or two, each applied up to ``wait_s`` later;
- the verdicts are carried out in delivery order: a delivery to requeue goes back to the
  queue, one to give up is rejected (the queue's policy dead-letters it), and the ones
  acknowledged are acknowledged with one ``basic.ack`` per channel (``multiple``: every
  delivery up to that tag, which are exactly this batch's still unsettled ones — older
  batches are settled before a newer one starts, and the pending ones come after);
- a worker that fails as a whole, or answers anything but a verdict for each delivery, has
  its batch requeued, and the batcher pauses ``FAILED_BATCH_PAUSE_S`` before the next; a
  delivery whose channel has gone is left alone (the broker gives it again).

The broker sends at most ``PREFETCH`` unacknowledged messages: a batch at work and the next
one gathering. Stopping, no batch starts any more; what is pending returns to the queue with
the channel.
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
from eventlet.event import Event
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled

from services.monitoring.consumers import DeadLetteringQueueConsumer

log = logging.getLogger(__name__)

#: deliveries a worker takes at most (a transaction's events)
MAX_BATCH = 64
#: unacknowledged messages the broker sends at most: a batch at work and the next gathering
PREFETCH = 2 * MAX_BATCH
#: nameko config: seconds a batch waits for more after its first delivery (default 0)
BATCH_WAIT_CONFIG_KEY = "BATCH_WAIT_S"
#: seconds the batcher waits after a batch that failed as a whole
FAILED_BATCH_PAUSE_S = 1.0
#: how often the batcher looks for a free worker slot when the container's pool is full
SLOT_POLL_S = 0.01


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


class BatchQueueConsumer(DeadLetteringQueueConsumer):
    """nameko's queue consumer (its own connection), handing each message straight to its
    entrypoint in the consumer's green thread, with a prefetch of ``PREFETCH``."""

    @property
    def prefetch_count(self) -> int:
        return PREFETCH

    def handle_message(self, provider, body, message):  # type: ignore[no-untyped-def]
        provider.handle_message(body, message)


class BatchedEventHandler(EventHandler):
    """An event handler whose method gets a list of ``Delivery`` and returns a ``Verdict``
    for each, in order.

    Deliveries are queued by the consumer's green thread (which never blocks on them); a
    managed green thread of the entrypoint's own, the batcher, forms the batches, starts their
    workers one at a time (waiting for a slot of the container's pool when others hold them
    all) and waits for each to be settled — never a worker starting the next one."""

    queue_consumer = BatchQueueConsumer()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: (body, message, when it arrived), oldest first
        self._pending: deque[tuple[Any, Any, float]] = deque()
        self._bell = Event()  # rung when there is something new for the batcher
        self._stopping = False
        self._batcher: Any = None
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

    def start(self) -> None:
        self._batcher = self.container.spawn_managed_thread(
            self._run_batches, identifier=f"{type(self).__name__}.batcher")

    def stop(self) -> None:
        """No batch starts any more; one at work finishes and its verdicts are carried out
        while the channel is still open (the batcher is waited for before the consumer is
        let go); what is pending goes back to the queue with the channel."""
        self._stopping = True
        self._ring()
        if self._batcher is not None:
            try:
                self._batcher.wait()
            except Exception:  # noqa: BLE001 - stopping anyway; it logged what it met
                log.exception("the batcher ended with an error")
        super().stop()

    def kill(self) -> None:
        self._stopping = True
        self._ring()
        super().kill()

    def handle_message(self, body, message):  # type: ignore[no-untyped-def]
        self._pending.append((body, message, time.monotonic()))
        if len(self._pending) == 1 or len(self._pending) == MAX_BATCH:
            self._ring()  # something to wait for, or a full batch: no more waiting

    def _ring(self) -> None:
        if not self._bell.ready():
            self._bell.send()

    def _run_batches(self) -> None:
        while not self._stopping:
            self._bell = Event()  # reset before looking: a ring from now on is not missed
            if not self._pending:
                self._bell.wait()
                continue
            if len(self._pending) < MAX_BATCH and self.wait_s > 0:
                left = self._pending[0][2] + self.wait_s - time.monotonic()
                if left > 0:
                    with eventlet.Timeout(left, False):
                        self._bell.wait()
                    continue
            self._wait_for_a_worker_slot()
            if self._stopping:
                return
            batch = [entry for entry in (self._pending.popleft()
                                         for _ in range(min(MAX_BATCH, len(self._pending))))
                     if entry[1].channel.connection]  # a closed channel's come again anyway
            if not batch:
                continue
            try:
                failed = self._run_batch([message for _, message, _ in batch],
                                         [Delivery(body, self.unpack_message_headers(message))
                                          for body, message, _ in batch])
            except ContainerBeingKilled:
                self._requeue(batch)
                return
            except Exception:  # noqa: BLE001 - never lose the batcher; the batch comes again
                log.exception("starting a batch of %d deliveries failed: requeued", len(batch))
                self._requeue(batch)
                failed = True
            if failed:
                eventlet.sleep(FAILED_BATCH_PAUSE_S)  # a batch that fails again is not a hot loop

    def _wait_for_a_worker_slot(self) -> None:
        """Until the container's pool has room: spawning then cannot block, so a stop or a
        kill noticed here is not followed by a batch started later."""
        pool = getattr(self.container, "_worker_pool", None)
        while pool is not None and pool.free() <= 0 and not self._stopping:
            eventlet.sleep(SLOT_POLL_S)

    def _run_batch(self, messages: list[Any], deliveries: list[Delivery]) -> bool:
        """One batch's worker, waited for until its deliveries are settled; whether it failed
        as a whole."""
        settled = Event()
        self.container.spawn_worker(self, (deliveries,), {}, handle_result=partial(
            self.handle_batch_result, messages, settled))
        return settled.wait()

    def _requeue(self, batch: list[tuple[Any, Any, float]]) -> None:
        settle([message for _, message, _ in batch], [Verdict.REQUEUE] * len(batch))

    def handle_batch_result(self, messages, settled, worker_ctx, result=None,  # type: ignore[no-untyped-def]
                            exc_info=None):
        """In the worker's green thread, once it is done: its verdicts carried out (all
        requeued when it failed as a whole or answered anything but a verdict for each)."""
        failed = True
        try:
            if exc_info is None and not _verdicts_for(result, messages):
                log.error("a batch's worker returned %r for %d deliveries: requeued",
                          result, len(messages))
            elif exc_info is None:
                failed = False
            settle(messages, result if not failed else [Verdict.REQUEUE] * len(messages))
        finally:
            settled.send(failed)
        return result, exc_info


def _verdicts_for(result: Any, messages: Sequence[Any]) -> bool:
    return (isinstance(result, (list, tuple)) and len(result) == len(messages)
            and all(isinstance(v, Verdict) for v in result))


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
        except (AmqpConnectionError, OSError):
            continue  # closing meanwhile: the same
    for message in last_ack.values():
        try:
            message.ack(multiple=True)
        except (AmqpConnectionError, OSError):
            pass


batched_event_handler = BatchedEventHandler.decorator
