"""A penalty case (立案) handled through the workbench's forms and followed by its party in
the hall, against the real case service on PostgreSQL behind its gRPC servicer (the hall's
test client posting the forms with the session's CSRF token, the services deciding).

Checked: the head approves the filing, the inspector records evidence and completes the
investigation, another inspector serves the notice of the intended penalty with the hearing
right; the party reads, in words, until when they may state, defend or ask for a hearing (the
day the engine computed on the official calendar), and neither sees nor downloads the 立案审批表,
which staff download; a hearing asked for after that day is refused against its field, one on
time is recorded, a hearing set too soon is refused against its date, then set, held; a
meeting's minutes are recorded; a fine above its standard's range is refused against the
amount (the range shown beside it) until a departure is justified in writing; the decision is
served, executed and the case closed; the party reads the hearing's day and place, the
decision and its amount. The catalogue (the item version's flow and standards) and
supervision's warnings are stubs: they are not under test here."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc

from services.cases import storage as t
from services.cases.api import CaseServicer
from services.cases.domain.model import Evidence, Party
from services.cases.service import CaseService, Opening
from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity.accounts import AccountStore
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.tokens import TokenMinter
from services.shared.auth import Authenticator
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.rate_limits import RateLimits
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support import departments
from tests.support.cases import key
from tests.support.codes import credit_code
from tests.support.enforcement import (
    BASIS,
    DEPT,
    INSPECTOR,
    ITEM,
    Catalogue,
    Clock,
    Items,
    Monitoring,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SECRET = TokenKey.generate().to_text()
PASSWORD = "Zhi-fa-2026-x"
@dataclass
class Node:
    cases: CaseService
    clock: Clock
    web: TestClient
    party: Party


@pytest.fixture()
def node(pg_settings, tmp_path) -> Iterator[Node]:  # type: ignore[no-untyped-def]
    db = Database(pg_settings.database_url, "cases", pool_size=2)
    hall_url = f"sqlite:///{tmp_path / 'hall.db'}"
    upgrade(ROOT / "services" / "hall" / "migrations", hall_url, "hall")
    hall_db = Database(hall_url, "hall")
    clock = Clock()
    cases = CaseService(db, Items(), WorkingCalendar.official(), "510000", clock=clock)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    kgrpc.add_CaseServiceServicer_to_server(CaseServicer(cases, Authenticator(SECRET)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    party = Party("某食品店", "credit_code", credit_code(uuid.uuid4().int % 10**8))
    provider = LocalIdentityProvider(AccountStore(hall_db), "510000",
                                     limits=SignInLimits.of("1000/minute", "1000/minute"))
    for login, name, positions in (("head.one", "周局长", ("head",)),
                                   ("insp.one", "吴执法", ("inspector",)),
                                   ("insp.two", "郑执法", ("inspector",)),
                                   ("legal.one", "冯法制", ("legal",))):
        provider.add(Kind.STAFF, login, name, PASSWORD, roles=("clerk",), regions=("511602",),
                     department_code=departments.MARKET, department_name=DEPT,
                     positions=positions)
    provider.add(Kind.ENTERPRISE, party.id_number, party.name, PASSWORD)
    backend = HallBackend(Catalogue(), kgrpc.CaseServiceStub(channel), lambda: "", 10.0,
                          monitoring=Monitoring())
    app = create_app(backend, "广安区", today=lambda: clock.now.date(), rates=RateLimits(
        public_reads="100000/minute", case_lookup="100000/minute",
        failed_auth="100000/minute"), access=Access(provider, TokenMinter(SECRET), "w" * 64))
    try:
        yield Node(cases, clock, TestClient(app, follow_redirects=False), party)
    finally:
        channel.close()
        server.stop(0)
        with db.begin() as c:  # no relay here: leave no pending events to other tests
            c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
                published_at=func.now()))
        db.dispose()
        hall_db.dispose()


def csrf(web: TestClient, path: str = "/signin") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', web.get(path).text).group(1)


def sign_in(web: TestClient, login: str, kind: str = "staff") -> None:
    web.cookies.clear()
    answer = web.post("/signin", data={"csrf_token": csrf(web), "kind": kind, "login": login,
                                       "password": PASSWORD, "next": "/"})
    assert answer.status_code == 303, answer.text


def act(web: TestClient, number: str, action: str, **fields: str):  # type: ignore[no-untyped-def]
    """Post the workbench's form of ``action`` as the page gives it (its CSRF token)."""
    page = web.get(f"/workbench/cases/{number}")
    assert page.status_code == 200, page.text
    assert f"/act/{action}" in page.text, f"no {action} form on the page"
    return web.post(f"/workbench/cases/{number}/act/{action}", data={
        "csrf_token": csrf(web, f"/workbench/cases/{number}"), "key": uuid.uuid4().hex,
        **fields})


