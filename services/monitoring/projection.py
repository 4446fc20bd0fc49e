"""Applying events to supervision's tables, once each (inbox in the same transaction).

A case event updates the case's record and, through supervision's write path
(``Supervision.on_event``), the case's view, its warnings, their notifications and
supervision's own events — all in the transaction that stores the event's inbox row, so an
event is applied wholly or not at all, and never twice.

On PostgreSQL, the worker's batch of case events (``apply_batch``: the messages that arrived
while the previous batch's transaction ran) is applied in one transaction, and its messages
are acknowledged only once it has committed. The inbox rows, the records of first events and
the locks of existing records go in one round trip (``run_script``), the records' updates in
another, then supervision's statements. Other events, and every event on SQLite, go one by one
through SQLAlchemy Core.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from services.monitoring import storage as t
from services.monitoring.domain.records import CaseRecord, apply_case_event
from services.shared.db import Database, dialect_name, literal_rows, run_script
from services.shared.events import Event
from services.shared.outbox import Inbox

if TYPE_CHECKING:
    from services.monitoring.supervision import Supervision

log = logging.getLogger(__name__)
#: errors that mean "this event cannot be applied" — it lacks what it must carry (parked for
#: an operator); the database being unavailable is another matter (the event waits), and any
#: other error is a bug, which fails loudly (retried a few times, then dead-lettered)
UNAPPLICABLE = (ValueError, KeyError)
#: the database is unavailable or gave up the transaction (connection lost, server shutting
#: down, a deadlock, a statement timeout, no connection free in the pool): try the event again
#: later, as often as it takes. Any other database error (a constraint, a value it refuses) is
#: the event's own and would come again: a bug, like any other exception (``is_outage``).
DATABASE_ERRORS = (sqlalchemy_exc.OperationalError, sqlalchemy_exc.InterfaceError,
                   sqlalchemy_exc.DisconnectionError, sqlalchemy_exc.TimeoutError,
                   psycopg.OperationalError, psycopg.InterfaceError)
#: SQLSTATEs of transactions the server refused for reasons of its own, not the event's: read
#: only (a standby, a failover under way), idle-in-transaction and transaction timeouts
OUTAGE_STATES = frozenset({"25006", "25P03", "25P04"})


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unavailable for now (the event waits) rather
    than that it refuses this event (a bug)."""
    if isinstance(exc, DATABASE_ERRORS):
        return True
    if isinstance(exc, sqlalchemy_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig  # type: ignore[assignment]
    return isinstance(exc, psycopg.Error) and exc.sqlstate in OUTAGE_STATES


CONSUMER = "monitoring"

_r = t.case_records.c
_DIALECTS = (("postgresql", postgresql), ("sqlite", sqlite))
# The first event of a case inserts its record; racing events of the same case (several
# workers) wait on the key instead of failing on it, then update the record under its lock.
_INSERT_RECORD = {name: m.insert(t.case_records).on_conflict_do_nothing().returning(
    _r.case_number) for name, m in _DIALECTS}
_SELECT_RECORD = select(t.case_records).where(
    _r.case_number == bindparam("p_number")).with_for_update()
_UPDATE_RECORD = update(t.case_records).where(_r.case_number == bindparam("p_number"))
_RECORD_COLUMNS = [c.key for c in t.case_records.columns]


def _pg(statement: Any) -> str:
    """SQL text of a Core statement for psycopg (named %(…)s parameters)."""
    return statement.compile(dialect=pg_psycopg.dialect()).string


Outcome = bool | BaseException


class _PgSql:
    def __init__(self) -> None:
        def all_bound(table):  # type: ignore[no-untyped-def]
            return {c.key: bindparam(c.key) for c in table.columns}

        self.inbox = _pg(postgresql.insert(t.inbox).values(all_bound(t.inbox))
                         .on_conflict_do_nothing().returning(t.inbox.c.event_id))
        self.update_record = _pg(_UPDATE_RECORD.values(
            {k: bindparam(k) for k in _RECORD_COLUMNS if k != "case_number"}))
        inbox_columns = [c.key for c in t.inbox.columns]
        self.inbox_many = (f"INSERT INTO inbox ({', '.join(inbox_columns)}) VALUES {{}} "
                           "ON CONFLICT DO NOTHING RETURNING event_id")
        self.records_many = (f"INSERT INTO case_records ({', '.join(_RECORD_COLUMNS)}) "
                             "VALUES {} ON CONFLICT DO NOTHING RETURNING case_number")
        self.lock_records = (f"SELECT {', '.join(_RECORD_COLUMNS)} FROM case_records "
                             "WHERE case_number = ANY(%(numbers)s) ORDER BY case_number "
                             "FOR UPDATE")


class Projection:
    def __init__(self, db: Database, supervision: Supervision | None = None) -> None:
        self.db = db
        #: supervision's write path, applied in the transaction of each case event
        self.supervision = supervision
        self.inbox = Inbox(t.inbox, CONSUMER)
        self._pg = _PgSql() if db.dialect == "postgresql" else None

    def apply(self, event: Event) -> bool:
        """Apply one event; False when it had been applied before (a duplicate)."""
        if self._pg is not None and event.type.startswith("case."):
            (outcome,) = self.apply_case_events([event])
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        with self.db.begin() as s:
            if not self.inbox.first_time(s, event):
                return False
            if event.type.startswith("case."):
                self._case(s, event)
                if self.supervision is not None:
                    self.supervision.on_event(s, event)
            elif event.type.startswith("item."):
                self._item(s, event)
            return True

    def _case(self, s, event: Event) -> None:  # type: ignore[no-untyped-def]
        number = event.data.get("case_number")
        if not number:
            raise ValueError(f"case event {event.event_id} has no case_number")
        first = asdict(apply_case_event(None, event.type, event.occurred_at, event.data,
                                        datetime.now(UTC)))
        if s.execute(_INSERT_RECORD[dialect_name(s)], first).first() is not None:
            return  # the first event seen of this case
        row = s.execute(_SELECT_RECORD, {"p_number": number}).first()
        record = apply_case_event(CaseRecord(**row._mapping), event.type, event.occurred_at,
                                  event.data, datetime.now(UTC))
        values = asdict(record)
        del values["case_number"]
        s.execute(_UPDATE_RECORD, {"p_number": number, **values})

    def apply_batch(self, events: Sequence[Event]) -> list[Outcome]:
        """Case events in their order, per event True (applied), False (a duplicate) or the
        error that keeps it from being applied; a database outage (``is_outage``) is
        raised (none of them is known applied: each may be tried again, the inbox keeps it
        from counting twice). On PostgreSQL in one transaction (``apply_case_events``), on
        SQLite one by one."""
        if self._pg is not None:
            return self.apply_case_events(events)
        outcomes: list[Outcome] = []
        for event in events:
            try:
                outcomes.append(self.apply(event))
            except Exception as exc:  # noqa: BLE001 - the caller tells unapplicable from a bug
                if is_outage(exc):
                    raise
                outcomes.append(exc)
        return outcomes

    def apply_case_events(self, events: Sequence[Event]) -> list[Outcome]:
        """Apply case events in one PostgreSQL transaction, in their order; per event True
        (applied), False (a duplicate) or the error that keeps it from being applied."""
        if len(events) == 1:
            return [self._one(events[0])]
        try:
            return self._apply_batch(events)
        except Exception as exc:  # noqa: BLE001 - found below, event by event
            if is_outage(exc):
                raise  # every event of the batch waits
            # an event that fails once applied (unapplicable, or a bug a rule has with it):
            # find it by applying them one by one (the batch was rolled back), so that the
            # others go ahead
            return [self._one(event) for event in events]

    def _one(self, event: Event) -> Outcome:
        try:
            return self._apply_batch([event])[0]
        except Exception as exc:  # noqa: BLE001 - the caller tells unapplicable from a bug
            if is_outage(exc):
                raise
            return exc

    def _apply_batch(self, events: Sequence[Event]) -> list[Outcome]:
        sql = self._pg
        assert sql is not None
        now = datetime.now(UTC)
        outcomes: list[Outcome] = [False] * len(events)
        firsts: dict[str, dict[str, Any]] = {}  # case → its record as of its first event here
        first_of: dict[str, int] = {}  # case → the event that record comes from
        valid: list[int] = []
        for i, event in enumerate(events):
            try:
                number = event.data.get("case_number")
                if not number:
                    raise ValueError(f"case event {event.event_id} has no case_number")
                first = apply_case_event(None, event.type, event.occurred_at, event.data, now)
            except UNAPPLICABLE as exc:
                outcomes[i] = exc  # the caller parks it; the others go ahead
                continue
            valid.append(i)
            if number not in firsts:
                firsts[number], first_of[number] = dict(vars(first)), i
        if not valid:
            return outcomes
        numbers = sorted(firsts)  # one lock order for every transaction
        # psycopg opens the transaction on the first statement; SQLAlchemy's Connection (for
        # supervision's write path) runs in the same one and commits it
        with self.db.begin() as sa:
            conn = sa.connection.driver_connection
            inbox_rows = sorted({(self.inbox.consumer, events[i].event_id, events[i].type, now)
                                 for i in valid})
            new_ids, inserted, rows = run_script(conn, [
                (sql.inbox_many.format(literal_rows(conn, inbox_rows)), None),
                (sql.records_many.format(literal_rows(conn, [
                    tuple(firsts[n][c] for c in _RECORD_COLUMNS) for n in numbers])), None),
                (sql.lock_records, {"numbers": numbers})])
            fresh = {r[0] for r in new_ids or ()}
            inserted_now = {r[0] for r in inserted or ()}  # first events of new cases
            records = {r[0]: CaseRecord(**dict(zip(_RECORD_COLUMNS, r, strict=True)))
                       for r in rows or ()}
            changed: set[str] = set()
            for i in valid:
                event = events[i]
                if event.event_id not in fresh:
                    continue  # applied before (or twice in this batch): False
                fresh.discard(event.event_id)
                number = event.data["case_number"]
                if number in inserted_now and first_of[number] == i:
                    pass  # the record was inserted from this very event
                else:
                    records[number] = apply_case_event(
                        records[number], event.type, event.occurred_at, event.data,
                        datetime.now(UTC))
                    changed.add(number)
                outcomes[i] = True
            if changed:
                run_script(conn, [(sql.update_record, {"p_number": n, **vars(records[n])})
                                  for n in sorted(changed)])
            applied = [events[i] for i in valid if outcomes[i] is True]
            if self.supervision is not None and applied:
                self.supervision.on_events(sa, applied)
        return outcomes

    def _item(self, s, event: Event) -> None:  # type: ignore[no-untyped-def]
        """Catalogue events: the standards library, and change obligations."""
        module = postgresql if dialect_name(s) == "postgresql" else sqlite
        if "obligation" in event.data:
            self._obligation(s, module, event)
            return
        item = event.data.get("item") or {}
        if not item.get("item_id"):
            raise ValueError(f"item event {event.event_id} has no item")
        values = {"item_id": item["item_id"], "version": int(item.get("version", 0)),
                  "region": event.region, "status": item.get("status", ""),
                  "state": item.get("state", ""),
                  "content": json.dumps(item.get("content", {}), ensure_ascii=False),
                  "updated_at": datetime.now(UTC)}
        stmt = module.insert(t.standards).values(**values)
        s.execute(stmt.on_conflict_do_update(
            index_elements=["item_id", "version"],
            set_={k: stmt.excluded[k] for k in ("status", "state", "content",
                                                 "updated_at")}))

    def _obligation(self, s, module, event: Event) -> None:  # type: ignore[no-untyped-def]
        o = event.data["obligation"]
        if not o.get("obligation_id"):
            raise ValueError(f"obligation event {event.event_id} has no obligation_id")
        values = {"obligation_id": o["obligation_id"], "item_id": o.get("item_id", ""),
                  "region": o.get("region", event.region),
                  "department": o.get("department", ""),
                  "description": o.get("description", ""), "due_date": o.get("due_date", ""),
                  "status": o.get("status", ""), "updated_at": datetime.now(UTC),
                  "department_code": o.get("department_code", ""),
                  "kind": o.get("kind", ""), "law": str(o.get("law", ""))[:200],
                  "effective_on": o.get("effective_on") or None}
        stmt = module.insert(t.catalogue_obligations).values(**values)
        current = t.catalogue_obligations.c.status
        # a late "open" never overwrites "overdue" or "fulfilled", nor a late "overdue"
        # "fulfilled" (order-tolerant)
        keep = case((current == "OBLIGATION_STATUS_FULFILLED", current),
                    (stmt.excluded.status == "OBLIGATION_STATUS_OPEN", current),
                    else_=stmt.excluded.status)
        s.execute(stmt.on_conflict_do_update(
            index_elements=["obligation_id"],
            set_={"status": keep, "due_date": stmt.excluded.due_date,
                  "updated_at": stmt.excluded.updated_at,
                  **{k: stmt.excluded[k] for k in ("department_code", "kind", "law",
                                                   "effective_on")}}))

    def park(self, body: bytes | str, routing_key: str, reason: str,
             event_id: str | None = None) -> None:
        """Keep a message that cannot be applied, for an operator to inspect and replay."""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        with self.db.begin() as s:
            s.execute(insert(t.parked_events).values(
                event_id=event_id, routing_key=routing_key, body=text, reason=reason,
                parked_at=datetime.now(UTC)))
        log.error("parked event %s (%s): %s", event_id, routing_key, reason)

    def record(self, number: str) -> CaseRecord | None:
        with self.db.read() as s:
            row = s.execute(select(t.case_records).where(
                t.case_records.c.case_number == number)).first()
        return CaseRecord(**row._mapping) if row else None
