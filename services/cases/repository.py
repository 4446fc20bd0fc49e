"""The case service's one unit of work: state, step instances, trace and outbox, together.

Every write of the case service goes through ``CaseStore.unit()``: one transaction in which a
case is read (locked) and written back with its changed step instances, the trace entries of
its events (hash-chained to the case's trace head) and their outbox rows. Statements are
declared once, from the tables, for both databases.

On PostgreSQL the unit talks to the driver directly, with the SQL that SQLAlchemy compiles from
the same statements: ``BEGIN``, claiming the idempotency key and locking the case go to the
server as one query (one round trip), and every write with ``COMMIT`` as a second one. On
SQLite the same statements run one by one on a Core connection. Either way: one transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import namedtuple
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    bindparam,
    false,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from services.cases import storage as t
from services.cases.codec import (
    case_from_json,
    case_json,
    snapshot_from_json,
    snapshot_json,
)
from services.cases.domain.flow import ItemSnapshot
from services.cases.domain.model import Case
from services.cases.domain.trace import GENESIS, TraceEntry
from services.shared.broker import PARTITION_HEADER
from services.shared.db import Database, literal_rows, run_script
from services.shared.errors import NotFound
from services.shared.events import Event
from services.shared.idempotency import IdempotencyStore
from services.shared.outbox import Outbox
from services.shared.recent import Recent
from services.shared.telemetry import current_traceparent

_DIALECTS = (("postgresql", postgresql), ("sqlite", sqlite))
#: the columns a hand-over row is written with (``CaseUnit.keep_handover``)
HANDOVER_FIELDS = ("case_number", "kind", "method", "request", "idempotency_key",
                   "created_at", "attempts", "next_attempt_at", "region", "peer")
_c, _i, _k = t.cases.c, t.step_instances.c, t.idempotency_keys.c
#: where a hand-over stands: its state's name → the condition on ``case_handovers``'s columns
HANDOVER_STATES: dict[str, Callable[[Any], Any]] = {
    "pending": lambda h: h.delivered_at.is_(None) & h.last_error.is_(None),
    "failing": lambda h: h.delivered_at.is_(None) & h.last_error.is_not(None),
    "delivered": lambda h: h.delivered_at.is_not(None),
}


def _accesses(others_only: bool) -> tuple[Any, Any]:
    """A case's reads, newest first (a page of them), and how many there are."""
    a = t.case_accesses.c
    where = [a.case_number == bindparam("p_number")]
    if others_only:  # as ix_case_accesses_case_others holds them: NOT own (SQLite: own = 0)
        where.append(not_(a.own))
    return (select(t.case_accesses).where(*where).order_by(a.at.desc(), a.id.desc())
            .offset(bindparam("p_offset")).limit(bindparam("p_limit")),
            select(func.count()).select_from(t.case_accesses).where(*where))


#: ``CaseStore.accesses``' statements: (rows, count), by ``others_only``
_ACCESSES = {False: _accesses(False), True: _accesses(True)}
#: a row of ``case_accesses`` as the API reads it (``services.cases.api._access``)
AccessRow = namedtuple("AccessRow", [c.key for c in t.case_accesses.columns])  # type: ignore[misc]


def _upsert_instance(module: Any) -> Any:
    statement = module.insert(t.step_instances)
    return statement.on_conflict_do_update(
        index_elements=[_i.case_number, _i.instance_id],
        set_={name: statement.excluded[name] for name in (
            "status", "assignee", "completed_at", "due_date")})


