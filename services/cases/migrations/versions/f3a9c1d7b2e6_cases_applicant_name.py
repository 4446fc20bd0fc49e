"""the workbench's search: cases.applicant_name

Revision ID: f3a9c1d7b2e6
Revises: f3a9c1d7e2b5
Create Date: 2026-12-02 09:00:00

Staff search their queues by case number or the applicant's name (工作台检索): the name (a
case the government opened: its first party's) is kept beside the state it repeats, written
once when the case is stored (it never changes). Filled for the cases stored before from
their states (JSON: ``applicant.name``).
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'f3a9c1d7b2e6'
down_revision = 'f3a9c1d7e2b5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_name', sa.String(length=200),
                                      server_default='', nullable=False))
    conn = op.get_bind()
    rows = conn.execute(sa.text('SELECT case_number, state FROM cases'))
    names = []
    for number, state in rows:
        applicant = (json.loads(state) or {}).get('applicant') or {}
        name = str(applicant.get('name') or '')[:200]
        if name:
            names.append({'name': name, 'number': number})
    if names:
        conn.execute(sa.text('UPDATE cases SET applicant_name = :name '
                             'WHERE case_number = :number'), names)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('applicant_name')
