"""The office's own database: its registrations (登记申请) and the steps its clerks recorded
on them, beside the adapter's tables (``sunlight_outbox``, ``sunlight_inbox``) in the same
database, so that a row of the office and the request for the platform commit together.

SQLite by default (any SQLAlchemy URL). Tables are created when missing. Times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

metadata = MetaData()

#: 登记申请: one application received at the counter
registrations = Table(
    "registrations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # the office's own number (业务号), e.g. BDC-2026-000001: the platform's idempotency key
    Column("number", String(32), nullable=False, unique=True),
    # 登记类型: first, transfer, change, mortgage, cancel (domain.KINDS)
    Column("kind", String(16), nullable=False),
    Column("applicant_name", String(200), nullable=False),
    # id_card (GB 11643) or credit_code (GB 32100)
    Column("applicant_id_type", String(16), nullable=False),
    Column("applicant_id_number", String(18), nullable=False),
    # 不动产单元号 (GB/T 37346, 28 characters)
    Column("unit_number", String(28), nullable=False, index=True),
    # the office's own status (domain.STATUS)
    Column("status", String(16), nullable=False),
    # the platform's case once the submission was delivered
    Column("case_number", String(50), unique=True),
    # the platform's case status (CASE_STATUS_…), its event sequence and its running steps
    # (JSON: step key → instance id), kept current from answers and events
    Column("platform_status", String(40), nullable=False, default=""),
    Column("platform_sequence", Integer, nullable=False, default=0),
    Column("active_steps", Text, nullable=False, default="{}"),
    # 不动产权证书号 / 登记证明号, once recorded (登簿)
    Column("certificate", String(100)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    sqlite_autoincrement=True,
)

#: 办理记录: the steps the clerks recorded, each reported to the platform as one action
steps = Table(
    "registration_steps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("registration", String(32), ForeignKey("registrations.number"), nullable=False,
           index=True),
    # the clerk's step (domain.STEPS) and the platform action it is reported with
    Column("step", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("clerk", String(64), nullable=False, default=""),
    Column("opinion", Text, nullable=False, default=""),
    # JSON: certificate, reasons, legal_basis …
    Column("details", Text, nullable=False, default="{}"),
    # <number>-<action>: the idempotency key of the platform request
    Column("idempotency_key", String(128), nullable=False, unique=True),
    # waiting: the platform's case is not ready for it yet (not delivered, the step not yet
    # running there); queued: in the outbox (its delivery: sunlight_outbox, same key)
    Column("state", String(16), nullable=False, index=True),
    Column("recorded_at", DateTime, nullable=False),
    Column("queued_at", DateTime),
    sqlite_autoincrement=True,
)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    """The engine of the office's database. SQLite: WAL (readers never block), a 30-second
    busy timeout, and every transaction ``BEGIN IMMEDIATE`` — the counter, the relay and the
    event consumer write the same rows from different processes and threads, and a deferred
    transaction that read before another committed could not write afterwards."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event starts them
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)
