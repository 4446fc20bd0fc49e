"""Complaints and ratings (投诉 / 举报 · 好差评) over real gRPC on PostgreSQL: the catalogue and
the case service run a case to its end; supervision asks the case service who applied, takes
the applicant's rating once per channel within the window, opens a rectification for a bad
one and tracks it to closure (overdue shown to the department and the supervisor), decides
appeals; complaints go to the body chosen and run to closure; each change is an event on
supervision's outbox without the person's identity. Then the gateway's JSON routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from gateway.backends import Backends
from gateway.http_api import create_app
from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.monitoring import storage as t
from services.monitoring.api import MonitoringServicer
from services.monitoring.cases_client import CasesClient
from services.monitoring.evaluation import Evaluation
from services.monitoring.feedback import EvaluationRatings, Feedback
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.auth import Authenticator, ServiceToken, mint_token
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.grpc_errors import error_detail_of
from services.shared.grpc_server import GrpcServer
from services.shared.working_days import WorkingCalendar, local_day
from tests.support.clients import Clients, act, applicant, bearer, key, running
from tests.support.departments import DEVELOPMENT, EDUCATION

pytestmark = pytest.mark.integration
CALENDAR = WorkingCalendar.official()
APPLICANT_ID = "id_card:511602199001011236"  # tests.support.clients.applicant()
STRANGER_ID = "id_card:110101199003074477"


class Clock:
    """Now, or later by ``ahead``: the window and the deadlines without waiting for them."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture(scope="module")
def node(pg_settings):
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    settings = pg_settings.model_copy(update={"catalogue_port": catalogue.start()})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    db = Database(settings.database_url, "monitoring", pool_size=4)
    clock = Clock()
    feedback = Feedback(
        db, CALENDAR, "510000",
        CasesClient(f"127.0.0.1:{cases_port}",
                    ServiceToken(settings.token_key, "monitoring", ["510000"],
                                 roles=("supervision_service",)), 10.0),
        clock=clock)
    monitoring = GrpcServer("127.0.0.1:0")
    monitoring.add(pb_grpc.add_MonitoringServiceServicer_to_server,
                   MonitoringServicer(Projection(db), Authenticator(settings.token_key),
                                      Supervision(db, CALENDAR, "510000"),
                                      Evaluation(db, ratings=EvaluationRatings(db, "510000",
                                                                               clock)),
                                      feedback=feedback),
                   [pb.DESCRIPTOR.services_by_name["MonitoringService"].full_name])
    monitoring_port = monitoring.start()
    clients = Clients.at(f"127.0.0.1:{settings.catalogue_port}", f"127.0.0.1:{cases_port}")
    stub = pb_grpc.MonitoringServiceStub(grpc.insecure_channel(f"127.0.0.1:{monitoring_port}"))
    yield Node(clients, stub, feedback, clock, settings, db,
               {"catalogue": f"127.0.0.1:{settings.catalogue_port}",
                "cases": f"127.0.0.1:{cases_port}",
                "monitoring": f"127.0.0.1:{monitoring_port}"})
    with db.begin() as c:  # no relay here: leave no pending events to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=func.now()))
    monitoring.stop(0)
    cases.stop(0)
    catalogue.stop(0)
    db.dispose()


