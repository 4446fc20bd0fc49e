"""applications being filled in online (申请草稿), keyed by their owner

Revision ID: d7a3e5b1c208
Revises: c4e1a7f09b21
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd7a3e5b1c208'
down_revision = 'c4e1a7f09b21'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "application_drafts",
        sa.Column("draft_id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(500), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("files", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("submit_key", sa.String(64), nullable=False),
        sa.Column("case_number", sa.String(50), nullable=False, server_default=""),
        sa.Column("query_code", sa.String(16), nullable=False, server_default=""),
        sa.Column("receipt", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("submitted_at", UTC_TIME),
    )
    op.create_index("ix_application_drafts_owner", "application_drafts",
                    ["owner", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_application_drafts_owner", "application_drafts")
    op.drop_table("application_drafts")