class _Statements:
    """Every statement of the unit, built once; compiled for psycopg on PostgreSQL."""

    def __init__(self, dialect: str, outbox: Outbox) -> None:
        module = postgresql if dialect == "postgresql" else sqlite
        self.claim = module.insert(t.idempotency_keys).values(
            {c.key: bindparam(c.key) for c in t.idempotency_keys.columns}
        ).on_conflict_do_nothing().returning(_k.key)
        self.lookup = select(_k.operation, _k.fingerprint, _k.response).where(
            _k.principal == bindparam("p_principal"), _k.key == bindparam("p_key"))
        self.save_key = insert(t.idempotency_keys).values(
            {c.key: bindparam(c.key) for c in t.idempotency_keys.columns})
        self.set_response = update(t.idempotency_keys).where(
            _k.principal == bindparam("p_principal"), _k.key == bindparam("p_key")).values(
            response=bindparam("response"))
        self.insert_party = insert(t.case_parties).values(
            {c.key: bindparam(c.key) for c in t.case_parties.columns})
        # the applicant's side: their cases by identity, the receipt's query code, the reads
        self.insert_applicant = insert(t.case_applicants).values(
            {c.key: bindparam(c.key) for c in t.case_applicants.columns})
        self.insert_query_code = insert(t.case_query_codes).values(
            {c.key: bindparam(c.key) for c in t.case_query_codes.columns})
        self.insert_access = insert(t.case_accesses).values(
            {c.key: bindparam(c.key) for c in t.case_accesses.columns if c.key != "id"})
        # an applicant's (or party's) own read, audited only if the case is theirs: with the
        # case's read, in the same round trip (``CaseStore.read_own_case``)
        accesses = t.case_accesses
        columns = [c.key for c in accesses.columns if c.key != "id"]
        self.insert_own_access = insert(accesses).from_select(columns, select(
            *(bindparam(name, type_=accesses.c[name].type) for name in columns)).where(or_(
                select(t.case_applicants.c.case_number).where(
                    t.case_applicants.c.party_key == bindparam("p_key"),
                    t.case_applicants.c.case_number == bindparam("p_case")).exists(),
                select(t.case_parties.c.case_number).where(
                    t.case_parties.c.party_key == bindparam("p_key"),
                    t.case_parties.c.case_number == bindparam("p_case")).exists()))
        ).returning(accesses.c.id)
        self.case = select(_c.state, _c.trace_seq, _c.trace_head, _c.sequence).where(
            _c.case_number == bindparam("p_number"))
        self.case_locked = self.case.with_for_update()
        self.snapshot = select(t.item_snapshots.c.content).where(
            t.item_snapshots.c.item_id == bindparam("p_item"),
            t.item_snapshots.c.version == bindparam("p_version"))
        self.insert_snapshot = module.insert(t.item_snapshots).values(
            {c.key: bindparam(c.key) for c in t.item_snapshots.columns}
        ).on_conflict_do_nothing()
        self.insert_counter = module.insert(t.case_counters).values(
            region=bindparam("region"), day=bindparam("day"), value=bindparam("value")
        ).on_conflict_do_nothing()
        self.bump_counter = update(t.case_counters).where(
            t.case_counters.c.region == bindparam("p_region"),
            t.case_counters.c.day == bindparam("p_day")).values(
            value=t.case_counters.c.value + literal_column("1")).returning(
            t.case_counters.c.value)
        self.insert_case = insert(t.cases).values(
            {c.key: bindparam(c.key) for c in t.cases.columns})
        self.update_case = update(t.cases).where(_c.case_number == bindparam("p_number")).values(
            {name: bindparam(name) for name in (
                "status", "state", "sequence", "trace_seq", "trace_head", "accepted_at",
                "closed_at", "due_date", "updated_at")})
        self.upsert_instance = _upsert_instance(module).values(
            {c.key: bindparam(c.key) for c in t.step_instances.columns})
        self.insert_trace = insert(t.case_trace).values(
            {c.key: bindparam(c.key) for c in t.case_trace.columns})
        self.insert_event = insert(outbox.table).values(
            {name: bindparam(name) for name in Outbox.ROW_FIELDS})
        # 上报件 across nodes: a call to another node, delivered by the case relay
        self.insert_handover = insert(t.case_handovers).values(
            {name: bindparam(name) for name in HANDOVER_FIELDS})
        # documents (文书): the next number of a department, kind and year, and the document
        counters = t.document_counters
        bump = module.insert(counters).values(
            region=bindparam("region"), department=bindparam("department"),
            year=bindparam("year"), kind=bindparam("kind"), value=literal_column("1"))
        self.bump_document_counter = bump.on_conflict_do_update(
            index_elements=[counters.c.region, counters.c.department, counters.c.year,
                            counters.c.kind],
            set_={"value": counters.c.value + literal_column("1")}).returning(
            counters.c.value)
        self.insert_document = insert(t.case_documents).values(
            {c.key: bindparam(c.key) for c in t.case_documents.columns
             if c.key not in ("pdf", "pdf_sha256", "layout", "rendered_at")})
        self.pg: dict[str, str] = {}
        #: on PostgreSQL, reads outside units compiled for psycopg (``CaseStore.accesses``)
        self.pg_reads: dict[str, str] = {}
        #: on PostgreSQL, statements written for many rows at once: one INSERT with a row
        #: per value set (name → the SQL before the rows, their columns, the SQL after)
        self.pg_many: dict[str, tuple[str, tuple[str, ...], str]] = {}
        if dialect == "postgresql":
            pg = pg_psycopg.dialect()
            self.pg = {name: statement.compile(dialect=pg).string
                       for name, statement in vars(self).items()
                       if name not in ("pg", "pg_many", "pg_reads")}
            self.pg["notify"] = outbox.notify_sql
            for others_only, (rows, count) in _ACCESSES.items():
                self.pg_reads[f"accesses{int(others_only)}"] = rows.compile(dialect=pg).string
                self.pg_reads[f"accesses_count{int(others_only)}"] = count.compile(
                    dialect=pg).string
            upsert = ", ".join(f'"{c}" = excluded."{c}"' for c in (
                "status", "assignee", "completed_at", "due_date"))
            for name, table, columns, tail in (
                    ("insert_trace", t.case_trace, None, ""),
                    ("insert_event", outbox.table, Outbox.ROW_FIELDS, ""),
                    ("upsert_instance", t.step_instances, None,
                     ' ON CONFLICT ("case_number", "instance_id") DO UPDATE SET ' + upsert)):
                names = tuple(columns or (c.key for c in table.columns))
                quoted = ", ".join(f'"{c}"' for c in names)
                self.pg_many[name] = (f'INSERT INTO "{table.name}" ({quoted}) VALUES ',
                                      names, tail)


@dataclass(frozen=True)
class Stored:
    """A case as stored: its state and the head of its trace."""

    case: Case
    trace_seq: int
    trace_head: str


