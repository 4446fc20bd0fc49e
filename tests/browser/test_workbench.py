"""The staff workbench in a real browser (Debian's Chromium driven by Playwright).

In this process, on loopback ports: the case service and supervision on their own SQLite
files behind their gRPC servicers, a catalogue stub answering the item version the cases are
pinned to (its internal flow and risk points), and the hall (uvicorn) with its local staff
accounts. Checked: a clerk accepts an application; the fire brigade's handler completes the
parallel branch stating countermeasures, the department's handler completes the review
ticking the item's countermeasures, and the chief decides — each as themselves, through the
case service, whose case records what they stated; a supervisor reassigns two steps at once
with the keyboard alone; axe-core finds no serious or critical violation on the inbox and
the case page at a desktop's and a phone's width, where nothing scrolls sideways.
Screenshots go to ``var/test-artifacts/workbench/`` (the README's are in ``docs/``).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
import uvicorn
from sunlight.cases.v1 import cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.monitoring.v1 import monitoring_pb2_grpc

from services.cases.api import CaseServicer
from services.cases.domain.engine import Accept
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
    tab_to,
)
from tests.support.cases import CLERK, DEPT, DEPT_CODE, FIRE, FIRE_CODE, application, item, key
from tests.support.wait import wait_for

playwright = pytest.importorskip("playwright.sync_api", reason="a dev dependency: make venv")

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "test-artifacts" / "workbench"
SECRET = TokenKey.generate().to_text()
PASSWORD = "Gong-zuo-2026"
CALENDAR = WorkingCalendar.official()
REVIEW_MEASURES = ("审查人员与申请人无利害关系，需回避的已回避", "审查意见经科室集体研究")
DECIDE_MEASURES = ("决定前经法制审核",)
_base = item("item-workbench")
ITEM = replace(_base, steps=(
    _base.steps[0],
    replace(_base.steps[1], countermeasures=REVIEW_MEASURES),
    replace(_base.steps[2], countermeasures=DECIDE_MEASURES)))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


class Catalogue:
    """The catalogue's answer for the item version: its internal flow and risk points."""

    def GetItemVersion(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        content = cpb.ItemDraft(
            name=ITEM.name, department=DEPT, department_code=DEPT_CODE,
            materials=[cpb.Material(key="form", name="申请表", mandatory=True, originals=1)],
            steps=[cpb.Step(key="accept", name="受理", role="clerk", limit_days=1,
                            kind=cpb.STEP_KIND_ACCEPTANCE),
                   cpb.Step(key="review", name="审查", role="reviewer", limit_days=3,
                            kind=cpb.STEP_KIND_REVIEW, parallel_branches=[cpb.Branch(
                                key="fire", name="消防意见", department=FIRE,
                                department_code=FIRE_CODE, role="reviewer", limit_days=2)],
                            risk_points=[cpb.RiskPoint(description="利用审查权吃拿卡要",
                                                       level=cpb.RISK_LEVEL_MEDIUM,
                                                       countermeasures=REVIEW_MEASURES)]),
                   cpb.Step(key="decide", name="决定", role="chief", limit_days=2,
                            kind=cpb.STEP_KIND_DECISION, returns_to=["review"],
                            risk_points=[cpb.RiskPoint(description="违规作出许可决定",
                                                       level=cpb.RISK_LEVEL_MEDIUM,
                                                       countermeasures=DECIDE_MEASURES)])])
        return cpb.GetItemVersionResponse(item=cpb.ItemVersion(
            item_id=request.item_id, version=1, content=content))


@dataclass
class Node:
    url: str
    cases: CaseService


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    files = tmp_path_factory.mktemp("workbench")
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
    for login, name, roles, department, positions in (
            ("li.clerk", "李受理", ("clerk",), DEPT_CODE, ("clerk",)),
            ("zhao.fire", "赵消防", ("clerk",), FIRE_CODE, ("reviewer",)),
            ("qian.review", "钱审查", ("clerk",), DEPT_CODE, ("reviewer",)),
            ("sun.chief", "孙科长", ("clerk",), DEPT_CODE, ("chief",)),
            ("wang.jc", "王监察", ("supervisor",), "", ())):
        provider.add(Kind.STAFF, login, name, PASSWORD, roles=roles, regions=("511602",),
                     department_code=department,
                     department_name={DEPT_CODE: DEPT, FIRE_CODE: FIRE}.get(department, ""),
                     positions=positions)
    backend = HallBackend(Catalogue(), cases_pb2_grpc.CaseServiceStub(channel),
                          lambda: "", 10.0,
                          monitoring=monitoring_pb2_grpc.MonitoringServiceStub(channel))
    app = create_app(backend, "广安区", today=lambda: clock.now.date(), rates=RateLimits(
        public_reads="100000/minute", case_lookup="100000/minute",
        failed_auth="100000/minute"), access=Access(provider, TokenMinter(SECRET), "f" * 64))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    web = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: web.started, timeout_s=20)
    try:
        yield Node(f"http://127.0.0.1:{sock.getsockname()[1]}", cases)
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


def signed_in(browser, node: Node, login: str, viewport=DESKTOP):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(node.url + "/workbench")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.check("input[value=staff]")
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(node.url) + r"/workbench(\?.*)?$"))
    return context, page


def submitted(node: Node) -> str:
    return node.cases.submit(CLERK, application(ITEM), key()).number


