"""Case tables (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from services.shared.db import UtcDateTime
from services.shared.idempotency import idempotency_table
from services.shared.outbox import outbox_table

metadata = MetaData()

# Published item versions cases are pinned to: immutable, so cached forever.
item_snapshots = Table(
    "item_snapshots", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content", Text, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("item_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("current_step", Integer, nullable=False),
    Column("applicant", Text, nullable=False),
    Column("accepted_by", String(128), nullable=False),
    Column("accepted_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("due_date", String(10), nullable=False),
    Column("due_provisional", Boolean, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    ForeignKeyConstraint(["item_id", "item_version"],
                         ["item_snapshots.item_id", "item_snapshots.version"]),
)
Index("ix_cases_region_status", cases.c.region, cases.c.status)

case_steps = Table(
    "case_steps", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("step_index", Integer, primary_key=True),
    Column("key", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("limit_days", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("due_date", String(10), nullable=False, default=""),
    Column("due_provisional", Boolean, nullable=False, default=False),
    Column("handler", String(128), nullable=False, default=""),
    Column("opinion", Text, nullable=False, default=""),
    ForeignKeyConstraint(["case_number"], ["cases.case_number"]),
)

# Daily case-number sequence per region: unique under concurrency (row lock on update).
case_counters = Table(
    "case_counters", metadata,
    Column("region", String(6), primary_key=True),
    Column("day", String(8), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

outbox = outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
