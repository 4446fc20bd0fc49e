"""Consultations (咨询), the public feed (动态公开), the catalogue's cleanup figures and the
gateway's case reads, over real gRPC on PostgreSQL: the catalogue and the case service run,
supervision asks the catalogue which department answers an item; a person asks signed in or
leaves a contact and gets a query code; the item's department answers within its working
days (overdue shown and noted once); each change is an event on supervision's outbox without
the asker. Supervision's projection of a case (as its worker applies the case events) is read
by anyone without personal data. Then the gateway's JSON routes for all of it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, func, select
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from cli.main import main
from gateway.backends import Backends
from gateway.http_api import create_app
from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.monitoring import storage as t
from services.monitoring.api import MonitoringServicer
from services.monitoring.cases_client import CasesClient
from services.monitoring.catalogue_client import CatalogueClient
from services.monitoring.evaluation import Evaluation
from services.monitoring.feedback import EvaluationRatings, Feedback
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.auth import Authenticator, ServiceToken
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.grpc_errors import error_detail_of
from services.shared.grpc_server import GrpcServer
from services.shared.outbox import outbox_table
from services.shared.working_days import WorkingCalendar, local_day
from tests.support.clients import Clients, applicant, bearer, key
from tests.support.departments import DEVELOPMENT, EDUCATION

pytestmark = pytest.mark.integration
CALENDAR = WorkingCalendar.official()
ASKER = "id_card:511602199001011236"


class Clock:
    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


class Node:
    def __init__(self, clients, stub, feedback, clock, db, cases_db, secret, addresses):  # type: ignore[no-untyped-def]
        self.clients, self.stub, self.feedback, self.clock = clients, stub, feedback, clock
        self.db, self.cases_db, self.addresses = db, cases_db, addresses
        self.admin = bearer(secret, "admin-1", ["admin"], ["510000"])
        self.person = bearer(secret, ASKER, ["public"], ["511602"])
        self.other_person = bearer(secret, "id_card:110101199003074477", ["public"],
                                   ["511602"])
        self.hall = bearer(secret, "hall", ["hall"], ["510000"])
        self.clerk = bearer(secret, "clerk-1", ["clerk"], ["511602"], DEVELOPMENT)
        self.other_clerk = bearer(secret, "clerk-9", ["clerk"], ["511602"], EDUCATION)
        self.supervisor = bearer(secret, "sup-1", ["supervisor"], ["511602"])
        self.secret = secret
        self._item: cpb.ItemVersion | None = None

    @property
    def item(self) -> cpb.ItemVersion:
        if self._item is None:
            self._item = self.clients.published_item(self.admin)
        return self._item

    def ask(self, md, contact: str = "", k: str | None = None) -> pb.Consultation:  # type: ignore[no-untyped-def]
        return self.stub.AskConsultation(pb.AskConsultationRequest(
            idempotency_key=k or key(), item_id=self.item.item_id, title="需要哪些材料",
            question="个人申请需要提交哪些材料？可以网上提交吗？", contact=contact),
            metadata=md, timeout=10).consultation

    def events(self, consultation_id: str) -> list[dict]:
        with self.db.begin() as c:
            bodies = c.execute(select(t.outbox.c.body).where(
                t.outbox.c.body.contains(consultation_id)).order_by(t.outbox.c.seq)
            ).scalars().all()
        return [json.loads(b) for b in bodies]


@pytest.fixture(scope="module")
def node(pg_settings) -> Iterator[Node]:
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    settings = pg_settings.model_copy(update={"catalogue_port": catalogue.start()})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    db = Database(settings.database_url, "monitoring", pool_size=4)
    cases_db = Database(settings.database_url, "cases", pool_size=2)
    clock = Clock()
    token = ServiceToken(settings.token_key, "monitoring", ["510000"],
                         roles=("supervision_service",))
    feedback = Feedback(
        db, CALENDAR, "510000", CasesClient(f"127.0.0.1:{cases_port}", token, 10.0),
        clock=clock,
        items=CatalogueClient(f"127.0.0.1:{settings.catalogue_port}", token, 10.0))
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
    yield Node(clients, stub, feedback, clock, db, cases_db, settings.token_key,
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
    cases_db.dispose()


def refused(call) -> tuple[grpc.StatusCode, object]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), error_detail_of(info.value)


def listed(node: Node, md, **kw) -> list[pb.Consultation]:  # type: ignore[no-untyped-def]
    return list(node.stub.ListConsultations(pb.ListConsultationsRequest(**kw), metadata=md,
                                            timeout=10).consultations)


def test_a_person_asks_and_the_items_department_answers_within_its_working_days(node) -> None:
    k = key()
    asked = node.ask(node.person, k=k)
    assert asked.asker == ASKER and asked.query_code == ""
    assert asked.department_code == DEVELOPMENT and asked.item_id == node.item.item_id
    assert asked.status == pb.CONSULTATION_STATUS_SUBMITTED
    today = local_day(node.clock())
    assert asked.due_date == CALENDAR.add_working_days(today, 5).day.isoformat()
    assert asked.days_left == 5 and not asked.overdue
    assert node.ask(node.person, k=k).consultation_id == asked.consultation_id  # replayed

    # the department sees it, earliest due first; another department and person do not
    assert asked.consultation_id in [c.consultation_id for c in listed(
        node, node.clerk, waiting_only=True)]
    assert asked.consultation_id not in [c.consultation_id for c in listed(
        node, node.other_clerk)]
    assert asked.consultation_id not in [c.consultation_id for c in listed(
        node, node.other_person)]
    code, _ = refused(lambda: node.stub.GetConsultation(pb.GetConsultationRequest(
        consultation_id=asked.consultation_id), metadata=node.other_person, timeout=10))
    assert code == grpc.StatusCode.NOT_FOUND

    def answer(md, text: str = "需提交申请表和身份证复印件，可在网上提交。"):  # type: ignore[no-untyped-def]
        return node.stub.ActOnConsultation(pb.ActOnConsultationRequest(
            idempotency_key=key(), consultation_id=asked.consultation_id,
            answer=pb.AnswerConsultation(answer=text)), metadata=md, timeout=10).consultation

    code, _ = refused(lambda: answer(node.other_clerk))
    assert code == grpc.StatusCode.NOT_FOUND
    code, detail = refused(lambda: answer(node.person))
    assert code == grpc.StatusCode.PERMISSION_DENIED and detail.code == "NOT_ADDRESSED_TO_YOU"
    answered = answer(node.clerk)
    assert answered.status == pb.CONSULTATION_STATUS_ANSWERED
    assert answered.answered_by == "clerk-1" and answered.days_left == 0
    code, detail = refused(lambda: answer(node.clerk, "再答一次"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert detail.code == "CONSULTATION_ACTION_NOT_ALLOWED"

    # the person reads the answer among their own
    [mine] = [c for c in listed(node, node.person) if c.consultation_id == asked.consultation_id]
    assert mine.answer.startswith("需提交申请表") and mine.asker == ASKER
    # events name nobody who asked
    events = node.events(asked.consultation_id)
    assert [e["type"] for e in events] == ["consultation.submitted", "consultation.answered"]
    assert ASKER not in json.dumps(events, ensure_ascii=False)


def test_without_signing_in_a_contact_is_needed_and_the_query_code_reads_the_answer(node
                                                                                    ) -> None:
    code, detail = refused(lambda: node.ask([]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and detail.code == "CONTACT_REQUIRED"
    asked = node.ask(node.hall, contact="13800000000")  # the hall's own token: anonymous
    assert asked.asker == "" and len(asked.query_code) == 8
    anonymous = node.ask([], contact="someone@example.cn")
    assert anonymous.query_code and anonymous.query_code != asked.query_code

    def read(md, code: str):  # type: ignore[no-untyped-def]
        return node.stub.GetConsultation(pb.GetConsultationRequest(
            consultation_id=asked.consultation_id, query_code=code), metadata=md,
            timeout=10).consultation

    assert read([], asked.query_code).contact == "13800000000"
    assert read([], asked.query_code.lower()).consultation_id == asked.consultation_id
    for wrong in ("", anonymous.query_code, "ZZZZZZZZ"):
        status, detail = refused(lambda wrong=wrong: read([], wrong))
        assert status == grpc.StatusCode.NOT_FOUND, wrong
        assert detail.code == "CONSULTATION_NOT_FOUND"
    # a read never hands the code out again
    assert read(node.clerk, "").query_code == ""
    # nobody withdraws an anonymous consultation
    status, _ = refused(lambda: node.stub.ActOnConsultation(pb.ActOnConsultationRequest(
        idempotency_key=key(), consultation_id=asked.consultation_id,
        withdraw=pb.WithdrawConsultation()), metadata=node.person, timeout=10))
    assert status == grpc.StatusCode.NOT_FOUND


def test_a_person_at_a_shell_asks_without_any_token_and_reads_the_answer(node) -> None:
    """The README's ``sunlight feedback ask … --contact …`` with no token at all."""
    address = ["--address", node.addresses["monitoring"]]
    runner = CliRunner()
    asked = runner.invoke(main, ["feedback", "ask", node.item.item_id, "--title", "需要哪些材料",
                                 "--question", "……", "--contact", "13800000000", *address],
                          env={"SUNLIGHT_TOKEN": None})
    assert asked.exit_code == 0, asked.output
    number = asked.stdout.split()[0]
    code = re.search(r"查询码：([0-9A-Z]{8})", asked.output).group(1)
    read = runner.invoke(main, ["feedback", "consultation", number, "--query-code", code,
                                *address], env={"SUNLIGHT_TOKEN": None})
    assert read.exit_code == 0 and "问：……" in read.output, read.output
    wrong = runner.invoke(main, ["feedback", "consultation", number, "--query-code",
                                 "ZZZZZZZZ", *address], env={"SUNLIGHT_TOKEN": None})
    assert wrong.exit_code == 1 and "Traceback" not in wrong.output
    assert wrong.stderr.startswith("sunlight feedback consultation: CONSULTATION_NOT_FOUND")


