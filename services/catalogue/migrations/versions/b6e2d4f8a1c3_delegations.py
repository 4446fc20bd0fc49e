"""delegations down a level (下放) delivered to the node below

Revision ID: b6e2d4f8a1c3
Revises: 3d7a0c9e51b2
Create Date: 2026-12-02 09:00:00.000000

One table, ``delegations``: a delegation recorded with the item's state change and delivered
to the node that holds the region below (pending → delivered or refused), and its indexes.
"""
import sqlalchemy as sa
from alembic import op


revision = 'b6e2d4f8a1c3'
down_revision = '3d7a0c9e51b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'delegations',
        sa.Column('delegation_id', sa.String(36), primary_key=True),
        sa.Column('item_id', sa.String(36), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('source_region', sa.String(6), nullable=False),
        sa.Column('target_region', sa.String(6), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('from_state', sa.String(16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('delegated_by', sa.String(128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('error_code', sa.String(64), nullable=False, server_default=''),
        sa.Column('error_message', sa.Text(), nullable=False, server_default=''),
        sa.Column('target_node', sa.String(6), nullable=False, server_default=''),
        sa.Column('delegated_item_id', sa.String(36), nullable=False, server_default=''),
        sa.Column('delivered_at', sa.DateTime(timezone=True)),
    )
    op.create_index('ix_delegations_due', 'delegations', ['status', 'next_attempt_at'])
    op.create_index('ix_delegations_item', 'delegations', ['item_id'])


def downgrade() -> None:
    op.drop_index('ix_delegations_item', table_name='delegations')
    op.drop_index('ix_delegations_due', table_name='delegations')
    op.drop_table('delegations')
