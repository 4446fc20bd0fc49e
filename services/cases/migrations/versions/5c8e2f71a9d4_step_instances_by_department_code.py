"""queues by department code: step_instances.department_code

Revision ID: 5c8e2f71a9d4
Revises: e8a1f0c2b7d4
Create Date: 2026-12-01 09:00:00

A step instance goes to a department by its unified social credit code (统一社会信用代码), and
queues select by it: ``step_instances.department_code`` (``''``: unknown) with the queue's
index on (department_code, role, status, due_date) in place of the one on the name.

Filled for the instances stored before: those of the item's own department (their department
is the one the case row names) take the item's code — the credit code in the implementation
code of the case's item snapshot, as the catalogue states it for versions stored before
codes; a step or branch of another department was named without a code and stays unknown.
States and snapshots (JSON) are not rewritten: they decode with the same codes stated
(``services/cases/codec.py``).
"""
import json

import sqlalchemy as sa
from alembic import op

from services.shared.departments import code_in_implementation_code

revision = '5c8e2f71a9d4'
down_revision = 'e8a1f0c2b7d4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('step_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_code', sa.String(length=18),
                                      server_default='', nullable=False))
    op.drop_index('ix_step_instances_queue', table_name='step_instances')
    op.create_index('ix_step_instances_queue_code', 'step_instances',
                    ['department_code', 'role', 'status', 'due_date'], unique=False)
    conn = op.get_bind()
    for item_id, version, content in conn.execute(sa.text(
            'SELECT item_id, version, content FROM item_snapshots')):
        snapshot = json.loads(content)
        code = snapshot.get('department_code') or code_in_implementation_code(
            snapshot.get('code') or '')
        if not code:
            continue
        conn.execute(sa.text(
            "UPDATE step_instances SET department_code = :code "
            "WHERE department_code = '' AND case_number IN ("
            "SELECT c.case_number FROM cases c WHERE c.item_id = :item "
            "AND c.item_version = :version AND c.department = step_instances.department)"),
            {'code': code, 'item': item_id, 'version': version})


def downgrade() -> None:
    op.drop_index('ix_step_instances_queue_code', table_name='step_instances')
    op.create_index('ix_step_instances_queue', 'step_instances',
                    ['department', 'role', 'status', 'due_date'], unique=False)
    with op.batch_alter_table('step_instances', schema=None) as batch_op:
        batch_op.drop_column('department_code')
