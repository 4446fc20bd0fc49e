"""departments by their unified social credit code (统一社会信用代码)

Revision ID: 3d7a0c9e51b2
Revises: 7c1e5a9d2f40
Create Date: 2026-12-01 09:00:00.000000

A department is named by its credit code wherever it decides who may act. Three columns, each
``''`` (unknown) by default: ``items.department_code``, ``item_versions.department_code`` and
``change_obligations.department_code``, and an index on the items' (region, department_code)
for the change obligations of a department.

Filled for what is stored: a version's code is its content's ``department_code`` when it has
one, else the stated default — the credit code in the implementation code's body segment when
that is a valid credit code, else unknown (``services.shared.departments``); an item takes its
newest version's, an obligation its item's. The content (JSON) is not rewritten: content stored
before reads with the same stated default (``ItemContent``).
"""
import json

import sqlalchemy as sa
from alembic import op

from services.shared.departments import code_in_implementation_code

revision = '3d7a0c9e51b2'
down_revision = '7c1e5a9d2f40'
branch_labels = None
depends_on = None

TABLES = ('items', 'item_versions', 'change_obligations')


def _code(content: str) -> str:
    try:
        stated = json.loads(content)
    except ValueError:
        return ''
    given = str(stated.get('department_code') or '')
    return given or code_in_implementation_code(str(stated.get('code') or ''))


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('department_code', sa.String(length=18),
                                          server_default='', nullable=False))
    op.create_index('ix_items_region_department_code', 'items',
                    ['region', 'department_code'], unique=False)
    conn = op.get_bind()
    versions = sa.table('item_versions', sa.column('item_id'), sa.column('version'),
                        sa.column('department_code'))
    newest: dict[str, tuple[int, str]] = {}
    updates = []
    for item_id, version, content in conn.execute(sa.text(
            'SELECT item_id, version, content FROM item_versions')):
        code = _code(content)
        if code:
            updates.append({'p_item': item_id, 'p_version': version, 'p_code': code})
        if version >= newest.get(item_id, (0, ''))[0]:
            newest[item_id] = (version, code)
    if updates:
        conn.execute(versions.update().where(
            versions.c.item_id == sa.bindparam('p_item'),
            versions.c.version == sa.bindparam('p_version')).values(
            department_code=sa.bindparam('p_code')), updates)
    items = sa.table('items', sa.column('item_id'), sa.column('department_code'))
    of_items = [{'p_item': i, 'p_code': code} for i, (_, code) in newest.items() if code]
    if of_items:
        conn.execute(items.update().where(items.c.item_id == sa.bindparam('p_item')).values(
            department_code=sa.bindparam('p_code')), of_items)
        obligations = sa.table('change_obligations', sa.column('item_id'),
                               sa.column('department_code'))
        conn.execute(obligations.update().where(
            obligations.c.item_id == sa.bindparam('p_item')).values(
            department_code=sa.bindparam('p_code')), of_items)


def downgrade() -> None:
    op.drop_index('ix_items_region_department_code', table_name='items')
    for table in reversed(TABLES):
        # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+ too): copying ``items`` into a new
        # table, as a batch would, is refused while item versions refer to it
        op.drop_column(table, 'department_code')
