"""The hall's own tables (schema ``hall``): its local accounts."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, MetaData, String, Table, Text, false

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
