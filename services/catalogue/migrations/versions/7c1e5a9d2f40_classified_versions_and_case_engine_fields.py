"""classified versions (涉密); the case engine's fields of item content

Revision ID: 7c1e5a9d2f40
Revises: 45257ff51be1
Create Date: 2026-11-30 09:00:00.000000

One column: ``item_versions.classified`` (false for every version stored before: nothing was
classified), so that public listings, searches and exports leave classified versions out.

The other new fields of an item — handling modes, special procedures, step kinds, the steps a
case may return to, the departments of steps, time units, material and branch keys, whether
who accepted a case may decide it — live in the version's content (JSON) and need no column.
Content stored before them is read with the stated defaults (``ItemContent`` in
``services/catalogue/domain/items.py``): modes empty = promised (承诺件); a first step keyed
``accept`` is the acceptance step, the last step the decision step (unless a filing), every
other step a review step; a step may return a case to every earlier step after acceptance;
material keys ``m1``, ``m2`` … and branch keys ``b1`` … by position; every limit in working
days; no special procedures; not classified; who accepted a case may not decide it. Published
versions are not rewritten: they read the same as they did, with these values stated.
"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e5a9d2f40'
down_revision = '45257ff51be1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('classified', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_column('classified')
