"""catalogue obligations keep their department's code, kind, law and the day the change took
effect: what supervision's warning of an overdue obligation quotes

Revision ID: e4b2c7d9a1f3
Revises: d4f7a9c3e1b2
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e4b2c7d9a1f3'
down_revision = 'd4f7a9c3e1b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # obligations stored before keep these empty: the warning takes the department's code
    # from the standards library, and says the rest is not stated
    with op.batch_alter_table("catalogue_obligations") as batch:
        batch.add_column(sa.Column("department_code", sa.String(18), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("kind", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("law", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("effective_on", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalogue_obligations") as batch:
        for column in ("effective_on", "law", "kind", "department_code"):
            batch.drop_column(column)
