"""the audit of sign-ins: every attempt and sign-out, with its outcome; append-only

Revision ID: e9b2c4d6f801
Revises: d7a3e5b1c208
Create Date: 2026-11-30 21:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e9b2c4d6f801'
down_revision = 'd7a3e5b1c208'
branch_labels = None
depends_on = None

_MESSAGE = "the audit of sign-ins is append-only"


def upgrade() -> None:
    op.create_table(
        "sign_in_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("account_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_sign_in_audit_at", "sign_in_audit", ["at"])
    op.create_index("ix_sign_in_audit_account", "sign_in_audit", ["account_key", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION sign_in_audit_append_only() RETURNS trigger
            AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER sign_in_audit_kept BEFORE UPDATE OR DELETE ON "
                   "sign_in_audit FOR EACH ROW EXECUTE FUNCTION sign_in_audit_append_only()")
    else:
        op.execute("CREATE TRIGGER sign_in_audit_no_update BEFORE UPDATE ON sign_in_audit "
                   f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
        op.execute("CREATE TRIGGER sign_in_audit_no_delete BEFORE DELETE ON sign_in_audit "
                   f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sign_in_audit_kept ON sign_in_audit")
        op.execute("DROP FUNCTION IF EXISTS sign_in_audit_append_only()")
    op.drop_index("ix_sign_in_audit_account", table_name="sign_in_audit")
    op.drop_index("ix_sign_in_audit_at", table_name="sign_in_audit")
    op.drop_table("sign_in_audit")