class CaseUnit:
    """One transaction. Reads go to the database at once; on PostgreSQL the writes are sent
    together with COMMIT when the block ends."""

    def __init__(self, store: CaseStore, conn: Any, pg: bool) -> None:
        self.store, self.conn, self.pg = store, conn, pg
        self._writes: list[tuple[str, Any]] = []  # (statement name, params)
        #: what to do once the transaction has committed
        self.committed: list[Callable[[], None]] = []
        self._notify = False
        self._began = False

    # --- running statements ---------------------------------------------------------------
    def _read(self, *statements: tuple[str, dict[str, Any]]) -> list[list[tuple[Any, ...]]]:
        sql = self.store.sql
        if self.pg:
            script = [] if self._began else [("BEGIN", None)]
            self._began = True
            script += [(sql.pg[name], params) for name, params in statements]
            results = run_script(self.conn, script)
            return [r or [] for r in results[len(script) - len(statements):]]
        found = []
        for name, params in statements:
            result = self.conn.execute(getattr(sql, name), params)
            found.append(list(result.all()) if result.returns_rows else [])
        return found

    def _write(self, name: str, params: Any) -> None:
        if self.pg:
            self._writes.append((name, params))
        else:
            self.conn.execute(getattr(self.store.sql, name), params)

    def commit(self) -> None:
        if not self.pg:
            return
        sql = self.store.sql
        script: list[tuple[str, dict[str, Any] | None]] = [] if self._began else [
            ("BEGIN", None)]
        if self._writes and all(name == "insert_access" for name, _ in self._writes):
            # a unit of audit rows alone: committed without waiting for the WAL's fsync
            # (``keep_access``); a unit that changes a case keeps the server's setting
            script.append(("SET LOCAL synchronous_commit TO off", None))
        for name, params in self._writes:
            many = sql.pg_many.get(name) if isinstance(params, list) else None
            if many is not None:
                head, columns, tail = many
                rows = literal_rows(self.conn, [tuple(row[c] for c in columns)
                                                for row in params])
                script.append((head + rows + tail, None))
                continue
            for one in params if isinstance(params, list) else [params]:
                script.append((sql.pg[name], one))
        if self._notify:
            script.append((sql.pg["notify"], None))
        run_script(self.conn, [*script, ("COMMIT", None)])

    # --- idempotency ----------------------------------------------------------------------
    def claim_and_load(self, principal: str, key: str, operation: str, print_: str,
                       number: str) -> tuple[Stored, bytes | None]:
        """Claim the key and lock the case (one round trip on PostgreSQL); the first answer
        when the key was used before for this very request (a replay), else None. Conflict
        when it was used for another request."""
        claimed, rows = self._read(
            ("claim", {"principal": principal, "key": key, "operation": operation,
                       "fingerprint": print_, "response": b"{}",
                       "created_at": datetime.now(UTC)}),
            ("case_locked", {"p_number": number}))
        answer = None
        if not claimed:
            (first,) = self._read(("lookup", {"p_principal": principal, "p_key": key}))
            if not first:  # pragma: no cover - a conflicting row is visible once committed
                raise IdempotencyStore.busy(key)
            answer = IdempotencyStore.replay(first[0], key, operation, print_)
        return self._stored(number, rows), answer

    def answer_with(self, principal: str, key: str, response: bytes) -> None:
        """The answer a claimed key replays (a recorded refusal: the same refusal)."""
        self._write("set_response", {"p_principal": principal, "p_key": key,
                                     "response": response})

    def number_unless_replayed(self, principal: str, key: str, operation: str, print_: str,
                               region: str, day: str) -> tuple[int, bytes | None]:
        """The region's next daily sequence (under its counter's row lock), and the first
        answer when the key was used before for this very request (a replay: the caller rolls
        the unit back, giving the number back) — one round trip on PostgreSQL. Conflict when
        the key was used for another request."""
        found, _, (row,) = self._read(
            ("lookup", {"p_principal": principal, "p_key": key}),
            ("insert_counter", {"region": region, "day": day, "value": 0}),
            ("bump_counter", {"p_region": region, "p_day": day}))
        answer = IdempotencyStore.replay(found[0], key, operation, print_) if found else None
        return int(row[0]), answer

    def save_key(self, principal: str, key: str, operation: str, print_: str,
                 response: bytes) -> None:
        self._write("save_key", {"principal": principal, "key": key, "operation": operation,
                                 "fingerprint": print_, "response": response,
                                 "created_at": datetime.now(UTC)})

    # --- cases ------------------------------------------------------------------------------
    def load(self, number: str, *, lock: bool = True) -> Stored:
        (rows,) = self._read(("case_locked" if lock else "case", {"p_number": number}))
        return self._stored(number, rows)

    def _stored(self, number: str, rows: list[tuple[Any, ...]]) -> Stored:
        if not rows:
            raise NotFound(f"there is no case {number}", code="CASE_NOT_FOUND",
                           metadata={"case_number": number})
        state, trace_seq, trace_head, sequence = rows[0]
        return Stored(self.store.decode_at(number, sequence, state, self._snapshot),
                      trace_seq, trace_head)

    def _snapshot(self, item_id: str, version: int) -> str | None:
        (rows,) = self._read(("snapshot", {"p_item": item_id, "p_version": version}))
        return rows[0][0] if rows else None

    # --- documents (services.cases.documents.issuing) ---------------------------------------
    def next_document_serial(self, region: str, department: str, year: int, kind: str) -> int:
        """The next serial of a department's documents of a kind in a year, under the row
        lock of its counter until this unit commits (a rollback gives it back)."""
        (rows,) = self._read(("bump_document_counter", {
            "region": region, "department": department, "year": year, "kind": kind}))
        return int(rows[0][0])

    def keep_document(self, row: dict[str, Any]) -> None:
        """A document issued in this unit (its content; the PDF comes later)."""
        self._write("insert_document", row)

    def keep_handover(self, case_number: str, kind: str, method: str, request: bytes,
                      key: str, *, region: str, peer: str) -> None:
        """A call to another node (``peer``, its region) this unit decided to make (上报件
        across nodes) for a case of ``region``: kept with the case's change, delivered by
        the case relay once committed."""
        now = datetime.now(UTC)
        self._write("insert_handover", {
            "case_number": case_number, "kind": kind, "method": method, "request": request,
            "idempotency_key": key, "created_at": now, "attempts": 0,
            "next_attempt_at": now, "region": region, "peer": peer})

    def keep_applicants(self, case: Case, query_code: str) -> None:
        """A new case's applicant and agent (by the key of their identity: their own cases
        are listed by it) and the query code its receipt prints."""
        capacities: dict[str, str] = {}
        for capacity, party in (("applicant", case.applicant), ("agent", case.agent)):
            if party is not None and party.id_number:
                capacities.setdefault(party_key(party.id_type, party.id_number), capacity)
        for key, capacity in capacities.items():
            self._write("insert_applicant", {"party_key": key, "case_number": case.number,
                                             "capacity": capacity,
                                             "submitted_at": case.submitted_at})
        self._write("insert_query_code", {"case_number": case.number,
                                          "query_code": query_code})

    def keep_access(self, row: dict[str, Any]) -> None:
        """One read of a case's file (``services.cases.audit.record``), appended. A unit
        that writes nothing else commits on PostgreSQL without waiting for the WAL to reach
        the disk (``synchronous_commit`` off for that transaction alone): the read does not
        wait for an fsync, and only a crash of the database server itself within its WAL
        writer's delay (a fraction of a second) could lose the last rows — never a case's
        state, whose transactions keep the server's setting."""
        self._write("insert_access", row)

    def keep_snapshot(self, item: ItemSnapshot) -> None:
        """Store the item version a case is pinned to, once: a version whose row is known
        to be committed (rows are never changed or removed) is not written again."""
        self.store.remember(item)
        key = (item.item_id, item.version)
        if key in self.store.stored_snapshots:
            return
        self._write("insert_snapshot", {"item_id": item.item_id, "version": item.version,
                                        "content": snapshot_json(item),
                                        "fetched_at": datetime.now(UTC)})
        self.committed.append(lambda: self.store.stored_snapshots.add(key))

    def save(self, before: Stored | None, case: Case, trace: Sequence[TraceEntry],
             events: Sequence[tuple[Event, str]], due_date: str,
             instance_due: dict[str, str], refresh: Collection[str] | None = None) -> None:
        """Write the case after its new events: state, changed instances, trace, outbox.
        ``events``: the outbox events with their routing keys; ``instance_due``: the due
        date of every running instance; ``refresh``: instances whose row is written even
        if they did not change (their due date may have; all running ones by default)."""
        if refresh is None:
            refresh = instance_due
        now = datetime.now(UTC)
        head = trace[-1] if trace else None
        values = {"status": case.status.value, "state": case_json(case),
                  "sequence": case.sequence,
                  "trace_seq": head.seq if head else (before.trace_seq if before else 0),
                  "trace_head": head.hash if head else (before.trace_head if before
                                                        else GENESIS),
                  "accepted_at": case.accepted_at, "closed_at": case.closed_at,
                  "due_date": due_date, "updated_at": now}
        if before is None:
            self._write("insert_case", {
                "case_number": case.number, "region": case.region,
                "item_id": case.item.item_id, "item_version": case.item.version,
                "department": case.item.department, "mode": case.mode.value,
                "submitted_at": case.submitted_at,
                "applicant_name": case.applicant.name[:200], **values})
            keys = dict.fromkeys(party_key(p.id_type, p.id_number) for p in case.parties)
            for key in keys:
                self._write("insert_party", {
                    "party_key": key, "case_number": case.number,
                    "item_id": case.item.item_id, "region": case.region,
                    "opened_at": case.submitted_at})
        else:
            self._write("update_case", {"p_number": case.number, **values})
        previous = {i.instance_id: i for i in before.case.instances} if before else {}
        changed = [
            {"case_number": case.number, "instance_id": i.instance_id, "position": n,
             "key": i.key, "name": i.name, "stage": i.stage, "department": i.department,
             "department_code": i.department_code, "region": i.region, "role": i.role,
             "status": i.status.value,
             "assignee": i.assignee, "started_at": i.started_at,
             "completed_at": i.completed_at, "due_date": instance_due.get(i.instance_id, ""),
             "high_risk": i.high_risk}
            for n, i in enumerate(case.instances)
            if previous.get(i.instance_id) != i or i.instance_id in refresh]
        if changed:
            self._write("upsert_instance", changed)
        if trace:
            self._write("insert_trace", [
                {"case_number": e.case_number, "seq": e.seq, "region": case.region,
                 "at": e.at, "actor": e.actor, "role": e.role, "department": e.department,
                 "action": e.action, "opinion": e.opinion, "state_before": e.state_before,
                 "state_after": e.state_after, "data": json.dumps(e.data, ensure_ascii=False,
                                                                   sort_keys=True),
                 "prev_hash": e.prev_hash, "hash": e.hash} for e in trace])
        if events:
            outbox = self.store.outbox
            # the request's trace context, and the case (supervision's partitions hash it:
            # services.shared.broker.PARTITION_HEADER): the same for all
            headers = json.dumps({**current_traceparent(), PARTITION_HEADER: case.number})
            self._write("insert_event", [outbox.row(event, routing_key, headers)
                                         for event, routing_key in events])
            if self.pg:
                self._notify = self._notify or outbox.should_notify()
            else:
                outbox.notify_if_due(self.conn)


