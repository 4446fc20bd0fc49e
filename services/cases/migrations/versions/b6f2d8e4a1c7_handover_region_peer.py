"""hand-overs an operator can list, and supervision told of: region, other node, overdue

Revision ID: b6f2d8e4a1c7
Revises: b7e4c1a9d2f5
Create Date: 2026-12-01 00:40:00

``case_handovers`` gains the case's region (what a supervisor's listing filters on; filled
here from the case numbers, which begin with it) and the other node's region (``peer``):
filled here as the case process now writes it — a hand-up's region above (``to_region``), for
a decision sent back the node the case came from (``reported_from.node`` in the case's state) — and
when the hand-over was found overdue (``overdue_at``: set with the one ``case.handover_overdue``
event that says so).
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'b6f2d8e4a1c7'
down_revision = 'b7e4c1a9d2f5'
branch_labels = None
depends_on = None


def _peer(conn: sa.Connection, kind: str, case_number: str, request: bytes) -> str:
    """What the case process writes for the row now: a hand-up's region above; for a
    decision sent back, the node the case came from (its state's ``reported_from.node``),
    else the region the child's case number begins with."""
    from sunlight.cases.v1 import cases_pb2 as pb  # noqa: PLC0415 - the contract of the rows

    if kind == "hand_up":
        return str(pb.ReceiveReportedCaseRequest.FromString(request).to_region)[:6]
    state = conn.execute(sa.text("SELECT state FROM cases WHERE case_number = :n"),
                         {"n": case_number}).scalar()
    try:
        node = (json.loads(state).get("reported_from") or {}).get("node", "") if state else ""
    except (ValueError, AttributeError):
        node = ""
    return str(node or pb.ReceiveReportedDecisionRequest.FromString(request).case_number)[:6]


def upgrade() -> None:
    with op.batch_alter_table("case_handovers") as batch:
        batch.add_column(sa.Column("region", sa.String(6), nullable=False, server_default=""))
        batch.add_column(sa.Column("peer", sa.String(6), nullable=False, server_default=""))
        batch.add_column(sa.Column("overdue_at", sa.DateTime(timezone=True)))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE case_handovers SET region = substr(case_number, 1, 6)"))
    rows = conn.execute(sa.text(
        "SELECT id, kind, case_number, request FROM case_handovers")).all()
    for row in rows:  # one per case reported across nodes: few
        conn.execute(sa.text("UPDATE case_handovers SET peer = :peer WHERE id = :id"),
                     {"peer": _peer(conn, row.kind, row.case_number, bytes(row.request)),
                      "id": row.id})
    op.create_index("ix_case_handovers_region", "case_handovers", ["region", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_case_handovers_region", table_name="case_handovers")
    with op.batch_alter_table("case_handovers") as batch:
        batch.drop_column("overdue_at")
        batch.drop_column("peer")
        batch.drop_column("region")
