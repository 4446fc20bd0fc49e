"""The hall's own tables (schema ``hall``): its local accounts, the audit of sign-ins."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from services.shared.db import UtcDateTime

metadata = MetaData()

# One row per account of the local identity provider: a person (by resident ID number), an
# enterprise (by credit code) or a member of staff (by the name an operator gave them).
accounts = Table(
    "accounts", metadata,
    # the login as stored, and the subject the services know the account by
    Column("subject", String(128), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("display_name", String(100), nullable=False),
    # Argon2id, in its PHC string form (parameters and salt included)
    Column("password_hash", String(256), nullable=False),
    # staff only: JSON lists of role names, region codes and positions, the department's
    # unified social credit code and its name (for display)
    Column("roles", Text, nullable=False, server_default="[]"),
    Column("regions", Text, nullable=False, server_default="[]"),
    Column("positions", Text, nullable=False, server_default="[]"),
    Column("department_code", String(18), nullable=False, server_default=""),
    Column("department_name", String(200), nullable=False, server_default=""),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    # "self" (registered in the hall) or the operator's command ("cli")
    Column("created_by", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("password_changed_at", UtcDateTime, nullable=False),
    Column("last_sign_in_at", UtcDateTime),
)

# Every sign-in attempt and sign-out at the hall (登录审计), success or not: append-only (the
# migration adds triggers that refuse UPDATE and DELETE). ``services.hall.sign_in_audit``.
sign_in_audit = Table(
    "sign_in_audit", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    # "sign_in" or "sign_out"
    Column("event", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    # a stable code: OK, WRONG_PASSWORD, UNKNOWN_ACCOUNT, RATE_LIMITED, …
    Column("outcome", String(32), nullable=False),
    # the account: a staff account as it is, a person's or enterprise's number masked; "—" when
    # the login names no account (what was typed is not kept: only its HMAC below)
    Column("account", String(128), nullable=False),
    # HMAC of the login as normalised, with a key of the node's: finds every attempt on one
    # account (given its number) without the table holding the number; empty when unreadable
    Column("account_key", String(64), nullable=False, server_default=""),
    Column("client", String(64), nullable=False),
    Column("user_agent", String(200), nullable=False, server_default=""),
)
Index("ix_sign_in_audit_at", sign_in_audit.c.at)
Index("ix_sign_in_audit_account", sign_in_audit.c.account_key, sign_in_audit.c.at)
