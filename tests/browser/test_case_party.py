"""The party of a penalty case the government opened (立案) follows it in a real browser
(Debian's Chromium driven by Playwright).

In this process, on loopback ports: the case service on its own SQLite file behind its gRPC
servicer, stubs of the catalogue and of supervision's warnings, and the hall (uvicorn) with
the enterprise's account. The enterprise signs in, finds the case among its own, reads until
when it may state, defend or ask for a hearing (in words, the day the engine computed on the
official calendar) and, once the department decided, the decision and its amount; the
立案审批表 is neither listed nor downloadable to it. axe-core finds no serious or critical
violation on that page at a desktop's and a phone's width, where nothing scrolls sideways —
nor on the workbench's page of an opened case with its enforcement forms (执法办理), as the
inspector sees it. Screenshots go to ``var/test-artifacts/party/``.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
import uvicorn
from sunlight.cases.v1 import cases_pb2_grpc

from services.cases.api import CaseServicer
from services.cases.domain.enforcement import Notify, RecordEvidence
from services.cases.domain.engine import Accept, CompleteStep, Decide
from services.cases.domain.model import Evidence, Party, Penalty
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
from tests.browser.test_supervision_dashboard import (
    ARGS,
    CHROMIUM,
    DESKTOP,
    PHONE,
    serious_violations,
)
from tests.support.cases import key
from tests.support.codes import credit_code
from tests.support.enforcement import (
    BASIS,
    HEAD,
    INSPECTOR,
    ITEM,
    NOTIFIER,
    Catalogue,
    Clock,
    Items,
    Monitoring,
)
from tests.support.wait import wait_for

playwright = pytest.importorskip("playwright.sync_api", reason="a dev dependency: make venv")

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "test-artifacts" / "party"
SECRET = TokenKey.generate().to_text()
PASSWORD = "Dang-shi-2026"
PARTY = Party("某食品店", "credit_code", credit_code(20261116))


@dataclass
class Node:
    url: str
    cases: CaseService
    clock: Clock


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    files = tmp_path_factory.mktemp("party")
    dbs = {}
    for service in ("cases", "hall"):
        url = f"sqlite:///{files / f'{service}.db'}"
        upgrade(ROOT / "services" / service / "migrations", url, service)
        dbs[service] = Database(url, service)
    clock = Clock()
    cases = CaseService(dbs["cases"], Items(), WorkingCalendar.official(), "510000",
                        clock=clock)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    cases_pb2_grpc.add_CaseServiceServicer_to_server(
        CaseServicer(cases, Authenticator(SECRET)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    provider = LocalIdentityProvider(AccountStore(dbs["hall"]), "510000",
                                     limits=SignInLimits.of("100/minute", "1000/minute"))
    provider.add(Kind.ENTERPRISE, PARTY.id_number, PARTY.name, PASSWORD)
    provider.add(Kind.STAFF, INSPECTOR.subject, "孙执法", PASSWORD, roles=INSPECTOR.roles,
                 regions=INSPECTOR.regions, department_code=INSPECTOR.department or "",
                 positions=INSPECTOR.positions)
    backend = HallBackend(Catalogue(), cases_pb2_grpc.CaseServiceStub(channel), lambda: "",
                          10.0, monitoring=Monitoring())
    app = create_app(backend, "广安区", today=lambda: clock.now.date(), rates=RateLimits(
        public_reads="100000/minute", case_lookup="100000/minute",
        failed_auth="100000/minute"), access=Access(provider, TokenMinter(SECRET), "q" * 64))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    web = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: web.started, timeout_s=20)
    try:
        yield Node(f"http://127.0.0.1:{sock.getsockname()[1]}", cases, clock)
    finally:
        web.should_exit = True
        thread.join(10)
        channel.close()
        server.stop(0)
        for db in dbs.values():
            db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.exists(), "needs Debian's chromium (infra/test.sh installs it as root)"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def notified(node: Node) -> str:
    """A penalty case opened against the party, its notice served on Monday 16 November with
    the right to a hearing."""
    case = node.cases.open(INSPECTOR, Opening(
        ITEM.item_id, 0, "511602", (PARTY,), "未取得许可经营食品", "complaint", (BASIS,),
        (Evidence("", "inspection_record", "现场检查笔录"),)), key())
    node.cases.act(HEAD, case.number, Accept("同意立案"), key())
    node.cases.act(INSPECTOR, case.number, RecordEvidence("documentary", "进货单"), key())
    running = next(i.instance_id for i in node.cases.get(INSPECTOR, case.number).active
                   if i.key == "investigate")
    node.cases.act(INSPECTOR, case.number, CompleteStep(running, "查明"), key())
    node.cases.act(NOTIFIER, case.number, Notify(
        "拟罚款 2000 元", Penalty("first", ("fine",), 200_000), hearing_right=True), key())
    return case.number


def signed_in(browser, node: Node, viewport=DESKTOP):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(node.url + "/my/cases")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.check("input[value=enterprise]")
    page.fill("#f-login", PARTY.id_number)
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(node.url) + r"/my/cases$"))
    return context, page


def test_a_party_reads_until_when_they_may_ask_for_a_hearing_and_the_decision(
        node: Node, browser) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    number = notified(node)
    filing = next(d.document_id for d in node.cases.documents.of_case(number)
                  if d.kind == "filing_approval")
    context, page = signed_in(browser, node)
    page.click(f"a[href='/my/cases/{number}']")
    page.wait_for_url(re.compile(rf"/my/cases/{number}$"))
    assert page.inner_text("#rights-deadline") == (
        "您可以在 2026年11月23日 前（5个工作日内）提出陈述、申辩或要求听证")
    assert "罚款 2000 元" in page.inner_text("#notice-served")
    assert page.inner_text("#penalty-decision") == "尚未作出处罚决定。"
    assert "行政处罚事先告知书" in page.inner_text("ul.documents")
    assert "立案审批表" not in page.inner_text("main")
    page.screenshot(path=str(ARTEFACTS / "notified-desktop.png"), full_page=True)

    # the window passes; the department decides within the standard
    node.clock.now += timedelta(days=8)
    node.cases.act(HEAD, number, Decide(
        "impose", "事实清楚", (BASIS,), penalty=Penalty("first", ("fine",), 200_000)), key())
    page.reload()
    assert page.inner_text("#rights-deadline") == (
        "要求听证的期限已于 2026年11月23日 届满（告知书送达后 5 个工作日）。")
    assert page.inner_text("#penalty-decision") == "作出行政处罚决定：罚款 2000 元。"
    documents = page.inner_text("ul.documents")
    assert "行政处罚决定书" in documents and "立案审批表" not in documents
    hidden = page.request.get(f"{node.url}/my/cases/{number}/documents/{filing}")
    assert hidden.status == 404
    found: dict[str, list[str]] = {}
    if violations := serious_violations(page):
        found["desktop"] = violations
    page.screenshot(path=str(ARTEFACTS / "decided-desktop.png"), full_page=True)
    context.close()

    context, page = signed_in(browser, node, PHONE)
    page.goto(f"{node.url}/my/cases/{number}")
    assert "罚款 2000 元" in page.inner_text("#penalty-decision")
    if violations := serious_violations(page):
        found["phone"] = violations
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTEFACTS / "decided-phone.png"), full_page=True)
    context.close()
    assert found == {}


def test_the_workbench_enforcement_forms_pass_axe_at_a_desktops_and_a_phones_width(
        node: Node, browser) -> None:
    """The inspector's page of a case under investigation (/workbench/cases/<n>): its
    enforcement forms (执法办理) with no serious or critical axe-core violation at 1280 and
    390 px, nothing scrolling sideways on the phone."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    case = node.cases.open(INSPECTOR, Opening(
        ITEM.item_id, 0, "511602", (PARTY,), "未取得许可经营食品", "complaint", (BASIS,),
        (Evidence("", "inspection_record", "现场检查笔录"),)), key())
    node.cases.act(HEAD, case.number, Accept("同意立案"), key())
    found: dict[str, list[str]] = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{node.url}/workbench/cases/{case.number}")
        page.wait_for_url(re.compile(r"/signin\?next="))
        page.check("input[value=staff]")
        page.fill("#f-login", INSPECTOR.subject)
        page.fill("#f-password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url(re.compile(rf"/workbench/cases/{case.number}$"))
        section = page.locator("section[aria-labelledby=enforcement-heading]")
        assert section.count() == 1 and section.locator("form").count() >= 1, \
            page.inner_text("main")
        if violations := serious_violations(page):
            found[name] = violations
        if name == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTEFACTS / f"workbench-enforcement-{name}.png"),
                        full_page=True)
        context.close()
    assert found == {}
