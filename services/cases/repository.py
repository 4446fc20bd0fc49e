"""Loading and saving cases (adapter between CaseState and the tables).

Statements are built once (bound parameters) and executed on a Core connection or an ORM
session. Item snapshots are immutable (a published version never changes), so each is read
from the database once per process and then served from memory.

A step transition runs in a ``CaseStore`` unit of work. On PostgreSQL the unit talks to the
driver directly, with the SQL that SQLAlchemy compiles from the same table definitions:
``BEGIN``, claiming the idempotency key, locking the case row and reading its steps go to
the server as one query (one round trip), and the writes (case, steps, outbox row, wake-up
of the relay) with ``COMMIT`` as a second one. Elsewhere (SQLite) the same unit runs the
Core statements one by one. Either way it is one transaction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
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
from services.shared.db import Database, dialect_name, run_script
from services.shared.errors import NotFound
from services.shared.events import Event
from services.shared.idempotency import IdempotencyStore
from services.shared.outbox import Outbox

Executor = Session | Connection
_DIALECTS = (("postgresql", postgresql), ("sqlite", sqlite))

_c, _s = t.cases.c, t.case_steps.c
_SELECT_CASE = select(t.cases).where(_c.case_number == bindparam("p_number"))
_SELECT_CASE_LOCKED = _SELECT_CASE.with_for_update()
_SELECT_STEPS = select(t.case_steps).where(
    _s.case_number == bindparam("p_number")).order_by(_s.step_index)
_SELECT_SNAPSHOT = select(t.item_snapshots.c.content).where(
    t.item_snapshots.c.item_id == bindparam("p_item"),
    t.item_snapshots.c.version == bindparam("p_version"))
_INSERT_SNAPSHOT = {name: m.insert(t.item_snapshots).on_conflict_do_nothing()
                    for name, m in _DIALECTS}
_INSERT_COUNTER = {name: m.insert(t.case_counters).on_conflict_do_nothing()
                   for name, m in _DIALECTS}
_BUMP_COUNTER = update(t.case_counters).where(
    t.case_counters.c.region == bindparam("p_region"),
    t.case_counters.c.day == bindparam("p_day")).values(
    value=t.case_counters.c.value + 1).returning(t.case_counters.c.value)
_INSERT_CASE = insert(t.cases)
_INSERT_STEPS = insert(t.case_steps)
_UPDATE_CASE = update(t.cases).where(_c.case_number == bindparam("p_number")).values(
    status=bindparam("status"), current_step=bindparam("current_step"),
    completed_at=bindparam("completed_at"), sequence=bindparam("sequence"))
# What a transition may change in a step (its key, name, role and limit never change).
_UPDATE_STEP = update(t.case_steps).where(
    _s.case_number == bindparam("p_number"), _s.step_index == bindparam("p_index")).values(
    status=bindparam("status"), started_at=bindparam("started_at"),
    completed_at=bindparam("completed_at"), due_date=bindparam("due_date"),
    due_provisional=bindparam("due_provisional"), handler=bindparam("handler"),
    opinion=bindparam("opinion"))


class CaseRepository:
    def __init__(self) -> None:
        self._snapshots: dict[tuple[str, int], ItemSnapshot] = {}
        self._lock = threading.Lock()

    def next_number(self, session: Executor, region: str, day: str) -> int:
        """Next daily sequence of a region, under the row lock of its counter."""
        session.execute(_INSERT_COUNTER[dialect_name(session)],
                        {"region": region, "day": day, "value": 0})
        return session.execute(_BUMP_COUNTER, {"p_region": region, "p_day": day}).scalar_one()

    def save_snapshot(self, session: Executor, item: ItemSnapshot) -> None:
        session.execute(_INSERT_SNAPSHOT[dialect_name(session)], {
            "item_id": item.item_id, "version": item.version,
            "content": json.dumps(asdict(item)), "fetched_at": datetime.now(UTC)})

    def add(self, session: Executor, case: CaseState, accepted_by: str) -> None:
        session.execute(_INSERT_CASE, {
            "case_number": case.case_number, "region": case.region,
            "item_id": case.item.item_id, "item_version": case.item.version,
            "status": case.status.value, "current_step": case.current_step,
            "applicant": json.dumps(asdict(case.applicant), ensure_ascii=False),
            "accepted_by": accepted_by, "accepted_at": case.accepted_at,
            "completed_at": None, "due_date": case.due_date,
            "due_provisional": case.due_provisional, "sequence": case.sequence})
        session.execute(_INSERT_STEPS, [_step_row(case.case_number, s) for s in case.steps])

    def save(self, session: Executor, case: CaseState, changed_steps: list[int]) -> None:
        session.execute(_UPDATE_CASE, {
            "p_number": case.case_number, "status": case.status.value,
            "current_step": case.current_step, "completed_at": case.completed_at,
            "sequence": case.sequence})
        # one executemany: psycopg sends the rows in one pipeline, one round trip
        session.execute(_UPDATE_STEP, [{
            "p_number": case.case_number, "p_index": index,
            "status": step.status.value, "started_at": step.started_at,
            "completed_at": step.completed_at, "due_date": step.due_date,
            "due_provisional": step.due_provisional, "handler": step.handler,
            "opinion": step.opinion} for index in changed_steps
            for step in (case.steps[index],)])

    def get(self, session: Executor, number: str, *, lock: bool = False) -> CaseState:
        row = session.execute(_SELECT_CASE_LOCKED if lock else _SELECT_CASE,
                              {"p_number": number}).first()
        if row is None:
            raise _not_found(number)
        item = self.cached_snapshot(row[_C_ITEM], row[_C_VERSION])
        if item is None:
            item = self.remember(row[_C_ITEM], row[_C_VERSION], session.execute(
                _SELECT_SNAPSHOT, {"p_item": row[_C_ITEM], "p_version": row[_C_VERSION]}
            ).scalar_one())
        return case_from_rows(row, session.execute(_SELECT_STEPS, {"p_number": number}).all(),
                              item)

    def cached_snapshot(self, item_id: str, version: int) -> ItemSnapshot | None:
        """The pinned item version from memory: published versions are immutable, so a
        cached snapshot can never be stale."""
        return self._snapshots.get((item_id, version))

    def remember(self, item_id: str, version: int, content: str) -> ItemSnapshot:
        """Parse a stored snapshot and keep it for the life of the process."""
        raw = json.loads(content)
        item = ItemSnapshot(**{**raw, "steps": tuple(FlowStep(**s) for s in raw["steps"])})
        with self._lock:
            if len(self._snapshots) >= 10_000:  # bound the memory of a long-lived process
                self._snapshots.clear()
            self._snapshots[(item_id, version)] = item
        return item


def _step_row(number: str, step: StepState) -> dict[str, object]:
    return {"case_number": number, "step_index": step.index, "key": step.key,
            "name": step.name, "role": step.role, "limit_days": step.limit_days,
            "status": step.status.value, "started_at": step.started_at,
            "completed_at": step.completed_at, "due_date": step.due_date,
            "due_provisional": step.due_provisional, "handler": step.handler,
            "opinion": step.opinion}


def _not_found(number: str) -> NotFound:
    return NotFound(f"there is no case {number}", code="CASE_NOT_FOUND",
                    metadata={"case_number": number})


_CASE_COLUMNS = [c.key for c in t.cases.columns]
_STEP_COLUMNS = [c.key for c in t.case_steps.columns]
_C_ITEM, _C_VERSION = _CASE_COLUMNS.index("item_id"), _CASE_COLUMNS.index("item_version")


def case_from_rows(row: Any, steps: Any, item: ItemSnapshot) -> CaseState:
    """A case from its row and its step rows, as selected by ``select(table)`` (columns
    in table order), whether they come from SQLAlchemy or straight from the driver."""
    c = dict(zip(_CASE_COLUMNS, row, strict=True))
    step_states = []
    for step_row in steps:
        s = dict(zip(_STEP_COLUMNS, step_row, strict=True))
        step_states.append(StepState(
            index=s["step_index"], key=s["key"], name=s["name"], role=s["role"],
            limit_days=s["limit_days"], status=StepStatus(s["status"]),
            started_at=s["started_at"], completed_at=s["completed_at"],
            due_date=s["due_date"], due_provisional=s["due_provisional"],
            handler=s["handler"], opinion=s["opinion"]))
    return CaseState(
        case_number=c["case_number"], region=c["region"], item=item,
        applicant=Applicant(**json.loads(c["applicant"])), accepted_at=c["accepted_at"],
        due_date=c["due_date"], due_provisional=c["due_provisional"], steps=step_states,
        status=CaseStatus(c["status"]), current_step=c["current_step"],
        completed_at=c["completed_at"], sequence=c["sequence"])


def _update_case_params(case: CaseState) -> dict[str, object]:
    return {"p_number": case.case_number, "status": case.status.value,
            "current_step": case.current_step, "completed_at": case.completed_at,
            "sequence": case.sequence}


def _update_step_params(case: CaseState, index: int) -> dict[str, object]:
    step = case.steps[index]
    return {"p_number": case.case_number, "p_index": index, "status": step.status.value,
            "started_at": step.started_at, "completed_at": step.completed_at,
            "due_date": step.due_date, "due_provisional": step.due_provisional,
            "handler": step.handler, "opinion": step.opinion}


class CaseUnit(Protocol):
    """One transaction on one case: claim the key and lock the case, then write."""

    def claim_and_lock(self, principal: str, key: str, operation: str, print_: str,
                       response: bytes, number: str) -> tuple[CaseState, bool]:
        """The case, locked; True when the key had been used already (a replay)."""

    def save(self, case: CaseState, changed_steps: list[int]) -> None: ...

    def emit(self, event: Event) -> None: ...


class _CoreUnit:
    """The unit on SQLAlchemy Core, statement by statement (SQLite, and any dialect)."""

    def __init__(self, conn: Connection, store: CaseStore) -> None:
        self.conn, self.store = conn, store

    def claim_and_lock(self, principal: str, key: str, operation: str, print_: str,
                       response: bytes, number: str) -> tuple[CaseState, bool]:
        replayed = self.store.idempotency.claim(self.conn, principal, key, operation, print_,
                                                response) is not None
        return self.store.repo.get(self.conn, number, lock=not replayed), replayed

    def save(self, case: CaseState, changed_steps: list[int]) -> None:
        self.store.repo.save(self.conn, case, changed_steps)

    def emit(self, event: Event) -> None:
        self.store.outbox.add(self.conn, event)


def _pg(statement: Any) -> str:
    """SQL text of a Core statement for psycopg (named %(…)s parameters)."""
    return statement.compile(dialect=pg_psycopg.dialect()).string


class _PgSql:
    """The statements of a transition, compiled once from the table definitions."""

    def __init__(self, idempotency: IdempotencyStore, outbox: Outbox) -> None:
        k = idempotency.table.c
        self.claim = _pg(postgresql.insert(idempotency.table).values(
            {c.key: bindparam(c.key) for c in idempotency.table.columns}
        ).on_conflict_do_nothing().returning(k.key))
        self.lookup = _pg(select(k.operation, k.fingerprint, k.response).where(
            k.principal == bindparam("p_principal"), k.key == bindparam("p_key")))
        self.case_locked = _pg(_SELECT_CASE_LOCKED)
        self.steps = _pg(_SELECT_STEPS)
        self.snapshot = _pg(_SELECT_SNAPSHOT)
        self.update_case = _pg(_UPDATE_CASE)
        self.update_step = _pg(_UPDATE_STEP)
        self.insert_event = _pg(insert(outbox.table).values(
            {name: bindparam(name) for name in Outbox.ROW_FIELDS}))
        self.notify = outbox.notify_sql


class _PgUnit:
    """The unit on the psycopg connection: two round trips in all (``run_script``)."""

    def __init__(self, conn: Any, store: CaseStore, sql: _PgSql) -> None:
        self.conn, self.store, self.sql = conn, store, sql
        self._writes: list[tuple[str, dict[str, Any] | None]] = []
        self._notify = False

    def claim_and_lock(self, principal: str, key: str, operation: str, print_: str,
                       response: bytes, number: str) -> tuple[CaseState, bool]:
        conn, sql = self.conn, self.sql
        _, claimed, rows, step_rows = run_script(conn, [
            ("BEGIN", None),
            (sql.claim, {"principal": principal, "key": key, "operation": operation,
                         "fingerprint": print_, "response": response,
                         "created_at": datetime.now(UTC)}),
            (sql.case_locked, {"p_number": number}),
            (sql.steps, {"p_number": number})])
        replayed = not claimed
        if replayed:  # the key was used before: same request (replay) or another (refused)
            (first,) = run_script(conn, [(sql.lookup, {"p_principal": principal,
                                                       "p_key": key})])
            if not first:  # pragma: no cover - see IdempotencyStore.busy
                raise IdempotencyStore.busy(key)
            IdempotencyStore.replay(first[0], key, operation, print_)
        if not rows:
            raise _not_found(number)
        row = rows[0]
        repo = self.store.repo
        item = repo.cached_snapshot(row[_C_ITEM], row[_C_VERSION])
        if item is None:
            (content,) = run_script(conn, [(sql.snapshot, {"p_item": row[_C_ITEM],
                                                           "p_version": row[_C_VERSION]})])
            item = repo.remember(row[_C_ITEM], row[_C_VERSION], content[0][0])
        return case_from_rows(row, step_rows, item), replayed

    def save(self, case: CaseState, changed_steps: list[int]) -> None:
        self._writes.append((self.sql.update_case, _update_case_params(case)))
        self._writes.extend((self.sql.update_step, _update_step_params(case, index))
                            for index in changed_steps)

    def emit(self, event: Event) -> None:
        self._writes.append((self.sql.insert_event, self.store.outbox.row(event)))
        self._notify = self._notify or self.store.outbox.should_notify()

    def commit(self) -> None:
        notify = [(self.sql.notify, None)] if self._notify else []
        run_script(self.conn, [*self._writes, *notify, ("COMMIT", None)])


class CaseStore:
    """Units of work on cases, in the fastest form the database allows."""

    def __init__(self, db: Database, repo: CaseRepository, outbox: Outbox,
                 idempotency: IdempotencyStore) -> None:
        self.db, self.repo, self.outbox, self.idempotency = db, repo, outbox, idempotency
        self._pg = _PgSql(idempotency, outbox) if db.dialect == "postgresql" else None

    @contextmanager
    def begin(self) -> Iterator[CaseUnit]:
        """One transaction: committed when the block ends, rolled back on any error."""
        if self._pg is None:
            with self.db.begin() as conn:
                yield _CoreUnit(conn, self)
            return
        with self.db.driver_connection() as conn:
            unit = _PgUnit(conn, self, self._pg)
            yield unit
            unit.commit()
