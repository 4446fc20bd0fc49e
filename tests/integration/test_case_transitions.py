"""The case service's unit of work on both databases: state, step instances, trace and outbox
in one transaction (two pipelined round trips on PostgreSQL, statement by statement on
SQLite), idempotency keys, the row lock, the per-case sequence, the append-only trace."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from services.cases import storage as t
from services.cases.domain.engine import (
    Accept,
    Complete,
    CompleteStep,
    Decide,
    PublishResult,
    Reject,
    RequestSupplement,
)
from services.cases.domain.flow import ItemSnapshot
from services.cases.service import CaseService
from services.shared.db import Database
from services.shared.errors import Conflict, NotFound
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar, local_day
from tests.support.cases import (
    CHIEF,
    CLERK,
    FIRE_REVIEWER,
    REVIEWER,
    active,
    application,
    decide,
    item,
    key,
    run_to_decision,
    staff,
)
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
ITEM = item()


class Items:
    def __init__(self, snapshot: ItemSnapshot = ITEM) -> None:
        self.snapshot = snapshot

    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return self.snapshot


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
        upgrade(MIGRATIONS, url, "cases")
    else:
        url = request.getfixturevalue("pg_settings").database_url
    database = Database(url, "cases", pool_size=1)
    yield database
    with database.begin() as c:  # no relay here: leave no pending events to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=func.now()))
    database.dispose()


@pytest.fixture()
def service(db):
    return CaseService(db, Items(), WorkingCalendar.official(), "510000")


def _events(db: Database, number: str) -> list[tuple[str, dict]]:
    with db.begin() as c:
        rows = c.execute(select(t.outbox.c.routing_key, t.outbox.c.body).where(
            t.outbox.c.body.contains(number)).order_by(t.outbox.c.seq)).all()
    return [(r.routing_key, json.loads(r.body)) for r in rows]


def _count(db: Database, table, *where) -> int:  # type: ignore[no-untyped-def]
    with db.begin() as c:
        return c.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_a_case_runs_from_application_to_completion(service, db) -> None:
    case = decide(service, run_to_decision(service, ITEM))
    case = service.act(CLERK, case.number, PublishResult(), key())
    case = service.act(CLERK, case.number, Complete(), key())
    assert case.status.value == "completed"
    events = _events(db, case.number)
    types = [body["type"] for _, body in events]
    assert types == ["case.submitted", "case.step_started", "case.accepted",
                     "case.step_started", "case.step_started", "case.step_completed",
                     "case.step_completed", "case.branches_joined", "case.step_started",
                     "case.decided", "case.result_published", "case.completed"]
    assert [int(b["data"]["sequence"]) for _, b in events] == list(range(1, 13))
    assert events[2][0] == "case.accepted.510000.511600.511602"
    stored = service.get(CLERK, case.number)
    assert stored == case and stored.sequence == 12
    entries, broken = service.verify(CLERK, case.number)
    assert broken is None and [e.action for e in entries] == types
    assert entries[2].state_before == "submitted" and entries[2].state_after == "in_progress"
    assert entries[9].actor == "chief-1" and entries[9].role == "chief"
    assert _count(db, t.step_instances, t.step_instances.c.case_number == case.number) == 4


def test_a_repeated_request_acts_once_and_answers_with_the_case(service, db) -> None:
    case = run_to_decision(service, ITEM)
    k = key()
    first = decide_with(service, case, k)
    again = decide_with(service, case, k)
    assert first.sequence == again.sequence and again.status.value == "decided"
    assert [b["type"] for _, b in _events(db, case.number)].count("case.decided") == 1


def decide_with(service: CaseService, case, k: str):  # type: ignore[no-untyped-def]
    return service.act(CHIEF, case.number, Decide("approve", "符合条件"), k)


def test_a_key_used_for_another_request_is_refused(service, db) -> None:
    case = service.submit(CLERK, application(ITEM), key())
    k = key()
    service.act(CLERK, case.number, Accept(), k)
    with pytest.raises(Conflict) as refused:
        service.act(CLERK, case.number, Reject("x", "NOT_IN_SCOPE"), k)
    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_a_refused_action_leaves_nothing_behind(service, db) -> None:
    case = service.submit(CLERK, application(ITEM), key())
    k = key()
    with pytest.raises(Exception) as refused:
        service.act(CHIEF, case.number, CompleteStep("s1"), k)
    assert getattr(refused.value, "code", "") in ("USE_ACCEPT", "ACTION_NOT_ALLOWED")
    assert _count(db, t.idempotency_keys, t.idempotency_keys.c.key == k) == 0
    assert _count(db, t.case_trace, t.case_trace.c.case_number == case.number) == 2
    with pytest.raises(NotFound) as missing:
        service.act(CLERK, "511602209901010000001", CompleteStep("s1"), k)
    assert missing.value.code == "CASE_NOT_FOUND"
    assert _count(db, t.idempotency_keys, t.idempotency_keys.c.key == k) == 0


def test_two_handlers_completing_one_step_make_one_completion(service, db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    concurrent = Database(db.url, "cases", pool_size=8)
    racing = CaseService(concurrent, Items(), WorkingCalendar.official(), "510000")
    case = decide_ready(racing)
    review = active(case, "review")
    others = [REVIEWER.__class__(**{**REVIEWER.__dict__, "subject": f"reviewer-{n}"})
              for n in range(6)]
    start = threading.Barrier(len(others))

    def attempt(who):  # type: ignore[no-untyped-def]
        start.wait()
        try:
            racing.act(who, case.number, CompleteStep(review, "同意"), key())
            return "done"
        except Conflict as refused:
            return refused.code

    try:
        with ThreadPoolExecutor(len(others)) as pool:
            outcomes = list(pool.map(attempt, others))
    finally:
        concurrent.dispose()
    assert sorted(outcomes) == ["STEP_NOT_ACTIVE"] * 5 + ["done"]
    completions = [b for _, b in _events(db, case.number) if b["type"] ==
                   "case.step_completed" and b["data"]["step"]["instance_id"] == review]
    assert len(completions) == 1


def decide_ready(service: CaseService):  # type: ignore[no-untyped-def]
    """A case whose review stage runs (its branch done)."""
    case = service.submit(CLERK, application(ITEM), key())
    case = service.act(CLERK, case.number, Accept(), key())
    return service.act(FIRE_REVIEWER, case.number,
                       CompleteStep(active(case, "review/fire")), key())


def test_the_case_row_is_locked_during_an_action(service, db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite locks the whole file")
    case = decide_ready(service)
    other = Database(db.url, "cases", pool_size=2)
    holder = other.engine.connect()
    holder.begin()
    holder.execute(text("SELECT 1 FROM cases WHERE case_number = :n FOR UPDATE"),
                   {"n": case.number})
    done = threading.Event()
    result = {}

    def transition() -> None:
        result["case"] = service.act(REVIEWER, case.number,
                                     CompleteStep(active(case, "review")), key())
        done.set()

    worker = threading.Thread(target=transition)
    worker.start()
    try:
        def blocked() -> bool:
            with other.begin() as c:
                return c.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'")
                ).scalar_one() > 0

        wait_for(blocked, timeout_s=10, what="the action to wait for the row lock")
        assert not done.is_set()
    finally:
        holder.rollback()
        holder.close()
    worker.join(10)
    other.dispose()
    assert result["case"].active[0].key == "decide"


def test_the_trace_is_append_only_and_a_changed_row_is_named(service, db) -> None:
    case = run_to_decision(service, ITEM)
    with pytest.raises(Exception, match="append-only"), db.begin() as c:
        c.execute(t.case_trace.update().where(t.case_trace.c.case_number == case.number,
                                              t.case_trace.c.seq == 3).values(opinion="改过"))
    with pytest.raises(Exception, match="append-only"), db.begin() as c:
        c.execute(t.case_trace.delete().where(t.case_trace.c.case_number == case.number))
    # someone with the database's owner rights goes around the trigger
    with db.begin() as c:
        if db.dialect == "postgresql":
            c.execute(text("ALTER TABLE case_trace DISABLE TRIGGER case_trace_no_update"))
        else:
            c.execute(text("DROP TRIGGER case_trace_no_update"))
        c.execute(t.case_trace.update().where(t.case_trace.c.case_number == case.number,
                                              t.case_trace.c.seq == 3).values(opinion="改过"))
        if db.dialect == "postgresql":
            c.execute(text("ALTER TABLE case_trace ENABLE TRIGGER case_trace_no_update"))
    _, broken = service.verify(CLERK, case.number)
    assert broken is not None and broken.seq == 3


def test_queues_list_running_steps_earliest_due_first(service, db) -> None:
    cases = [decide_ready(service) for _ in range(3)]
    entries, total = service.queue(REVIEWER, "", "", "", False, False, 0, 50)
    ours = [e for e in entries if e[1].number in {c.number for c in cases}]
    assert len(ours) == 3 and all(i.key == "review" for i, _, _ in ours)
    dues = [i for i, _, _ in entries]
    assert total >= 3 and len(dues) == len(entries)
    mine, _ = service.queue(REVIEWER, "", "", "", False, True, 0, 50)
    assert not [e for e in mine if e[1].number in {c.number for c in cases}]
    chiefs, _ = service.queue(CHIEF, "", "", "", False, False, 0, 50)
    assert not [e for e in chiefs if e[1].number in {c.number for c in cases}]


def test_applications_lapse_after_their_supplement_time_and_roots_are_kept(service,
                                                                           db) -> None:
    case = service.submit(CLERK, application(ITEM, materials=()), key())
    tomorrow = local_day() + timedelta(days=1)
    service.act(CLERK, case.number, RequestSupplement(("form",), tomorrow), key())
    assert service.lapse_overdue(today=tomorrow) == 0
    real = service.clock
    service.clock = lambda: real() + timedelta(days=2)  # the day after the last one
    assert service.lapse_overdue() >= 1
    service.clock = real
    assert service.get(CLERK, case.number).status.value == "lapsed"
    assert service.publish_roots(today=local_day() + timedelta(days=1)) >= 1
    assert service.publish_roots(today=local_day() + timedelta(days=1)) == 0  # kept once
    with db.begin() as c:
        root = c.execute(select(t.trace_roots).where(
            t.trace_roots.c.day == local_day().isoformat(),
            t.trace_roots.c.region == "511602")).one()
    assert len(root.root) == 64 and root.cases >= 1
    assert any(b["type"] == "case.trace_root" for _, b in _events_of_type(db, "trace_root"))


def _events_of_type(db: Database, word: str) -> list[tuple[str, dict]]:
    with db.begin() as c:
        rows = c.execute(select(t.outbox.c.routing_key, t.outbox.c.body).where(
            t.outbox.c.routing_key.contains(word))).all()
    return [(r.routing_key, json.loads(r.body)) for r in rows]


def test_a_classified_items_case_does_not_exist_for_the_public(db) -> None:
    service = CaseService(db, Items(replace(ITEM, classified=True)),
                          WorkingCalendar.official(), "510000")
    case = service.submit(CLERK, application(ITEM), key())
    hall = staff("hall", "hall", None)
    with pytest.raises(NotFound) as refused:
        service.get(hall, case.number)
    assert refused.value.code == "CASE_NOT_FOUND"
    assert service.get(CLERK, case.number).item.classified  # its own department reads it
    # where it stands, too: the same answer as its file's
    with pytest.raises(NotFound):
        service.progress(hall, case.number)
    assert service.progress(CLERK, case.number).number == case.number
    never_given = case.number[:-6] + "999999"
    with pytest.raises(NotFound) as missing:
        service.get(hall, never_given)
    assert str(missing.value).replace(never_given, "N") == str(refused.value).replace(
        case.number, "N")
