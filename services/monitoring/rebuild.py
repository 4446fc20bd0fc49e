"""Rebuilding supervision from the events alone (重建): ``rebuild(projection, events, until)``.

Supervision's state — each case's view, its warnings with their history, the facts of the
evaluation — follows from the case events and the days that passed. Replayed into an empty
database in their order, each event is applied as of when it happened, and the days between
two events are swept as the worker's timer swept them (the first sweep of each day), then the
days up to ``until``: the rebuilt state is the live one (a test compares them). Events given
twice are applied once (the inbox), as live. On PostgreSQL, the case events of one day are
applied in transactions of up to ``BATCH`` events, in their order, as the worker's batches
are applied (each batch as of its last event).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from services.monitoring.projection import Projection
from services.shared.events import Event
from services.shared.working_days import CHINA, local_day

#: when the day's first sweep runs, local time (the timer's first firing after midnight)
SWEEP_AT = time(0, 5)
#: case events per transaction at most (as the worker's batches take them)
BATCH = 64


def sweep_moment(day: date) -> datetime:
    return datetime.combine(day, SWEEP_AT, CHINA).astimezone(UTC)


def rebuild(projection: Projection, events: Iterable[Event], until: date) -> int:
    """Apply ``events`` (case and catalogue events, in their order) with the sweeps of the
    days they span and of the days after them up to ``until``; the events applied."""
    supervision = projection.supervision
    if supervision is None:
        raise ValueError("rebuilding needs supervision's write path in the projection")
    live_clock = supervision.clock
    now: list[datetime] = [datetime.now(UTC)]
    supervision.clock = lambda: now[0]
    day: date | None = None
    applied = 0

    def sweep_until(last: date) -> None:
        nonlocal day
        while day is not None and day < last:
            day += timedelta(days=1)
            now[0] = sweep_moment(day)
            supervision.sweep(day)

    batched = projection.db.dialect == "postgresql"
    pending: list[Event] = []

    def flush() -> None:
        nonlocal applied
        if pending:
            now[0] = pending[-1].occurred_at
            for outcome in projection.apply_case_events(pending):
                if isinstance(outcome, BaseException):
                    raise outcome
                applied += bool(outcome)
            pending.clear()

    try:
        for event in events:
            when = event.occurred_at
            if pending and (local_day(when) != day or len(pending) >= BATCH
                            or not event.type.startswith("case.")):
                flush()
            sweep_until(local_day(when))
            day = day or local_day(when)
            if batched and event.type.startswith("case."):
                pending.append(event)
                continue
            now[0] = when
            applied += bool(projection.apply(event))
        flush()
        sweep_until(until)
    finally:
        supervision.clock = live_clock
    return applied
