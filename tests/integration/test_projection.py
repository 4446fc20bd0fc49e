"""Supervision's projection on both databases, and batches: the worker's batch of case events
is applied (on PostgreSQL in one transaction) each once, in order, each with its inbox row,
an event that cannot be applied given back as its error while the others go ahead."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text

from services.monitoring import storage as t
from services.monitoring.projection import DATABASE_ERRORS, Projection
from services.shared.db import Database
from services.shared.events import Event
from services.shared.migrations import upgrade
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "monitoring" / "migrations"
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def projection(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'monitoring.db'}"
        upgrade(MIGRATIONS, url, "monitoring")
    else:
        url = request.getfixturevalue("pg_settings").database_url
    db = Database(url, "monitoring", pool_size=4)
    yield Projection(db)
    db.dispose()


@pytest.fixture()
def pg_projection(pg_settings):
    db = Database(pg_settings.database_url, "monitoring", pool_size=4)
    yield Projection(db)
    db.dispose()


def event(number: str, sequence: int, kind: str = "case.step_completed",
          status: str = "CASE_STATUS_IN_PROGRESS", **data) -> Event:
    return Event(event_id=str(uuid.uuid4()), type=kind,
                 occurred_at=T0 + timedelta(minutes=sequence), node="510000",
                 region="511602", schema="sunlight.cases.v1.CaseEvent",
                 data={"case_number": number, "region": "511602", "item_id": "i",
                       "item_version": 1, "department": "d", "sequence": sequence,
                       "status": status, "step_count": 3,
                       "steps_completed": max(sequence - 1, 0), "due_date": "2026-11-27",
                       **data})


def case_number() -> str:
    return f"N{uuid.uuid4().hex[:12]}"


def inbox_rows(projection: Projection, *events: Event) -> int:
    with projection.db.begin() as c:
        return c.execute(select(func.count()).select_from(t.inbox).where(
            t.inbox.c.event_id.in_([e.event_id for e in events]))).scalar_one()


def test_events_build_the_record_once_each(projection) -> None:
    number = case_number()
    accepted = event(number, 1, "case.accepted", accepted_at="2026-11-20T02:00:00Z")
    assert projection.apply(accepted)
    assert projection.apply(event(number, 2))
    assert not projection.apply(accepted)  # redelivered
    late = event(number, 1, "case.accepted")
    assert projection.apply(late)  # another event, older: counted, changes nothing else
    record = projection.record(number)
    assert (record.last_sequence, record.events_applied, record.steps_completed) == (2, 3, 1)
    assert record.accepted_at == T0
    assert inbox_rows(projection, accepted, late) == 2


def test_a_batch_gives_each_event_its_outcome_on_both_databases(projection) -> None:
    number = case_number()
    first = event(number, 1, "case.accepted")
    assert projection.apply(first)
    batch = [event(number, 2), first, event("", 3), event(number, 3)]
    outcomes = projection.apply_batch(batch)
    assert outcomes[:2] == [True, False] and outcomes[3] is True
    assert isinstance(outcomes[2], ValueError)  # no case: the worker parks it
    record = projection.record(number)
    assert (record.events_applied, record.last_sequence) == (3, 3)
    assert inbox_rows(projection, *batch) == 3


def test_a_batch_applies_each_event_once_in_order(pg_projection) -> None:
    known, new = case_number(), case_number()
    before = event(known, 1, "case.accepted")
    assert pg_projection.apply(before)
    again = event(new, 3)
    batch = [event(new, 1, "case.accepted"), event(new, 2), event(known, 2), before,
             again, again, event("", 5), event(new, 4, "case.completed",
                                               "CASE_STATUS_COMPLETED")]
    outcomes = pg_projection.apply_case_events(batch)
    assert outcomes[:6] == [True, True, True, False, True, False]
    assert isinstance(outcomes[6], ValueError) and outcomes[7] is True
    fresh = pg_projection.record(new)
    assert (fresh.events_applied, fresh.last_sequence, fresh.status) == (4, 4, "completed")
    assert fresh.steps_completed == 3 and fresh.completed_at == T0 + timedelta(minutes=4)
    assert pg_projection.record(known).events_applied == 2
    assert inbox_rows(pg_projection, *batch[:6], batch[7]) == 6  # distinct event ids


def test_an_event_the_database_refuses_fails_alone_and_is_no_outage(pg_projection) -> None:
    """PostgreSQL refuses a NUL in text: that event's own error (a bug, retried and then
    dead-lettered by the worker), while the others of its batch are applied — not an outage
    that would hold the whole batch, and its partition, back for good."""
    good, other = case_number(), case_number()
    refused = event(case_number(), 1, "case.accepted", department="d\x00")
    outcomes = pg_projection.apply_batch([event(good, 1, "case.accepted"), refused,
                                          event(other, 1, "case.accepted")])
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], psycopg.DataError)
    assert not isinstance(outcomes[1], DATABASE_ERRORS)
    assert pg_projection.record(good) is not None and pg_projection.record(other) is not None


def test_a_late_event_in_a_batch_changes_nothing_but_the_count(pg_projection) -> None:
    number = case_number()
    outcomes = pg_projection.apply_case_events([event(number, 3), event(number, 2)])
    assert outcomes == [True, True]
    record = pg_projection.record(number)
    assert (record.last_sequence, record.events_applied, record.steps_completed) == (3, 2, 2)


def test_concurrent_callers_each_apply_their_events_once(pg_projection) -> None:
    numbers = [case_number() for _ in range(4)]
    events = [event(n, s) for n in numbers for s in (1, 2, 3)]
    results: dict[str, bool] = {}

    def apply(e: Event) -> None:
        results[e.event_id] = pg_projection.apply(e)

    threads = [threading.Thread(target=apply, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert set(results.values()) == {True} and len(results) == len(events)
    for n in numbers:
        assert pg_projection.record(n).events_applied == 3
        assert pg_projection.record(n).last_sequence == 3


def test_the_first_events_of_a_case_do_not_collide(pg_projection) -> None:
    """A record inserted by another transaction that has not committed yet: the event waits
    for it instead of failing on the key, then applies to it."""
    number = case_number()
    other = pg_projection.db.engine.connect()
    other.begin()
    other.execute(t.case_records.insert().values(
        case_number=number, region="511602", item_id="i", item_version=1, department="d",
        status="in_progress", last_event_type="case.accepted", last_sequence=1,
        events_applied=1, steps_completed=0, step_count=3, due_date="2026-11-27",
        accepted_at=T0, completed_at=None, last_event_at=T0, updated_at=T0))
    outcome = {}
    waiting = threading.Thread(
        target=lambda: outcome.setdefault("applied", pg_projection.apply(event(number, 2))))
    waiting.start()

    def blocked() -> bool:
        with pg_projection.db.begin() as c:
            return c.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one() > 0

    try:
        wait_for(blocked, timeout_s=10, what="the event to wait for the uncommitted record")
        other.commit()
    finally:
        other.close()
    waiting.join(10)
    assert outcome == {"applied": True}
    record = pg_projection.record(number)
    assert (record.events_applied, record.last_sequence) == (2, 2)
