"""Efficiency evaluation end to end: the case engine's real events through supervision's
write path (``Supervision.on_event``, a transaction each) leave their facts; ``Evaluate`` and
``ExportEvaluation`` over gRPC sum them per department, region, item and official, each caller
reading what they may; the gateway answers the same as JSON, CSV and SVG."""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from gateway.backends import Backends
from gateway.http_api import create_app
from services.cases.contract import event_to_pb
from services.cases.domain.engine import (
    Accept,
    Complete,
    CompleteStep,
    Decide,
    EndProcedure,
    PublishResult,
    Reject,
    StartProcedure,
    Submit,
    decide,
    evolve,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import actor_of
from services.monitoring import storage as t
from services.monitoring.api import MonitoringServicer
from services.monitoring.domain import evaluation as ev
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


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


class Driven:
    """A case of the engine whose events supervision receives as the worker hands them
    over, each in its own transaction."""

    def __init__(self, supervision: Supervision, clock: Clock, item_id: str) -> None:
        self.supervision, self.clock = supervision, clock
        self.case: Case | None = None
        self.number = f"511602{clock.now:%Y%m%d}{uuid.uuid4().hex[:6].upper()}"
        self.do(Submit(self.number, "511602", item(item_id), Mode.PROMISED, APPLICANT,
                       Channel.COUNTER, (("form", 1, 0),)), CLERK)

    def do(self, command, actor) -> None:  # type: ignore[no-untyped-def]
        for event in decide(self.case, command, actor_of(actor), self.clock.now,
                            calendar=CALENDAR):
            self.case = evolve(self.case, event)
            data = event_to_pb(self.case, event, CALENDAR, role="", department="")
            envelope = make_event(event.type, data, node="510000", region="511602",
                                  occurred_at=self.clock.now)
            with self.supervision.db.begin() as conn:
                self.supervision.on_event(conn, envelope)

    def step(self, key: str, actor, day: date | None = None) -> None:  # type: ignore[no-untyped-def]
        if day is not None:
            self.clock.on(day)
        assert self.case is not None
        instance = next(i.instance_id for i in self.case.active if i.key == key)
        self.do(CompleteStep(instance, "同意"), actor)

    def finish(self, day: date) -> None:
        self.clock.on(day)
        self.do(Decide("approve", "符合条件"), CHIEF)
        self.do(PublishResult(), CLERK)
        self.do(Complete(), CLERK)


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def db(request, tmp_path_factory) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('eval') / 'monitoring.db'}"
        schema = "monitoring"
    else:
        url, schema = request.getfixturevalue("pg_database").url, f"eval_{uuid.uuid4().hex[:8]}"
    upgrade(MIGRATIONS, url, schema)
    database = Database(url, schema, pool_size=4)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def world(db) -> dict[str, str]:
    """November 2026 in 区发展改革局 (its cases' parallel branch is 区消防救援大队's):

    - early: accepted Mon 11-02, done 11-04 — 2 working days, promised 10;
    - late_step: accepted 11-02, its review (3 days, due 11-05) done 11-10, swept on the way
      (yellow, then red), decided 11-11 — on time as a case;
    - overdue: accepted 11-02 (promised due 11-16), completed 11-18;
    - stopped: accepted 11-16, expert review 11-17 → 11-23 (4 working days stand still),
      completed 11-25: 7 working days elapsed, 3 counted;
    - refused: a complete application refused (不予受理) on 11-20 (a red warning);
    - open: accepted 11-26, still running (the backlog).
    """
    clock = Clock()
    supervision = Supervision(db, CALENDAR, "510000", clock=clock)
    item_id = f"item-{uuid.uuid4().hex[:8]}"
    made: dict[str, Driven] = {}

    def start(name: str, day: date, accept: bool = True) -> Driven:
        clock.on(day)
        made[name] = Driven(supervision, clock, item_id)
        if accept:
            made[name].do(Accept("材料齐全"), CLERK)
        return made[name]

    early = start("early", date(2026, 11, 2))
    late = start("late_step", date(2026, 11, 2))
    overdue = start("overdue", date(2026, 11, 2))
    early.step("review/fire", FIRE_REVIEWER, date(2026, 11, 3))
    early.step("review", REVIEWER)
    early.finish(date(2026, 11, 4))
    late.step("review/fire", FIRE_REVIEWER, date(2026, 11, 3))
    overdue.step("review/fire", FIRE_REVIEWER)
    for day in (date(2026, 11, 5), date(2026, 11, 9)):  # the daily sweeps
        clock.on(day)
        supervision.sweep()
    late.step("review", REVIEWER, date(2026, 11, 10))
    late.finish(date(2026, 11, 11))
    overdue.step("review", REVIEWER, date(2026, 11, 12))
    overdue.finish(date(2026, 11, 18))
    stopped = start("stopped", date(2026, 11, 16))
    clock.on(date(2026, 11, 17))
    stopped.do(StartProcedure("expert_review", "需专家评审"), REVIEWER)
    clock.on(date(2026, 11, 23))
    stopped.do(EndProcedure("评审通过"), REVIEWER)
    stopped.step("review/fire", FIRE_REVIEWER, date(2026, 11, 24))
    stopped.step("review", REVIEWER)
    stopped.finish(date(2026, 11, 25))
    refused = start("refused", date(2026, 11, 20), accept=False)
    refused.do(Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
    start("open", date(2026, 11, 26))
    clock.on(date(2026, 11, 27))
    return {"item_id": item_id, **{k: v.number for k, v in made.items()},
            "now": clock.now.isoformat(),
            "stopped_used": str(made["stopped"].case.promised and  # type: ignore[union-attr]
                                _used(made["stopped"]))}


def _used(driven: Driven) -> int:
    from services.cases.domain.progress import progress

    assert driven.case is not None and driven.case.closed_at is not None
    where = progress(driven.case, CALENDAR, date(2026, 11, 25))
    assert where.promised is not None
    return where.promised.used


@pytest.fixture(scope="module")
def address(db, world) -> Iterator[str]:
    """Supervision's gRPC servicer on the facts above, on 2026-11-27."""
    now = datetime.fromisoformat(world["now"])
    supervision = Supervision(db, CALENDAR, "510000", clock=lambda: now)
    server = GrpcServer("127.0.0.1:0", max_workers=4)
    server.add(pb_grpc.add_MonitoringServiceServicer_to_server,
               MonitoringServicer(Projection(db), Authenticator(SECRET), supervision,
                                  Evaluation(db, clock=lambda: now)),
               ["sunlight.monitoring.v1.MonitoringService"])
    yield f"127.0.0.1:{server.start()}"
    server.stop(0)


@pytest.fixture(scope="module")
def stub(address) -> Iterator[pb_grpc.MonitoringServiceStub]:
    opened = channel(address)
    yield pb_grpc.MonitoringServiceStub(opened)
    opened.close()


def token(subject: str, role: str, region: str = "511602", department: str | None = None
          ) -> list[tuple[str, str]]:
    return [("authorization", "Bearer " + mint_token(SECRET, subject, [role], [region],
                                                     department=department))]


SUPERVISOR = token("sup-1", "supervisor")
CITY_SUPERVISOR = token("sup-city", "supervisor", "511600")
LEGAL = token("legal-1", "legal_reviewer", "511600")
DEV_CLERK = token("clerk-1", "clerk", department=DEV)
FIRE_CLERK = token("fire-1", "clerk", department=FIRE)
NOVEMBER = pb.EvaluateRequest(period="2026-11", region="511602")


def rows(answer: pb.EvaluateResponse) -> dict[str, pb.EvaluationRow]:
    return {r.key: r for r in answer.rows}


def test_each_closed_case_and_step_left_one_fact(db, world) -> None:
    with db.begin() as c:
        facts = {r.case_number: r for r in c.execute(select(t.evaluation_cases)).all()}
        steps = c.execute(select(func.count()).select_from(t.evaluation_steps)).scalar_one()
    stopped = facts[world["stopped"]]
    assert (stopped.stopped_days, stopped.working_days) == (4, 3)
    assert stopped.working_days == int(world["stopped_used"])  # as the engine counts
    assert facts[world["early"]].promised_left > 0 and facts[world["overdue"]].promised_left < 0
    assert facts[world["refused"]].outcome == "rejected"
    assert facts[world["open"]].closed_on is None if world["open"] in facts else True
    # acceptance, fire branch, review, decision: 4 steps a completed case; 1 the refused one
    assert steps == 4 * 4 + 1 + 1  # ... and the open case's acceptance


def test_the_departments_month(stub, world) -> None:
    answer = stub.Evaluate(NOVEMBER, metadata=SUPERVISOR)
    dev, fire = rows(answer)[DEV], rows(answer)[FIRE]
    assert (dev.handled, dev.timed, dev.on_time, dev.early, dev.overdue) == (5, 4, 3, 3, 1)
    assert dev.on_time_rate == pytest.approx(0.75) and dev.early_rate == pytest.approx(0.75)
    # working days of the four completed: 2, 7, 12, 3 → mean 6, p90 the largest
    assert dev.average_working_days == pytest.approx(6.0) and dev.p90_working_days == 12
    assert dev.backlog == 1
    # the late review step counts in the department's month, with its warnings
    assert dev.steps_late >= 1 and dev.red_warnings >= 2 and dev.name == "区发展改革局"
    assert dev.online_rate == pytest.approx(1.0)
    assert set(dev.unknown) == {"complaints", "satisfaction"}
    assert not dev.HasField("complaints") and not dev.HasField("satisfaction")
    # the fire brigade handled branches only: no case of its own, no rate made up
    assert fire.handled == 0 and fire.steps == 4 and not fire.HasField("on_time_rate")
    assert "on_time_rate" in fire.unknown and fire.rank == 0
    assert [r.key for r in answer.rows][0] == DEV and answer.rank_by == "on_time_rate"
    assert answer.total.handled == 5 and any("未知" in n for n in answer.notes)


def test_other_periods_and_dimensions(stub, world) -> None:
    december = stub.Evaluate(pb.EvaluateRequest(period="2026-12", region="511602"),
                             metadata=SUPERVISOR)
    assert list(december.rows) == [] and december.total.handled == 0
    assert not december.total.HasField("on_time_rate")
    quarter = stub.Evaluate(pb.EvaluateRequest(period="2026-Q4", region="511600"),
                            metadata=CITY_SUPERVISOR)
    assert rows(quarter)[DEV].handled == 5 and quarter.period_kind == pb.PERIOD_KIND_QUARTER
    year = stub.Evaluate(pb.EvaluateRequest(period="2026", region="511602",
                                            dimension=pb.EVALUATION_DIMENSION_ITEM),
                         metadata=SUPERVISOR)
    assert rows(year)[world["item_id"]].handled == 5
    assert rows(year)[world["item_id"]].backlog == 1  # the year runs: its backlog is now's
    october = stub.Evaluate(pb.EvaluateRequest(period="2026-10", region="511602"),
                            metadata=SUPERVISOR)
    assert not october.total.HasField("backlog")  # a past backlog is not kept: unknown
    assert "backlog" in october.total.unknown
    region = stub.Evaluate(pb.EvaluateRequest(period="2026-11", region="511600",
                                              dimension=pb.EVALUATION_DIMENSION_REGION),
                           metadata=CITY_SUPERVISOR)
    assert rows(region)["511602"].name == "广安区" and rows(region)["511602"].handled == 5


def test_officials_get_points_on_the_scale(stub, world) -> None:
    answer = stub.Evaluate(pb.EvaluateRequest(
        period="2026-11", region="511602", dimension=pb.EVALUATION_DIMENSION_OFFICIAL),
        metadata=SUPERVISOR)
    found = rows(answer)
    assert answer.rank_by == "points" and set(found) == {
        "clerk-1", "chief-1", "reviewer-1", "fire-1"}
    # the review done late twice; the overdue case's decision late once
    assert (found["reviewer-1"].steps_late, found["chief-1"].steps_late,
            found["fire-1"].steps_late) == (2, 1, 0)
    assert found["chief-1"].handled == 4 and found["clerk-1"].handled == 1  # the refusal
    for row in answer.rows:  # the default scale, line by line
        expected = (100 + 0.1 * (row.steps - row.steps_late) - row.steps_late
                    - 2 * row.overdue - row.yellow_warnings - 3 * row.red_warnings)
        assert row.points == pytest.approx(expected), row.key
        assert sum(line.points for line in row.points_detail) == pytest.approx(row.points)
        assert row.grade == ("优秀" if row.points >= 95 else "称职")
    assert [r.points for r in answer.rows] == sorted((r.points for r in answer.rows),
                                                     reverse=True)
    assert [r.rank for r in answer.rows] == [1, 2, 3, 4]


def test_who_reads_what(stub, world) -> None:
    legal = stub.Evaluate(pb.EvaluateRequest(period="2026-11", region="511602"),
                          metadata=LEGAL)
    assert {DEV, FIRE} <= set(rows(legal))
    own = stub.Evaluate(NOVEMBER, metadata=DEV_CLERK)
    assert set(rows(own)) == {DEV} and own.total.handled == 5
    theirs = stub.Evaluate(NOVEMBER, metadata=FIRE_CLERK)
    assert set(rows(theirs)) == {FIRE}
    officials = stub.Evaluate(pb.EvaluateRequest(
        period="2026-11", region="511602", dimension=pb.EVALUATION_DIMENSION_OFFICIAL),
        metadata=FIRE_CLERK)
    assert set(rows(officials)) == {"fire-1"}
    refusals = [
        (pb.EvaluateRequest(period="2026-11", region="511602", department_code=DEV),
         FIRE_CLERK, grpc.StatusCode.PERMISSION_DENIED),
        (NOVEMBER, token("sup-9", "supervisor", "511603"), grpc.StatusCode.PERMISSION_DENIED),
        (NOVEMBER, token("win-1", "window_clerk"), grpc.StatusCode.PERMISSION_DENIED),
        (NOVEMBER, [], grpc.StatusCode.UNAUTHENTICATED),
        (pb.EvaluateRequest(period="2026-13", region="511602"), SUPERVISOR,
         grpc.StatusCode.INVALID_ARGUMENT),
        (pb.EvaluateRequest(period="2026-11", region="511602",
                            period_kind=pb.PERIOD_KIND_YEAR), SUPERVISOR,
         grpc.StatusCode.INVALID_ARGUMENT),
        (pb.EvaluateRequest(period="2026-11", region="511602", rank_by="nonsense"),
         SUPERVISOR, grpc.StatusCode.INVALID_ARGUMENT),
    ]
    for request, metadata, code in refusals:
        with pytest.raises(grpc.RpcError) as refused:
            stub.Evaluate(request, metadata=metadata)
        assert refused.value.code() == code, (request, refused.value.details())


def test_exports_as_csv_and_svg(stub, world) -> None:
    exported = stub.ExportEvaluation(pb.ExportEvaluationRequest(
        query=NOVEMBER, format=pb.EXPORT_FORMAT_CSV), metadata=SUPERVISOR)
    text = exported.content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert exported.media_type.startswith("text/csv") and text.count("\r\n") == len(table) + 1
    dev = next(r for r in table if r["部门代码"] == DEV and r["排名"])
    assert (dev["按时办结率"], dev["投诉数"], dev["积压件数"]) == ("75.0%", "未知", "1")
    assert table[-1]["名称"] == "合计"
    chart = stub.ExportEvaluation(pb.ExportEvaluationRequest(
        query=NOVEMBER, format=pb.EXPORT_FORMAT_SVG), metadata=SUPERVISOR)
    svg = chart.content.decode()
    assert chart.media_type == "image/svg+xml" and "<title" in svg and "按时办结率" in svg
    assert "区发展改革局：75.0%" in svg and "未知" in svg


def test_the_gateway_answers_json_csv_and_svg(address) -> None:
    """The gateway in process, wired to the servicer above."""
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 5.0)
    headers = {"Authorization": SUPERVISOR[0][1]}
    try:
        with TestClient(create_app(backends, "511602", "广安区"),
                        raise_server_exceptions=False) as client:
            answer = client.get("/v1/supervision/evaluation", headers=headers, params={
                "period": "2026-11", "region": "511602", "dimension": "department"})
            assert answer.status_code == 200, answer.text
            dev = next(r for r in answer.json()["rows"] if r["key"] == DEV)
            assert dev["on_time_rate"] == pytest.approx(0.75) and "complaints" not in dev
            assert "complaints" in dev["unknown"]
            table = client.get("/v1/supervision/evaluation.csv", headers=headers,
                               params={"period": "2026-11", "region": "511602"})
            assert table.status_code == 200 and table.headers["content-type"].startswith(
                "text/csv") and "attachment" in table.headers["content-disposition"]
            assert table.content.startswith("\ufeff".encode()) and "按时办结率" in table.text
            chart = client.get("/v1/supervision/evaluation.svg", headers=headers,
                               params={"period": "2026-11", "dimension": "official"})
            assert chart.status_code == 200 and chart.headers["content-type"].startswith(
                "image/svg+xml") and "考核积分" in chart.text
            wrong = client.get("/v1/supervision/evaluation", headers=headers,
                               params={"period": "November"})
            assert wrong.status_code == 400 and wrong.json()["error"]["message"]
            bad_dimension = client.get("/v1/supervision/evaluation", headers=headers,
                                       params={"period": "2026-11", "dimension": "planet"})
            assert bad_dimension.status_code == 400
            other = client.get("/v1/supervision/evaluation", params={
                "period": "2026-11", "department_code": DEV},
                headers={"Authorization": FIRE_CLERK[0][1]})
            assert other.status_code == 403
            assert other.json()["error"]["code"] == "OTHER_DEPARTMENT"
    finally:
        backends.close()


