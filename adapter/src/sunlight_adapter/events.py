"""Consume the node's case events (RabbitMQ topic exchange ``cases.events``).

::

    def on_event(session, event):         # session: your database, in the transaction
        session.execute(update(applications)   # that records the event as handled
                        .where(applications.c.case_number == event.case_number)
                        .values(status=event.status))

    consumer = EventConsumer("amqp://fgj:…@node:5672/%2F", queue="fgj-approval-system",
                             routing_keys=["case.#.511602"], handler=on_event,
                             database="sqlite:///fgj.db")
    consumer.run(stop)

Delivery is at least once: an event can come twice (a crash, a lost confirm, a redelivery).
The consumer records each event id in the same transaction as the handler's effect and skips
ids it has handled; it acknowledges a message only after that commit. A handler that raises
has its transaction rolled back and the message requeued, up to ``max_attempts`` times; then
the event is *parked* (kept with the error in ``sunlight_inbox``, status ``parked``) and
acknowledged, so one bad event does not stop the others and nothing is lost silently. With
``skip_stale`` an event whose ``sequence`` is not above the last one applied for its case is
recorded as ``stale`` and not handed over (every CaseEvent carries the whole state after it,
so the newest is enough for systems that only mirror the state).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from sunlight_adapter.models import CaseEvent
from sunlight_adapter.store import case_positions, create_tables, engine_of, inbox, utcnow

__all__ = ["EXCHANGE", "EventConsumer", "Outcome"]

log = logging.getLogger("sunlight_adapter.events")

EXCHANGE = "cases.events"
HANDLED, STALE, PARKED, FAILED = "handled", "stale", "parked", "failed"

#: ``handler(session, event)``: apply the event in ``session`` (committed with its record).
Handler = Callable[[Session, CaseEvent], None]


class Outcome(Enum):
    """What became of one message."""

    HANDLED = "handled"        # the handler applied it: ack
    DUPLICATE = "duplicate"    # its event id was handled (or parked) before: ack
    STALE = "stale"            # older than the case's last applied event: ack, recorded
    RETRY = "retry"            # the handler failed: requeue
    PARKED = "parked"          # failed too often, or unreadable: ack, recorded with the error

    @property
    def ack(self) -> bool:
        return self is not Outcome.RETRY


@dataclass(frozen=True)
class _Message:
    body: bytes
    routing_key: str
    message_id: str | None = None


class EventConsumer:
    """A durable queue of one's own bound to ``cases.events``, its events handed to
    ``handler`` once each.

    ``amqp_url``: the broker (``amqp://user:password@host:5672/vhost``); ``queue``: the
    queue's name — your system's, stable across restarts, so that events published while
    it is down wait in it; ``routing_keys``: the bindings (``case.#``,
    ``case.*.510000.#``, ``#.511602``, ``case.decided.*.511600.*``); ``database``: where the
    handled event ids are kept (any SQLAlchemy URL or engine; your own database, so that a
    handler's effect and its event's record commit together).
    """

    def __init__(self, amqp_url: str, queue: str, routing_keys: Sequence[str],
                 handler: Handler, database: str | Engine, *, exchange: str = EXCHANGE,
                 prefetch: int = 20, max_attempts: int = 5, skip_stale: bool = False,
                 timeout_s: float = 10.0, heartbeat_s: int = 30) -> None:
        if not queue or len(queue) > 200 or queue.startswith("amq."):
            raise ValueError("queue: your own queue's name, 1-200 characters, not amq.*")
        if not routing_keys:
            raise ValueError("routing_keys: at least one binding, e.g. case.#")
        if max_attempts < 1:
            raise ValueError("max_attempts: 1 or more")
        self.parameters = pika.URLParameters(amqp_url)
        self.parameters.socket_timeout = timeout_s
        self.parameters.stack_timeout = timeout_s
        self.parameters.blocked_connection_timeout = timeout_s * 3
        self.parameters.heartbeat = heartbeat_s
        self.queue = queue
        self.routing_keys = list(routing_keys)
        self.handler = handler
        self.exchange = exchange
        self.prefetch = prefetch
        self.max_attempts = max_attempts
        self.skip_stale = skip_stale
        self.engine = engine_of(database)
        create_tables(self.engine)

    # --- the broker ---------------------------------------------------------------------

    def declare(self, channel: BlockingChannel) -> None:
        """The exchange (as the node declares it), the durable queue and its bindings."""
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        channel.queue_declare(self.queue, durable=True)
        for key in self.routing_keys:
            channel.queue_bind(self.queue, self.exchange, key)

    def run(self, stop: threading.Event, *, reconnect_delay_s: float = 2.0,
            ready: threading.Event | None = None) -> None:
        """Consume until ``stop`` is set, reconnecting after a lost connection. ``ready`` is
        set once the queue is declared and bound (events published from then on reach it)."""
        while not stop.is_set():
            try:
                self._consume(stop, ready)
            except AMQPError as exc:
                log.warning("event consumer: broker connection lost (%r); reconnecting", exc)
                stop.wait(reconnect_delay_s)

    def _consume(self, stop: threading.Event, ready: threading.Event | None) -> None:
        connection = pika.BlockingConnection(self.parameters)
        try:
            channel = connection.channel()
            self.declare(channel)
            channel.basic_qos(prefetch_count=self.prefetch)

            def deliver(ch: BlockingChannel, method: Any, properties: Any, body: bytes) -> None:
                try:
                    outcome = self.handle(_Message(body, method.routing_key,
                                                   getattr(properties, "message_id", None)))
                except Exception:  # noqa: BLE001 - the inbox's database away: keep the message
                    log.exception("event consumer: could not record a message; requeued")
                    ch.basic_nack(method.delivery_tag, requeue=True)
                    stop.wait(1.0)
                    return
                if outcome.ack:
                    ch.basic_ack(method.delivery_tag)
                else:
                    ch.basic_nack(method.delivery_tag, requeue=True)

            channel.basic_consume(self.queue, deliver)
            if ready is not None:
                ready.set()
            while not stop.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            if connection.is_open:
                try:
                    connection.close()
                except AMQPError:
                    log.debug("event consumer: closing an already broken connection")

    # --- one message (no broker needed: unit-testable) ---------------------------------

    def handle(self, message: _Message | bytes, routing_key: str = "") -> Outcome:
        """Handle one message body; the outcome says whether to acknowledge it."""
        if isinstance(message, bytes):
            message = _Message(message, routing_key)
        try:
            payload = json.loads(message.body)
            if not isinstance(payload, dict):
                raise ValueError("the body is not a JSON object")
            event = CaseEvent.from_json(payload, message.routing_key)
        except ValueError as exc:
            return self._unreadable(message, str(exc))
        with Session(self.engine) as session:
            known = session.execute(select(inbox.c.status, inbox.c.attempts)
                                    .where(inbox.c.event_id == event.event_id)).first()
            if known is not None and known.status in (HANDLED, STALE, PARKED):
                return Outcome.DUPLICATE
            attempts = (known.attempts if known is not None else 0) + 1
        if self.skip_stale and event.case_number and event.sequence:
            if self._applied(event) >= event.sequence:
                self._record(event, STALE, attempts, None)
                return Outcome.STALE
        try:
            with Session(self.engine) as session, session.begin():
                self.handler(session, event)
                self._write(session, event, HANDLED, attempts, None)
                if event.case_number and event.sequence:
                    self._advance(session, event)
        except Exception as exc:  # noqa: BLE001 - the handler's failure, whatever it is
            log.warning("event %s (%s) failed, attempt %d of %d: %r", event.event_id,
                        event.type, attempts, self.max_attempts, exc)
            if attempts >= self.max_attempts:
                self._record(event, PARKED, attempts, repr(exc), message.body)
                log.error("event %s (%s) parked after %d attempts", event.event_id,
                          event.type, attempts)
                return Outcome.PARKED
            self._record(event, FAILED, attempts, repr(exc))
            return Outcome.RETRY
        return Outcome.HANDLED

    def parked(self) -> list[dict[str, Any]]:
        """Events given up (the handler kept failing, or unreadable), with their error."""
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(inbox).where(inbox.c.status == PARKED).order_by(inbox.c.received_at))]

    def _applied(self, event: CaseEvent) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(select(case_positions.c.sequence).where(
                case_positions.c.case_number == event.case_number)).scalar()
        return int(value or 0)

    def _advance(self, session: Session, event: CaseEvent) -> None:
        done = session.execute(update(case_positions).where(
            case_positions.c.case_number == event.case_number,
            case_positions.c.sequence < event.sequence).values(sequence=event.sequence))
        if done.rowcount == 0 and session.execute(select(case_positions.c.sequence).where(
                case_positions.c.case_number == event.case_number)).first() is None:
            session.execute(insert(case_positions).values(case_number=event.case_number,
                                                          sequence=event.sequence))

    def _record(self, event: CaseEvent, status: str, attempts: int, error: str | None,
                body: bytes | None = None) -> None:
        with Session(self.engine) as session, session.begin():
            self._write(session, event, status, attempts, error, body)

    def _write(self, session: Session, event: CaseEvent, status: str, attempts: int,
               error: str | None, body: bytes | None = None) -> None:
        values = {"type": event.type, "case_number": event.case_number or None,
                  "sequence": event.sequence or None, "status": status, "attempts": attempts,
                  "error": error, "body": body.decode("utf-8", "replace") if body else None,
                  "handled_at": utcnow() if status in (HANDLED, STALE) else None}
        done = session.execute(update(inbox).where(inbox.c.event_id == event.event_id)
                               .values(**values))
        if done.rowcount == 0:
            session.execute(insert(inbox).values(event_id=event.event_id,
                                                 received_at=utcnow(), **values))

    def _unreadable(self, message: _Message, why: str) -> Outcome:
        event_id = message.message_id or f"unreadable-{time.time_ns()}"
        log.error("event consumer: message %s on %s is not an event (%s): parked", event_id,
                  message.routing_key, why)
        with Session(self.engine) as session, session.begin():
            exists = session.execute(select(inbox.c.event_id).where(
                inbox.c.event_id == event_id[:64])).first()
            if exists is None:
                session.execute(insert(inbox).values(
                    event_id=event_id[:64], type=message.routing_key[:80] or "?",
                    status=PARKED, attempts=1, error=f"unreadable: {why}",
                    body=message.body.decode("utf-8", "replace"), received_at=utcnow()))
        return Outcome.PARKED
