"""Outbox relay: publishes a service's outbox rows to RabbitMQ, at least once, in order.

Each row is published to its exchange with ``mandatory=True`` on a channel in confirm mode,
so a row is marked published only after the broker has confirmed it *and* routed it to at
least one queue. A row the broker returns (no queue bound) or nacks stays pending and is
retried with back-off; a lost connection is re-opened with back-off. Killed at any point, the
relay re-publishes at most the rows it had not yet marked, and consumers drop those duplicates
by event id (inbox).

A batch is published as a whole and its confirms are awaited together (``ConfirmedPublisher``,
on pika's asynchronous SelectConnection): the broker persists and confirms many messages per
disk flush, where waiting for each confirm before the next publish would pay one flush per
event.

PostgreSQL: rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several relays may run) and the
relay sleeps on ``LISTEN`` until a writer commits. Writers send at most one NOTIFY per
``NOTIFY_INTERVAL_S`` (see ``outbox``), so once woken the relay keeps polling every
``BUSY_POLL_S`` for ``RELAY_LINGER_S`` after the last event it saw; idle, it waits on
``LISTEN`` for at most ``IDLE_WAIT_S``. SQLite: one relay per file; between cycles it
watches the file's ``PRAGMA data_version`` (which changes once another connection has
committed) every ``idle_poll_s`` and runs the next cycle as soon as it changes, or after
``IDLE_WAIT_S`` at the latest — for a new row the same delay as polling, without a query of
the outbox twenty times a second when nothing is written (an idle province's nine relays
spent about 0.07 of a core more on that: ``python -m bench.idle``); a row waiting for its
retry is tried at the first cycle after its time, within ``IDLE_WAIT_S`` of it. The relay's
own marking of a batch is a commit of another connection too: a batch is followed by one
cycle that finds nothing.

Run: ``python -m services.shared.relay --service cases``.
"""

from __future__ import annotations

import argparse
import json
import logging
import select
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pika.exceptions
import pika.spec
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import MetaData, Table, bindparam, delete, func, update
from sqlalchemy import select as sa_select

from services.shared import metrics
from services.shared.broker import EXCHANGE_TYPE, STANDING_QUEUES, connection_parameters
from services.shared.config import Settings, load_settings
from services.shared.db import Database
from services.shared.health_http import serve_health
from services.shared.logs import configure_logging
from services.shared.metrics import configure_metrics
from services.shared.outbox import RELAY_LINGER_S, notify_channel, outbox_table
from services.shared.telemetry import configure_tracing, context_from_headers, current_traceparent

log = logging.getLogger("sunlight.relay")
MAX_BACKOFF_S = 30.0
BUSY_POLL_S = 0.02  # poll period while events flow (writers NOTIFY only now and then)
IDLE_WAIT_S = 1.0  # LISTEN timeout when idle; bounds the delay of a missed wake-up
UNROUTABLE = "unroutable: no queue is bound for this event type yet"
NACKED = "nacked by the broker"


class BrokerUnavailable(pika.exceptions.AMQPConnectionError):
    """The connection or channel is gone, or the broker did not answer in time."""


@dataclass(eq=False)
class Message:
    exchange: str
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


