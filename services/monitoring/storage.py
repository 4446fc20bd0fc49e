"""Supervision tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from services.shared.db import UtcDateTime
from services.shared.outbox import inbox_table

metadata = MetaData()

case_records = Table(
    "case_records", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("item_version", Integer, nullable=False),
    Column("department", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("last_event_type", String(64), nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
    Column("events_applied", Integer, nullable=False),
    Column("steps_completed", Integer, nullable=False),
    Column("step_count", Integer, nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("last_event_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_case_records_region_status", case_records.c.region, case_records.c.status)

# Standards library (权力运行标准库): limits and flows of published item versions.
standards = Table(
    "standards", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("region", String(6), nullable=False),
    Column("status", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # State of the item as a whole (ITEM_STATE_ACTIVE, ITEM_STATE_SUSPENDED, …).
    Column("state", String(32), nullable=False, server_default=""),
)

# Catalogue change obligations (动态调整义务), open → fulfilled or overdue: supervision
# follows the departments that do not file a change within 10 working days.
catalogue_obligations = Table(
    "catalogue_obligations", metadata,
    Column("obligation_id", String(36), primary_key=True),
    Column("item_id", String(36), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("status", String(32), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Messages that could not be applied (malformed, unknown schema): kept for an operator.
parked_events = Table(
    "parked_events", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(64)),
    Column("routing_key", String(128)),
    Column("body", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("parked_at", UtcDateTime, nullable=False),
)

inbox = inbox_table(metadata)
