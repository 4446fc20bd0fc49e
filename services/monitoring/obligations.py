"""Catalogue change obligations (动态调整义务) as supervision's sweep reads them.

The projection keeps each obligation from the catalogue's events (``item.change_required``,
``item.change_overdue``, ``item.change_fulfilled``). A sweep looks at those past their day and
not fulfilled, and at those with a warning still in force (to close it once fulfilled): each
as a ``rules.Obligation`` — the item's name, and the department's code when the obligation
was stored before it was kept, taken from the standards library — with its warnings so far.
Which of them warrant a warning is ``domain.warnings.supervise_obligation``'s to say; the
warnings are written by supervision's one write path (``Supervision._write``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import Session

from services.monitoring import storage as t
from services.monitoring.domain import warnings as w
from services.monitoring.domain.rules import Obligation

Conn = Connection | Session
_o, _w, _s = t.catalogue_obligations.c, t.warnings.c, t.standards.c
FULFILLED = "OBLIGATION_STATUS_FULFILLED"
RULE = "OBLIGATION_OVERDUE"
#: the catalogue's change kinds → the words of the rule's facts
KINDS = {"CHANGE_KIND_LEGAL_BASIS": "legal_basis", "CHANGE_KIND_FUNCTIONS": "functions"}


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def under_watch(conn: Conn, today: date
                ) -> list[tuple[Obligation, list[Mapping[str, Any]]]]:
    """The obligations a sweep on ``today`` looks at, each with its warnings' rows (locked:
    one sweep at a time decides on them)."""
    in_force = select(_w.subject).where(
        _w.case_number == "", _w.rule == RULE,
        _w.status.in_([s.value for s in w.ACTIVE]))
    rows = conn.execute(select(t.catalogue_obligations).where(or_(
        and_(_o.due_date != "", _o.due_date < today.isoformat(), _o.status != FULFILLED),
        _o.obligation_id.in_(in_force))).order_by(_o.obligation_id).with_for_update()).all()
    if not rows:
        return []
    ids = [r.obligation_id for r in rows]
    warned: dict[str, list[Mapping[str, Any]]] = {}
    for r in conn.execute(select(t.warnings).where(_w.case_number == "",
                                                   _w.subject.in_(ids))).all():
        warned.setdefault(r.subject, []).append(r._mapping)
    items = _items(conn, sorted({r.item_id for r in rows}))
    found = []
    for r in rows:
        due = _day(r.due_date)
        if due is None:
            continue
        name, code = items.get(r.item_id, ("", ""))
        found.append((Obligation(
            obligation_id=r.obligation_id, item_id=r.item_id, item_name=name,
            region=r.region, department=r.department,
            department_code=r.department_code or code, description=r.description, due=due,
            fulfilled=r.status == FULFILLED, kind=KINDS.get(r.kind, ""), law=r.law,
            effective_on=_day(r.effective_on)), warned.get(r.obligation_id, [])))
    return found


def _items(conn: Conn, item_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Item id → (name, department's code) of its newest version in the standards
    library."""
    found: dict[str, tuple[str, str]] = {}
    if not item_ids:
        return found
    for item_id, content in conn.execute(select(_s.item_id, _s.content).where(
            _s.item_id.in_(item_ids)).order_by(_s.item_id, _s.version)):
        try:
            values = json.loads(content)
        except ValueError:
            continue
        if isinstance(values, dict):
            found[item_id] = (str(values.get("name", "")),
                              str(values.get("department_code", "")))
    return found
