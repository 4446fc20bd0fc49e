"""the audit of case-file reads: what was read, by which channel, for whom; append-only

Revision ID: e5c7a9b1d3f2
Revises: d9b4e2a7c1f3
Create Date: 2026-11-30 21:10:00

``case_accesses`` gains the view read (detail, trace, documents, a document, a material
file…) and which part of it, the reader's regions, the node that asserted them (a read from
another node), the channel, whether it was the case's own applicant, and the case's region
(what a supervisor's listing filters on; filled here from the case numbers, which begin with
it). Rows are kept for good: triggers refuse UPDATE and DELETE, as on the trace.
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5c7a9b1d3f2'
down_revision = 'd9b4e2a7c1f3'
branch_labels = None
depends_on = None

#: the views the calls of the earlier rows read
_VIEWS = {"GetCase": "detail", "LookupCase": "detail", "GetTrace": "trace",
          "VerifyTrace": "trace_verify", "ListDocuments": "documents",
          "GetDocument": "document", "VerifyDocument": "document_verify"}
_MESSAGE = "the audit of case-file reads is append-only"


def upgrade() -> None:
    with op.batch_alter_table("case_accesses") as batch:
        batch.add_column(sa.Column("view", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("target", sa.String(100), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("regions", sa.String(200), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("asserted_by", sa.String(6), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("channel", sa.String(16), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("own", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("region", sa.String(6), nullable=False,
                                   server_default=""))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE case_accesses SET region = substr(case_number, 1, 6)"))
    for call, view in _VIEWS.items():
        conn.execute(sa.text('UPDATE case_accesses SET "view" = :view WHERE "call" = :call'),
                     {"view": view, "call": call})
    op.create_index("ix_case_accesses_region", "case_accesses", ["region", "at"])
    op.create_index("ix_case_accesses_subject", "case_accesses", ["subject", "at"])
    if conn.dialect.name == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION case_accesses_append_only() RETURNS trigger
            AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER case_accesses_kept BEFORE UPDATE OR DELETE ON "
                   "case_accesses FOR EACH ROW EXECUTE FUNCTION case_accesses_append_only()")
    else:
        op.execute("CREATE TRIGGER case_accesses_no_update BEFORE UPDATE ON case_accesses "
                   f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
        op.execute("CREATE TRIGGER case_accesses_no_delete BEFORE DELETE ON case_accesses "
                   f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_accesses_kept ON case_accesses")
        op.execute("DROP FUNCTION IF EXISTS case_accesses_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_accesses_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_accesses_no_delete")
    op.drop_index("ix_case_accesses_subject", table_name="case_accesses")
    op.drop_index("ix_case_accesses_region", table_name="case_accesses")
    with op.batch_alter_table("case_accesses") as batch:
        for name in ("region", "own", "channel", "asserted_by", "regions", "target", "view"):
            batch.drop_column(name)