def test_the_sql_sums_are_the_domains(db, world) -> None:
    """The database's aggregates and the pure tally agree on the same facts."""
    with db.begin() as c:
        cases = [ev.CaseFact(r.case_number, r.region, r.department_code, r.department,
                             r.item_id, r.outcome, date.fromisoformat(r.closed_on),
                             decided_by=r.decided_by, working_days=r.working_days,
                             promised_days=r.promised_days, promised_left=r.promised_left,
                             over_statutory=r.over_statutory)
                 for r in c.execute(select(t.evaluation_cases).where(
                     t.evaluation_cases.c.closed_on.isnot(None))).all()]
        steps = [ev.StepFact(r.case_number, r.ref, r.kind, r.region, r.department_code,
                             r.department, r.item_id, r.handler,
                             date.fromisoformat(r.done_on), late_days=r.late_days,
                             online=r.online)
                 for r in c.execute(select(t.evaluation_steps)).all()]
    period = ev.Period.parse("2026-11")
    pure = ev.tally(cases, steps, ev.Dimension.DEPARTMENT, period)
    now = datetime.fromisoformat(world["now"])
    evaluation = Evaluation(db, clock=lambda: now)
    query = evaluation.query_of(staff("sup-1", "supervisor", None), dimension="department",
                                period="2026-11", region="511602")
    report = evaluation.evaluate(query)
    for row in report.rows:
        mine = pure[row.key]
        for name in ("handled", "timed", "on_time", "early", "overdue", "steps",
                     "steps_late", "actions", "actions_online"):
            assert getattr(row.tally, name) == getattr(mine, name), (row.key, name)
        assert row.tally.days == mine.days
