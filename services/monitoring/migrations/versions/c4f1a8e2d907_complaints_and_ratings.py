"""complaints and reports, ratings and their rectification (投诉 / 举报 · 好差评)

Revision ID: c4f1a8e2d907
Revises: c8e1f4a2b6d9
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4f1a8e2d907'
down_revision = 'c8e1f4a2b6d9'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(40), primary_key=True),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("addressee", sa.String(16), nullable=False),
        sa.Column("complainant", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_date", sa.String(10), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=False),
        sa.Column("overdue_noted", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_complaints_region_addressee", "complaints",
                    ["region", "addressee", "status"])
    op.create_index("ix_complaints_complainant", "complaints", ["complainant"])
    op.create_index("ix_complaints_department_month", "complaints",
                    ["department_code", "month"])
    op.create_table(
        "ratings",
        sa.Column("rating_id", sa.String(64), primary_key=True),
        sa.Column("case_number", sa.String(50), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("rater", sa.String(128), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Boolean(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("appeal_status", sa.String(10), nullable=False),
        sa.Column("rated_at", UTC_TIME, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("case_number", "channel", name="uq_ratings_case_channel"),
    )
    op.create_index("ix_ratings_department_month", "ratings", ["department_code", "month"])
    op.create_index("ix_ratings_rater", "ratings", ["rater"])
    op.create_index("ix_ratings_region_rated", "ratings", ["region", "rated_at"])
    op.create_table(
        "rectifications",
        sa.Column("task_id", sa.String(70), primary_key=True),
        sa.Column("rating_id", sa.String(64), nullable=False, unique=True),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("due_date", sa.String(10), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("overdue_noted", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_rectifications_status_due", "rectifications", ["status", "due_date"])
    op.create_index("ix_rectifications_department", "rectifications",
                    ["department_code", "status"])


def downgrade() -> None:
    for table in ("rectifications", "ratings", "complaints"):
        op.drop_table(table)