class Node:
    def __init__(self, clients, stub, feedback, clock, settings, db, addresses) -> None:  # type: ignore[no-untyped-def]
        self.clients, self.stub, self.feedback, self.clock = clients, stub, feedback, clock
        self.settings, self.db, self.addresses = settings, db, addresses
        secret = settings.token_key
        self.admin = bearer(secret, "admin-1", ["admin"], ["510000"])
        self.chief = bearer(secret, "admin-2", ["admin"], ["510000"])
        self.applicant = bearer(secret, APPLICANT_ID, ["public"], ["511602"])
        self.stranger = bearer(secret, STRANGER_ID, ["public"], ["511602"])
        self.clerk = bearer(secret, "clerk-1", ["clerk"], ["511602"], DEVELOPMENT)
        self.other_clerk = bearer(secret, "clerk-9", ["clerk"], ["511602"], EDUCATION)
        self.supervisor = bearer(secret, "sup-1", ["supervisor"], ["511602"])
        self.legal = bearer(secret, "legal-1", ["legal_reviewer"], ["511602"])
        self.legal_elsewhere = bearer(secret, "legal-2", ["legal_reviewer"], ["511603"])

    def case(self, finish: bool = True) -> str:
        """A case of 区发展改革局 applied for by APPLICANT_ID, completed (办结) if asked."""
        item = self.clients.published_item(self.admin)
        case = self.clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
            idempotency_key=key(), item_id=item.item_id, region="511602",
            applicant=applicant()), metadata=self.admin, timeout=10).case
        number = case.case_number
        if not finish:
            return number
        case = act(self.clients.cases, self.admin, number, accept=kpb.Accept(opinion="齐全"))
        [first] = running(case)
        act(self.clients.cases, self.admin, number, complete_step=kpb.CompleteStep(
            instance_id=first.instance_id, opinion="同意"))
        act(self.clients.cases, self.chief, number, decide=kpb.Decide(
            outcome=kpb.DECISION_OUTCOME_APPROVE, reasons="符合条件", document_number="文1"))
        act(self.clients.cases, self.admin, number, publish_result=kpb.PublishResult())
        done = act(self.clients.cases, self.admin, number, complete=kpb.CompleteCase())
        assert done.status == kpb.CASE_STATUS_COMPLETED
        return number

    def rate(self, md, number: str, level: int, channel=pb.RATING_CHANNEL_COUNTER,  # type: ignore[no-untyped-def]
             comment: str = "", k: str | None = None) -> pb.Rating:
        return self.stub.RateCase(pb.RateCaseRequest(
            idempotency_key=k or key(), case_number=number, channel=channel, level=level,
            comment=comment), metadata=md, timeout=10).rating

    def events(self, subject: str) -> list[dict]:
        with self.db.begin() as c:
            bodies = c.execute(select(t.outbox.c.body).where(
                t.outbox.c.body.contains(subject)).order_by(t.outbox.c.seq)).scalars().all()
        return [json.loads(b) for b in bodies]


def refused(call) -> tuple[grpc.StatusCode, object]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), error_detail_of(info.value)


