"""supervision's view of each case, its warnings, their notifications, its own outbox and
idempotency keys

Revision ID: 5b7c9d1e3f20
Revises: aa47f154e22d
Create Date: 2026-11-30 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5b7c9d1e3f20'
down_revision = 'aa47f154e22d'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "case_watches",
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("attention_on", sa.String(10)),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_case_watches_attention", "case_watches", ["attention_on"],
                    postgresql_where=sa.text("attention_on IS NOT NULL"),
                    sqlite_where=sa.text("attention_on IS NOT NULL"))
    op.create_table(
        "warnings",
        sa.Column("warning_id", sa.String(200), primary_key=True),
        sa.Column("case_number", sa.String(50), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False, server_default=""),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handler", sa.String(128), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("raised_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME),
        sa.Column("accountability", sa.Text(), nullable=False, server_default=""),
        sa.Column("accountable_by", sa.String(128), nullable=False, server_default=""),
        sa.Column("notice", sa.Text(), nullable=False, server_default=""),
        sa.Column("rectify_by", sa.String(10)),
        sa.Column("history", sa.Text(), nullable=False),
    )
    op.create_index("ix_warnings_case", "warnings", ["case_number"])
    op.create_index("ix_warnings_region_status", "warnings", ["region", "status", "raised_at"])
    op.create_index("ix_warnings_handler_status", "warnings", ["handler", "status"])
    op.create_index("ix_warnings_department_status", "warnings", ["department_code", "status"])
    op.create_table(
        "notifications",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("recipient_kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(220), nullable=False),
        sa.Column("warning_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("read_at", UTC_TIME),
    )
    op.create_index("ix_notifications_recipient", "notifications",
                    ["recipient_kind", "recipient", "id"])
    op.create_table(
        "outbox",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("routing_key", sa.String(128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("published_at", UTC_TIME),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME),
        sa.Column("last_error", sa.Text()),
    )
    op.create_index("ix_outbox_pending", "outbox", ["seq"],
                    postgresql_where=sa.text("published_at IS NULL"),
                    sqlite_where=sa.text("published_at IS NULL"))
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(128), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotency_keys", "outbox", "notifications", "warnings", "case_watches"):
        op.drop_table(table)
