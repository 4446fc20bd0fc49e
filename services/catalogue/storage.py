"""Catalogue tables (SQLAlchemy Core). Every row carries the region it belongs to."""

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
    false,
)

from services.shared.db import UtcDateTime
from services.shared.idempotency import idempotency_table
from services.shared.outbox import outbox_table

metadata = MetaData()
SEQ = BigInteger().with_variant(Integer, "sqlite")

items = Table(
    "items", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("code", String(128), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    # The department's unified social credit code (GB 32100), from the newest version's
    # content; empty: unknown. Who may act on the item is decided by it.
    Column("department_code", String(18), nullable=False, server_default=""),
    # Version in force (0 = none published yet) and newest version number.
    Column("current_version", Integer, nullable=False, default=0),
    Column("latest_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Operational state (ItemState) and where the item went when delegated/transferred/merged.
    Column("state", String(16), nullable=False, server_default="active"),
    Column("successor", String(200), nullable=False, server_default=""),
    # Any change to the item or one of its versions; the search index follows it.
    Column("updated_at", UtcDateTime),
)
Index("ux_items_region_code", items.c.region, items.c.code, unique=True)
Index("ix_items_region_department_code", items.c.region, items.c.department_code)
Index("ix_items_updated_at", items.c.updated_at)

item_versions = Table(
    "item_versions", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("item_type", String(2), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    # ItemContent.department_code (stated: see ItemContent), repeated for searches and checks
    Column("department_code", String(18), nullable=False, server_default=""),
    # ItemContent as JSON: immutable once published.
    Column("content", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("published_at", UtcDateTime),
    Column("published_by", String(128)),
    Column("list_kind", String(16), nullable=False, server_default="power"),
    Column("exercise_level", String(1), nullable=False, server_default=""),
    # Doubts recorded on import or by validation warnings (JSON list of strings).
    Column("flags", Text, nullable=False, server_default="[]"),
    # Submission round: reviews count only within the current round.
    Column("review_round", Integer, nullable=False, server_default="0"),
    # ItemContent.classified (涉密), repeated so that public listings, searches and exports
    # leave classified versions out in SQL (paging stays right).
    Column("classified", Boolean, nullable=False, server_default=false()),
    ForeignKeyConstraint(["item_id"], ["items.item_id"]),
)
Index("ix_item_versions_published", item_versions.c.status, item_versions.c.region)

item_reviews = Table(
    "item_reviews", metadata,
    Column("review_id", SEQ, primary_key=True, autoincrement=True),
    Column("item_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("round", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
    # A review done outside the platform: the document that approved it (文号).
    Column("document", String(200), nullable=False, server_default=""),
)
Index("ix_item_reviews_version", item_reviews.c.item_id, item_reviews.c.version)

# Public history of every item (谁、何时、为何): lifecycle and reduction actions.
item_history = Table(
    "item_history", metadata,
    Column("entry_id", SEQ, primary_key=True, autoincrement=True),
    Column("item_id", String(36), nullable=False),
    Column("version", Integer, nullable=False, default=0),
    Column("action", String(32), nullable=False),
    Column("from_state", String(16), nullable=False, default=""),
    Column("to_state", String(16), nullable=False, default=""),
    Column("actor", String(128), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("target", String(200), nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
)
Index("ix_item_history_item", item_history.c.item_id, item_history.c.entry_id)

#: Delegations down a level (下放) to a region another node may hold: recorded with the item's
#: state change, delivered to the node of the region by the courier (``delegations.py``),
#: tried again until that node answers.
delegations = Table(
    "delegations", metadata,
    Column("delegation_id", String(36), primary_key=True),
    Column("item_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source_region", String(6), nullable=False),
    Column("target_region", String(6), nullable=False),
    # pending, delivered, refused
    Column("status", String(16), nullable=False),
    # the item's state before (restored when the delegation is refused)
    Column("from_state", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("delegated_by", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("error_code", String(64), nullable=False, server_default=""),
    Column("error_message", Text, nullable=False, server_default=""),
    Column("target_node", String(6), nullable=False, server_default=""),
    Column("delegated_item_id", String(36), nullable=False, server_default=""),
    Column("delivered_at", UtcDateTime),
)
Index("ix_delegations_due", delegations.c.status, delegations.c.next_attempt_at)
Index("ix_delegations_item", delegations.c.item_id)

obligations = Table(
    "change_obligations", metadata,
    Column("obligation_id", String(36), primary_key=True),
    Column("item_id", String(36), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    Column("department_code", String(18), nullable=False, server_default=""),
    Column("description", Text, nullable=False),
    Column("law", String(200), nullable=False, default=""),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_on", String(10), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("due_provisional", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("fulfilled_version", Integer),
    Column("overdue_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    # ChangeKind: legal_basis or functions
    Column("kind", String(16), nullable=False, server_default="legal_basis"),
    # The day the change took effect: the due date counts from it (YYYY-MM-DD).
    Column("effective_on", String(10), nullable=False, server_default=""),
)
Index("ix_obligations_status_due", obligations.c.status, obligations.c.due_date)

imports = Table(
    "imports", metadata,
    Column("import_id", String(36), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("source", String(500), nullable=False),
    Column("imported_by", String(128), nullable=False),
    Column("publish_reviewed", Boolean, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
)

# Every row of every import with its outcome and reasons: nothing is lost.
import_rows = Table(
    "import_rows", metadata,
    Column("import_id", String(36), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("name", String(500), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("item_id", String(36)),
)

outbox = outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
