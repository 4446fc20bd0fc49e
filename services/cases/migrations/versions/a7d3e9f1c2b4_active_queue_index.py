"""the inbox's index: running step instances in the queue's order

Revision ID: a7d3e9f1c2b4
Revises: f3a9c1d7b2e6
Create Date: 2026-12-08 09:00:00

A handler's inbox (ListQueue) is the first page of their department's running steps, due
dates first (empty ones — stopped clocks — last), earliest first. With a hundred thousand
open cases, sorting every running step of the department for each page took a quarter of a
second; this partial index of the running steps holds them in that order (on PostgreSQL with
the positions, regions, assignees and branch keys the queue filters on), so a page is read
from the index and stops at its end. ``services/cases/storage.py`` declares it.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7d3e9f1c2b4'
down_revision = 'f3a9c1d7b2e6'
branch_labels = None
depends_on = None

ACTIVE_ONLY = "status = 'active'"


def upgrade() -> None:
    op.create_index(
        'ix_step_instances_active_queue', 'step_instances',
        ['department_code', sa.text("(due_date = '')"), 'due_date', 'started_at',
         'case_number', 'instance_id'], unique=False,
        postgresql_where=sa.text(ACTIVE_ONLY), sqlite_where=sa.text(ACTIVE_ONLY),
        postgresql_include=['role', 'region', 'assignee', 'key'])


def downgrade() -> None:
    op.drop_index('ix_step_instances_active_queue', table_name='step_instances')