#: a case number's beginning, as searched
_CASE_NUMBER_START = re.compile(r"^[0-9A-Za-z-]{6,50}$")


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def party_key(id_type: str, id_number: str) -> str:
    """The key a party's cases are found by: SHA-256 of ``<id_type>:<id_number>``."""
    return hashlib.sha256(f"{id_type}:{id_number.upper()}".encode()).hexdigest()


#: how long the total of a queue longer than a page is taken as it was counted (seconds): a
#: department's inbox, asked for by each of its handlers, counts its running steps (tens of
#: thousands on a busy node) once in this time, not once a page; its rows are read afresh
#: every time, and a queue that ends on the page read is counted by its rows
QUEUE_COUNT_TTL_S = 2.0


class RecentCounts:
    """Totals by the query that counted them, each for ``ttl_s`` seconds (thread-safe)."""

    KEPT = 1000

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self._counts: dict[Any, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> int | None:
        with self._lock:
            found = self._counts.get(key)
        return found[1] if found and found[0] > self.clock() else None

    def put(self, key: Any, total: int) -> None:
        now = self.clock()
        with self._lock:
            if len(self._counts) >= self.KEPT:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
                if len(self._counts) >= self.KEPT:
                    self._counts.clear()
            self._counts[key] = (now + self.ttl_s, total)


#: cases decoded lately, by case number and event sequence: a case's state at a sequence
#: never changes (it is the fold of its events up to there) and a decoded Case is immutable,
#: so the inbox's first page, a case page asked for twice or a transition after a read decode
#: the stored JSON once
DECODED_KEPT = 4096


class CaseStore:
    """Units of work on cases, in the fastest form the database allows."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db, self.outbox = db, outbox
        self.sql = _Statements(db.dialect, outbox)
        self._snapshots: dict[tuple[str, int], ItemSnapshot] = {}
        self._lock = threading.Lock()
        #: item versions whose snapshot row is committed
        self.stored_snapshots: set[tuple[str, int]] = set()
        #: the totals of the queues asked for lately (a page's rows are always read)
        self._queue_counts = RecentCounts(QUEUE_COUNT_TTL_S)
        #: the queue's statements by the shape of their filters (``_queue_statements``)
        self._queue_shapes: dict[tuple[Any, ...], tuple[tuple[Any, Any], tuple[str, str]]] = {}
        self.decoded: Recent[Case] = Recent(DECODED_KEPT)

    @contextmanager
    def unit(self) -> Iterator[CaseUnit]:
        """One transaction: committed when the block ends, rolled back on any error."""
        if self.db.dialect != "postgresql":
            with self.db.begin() as conn:
                unit = CaseUnit(self, conn, pg=False)
                yield unit
        else:
            with self.db.driver_connection() as conn:
                unit = CaseUnit(self, conn, pg=True)
                yield unit
                unit.commit()
        for done in unit.committed:
            done()

    def remember(self, item: ItemSnapshot) -> ItemSnapshot:
        """Keep a snapshot for decoding (published versions never change); the one kept."""
        key = (item.item_id, item.version)
        with self._lock:
            known = self._snapshots.get(key)
            if known is not None:
                return known
            if len(self._snapshots) >= 10_000:  # bound a long-lived process's memory
                self._snapshots.clear()
            self._snapshots[key] = item
            return item

    def decode(self, state: str, fetch: Callable[[str, int], str | None] | None = None
               ) -> Case:
        """A stored case with its item snapshot, shared by every case of that version: from
        memory, else read (by ``fetch`` on the caller's connection, or on one of its own)."""
        def snapshot(item_id: str, version: int) -> ItemSnapshot:
            known = self._snapshots.get((item_id, version))
            if known is not None:
                return known
            content = fetch(item_id, version) if fetch is not None else self._content(
                item_id, version)
            if content is None:
                raise NotFound(f"item {item_id} version {version} of a stored case is not "
                               "kept", code="SNAPSHOT_NOT_FOUND")
            return self.remember(snapshot_from_json(content))

        case = case_from_json(state, snapshot)
        item = self.remember(case.item)
        return case if item is case.item else replace(case, item=item)

    def decode_at(self, number: str, sequence: int, state: str,
                  fetch: Callable[[str, int], str | None] | None = None) -> Case:
        """``decode`` of the state a case had at ``sequence``, from memory when decoded
        lately."""
        case = self.decoded.get((number, sequence))
        if case is None:
            case = self.decode(state, fetch)
            self.decoded.put((number, sequence), case)
        return case

    # --- reads outside units ------------------------------------------------------------
    def read_case(self, number: str) -> Stored:
        """A case as stored now. On PostgreSQL one statement in autocommit (one round trip,
        its own snapshot), on the driver's connection."""
        if self.sql.pg:
            with self.db.driver_connection() as conn:
                row = conn.execute(self.sql.pg["case"], {"p_number": number}).fetchone()
        else:
            with self.db.begin() as conn:
                row = conn.execute(self.sql.case, {"p_number": number}).first()
        if row is None:
            raise NotFound(f"there is no case {number}", code="CASE_NOT_FOUND",
                           metadata={"case_number": number})
        return Stored(self.decode_at(number, row[3], row[0]), row[1], row[2])

    def read_own_case(self, number: str, key: str, row: dict[str, Any]
                      ) -> tuple[Stored, bool]:
        """A case read by its applicant, agent or party (``key``: their ``party_key``), and
        their read audited (``row``) if the case is theirs by ``case_applicants`` or
        ``case_parties`` — both in one transaction, on PostgreSQL in one round trip with the
        case's read (``synchronous_commit`` off for it, as ``CaseUnit.keep_access``). (The
        case, whether the row was written.)"""
        params = {**row, "p_key": key, "p_case": number}
        if self.sql.pg:
            with self.db.driver_connection() as conn:
                results = run_script(conn, [
                    ("BEGIN", None), ("SET LOCAL synchronous_commit TO off", None),
                    (self.sql.pg["insert_own_access"], params),
                    (self.sql.pg["case"], {"p_number": number}), ("COMMIT", None)])
            recorded, found = bool(results[2]), (results[3] or [None])[0]
        else:
            with self.db.begin() as conn:
                recorded = conn.execute(self.sql.insert_own_access, params).first() is not None
                found = conn.execute(self.sql.case, {"p_number": number}).first()
        if found is None:
            raise NotFound(f"there is no case {number}", code="CASE_NOT_FOUND",
                           metadata={"case_number": number})
        return Stored(self.decode_at(number, found[3], found[0]), found[1], found[2]), recorded

    # --- 上报件 across nodes: the hand-over outbox ---------------------------------------------
    def deliver_due(self, send: Callable[[Any], tuple[str | None, str | None]],
                    backoff: Callable[[int], float], limit: int = 10,
                    lease_s: float = 60.0,
                    announce: Callable[[Any], tuple[Event, str]] | None = None) -> int:
        """Deliver the hand-overs due now, oldest first; ``send(row)`` calls the other node
        and returns (answer, None) once it answered, or (None, why not). The rows are taken
        in a short transaction that moves their next attempt ``lease_s`` on (no other relay
        takes them meanwhile; a relay killed mid-call leaves them to be tried again then),
        the calls are made with no transaction open, and each outcome is recorded in its own:
        delivered rows keep their answer, the others their error and their next attempt
        (``backoff(attempts)`` seconds on). A delivered row that had been found overdue
        (``mark_overdue``) gets the event ``announce(row as delivered)`` makes (and its
        routing key) in the outbox, in the transaction that records the delivery. The number
        delivered."""
        h = t.case_handovers.c
        due = h.delivered_at.is_(None) & (h.next_attempt_at <= datetime.now(UTC))
        with self.db.read() as conn:  # the relay looks every second: no write lock for that
            if conn.execute(select(h.id).where(due).limit(1)).first() is None:
                return 0
        with self.db.begin() as conn:
            rows = conn.execute(select(t.case_handovers).where(due).order_by(h.id)
                                .limit(limit).with_for_update(skip_locked=True)).all()
            if rows:
                conn.execute(update(t.case_handovers).where(h.id.in_([r.id for r in rows]))
                             .values(next_attempt_at=datetime.now(UTC)
                                     + timedelta(seconds=lease_s)))
        delivered = 0
        for row in rows:
            answer, error = send(row)
            values: dict[str, Any] = {"attempts": row.attempts + 1}
            if answer is not None:
                values.update(delivered_at=datetime.now(UTC), answer=answer, last_error=None)
                delivered += 1
            else:
                values.update(last_error=(error or "")[:2000],
                              next_attempt_at=datetime.now(UTC) + timedelta(
                                  seconds=backoff(row.attempts + 1)))
            with self.db.begin() as conn:
                done = conn.execute(update(t.case_handovers).where(
                    h.id == row.id, h.delivered_at.is_(None)).values(**values)).rowcount
                if done and answer is not None and announce is not None:
                    after = conn.execute(select(t.case_handovers).where(h.id == row.id)).one()
                    if after.overdue_at is not None:
                        self._announce(conn, after, announce)
        return delivered

    def mark_overdue(self, kept_before: datetime,
                     announce: Callable[[Any], tuple[Event, str]], limit: int = 100) -> int:
        """Mark the hand-overs kept before ``kept_before`` and still undelivered as overdue,
        each once: ``overdue_at`` set and the event ``announce(row as marked)`` makes (with
        its routing key) in the outbox, in one transaction (rows locked, skipped by another
        relay marking at the same time). The number marked."""
        h = t.case_handovers.c
        due = (h.delivered_at.is_(None) & h.overdue_at.is_(None)
               & (h.created_at <= kept_before))
        with self.db.read() as conn:  # looked for every round: no write lock for that
            if conn.execute(select(h.id).where(due).limit(1)).first() is None:
                return 0
        with self.db.begin() as conn:
            rows = conn.execute(select(t.case_handovers).where(due).order_by(h.id)
                                .limit(limit).with_for_update(skip_locked=True)).all()
            if not rows:
                return 0
            ids = [r.id for r in rows]
            conn.execute(update(t.case_handovers).where(h.id.in_(ids))
                         .values(overdue_at=datetime.now(UTC)))
            for row in conn.execute(select(t.case_handovers).where(h.id.in_(ids))
                                    .order_by(h.id)):
                self._announce(conn, row, announce)
        return len(rows)

    def _announce(self, conn: Any, row: Any,
                  announce: Callable[[Any], tuple[Event, str]]) -> None:
        """The event about a hand-over, into the outbox in ``conn``'s transaction (partitioned
        by its case, as the case's own events)."""
        event, key = announce(row)
        headers = json.dumps({**current_traceparent(), PARTITION_HEADER: row.case_number})
        conn.execute(self.outbox.table.insert().values(self.outbox.row(event, key, headers)))

    def handovers(self, case_number: str) -> list[Any]:
        """The hand-overs of a case, oldest first (what crossed, and what came back)."""
        with self.db.read() as session:
            return list(session.execute(select(t.case_handovers).where(
                t.case_handovers.c.case_number == case_number).order_by(
                t.case_handovers.c.id)).all())

    def list_handovers(self, region_filter: Callable[[Any], Any], *, state: str = "",
                       kind: str = "", peer: str = "", number: str = "", offset: int = 0,
                       limit: int = 50) -> tuple[list[Any], int]:
        """The hand-overs of the cases within ``region_filter`` (of the case's region),
        newest first, and how many there are: in one ``state`` (``HANDOVER_STATES``), of
        one ``kind``, to one ``peer``, of one case, when named."""
        h = t.case_handovers.c
        where = [region_filter(h.region)]
        if state:
            where.append(HANDOVER_STATES[state](h))
        if kind:
            where.append(h.kind == kind)
        if peer:
            where.append(h.peer == peer)
        if number:
            where.append(h.case_number == number)
        with self.db.read() as s:
            rows = list(s.execute(select(t.case_handovers).where(*where).order_by(
                h.created_at.desc(), h.id.desc()).offset(offset).limit(limit)).all())
            total = int(s.execute(select(func.count()).select_from(t.case_handovers)
                                  .where(*where)).scalar_one())
        return rows, total

    def replay(self, principal: str, key: str, operation: str, print_: str) -> bytes | None:
        """The first answer of a key used before for this very request, else None (Conflict
        when it was used for another): on PostgreSQL one statement in autocommit."""
        params = {"p_principal": principal, "p_key": key}
        if self.sql.pg:
            with self.db.driver_connection() as conn:
                row = conn.execute(self.sql.pg["lookup"], params).fetchone()
        else:
            with self.db.begin() as conn:
                row = conn.execute(self.sql.lookup, params).first()
        return IdempotencyStore.replay(row, key, operation, print_) if row else None

    # --- the applicant's side ------------------------------------------------------------------
    def log_access(self, row: dict[str, Any]) -> None:
        """One read of a case's file, appended through a unit of its own (one round trip on
        PostgreSQL: BEGIN, the row, COMMIT; see ``CaseUnit.keep_access``)."""
        with self.unit() as unit:
            unit.keep_access(row)

    def accesses(self, number: str, offset: int, limit: int, *, others_only: bool = False
                 ) -> tuple[list[Any], int]:
        """The reads of a case's file, newest first, and how many there are;
        ``others_only``: not those by the case's own applicant. On PostgreSQL both in one
        round trip, on one snapshot."""
        params = {"p_number": number, "p_offset": offset, "p_limit": limit}
        rows_of, count_of = _ACCESSES[others_only]
        if self.sql.pg:
            with self.db.driver_connection() as conn:
                results = run_script(conn, [
                    ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", None),
                    (self.sql.pg_reads[f"accesses{int(others_only)}"], params),
                    (self.sql.pg_reads[f"accesses_count{int(others_only)}"], params),
                    ("COMMIT", None)])
            return [AccessRow(*r) for r in results[1] or ()], int((results[2] or [(0,)])[0][0])
        with self.db.read() as s:
            rows = list(s.execute(rows_of, params).all())
            total = int(s.execute(count_of, params).scalar_one())
        return rows, total

    def audit(self, region_filter: Callable[[Any], Any], number: str, subject: str,
              subject_keys: Sequence[str], since: datetime | None, until: datetime | None,
              offset: int, limit: int) -> tuple[list[Any], int]:
        """The audit of case-file reads within ``region_filter`` (of the case's region),
        of one case and one reader when named (its subject as rows show it, or one of the
        HMACs of its full subject, ``subject_keys``), at or after ``since`` and before
        ``until``: newest first, and how many there are."""
        a = t.case_accesses.c
        where = [region_filter(a.region)]
        if number:
            where.append(a.case_number == number)
        if subject:
            where.append(or_(a.subject == subject, a.subject_key.in_(list(subject_keys)))
                         if subject_keys else a.subject == subject)
        if since is not None:
            where.append(a.at >= since)
        if until is not None:
            where.append(a.at < until)
        with self.db.read() as s:
            rows = list(s.execute(select(t.case_accesses).where(*where).order_by(
                a.at.desc(), a.id.desc()).offset(offset).limit(limit)).all())
            total = int(s.execute(select(func.count()).select_from(t.case_accesses)
                                  .where(*where)).scalar_one())
        return rows, total

    def cases_of_person(self, key: str, offset: int, limit: int) -> tuple[list[Case], int]:
        """The cases a person applied for (or applied for as agent) and those opened against
        them as a party (立案), newest first."""
        a, p = t.case_applicants.c, t.case_parties.c
        theirs = union_all(
            select(a.case_number.label("number"), a.submitted_at.label("at")).where(
                a.party_key == key),
            select(p.case_number.label("number"), p.opened_at.label("at")).where(
                p.party_key == key)).subquery()
        query = select(_c.state).join(theirs, theirs.c.number == _c.case_number)
        with self.db.read() as s:
            states = list(s.execute(query.order_by(theirs.c.at.desc(), theirs.c.number.desc())
                                    .offset(offset).limit(limit)).scalars())
            total = int(s.execute(select(func.count()).select_from(theirs)).scalar_one())
        return [self.decode(state) for state in states], total

    def query_code(self, number: str) -> str:
        """The query code of a case's receipt ("" for a case stored before codes)."""
        q = t.case_query_codes.c
        with self.db.read() as s:
            found = s.execute(select(q.query_code).where(q.case_number == number)).scalar()
        return found or ""

    def _content(self, item_id: str, version: int) -> str | None:
        with self.db.begin() as conn:
            return conn.execute(self.sql.snapshot, {"p_item": item_id,  # type: ignore[no-any-return]
                                                    "p_version": version}).scalar()

    def snapshot(self, item_id: str, version: int) -> ItemSnapshot | None:
        content = self._content(item_id, version)
        return None if content is None else snapshot_from_json(content)

    def trace(self, number: str) -> list[TraceEntry]:
        tr = t.case_trace.c
        with self.db.begin() as conn:
            rows = conn.execute(select(t.case_trace).where(tr.case_number == number)
                                .order_by(tr.seq)).all()
        return [TraceEntry(r.case_number, r.seq, r.at, r.actor, r.role, r.department,
                           r.action, r.opinion, r.state_before, r.state_after,
                           json.loads(r.data), r.prev_hash, r.hash) for r in rows]

    def queue(self, departments: Sequence[str] | None, roles: Sequence[str] | None,
              regions: Sequence[str] | None, assignee: str | None, unclaimed_only: bool,
              offset: int, limit: int, *, branches_only: bool = False,
              due_before: str | None = None, search: str = "") -> tuple[list[Any], int]:
        """Running step instances, earliest due first (empty due dates — stopped clocks —
        last), each as (case number, instance id, its case's state, the case's event
        sequence, the case's due date). ``departments``: their codes; ``regions``: the
        prefixes of the region codes within reach (None: any); ``branches_only``: parallel
        branches only (keyed ``<step>/<branch>``); ``due_before``: only those due before this
        day (YYYY-MM-DD: late); ``search``: a case number's beginning (6 characters or more)
        or words of the applicant's name."""
        text = search.strip()
        by_number = bool(text) and bool(_CASE_NUMBER_START.match(text))
        shape = (None if departments is None else len(departments),
                 None if roles is None else len(roles),
                 None if regions is None else len(regions), assignee is not None,
                 unclaimed_only, branches_only, due_before is not None,
                 "number" if by_number else "name" if text else "")
        params: dict[str, Any] = {"p_offset": offset, "p_limit": limit, "p_empty": "",
                                  "p_branch": "%/%"}
        for name, values in (("p_department", departments), ("p_role", roles)):
            params.update({f"{name}{n}": v for n, v in enumerate(values or ())})
        params.update({f"p_region{n}": f"{p}%" for n, p in enumerate(regions or ())})
        if assignee is not None:
            params["p_assignee"] = assignee
        if due_before is not None:
            params["p_due_before"] = due_before
        if text:
            params["p_name"] = f"%{_like_escaped(text)}%"
            params["p_number"] = f"{_like_escaped(text)}%"
        (page, count), pg = self._queue_statements(shape)
        key = (tuple(departments) if departments is not None else None,
               tuple(roles) if roles is not None else None,
               tuple(regions) if regions is not None else None, assignee, unclaimed_only,
               branches_only, due_before, text)

        def page_and_total(run: Callable[[int], list[Any]]) -> tuple[list[Any], int]:
            """``run(0)``: the page's rows, ``run(1)``: the count's."""
            found = run(0)
            if len(found) < limit and (found or not offset):
                return found, offset + len(found)  # the last page: the total is known
            total = self._queue_counts.get(key)
            if total is None or total < offset + len(found):
                # counted on a snapshot of its own, a moment after the page's: never fewer
                # than the rows already shown
                total = max(int(run(1)[0][0]), offset + len(found))
                self._queue_counts.put(key, total)
            return found, total

        if self.sql.pg:  # compiled for psycopg, on the driver's connection: one round trip
            with self.db.driver_connection() as conn:
                return page_and_total(lambda n: conn.execute(pg[n], params).fetchall())
        with self.db.read() as s:
            return page_and_total(lambda n: list(s.execute((page, count)[n], params).all()))

    def _queue_statements(self, shape: tuple[Any, ...]
                          ) -> tuple[tuple[Any, Any], tuple[str, str]]:
        """The queue's page and count statements of one shape of filters (how many
        departments, roles and regions; which filters), with bound parameters: built once,
        and on PostgreSQL compiled once for psycopg."""
        found = self._queue_shapes.get(shape)
        if found is not None:
            return found
        departments, roles, regions, assignee, unclaimed_only, branches_only, due_before, \
            search = shape
        # The page's steps are chosen from step_instances alone (an index of the running
        # steps in the queue's order answers it, stopped at the page's end), then joined to
        # their cases: the states of the page's cases only are read, and the count never
        # joins them. The literals (not bound parameters) of the status and the order let
        # PostgreSQL match the partial index and its order expression in every plan,
        # prepared ones included.
        query = select(_i.case_number, _i.instance_id, _i.due_date, _i.started_at).where(
            _i.status == literal_column("'active'"))
        if search:
            by_name = _c.applicant_name.like(bindparam("p_name"), escape="\\")
            query = query.where(select(_c.case_number).where(
                _c.case_number == _i.case_number,
                or_(_c.case_number.like(bindparam("p_number"), escape="\\"), by_name)
                if search == "number" else by_name).exists())
        if departments is not None:
            query = query.where(_i.department_code.in_(
                [bindparam(f"p_department{n}") for n in range(departments)])
                if departments else false())
        if branches_only:
            query = query.where(_i.key.like(bindparam("p_branch")))
        if due_before:
            query = query.where(_i.due_date != bindparam("p_empty"),
                                _i.due_date < bindparam("p_due_before"))
        if roles is not None:  # none: no position, no step (an empty IN, as before)
            query = query.where(_i.role.in_([bindparam(f"p_role{n}") for n in range(roles)])
                                if roles else false())
        if regions is not None:
            query = query.where(or_(false(), *(_i.region.like(bindparam(f"p_region{n}"))
                                               for n in range(regions))))
        if assignee:
            query = query.where(_i.assignee == bindparam("p_assignee"))
        if unclaimed_only:
            query = query.where(_i.assignee == bindparam("p_empty"))
        count = select(func.count()).select_from(query.subquery())
        page = query.order_by(*t.QUEUE_ORDER).offset(bindparam("p_offset")).limit(
            bindparam("p_limit")).subquery()
        p = page.c
        rows = select(p.case_number, p.instance_id, _c.state,
                      _c.sequence.label("case_sequence"), _c.due_date.label("case_due")
                      ).join_from(page, t.cases, _c.case_number == p.case_number).order_by(
            p.due_date == literal_column("''"), p.due_date, p.started_at, p.case_number,
            p.instance_id)
        pg = ("", "")
        if self.sql.pg:
            dialect = pg_psycopg.dialect()
            pg = (rows.compile(dialect=dialect).string, count.compile(dialect=dialect).string)
        found = ((rows, count), pg)
        with self._lock:
            if len(self._queue_shapes) > 256:  # shapes are few; bound them anyway
                self._queue_shapes.clear()
            self._queue_shapes[shape] = found
        return found

    def cases_of_parties(self, keys: Collection[str], but: str, limit: int = 20
                         ) -> list[Case]:
        """The other cases opened against any of these parties, newest first."""
        p = t.case_parties.c
        numbers = select(p.case_number).where(p.party_key.in_(list(keys)),
                                              p.case_number != but).distinct().subquery()
        query = select(_c.state).where(_c.case_number.in_(select(numbers.c.case_number))
                                       ).order_by(_c.submitted_at.desc()).limit(limit)
        with self.db.read() as s:
            states = list(s.execute(query).scalars())
        return [self.decode(state) for state in states]

    def heads_of_day(self, day_start: datetime, day_end: datetime
                     ) -> dict[str, list[tuple[str, str]]]:
        """Per region, the (case number, hash) of each case's last trace entry of the day."""
        tr = t.case_trace.c
        last = select(tr.case_number, func.max(tr.seq).label("seq")).where(
            tr.at >= day_start, tr.at < day_end).group_by(tr.case_number).subquery()
        query = select(tr.region, tr.case_number, tr.hash).join(
            last, (tr.case_number == last.c.case_number) & (tr.seq == last.c.seq)
        ).order_by(tr.region, tr.case_number)
        heads: dict[str, list[tuple[str, str]]] = {}
        with self.db.read() as s:
            for region, number, digest in s.execute(query):
                heads.setdefault(region, []).append((number, digest))
        return heads

    def roots_done(self, day: date) -> set[str]:
        r = t.trace_roots.c
        with self.db.read() as s:
            return set(s.execute(select(r.region).where(r.day == day.isoformat())).scalars())