def test_a_clerk_accepts_handlers_complete_a_parallel_stage_and_a_chief_decides(
        node: Node, browser) -> None:
    number = submitted(node)
    # the clerk: the application, its materials complete, accepted with an opinion
    context, page = signed_in(browser, node, "li.clerk")
    page.goto(f"{node.url}/workbench/cases/{number}")
    assert "必需材料齐全" in page.inner_text("#completeness")
    page.fill("#accept-opinion", "材料齐全，予以受理")
    page.click("form[action$='/act/accept'] button[type=submit]")
    page.wait_for_url(re.compile(r"\?done=accept"))
    assert "已受理" in page.inner_text("#done")
    context.close()
    # the fire brigade: its branch in its inbox, completed with countermeasures stated
    context, page = signed_in(browser, node, "zhao.fire")
    row = page.locator(f"li.inbox-row[data-case='{number}']")
    assert "消防意见" in row.inner_text() and "张三" in row.inner_text()
    row.locator("a.item-name").click()
    page.wait_for_url(re.compile(rf"/workbench/cases/{number}$"))
    fire = page.locator("form[action$='/act/complete_step']")
    assert fire.count() == 1 and "利用审查权吃拿卡要" in fire.inner_text()
    fire.locator("label", has_text=REVIEW_MEASURES[0]).click()
    fire.locator("textarea[name$='-other']").fill("消防设计文件经两人复核")
    fire.locator("textarea[name=opinion]").fill("消防设计符合规范")
    fire.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=complete_step"))
    context.close()
    # the department's reviewer: both of the item's countermeasures ticked
    context, page = signed_in(browser, node, "qian.review")
    page.goto(f"{node.url}/workbench/cases/{number}")
    assert "当前环节" in page.inner_text("ol.flow li[aria-current=step]")
    review = page.locator("form[action$='/act/complete_step']")
    for measure in REVIEW_MEASURES:
        review.locator("label", has_text=measure).click()
    review.locator("textarea[name=opinion]").fill("同意")
    review.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=complete_step"))
    context.close()
    # the chief decides, stating the decision step's countermeasure
    context, page = signed_in(browser, node, "sun.chief")
    page.goto(f"{node.url}/workbench/cases/{number}")
    decide = page.locator("form[action$='/act/decide']")
    decide.locator("label", has_text="准予").click()
    decide.locator("input[name=document_number]").fill("广发改核〔2026〕1号")
    decide.locator("label", has_text=DECIDE_MEASURES[0]).click()
    decide.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=decide"))
    assert "已决定" in page.inner_text("dl.facts")
    assert "痕迹完整" in page.inner_text("#trace-verdict")
    assert "作出决定" in page.inner_text("ol.trace")
    context.close()
    # the case service recorded what each of them stated
    case = node.cases.get(CLERK, number)
    stated = {i.key: (i.completed_by, i.countermeasures) for i in case.instances}
    assert stated["review/fire"] == ("zhao.fire", (REVIEW_MEASURES[0], "消防设计文件经两人复核"))
    assert stated["review"] == ("qian.review", REVIEW_MEASURES)
    assert case.decision is not None and case.decision.decided_by == "sun.chief"
    assert stated["decide"][1] == DECIDE_MEASURES


def test_a_supervisor_reassigns_steps_in_bulk_by_keyboard(node: Node, browser) -> None:
    number = submitted(node)
    node.cases.act(CLERK, number, Accept("受理"), key())
    context, page = signed_in(browser, node, "wang.jc")
    page.goto(f"{node.url}/workbench?q={number}")
    rows = page.locator("li.inbox-row")
    assert rows.count() == 2  # the review and its parallel branch
    for n in (1, 2):
        tab_to(page, f"#pick-{n}", limit=200)
        page.keyboard.press("Space")
        assert page.is_checked(f"#pick-{n}")
    tab_to(page, "#bulk-to", limit=200)
    page.keyboard.type("zhou.review")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert "已改派 2 个环节给 zhou.review" in page.inner_text("[role=status]")
    case = node.cases.get(CLERK, number)
    assert {i.assignee for i in case.active} == {"zhou.review"}
    trace = [e.action for e in node.cases.trace(CLERK, number)]
    assert trace.count("case.reassigned") == 2  # each reassignment is in the trace
    context.close()


def test_the_workbench_passes_axe_at_a_desktops_and_a_phones_width(node: Node,
                                                                    browser) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    number = submitted(node)  # the clerk's acceptance; the reviewer's review with its risks
    node.cases.act(CLERK, number, Accept("材料齐全，予以受理"), key())
    fresh = submitted(node)
    found: dict[str, list[str]] = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for login, case in (("li.clerk", fresh), ("qian.review", number),
                            ("wang.jc", number)):
            context, page = signed_in(browser, node, login, viewport)
            for name, path in (("inbox", "/workbench"),
                               ("case", f"/workbench/cases/{case}")):
                response = page.goto(node.url + path)
                assert response is not None and response.status == 200, (name, response)
                page.screenshot(path=str(ARTEFACTS / f"{name}-{login}-{width}.png"),
                                full_page=True)
                if violations := serious_violations(page):
                    found[f"{name} ({login}) @ {width}"] = violations
                if width == "phone":
                    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
            context.close()
    assert found == {}
