"""hand-overs an operator can list, and supervision told of: region, other node, overdue

Revision ID: b6f2d8e4a1c7
Revises: b7e4c1a9d2f5
Create Date: 2026-12-01 00:40:00

``case_handovers`` gains the case's region (what a supervisor's listing filters on; filled
here from the case numbers, which begin with it) and the other node's region (``peer``):
filled here from each kept request — a hand-up names the region above (``to_region``), a
decision sent back names the child node's case, whose number begins with its region — and
when the hand-over was found overdue (``overdue_at``: set with the one ``case.handover_overdue``
event that says so).
"""
import sqlalchemy as sa
from alembic import op

revision = 'b6f2d8e4a1c7'
down_revision = 'b7e4c1a9d2f5'
branch_labels = None
depends_on = None


def _peer(kind: str, request: bytes) -> str:
    from sunlight.cases.v1 import cases_pb2 as pb  # noqa: PLC0415 - the contract of the rows

    if kind == "hand_up":
        return str(pb.ReceiveReportedCaseRequest.FromString(request).to_region)[:6]
    return str(pb.ReceiveReportedDecisionRequest.FromString(request).case_number)[:6]


def upgrade() -> None:
    with op.batch_alter_table("case_handovers") as batch:
        batch.add_column(sa.Column("region", sa.String(6), nullable=False, server_default=""))
        batch.add_column(sa.Column("peer", sa.String(6), nullable=False, server_default=""))
        batch.add_column(sa.Column("overdue_at", sa.DateTime(timezone=True)))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE case_handovers SET region = substr(case_number, 1, 6)"))
    rows = conn.execute(sa.text("SELECT id, kind, request FROM case_handovers")).all()
    for row in rows:
        conn.execute(sa.text("UPDATE case_handovers SET peer = :peer WHERE id = :id"),
                     {"peer": _peer(row.kind, bytes(row.request)), "id": row.id})
    op.create_index("ix_case_handovers_region", "case_handovers", ["region", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_case_handovers_region", table_name="case_handovers")
    with op.batch_alter_table("case_handovers") as batch:
        batch.drop_column("overdue_at")
        batch.drop_column("peer")
        batch.drop_column("region")
