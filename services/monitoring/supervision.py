"""Supervision's one write path for what it concludes: each case's view, its warnings, their
notifications and supervision's own events — in the transaction of the event that caused
them (the worker's), of a sweep, or of a person's action on a warning.

- ``on_event(conn, event)``: a case event arrived (the caller's transaction also holds its
  inbox row): the case's view after it, the rules' findings, the warnings raised, escalated,
  brought up to date or closed.
- ``sweep(today)``: the time-based rules for every case whose ``attention_on`` has come, and
  the escalation of yellow warnings nobody answered; in batches, a transaction each.
- ``sweep_trends(today)`` (from ``sweep``, once a day): the trend rules over their windows
  (``domain.trends``); their warnings concern a department or a handler and are filed under a
  pseudo case number ``TREND-<department code>`` (``domain.trend_warnings``).
- obligations (from ``sweep``): the catalogue's change obligations past their day
  (``obligations``): their warnings belong to no case (``case_number`` empty), but to the
  item's department and region.
- ``act(...)``: a handler or supervisor answers a warning (idempotent on their key).

Every change of a warning is one history entry, one ``warning.<action>`` event on supervision's
outbox (``monitoring.events``) and the notifications of the people it concerns: the handler
(for a step: its assignee, else who acted last), the department, the region's supervisors.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import (
    ARRAY,
    Connection,
    String,
    and_,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sunlight.monitoring.v1 import monitoring_pb2 as pb

from services.monitoring import obligations as obligations_
from services.monitoring import storage as t
from services.monitoring import trends as trends_
from services.monitoring.contract import warning_to_pb
from services.monitoring.domain import evaluation as ev
from services.monitoring.domain import trends as tr
from services.monitoring.domain import warnings as w
from services.monitoring.domain.rules import (
    Context,
    Severity,
    Standard,
    Thresholds,
    attention_on,
)
from services.monitoring.domain.trend_warnings import follow_trends
from services.monitoring.domain.watch import CaseWatch, watch_after
from services.shared import auth, metrics
from services.shared.auth import Principal
from services.shared.db import Database, after_commit, dialect_name
from services.shared.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from services.shared.events import Event, make_event
from services.shared.idempotency import IdempotencyStore, fingerprint
from services.shared.outbox import Outbox
from services.shared.regions import parent
from services.shared.working_days import WorkingCalendar, local_day

Conn = Connection | Session
_watch_decoder = msgspec.json.Decoder(CaseWatch)
_history_decoder = msgspec.json.Decoder(tuple[w.Entry, ...])
_encode = msgspec.json.Encoder().encode
_w, _v, _n = t.warnings.c, t.case_watches.c, t.notifications.c
_ec, _es = t.evaluation_cases.c, t.evaluation_steps.c
SWEEP_BATCH = 2000
MAX_PAGE = 200

#: who may do what to a warning
HANDLER_ACTIONS = frozenset({"acknowledge", "correct", "contest"})
SUPERVISOR_ACTIONS = frozenset({"uphold", "dismiss", "hold_accountable", "publish_notice"})
#: the words of each action in notifications
ACTION_WORDS = {"raised": "新预警", "escalated": "升级为红牌", "closed": "已消除",
                "acknowledged": "已知悉", "corrected": "已纠正", "contested": "提出异议",
                "upheld": "异议不成立，维持", "dismissed": "撤销", "held_accountable": "责任追究",
                "noticed": "通报"}
SEVERITY_WORDS = {"yellow": "黄牌", "red": "红牌"}


def routing_key(action: str, region: str) -> str:
    city = parent(region) if region[4:] != "00" else region
    return f"warning.{action}.{region[:2]}0000.{city or region}.{region}"


@dataclass(frozen=True)
class Page:
    warnings: list[w.Warning]
    total: int
    next_offset: int | None


#: the changes of a warning counted by ``sunlight_supervision_warnings_total``
COUNTED_ACTIONS = frozenset({"raised", "escalated"})


class Supervision:
    def __init__(self, db: Database, calendar: WorkingCalendar, node_region: str,
                 thresholds: Thresholds | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 trend_thresholds: tr.TrendThresholds | None = None) -> None:
        self.db = db
        self.calendar = calendar
        self.node_region = node_region
        self.thresholds = thresholds or Thresholds()
        self.trend_thresholds = trend_thresholds or tr.TrendThresholds()
        self.clock = clock
        self.outbox = Outbox(t.outbox, "monitoring")
        self.idempotency = IdempotencyStore(t.idempotency_keys)
        self._standards: dict[tuple[str, int], Standard] = {}
        self._lock = threading.Lock()

    # --- the write path ------------------------------------------------------------------
    def on_event(self, conn: Conn, event: Event) -> list[w.Warning]:
        """A case event, in the caller's transaction: the case's view and its warnings."""
        return self.on_events(conn, [event])

    def on_events(self, conn: Conn, events: Sequence[Event]) -> list[w.Warning]:
        """Case events, in their order, in the caller's transaction: their cases' views and
        warnings, read in two statements and written in a few, however many events."""
        numbers = []
        for event in events:
            number = event.data.get("case_number")
            if not number:
                raise ValueError(f"case event {event.event_id} has no case_number")
            numbers.append(number)
        unit = _Unit.load(conn, sorted(set(numbers)))
        now = self.clock()
        changed: list[w.Warning] = []
        acts: list[tr.ActFact] = []
        facts: list[tuple[CaseWatch | None, CaseWatch, Event]] = []
        for number, event in zip(numbers, events, strict=True):
            before = unit.watches.get(number)
            after = watch_after(before, event.type, event.occurred_at, event.data)
            ctx = self._context(conn, after, now, before)
            found = w.supervise(after, unit.warnings_of(number), ctx, now,
                                (event.type, event.data))
            unit.put(after, attention_on(after, ctx), found)
            facts.append((before, after, event))
            acts += tr.act_facts(before, after, event.type, event.occurred_at, event.data)
            changed += found
        self._record_facts(conn, facts, now)
        trends_.record_acts(conn, acts)
        self._write(conn, unit, now)
        return changed

    def _record_facts(self, conn: Conn,
                      facts: Sequence[tuple[CaseWatch | None, CaseWatch, Event]],
                      now: datetime) -> None:
        """Efficiency evaluation's facts of these events (domain.evaluation), in their
        transaction: the steps each completed (or the dated fact it records); the working
        days a stop it ended left out; the case's fact when it closed it. Each once: a
        repeated event finds them written (the case's row is locked with its view). What is
        stored is read, and what is new written, in one statement per table."""
        ending: list[tuple[CaseWatch, Event, int, bool]] = []
        steps: list[ev.StepFact] = []
        for before, after, event in facts:
            day = ev.local_day(event.occurred_at)
            stopped = ev.stopped_working_days(before, after, day, ev.accepted_day(event.data),
                                              self.calendar)
            closing = after.closed and (before is None or not before.closed)
            if stopped or closing:
                ending.append((after, event, stopped, closing))
            steps += ev.step_facts(before, after, event.type, event.occurred_at, event.data,
                                   self.calendar, self.thresholds.late_entry_days)
        if ending:
            self._record_case_facts(conn, ending, now)
        if steps:
            numbers = sorted({x.case_number for x in steps})
            written = {(r[0], r[1]) for r in conn.execute(select(_es.case_number, _es.ref)
                                                          .where(_among(conn, _es.case_number,
                                                                        numbers)))}
            rows = []
            for x in steps:
                if (x.case_number, x.ref) in written:
                    continue
                written.add((x.case_number, x.ref))
                rows.append({"case_number": x.case_number, "ref": x.ref, "kind": x.kind,
                             "region": x.region, "department_code": x.department_code,
                             "department": x.department[:200], "item_id": x.item_id,
                             "handler": x.handler[:128], "done_on": x.done_on.isoformat(),
                             "due": x.due.isoformat() if x.due else None,
                             "late_days": x.late_days, "online": x.online})
            if rows:
                conn.execute(insert(t.evaluation_steps), rows)

    def _record_case_facts(self, conn: Conn,
                           ending: Sequence[tuple[CaseWatch, Event, int, bool]],
                           now: datetime) -> None:
        numbers = sorted({after.case_number for after, _, _, _ in ending})
        known: dict[str, dict[str, Any]] = {
            r[0]: {"stopped_days": r[1], "closed_on": r[2]} for r in conn.execute(
                select(_ec.case_number, _ec.stopped_days, _ec.closed_on).where(
                    _among(conn, _ec.case_number, numbers)))}
        stored, touched = set(known), set()
        for after, event, stopped, closing in ending:  # in their order, case by case
            number = after.case_number
            row = known.get(number)
            if row is not None and row.get("closed_on") is not None:
                continue  # its case's fact is written: a repeated or late event
            total = (row["stopped_days"] if row is not None else 0) + stopped
            values: dict[str, Any] = {"stopped_days": total, "updated_at": now}
            if closing:
                fact = ev.case_fact(after, event.type, event.occurred_at, event.data,
                                    self.calendar, total)
                values.update(
                    outcome=fact.outcome, closed_on=fact.closed_on.isoformat(),
                    accepted_on=fact.accepted_on.isoformat() if fact.accepted_on else None,
                    decided_by=fact.decided_by[:128], working_days=fact.working_days,
                    promised_days=fact.promised_days, promised_left=fact.promised_left,
                    over_statutory=fact.over_statutory)
            identity = {"region": after.region, "department_code": after.department_code,
                        "department": after.department, "item_id": after.item_id}
            known[number] = {**(row or identity), **values}
            touched.add(number)
        inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # by the columns given
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # by the columns changed
        for number in sorted(touched):
            values = known[number]
            if number in stored:
                changed = {k: v for k, v in values.items() if k in _CASE_FACT_COLUMNS}
                updates.setdefault(tuple(sorted(changed)), []).append(
                    {"b_case_number": number, **{f"b_{k}": v for k, v in changed.items()}})
            else:
                inserts.setdefault(tuple(sorted(values)), []).append(
                    {"case_number": number, **values})
        for rows in inserts.values():
            conn.execute(insert(t.evaluation_cases), rows)
        for columns, rows in updates.items():
            conn.execute(update(t.evaluation_cases).where(
                _ec.case_number == bindparam("b_case_number")).values(
                {k: bindparam(f"b_{k}") for k in columns}), rows)

    def sweep(self, today: date | None = None, batch: int = SWEEP_BATCH,
              partition: tuple[int, int] = (0, 1)) -> int:
        """Look again at every case whose day has come (``attention_on``) and at every yellow
        warning nobody answered; the number of warnings that changed. ``partition`` (index,
        count): the cases of that share only (by a hash of the case number), as each of the
        worker processes sweeps its own; the catalogue's obligations and the trends in
        partition 0."""
        now = self.clock()
        today = today or local_day(now)
        index, count = partition
        if count > 1 and self.db.dialect != "postgresql" and index:
            return 0  # no hash function on SQLite: partition 0 sweeps everything
        mine = _share(_v.case_number, index, count, self.db.dialect)
        changed = 0
        after = ("", "")
        due = _v.attention_on.isnot(None) & (_v.attention_on <= today.isoformat())
        while True:  # cases whose attention day has come, in batches of (day, number)
            with self.db.begin() as conn:
                # the batch walks the index of the days (never the whole due set again and
                # again); its views are locked in number order, as events lock them
                picked = conn.execute(
                    select(_v.attention_on, _v.case_number).where(
                        due, tuple_(_v.attention_on, _v.case_number) > after, mine)
                    .order_by(_v.attention_on, _v.case_number).limit(batch)).all()
                if not picked:
                    break
                rows = conn.execute(
                    select(_v.case_number, _v.state).where(
                        due, _among(conn, _v.case_number, [n for _, n in picked]))
                    .order_by(_v.case_number).with_for_update()).all()
                unit = _Unit.of(conn, rows)
                for number, _ in rows:
                    watch = unit.watches[number]
                    ctx = self._context(conn, watch, now, None, today)
                    found = w.supervise(watch, unit.warnings_of(number), ctx, now)
                    unit.put(None, None, found)  # the view is as it was: only its next day
                    unit.attend(number, attention_on(watch, ctx))
                    changed += len(found)
                self._write(conn, unit, now)
            if len(picked) < batch:
                break
            after = tuple(picked[-1])
        changed += self._escalate_unanswered(
            today, now, _share(_w.case_number, index, count, self.db.dialect))
        if index == 0:
            changed += self._sweep_obligations(today, now)
            changed += self.sweep_trends(today)
        return changed

    def _sweep_obligations(self, today: date, now: datetime) -> int:
        """Catalogue change obligations past their day: warned, kept up to date, closed once
        fulfilled — in one transaction (there are few)."""
        ctx = Context(self.calendar, today, self.thresholds)
        with self.db.begin() as conn:
            watched = obligations_.under_watch(conn, today)
            stored = {r["warning_id"]: _warning(r) for _, rows in watched for r in rows}
            unit = _Unit({}, set(), {"": stored})
            changed = [x for obligation, rows in watched for x in w.supervise_obligation(
                obligation, [stored[r["warning_id"]] for r in rows], ctx, now)]
            unit.put(None, None, changed)
            self._write(conn, unit, now)
        return len(changed)

    def sweep_trends(self, today: date | None = None) -> int:
        """The trend rules (domain.trends) over their windows, once a day: the first sweep of
        a day evaluates them (the day is kept in ``trend_runs``, its row locked meanwhile),
        the others find the day done. The number of trend warnings that changed."""
        now = self.clock()
        day = (today or local_day(now)).isoformat()
        run = t.trend_runs.c
        with self.db.read() as s:  # the timer fires all day: a cheap look first
            last = s.execute(select(run.last_day).where(run.name == "trends")).scalar()
        if last is not None and last >= day:
            return 0
        with self.db.begin() as conn:
            row = conn.execute(select(run.last_day).where(run.name == "trends")
                               .with_for_update()).first()
            if row is None:
                conn.execute(insert(t.trend_runs).values(name="trends", updated_at=now))
            elif row.last_day is not None and row.last_day >= day:
                return 0  # another process evaluated the day meanwhile
            th = self.trend_thresholds
            facts = trends_.load_facts(conn, date.fromisoformat(day), th)
            stored = [_warning(r._mapping) for r in conn.execute(
                select(t.warnings).where(_w.rule.in_(sorted(tr.TRENDS))))]
            found = follow_trends(tr.trend_findings(facts, th), stored, now, th)
            by_case: dict[str, dict[str, w.Warning]] = {}
            for known in stored:
                by_case.setdefault(known.case_number, {})[known.warning_id] = known
            unit = _Unit({}, set(), by_case)
            unit.put(None, None, found)
            self._write(conn, unit, now)
            conn.execute(update(t.trend_runs).where(run.name == "trends")
                         .values(last_day=day, updated_at=now))
        return len(found)

    def _escalate_unanswered(self, today: date, now: datetime, mine: Any = None) -> int:
        # a generous candidate set (local days are not UTC days): supervise decides exactly
        cutoff = self._working_days_back(today, self.thresholds.escalate_after_days + 1)
        end = datetime.combine(cutoff + timedelta(days=2), datetime.min.time(), UTC)
        changed = 0
        with self.db.begin() as conn:
            numbers = conn.execute(select(_w.case_number).where(
                _w.severity == "yellow", _w.status == "open", _w.raised_at < end,
                true() if mine is None else mine)
                .distinct()).scalars().all()
        for number in numbers:
            with self.db.begin() as conn:
                row = conn.execute(select(_v.state).where(_v.case_number == number)
                                   .with_for_update()).first()
                if row is None:
                    continue
                unit = _Unit.of(conn, [(number, row[0])])
                watch = unit.watches[number]
                ctx = self._context(conn, watch, now, None, today)
                found = w.supervise(watch, unit.warnings_of(number), ctx, now)
                unit.put(None, None, found)  # the view stays as it is
                self._write(conn, unit, now)
                changed += len(found)
        return changed

    def _working_days_back(self, today: date, days: int) -> date:
        day, counted = today, 0
        while counted < days:
            day -= timedelta(days=1)
            counted += self.calendar.is_working_day(day)[0]
        return day

    # --- what people do with a warning ----------------------------------------------------
    def act(self, principal: Principal, warning_id: str, action: str, key: str,
            **fields: Any) -> w.Warning:
        key = self.idempotency.check_key(key)
        print_ = fingerprint("ActOnWarning", json.dumps(
            [warning_id, action, fields], sort_keys=True, ensure_ascii=False,
            default=str).encode())
        with self.db.begin() as conn:
            warning = self._one(conn, warning_id, lock=True)
            self._authorise(principal, warning, action)
            replay = self.idempotency.lookup(conn, principal.subject, key, "ActOnWarning",
                                             print_)
            if replay is not None:
                return warning
            now = self.clock()
            acted = _ACTIONS[action](warning, principal.subject, now, **fields)
            unit = _Unit({}, set(), {warning.case_number: {warning.warning_id: warning}})
            unit.put(None, None, [acted])
            self._write(conn, unit, now)
            self.idempotency.save(conn, principal.subject, key, "ActOnWarning", print_, b"{}")
            return acted

    def _authorise(self, principal: Principal, warning: w.Warning, action: str) -> None:
        if action in SUPERVISOR_ACTIONS:
            principal.require(auth.SUPERVISION_READ, warning.region)
            if "supervisor" not in principal.roles and "admin" not in principal.roles:
                raise PermissionDenied(f"{action} is a supervisor's (监察人员)",
                                       code="SUPERVISORS_ONLY")
            return
        if not self.may_answer(principal, warning):
            raise PermissionDenied(
                f"{principal.subject} may not answer warning {warning.warning_id}: its handler "
                f"({warning.handler or 'none'}) and the staff of {warning.department} may",
                code="NOT_YOURS")

    @staticmethod
    def may_answer(principal: Principal, warning: w.Warning) -> bool:
        """The warned handler, or the staff of the warned department in its region; nobody
        for a warning about the node's operation (``w.operational``): supervisors act on it."""
        if w.operational(warning):
            return False
        if principal.subject == warning.handler:
            return True
        return principal.can(auth.CASE_HANDLE, warning.region, warning.department_code)

    # --- reading -------------------------------------------------------------------------
    def may_read(self, principal: Principal, warning: w.Warning) -> bool:
        return (principal.can(auth.SUPERVISION_READ, warning.region)
                or self.may_answer(principal, warning))

    def get(self, principal: Principal, warning_id: str) -> w.Warning:
        with self.db.read() as s:
            warning = self._one(s, warning_id)
        if not self.may_read(principal, warning):
            raise _not_found(warning_id)
        return warning

    def list(self, principal: Principal, *, region: str = "", department: str = "",
             handler: str = "", case_number: str = "", rule: str = "", severity: str = "",
             active_only: bool = False, offset: int = 0, limit: int = 50) -> Page:
        """Warnings newest first. Supervisors see their regions'; others what they may
        answer (their own and their department's)."""
        limit = max(1, min(limit or 50, MAX_PAGE))
        query = select(t.warnings)
        supervisor = principal.can(auth.SUPERVISION_READ)
        if region:
            if not principal.can(auth.SUPERVISION_READ, region) and not (
                    principal.department and principal.can(auth.CASE_HANDLE, region)):
                principal.require(auth.SUPERVISION_READ, region)
            query = query.where(_w.region.like(_prefix(region)))
        if supervisor:
            query = query.where(or_(*[_w.region.like(_prefix(r)) for r in principal.regions]))
        else:
            own = [_w.handler == principal.subject]
            if principal.department:
                own.append(and_(_w.department_code == principal.department, or_(
                    *[_w.region.like(_prefix(r)) for r in principal.regions])))
            query = query.where(or_(*own))
        for column, value in ((_w.department_code, department), (_w.case_number, case_number),
                              (_w.rule, rule), (_w.severity, severity)):
            if value:
                query = query.where(column == value)
        if handler:
            query = query.where(_w.handler == (principal.subject if handler == "me"
                                               else handler))
        if active_only:
            query = query.where(_w.status.in_([s.value for s in w.ACTIVE]))
        with self.db.read() as s:
            total = int(s.execute(select(func.count()).select_from(query.subquery()))
                        .scalar_one())
            rows = s.execute(query.order_by(_w.raised_at.desc(), _w.warning_id)
                             .offset(offset).limit(limit)).all()
        found = [_warning(r._mapping) for r in rows]
        return Page(found, total, offset + limit if offset + limit < total else None)

    def notifications(self, principal: Principal, *, unread_only: bool, offset: int,
                      limit: int, mark_read: bool) -> tuple[list[dict[str, Any]], int, bool]:
        """The caller's notifications, newest first; (page, unread count, more?). A call
        without a token has no subject: it would read (and mark read) whatever is addressed
        to no one in particular, so it is refused."""
        if principal.anonymous:
            raise Unauthenticated("sign in first: this call needs a bearer token")
        limit = max(1, min(limit or 50, MAX_PAGE))
        mine = [and_(_n.recipient_kind == "handler", _n.recipient == principal.subject)]
        if principal.department:
            mine += [and_(_n.recipient_kind == "department",
                          _n.recipient == f"{r}/{principal.department}")
                     for r in principal.regions]
        if principal.can(auth.SUPERVISION_READ):
            mine.append(and_(_n.recipient_kind == "supervisors",
                             or_(*[_n.recipient.like(_prefix(r)) for r in principal.regions])))
        query = select(t.notifications).where(or_(*mine))
        with self.db.begin() as conn:
            unread = int(conn.execute(select(func.count()).select_from(
                query.where(_n.read_at.is_(None)).subquery())).scalar_one())
            if unread_only:
                query = query.where(_n.read_at.is_(None))
            rows = [dict(r._mapping) for r in conn.execute(
                query.order_by(_n.id.desc()).offset(offset).limit(limit + 1)).all()]
            more = len(rows) > limit
            rows = rows[:limit]
            if mark_read and rows:
                now = self.clock()
                ids = [r["id"] for r in rows if r["read_at"] is None]
                if ids:
                    conn.execute(update(t.notifications).where(_n.id.in_(ids))
                                 .values(read_at=now))
                    unread -= len(ids)
        return rows, unread, more

    # --- storage -------------------------------------------------------------------------
    def _context(self, conn: Conn, watch: CaseWatch, now: datetime,
                 before: CaseWatch | None, today: date | None = None) -> Context:
        return Context(self.calendar, today or local_day(now), self.thresholds,
                       self._standard(conn, watch.item_id, watch.item_version), before)

    def _standard(self, conn: Conn, item_id: str, version: int) -> Standard:
        """What the standards library keeps of a published version (they never change)."""
        key = (item_id, version)
        known = self._standards.get(key)
        if known is not None:
            return known
        content = conn.execute(select(t.standards.c.content).where(
            t.standards.c.item_id == item_id, t.standards.c.version == version)).scalar()
        standard = Standard.of(json.loads(content) if content else None)
        if content is not None:
            with self._lock:
                if len(self._standards) > 10_000:
                    self._standards.clear()
                self._standards[key] = standard
        return standard

    def _one(self, conn: Conn, warning_id: str, *, lock: bool = False) -> w.Warning:
        query = select(t.warnings).where(_w.warning_id == warning_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise _not_found(warning_id)
        return _warning(row._mapping)

    def _write(self, conn: Conn, unit: _Unit, now: datetime) -> None:
        """What a unit changed: views, warnings, and per change of a warning its event on
        supervision's outbox and its notifications — each kind in one statement."""
        inserts, updates = [], []
        for number, (watch, day) in unit.dirty_watches.items():
            values = {"region": watch.region, "department": watch.department,
                      "department_code": watch.department_code, "item_id": watch.item_id,
                      "item_version": watch.item_version,
                      "sequence": watch.sequence, "closed": watch.closed,
                      "attention_on": day.isoformat() if day else None,
                      "state": _encode(watch).decode(), "updated_at": now}
            if number in unit.stored_watches:
                updates.append({"b_case_number": number,
                                **{f"b_{k}": v for k, v in values.items()}})
            else:
                inserts.append({"case_number": number, **values})
        if inserts:
            conn.execute(insert(t.case_watches), inserts)
        if updates:
            conn.execute(_UPDATE_WATCH, updates)
        for day, numbers in unit.attention.items():  # a sweep: the next day only
            conn.execute(update(t.case_watches).where(_among(conn, _v.case_number, numbers))
                         .values(attention_on=day.isoformat() if day else None,
                                 updated_at=now))
        if not unit.dirty_warnings:
            return
        new_rows, changed_rows, outbox, notes = [], [], [], []
        raised: list[tuple[str, str, str]] = []  # (rule, severity, action), for the metrics
        for warning in unit.dirty_warnings.values():
            row = _row(warning)
            stored = unit.stored_history.get(warning.warning_id)
            if stored is None:
                new_rows.append(row)
            else:
                changed_rows.append({f"b_{k}": v for k, v in row.items()})
            for entry in warning.history[stored or 0:]:
                event, recipients = self._announcement(warning, entry, now)
                outbox.append(event)
                notes += recipients
                if entry.action in COUNTED_ACTIONS:
                    raised.append((warning.rule, entry.severity, entry.action))
        if raised:  # counted once the transaction has committed, never for a rolled back one
            after_commit(conn, lambda: metrics.record_warnings(raised))
        if new_rows:
            conn.execute(insert(t.warnings), new_rows)
        if changed_rows:
            conn.execute(_UPDATE_WARNING, changed_rows)
        if outbox:
            conn.execute(self.outbox._insert, outbox)
            self.outbox.notify_if_due(conn)
        if notes:
            conn.execute(insert(t.notifications), notes)

    def _announcement(self, warning: w.Warning, entry: w.Entry, now: datetime
                      ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One change of a warning: its event's outbox row and the notifications of the
        people it concerns."""
        event = make_event(f"warning.{entry.action}",
                           pb.WarningEvent(warning=warning_to_pb(warning), action=entry.action),
                           node=self.node_region, region=warning.region, occurred_at=now)
        text = (f"【{SEVERITY_WORDS.get(warning.severity.value, '')}·"
                f"{ACTION_WORDS.get(entry.action, entry.action)}】{warning.title}："
                f"{warning.explanation}" + (f"（{entry.note}）" if entry.note and
                                           entry.note != warning.explanation else ""))
        recipients = [("supervisors", warning.region)]
        if not w.operational(warning):  # the node's operation is not the department's to answer
            recipients.append(("department", f"{warning.region}/{warning.department_code}"))
        if warning.handler and warning.handler != entry.by:
            recipients.append(("handler", warning.handler))
        return (self.outbox.row(event, routing_key(entry.action, warning.region)),
                [{"recipient_kind": kind, "recipient": recipient,
                  "warning_id": warning.warning_id, "action": entry.action,
                  "severity": warning.severity.value, "text": text, "at": now}
                 for kind, recipient in recipients])


class _Unit:
    """The cases one transaction works on: their views and warnings as stored (read in two
    statements, views locked), and what it changed."""

    def __init__(self, watches: dict[str, CaseWatch], stored_watches: set[str],
                 warnings: dict[str, dict[str, w.Warning]]) -> None:
        self.watches = watches
        self.stored_watches = stored_watches
        self.warnings = warnings
        #: warning id → how many history entries are stored (announced) already
        self.stored_history = {i: len(x.history) for by_id in warnings.values()
                               for i, x in by_id.items()}
        self.dirty_watches: dict[str, tuple[CaseWatch, date | None]] = {}
        #: views unchanged but for the day they next need a look: day → their cases
        self.attention: dict[date | None, list[str]] = {}
        self.dirty_warnings: dict[str, w.Warning] = {}

    @classmethod
    def load(cls, conn: Conn, numbers: list[str]) -> _Unit:
        rows = conn.execute(select(_v.case_number, _v.state).where(
            _among(conn, _v.case_number, numbers)).order_by(_v.case_number)
            .with_for_update()).all()
        return cls.of(conn, rows, numbers)

    @classmethod
    def of(cls, conn: Conn, rows: Sequence[Any], numbers: list[str] | None = None) -> _Unit:
        """From views read already (locked): their warnings."""
        watches = {number: _watch_decoder.decode(state) for number, state in rows}
        warnings: dict[str, dict[str, w.Warning]] = {}
        wanted = numbers if numbers is not None else list(watches)
        if wanted:
            for r in conn.execute(select(t.warnings).where(
                    _among(conn, _w.case_number, wanted))).all():
                found = _warning(r._mapping)
                warnings.setdefault(found.case_number, {})[found.warning_id] = found
        return cls(watches, set(watches), warnings)

    def warnings_of(self, number: str) -> list[w.Warning]:
        return list(self.warnings.get(number, {}).values())

    def attend(self, number: str, day: date | None) -> None:
        self.attention.setdefault(day, []).append(number)

    def put(self, watch: CaseWatch | None, day: date | None,
            changed: Sequence[w.Warning]) -> None:
        if watch is not None:
            self.watches[watch.case_number] = watch
            self.dirty_watches[watch.case_number] = (watch, day)
        for warning in changed:
            self.warnings.setdefault(warning.case_number, {})[warning.warning_id] = warning
            self.dirty_warnings[warning.warning_id] = warning


def _among(conn: Conn, column: Any, values: list[str]) -> Any:
    """``column`` is one of ``values``: one array parameter on PostgreSQL (however many),
    an IN list elsewhere."""
    if dialect_name(conn) == "postgresql":
        return column == any_(bindparam("p_among", values, type_=ARRAY(String)))
    return column.in_(values)


#: what a case's fact row changes after it is first written
_CASE_FACT_COLUMNS = frozenset({"stopped_days", "updated_at", "outcome", "closed_on",
                                "accepted_on", "decided_by", "working_days", "promised_days",
                                "promised_left", "over_statutory"})

_UPDATE_WATCH = update(t.case_watches).where(
    _v.case_number == bindparam("b_case_number")).values(
    {k: bindparam(f"b_{k}") for k in ("region", "department", "department_code", "item_id",
                                      "item_version",
                                      "sequence", "closed", "attention_on", "state",
                                      "updated_at")})
_UPDATE_WARNING = update(t.warnings).where(
    _w.warning_id == bindparam("b_warning_id")).values(
    {c.key: bindparam(f"b_{c.key}") for c in t.warnings.columns if c.key != "warning_id"})


def _share(column: Any, index: int, count: int, dialect: str) -> Any:
    """The rows of one of ``count`` partitions by a hash of ``column`` (PostgreSQL); every row
    when there is one partition, or on SQLite."""
    if count <= 1 or dialect != "postgresql":
        return true()
    return func.hashtext(column).op("&")(0x7FFFFFFF) % count == index


def _prefix(region: str) -> str:
    """LIKE pattern of a region and the regions under it (510000 → 51%, 511600 → 5116%)."""
    if region.endswith("0000"):
        return region[:2] + "%"
    if region.endswith("00"):
        return region[:4] + "%"
    return region


def _not_found(warning_id: str) -> NotFound:
    return NotFound(f"there is no warning {warning_id}", code="WARNING_NOT_FOUND",
                    metadata={"warning_id": warning_id})


def _row(warning: w.Warning) -> dict[str, Any]:
    return {"warning_id": warning.warning_id, "case_number": warning.case_number,
            "region": warning.region, "department": warning.department,
            "department_code": warning.department_code, "item_id": warning.item_id,
            "rule": warning.rule, "subject": warning.subject,
            "severity": warning.severity.value, "status": warning.status.value,
            "handler": warning.handler, "explanation": warning.explanation,
            "facts": json.dumps(dict(warning.facts), ensure_ascii=False),
            "raised_at": warning.raised_at, "updated_at": warning.updated_at,
            "closed_at": warning.closed_at, "accountability": warning.accountability,
            "accountable_by": warning.accountable_by, "notice": warning.notice,
            "rectify_by": warning.rectify_by.isoformat() if warning.rectify_by else None,
            "history": _encode(warning.history).decode()}


def _warning(r: Any) -> w.Warning:
    return w.Warning(
        warning_id=r["warning_id"], case_number=r["case_number"], region=r["region"],
        department=r["department"], department_code=r["department_code"],
        item_id=r["item_id"], rule=r["rule"],
        subject=r["subject"], severity=Severity(r["severity"]), status=w.Status(r["status"]),
        explanation=r["explanation"], facts=json.loads(r["facts"]), handler=r["handler"],
        raised_at=r["raised_at"], updated_at=r["updated_at"], closed_at=r["closed_at"],
        history=_history_decoder.decode(r["history"]), accountability=r["accountability"],
        accountable_by=r["accountable_by"], notice=r["notice"],
        rectify_by=date.fromisoformat(r["rectify_by"]) if r["rectify_by"] else None)


def _rectify(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument.of_field("rectify_by", "a day, YYYY-MM-DD") from None


_ACTIONS: dict[str, Callable[..., w.Warning]] = {
    "acknowledge": lambda x, by, now, note="": w.acknowledge(x, by, now, note),
    "correct": lambda x, by, now, explanation: w.correct(x, by, now, explanation),
    "contest": lambda x, by, now, reason: w.contest(x, by, now, reason),
    "uphold": lambda x, by, now, reason: w.uphold(x, by, now, reason),
    "dismiss": lambda x, by, now, reason: w.dismiss(x, by, now, reason),
    "hold_accountable": lambda x, by, now, measure: w.hold_accountable(x, by, now, measure),
    "publish_notice": lambda x, by, now, notice, rectify_by: w.publish_notice(
        x, by, now, notice, _rectify(rectify_by)),
}


def token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def offset_of(text: str) -> int:
    if not text:
        return 0
    try:
        return int(base64.urlsafe_b64decode(text.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.of_field("page_token", "a next_page_token of a previous answer"
                                       ) from None


