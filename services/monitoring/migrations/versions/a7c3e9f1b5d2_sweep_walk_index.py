"""the sweep walks the views due for a look by (attention day, case number)

Revision ID: a7c3e9f1b5d2
Revises: f6a2c8d4e0b7
Create Date: 2026-11-30 15:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e9f1b5d2'
down_revision = 'f6a2c8d4e0b7'
branch_labels = None
depends_on = None

DUE = sa.text("attention_on IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_case_watches_attention", table_name="case_watches")
    op.create_index("ix_case_watches_attention", "case_watches",
                    ["attention_on", "case_number"], postgresql_where=DUE, sqlite_where=DUE)


def downgrade() -> None:
    op.drop_index("ix_case_watches_attention", table_name="case_watches")
    op.create_index("ix_case_watches_attention", "case_watches", ["attention_on"],
                    postgresql_where=DUE, sqlite_where=DUE)
