"""efficiency evaluation: a fact per closed case and per action recorded; the department's
code on each case's view (backlogs by department); warnings by the time they were raised

Revision ID: c8e1f4a2b6d9
Revises: 5b7c9d1e3f20
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c8e1f4a2b6d9'
down_revision = '5b7c9d1e3f20'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("case_watches") as batch:
        batch.add_column(sa.Column("department_code", sa.String(18), nullable=False,
                                   server_default=""))
    # the views kept so far name their department's code inside their state (JSON)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE case_watches SET department_code = "
                   "COALESCE(state::json->>'department_code', '')")
    else:
        op.execute("UPDATE case_watches SET department_code = "
                   "COALESCE(json_extract(state, '$.department_code'), '')")
    op.create_index("ix_case_watches_open", "case_watches",
                    ["region", "department_code", "item_id"],
                    postgresql_where=sa.text("NOT closed"), sqlite_where=sa.text("NOT closed"))
    op.create_table(
        "evaluation_cases",
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("stopped_days", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(16)),
        sa.Column("closed_on", sa.String(10)),
        sa.Column("accepted_on", sa.String(10)),
        sa.Column("decided_by", sa.String(128), nullable=False, server_default=""),
        sa.Column("working_days", sa.Integer()),
        sa.Column("promised_days", sa.Integer()),
        sa.Column("promised_left", sa.Integer()),
        sa.Column("over_statutory", sa.Boolean(), nullable=False,
                  server_default=sa.false()),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    for name, column in (("department", "department_code"), ("region", "region"),
                         ("item", "item_id"), ("decided_by", "decided_by")):
        op.create_index(f"ix_evaluation_cases_{name}", "evaluation_cases",
                        [column, "closed_on"])
    op.create_table(
        "evaluation_steps",
        sa.Column("case_number", sa.String(50), primary_key=True),
        sa.Column("ref", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("handler", sa.String(128), nullable=False),
        sa.Column("done_on", sa.String(10), nullable=False),
        sa.Column("due", sa.String(10)),
        sa.Column("late_days", sa.Integer()),
        sa.Column("online", sa.Boolean(), nullable=False),
    )
    for name, column in (("department", "department_code"), ("region", "region"),
                         ("item", "item_id"), ("handler", "handler")):
        op.create_index(f"ix_evaluation_steps_{name}", "evaluation_steps", [column, "done_on"])
    op.create_index("ix_warnings_raised", "warnings", ["raised_at"])


def downgrade() -> None:
    op.drop_index("ix_warnings_raised", "warnings")
    op.drop_table("evaluation_steps")
    op.drop_table("evaluation_cases")
    op.drop_index("ix_case_watches_open", "case_watches")
    with op.batch_alter_table("case_watches") as batch:
        batch.drop_column("department_code")
