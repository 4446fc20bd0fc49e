"""the applicant's side: their cases, the receipt's query code, the access log

Revision ID: f3a9c1d7e2b5
Revises: 5c8e2f71a9d4
Create Date: 2026-12-03 09:00:00

``case_applicants``: each case's applicant and agent by the key of their identity (a person's
own cases are listed by it), filled here for the cases stored before from their states;
``case_query_codes``: the query code printed on a receipt (cases stored before have none:
they are looked up by the applicant's name); ``case_accesses``: every read of a case's
internal view.
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = 'f3a9c1d7e2b5'
down_revision = '5c8e2f71a9d4'
branch_labels = None
depends_on = None


def _key(party: dict) -> str:
    return hashlib.sha256(
        f"{party['id_type']}:{str(party['id_number']).upper()}".encode()).hexdigest()


def upgrade() -> None:
    op.create_table(
        "case_applicants",
        sa.Column("party_key", sa.String(64), primary_key=True),
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("capacity", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_applicants_newest", "case_applicants",
                    ["party_key", "submitted_at"])
    op.create_table(
        "case_query_codes",
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("query_code", sa.String(16), nullable=False),
    )
    op.create_table(
        "case_accesses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("case_number", sa.String(50), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("department_code", sa.String(20), nullable=False, server_default=""),
        sa.Column("department", sa.String(200), nullable=False, server_default=""),
        sa.Column("call", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
    )
    op.create_index("ix_case_accesses_case", "case_accesses", ["case_number", "at"])
    conn = op.get_bind()
    rows = []
    for number, submitted_at, state in conn.execute(sa.text(
            "SELECT case_number, submitted_at, state FROM cases")):
        values = json.loads(state)
        if values.get("channel") == "opened":
            continue  # a case the government opened: its parties are in case_parties
        seen = set()
        for capacity in ("applicant", "agent"):
            party = values.get(capacity)
            if not party or not party.get("id_number"):
                continue
            key = _key(party)
            if key not in seen:
                seen.add(key)
                rows.append({"party_key": key, "case_number": number, "capacity": capacity,
                             "submitted_at": submitted_at})
    for row in rows:  # the time as stored, untouched
        conn.execute(sa.text(
            "INSERT INTO case_applicants (party_key, case_number, capacity, submitted_at) "
            "VALUES (:party_key, :case_number, :capacity, :submitted_at)"), row)


def downgrade() -> None:
    op.drop_index("ix_case_accesses_case", table_name="case_accesses")
    op.drop_table("case_accesses")
    op.drop_table("case_query_codes")
    op.drop_index("ix_case_applicants_newest", table_name="case_applicants")
    op.drop_table("case_applicants")
