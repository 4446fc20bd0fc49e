"""Catalogue tables (SQLAlchemy Core). Every row carries the region it belongs to."""

from __future__ import annotations

from sqlalchemy import (
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

items = Table(
    "items", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("code", String(128), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    # Version in force (0 = none published yet) and newest version number.
    Column("current_version", Integer, nullable=False, default=0),
    Column("latest_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ux_items_region_code", items.c.region, items.c.code, unique=True)

item_versions = Table(
    "item_versions", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("item_type", String(2), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    # ItemContent as JSON: immutable once published.
    Column("content", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("published_at", UtcDateTime),
    Column("published_by", String(128)),
    ForeignKeyConstraint(["item_id"], ["items.item_id"]),
)
Index("ix_item_versions_published", item_versions.c.status, item_versions.c.region)

outbox = outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