@dataclass(eq=False)
class _Batch:
    """Outcomes of one published batch: None (confirmed and routed) or why not."""

    size: int
    outcomes: list[str | None] = field(default_factory=list)
    settled: int = 0
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.outcomes = [NACKED] * self.size
        if self.size == 0:
            self.done.set()

    def settle(self, index: int, outcome: str | None) -> None:
        self.outcomes[index] = outcome
        self.settled += 1
        if self.settled >= self.size:
            self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class ConfirmedPublisher:
    """One AMQP connection with one channel in confirm mode, on pika's SelectConnection.

    The connection runs in an I/O thread of its own; ``publish`` hands it a batch, which is
    sent with ``mandatory=True`` without waiting per message, and returns once the broker
    has confirmed (ack or nack) every message of the batch. A message the broker returns
    (routed to no queue) is acked too, after its return: it counts as not delivered. Any
    failure of the connection or channel, or no confirms within the timeout, raises
    ``BrokerUnavailable``; the publisher is then closed and a new one must be opened.
    """

    def __init__(self, amqp_uri: str, timeout_s: float = 10.0,
                 name: str = "sunlight-relay") -> None:
        self.timeout_s = timeout_s
        self._opened = threading.Event()
        self._failure: BaseException | None = None
        self._channel: Any = None
        self._declared: set[str] = set()
        # delivery tag → (batch, index in batch, message id); touched only in the I/O thread
        self._pending: dict[int, tuple[_Batch, int, str]] = {}
        self._returned: dict[str, str] = {}
        self._waiters: set[threading.Event] = set()  # woken when the connection fails
        self._last_tag = 0
        self._connection = pika.SelectConnection(
            connection_parameters(amqp_uri, timeout_s, name),
            on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed)
        self._thread = threading.Thread(target=self._connection.ioloop.start,
                                        name="relay-amqp", daemon=True)
        self._thread.start()
        if not self._opened.wait(timeout_s * 2):
            self._fail(BrokerUnavailable(f"no connection to the broker within {timeout_s}s"))
        if self._failure is not None:
            self.close()
            raise self._failure

    @property
    def is_open(self) -> bool:
        return self._failure is None and self._channel is not None

    # --- in the I/O thread ------------------------------------------------------------
    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_open_error(self, connection: pika.SelectConnection, error: BaseException) -> None:
        self._fail(error if isinstance(error, pika.exceptions.AMQPError)
                   else BrokerUnavailable(str(error)))
        connection.ioloop.stop()

    def _on_closed(self, connection: pika.SelectConnection, reason: BaseException) -> None:
        self._fail(BrokerUnavailable(f"connection closed: {reason!r}"))
        connection.ioloop.stop()

    def _on_channel_open(self, channel: Any) -> None:
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm,
                                 callback=lambda _frame: self._ready(channel))

    def _ready(self, channel: Any) -> None:
        self._channel = channel
        self._opened.set()

    def _on_channel_closed(self, _channel: Any, reason: BaseException) -> None:
        self._fail(BrokerUnavailable(f"channel closed: {reason!r}"))
        if self._connection.is_open:
            self._connection.close()

    def _fail(self, error: BaseException) -> None:
        if self._failure is None:
            self._failure = error
        self._channel = None
        for batch, _, _ in list(self._pending.values()):
            batch.fail(self._failure)
        self._pending.clear()
        for waiter in self._waiters:
            waiter.set()
        self._opened.set()

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        # RabbitMQ sends basic.return before the basic.ack of the same message
        self._returned[properties.message_id] = f"{UNROUTABLE} ({method.reply_text})"

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        tags = ([tag for tag in self._pending if tag <= method.delivery_tag]
                if method.multiple else [method.delivery_tag])
        for tag in tags:
            entry = self._pending.pop(tag, None)
            if entry is None:
                continue
            batch, index, message_id = entry
            returned = self._returned.pop(message_id, None)
            batch.settle(index, (returned or None) if acked else NACKED)

    def _send(self, batch: _Batch, messages: Sequence[Message], ids: Sequence[str]) -> None:
        channel = self._channel
        if channel is None or self._failure is not None:
            batch.fail(self._failure or BrokerUnavailable("the channel is not open"))
            return
        try:
            for index, message in enumerate(messages):
                channel.basic_publish(message.exchange, message.routing_key, message.body,
                                      properties=message.properties, mandatory=True)
                self._last_tag += 1  # confirm mode numbers publishes 1, 2, … per channel
                self._pending[self._last_tag] = (batch, index, ids[index])
        except Exception as exc:  # noqa: BLE001 - whatever broke, this batch is not sent
            self._fail(BrokerUnavailable(f"publishing failed: {exc!r}"))

    def _run_in_loop(self, call: Callable[[], None]) -> None:
        try:
            self._connection.ioloop.add_callback_threadsafe(call)
        except Exception as exc:  # noqa: BLE001 - the loop is gone
            raise BrokerUnavailable(f"the connection is closed: {exc!r}") from None

    # --- from the relay's thread ------------------------------------------------------
    def declare(self, exchange: str) -> None:
        """Declare an exchange (durable topic, as nameko does) and its standing queues,
        once per connection."""
        if exchange in self._declared:
            return
        done = threading.Event()
        standing = list(STANDING_QUEUES.get(exchange, ()))

        def declared(_frame: Any) -> None:
            if standing:  # then each standing queue and its binding, in turn
                queue = standing.pop(0)
                self._channel.queue_declare(
                    queue.name, durable=True, arguments=queue.arguments,
                    callback=lambda _f: self._channel.queue_bind(
                        queue.name, exchange, routing_key=queue.binding, callback=declared))
                return
            self._waiters.discard(done)
            done.set()

        def run() -> None:
            if self._channel is None:
                done.set()
                return
            self._waiters.add(done)  # a failure (channel closed by the broker) wakes it
            self._channel.exchange_declare(
                exchange=exchange, exchange_type=EXCHANGE_TYPE, durable=True,
                auto_delete=False, callback=declared)

        self._run_in_loop(run)
        if not done.wait(self.timeout_s) or not self.is_open:
            raise self._failure or BrokerUnavailable(f"declaring {exchange} timed out")
        self._declared.add(exchange)

    def publish(self, messages: Sequence[Message]) -> list[str | None]:
        """Publish a batch; per message None when confirmed and routed, else the reason."""
        if self._failure is not None:
            raise self._failure
        for exchange in {m.exchange for m in messages}:
            self.declare(exchange)
        batch = _Batch(len(messages))
        ids = [str(m.properties.message_id) for m in messages]
        self._run_in_loop(lambda: self._send(batch, messages, ids))
        if not batch.done.wait(self.timeout_s):
            self._run_in_loop(lambda: self._fail(
                BrokerUnavailable(f"no confirms within {self.timeout_s}s")))
            raise BrokerUnavailable(f"the broker confirmed nothing within {self.timeout_s}s")
        if batch.error is not None:
            raise batch.error
        return batch.outcomes

    def close(self) -> None:
        def shut() -> None:
            connection = self._connection
            if connection.is_closed:
                connection.ioloop.stop()
            elif not connection.is_closing:
                try:
                    connection.close()  # _on_closed stops the loop
                except pika.exceptions.AMQPError:
                    connection.ioloop.stop()

        if self._thread.is_alive():
            try:
                self._connection.ioloop.add_callback_threadsafe(shut)
            except Exception:  # noqa: BLE001 - already stopping
                log.debug("publisher loop already stopped")
            self._thread.join(self.timeout_s)


