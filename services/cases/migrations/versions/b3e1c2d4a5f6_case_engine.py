"""case engine: state, step instances, the trace (append-only) and daily roots

Cases of the walking skeleton are carried over, not lost: each becomes an in-progress (or
completed) case of the engine, mode promised, channel counter, its steps review steps of
stages in order and its last step the decision step, the steps that had started as step
instances ("s1", "s2", … in order), its applicant and its sequence kept; its trace starts
empty (the first action after the upgrade is its entry 1). Item snapshots are rewritten in the
engine's form with the same defaults (limits in working days; no acceptance step).

Revision ID: b3e1c2d4a5f6
Revises: 7726d3bf9ff4
Create Date: 2026-11-30 07:00:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'b3e1c2d4a5f6'
down_revision = '7726d3bf9ff4'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _limit(days):
    return {"days": int(days), "unit": "working_days"}


def _snapshot(old: dict) -> dict:
    steps = old.get("steps", [])
    return {
        "item_id": old["item_id"], "version": old["version"], "code": old["code"],
        "name": old["name"], "region": old["region"], "department": old["department"],
        "statutory": _limit(old["statutory_limit_days"]) if old.get("statutory_limit_days")
        else None,
        "promised": _limit(old.get("promised_limit_days") or old.get("statutory_limit_days"))
        if (old.get("promised_limit_days") or old.get("statutory_limit_days")) else None,
        "steps": [{"key": s["key"], "name": s["name"],
                   "kind": "decision" if n == len(steps) - 1 else "review",
                   "role": s["role"], "limit": _limit(s["limit_days"]), "department": "",
                   "branches": [], "returns_to": [x["key"] for x in steps[:n]],
                   "high_risk": False} for n, s in enumerate(steps)],
        "modes": ["promised"], "materials": [], "procedures": [],
        "separate_acceptance_and_decision": True}


def _when(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value if "+" in value[10:] or value.endswith("Z") else value + "+00:00"
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"


def upgrade() -> None:
    conn = op.get_bind()
    old_cases = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM cases"))]
    old_steps = [dict(r._mapping) for r in conn.execute(sa.text(
        "SELECT * FROM case_steps ORDER BY case_number, step_index"))]
    snapshots = {(r.item_id, r.version): json.loads(r.content) for r in conn.execute(
        sa.text("SELECT item_id, version, content FROM item_snapshots"))}

    op.drop_table('case_steps')
    op.drop_table('cases')
    op.create_table(
        'cases',
        sa.Column('case_number', sa.String(length=50), nullable=False),
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('item_id', sa.String(length=36), nullable=False),
        sa.Column('item_version', sa.Integer(), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('state', sa.Text(), nullable=False),
        sa.Column('sequence', sa.BigInteger(), nullable=False),
        sa.Column('trace_seq', sa.BigInteger(), nullable=False),
        sa.Column('trace_head', sa.String(length=64), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_date', sa.String(length=10), server_default='', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('case_number'))
    op.create_index('ix_cases_region_status', 'cases', ['region', 'status'])
    op.create_table(
        'step_instances',
        sa.Column('case_number', sa.String(length=50), nullable=False),
        sa.Column('instance_id', sa.String(length=8), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=81), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('stage', sa.Integer(), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('assignee', sa.String(length=128), server_default='', nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_date', sa.String(length=10), server_default='', nullable=False),
        sa.Column('high_risk', sa.Boolean(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('case_number', 'instance_id'))
    op.create_index('ix_step_instances_queue', 'step_instances',
                    ['department', 'role', 'status', 'due_date'])
    op.create_table(
        'case_trace',
        sa.Column('case_number', sa.String(length=50), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=128), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=False),
        sa.Column('state_before', sa.String(length=16), nullable=False),
        sa.Column('state_after', sa.String(length=16), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('case_number', 'seq'))
    op.create_table(
        'trace_roots',
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('root', sa.String(length=64), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('region', 'day'))
    dialect = conn.dialect.name
    if dialect == "postgresql":
        op.execute("""CREATE OR REPLACE FUNCTION case_trace_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'the case trace is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER case_trace_no_update BEFORE UPDATE OR DELETE ON case_trace "
                   "FOR EACH ROW EXECUTE FUNCTION case_trace_append_only()")
    else:
        op.execute("CREATE TRIGGER case_trace_no_update BEFORE UPDATE ON case_trace "
                   "BEGIN SELECT RAISE(ABORT, 'the case trace is append-only'); END")
        op.execute("CREATE TRIGGER case_trace_no_delete BEFORE DELETE ON case_trace "
                   "BEGIN SELECT RAISE(ABORT, 'the case trace is append-only'); END")

    converted = {key: _snapshot(old) for key, old in snapshots.items()}
    for (item_id, version), snapshot in converted.items():
        conn.execute(sa.text("UPDATE item_snapshots SET content = :c WHERE item_id = :i "
                             "AND version = :v"),
                     {"c": json.dumps(snapshot, ensure_ascii=False), "i": item_id,
                      "v": version})
    steps_of: dict[str, list[dict]] = {}
    for step in old_steps:
        steps_of.setdefault(step["case_number"], []).append(step)
    cases_t = sa.table('cases', *(sa.column(c) for c in (
        'case_number', 'region', 'item_id', 'item_version', 'department', 'mode', 'status',
        'state', 'sequence', 'trace_seq', 'trace_head', 'submitted_at', 'accepted_at',
        'closed_at', 'due_date', 'updated_at')))
    instances_t = sa.table('step_instances', *(sa.column(c) for c in (
        'case_number', 'instance_id', 'position', 'key', 'name', 'stage', 'department',
        'region', 'role', 'status', 'assignee', 'started_at', 'completed_at', 'due_date',
        'high_risk')))
    for old in old_cases:
        item = converted[(old["item_id"], old["item_version"])]
        started = [s for s in steps_of.get(old["case_number"], []) if s["started_at"]]
        instances = [{
            "instance_id": f"s{n + 1}", "key": s["key"], "name": s["name"],
            "stage": s["step_index"], "branch": "", "department": item["department"],
            "region": old["region"], "role": s["role"], "limit": _limit(s["limit_days"]),
            "started_at": _when(s["started_at"]),
            "status": "done" if s["status"] == "done" else "active", "assignee": "",
            "completed_at": _when(s["completed_at"]), "completed_by": s["handler"],
            "opinion": s["opinion"], "high_risk": False} for n, s in enumerate(started)]
        status = "completed" if old["status"] == "completed" else "in_progress"
        state = {
            "number": old["case_number"], "region": old["region"], "item": item,
            "mode": "promised", "applicant": json.loads(old["applicant"]),
            "channel": "counter", "submitted_at": _when(old["accepted_at"]),
            "submitted_by": old["accepted_by"], "status": status, "agent": None,
            "materials": [], "instances": instances,
            "stage": max([i["stage"] for i in instances], default=-1),
            "accepted_at": _when(old["accepted_at"]), "accepted_by": old["accepted_by"],
            "clock": {"stops": []}, "procedures": [], "supplements": [], "decision": None,
            "extension_days": 0, "closed_at": _when(old["completed_at"]), "reason": "",
            "sequence": old["sequence"]}
        conn.execute(cases_t.insert().values(
            case_number=old["case_number"], region=old["region"], item_id=old["item_id"],
            item_version=old["item_version"], department=item["department"], mode="promised",
            status=status, state=json.dumps(state, ensure_ascii=False),
            sequence=old["sequence"], trace_seq=0, trace_head=GENESIS,
            submitted_at=old["accepted_at"], accepted_at=old["accepted_at"],
            closed_at=old["completed_at"],
            due_date=old["due_date"] if status == "in_progress" else "",
            updated_at=old["completed_at"] or old["accepted_at"]))
        for n, (instance, step) in enumerate(zip(instances, started, strict=True)):
            conn.execute(instances_t.insert().values(
                case_number=old["case_number"], instance_id=instance["instance_id"],
                position=n, key=instance["key"], name=instance["name"],
                stage=instance["stage"], department=item["department"],
                region=old["region"], role=instance["role"], status=instance["status"],
                assignee="", started_at=step["started_at"],
                completed_at=step["completed_at"],
                due_date=step["due_date"] if instance["status"] == "active" else "",
                high_risk=False))


