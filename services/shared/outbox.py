"""Transactional outbox (发件箱) and inbox.

``Outbox.add`` writes an event row in the *same* transaction as the state change it
describes, with the ``traceparent`` of the request; the relay (``relay.py``) publishes the
rows later. ``Inbox.first_time`` records an event id in the *same* transaction as the
consumer's effect, so a redelivered event is recognised and applied once.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.shared.db import UtcDateTime, dialect_name
from services.shared.events import Event
from services.shared.telemetry import current_traceparent

SEQ_TYPE = BigInteger().with_variant(Integer, "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox", metadata,
        Column("seq", SEQ_TYPE, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("exchange", String(64), nullable=False),
        Column("routing_key", String(128), nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", Text, nullable=False, default="{}"),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime),
        Column("last_error", Text),
    )
    Index("ix_outbox_pending", table.c.seq,
          postgresql_where=table.c.published_at.is_(None),
          sqlite_where=table.c.published_at.is_(None))
    return table


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox", metadata,
        Column("consumer", String(128), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("received_at", UtcDateTime, nullable=False),
    )


def notify_channel(schema: str) -> str:
    return f"sunlight_outbox_{schema}"


# At most one NOTIFY per writer process per interval. PostgreSQL serialises the commits of
# notifying transactions (a database-wide lock held through the commit's WAL flush), so a
# NOTIFY in every transaction caps the commit rate and defeats group commit. The relay,
# once woken, keeps polling for ``RELAY_LINGER_S`` (far longer than this interval), which
# covers the events committed without a NOTIFY of their own.
NOTIFY_INTERVAL_S = 0.05
RELAY_LINGER_S = 1.0


class Outbox:
    """Writes events of one service; they leave through ``<service>.events``."""

    ROW_FIELDS = ("event_id", "exchange", "routing_key", "body", "headers", "created_at",
                  "attempts")

    def __init__(self, table: Table, service: str, *,
                 notify_interval_s: float = NOTIFY_INTERVAL_S) -> None:
        self.table = table
        self.exchange = f"{service}.events"
        self._channel = notify_channel(service)
        self.notify_sql = f"NOTIFY {self._channel}"
        self._insert = insert(table)
        self._notify = text(self.notify_sql)
        self._notify_interval_s = notify_interval_s
        self._last_notify = float("-inf")

    def row(self, event: Event, routing_key: str | None = None,
            headers: str | None = None) -> dict[str, object]:
        """The outbox row of an event (``ROW_FIELDS``), with the request's trace context
        (``headers``: its JSON, when the caller has it already); the routing key is the
        event's type unless another is given."""
        return {
            "event_id": event.event_id,
            "exchange": self.exchange,
            "routing_key": routing_key or event.type,
            "body": event.to_json(),
            "headers": headers if headers is not None else json.dumps(current_traceparent()),
            "created_at": datetime.now(UTC),
            "attempts": 0,
        }

    def should_notify(self) -> bool:
        """Whether this transaction should wake the relay (``NOTIFY_INTERVAL_S``)."""
        now = time.monotonic()
        if now - self._last_notify < self._notify_interval_s:
            return False
        self._last_notify = now
        return True

    def add(self, session: Session | Connection, event: Event) -> None:
        session.execute(self._insert, self.row(event))
        self.notify_if_due(session)

    def notify_if_due(self, session: Session | Connection) -> None:
        """On PostgreSQL, wake the relay at commit (``should_notify``)."""
        if dialect_name(session) == "postgresql" and self.should_notify():
            # Delivered at commit only: wakes the relay without polling.
            session.execute(self._notify)


class Inbox:
    """Remembers which events a consumer has applied."""

    def __init__(self, table: Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer
        self._insert = {
            name: module.insert(table).on_conflict_do_nothing().returning(table.c.event_id)
            for name, module in (("postgresql", postgresql), ("sqlite", sqlite))}

    def first_time(self, session: Session | Connection, event: Event) -> bool:
        """Record the event; False when this consumer has already applied it."""
        values = {"consumer": self.consumer, "event_id": event.event_id,
                  "event_type": event.type, "received_at": datetime.now(UTC)}
        return session.execute(self._insert[dialect_name(session)], values).first() is not None
