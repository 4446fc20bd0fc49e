"""who else read a case: an index of the reads not by the case's own applicant

Revision ID: c4e8a2f6b9d1
Revises: b6f2d8e4a1c7
Create Date: 2026-12-01 05:20:00

``ListCaseAccesses`` shows a case's applicant who else read their file: the reads not their
own, newest first, and how many. ``ix_case_accesses_case`` holds every read of the case, the
applicant's own among them — a case its applicant follows closely holds thousands — so that
listing and its count read each row to drop the own ones. This partial index holds the
others' reads alone.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4e8a2f6b9d1'
down_revision = 'b6f2d8e4a1c7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_accesses_case_others", "case_accesses",
                    ["case_number", "at", "id"], postgresql_where=sa.text("NOT own"),
                    sqlite_where=sa.text("own = 0"))


def downgrade() -> None:
    op.drop_index("ix_case_accesses_case_others", table_name="case_accesses")