def test_the_applicant_rates_once_per_channel_and_a_bad_rating_is_rectified_to_closure(
        node: Node) -> None:
    number = node.case()
    # who may rate which case: its applicant, with a public token; nobody else
    code, detail = refused(lambda: node.rate(node.stranger, number, 1))
    assert code == grpc.StatusCode.NOT_FOUND and detail.code == "CASE_NOT_FOUND"
    code, _ = refused(lambda: node.rate(node.clerk, number, 1))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _ = refused(lambda: node.rate([], number, 1))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    code, detail = refused(lambda: node.rate(node.applicant, number, 5))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert detail.code == "BAD_RATING_NEEDS_REASON" and "原因" in detail.message

    k = key()
    bad = node.rate(node.applicant, number, pb.RATING_LEVEL_VERY_DISSATISFIED,
                    comment="窗口人员态度差，多次往返", k=k)
    assert bad.bad and bad.rater == APPLICANT_ID and bad.department_code == DEVELOPMENT
    task = bad.rectification
    assert task.status == pb.RECTIFICATION_STATUS_OPEN and task.limit_days == 15
    assert task.due_date == CALENDAR.add_working_days(
        datetime.fromisoformat(task.opened_on).date(), 15).day.isoformat()
    assert not task.overdue and task.days_left == 15
    # once per case per channel: the same key replays, another key is refused
    again = node.rate(node.applicant, number, pb.RATING_LEVEL_VERY_DISSATISFIED,
                      comment="窗口人员态度差，多次往返", k=k)
    assert again.rating_id == bad.rating_id and len(again.history) == 1
    code, detail = refused(lambda: node.rate(node.applicant, number, 1))
    assert code == grpc.StatusCode.ALREADY_EXISTS and detail.code == "ALREADY_RATED"
    online = node.rate(node.applicant, number, pb.RATING_LEVEL_VERY_SATISFIED,
                       channel=pb.RATING_CHANNEL_ONLINE)
    assert not online.bad and not online.HasField("rectification")

    # the department sees its task; another department does not; nobody sees it overdue yet
    def tasks(md, **kw):  # type: ignore[no-untyped-def]
        return [x for x in node.stub.ListRectifications(pb.ListRectificationsRequest(**kw),
                                                        metadata=md, timeout=10).rectifications
                if x.case_number == number]
    assert [x.task_id for x in tasks(node.clerk)] == [task.task_id]
    assert tasks(node.other_clerk) == []
    assert tasks(node.supervisor, overdue_only=True) == []
    code, _ = refused(lambda: node.stub.ListRectifications(
        pb.ListRectificationsRequest(), metadata=node.applicant, timeout=10))
    assert code == grpc.StatusCode.PERMISSION_DENIED

    # past its due date it shows as overdue to the supervisor; the sweep notes it once
    node.clock.ahead = timedelta(days=30)
    try:
        [late] = tasks(node.supervisor, overdue_only=True)
        assert late.overdue and late.days_left < 0
        assert node.feedback.sweep() >= 1
        node.feedback.sweep()
        code, _ = refused(lambda: node.stub.CompleteRectification(
            pb.CompleteRectificationRequest(idempotency_key=key(), task_id=task.task_id,
                                            measures="整改", reply="已回访"),
            metadata=node.other_clerk, timeout=10))
        assert code == grpc.StatusCode.NOT_FOUND
        done = node.stub.CompleteRectification(pb.CompleteRectificationRequest(
            idempotency_key=key(), task_id=task.task_id, measures="约谈窗口人员，规范服务用语",
            reply="已电话回访并致歉"), metadata=node.clerk, timeout=10).rectification
    finally:
        node.clock.ahead = timedelta(0)
    assert done.status == pb.RECTIFICATION_STATUS_DONE and not done.on_time
    assert [h.action for h in done.history] == ["opened", "overdue", "completed"]
    # the person who rated sees what was done
    mine = node.stub.ListRatings(pb.ListRatingsRequest(case_number=number),
                                 metadata=node.applicant, timeout=10).ratings
    assert {r.channel for r in mine} == {pb.RATING_CHANNEL_COUNTER, pb.RATING_CHANNEL_ONLINE}
    assert next(r for r in mine if r.bad).rectification.reply == "已电话回访并致歉"
    assert node.stub.ListRatings(pb.ListRatingsRequest(case_number=number),
                                 metadata=node.stranger, timeout=10).ratings == []

    # the events, in order, without the rater
    events = node.events(number)
    types = [e["type"] for e in events]
    assert types == ["rating.given", "rectification.opened", "rating.given",
                     "rectification.overdue", "rectification.completed"]
    assert all(APPLICANT_ID not in json.dumps(e, ensure_ascii=False) for e in events)

    # the public indicators of the department this month
    rows = node.stub.GetFeedbackIndicators(pb.GetFeedbackIndicatorsRequest(
        region="511602", department_code=DEVELOPMENT), timeout=10).rows
    [row] = rows
    assert row.ratings >= 2 and row.bad >= 1 and row.rectified >= 1
    assert row.per_level[0] >= 1 and row.per_level[4] >= 1
    assert 0 < row.good_rate < 1 and row.department == "区发展改革局"


def test_a_case_is_rated_only_once_ended_and_within_its_window(node: Node) -> None:
    running_case = node.case(finish=False)
    code, detail = refused(lambda: node.rate(node.applicant, running_case, 1))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and detail.code == "CASE_NOT_FINISHED"
    number = node.case()
    node.clock.ahead = timedelta(days=40)  # well past 15 working days
    try:
        code, detail = refused(lambda: node.rate(node.applicant, number, 1))
    finally:
        node.clock.ahead = timedelta(0)
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert detail.code == "RATING_WINDOW_CLOSED" and "评价期限" in detail.message
    node.rate(node.applicant, number, 2)  # within the window