def test_unanswered_past_its_deadline_it_is_overdue_and_noted_once(node) -> None:
    asked = node.ask(node.person)
    node.clock.ahead = timedelta(days=30)
    try:
        late = [c for c in listed(node, node.supervisor, overdue_only=True)
                if c.consultation_id == asked.consultation_id]
        assert late and late[0].overdue and late[0].days_left < 0
        node.feedback.sweep()
        node.feedback.sweep()
    finally:
        node.clock.ahead = timedelta(0)
    types = [e["type"] for e in node.events(asked.consultation_id)]
    assert types == ["consultation.submitted", "consultation.overdue"]
    withdrawn = node.stub.ActOnConsultation(pb.ActOnConsultationRequest(
        idempotency_key=key(), consultation_id=asked.consultation_id,
        withdraw=pb.WithdrawConsultation()), metadata=node.person, timeout=10).consultation
    assert withdrawn.status == pb.CONSULTATION_STATUS_WITHDRAWN and not withdrawn.overdue


def test_an_unknown_item_is_not_found(node) -> None:
    code, detail = refused(lambda: node.stub.AskConsultation(pb.AskConsultationRequest(
        idempotency_key=key(), item_id="no-such-item", title="问", question="问"),
        metadata=node.person, timeout=10))
    assert code == grpc.StatusCode.NOT_FOUND and detail.code == "ITEM_NOT_FOUND"