def downgrade() -> None:
    """Back to the skeleton's tables — only while no case exists: the engine's cases cannot
    be turned back into the skeleton's (restore a backup taken before the upgrade)."""
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one():
        raise RuntimeError("cases exist: they cannot be turned back into the skeleton's; "
                           "restore a backup taken before the upgrade")
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_trace_no_update ON case_trace")
        op.execute("DROP FUNCTION IF EXISTS case_trace_append_only()")
    op.drop_table('trace_roots')
    op.drop_table('case_trace')
    op.drop_index('ix_step_instances_queue', table_name='step_instances')
    op.drop_table('step_instances')
    op.drop_index('ix_cases_region_status', table_name='cases')
    op.drop_table('cases')
    op.create_table(
        'cases',
        sa.Column('case_number', sa.String(length=50), nullable=False),
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('item_id', sa.String(length=36), nullable=False),
        sa.Column('item_version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('current_step', sa.Integer(), nullable=False),
        sa.Column('applicant', sa.Text(), nullable=False),
        sa.Column('accepted_by', sa.String(length=128), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_date', sa.String(length=10), nullable=False),
        sa.Column('due_provisional', sa.Boolean(), nullable=False),
        sa.Column('sequence', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['item_id', 'item_version'],
                                ['item_snapshots.item_id', 'item_snapshots.version']),
        sa.PrimaryKeyConstraint('case_number'))
    op.create_index('ix_cases_region_status', 'cases', ['region', 'status'])
    op.create_table(
        'case_steps',
        sa.Column('case_number', sa.String(length=50), nullable=False),
        sa.Column('step_index', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('limit_days', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_date', sa.String(length=10), nullable=False),
        sa.Column('due_provisional', sa.Boolean(), nullable=False),
        sa.Column('handler', sa.String(length=128), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('case_number', 'step_index'))
