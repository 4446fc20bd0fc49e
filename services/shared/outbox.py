"""Transactional outbox (发件箱) and inbox.

``Outbox.add`` writes an event row in the *same* transaction as the state change it
describes, with the ``traceparent`` of the request; the relay (``relay.py``) publishes the
rows later. ``Inbox.first_time`` records an event id in the *same* transaction as the
consumer's effect, so a redelivered event is recognised and applied once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
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

from services.shared.db import UtcDateTime
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


class Outbox:
    """Writes events of one service; they leave through ``<service>.events``."""

    def __init__(self, table: Table, service: str) -> None:
        self.table = table
        self.exchange = f"{service}.events"
        self._channel = notify_channel(service)

    def add(self, session: Session, event: Event) -> None:
        session.execute(insert(self.table).values(
            event_id=event.event_id,
            exchange=self.exchange,
            routing_key=event.type,
            body=event.to_json(),
            headers=json.dumps(current_traceparent()),
            created_at=datetime.now(UTC),
            attempts=0,
        ))
        if session.get_bind().dialect.name == "postgresql":
            # Delivered at commit only: wakes the relay without polling.
            session.execute(text(f"NOTIFY {self._channel}"))


class Inbox:
    """Remembers which events a consumer has applied."""

    def __init__(self, table: Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer

    def first_time(self, session: Session, event: Event) -> bool:
        """Record the event; False when this consumer has already applied it."""
        dialect = session.get_bind().dialect.name
        values = {"consumer": self.consumer, "event_id": event.event_id,
                  "event_type": event.type, "received_at": datetime.now(UTC)}
        module = postgresql if dialect == "postgresql" else sqlite
        stmt = (module.insert(self.table).values(**values).on_conflict_do_nothing()
                .returning(self.table.c.event_id))
        return session.execute(stmt).first() is not None
