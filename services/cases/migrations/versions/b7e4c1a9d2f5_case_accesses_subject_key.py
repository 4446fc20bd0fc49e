"""the audit of case-file reads keeps an HMAC of the reader's full subject

Revision ID: b7e4c1a9d2f5
Revises: e5c7a9b1d3f2
Create Date: 2026-12-01 00:30:00

``case_accesses.subject`` keeps a person's or enterprise's identity masked, so a filter by
their full number found none of their own reads. ``subject_key`` keeps the HMAC-SHA256 of the
full subject under the node's key for this audit (``services.cases.audit.subject_key``),
indexed with the time; rows written before it get NULL and are found by their plain subject,
as before. Added in place (no table rebuild on SQLite: the append-only triggers stay).
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e4c1a9d2f5'
down_revision = 'e5c7a9b1d3f2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_accesses", sa.Column("subject_key", sa.String(64), nullable=True))
    op.create_index("ix_case_accesses_subject_key", "case_accesses", ["subject_key", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_accesses_subject_key", table_name="case_accesses")
    # in place on both databases (SQLite 3.35+): a rebuilt table would lose its triggers
    op.execute("ALTER TABLE case_accesses DROP COLUMN subject_key")
