"""Signing in and the supervision dashboard in a real browser (Debian's Chromium driven by
Playwright; ``playwright install`` is never called).

In this process, on loopback ports: the case service and supervision, each on its own SQLite
file behind its gRPC servicer, and the hall (uvicorn) with its local accounts. Cases run
through the real case service; their events, read from its outbox, go through supervision's
write path (``Supervision.on_event``) as the worker hands them over, and its sweep runs on a
clock the test moves. Checked: a supervisor signs in with the keyboard alone and acts on a
warning with it; a warning raised while the dashboard is open appears without reloading;
the case's timeline shows its trace verified; axe-core (vendored) finds no serious or
critical WCAG 2.2 AA violation on the sign-in page, the dashboard, a warning and a case, at a
desktop's and a phone's width (where nothing scrolls sideways). Screenshots go to
``var/test-artifacts/supervision/`` (not committed; the README's are in ``docs/``).
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import grpc
import pytest
import uvicorn
from sqlalchemy import select
from sunlight.cases.v1 import cases_pb2_grpc
from sunlight.monitoring.v1 import monitoring_pb2_grpc

from services.cases import storage as cases_storage
from services.cases.api import CaseServicer
from services.cases.domain.engine import Accept, Reject
from services.cases.domain.flow import ItemSnapshot
from services.cases.service import CaseService
from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity.accounts import AccountStore
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.tokens import TokenMinter
from services.monitoring.api import MonitoringServicer
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.auth import Authenticator
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.migrations import upgrade
from services.shared.rate_limits import RateLimits
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support.cases import CLERK, application, item, key
from tests.support.wait import wait_for

playwright = pytest.importorskip("playwright.sync_api", reason="a dev dependency: make venv")

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
ARTEFACTS = ROOT / "var" / "test-artifacts" / "supervision"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SECRET = TokenKey.generate().to_text()
PASSWORD = "Jian-cha-2026"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ITEM = item("item-dashboard")
CALENDAR = WorkingCalendar.official()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


@dataclass
class Node:
    url: str
    cases: CaseService
    supervision: Supervision
    clock: Clock
    cases_db: Database
    fed: list[int]

    def feed(self) -> int:
        """Hand supervision the case events not handed over yet, in order, each in its own
        transaction (as the worker does)."""
        with self.cases_db.begin() as conn:
            rows = conn.execute(select(cases_storage.outbox.c.seq, cases_storage.outbox.c.body)
                                .where(cases_storage.outbox.c.seq > self.fed[0])
                                .order_by(cases_storage.outbox.c.seq)).all()
        for seq, body in rows:
            with self.supervision.db.begin() as conn:
                self.supervision.on_event(conn, parse_event(body))
            self.fed[0] = seq
        return len(rows)

    def rejected_case(self) -> str:
        """A complete application refused at acceptance: supervision warns at once."""
        case = self.cases.submit(CLERK, application(ITEM), key())
        self.cases.act(CLERK, case.number, Reject("不符合受理条件", "NOT_QUALIFIED"), key())
        self.feed()
        return case.number


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    files = tmp_path_factory.mktemp("dashboard")
    dbs = {}
    for service in ("cases", "monitoring", "hall"):
        url = f"sqlite:///{files / f'{service}.db'}"
        upgrade(ROOT / "services" / service / "migrations", url, service)
        dbs[service] = Database(url, service)
    clock = Clock()
    cases = CaseService(dbs["cases"], Items(), CALENDAR, "510000", clock=clock)
    supervision = Supervision(dbs["monitoring"], CALENDAR, "510000", clock=clock)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    cases_pb2_grpc.add_CaseServiceServicer_to_server(
        CaseServicer(cases, Authenticator(SECRET)), server)
    monitoring_pb2_grpc.add_MonitoringServiceServicer_to_server(MonitoringServicer(
        Projection(dbs["monitoring"]), Authenticator(SECRET), supervision), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    provider = LocalIdentityProvider(AccountStore(dbs["hall"]), "510000",
                                     limits=SignInLimits.of("100/minute", "1000/minute"))
    provider.add(Kind.STAFF, "wang.jc", "王监察", PASSWORD, roles=("supervisor",),
                 regions=("511602",))
    backend = HallBackend(None, cases_pb2_grpc.CaseServiceStub(channel), lambda: "", 10.0,
                          monitoring=monitoring_pb2_grpc.MonitoringServiceStub(channel))
    app = create_app(backend, "广安区", rates=RateLimits(
        public_reads="100000/minute", case_lookup="100000/minute",
        failed_auth="100000/minute"), access=Access(
        provider, TokenMinter(SECRET), "e" * 64, live_poll_s=0.5))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    web = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: web.started, timeout_s=20)
    found = Node(f"http://127.0.0.1:{sock.getsockname()[1]}", cases, supervision, clock,
                 dbs["cases"], [0])
    # a case whose review runs late: yellow on its third day, red after its limit
    late = cases.submit(CLERK, application(ITEM), key())
    cases.act(CLERK, late.number, Accept("材料齐全，予以受理"), key())
    found.feed()
    clock.on(date(2026, 11, 18))
    supervision.sweep()
    clock.on(date(2026, 11, 20))
    supervision.sweep()
    found.rejected_case()
    try:
        yield found
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


def serious_violations(page: object) -> list[str]:  # type: ignore[no-untyped-def]
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "vendored axe-core changed"
    page.evaluate(source.decode())  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG)
    assert result["passes"], "axe-core checked nothing"
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def tab_to(page, selector: str, limit: int = 120) -> int:  # type: ignore[no-untyped-def]
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def sign_in_by_keyboard(page, node: Node, path: str = "/supervision") -> None:  # type: ignore[no-untyped-def]
    page.goto(node.url + path)
    page.wait_for_url(re.compile(r"/signin\?next="))
    tab_to(page, "input[name=kind]")
    for _ in range(2):  # 个人 → 法人 → 工作人员, with the arrow keys
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "staff"
    tab_to(page, "#f-login")
    page.keyboard.type("wang.jc")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("^" + re.escape(node.url + path) + "$"))


def test_a_supervisor_signs_in_and_acts_on_a_warning_by_keyboard_alone(node: Node,
                                                                         browser) -> None:
    number = node.rejected_case()
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in_by_keyboard(page, node)
    assert page.inner_text("h1") == "监察工作台"
    link = f'li[data-warning-id^="{number}:"] a.warning-title'
    tab_to(page, link, limit=200)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/supervision/warnings/"))
    assert page.inner_text("#why-heading + p.explanation").strip()  # explains itself
    assert "发出预警" in page.inner_text("section[aria-labelledby=history-heading]")
    tab_to(page, "#act-dismiss-reason")
    page.keyboard.type("经核查，申请材料确不符合受理条件，予以撤销。")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "撤销预警"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?done=dismiss$"))
    assert "已撤销预警" in page.inner_text("[role=status]")
    history = page.inner_text("section[aria-labelledby=history-heading]")
    assert "监察人员撤销" in history and "王监察" not in history and "wang.jc" in history
    assert "已撤销" in page.inner_text("dl.facts")
    context.close()


def test_a_new_warning_appears_without_reloading(node: Node, browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in_by_keyboard(page, node)
    page.wait_for_load_state("load")
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    before = page.locator("li[data-warning-id]").count()
    number = node.rejected_case()
    row = page.locator(f'li[data-warning-id^="{number}:"]')
    row.wait_for(timeout=15_000)
    assert page.evaluate("window.sameDocument === true")  # not reloaded
    assert page.locator("li[data-warning-id]").count() == before + 1
    assert page.locator("li[data-warning-id]").first.get_attribute(
        "data-warning-id").startswith(f"{number}:")
    assert "新增 1 条预警" in page.inner_text("#live-status")
    context.close()


def test_a_cases_timeline_shows_its_trace_verified(node: Node, browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in_by_keyboard(page, node)
    late = page.locator("li.warning-row.red:has(a.warning-title:text('环节时限'))").first
    number = late.get_attribute("data-warning-id").split(":")[0]
    late.locator(f'a[href="/supervision/cases/{number}"]').click()
    page.wait_for_url(re.compile(rf"/supervision/cases/{number}$"))
    assert "痕迹完整" in page.inner_text("#trace-verdict")
    steps = page.locator("ol.trace li .step-name").all_inner_texts()
    assert steps[:1] == ["提交申请"] and "受理" in steps
    assert "材料齐全，予以受理" in page.inner_text("ol.trace")
    assert "红牌" in page.inner_text("section[aria-labelledby=case-warnings-heading]")
    context.close()


def test_pages_pass_axe_at_a_desktops_and_a_phones_width(node: Node, browser) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(node.url + "/signin?next=/supervision")
        page.screenshot(path=str(ARTEFACTS / f"signin-{width}.png"), full_page=True)
        if violations := serious_violations(page):
            found[f"signin @ {width}"] = violations
        page.fill("#f-login", "wang.jc")
        page.fill("#f-password", PASSWORD)
        page.check("input[value=staff]")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile("^" + re.escape(node.url) + "/supervision$"))
        red = page.locator("li.warning-row.red:has(a.warning-title:text('环节时限'))").first
        warning_href = red.locator("a.warning-title").get_attribute("href")
        number = red.get_attribute("data-warning-id").split(":")[0]
        pages = {"dashboard": "/supervision", "warning": warning_href,
                 "case": f"/supervision/cases/{number}", "signup": "/signup"}
        for name, path in pages.items():
            response = page.goto(node.url + path)
            assert response is not None and response.status == 200, (name, response)
            page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"), full_page=True)
            if violations := serious_violations(page):
                found[f"{name} @ {width}"] = violations
            if width == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        page.goto(node.url + "/supervision")
        rankings = page.inner_text("section.rankings")
        assert "尚未提供" not in rankings and "暂时无法读取" not in rankings
        # the month's department ranking, its chart served through the hall and drawn
        assert "区发展改革局" in page.inner_text("#rankings-table")
        assert page.evaluate("document.querySelector('#rankings-chart img').naturalWidth") > 0
        assert page.get_attribute("a[href='/supervision/rankings.csv']", "download") == ""
        context.close()
    assert found == {}