def supervised_case(node: Node, projection: Projection | None = None) -> str:
    """A case of the item, accepted, whose events supervision has applied (as its worker
    would; with its write path when ``projection`` has it)."""
    case = node.clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=node.item.item_id, region="511602",
        applicant=applicant()), metadata=node.admin, timeout=10).case
    node.clients.cases.ActOnCase(kpb.ActOnCaseRequest(
        idempotency_key=key(), case_number=case.case_number,
        accept=kpb.Accept(opinion="齐全")), metadata=node.admin, timeout=10)
    table = outbox_table(MetaData())
    with node.cases_db.transaction() as s:
        rows = s.execute(select(table.c.body).where(table.c.body.contains(
            case.case_number)).order_by(table.c.seq)).scalars().all()
    projection = projection or Projection(node.db)
    for body in rows:
        projection.apply(parse_event(body))
    return case.case_number


def test_the_public_feed_shows_cases_as_they_run_without_anything_personal(node) -> None:
    number = supervised_case(node)
    answer = node.stub.ListOpenCases(pb.ListOpenCasesRequest(region="511602", page_size=100),
                                     timeout=10)
    [case] = [c for c in answer.cases if c.case_number == number]
    assert case.status == "in_progress" and case.department == node.item.content.department
    assert case.accepted_on == local_day(node.clock()).isoformat() and not case.finished_on
    assert case.item_name == "" or case.item_name == node.item.content.name
    assert answer.HasField("as_of") and answer.total >= 1
    shown = json.dumps(str(answer), ensure_ascii=False)
    person = applicant()
    assert person.name not in shown and person.id_number not in shown
    finished = node.stub.ListOpenCases(pb.ListOpenCasesRequest(finished=True), timeout=10)
    assert number not in [c.case_number for c in finished.cases]
    stats = node.stub.GetOpenStatistics(pb.GetOpenStatisticsRequest(), timeout=10)
    assert stats.month == f"{local_day(node.clock()):%Y-%m}" and stats.region == "510000"
    code, _ = refused(lambda: node.stub.GetOpenStatistics(pb.GetOpenStatisticsRequest(
        month="2026-13"), timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_the_months_total_row_adds_up_the_complaints_and_ratings_of_the_rows(node) -> None:
    """The total once read 0 complaints (and no satisfaction) whatever the rows said."""
    # the item's department has a row this month: its backlog
    supervised_case(node, Projection(node.db, Supervision(node.db, CALENDAR, "510000")))
    for addressee in (pb.ADDRESSEE_SUPERVISION, pb.ADDRESSEE_OPENNESS):
        node.stub.SubmitComplaint(pb.SubmitComplaintRequest(
            idempotency_key=key(), kind=pb.COMPLAINT_KIND_COMPLAINT, addressee=addressee,
            subject=pb.COMPLAINT_SUBJECT_DEPARTMENT, region="511602",
            department_code=DEVELOPMENT, title="窗口推诿", content="多次往返仍未受理。"),
            metadata=node.person, timeout=10)
    stats = node.stub.GetOpenStatistics(pb.GetOpenStatisticsRequest(), timeout=10)
    [development] = [r for r in stats.rows if r.department_code == DEVELOPMENT]
    assert development.complaints >= 2
    assert stats.total.complaints == sum(r.complaints for r in stats.rows)
    assert stats.total.ratings == sum(r.ratings for r in stats.rows)
    assert stats.total.HasField("satisfaction") == any(r.HasField("satisfaction")
                                                       for r in stats.rows)


def test_the_catalogue_counts_its_items_by_state_for_the_cleanup_figures(node) -> None:
    kept = node.clients.published_item(node.admin)
    cancelled = node.clients.published_item(node.admin)
    node.clients.catalogue.AdjustItem(cpb.AdjustItemRequest(
        idempotency_key=key(), item_id=cancelled.item_id, action=cpb.ADJUST_ACTION_CANCEL,
        reason="法律修订后取消"), metadata=node.admin, timeout=10)

    def counts() -> dict[int, int]:
        answer = node.clients.catalogue.CountItemStates(cpb.CountItemStatesRequest(
            region="511602"), timeout=10)
        assert answer.total == sum(c.items for c in answer.counts)
        return {c.state: c.items for c in answer.counts}

    before = counts()
    assert before[cpb.ITEM_STATE_CANCELLED] >= 1 and before[cpb.ITEM_STATE_ACTIVE] >= 1
    node.clients.published_item(node.admin)
    assert counts()[cpb.ITEM_STATE_ACTIVE] == before[cpb.ITEM_STATE_ACTIVE] + 1
    assert kept.item_id


def test_the_gateway_serves_consultations_and_the_case_reads(node) -> None:
    backends = Backends(node.addresses, 10.0)
    try:
        with TestClient(create_app(backends, "510000", "四川省"),
                        raise_server_exceptions=False) as api:
            def auth(md) -> dict[str, str]:  # type: ignore[no-untyped-def]
                return {"Authorization": dict(md)["authorization"]}

            asked = api.post("/v1/consultations", json={
                "idempotency_key": key(), "item_id": node.item.item_id, "title": "收费吗",
                "question": "办理这个事项收费吗？", "contact": "13900000000"})
            assert asked.status_code == 201, asked.text
            consultation = asked.json()["consultation"]
            code, number = consultation["query_code"], consultation["consultation_id"]
            read = api.post(f"/v1/consultations/{number}/read", json={"query_code": code})
            assert read.status_code == 200 and read.json()["consultation"]["title"] == "收费吗"
            assert api.post(f"/v1/consultations/{number}/read", json={}).status_code == 404
            waiting = api.get("/v1/consultations", params={"waiting_only": True,
                                                            "status": "submitted"},
                              headers=auth(node.clerk))
            assert waiting.status_code == 200
            assert number in [c["consultation_id"] for c in waiting.json()["consultations"]]
            done = api.post(f"/v1/consultations/{number}/actions", json={
                "idempotency_key": key(), "answer": {"answer": "不收费。"}},
                headers=auth(node.clerk))
            assert done.status_code == 200, done.text
            assert done.json()["consultation"]["status"] == "CONSULTATION_STATUS_ANSWERED"
            missing = api.post("/v1/consultations", json={
                "idempotency_key": key(), "item_id": node.item.item_id, "title": "问",
                "question": "问"})
            assert missing.status_code == 400
            assert missing.json()["error"]["code"] == "CONTACT_REQUIRED"

            # the case reads: my cases, a lookup with the receipt's code, who looked, search
            case = node.clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
                idempotency_key=key(), item_id=node.item.item_id, region="511602",
                applicant=applicant()), metadata=node.person, timeout=10).case
            mine = api.get("/v1/my/cases", params={"page_size": 100},
                           headers=auth(node.person))
            assert mine.status_code == 200, mine.text
            assert case.case_number in [c["case_number"] for c in mine.json()["cases"]]
            assert api.get("/v1/my/cases").status_code == 401
            found = api.post("/v1/cases/lookup", json={"case_number": case.case_number,
                                                       "query_code": case.query_code},
                             headers=auth(node.hall))
            assert found.status_code == 200, found.text
            assert found.json()["case"]["case_number"] == case.case_number
            wrong = api.post("/v1/cases/lookup", json={"case_number": case.case_number,
                                                       "applicant_name": "别人"},
                             headers=auth(node.hall))
            assert wrong.status_code == 404
            api.get(f"/v1/cases/{case.case_number}", headers=auth(node.clerk))
            looked = api.get(f"/v1/cases/{case.case_number}/accesses",
                             headers=auth(node.person))
            assert looked.status_code == 200, looked.text
            assert "clerk-1" in [e["subject"] for e in looked.json()["entries"]]
            assert api.get(f"/v1/cases/{case.case_number}/accesses",
                           headers=auth(node.other_person)).status_code == 404
            accepted = node.clients.cases.ActOnCase(kpb.ActOnCaseRequest(
                idempotency_key=key(), case_number=case.case_number,
                accept=kpb.Accept(opinion="齐全")), metadata=node.admin, timeout=10).case
            queue = api.get("/v1/queue", params={"query": case.case_number},
                            headers=auth(node.admin))
            assert queue.status_code == 200, queue.text
            assert {e["case_number"] for e in queue.json()["entries"]} == {
                accepted.case_number}
            assert api.get("/v1/queue", params={"query": "x" * 101},
                           headers=auth(node.admin)).status_code == 400
    finally:
        backends.close()
