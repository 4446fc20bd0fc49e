"""consultations about items (咨询); the public feed's index of case records

Revision ID: f6a2c8d4e0b7
Revises: e4b2c7d9a1f3
Create Date: 2026-12-10 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f6a2c8d4e0b7'
down_revision = 'e4b2c7d9a1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("consultation_id", sa.String(40), primary_key=True),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("asker", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_date", sa.String(10), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_noted", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_consultations_department_status", "consultations",
                    ["department_code", "status", "due_date"])
    op.create_index("ix_consultations_asker", "consultations", ["asker"])
    op.create_index("ix_consultations_status_due", "consultations", ["status", "due_date"])
    op.create_index("ix_case_records_last_event", "case_records", ["last_event_at"])


def downgrade() -> None:
    op.drop_index("ix_case_records_last_event", table_name="case_records")
    op.drop_table("consultations")
