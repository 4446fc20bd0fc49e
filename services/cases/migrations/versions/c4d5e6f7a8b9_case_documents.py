"""case documents (文书): their content, numbers and PDFs

Revision ID: c4d5e6f7a8b9
Revises: b3e1c2d4a5f6
Create Date: 2026-11-30 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4d5e6f7a8b9'
down_revision = 'b3e1c2d4a5f6'
branch_labels = None
depends_on = None

#: what may change in a document's row, once: its PDF, rendered after the issuing transaction
_FIXED = ("case_number", "document_id", "kind", "region", "department", "year", "serial",
          "number", "trace_seq", "issued_at", "content", "content_sha256")


def upgrade() -> None:
    op.create_table(
        'case_documents',
        sa.Column('case_number', sa.String(length=50), nullable=False),
        sa.Column('document_id', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=300), nullable=False),
        sa.Column('trace_seq', sa.BigInteger(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
        sa.Column('layout', sa.String(length=32), nullable=True),
        sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('case_number', 'document_id'),
        sa.UniqueConstraint('region', 'department', 'year', 'kind', 'serial',
                            name='uq_case_documents_number'))
    op.create_index('ix_case_documents_unrendered', 'case_documents', ['issued_at'],
                    postgresql_where=sa.text('pdf_sha256 IS NULL'),
                    sqlite_where=sa.text('pdf_sha256 IS NULL'))
    op.create_table(
        'document_counters',
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('region', 'department', 'year', 'kind'))
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FIXED)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION case_documents_kept() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'a case''s documents are kept: none is deleted';
              END IF;
              IF OLD.pdf_sha256 IS NOT NULL OR {changed} THEN
                RAISE EXCEPTION 'a document''s content never changes and its PDF is written once';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER case_documents_kept BEFORE UPDATE OR DELETE ON "
                   "case_documents FOR EACH ROW EXECUTE FUNCTION case_documents_kept()")
    else:
        sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FIXED)
        op.execute("CREATE TRIGGER case_documents_kept BEFORE UPDATE ON case_documents "
                   f"WHEN OLD.pdf_sha256 IS NOT NULL OR {sqlite_changed} BEGIN SELECT "
                   "RAISE(ABORT, 'a document''s content never changes and its PDF is "
                   "written once'); END")
        op.execute("CREATE TRIGGER case_documents_no_delete BEFORE DELETE ON case_documents "
                   "BEGIN SELECT RAISE(ABORT, 'a case''s documents are kept: none is "
                   "deleted'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_documents_kept ON case_documents")
        op.execute("DROP FUNCTION IF EXISTS case_documents_kept()")
    op.drop_table('document_counters')
    op.drop_index('ix_case_documents_unrendered', table_name='case_documents')
    op.drop_table('case_documents')
