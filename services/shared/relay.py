"""Outbox relay: publishes a service's outbox rows to RabbitMQ, at least once, in order.

Each row is published to its exchange with ``mandatory=True`` on a channel in confirm mode,
so a row is marked published only after the broker has confirmed it *and* routed it to at
least one queue. A row the broker returns (no queue bound) or nacks stays pending and is
retried with back-off; a lost connection is re-opened with back-off. Killed at any point, the
relay re-publishes at most the rows it had not yet marked, and consumers drop those duplicates
by event id (inbox).

PostgreSQL: rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several relays may run) and the
relay sleeps on ``LISTEN`` until a writer commits. SQLite: one relay per file, polling.

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pika
import pika.exceptions
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import MetaData, Table, delete, update
from sqlalchemy import select as sa_select

from services.shared.broker import connect, declare_exchange
from services.shared.config import Settings, load_settings
from services.shared.db import Database
from services.shared.health_http import serve_health
from services.shared.logs import configure_logging
from services.shared.outbox import notify_channel, outbox_table
from services.shared.telemetry import configure_tracing, context_from_headers, current_traceparent

log = logging.getLogger("sunlight.relay")
MAX_BACKOFF_S = 30.0


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
                 retention: timedelta = timedelta(days=7)) -> None:
        self.db = db
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.amqp_timeout_s = amqp_timeout_s
        self.retention = retention
        self.table: Table = outbox_table(MetaData())
        self.stats = RelayStats()
        self._connection: pika.BlockingConnection | None = None
        self._channel = None
        self._declared: set[str] = set()
        self._listen_conn = None
        self._tracer = trace.get_tracer("sunlight.relay")
        self._last_purge = 0.0

    # --- broker -------------------------------------------------------------------------
    def _ensure_channel(self):  # type: ignore[no-untyped-def]
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.close_broker()
        self._connection = connect(self.amqp_uri, self.amqp_timeout_s, name="sunlight-relay")
        channel = self._connection.channel()
        channel.confirm_delivery()
        self._channel = channel
        self._declared.clear()
        self.stats.connected = True
        log.info("relay connected to the broker")
        return channel

    def close_broker(self) -> None:
        self.stats.connected = False
        try:
            if self._connection is not None and self._connection.is_open:
                self._connection.close()
        except pika.exceptions.AMQPError:
            pass
        self._connection, self._channel = None, None

    def _publish(self, channel, row) -> str | None:  # type: ignore[no-untyped-def]
        """Publish one row; None when confirmed and routed, else the reason it was not."""
        if row.exchange not in self._declared:
            declare_exchange(channel, row.exchange)
            self._declared.add(row.exchange)
        stored = json.loads(row.headers or "{}")
        with self._tracer.start_as_current_span(
                f"{row.routing_key} publish", context=context_from_headers(stored),
                kind=SpanKind.PRODUCER,
                attributes={"messaging.system": "rabbitmq",
                            "messaging.destination.name": row.exchange,
                            "messaging.rabbitmq.destination.routing_key": row.routing_key,
                            "messaging.message.id": row.event_id}):
            headers = {**stored, **current_traceparent()}
            props = pika.BasicProperties(
                content_type="application/json", content_encoding="utf-8",
                delivery_mode=2, message_id=row.event_id, headers=headers,
                timestamp=int(row.created_at.timestamp()) if row.created_at else None,
                type=row.routing_key)
            try:
                channel.basic_publish(row.exchange, row.routing_key, row.body.encode(),
                                      properties=props, mandatory=True)
            except pika.exceptions.UnroutableError:
                return "unroutable: no queue is bound for this event type yet"
            except pika.exceptions.NackError:
                return "nacked by the broker"
        return None

    # --- one cycle ----------------------------------------------------------------------
    def run_once(self) -> int:
        """Publish one batch of due rows; returns how many were confirmed."""
        t = self.table
        now = datetime.now(UTC)
        due = (t.c.published_at.is_(None)
               & (t.c.next_attempt_at.is_(None) | (t.c.next_attempt_at <= now)))
        query = sa_select(t.c.seq, t.c.event_id, t.c.exchange, t.c.routing_key, t.c.body,
                          t.c.headers, t.c.created_at, t.c.attempts
                          ).where(due).order_by(t.c.seq).limit(self.batch_size)
        self._ensure_channel()
        postgres = self.db.dialect == "postgresql"
        if postgres:
            query = query.with_for_update(skip_locked=True)
            with self.db.transaction() as session:
                rows = session.execute(query).all()
                done, failed = self._publish_rows(rows)
                self._mark(session, done, failed)
        else:
            with self.db.transaction() as session:
                rows = session.execute(query).all()
            done, failed = self._publish_rows(rows)
            if done or failed:
                with self.db.transaction() as session:
                    self._mark(session, done, failed)
        self.stats.published += len(done)
        self.stats.returned += len(failed)
        self.stats.last_cycle_at = time.time()
        return len(done)

    def _publish_rows(self, rows):  # type: ignore[no-untyped-def]
        done: list[int] = []
        failed: list[tuple[object, str]] = []
        if not rows:
            return done, failed
        channel = self._ensure_channel()
        for row in rows:
            reason = self._publish(channel, row)
            if reason is None:
                done.append(row.seq)
            else:
                failed.append((row, reason))
                log.warning("event %s (%s) not delivered: %s; will retry", row.event_id,
                            row.routing_key, reason)
        return done, failed

    def _mark(self, session, done, failed) -> None:  # type: ignore[no-untyped-def]
        t = self.table
        now = datetime.now(UTC)
        if done:
            session.execute(update(t).where(t.c.seq.in_(done)).values(
                published_at=now, last_error=None))
        for row, reason in failed:
            backoff = min(MAX_BACKOFF_S, 0.5 * 2 ** min(row.attempts, 10))
            session.execute(update(t).where(t.c.seq == row.seq).values(
                attempts=t.c.attempts + 1, last_error=reason,
                next_attempt_at=now + timedelta(seconds=backoff)))

    def purge(self) -> int:
        """Delete rows published longer ago than the retention period."""
        cutoff = datetime.now(UTC) - self.retention
        with self.db.transaction() as session:
            t = self.table
            return session.execute(delete(t).where(t.c.published_at.is_not(None),
                                                   t.c.published_at < cutoff)).rowcount

    # --- waiting ------------------------------------------------------------------------
    def _wait(self, timeout: float) -> None:
        if self.db.dialect != "postgresql":
            time.sleep(timeout)
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
                    pass
        except Exception as exc:  # noqa: BLE001 - fall back to polling, reconnect later
            log.warning("LISTEN failed (%s); polling instead", exc)
            self._listen_conn = None
            time.sleep(timeout)

    def run_forever(self, stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                published = self.run_once()
                backoff = 0.5
                self.stats.last_error = ""
                if time.time() - self._last_purge > 3600:
                    self._last_purge = time.time()
                    self.purge()
                if published < self.batch_size:
                    self._wait(self.idle_poll_s if self.db.dialect != "postgresql" else 1.0)
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
        self.close_broker()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Publish a service's outbox to RabbitMQ")
    parser.add_argument("--service", required=True, choices=["catalogue", "cases"])
    parser.add_argument("--health-port", type=int, default=None)
    args = parser.parse_args(argv)
    settings: Settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(f"{args.service}-relay", settings.node_region,
                      settings.otel_exporter_otlp_endpoint)
    db = Database.for_service(settings, args.service, pool_size=2)
    relay = Relay(db, settings.amqp_uri, batch_size=settings.relay_batch_size,
                  idle_poll_s=settings.relay_idle_poll_s,
                  amqp_timeout_s=settings.amqp_timeout_s)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    port = args.health_port or getattr(settings, f"{args.service}_relay_health_port")

    def healthy() -> tuple[bool, dict]:
        fresh = time.time() - relay.stats.last_cycle_at < 30
        return (fresh and not relay.stats.last_error,
                {"published": relay.stats.published, "returned": relay.stats.returned,
                 "connected": relay.stats.connected, "last_error": relay.stats.last_error})

    serve_health(settings.host, port, healthy)
    log.info("relay for %s.events started (health on %s:%s)", args.service, settings.host, port)
    relay.run_forever(stop)


if __name__ == "__main__":
    main()
