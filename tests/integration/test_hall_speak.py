"""Speaking up in the hall (咨询 · 投诉 · 好差评) and its public page (动态公开), on the real
catalogue, case and supervision services on PostgreSQL: a visitor asks about an item leaving
a contact and reads the answer with the query code; a signed-in person asks, the item's
department answers from the workbench, and the person finds the answer under 我的咨询投诉评价;
the applicant rates their finished case at /my/cases/<number>/rate (supervision's refusals —
a bad rating without its reason, a second rating, an unfinished case — shown in Chinese and
tied to the field); they complain about the case to the body they choose (a report to the
department itself refused). The public page shows no personal data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cgrpc
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity import storage as ht
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.tokens import TokenMinter
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
from services.shared.grpc_server import GrpcServer
from services.shared.rate_limits import RateLimits
from services.shared.working_days import WorkingCalendar
from tests.support.clients import Clients, act, applicant, bearer, key, running
from tests.support.departments import DEVELOPMENT

pytestmark = pytest.mark.integration
CALENDAR = WorkingCalendar.official()
PASSWORD = "correct horse battery"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
PERSON = applicant().id_number


class Hall:
    def __init__(self, app, clients: Clients, admin, chief, item_id: str) -> None:  # type: ignore[no-untyped-def]
        self.app, self.clients, self.admin, self.item_id = app, clients, admin, item_id
        self.chief = chief

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def case(self, finish: bool = True) -> str:
        """A case of the item applied for by PERSON, completed (办结) if asked."""
        case = self.clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
            idempotency_key=key(), item_id=self.item_id, region="511602",
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
        act(self.clients.cases, self.admin, number, complete=kpb.CompleteCase())
        return number


@pytest.fixture(scope="module")
def hall(pg_settings, tmp_path_factory) -> Iterator[Hall]:
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    settings = pg_settings.model_copy(update={"catalogue_port": catalogue.start()})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    secret = settings.token_key
    db = Database(settings.database_url, "monitoring", pool_size=4)
    token = ServiceToken(secret, "monitoring", ["510000"], roles=("supervision_service",))
    feedback = Feedback(db, CALENDAR, "510000",
                        CasesClient(f"127.0.0.1:{cases_port}", token, 10.0),
                        items=CatalogueClient(f"127.0.0.1:{settings.catalogue_port}", token,
                                              10.0))
    monitoring = GrpcServer("127.0.0.1:0")
    monitoring.add(pb_grpc.add_MonitoringServiceServicer_to_server,
                   MonitoringServicer(Projection(db), Authenticator(secret),
                                      Supervision(db, CALENDAR, "510000"),
                                      Evaluation(db, ratings=EvaluationRatings(db, "510000")),
                                      feedback=feedback),
                   [pb.DESCRIPTOR.services_by_name["MonitoringService"].full_name])
    monitoring_port = monitoring.start()
    channels = [grpc.insecure_channel(f"127.0.0.1:{p}")
                for p in (settings.catalogue_port, cases_port, monitoring_port)]
    admin = bearer(secret, "admin-1", ["admin"], ["510000"])
    clients = Clients(cgrpc.CatalogueServiceStub(channels[0]),
                      kgrpc.CaseServiceStub(channels[1]))
    item = clients.published_item(admin)
    hall_db = Database(f"sqlite:///{tmp_path_factory.mktemp('hall') / 'hall.db'}", "hall")
    ht.metadata.create_all(hall_db.engine)
    provider = LocalIdentityProvider(AccountStore(hall_db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("100/minute", "1000/minute"))
    provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    provider.add(Kind.STAFF, "li.clerk", "李经办", PASSWORD, roles=("clerk",),
                 regions=("511602",), department_code=DEVELOPMENT,
                 department_name="区发展改革局")
    hall_token = ServiceToken(secret, "hall", ["510000"], roles=("hall",))
    backend = HallBackend(cgrpc.CatalogueServiceStub(channels[0]),
                          kgrpc.CaseServiceStub(channels[1]), hall_token.header, 10.0,
                          monitoring=pb_grpc.MonitoringServiceStub(channels[2]))
    app = create_app(backend, "广安区", rates=RateLimits(
        public_reads="100000/minute", case_lookup="100000/minute",
        failed_auth="100000/minute"), access=Access(provider, TokenMinter(secret), "k" * 64))
    yield Hall(app, clients, admin, bearer(secret, "admin-2", ["admin"], ["510000"]),
               item.item_id)
    with db.begin() as c:  # no relay here: leave no pending events to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=t.outbox.c.created_at))
    for channel in channels:
        channel.close()
    monitoring.stop(0)
    cases.stop(0)
    catalogue.stop(0)
    db.dispose()
    hall_db.dispose()


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:300])
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client: TestClient, kind: str, login: str) -> None:
    answer = client.post("/signin", data={"csrf_token": csrf(client, "/signin"), "kind": kind,
                                          "login": login, "password": PASSWORD,
                                          "next": "/"})
    assert answer.status_code == 303, answer.text[:300]


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_visitor_asks_with_a_contact_and_reads_the_answer_with_the_query_code(hall) -> None:
    client = hall.client()
    guide = client.get(f"/items/{hall.item_id}")
    assert f'href="/items/{hall.item_id}/ask"' in guide.text and "投诉该部门" in guide.text
    path = f"/items/{hall.item_id}/ask"
    token = csrf(client, path)
    refused = client.post(path, data={"csrf_token": token, "title": "收费吗",
                                      "question": "办理收费吗？"})
    assert refused.status_code == 400
    assert 'id="f-contact-error"' in refused.text
    assert re.search(r'id="f-contact"[^>]*aria-invalid="true"', refused.text)
    no_token = client.post(path, data={"title": "收费吗", "question": "办理收费吗？",
                                       "contact": "13800000000"})
    assert no_token.status_code in (303, 403) and "query-code" not in no_token.text
    asked = client.post(path, data={"csrf_token": token, "title": "收费吗",
                                     "question": "办理收费吗？", "contact": "13800000000"})
    assert asked.status_code == 200, asked.text[:500]
    number = re.search(r'id="consultation-id">([^<]+)<', asked.text).group(1)
    code = re.search(r'id="query-code">([^<]+)<', asked.text).group(1)
    assert len(code) == 8
    wrong = client.post("/consultations", data={"csrf_token": token, "consultation_id": number,
                                                "query_code": "ZZZZZZZZ"})
    assert wrong.status_code == 404 and "没有找到" in words(wrong.text)
    found = client.post("/consultations", data={"csrf_token": token,
                                                "consultation_id": number, "query_code": code})
    assert found.status_code == 200 and "办理收费吗？" in found.text and "尚未答复" in found.text


def test_a_person_asks_the_department_answers_and_the_person_reads_it(hall) -> None:
    person = hall.client()
    sign_in(person, "person", PERSON)
    path = f"/items/{hall.item_id}/ask"
    asked = person.post(path, data={"csrf_token": csrf(person, path), "title": "要带原件吗",
                                    "question": "窗口提交时需要带原件吗？"})
    assert asked.status_code == 303 and asked.headers["location"].startswith(
        "/my/feedback?done=asked#c-")
    number = asked.headers["location"].split("#c-")[1]
    mine = words(person.get("/my/feedback?done=asked").text)
    assert "咨询已提交" in mine and "要带原件吗" in mine and "还剩 5 个工作日" in mine

    clerk = hall.client()
    sign_in(clerk, "staff", "li.clerk")
    bench = clerk.get("/workbench/consultations")
    assert bench.status_code == 200 and number in bench.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', bench.text).group(1)
    empty = clerk.post(f"/workbench/consultations/{number}/answer",
                       data={"csrf_token": token, "answer": " "})
    assert empty.status_code == 400 and f'id="f-answer-{number}-error"' in empty.text
    answered = clerk.post(f"/workbench/consultations/{number}/answer",
                          data={"csrf_token": token, "answer": "需要带原件核验，核验后退还。"})
    assert answered.status_code == 303
    assert number not in clerk.get("/workbench/consultations").text
    mine = words(person.get("/my/feedback").text)
    assert "需要带原件核验，核验后退还。" in mine and "已答复" in mine
    # a person is not staff: the workbench page is not theirs
    assert person.get("/workbench/consultations").status_code == 404


def test_the_applicant_rates_a_finished_case_once_with_refusals_in_words(hall) -> None:
    person = hall.client()
    sign_in(person, "person", PERSON)
    running_case = hall.case(finish=False)
    path = f"/my/cases/{running_case}/rate"
    early = person.post(path, data={"csrf_token": csrf(person, path), "level": "1"})
    assert early.status_code == 409 and "尚未办结" in words(early.text)
    assert "CASE_NOT_FINISHED" in early.text

    number = hall.case()
    page = person.get(f"/my/cases/{number}")
    assert f'href="/my/cases/{number}/rate"' in page.text
    path = f"/my/cases/{number}/rate"
    token = csrf(person, path)
    form = person.get(path).text
    for words_ in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "办事指南准确性"):
        assert words_ in form
    no_level = person.post(path, data={"csrf_token": token})
    assert no_level.status_code == 400 and 'id="f-level-error"' in no_level.text
    bad = person.post(path, data={"csrf_token": token, "level": "5"})
    assert bad.status_code == 400 and 'id="f-comment-error"' in bad.text
    assert re.search(r'id="f-comment"[^>]*aria-invalid="true"', bad.text)
    rated = person.post(path, data={"csrf_token": token, "level": "2",
                                    "indicator_efficiency": "1", "indicator_usability": "3",
                                    "comment": "办理很快"})
    assert rated.status_code == 303
    assert rated.headers["location"] == f"/my/feedback?done=rated#r-{number}-online"
    again = person.post(path, data={"csrf_token": token, "level": "1"})
    assert again.status_code == 409
    assert "只能评价一次" in words(again.text) and "ALREADY_RATED" in again.text
    assert "您已评价过这个办件" in person.get(path).text
    assert f'id="r-{number}-online"' in person.get("/my/feedback").text


def test_the_applicant_complains_about_the_case_to_the_body_they_choose(hall) -> None:
    person = hall.client()
    sign_in(person, "person", PERSON)
    number = hall.case(finish=False)
    path = f"/complain?case_number={number}"
    token = csrf(person, path)
    data = {"csrf_token": token, "case_number": number, "title": "窗口推诿",
            "content": "多次往返仍未受理。"}
    refused = person.post("/complain", data={**data, "kind": "report",
                                             "addressee": "department"})
    assert refused.status_code == 400 and "举报不能提交给被举报部门本身" in words(refused.text)
    assert 'id="f-addressee-error"' in refused.text
    done = person.post("/complain", data={**data, "kind": "complaint",
                                          "addressee": "supervision"})
    assert done.status_code == 303 and "#t-" in done.headers["location"]
    mine = words(person.get("/my/feedback").text)
    assert "窗口推诿" in mine and "待受理" in mine
    # without signing in, the form leads to sign-in
    assert hall.client().get(path).status_code in (303, 307)


def test_the_open_page_shows_no_one(hall) -> None:
    client = hall.client()
    page = client.get("/open")
    assert page.status_code == 200
    text = words(page.text)
    assert "5 分钟内" in text and "部门月度统计" in text and "权力清单清理结果" in text
    assert applicant().name not in text and PERSON not in text
    feed = client.get("/open/cases.json").json()
    assert feed["delay_minutes"] == 5 and isinstance(feed["cases"], list)
    assert client.get("/open?finished=1").status_code == 200
