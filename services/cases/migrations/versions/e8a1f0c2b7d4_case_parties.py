"""the parties of cases the government opens (立案), by a key of their identity number

Revision ID: e8a1f0c2b7d4
Revises: c4d5e6f7a8b9
Create Date: 2026-11-30 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e8a1f0c2b7d4'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_parties",
        sa.Column("party_key", sa.String(64), primary_key=True),
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_parties")
