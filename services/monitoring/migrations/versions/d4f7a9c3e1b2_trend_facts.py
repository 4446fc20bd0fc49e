"""trend rules: the acts they count (acceptance decisions, supplement requests, decisions and
the days left of their limit), the last day they were evaluated, warnings by rule

Revision ID: d4f7a9c3e1b2
Revises: c4f1a8e2d907
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd4f7a9c3e1b2'
down_revision = 'c4f1a8e2d907'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trend_acts",
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("ref", sa.String(80), primary_key=True),
        sa.Column("act", sa.String(16), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("handler", sa.String(128), nullable=False),
        sa.Column("handler_department_code", sa.String(18), nullable=False,
                  server_default=""),
        sa.Column("handler_department", sa.String(200), nullable=False, server_default=""),
        sa.Column("done_on", sa.String(10), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("limit_days", sa.Integer()),
        sa.Column("days_left", sa.Integer()),
    )
    op.create_index("ix_trend_acts_act_day", "trend_acts", ["act", "done_on"])
    runs = op.create_table(
        "trend_runs",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_day", sa.String(10)),
        sa.Column("updated_at", UTC_TIME),
    )
    # the row the daily evaluation locks: never evaluated yet
    op.bulk_insert(runs, [{"name": "trends", "last_day": None, "updated_at": None}])
    op.create_index("ix_warnings_rule", "warnings", ["rule", "status"])


def downgrade() -> None:
    op.drop_index("ix_warnings_rule", "warnings")
    op.drop_table("trend_runs")
    op.drop_index("ix_trend_acts_act_day", "trend_acts")
    op.drop_table("trend_acts")
