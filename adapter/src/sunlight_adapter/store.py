"""The adapter's tables in the department's own database (SQLite by default, any SQLAlchemy
URL): the outbox of requests to send and the record of events consumed.

They are created when missing (``create_tables``); a department that manages its schema with
migrations can copy their definitions from here. Times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

__all__ = ["case_positions", "create_tables", "engine_of", "inbox", "metadata", "outbox",
           "utcnow"]

metadata = MetaData()

#: Requests to send to the node, in the order they were written.
outbox = Table(
    "sunlight_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # your own id of the thing sent: the node's idempotency key
    Column("idempotency_key", String(128), nullable=False, unique=True),
    # "submit" (SubmitApplication) or "act" (ActOnCase)
    Column("kind", String(16), nullable=False),
    # act: the case acted on; submit: the case the node created, once delivered
    Column("case_number", String(50)),
    # the request's JSON body
    Column("body", Text, nullable=False),
    # pending, delivered or parked (refused for good: see the error columns)
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime),
    Column("delivered_at", DateTime),
    # the case's status after delivery (CASE_STATUS_…)
    Column("case_status", String(40)),
    # the last failure: HTTP status (0: no answer), the node's code, message and identifier
    Column("error_status", Integer),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("error_identifier", String(64)),
    sqlite_autoincrement=True,
)

#: Events consumed from ``cases.events``, by event id: each is handled once.
inbox = Table(
    "sunlight_inbox", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("type", String(80), nullable=False),
    Column("case_number", String(50)),
    Column("sequence", Integer),
    # handled, stale (older than what was applied: skipped) or parked (the handler kept
    # failing, or the message could not be read: see error)
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("body", Text),
    Column("received_at", DateTime, nullable=False),
    Column("handled_at", DateTime),
)

#: The highest event sequence applied per case (for consumers that skip old news).
case_positions = Table(
    "sunlight_case_positions", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("sequence", Integer, nullable=False),
)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def engine_of(url_or_engine: str | Engine) -> Engine:
    """An engine for a URL (SQLite waits for a lock rather than failing at once)."""
    if isinstance(url_or_engine, Engine):
        return url_or_engine
    if url_or_engine.startswith("sqlite"):
        engine = create_engine(url_or_engine, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record) -> None:  # readers do not block the relay
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url_or_engine, pool_pre_ping=True)


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)
