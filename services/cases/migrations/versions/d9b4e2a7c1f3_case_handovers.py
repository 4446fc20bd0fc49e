"""上报件 across nodes: the hand-over outbox

Revision ID: d9b4e2a7c1f3
Revises: a7d3e9f1c2b4
Create Date: 2026-11-30 16:00:00

A reported case's decision handed up to the node above, and the decision sent back, are
calls to another node that the case's own transaction records (``case_handovers``); the
case relay delivers them until answered. ``services/cases/storage.py`` declares the table.
"""
import sqlalchemy as sa
from alembic import op


revision = 'd9b4e2a7c1f3'
down_revision = 'a7d3e9f1c2b4'
branch_labels = None
depends_on = None

PENDING = "delivered_at IS NULL"


def upgrade() -> None:
    op.create_table(
        'case_handovers',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  primary_key=True, autoincrement=True),
        sa.Column('case_number', sa.String(50), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('method', sa.String(128), nullable=False),
        sa.Column('request', sa.LargeBinary(), nullable=False),
        sa.Column('idempotency_key', sa.String(128), nullable=False, unique=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text()),
        sa.Column('delivered_at', sa.DateTime(timezone=True)),
        sa.Column('answer', sa.Text()),
    )
    op.create_index('ix_case_handovers_pending', 'case_handovers', ['next_attempt_at'],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    op.create_index('ix_case_handovers_case', 'case_handovers', ['case_number'])


def downgrade() -> None:
    op.drop_index('ix_case_handovers_case', table_name='case_handovers')
    op.drop_index('ix_case_handovers_pending', table_name='case_handovers')
    op.drop_table('case_handovers')