def done(answer, action: str) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith(f"?done={action}#top")


def field_error(page: str, form_id: str) -> str:
    """The error shown against a field (``<prefix>-<name>``), in words."""
    found = re.search(rf'<p class="field-error" id="{re.escape(form_id)}-error">([^<]+)</p>',
                      page)
    assert found, f"no error against {form_id}"
    assert f'aria-describedby="{form_id}-error"' in page
    return found.group(1)


def running(cases: CaseService, number: str, key_: str) -> str:
    return next(i.instance_id for i in cases.get(INSPECTOR, number).active if i.key == key_)


def opened(node: Node) -> str:
    return node.cases.open(INSPECTOR, Opening(
        ITEM.item_id, 0, "511602", (node.party,), "未取得许可经营食品", "complaint", (BASIS,),
        (Evidence("", "inspection_record", "现场检查笔录"),)), key()).number


def test_a_penalty_case_from_filing_to_closing_through_the_workbench_followed_by_its_party(
        node: Node) -> None:
    web, number = node.web, opened(node)

    # the head approves the filing (立案)
    sign_in(web, "head.one")
    page = web.get(f"/workbench/cases/{number}").text
    assert "立案审批" in page and "批准立案" in page and node.party.name in page
    done(act(web, number, "accept", opinion="同意立案"), "accept")
    assert "已批准立案" in web.get(f"/workbench/cases/{number}?done=accept").text

    # the inspector records evidence and completes the investigation
    sign_in(web, "insp.one")
    refused = act(web, number, "record_evidence", kind="", description="进货单")
    assert refused.status_code == 400
    assert "证据种类" in field_error(refused.text, "evidence-kind")
    done(act(web, number, "record_evidence", kind="documentary", description="进货单"),
         "record_evidence")
    done(act(web, number, "complete_step", instance_id=running(node.cases, number,
                                                               "investigate"),
             opinion="查明"), "complete_step")
    # another inspector serves the notice of the intended penalty, with the hearing right
    sign_in(web, "insp.two")
    page = web.get(f"/workbench/cases/{number}").text
    assert "/act/complete_step" not in page  # the notification ends with its own action
    done(act(web, number, "notify", intended="拟罚款 2000 元", hearing_right="1",
             circumstance="first", **{"measure-fine": "1"}, amount="2000"), "notify")
    case = node.cases.get(INSPECTOR, number)
    assert case.notification is not None
    assert case.notification.hearing_due_on == date(2026, 11, 23)

    # the party: until when, in words; the filing approval form is not theirs to see
    sign_in(web, node.party.id_number, kind="enterprise")
    mine = web.get(f"/my/cases/{number}")
    assert mine.status_code == 200
    assert "您可以在 2026年11月23日 前（5个工作日内）提出陈述、申辩或要求听证" in mine.text
    assert "拟作出的处罚：罚款 2000 元" in mine.text
    assert "尚未作出处罚决定" in mine.text
    assert "行政处罚事先告知书" in mine.text and "立案审批表" not in mine.text
    staff_view = node.cases.get(INSPECTOR, number)
    filing = next(d for d in node.cases.documents.of_case(number)
                  if d.kind == "filing_approval")
    notice = next(d for d in node.cases.documents.of_case(number)
                  if d.kind == "penalty_notice")
    assert staff_view.number == number
    assert web.get(f"/my/cases/{number}/documents/{filing.document_id}").status_code == 404
    pdf = web.get(f"/my/cases/{number}/documents/{notice.document_id}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # staff see it listed and download it
    sign_in(web, "insp.one")
    page = web.get(f"/workbench/cases/{number}").text
    assert "下载立案审批表（PDF）" in page
    pdf = web.get(f"/workbench/cases/{number}/documents/{filing.document_id}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # a hearing asked for after the last day is refused against its field; on time, recorded
    node.clock.now += timedelta(days=8)  # Tuesday 24 November
    late = act(web, number, "request_hearing", requested_on="2026-11-24")
    assert late.status_code == 409
    assert "2026年11月23日 届满" in field_error(late.text, "request-hearing-requested_on")
    assert "Traceback" not in late.text
    done(act(web, number, "request_hearing", requested_on="2026-11-23"), "request_hearing")
    # set too soon (7 working days' notice), refused against the date; then set
    soon = act(web, number, "schedule_hearing", on="2026-11-27", place="第一会议室",
               host="legal.one")
    assert soon.status_code == 409
    assert "最早可定于 2026年12月3日" in field_error(soon.text, "schedule-on")
    done(act(web, number, "schedule_hearing", on="2026-12-03", place="第一会议室",
             host="legal.one"), "schedule_hearing")
    sign_in(web, node.party.id_number, kind="enterprise")
    mine = web.get(f"/my/cases/{number}").text
    assert "听证定于 2026年12月3日 在第一会议室举行" in mine
    assert "legal.one" not in mine  # who hosts is the department's record

    node.clock.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    sign_in(web, "legal.one")
    done(act(web, number, "hold_hearing", record="当事人陈述申辩", outcome="维持"),
         "hold_hearing")

    # the meeting that decides, then a fine above its standard: refused, then justified
    sign_in(web, "head.one")
    bad = act(web, number, "record_collective_review", held_on="2026-12-03",
              participants="周局长（局长）\n王副局长\n李科长", opinions="周局长：同意",
              minutes="讨论", outcome="同意处罚")
    assert bad.status_code == 400
    assert "每一位参加人员" in field_error(bad.text, "review-opinions")
    done(act(web, number, "record_collective_review", held_on="2026-12-03",
             participants="周局长（局长）\n王副局长（副局长）\n李科长（科长）",
             opinions="周局长：同意\n王副局长：同意\n李科长：从重处罚", minutes="讨论了案情和裁量",
             outcome="同意从重处罚"), "record_collective_review")
    decide = {"outcome": "impose", "reasons": "事实清楚", "basis-0": "1",
              "circumstance": "first", "measure-fine": "1", "amount": "9000"}
    page = web.get(f"/workbench/cases/{number}").text
    assert "罚款 500 元至 5000 元" in page  # the standard's range beside the amount
    over = act(web, number, "decide", **decide)
    assert over.status_code == 409
    said = field_error(over.text, "decide-amount")
    assert "超出所选情形的裁量基准" in said and "书面说明理由" in said
    assert "所选情形的裁量基准：一般（初次违法，货值较小）" in over.text
    assert 'value="9000"' in over.text  # what was typed is kept
    done(act(web, number, "decide", **decide, departure="拒不改正，从重处罚"), "decide")
    decided = node.cases.get(INSPECTOR, number)
    assert decided.decision is not None and decided.decision.penalty is not None
    assert decided.decision.penalty.amount_fen == 900_000
    assert not decided.decision.penalty.within_standard

    # served, executed, closed
    sign_in(web, "insp.one")
    done(act(web, number, "serve", method="direct", recipient=node.party.name,
             served_on="2026-12-03"), "serve")
    for step in ("execute", "close"):
        done(act(web, number, "complete_step",
                 instance_id=running(node.cases, number, step), opinion="已办结"),
             "complete_step")
    assert node.cases.get(INSPECTOR, number).closed_at is not None

    # the party reads the decision, its amount and its service
    sign_in(web, node.party.id_number, kind="enterprise")
    mine = web.get(f"/my/cases/{number}").text
    assert "作出行政处罚决定：罚款 9000 元" in mine
    assert "处罚决定书已于 2026年12月3日 以直接送达方式送达" in mine
    assert "听证已于 2026年12月3日 在第一会议室举行" in mine
    assert "下载行政处罚决定书（PDF）" in mine and "立案审批表" not in mine

