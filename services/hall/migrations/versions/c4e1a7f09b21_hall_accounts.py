"""the hall's local accounts: persons, enterprises and staff, with Argon2 password hashes

Revision ID: c4e1a7f09b21
Revises:
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4e1a7f09b21'
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("subject", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("regions", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("positions", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("department_code", sa.String(18), nullable=False, server_default=""),
        sa.Column("department_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("password_changed_at", UTC_TIME, nullable=False),
        sa.Column("last_sign_in_at", UTC_TIME),
    )


def downgrade() -> None:
    op.drop_table("accounts")
