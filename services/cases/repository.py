"""Loading and saving cases (adapter between CaseState and the tables)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.cases import storage as t
from services.cases.domain.cases import (
    Applicant,
    CaseState,
    CaseStatus,
    FlowStep,
    ItemSnapshot,
    StepState,
    StepStatus,
)
from services.shared.errors import NotFound


def _on_conflict_nothing(session: Session, table, **values):  # type: ignore[no-untyped-def]
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return session.execute(module.insert(table).values(**values).on_conflict_do_nothing())


class CaseRepository:
    def next_number(self, session: Session, region: str, day: str) -> int:
        """Next daily sequence of a region, under the row lock of its counter."""
        c = t.case_counters.c
        _on_conflict_nothing(session, t.case_counters, region=region, day=day, value=0)
        return session.execute(update(t.case_counters).where(
            c.region == region, c.day == day).values(value=c.value + 1).returning(c.value)
        ).scalar_one()

    def save_snapshot(self, session: Session, item: ItemSnapshot) -> None:
        _on_conflict_nothing(session, t.item_snapshots, item_id=item.item_id,
                             version=item.version, content=json.dumps(asdict(item)),
                             fetched_at=datetime.now(UTC))

    def add(self, session: Session, case: CaseState, accepted_by: str) -> None:
        session.execute(insert(t.cases).values(
            case_number=case.case_number, region=case.region, item_id=case.item.item_id,
            item_version=case.item.version, status=case.status.value,
            current_step=case.current_step,
            applicant=json.dumps(asdict(case.applicant), ensure_ascii=False),
            accepted_by=accepted_by, accepted_at=case.accepted_at,
            due_date=case.due_date, due_provisional=case.due_provisional,
            sequence=case.sequence))
        session.execute(insert(t.case_steps), [_step_row(case.case_number, s)
                                               for s in case.steps])

    def save(self, session: Session, case: CaseState, changed_steps: list[int]) -> None:
        session.execute(update(t.cases).where(t.cases.c.case_number == case.case_number).values(
            status=case.status.value, current_step=case.current_step,
            completed_at=case.completed_at, sequence=case.sequence))
        s = t.case_steps.c
        for index in changed_steps:
            row = _step_row(case.case_number, case.steps[index])
            session.execute(update(t.case_steps).where(
                s.case_number == case.case_number, s.step_index == index).values(**row))

    def get(self, session: Session, number: str, *, lock: bool = False) -> CaseState:
        query = select(t.cases).where(t.cases.c.case_number == number)
        if lock:
            query = query.with_for_update()
        row = session.execute(query).first()
        if row is None:
            raise NotFound(f"there is no case {number}", code="CASE_NOT_FOUND",
                           metadata={"case_number": number})
        snap = session.execute(select(t.item_snapshots.c.content).where(
            t.item_snapshots.c.item_id == row.item_id,
            t.item_snapshots.c.version == row.item_version)).scalar_one()
        raw = json.loads(snap)
        item = ItemSnapshot(**{**raw, "steps": tuple(FlowStep(**s) for s in raw["steps"])})
        steps = session.execute(select(t.case_steps).where(
            t.case_steps.c.case_number == number).order_by(t.case_steps.c.step_index)).all()
        return CaseState(
            case_number=row.case_number, region=row.region, item=item,
            applicant=Applicant(**json.loads(row.applicant)), accepted_at=row.accepted_at,
            due_date=row.due_date, due_provisional=row.due_provisional,
            steps=[StepState(index=s.step_index, key=s.key, name=s.name, role=s.role,
                             limit_days=s.limit_days, status=StepStatus(s.status),
                             started_at=s.started_at, completed_at=s.completed_at,
                             due_date=s.due_date, due_provisional=s.due_provisional,
                             handler=s.handler, opinion=s.opinion) for s in steps],
            status=CaseStatus(row.status), current_step=row.current_step,
            completed_at=row.completed_at, sequence=row.sequence)


def _step_row(number: str, step: StepState) -> dict[str, object]:
    return {"case_number": number, "step_index": step.index, "key": step.key,
            "name": step.name, "role": step.role, "limit_days": step.limit_days,
            "status": step.status.value, "started_at": step.started_at,
            "completed_at": step.completed_at, "due_date": step.due_date,
            "due_provisional": step.due_provisional, "handler": step.handler,
            "opinion": step.opinion}
