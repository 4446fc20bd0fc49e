"""Trend warnings end to end, on PostgreSQL and SQLite: the case engine's real events through
supervision's write path (``Supervision.on_event``, a transaction each) leave the facts the
trend rules count; the sweep evaluates them once a day; the trend warnings are listed,
answered and notified through the gRPC servicer like any warning, stay out of the
evaluation's per-case warning counts, and close once the trend is gone."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from sqlalchemy import func, select
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from services.cases.contract import event_to_pb
from services.cases.domain.engine import (
    Accept,
    Complete,
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
from services.monitoring.api import MonitoringServicer
from services.monitoring.domain.evaluation import Period
from services.monitoring.domain.trends import TrendThresholds
from services.monitoring.evaluation import Evaluation
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.events import make_event
from services.shared.grpc_client import channel
from services.shared.grpc_server import GrpcServer
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support import departments
from tests.support.cases import CHIEF, CLERK, FIRE_REVIEWER, REVIEWER, item, staff

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "monitoring" / "migrations"
CALENDAR = WorkingCalendar.official()
APPLICANT = Party("张三", "id_card", "511602199001011236")
SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]
DEV, FIRE = departments.DEVELOPMENT, departments.FIRE
TODAY = date(2026, 12, 28)  # a Monday
#: small counts, so that a few real cases make a trend (a node may set its own)
TH = TrendThresholds(
    window_days=28, baseline_windows=1, overdue_min_cases=3, overdue_min_baseline=3,
    overdue_min_rise=0.3, overdue_min_z=1.5, peer_min_count=5, peer_min_peers=2,
    peer_min_peer_count=3, peer_rate_floor=0.05, peer_min_z=2.0, bunching_min_count=3,
    bunching_min_z=2.0)
TRENDS = f"TREND-{DEV}"
RAISED = {(f"{TRENDS}:TREND_OVERDUE_RISING:department:1", ""),
          (f"{TRENDS}:TREND_DEADLINE_BUNCHING:department:1", ""),
          (f"{TRENDS}:TREND_DEADLINE_BUNCHING:chief-1:1", "chief-1"),
          ("{trends}:TREND_REJECTION_RATE:clerk-5@{item}:1", "clerk-5"),
          ("{trends}:TREND_SUPPLEMENT_RATE:clerk-3@{item}:1", "clerk-3")}


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


class Clock:
    def __init__(self) -> None:
        self.now = at(date(2026, 11, 2))

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = at(day)


class Driven:
    """A case of the engine whose events supervision receives as the worker hands them
    over, each in its own transaction."""

    def __init__(self, supervision: Supervision, clock: Clock, item_id: str) -> None:
        self.supervision, self.clock = supervision, clock
        self.case: Case | None = None
        self.number = f"511602{clock.now:%Y%m%d}{uuid.uuid4().hex[:6].upper()}"
        self.do(Submit(self.number, "511602", item(item_id), Mode.PROMISED, APPLICANT,
                       Channel.COUNTER, (("form", 1, 0),)), CLERK)

    def do(self, command, actor) -> Driven:  # type: ignore[no-untyped-def]
        for event in decide(self.case, command, actor_of(actor), self.clock.now,
                            calendar=CALENDAR):
            self.case = evolve(self.case, event)
            data = event_to_pb(self.case, event, CALENDAR, role="", department="")
            envelope = make_event(event.type, data, node="510000", region="511602",
                                  occurred_at=self.clock.now)
            with self.supervision.db.begin() as conn:
                self.supervision.on_event(conn, envelope)
        return self

    def step(self, key: str, actor) -> Driven:  # type: ignore[no-untyped-def]
        assert self.case is not None
        instance = next(i.instance_id for i in self.case.active if i.key == key)
        return self.do(CompleteStep(instance, "同意"), actor)

    def through(self, decided_on: date) -> None:
        """Reviewed the day after acceptance, decided, published and completed on
        ``decided_on``."""
        self.clock.on(self.clock.now.date() + timedelta(days=1))
        self.step("review/fire", FIRE_REVIEWER).step("review", REVIEWER)
        self.clock.on(decided_on)
        self.do(Decide("approve", "符合条件"), CHIEF).do(PublishResult(), CLERK)
        self.do(Complete(), CLERK)


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def db(request, tmp_path_factory) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('trends') / 'monitoring.db'}"
        schema = "monitoring"
    else:
        url, schema = request.getfixturevalue("pg_database").url, f"trend_{uuid.uuid4().hex[:8]}"
    upgrade(MIGRATIONS, url, schema)
    database = Database(url, schema, pool_size=4)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def world(db) -> dict[str, object]:
    """区发展改革局, one item, November and December 2026:

    - November (the window before): 3 cases accepted Mon 11-02 by clerk-1, decided by chief-1
      on their promised day (11-16, 0 days left) and completed: on time, and every decision
      on the last day of its limit (an even spread would put 1 in 10 there);
    - December (the last 4 weeks): 3 cases accepted 11-30, decided 12-16, 2 working days
      past their promised day (12-14): overdue rate 0 % → 100 %;
    - clerk-5 refuses 4 of the 5 applications they decide on (不予受理), clerk-1 and clerk-2
      refuse none; clerk-3 sends 3 of the 5 applications they look at first back for
      supplements (补正), the others none.

    Then the sweep of Mon 12-28 evaluates the trends, and a second one the same day."""
    clock = Clock()
    supervision = Supervision(db, CALENDAR, "510000", clock=clock, trend_thresholds=TH)
    item_id = f"item-{uuid.uuid4().hex[:8]}"

    def case(day: date) -> Driven:
        clock.on(day)
        return Driven(supervision, clock, item_id)

    for _ in range(3):
        case(date(2026, 11, 2)).do(Accept("材料齐全"), CLERK).through(date(2026, 11, 16))
    for _ in range(3):
        case(date(2026, 11, 30)).do(Accept("材料齐全"), CLERK).through(date(2026, 12, 16))
    clerk2, clerk3, clerk5 = (staff(f"clerk-{n}") for n in (2, 3, 5))
    for _ in range(3):
        case(date(2026, 12, 1)).do(Accept("材料齐全"), clerk2)
    for n in range(5):
        case(date(2026, 12, 2)).do(Reject("不符合条件", "NOT_QUALIFIED") if n else
                                   Accept("材料齐全"), clerk5)
    for n in range(5):
        case(date(2026, 12, 3)).do(RequestSupplement(("form",), date(2026, 12, 10)) if n < 3
                                   else Accept("材料齐全"), clerk3)
    clock.on(TODAY)
    first = supervision.sweep()
    second = supervision.sweep_trends()
    return {"item_id": item_id, "supervision": supervision, "clock": clock, "first": first,
            "second": second}


def raised(world) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(i.format(trends=TRENDS, item=world["item_id"]), h) for i, h in RAISED}


@pytest.fixture(scope="module")
def address(db, world) -> Iterator[str]:
    supervision = Supervision(db, CALENDAR, "510000", clock=lambda: at(TODAY))
    server = GrpcServer("127.0.0.1:0", max_workers=4)
    server.add(pb_grpc.add_MonitoringServiceServicer_to_server,
               MonitoringServicer(Projection(db), Authenticator(SECRET), supervision,
                                  Evaluation(db, clock=lambda: at(TODAY))),
               ["sunlight.monitoring.v1.MonitoringService"])
    yield f"127.0.0.1:{server.start()}"
    server.stop(0)


@pytest.fixture(scope="module")
def stub(address) -> Iterator[pb_grpc.MonitoringServiceStub]:
    opened = channel(address)
    yield pb_grpc.MonitoringServiceStub(opened)
    opened.close()


def token(subject: str, role: str = "clerk", department: str | None = DEV,
          region: str = "511602") -> list[tuple[str, str]]:
    return [("authorization", "Bearer " + mint_token(SECRET, subject, [role], [region],
                                                     department=department))]


SUPERVISOR = token("sup-1", "supervisor", None)


def listed(stub, metadata, **fields) -> dict[str, pb.Warning]:  # type: ignore[no-untyped-def]
    answer = stub.ListWarnings(pb.ListWarningsRequest(page_size=200, **fields),
                               metadata=metadata)
    return {x.warning_id: x for x in answer.warnings if x.case_number == TRENDS}


def test_the_days_facts_raise_each_trend_once(db, world) -> None:
    with db.begin() as c:
        acts = dict(c.execute(select(t.trend_acts.c.act, func.count()).group_by(
            t.trend_acts.c.act)).all())
        last_day = c.execute(select(t.trend_runs.c.last_day)).scalar_one()
    assert acts == {"accepted": 12, "rejected": 4, "supplement": 3, "decided": 6}
    assert last_day == TODAY.isoformat() and world["second"] == 0  # once a day
    with db.begin() as c:
        rows = c.execute(select(t.warnings.c.warning_id, t.warnings.c.handler).where(
            t.warnings.c.case_number == TRENDS)).all()
    assert {tuple(r) for r in rows} == raised(world)


def test_a_supervisor_lists_them_with_their_explanations(stub, world) -> None:
    found = listed(stub, SUPERVISOR, case_number=TRENDS)
    assert {(i, x.handler) for i, x in found.items()} == raised(world)
    rising = found[f"{TRENDS}:TREND_OVERDUE_RISING:department:1"]
    assert (rising.rule_title, rising.severity, rising.status, rising.department_code) == (
        "部门超期率上升", pb.SEVERITY_YELLOW, pb.WARNING_STATUS_OPEN, DEV)
    assert ("区发展改革局近 4 周（2026-11-30至2026-12-27）按承诺时限办结 3 件，超期 3 件，"
            "超期率 100.0%；此前 4 周（2026-11-02至2026-11-29）办结 3 件，超期 0 件，超期率 0.0%"
            ) in rising.explanation
    chief = found[f"{TRENDS}:TREND_DEADLINE_BUNCHING:chief-1:1"]
    assert "chief-1（区发展改革局）近 8 周按时作出的 3 个决定中，有 3 个（100.0%）" in (
        chief.explanation) and chief.facts["even"] == "10.0%"
    refusals = next(x for x in found.values() if x.rule == "TREND_REJECTION_RATE")
    assert "作出受理决定 5 件，其中不予受理 4 件，不予受理率 80.0%" in refusals.explanation
    assert refusals.item_id == world["item_id"]
    supplements = next(x for x in found.values() if x.rule == "TREND_SUPPLEMENT_RATE")
    assert "初审" in supplements.explanation and supplements.facts["rate"] == "60.0%"
    by_rule = listed(stub, SUPERVISOR, rule="TREND_DEADLINE_BUNCHING")
    assert len(by_rule) == 2
    got = stub.GetWarning(pb.GetWarningRequest(warning_id=rising.warning_id),
                          metadata=SUPERVISOR)
    assert got.warning.explanation == rising.explanation


def test_the_department_and_the_handler_see_theirs_others_do_not(stub, world) -> None:
    assert len(listed(stub, token("clerk-1"))) == 5  # the department's staff: all of them
    # the handler, wherever they work now
    own = listed(stub, token("clerk-5", department=departments.EDUCATION))
    assert [x.rule for x in own.values()] == ["TREND_REJECTION_RATE"]
    assert listed(stub, token("fire-1", department=FIRE)) == {}
    assert listed(stub, token("sup-9", "supervisor", None, region="511603")) == {}
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetWarning(pb.GetWarningRequest(
            warning_id=f"{TRENDS}:TREND_OVERDUE_RISING:department:1"),
            metadata=token("fire-1", department=FIRE))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


def test_they_reach_notifications_and_the_outbox(db, stub, world) -> None:
    notes = stub.ListNotifications(pb.ListNotificationsRequest(page_size=200),
                                   metadata=SUPERVISOR)
    texts = [n.text for n in notes.notifications if n.warning_id.startswith(TRENDS)]
    assert len(texts) == 5 and any(x.startswith("【黄牌·新预警】部门超期率上升：") for x in texts)
    mine = stub.ListNotifications(pb.ListNotificationsRequest(page_size=200),
                                  metadata=token("clerk-5", department=departments.EDUCATION))
    assert [n.warning_id for n in mine.notifications if n.warning_id.startswith(TRENDS)] == [
        next(i for i, h in raised(world) if h == "clerk-5")]
    with db.begin() as c:
        bodies = [json.loads(b) for b in c.execute(select(t.outbox.c.body)).scalars()]
    trend_events = [b for b in bodies if b["data"]["warning"]["case_number"] == TRENDS]
    assert sorted(b["type"] for b in trend_events) == ["warning.raised"] * 5


def test_the_evaluation_counts_only_case_warnings(db, stub, world) -> None:
    answer = stub.Evaluate(pb.EvaluateRequest(period="2026-12", region="511602"),
                           metadata=SUPERVISOR)
    dev = next(r for r in answer.rows if r.key == DEV)
    start, end = Period.parse("2026-12").moments()
    with db.begin() as c:
        yellow = c.execute(select(func.count()).select_from(t.warnings).where(
            t.warnings.c.department_code == DEV, t.warnings.c.severity == "yellow",
            t.warnings.c.raised_at >= start, t.warnings.c.raised_at < end)).scalar_one()
    assert yellow >= 5 and dev.yellow_warnings == yellow - 5


def test_answered_like_any_warning_and_closed_once_the_trend_is_gone(db, stub, world) -> None:
    item_id = world["item_id"]
    refusal = f"{TRENDS}:TREND_REJECTION_RATE:clerk-5@{item_id}:1"
    contested = stub.ActOnWarning(pb.ActOnWarningRequest(
        idempotency_key=uuid.uuid4().hex, warning_id=refusal,
        contest=pb.Contest(reason="所退回申请均不符合法定条件")), metadata=token("clerk-5"))
    assert contested.warning.status == pb.WARNING_STATUS_CONTESTED
    with pytest.raises(grpc.RpcError) as refused:
        stub.ActOnWarning(pb.ActOnWarningRequest(
            idempotency_key=uuid.uuid4().hex, warning_id=refusal,
            acknowledge=pb.Acknowledge()), metadata=token("fire-1", department=FIRE))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    rising = f"{TRENDS}:TREND_OVERDUE_RISING:department:1"
    seen = stub.ActOnWarning(pb.ActOnWarningRequest(
        idempotency_key=uuid.uuid4().hex, warning_id=rising,
        acknowledge=pb.Acknowledge(note="已安排专人督办")), metadata=token("clerk-1"))
    assert [h.action for h in seen.warning.history] == ["raised", "acknowledged"]
    bunching = f"{TRENDS}:TREND_DEADLINE_BUNCHING:department:1"
    dismissed = stub.ActOnWarning(pb.ActOnWarningRequest(
        idempotency_key=uuid.uuid4().hex, warning_id=bunching,
        dismiss=pb.Dismiss(reason="均为法定审查期满方可决定的事项")), metadata=SUPERVISOR)
    assert dismissed.warning.status == pb.WARNING_STATUS_DISMISSED
    # sixteen weeks on, no window holds these facts: every trend still in force closes
    supervision, clock = world["supervision"], world["clock"]
    clock.on(TODAY + timedelta(days=112))
    assert supervision.sweep_trends() == 4
    after = listed(stub, SUPERVISOR, case_number=TRENDS)
    assert {i: x.status for i, x in after.items()} == {
        i: pb.WARNING_STATUS_DISMISSED if i == bunching else pb.WARNING_STATUS_CLOSED
        for i, _ in raised(world)}
    assert after[rising].history[-1].note == "最新统计窗口不再显示此趋势"
    with db.begin() as c:
        bodies = [json.loads(b) for b in c.execute(select(t.outbox.c.body)).scalars()]
    closed = [b for b in bodies if b["type"] == "warning.closed"
              and b["data"]["warning"]["case_number"] == TRENDS]
    assert len(closed) == 4
