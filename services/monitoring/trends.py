"""Trend rules' storage (``domain.trends`` says what each rule means): the acts they count,
written in the transaction of the case event that records them, and the window's facts summed
by the database for the daily evaluation — each kind one aggregate query on an index of
(kind, day)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, insert, select

from services.monitoring import storage as t
from services.monitoring.domain import evaluation as ev
from services.monitoring.domain.trends import (
    ActCount,
    ActFact,
    ClosedCount,
    DecisionCount,
    TrendFacts,
    TrendThresholds,
    windows,
)

_ta, _ec = t.trend_acts.c, t.evaluation_cases.c


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def thresholds_of(text: str) -> TrendThresholds:
    """The trend thresholds of the setting ``supervision_trends`` (JSON; empty: the
    defaults); a wrong one stops the process with what is wrong."""
    if not text.strip():
        return TrendThresholds()
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a JSON object")
        return TrendThresholds.of(data)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"SUNLIGHT_SUPERVISION_TRENDS is not valid: {exc}") from None


def record_acts(conn: Any, acts: Sequence[ActFact]) -> None:
    """Write the acts not written yet (a repeated event finds its act there)."""
    if not acts:
        return
    written = {(r[0], r[1]) for r in conn.execute(select(_ta.case_number, _ta.ref).where(
        _ta.case_number.in_(sorted({a.case_number for a in acts})),
        _ta.ref.in_(sorted({a.ref for a in acts}))))}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for a in acts:
        if (a.case_number, a.ref) in written:
            continue
        rows[(a.case_number, a.ref)] = {
            "case_number": a.case_number, "ref": a.ref[:80], "act": a.act, "region": a.region,
            "department_code": a.department_code[:18], "department": a.department[:200],
            "item_id": a.item_id[:36], "handler": a.handler[:128],
            "handler_department_code": a.handler_department_code[:18],
            "handler_department": a.handler_department[:200],
            "done_on": a.done_on.isoformat(), "first": a.first, "limit_days": a.limit_days,
            "days_left": a.days_left}
    if rows:
        conn.execute(insert(t.trend_acts), list(rows.values()))


def load_facts(conn: Any, today: date, th: TrendThresholds) -> TrendFacts:
    """The facts of every window the trend rules read, as of ``today``."""
    spans = windows(today, th)
    return TrendFacts(today, _closed(conn, spans["overdue"]), _acts(conn, spans["rates"]),
                      _decisions(conn, spans["bunching"], th.bunching_last_days))


def _closed(conn: Any, span: Any) -> list[ClosedCount]:
    """Per department and day: cases handled with a promised limit, and how many late (the
    efficiency evaluation's facts)."""
    timed = and_(_ec.outcome.in_(sorted(ev.HANDLED)), _ec.promised_left.isnot(None))
    rows = conn.execute(select(
        _ec.department_code, _ec.closed_on, func.max(_ec.department), func.max(_ec.region),
        func.count(), _sum(_ec.promised_left < 0)).where(
        _ec.closed_on >= span.start.isoformat(), _ec.closed_on < span.end.isoformat(), timed,
        _ec.department_code != "").group_by(_ec.department_code, _ec.closed_on)).all()
    return [ClosedCount(r[0], r[2], r[3], date.fromisoformat(r[1]), int(r[4]), int(r[5]))
            for r in rows]


def _acts(conn: Any, span: Any) -> list[ActCount]:
    own = func.max(_ta.handler_department_code)
    rows = conn.execute(select(
        _ta.region, _ta.item_id, _ta.handler, own, func.max(_ta.department_code),
        func.max(_ta.handler_department), func.max(_ta.department),
        _sum(_ta.act == "accepted"), _sum(_ta.act == "rejected"), _sum(_ta.first),
        _sum(and_(_ta.first, _ta.act == "supplement"))).where(
        _ta.act.in_(("accepted", "rejected", "supplement")),
        _ta.done_on >= span.start.isoformat(), _ta.done_on < span.end.isoformat())
        .group_by(_ta.region, _ta.item_id, _ta.handler)).all()
    names = _item_names(conn, sorted({r[1] for r in rows}))
    return [ActCount(region=r[0], item_id=r[1], handler=r[2], department_code=r[3] or r[4],
                     department=(r[5] if r[3] else r[6]) or "", accepted=int(r[7]),
                     rejected=int(r[8]), first_looks=int(r[9]), first_supplements=int(r[10]),
                     item=names.get(r[1], "")) for r in rows]


def _decisions(conn: Any, span: Any, last_days: int) -> list[DecisionCount]:
    rows = conn.execute(select(
        _ta.department_code, _ta.handler, _ta.limit_days, func.max(_ta.department),
        func.max(_ta.region), func.max(_ta.handler_department_code),
        func.max(_ta.handler_department), func.count(), _sum(_ta.days_left < last_days)).where(
        _ta.act == "decided", _ta.done_on >= span.start.isoformat(),
        _ta.done_on < span.end.isoformat(), _ta.limit_days > 0, _ta.days_left >= 0)
        .group_by(_ta.department_code, _ta.handler, _ta.limit_days)).all()
    return [DecisionCount(department_code=r[0], department=r[3], region=r[4], handler=r[1],
                          handler_department_code=r[5], handler_department=r[6],
                          limit_days=int(r[2]), decisions=int(r[7]), last_days=int(r[8]))
            for r in rows]


def _item_names(conn: Any, item_ids: list[str]) -> dict[str, str]:
    """Items' names from the standards library (the newest version read last)."""
    names: dict[str, str] = {}
    if not item_ids:
        return names
    for item_id, content in conn.execute(
            select(t.standards.c.item_id, t.standards.c.content).where(
                t.standards.c.item_id.in_(item_ids)).order_by(t.standards.c.version)):
        try:
            names[item_id] = str(json.loads(content).get("name", "")) or item_id
        except (ValueError, AttributeError):
            continue
    return names
