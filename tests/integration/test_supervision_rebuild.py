"""Rebuilding supervision from a replay of all events gives the live state: cases run over
two weeks of the official calendar — one late in a step (yellow, red, closed), one refused
although complete, one waiting for supplements — with the worker's daily sweeps; replayed
into an empty database (some events twice), the views, the warnings with their histories and
the evaluation's facts are the same."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.cases.contract import event_to_pb
from services.cases.domain.engine import (
    Accept,
    CompleteStep,
    Decide,
    PublishResult,
    Reject,
    RequestSupplement,
    Submit,
    decide,
    evolve,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import actor_of
from services.monitoring import storage as t
from services.monitoring.projection import Projection
from services.monitoring.rebuild import rebuild, sweep_moment
from services.monitoring.supervision import Supervision
from services.shared.db import Database
from services.shared.events import Event, make_event
from services.shared.migrations import upgrade
from services.shared.working_days import CHINA, WorkingCalendar
from tests.support.cases import CHIEF, CLERK, FIRE_REVIEWER, REVIEWER, item, key

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "monitoring" / "migrations"
CALENDAR = WorkingCalendar.official()
APPLICANT = Party("张三", "id_card", "511602199001011236")
FIRST, LAST = date(2026, 11, 16), date(2026, 12, 4)  # Monday to the Friday three weeks on


class Clock:
    def __init__(self) -> None:
        self.now = sweep_moment(FIRST)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int) -> None:
        self.now = datetime.combine(day, time(hour), CHINA)


def database(request: Any, tmp_path: Path, schema: str) -> Database:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / f'{schema}.db'}"
        upgrade(MIGRATIONS, url, "monitoring")
        return Database(url, "monitoring", pool_size=2)
    url = request.getfixturevalue("pg_settings").database_url
    upgrade(MIGRATIONS, url, schema)
    return Database(url, schema, pool_size=2)


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request, tmp_path):
    """The live database, and an empty one to rebuild into (PostgreSQL: schemas of their own)."""
    suffix = key()[:6].lower()
    live = database(request, tmp_path, f"monitoring_live_{suffix}")
    rebuilt = database(request, tmp_path, f"monitoring_rebuilt_{suffix}")
    yield live, rebuilt
    for db in (live, rebuilt):
        with db.begin() as c:  # no relay here: leave no pending events to other tests
            c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
                published_at=func.now()))
        db.dispose()


class Live:
    """Supervision as it runs: each event applied as it happens, the timer's sweep first
    thing each day; every event kept, in order, for the replay."""

    def __init__(self, db: Database) -> None:
        self.clock = Clock()
        self.projection = Projection(db, Supervision(db, CALENDAR, "510000", clock=self.clock))
        self.events: list[Event] = []
        self.cases: dict[str, Case | None] = {}

    def new_day(self, day: date) -> None:
        self.clock.now = sweep_moment(day)
        self.projection.supervision.sweep(day)

    def do(self, number: str, command: Any, actor: Any) -> None:
        case = self.cases.get(number)
        for event in decide(case, command, actor_of(actor), self.clock.now,
                            calendar=CALENDAR):
            case = evolve(case, event)
            envelope = make_event(event.type, event_to_pb(case, event, CALENDAR, role="",
                                                          department=""),
                                  node="510000", region="511602", occurred_at=self.clock.now)
            self.events.append(envelope)
            self.projection.apply(envelope)
        self.cases[number] = case

    def running(self, number: str, step: str) -> str:
        case = self.cases[number]
        assert case is not None
        return next(i.instance_id for i in case.active if i.key == step)


def state(db: Database) -> dict[str, Any]:
    with db.read() as s:
        warnings = {r.warning_id: (r.rule, r.severity, r.status, r.explanation,
                                   [e["action"] for e in json.loads(r.history)])
                    for r in s.execute(select(t.warnings))}
        views = {r.case_number: (r.state, r.attention_on, r.closed)
                 for r in s.execute(select(t.case_watches))}
        cases = {r.case_number: (r.outcome, r.working_days, r.promised_left)
                 for r in s.execute(select(t.evaluation_cases))}
        steps = sorted((r.case_number, r.ref, r.late_days, r.online)
                       for r in s.execute(select(t.evaluation_steps)))
    return {"warnings": warnings, "views": views, "cases": cases, "steps": steps}


def test_a_replay_of_every_event_rebuilds_the_live_state(two) -> None:
    live_db, rebuilt_db = two
    live = Live(live_db)
    suffix = key()[:6].upper()
    late, refused, waiting = (f"511602{FIRST:%Y%m%d}{n}{suffix}" for n in "ABC")
    complete = (("form", 1, 0),)
    day = FIRST
    while day <= LAST:
        live.new_day(day)
        live.clock.at(day, 10)
        if day == FIRST:
            for number in (late, refused, waiting):
                live.do(number, Submit(number, "511602", item(), Mode.PROMISED, APPLICANT,
                                       Channel.COUNTER, complete if number != waiting else ()),
                        CLERK)
            live.do(late, Accept("齐全"), CLERK)
            live.do(waiting, RequestSupplement(("form",), FIRST + timedelta(days=10)), CLERK)
        elif day == date(2026, 11, 17):
            live.do(refused, Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
        elif day == date(2026, 11, 25):  # the review, days after its limit
            live.do(late, CompleteStep(live.running(late, "review/fire"), "同意"),
                    FIRE_REVIEWER)
            live.do(late, CompleteStep(live.running(late, "review"), "同意"), REVIEWER)
        elif day == date(2026, 11, 26):
            live.do(late, Decide("approve", "符合条件"), CHIEF)
            live.do(late, PublishResult(), CLERK)
        day += timedelta(days=1)
    before = state(live_db)
    rules = {w[0] for w in before["warnings"].values()}
    assert {"STEP_LIMIT", "COMPLETE_APPLICATION_REJECTED"} <= rules, rules
    assert any(w[4][:2] == ["raised", "escalated"] and w[2] == "closed"
               for w in before["warnings"].values()), before["warnings"]

    # the replay: every event in order, the first five delivered twice
    replayed = live.events[:5] + live.events
    rebuilt = Projection(rebuilt_db, Supervision(rebuilt_db, CALENDAR, "510000",
                                                 clock=Clock()))
    applied = rebuild(rebuilt, replayed, LAST)
    assert applied == len(live.events)
    assert state(rebuilt_db) == before