@dataclass
class RelayStats:
    published: int = 0
    returned: int = 0
    connected: bool = False
    last_error: str = ""
    last_cycle_at: float = 0.0


class Relay:
    def __init__(self, db: Database, amqp_uri: str, *, batch_size: int = 200,
                 idle_poll_s: float = 0.05, amqp_timeout_s: float = 10.0,
                 retention: timedelta = timedelta(days=7), service: str = "") -> None:
        self.db = db
        #: whose outbox (the ``service`` label of the relay's metrics)
        self.service = service or db.schema
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.amqp_timeout_s = amqp_timeout_s
        self.retention = retention
        self.table: Table = outbox_table(MetaData())
        t = self.table
        # statements built once: a cycle only binds the time and the batch size
        self._due = sa_select(
            t.c.seq, t.c.event_id, t.c.exchange, t.c.routing_key, t.c.body, t.c.headers,
            t.c.created_at, t.c.attempts,
        ).where(t.c.published_at.is_(None) & (
            t.c.next_attempt_at.is_(None) | (t.c.next_attempt_at <= bindparam("p_now")))
        ).order_by(t.c.seq).limit(bindparam("p_limit"))
        # what is not published yet: how many rows, and when the oldest was committed
        self._pending = sa_select(func.count(), func.min(t.c.created_at)).where(
            t.c.published_at.is_(None))
        self._claim = self._due.with_for_update(skip_locked=True)  # PostgreSQL
        self._published = update(t).where(
            t.c.seq.in_(bindparam("p_seqs", expanding=True))).values(
            published_at=bindparam("p_now"), last_error=None)
        self.stats = RelayStats()
        self._publisher: ConfirmedPublisher | None = None
        self._listen_conn = None
        self._tracer = trace.get_tracer("sunlight.relay")
        self._last_purge = 0.0
        self._last_rows = 0
        self._last_activity = float("-inf")  # monotonic time of the last event or wake-up
        #: SQLite: a connection of its own that watches the file (``_watch_file``), and the
        #: ``PRAGMA data_version`` it read before the last cycle's query
        self._watch: Any = None
        self._data_version: int | None = None
        self._stopping = threading.Event()  # run_forever's: a wait ends once it is set
        self._watch_failing = False  # warned once until the watch works again

    # --- broker -------------------------------------------------------------------------
    def _ensure_publisher(self) -> ConfirmedPublisher:
        if self._publisher is not None and self._publisher.is_open:
            return self._publisher
        self.close_broker()
        self._publisher = ConfirmedPublisher(self.amqp_uri, self.amqp_timeout_s,
                                             name="sunlight-relay")
        self.stats.connected = True
        log.info("relay connected to the broker")
        return self._publisher

    def close_broker(self) -> None:
        self.stats.connected = False
        if self._publisher is not None:
            self._publisher.close()
        self._publisher = None

    def _message(self, row) -> tuple[Message, Any]:  # type: ignore[no-untyped-def]
        """The AMQP message of a row, and its producer span (ended once confirmed)."""
        stored = json.loads(row.headers or "{}")
        span = self._tracer.start_span(
            f"{row.routing_key} publish", context=context_from_headers(stored),
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "rabbitmq",
                        "messaging.destination.name": row.exchange,
                        "messaging.rabbitmq.destination.routing_key": row.routing_key,
                        "messaging.message.id": row.event_id})
        with trace.use_span(span, end_on_exit=False):
            headers = {**stored, **current_traceparent()}
        props = pika.BasicProperties(
            content_type="application/json", content_encoding="utf-8",
            delivery_mode=2, message_id=row.event_id, headers=headers,
            timestamp=int(row.created_at.timestamp()) if row.created_at else None,
            type=row.routing_key)
        return Message(row.exchange, row.routing_key, row.body.encode(), props), span

    # --- one cycle ----------------------------------------------------------------------
    def run_once(self) -> int:
        """Publish one batch of due rows; returns how many were confirmed."""
        self._ensure_publisher()
        params = {"p_now": datetime.now(UTC), "p_limit": self.batch_size}
        if self.db.dialect == "postgresql":
            with self.db.begin() as conn:
                rows = conn.execute(self._claim, params).all()
                done, failed = self._publish_rows(rows)
                self._mark(conn, done, failed)
        else:
            # before the query: whatever commits after it wakes the next wait (_watch_file)
            self._data_version = self._file_version()
            with self.db.begin() as conn:
                rows = conn.execute(self._due, params).all()
            done, failed = self._publish_rows(rows)
            if done or failed:
                with self.db.begin() as conn:
                    self._mark(conn, done, failed)
        self.stats.published += len(done)
        self.stats.returned += len(failed)
        if done:
            confirmed = set(done)
            metrics.record_published(self.service, (r.created_at for r in rows
                                                    if r.seq in confirmed))
        metrics.record_returned(self.service, len(failed))
        self.stats.last_cycle_at = time.time()
        self._last_rows = len(rows)
        if rows:
            self._last_activity = time.monotonic()
        return len(done)

    def _publish_rows(self, rows):  # type: ignore[no-untyped-def]
        done: list[int] = []
        failed: list[tuple[object, str]] = []
        if not rows:
            return done, failed
        publisher = self._ensure_publisher()
        built = [self._message(row) for row in rows]
        try:
            outcomes = publisher.publish([message for message, _ in built])
        except BaseException as exc:
            for _, span in built:
                span.set_status(Status(StatusCode.ERROR, f"not confirmed: {exc!r}"))
                span.end()
            raise
        for row, (_, span), reason in zip(rows, built, outcomes, strict=True):
            if reason is None:
                done.append(row.seq)
            else:
                span.set_status(Status(StatusCode.ERROR, reason))
                failed.append((row, reason))
                log.warning("event %s (%s) not delivered: %s; will retry", row.event_id,
                            row.routing_key, reason)
            span.end()
        return done, failed

    def _mark(self, conn, done, failed) -> None:  # type: ignore[no-untyped-def]
        t = self.table
        now = datetime.now(UTC)
        if done:
            conn.execute(self._published, {"p_seqs": done, "p_now": now})
        for row, reason in failed:
            backoff = min(MAX_BACKOFF_S, 0.5 * 2 ** min(row.attempts, 10))
            conn.execute(update(t).where(t.c.seq == row.seq).values(
                attempts=t.c.attempts + 1, last_error=reason,
                next_attempt_at=now + timedelta(seconds=backoff)))

    def pending(self) -> tuple[int, float]:
        """Rows not yet published, and the age in seconds of the oldest of them (0: none);
        one query on the outbox's partial index of pending rows."""
        with self.db.read() as conn:
            count, oldest = conn.execute(self._pending).one()
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        return int(count or 0), max(0.0, age)

    def observe(self, ttl_s: float = 1.0) -> None:
        """The relay's gauges (once per process): its outbox's depth and oldest row's age,
        read when the metrics are (at most once every ``ttl_s``)."""
        read = metrics.Cached(self.pending, ttl_s=ttl_s)
        attrs = metrics.service_attributes(self.service)
        metrics.outbox_published.add(0, attrs)  # the series from the start
        metrics.outbox_returned.add(0, attrs)
        metrics.observe("sunlight_outbox_pending_events",
                        "outbox rows committed but not yet published, by service",
                        lambda: [(read()[0], attrs)])
        metrics.observe("sunlight_outbox_oldest_pending_age",
                        "age of the oldest outbox row not yet published (0: none), by service",
                        lambda: [(read()[1], attrs)], unit="s")

    def purge(self) -> int:
        """Delete rows published longer ago than the retention period."""
        cutoff = datetime.now(UTC) - self.retention
        with self.db.begin() as conn:
            t = self.table
            return conn.execute(delete(t).where(t.c.published_at.is_not(None),
                                                t.c.published_at < cutoff)).rowcount

    # --- waiting ------------------------------------------------------------------------
    def _wait(self, timeout: float) -> None:
        if self.db.dialect != "postgresql":
            self._watch_file(timeout)
            return
        try:
            if self._listen_conn is None:
                raw = self.db.engine.raw_connection()
                conn = raw.driver_connection
                conn.autocommit = True
                conn.execute(f"LISTEN {notify_channel(self.db.schema)}")
                self._listen_conn = (raw, conn)
            _, conn = self._listen_conn
            # psycopg: wait on the socket, then drain whatever notifications arrived.
            ready, _, _ = select.select([conn.fileno()], [], [], timeout)
            if ready:
                for _ in conn.notifies(timeout=0):
                    self._last_activity = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - fall back to polling, reconnect later
            log.warning("LISTEN failed (%s); polling instead", exc)
            self._close_listen()
            time.sleep(timeout)

    def _file_version(self) -> int | None:
        """SQLite's ``PRAGMA data_version`` on the watching connection (opened at the first
        call); None when it cannot be read (the wait then sleeps its whole time)."""
        try:
            if self._watch is None:
                self._watch = self.db.engine.raw_connection()
            version = int(self._watch.driver_connection.execute(
                "PRAGMA data_version").fetchone()[0])
        except Exception as exc:  # noqa: BLE001 - a file in doubt: plain sleeping, retried later
            if not self._watch_failing:
                log.warning("cannot watch the database file (%r); waiting a second between "
                            "cycles instead until it can", exc)
            self._watch_failing = True
            self._close_watch()
            return None
        if self._watch_failing:
            log.info("watching the database file again")
            self._watch_failing = False
        return version

    @staticmethod
    def _discard(raw: Any) -> None:
        """A connection the relay kept for itself (LISTEN, the file's watch) let go of:
        closed, never handed back to the pool."""
        try:
            raw.invalidate()
        except Exception:  # noqa: BLE001 - closing a connection in doubt
            log.debug("closing the relay's own connection failed", exc_info=True)

    def _close_watch(self) -> None:
        if self._watch is not None:
            self._discard(self._watch)
        self._watch = None

    def _close_listen(self) -> None:
        if self._listen_conn is not None:
            self._discard(self._listen_conn[0])
        self._listen_conn = None

    def _watch_file(self, timeout: float) -> None:
        """SQLite: wait ``timeout``, looking every ``idle_poll_s`` whether another connection
        has committed to the file since the last cycle's query began, and return as soon as
        one has (a write to the outbox, most likely: the next cycle sees it)."""
        if self._data_version is None:  # the file cannot be watched: the whole wait
            self._stopping.wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if self._stopping.wait(min(self.idle_poll_s, left)):
                return
            version = self._file_version()
            if version != self._data_version:
                return

    def next_wait_s(self) -> float:
        """How long to wait before the next cycle (0: a full batch, go on at once); SQLite
        waits watching the file (``_watch_file``), PostgreSQL on ``LISTEN``."""
        if self._last_rows >= self.batch_size:
            return 0.0
        if self.db.dialect != "postgresql":
            return IDLE_WAIT_S
        if time.monotonic() - self._last_activity < RELAY_LINGER_S:
            return BUSY_POLL_S  # events are flowing: writers may not have notified
        return IDLE_WAIT_S

    def run_forever(self, stop: threading.Event) -> None:
        self._stopping = stop
        backoff = 0.5
        while not stop.is_set():
            try:
                self.run_once()
                backoff = 0.5
                self.stats.last_error = ""
                if time.time() - self._last_purge > 3600:
                    self._last_purge = time.time()
                    self.purge()
                wait_s = self.next_wait_s()
                if wait_s:
                    self._wait(wait_s)
            except (pika.exceptions.AMQPError, OSError) as exc:
                self.stats.last_error = f"broker: {exc!r}"
                log.warning("broker unavailable (%r); retrying in %.1fs", exc, backoff)
                self.close_broker()
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
            except Exception as exc:  # noqa: BLE001 - database down: keep trying
                self.stats.last_error = f"database: {exc!r}"
                log.exception("relay cycle failed; retrying in %.1fs", backoff)
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
        self.close()

    def close(self) -> None:
        """Let go of the broker and of the relay's own connections (LISTEN, the file's
        watch)."""
        self.close_broker()
        self._close_watch()
        self._close_listen()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Publish a service's outbox to RabbitMQ")
    parser.add_argument("--service", required=True, choices=["catalogue", "cases", "monitoring"])
    parser.add_argument("--health-port", type=int, default=None)
    args = parser.parse_args(argv)
    settings: Settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(f"{args.service}-relay", settings.node_region,
                      settings.otel_exporter_otlp_endpoint)
    db = Database.for_service(settings, args.service, pool_size=2)
    configure_metrics(f"{args.service}-relay", settings.node_region)
    relay = Relay(db, settings.amqp_uri, batch_size=settings.relay_batch_size,
                  idle_poll_s=settings.relay_idle_poll_s,
                  amqp_timeout_s=settings.amqp_timeout_s, service=args.service)
    relay.observe()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    port = args.health_port or getattr(settings, f"{args.service}_relay_health_port")

    def healthy() -> tuple[bool, dict]:
        fresh = time.time() - relay.stats.last_cycle_at < 30
        return (fresh and not relay.stats.last_error,
                {"published": relay.stats.published, "returned": relay.stats.returned,
                 "connected": relay.stats.connected, "last_error": relay.stats.last_error})

    serve_health(settings.bind_host, port, healthy)
    log.info("relay for %s.events started (health and metrics on %s:%s)", args.service,
             settings.bind_host, port)
    relay.run_forever(stop)


if __name__ == "__main__":
    main()