def test_an_appeal_upheld_by_a_supervisor_excludes_the_rating(node: Node) -> None:
    number = node.case()
    bad = node.rate(node.applicant, number, pb.RATING_LEVEL_DISSATISFIED, comment="太慢")

    def appeal(md):  # type: ignore[no-untyped-def]
        return node.stub.AppealRating(pb.AppealRatingRequest(
            idempotency_key=key(), rating_id=bad.rating_id, kind="malicious",
            reason="办理用时 2 个工作日，远短于承诺时限"), metadata=md, timeout=10).rating
    code, _ = refused(lambda: appeal(node.other_clerk))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = refused(lambda: appeal(node.applicant))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    appealed = appeal(node.clerk)
    assert appealed.appeal_status == pb.APPEAL_STATUS_PENDING

    def decide(md, uphold=True):  # type: ignore[no-untyped-def]
        return node.stub.DecideAppeal(pb.DecideAppealRequest(
            idempotency_key=key(), rating_id=bad.rating_id, uphold=uphold,
            reason="经核查，差评与事实不符"), metadata=md, timeout=10).rating
    code, detail = refused(lambda: decide(node.clerk))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    upheld = decide(node.supervisor)
    assert upheld.excluded and upheld.appeal_status == pb.APPEAL_STATUS_UPHELD
    assert "恶意差评" in upheld.excluded_reason
    assert upheld.rectification.status == pb.RECTIFICATION_STATUS_CANCELLED
    code, detail = refused(lambda: decide(node.supervisor, uphold=False))
    assert detail.code == "NO_PENDING_APPEAL"
    types = [e["type"] for e in node.events(bad.rating_id)]
    assert types[-3:] == ["rating.appealed", "rating.appeal_upheld",
                          "rectification.cancelled"]


def test_a_complaint_goes_to_the_body_chosen_and_runs_to_closure(node: Node) -> None:
    number = node.case(finish=False)
    submitted = node.stub.SubmitComplaint(pb.SubmitComplaintRequest(
        idempotency_key=key(), kind=pb.COMPLAINT_KIND_COMPLAINT,
        addressee=pb.ADDRESSEE_LEGAL, subject=pb.COMPLAINT_SUBJECT_CASE,
        case_number=number, title="要求提交法定清单以外的材料",
        content="窗口要求提交清单以外的证明"), metadata=node.stranger,
        timeout=10).complaint
    # a case's complaint is filed under the case's own region and department
    assert (submitted.region, submitted.department_code) == ("511602", DEVELOPMENT)
    assert submitted.status == pb.COMPLAINT_STATUS_SUBMITTED and not submitted.overdue
    assert submitted.complainant == STRANGER_ID and submitted.due_date
    cid = submitted.complaint_id

    def act_(md, **action):  # type: ignore[no-untyped-def]
        return node.stub.ActOnComplaint(pb.ActOnComplaintRequest(
            idempotency_key=key(), complaint_id=cid, **action), metadata=md,
            timeout=10).complaint
    # the legal office of the county handles it; not another county's, not the department's
    code, _ = refused(lambda: act_(node.legal_elsewhere, accept=pb.AcceptComplaint()))
    assert code == grpc.StatusCode.NOT_FOUND
    code, detail = refused(lambda: act_(node.supervisor, accept=pb.AcceptComplaint()))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "法制部门" in detail.message
    code, _ = refused(lambda: act_(node.clerk, accept=pb.AcceptComplaint()))
    assert code == grpc.StatusCode.NOT_FOUND
    listed = node.stub.ListComplaints(pb.ListComplaintsRequest(open_only=True),
                                      metadata=node.legal, timeout=10).complaints
    assert cid in [c.complaint_id for c in listed]
    assert cid not in [c.complaint_id for c in node.stub.ListComplaints(
        pb.ListComplaintsRequest(), metadata=node.legal_elsewhere, timeout=10).complaints]
    assert cid in [c.complaint_id for c in node.stub.ListComplaints(
        pb.ListComplaintsRequest(), metadata=node.supervisor, timeout=10).complaints]
    assert cid not in [c.complaint_id for c in node.stub.ListComplaints(
        pb.ListComplaintsRequest(), metadata=node.applicant, timeout=10).complaints]
    act_(node.legal, accept=pb.AcceptComplaint(note="已受理"))
    code, detail = refused(lambda: act_(node.legal, close=pb.CloseComplaint()))
    assert detail.code == "COMPLAINT_ACTION_NOT_ALLOWED"
    answered = act_(node.legal, answer=pb.AnswerComplaint(
        finding=pb.FINDING_SUBSTANTIATED, answer="已责令窗口按清单收取材料"))
    assert answered.finding == pb.FINDING_SUBSTANTIATED
    closed = act_(node.legal, close=pb.CloseComplaint(note="办结"))
    assert closed.status == pb.COMPLAINT_STATUS_CLOSED
    mine = node.stub.GetComplaint(pb.GetComplaintRequest(complaint_id=cid),
                                  metadata=node.stranger, timeout=10).complaint
    assert mine.answer == "已责令窗口按清单收取材料"
    assert [h.action for h in mine.history] == ["submitted", "accepted", "answered", "closed"]
    events = node.events(cid)
    assert [e["type"] for e in events] == ["complaint.submitted", "complaint.accepted",
                                           "complaint.answered", "complaint.closed"]
    assert all(STRANGER_ID not in json.dumps(e) for e in events)
    # a report never goes to the department it is about
    code, detail = refused(lambda: node.stub.SubmitComplaint(pb.SubmitComplaintRequest(
        idempotency_key=key(), kind=pb.COMPLAINT_KIND_REPORT,
        addressee=pb.ADDRESSEE_DEPARTMENT, subject=pb.COMPLAINT_SUBJECT_DEPARTMENT,
        region="511602", department_code=DEVELOPMENT, title="不作为", content="长期不办"),
        metadata=node.stranger, timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and detail.code == "REPORT_TO_DEPARTMENT"


def test_the_gateway_json_api(node: Node) -> None:
    backends = Backends(node.addresses, 10.0)
    token = mint_token(node.settings.token_key, APPLICANT_ID, ["public"], ["511602"])
    stranger = mint_token(node.settings.token_key, STRANGER_ID, ["public"], ["511602"])
    number = node.case()
    try:
        with TestClient(create_app(backends, "510000", "四川省"),
                        raise_server_exceptions=False) as api:
            public = api.get("/v1/feedback/indicators",
                             params={"region": "511602", "department_code": DEVELOPMENT})
            assert public.status_code == 200, public.text
            refused_ = api.post("/v1/ratings", headers={"Authorization": f"Bearer {stranger}"},
                                json={"idempotency_key": key(), "case_number": number,
                                      "channel": "online", "level": "satisfied"})
            assert refused_.status_code == 404
            assert refused_.json()["error"]["code"] == "CASE_NOT_FOUND"
            assert "申请人" in refused_.json()["error"]["message"]
            rated = api.post("/v1/ratings", headers={"Authorization": f"Bearer {token}"},
                             json={"idempotency_key": key(), "case_number": number,
                                   "channel": "counter", "level": "dissatisfied",
                                   "indicators": {"attitude": "very_dissatisfied",
                                                  "efficiency": "satisfied"},
                                   "comment": "等候时间过长"})
            assert rated.status_code == 201, rated.text
            body = rated.json()["rating"]
            assert body["bad"] and body["indicators"]["attitude"] == (
                "RATING_LEVEL_VERY_DISSATISFIED")
            assert body["rectification"]["status"] == "RECTIFICATION_STATUS_OPEN"
            wrong = api.post("/v1/ratings", headers={"Authorization": f"Bearer {token}"},
                             json={"idempotency_key": key(), "case_number": number,
                                   "channel": "online", "level": "satisfied",
                                   "indicators": {"attitude": "satisfied"}})
            assert wrong.status_code == 400
            assert wrong.json()["error"]["code"] == "INDICATOR_NOT_OF_CHANNEL"
            complaint = api.post("/v1/complaints",
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"idempotency_key": key(), "kind": "complaint",
                                       "addressee": "supervision", "subject": "department",
                                       "region": "511602", "department_code": DEVELOPMENT,
                                       "title": "推诿", "content": "多次前往未予答复"})
            assert complaint.status_code == 201, complaint.text
            cid = complaint.json()["complaint"]["complaint_id"]
            seen = api.get(f"/v1/complaints/{cid}", headers={"Authorization": "Bearer "
                           + mint_token(node.settings.token_key, "sup-1", ["supervisor"],
                                        ["511602"])})
            assert seen.status_code == 200 and seen.json()["complaint"]["title"] == "推诿"
            hidden = api.get(f"/v1/complaints/{cid}",
                             headers={"Authorization": f"Bearer {stranger}"})
            assert hidden.status_code == 404
            after = api.get("/v1/feedback/indicators",
                            params={"region": "511602", "department_code": DEVELOPMENT})
            [row] = after.json()["rows"]
            [before] = public.json()["rows"] or [{"ratings": 0, "complaints": 0}]
            assert row["ratings"] == before["ratings"] + 1
            assert row["complaints"] == before["complaints"] + 1
    finally:
        backends.close()


def test_the_command_line(node: Node) -> None:
    from click.testing import CliRunner

    from cli.main import main

    number = node.case()
    address = node.addresses["monitoring"]
    token = mint_token(node.settings.token_key, APPLICANT_ID, ["public"], ["511602"])
    clerk = mint_token(node.settings.token_key, "clerk-1", ["clerk"], ["511602"],
                       department=DEVELOPMENT)
    runner = CliRunner()
    rated = runner.invoke(main, ["feedback", "rate", number, "4", "--channel", "counter",
                                 "--indicator", "attitude=5", "--comment", "态度生硬",
                                 "--address", address, "--token", token])
    assert rated.exit_code == 0, rated.output
    assert "不满意" in rated.output and f"{number}-counter-ZG" in rated.output
    again = runner.invoke(main, ["feedback", "rate", number, "1", "--channel", "counter",
                                 "--address", address, "--token", token])
    assert again.exit_code == 1 and "只能评价一次" in again.output
    done = runner.invoke(main, ["feedback", "rectify", f"{number}-counter-ZG", "--measures",
                                "约谈", "--reply", "已回访", "--address", address,
                                "--token", clerk])
    assert done.exit_code == 0 and "已整改" in done.output, done.output
    shown = runner.invoke(main, ["feedback", "indicators", "--region", "511602",
                                 "--address", address])
    assert shown.exit_code == 0 and "好评率" in shown.output, shown.output


def test_the_efficiency_evaluation_counts_the_department_s_complaints_and_ratings(
        node: Node) -> None:
    """效能评估 reads complaints and satisfaction from them: known per department (0 when
    there were none), unknown by official, whom a rating does not name."""
    def row(dimension: int, key_: str):  # type: ignore[no-untyped-def]
        answer = node.stub.Evaluate(pb.EvaluateRequest(
            dimension=dimension, period=local_day().strftime("%Y-%m"), region="511602"),
            metadata=node.supervisor, timeout=10)
        return next((r for r in answer.rows if r.key == key_), None)

    number = node.case()
    # supervision applies the case's events (the worker's part; no worker runs here)
    projection = Projection(node.db, Supervision(node.db, CALENDAR, "510000"))
    with node.db.begin() as c:
        bodies = c.execute(text("SELECT body FROM cases.outbox WHERE body LIKE :n "
                                "ORDER BY seq"), {"n": f"%{number}%"}).scalars().all()
    for body in bodies:
        event = parse_event(json.loads(body))
        if event.type.startswith("case.") and event.data.get("case_number") == number:
            projection.apply(event)
    before = row(pb.EVALUATION_DIMENSION_DEPARTMENT, DEVELOPMENT)
    assert before is not None and before.handled >= 1
    node.rate(node.applicant, number, pb.RATING_LEVEL_DISSATISFIED, comment="等了很久",
              channel=pb.RATING_CHANNEL_MOBILE)
    node.stub.SubmitComplaint(pb.SubmitComplaintRequest(
        idempotency_key=key(), kind=pb.COMPLAINT_KIND_COMPLAINT,
        addressee=pb.ADDRESSEE_SUPERVISION, subject=pb.COMPLAINT_SUBJECT_CASE,
        case_number=number, title="办理拖延", content="多次催问无答复"),
        metadata=node.applicant, timeout=10)
    after = row(pb.EVALUATION_DIMENSION_DEPARTMENT, DEVELOPMENT)
    assert after.complaints == (before.complaints if before else 0) + 1
    assert after.HasField("satisfaction") and after.satisfaction < 1
    assert "complaints" not in after.unknown and "satisfaction" not in after.unknown
    official = node.stub.Evaluate(pb.EvaluateRequest(
        dimension=pb.EVALUATION_DIMENSION_OFFICIAL, period=local_day().strftime("%Y-%m"),
        region="511602"), metadata=node.supervisor, timeout=10)
    assert all("complaints" in r.unknown for r in official.rows)
