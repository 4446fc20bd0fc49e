"""Speaking up in the hall in a real browser (Debian's Chromium driven by Playwright).

In this process, on loopback ports: the real catalogue, case and supervision services on the
session's PostgreSQL behind gRPC, and the hall (uvicorn) with a person's and a clerk's local
accounts. A person asks about an item from its guide, the item's department answers at
/workbench/consultations and the person reads the answer under 我的咨询投诉评价; the person
rates a finished case and complains about one from its page; a visitor who never signs in
asks leaving a contact, and reads the answer with the consultation's number and query code;
anyone reads the public 动态公开 page. axe-core finds no serious or critical violation on
every page visited — refused forms too — at a desktop's and at a phone's width, where
nothing scrolls sideways. Screenshots go to ``var/test-artifacts/speak/``.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from services.shared.config import Settings
from services.shared.migrations import upgrade
from tests.browser.test_supervision_dashboard import (
    ARGS,
    CHROMIUM,
    DESKTOP,
    PHONE,
    serious_violations,
)
from tests.support.clients import applicant
from tests.support.speak import CLERK, PASSWORD, PERSON, SpeakNode, speak_node
from tests.support.wait import wait_for

playwright = pytest.importorskip("playwright.sync_api", reason="a dev dependency: make venv")

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "test-artifacts" / "speak"


@dataclass
class Node:
    url: str
    speak: SpeakNode


@pytest.fixture(scope="module")
def node(pg_database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    for service in ("catalogue", "cases", "monitoring"):
        upgrade(ROOT / "services" / service / "migrations", pg_database.url, service)
    files = tmp_path_factory.mktemp("speak")
    settings = Settings(database_url=pg_database.url, var_dir=files)
    with speak_node(settings, files / "hall.db") as speak:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        web = uvicorn.Server(uvicorn.Config(speak.app, log_config=None, access_log=False))
        thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        wait_for(lambda: web.started, timeout_s=20)
        try:
            yield Node(f"http://127.0.0.1:{sock.getsockname()[1]}", speak)
        finally:
            web.should_exit = True
            thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.exists(), "needs Debian's chromium (infra/test.sh installs it as root)"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Audit:
    """axe-core and the phone's width on each page visited; what it finds, by page."""

    found: dict[str, list[str]] = field(default_factory=dict)

    def __call__(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            if violations := serious_violations(page):
                self.found[f"{name} at {width} width"] = violations
            if width == "phone":
                scrolled = page.evaluate("document.documentElement.scrollWidth")
                if scrolled > PHONE["width"]:
                    self.found[f"{name} scrolls sideways"] = [f"{scrolled} px wide"]
            page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)


def signed_in(browser, node: Node, kind: str, login: str, path: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(node.url + path)
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.check(f"input[value={kind}]")
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(node.url + path.split("?")[0])))
    return context, page


def answer_at_the_workbench(browser, node: Node, number: str, text: str,  # type: ignore[no-untyped-def]
                            audit: Audit | None = None) -> None:
    context, page = signed_in(browser, node, "staff", CLERK, "/workbench/consultations")
    try:
        assert number in page.inner_text("main")
        if audit is not None:
            audit(page, "workbench-consultations")
        page.fill(f"#f-answer-{number}", text)
        page.click(f"form[action='/workbench/consultations/{number}/answer'] "
                   "button[type=submit]")
        page.wait_for_url(re.compile(rf"/workbench/consultations\?done={number}$"))
        assert f"咨询 {number} 已答复" in page.inner_text("main")
        assert f"#f-answer-{number}" not in page.content()
        if audit is not None:
            audit(page, "workbench-answered")
    finally:
        context.close()


def test_a_person_asks_from_the_guide_the_department_answers_and_the_person_reads_it(
        node: Node, browser) -> None:
    audit = Audit()
    context, page = signed_in(browser, node, "person", PERSON, "/my/feedback")
    page.goto(f"{node.url}/items/{node.speak.item_id}")
    audit(page, "guide")
    page.click("p.speak-links a:text-is('咨询')")
    page.wait_for_url(re.compile(rf"/items/{node.speak.item_id}/ask$"))
    audit(page, "ask")
    page.click("form.form button[type=submit]")  # nothing filled in
    assert page.get_attribute("#f-title", "aria-invalid") == "true"
    assert "请填写咨询主题" in page.inner_text("#f-title-error")
    audit(page, "ask-refused")
    page.fill("#f-title", "要带原件吗")
    page.fill("#f-question", "窗口提交时需要带原件吗？")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/my/feedback\?done=asked#c-"))
    number = page.url.split("#c-")[1]
    mine = page.inner_text(f"#c-{number}")
    assert "要带原件吗" in mine and "待答复" in mine and "还剩 5 个工作日" in mine
    audit(page, "my-feedback-asked")

    answer_at_the_workbench(browser, node, number, "需要带原件核验，核验后当场退还。", audit)

    page.goto(f"{node.url}/my/feedback")
    mine = page.inner_text(f"#c-{number}")
    assert "需要带原件核验，核验后当场退还。" in mine and "已答复" in mine
    assert "期限 期限" not in " ".join(mine.split())
    audit(page, "my-feedback-answered")
    context.close()
    assert audit.found == {}


def test_the_person_rates_a_finished_case_from_its_page(node: Node, browser) -> None:
    audit = Audit()
    number = node.speak.case()
    context, page = signed_in(browser, node, "person", PERSON, "/my/cases")
    page.goto(f"{node.url}/my/cases/{number}")
    audit(page, "case-finished")
    page.click(f"a[href='/my/cases/{number}/rate']")
    page.wait_for_url(re.compile(rf"/my/cases/{number}/rate$"))
    audit(page, "rate")
    page.check("input[name=level][value='4']")  # 不满意, without its reason
    page.click("form.form button[type=submit]")
    assert page.get_attribute("#f-comment", "aria-invalid") == "true"
    assert "请写明原因" in page.inner_text("#f-comment-error")
    audit(page, "rate-refused")
    page.check("input[name=level][value='2']")
    page.check("input[name=indicator_efficiency][value='1']")
    page.fill("#f-comment", "办理很快，窗口指导清楚。")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(rf"/my/feedback\?done=rated#r-{number}-online$"))
    rated = page.inner_text(f"#r-{number}-online")
    assert "评价：满意" in rated and number in rated
    audit(page, "my-feedback-rated")
    page.goto(f"{node.url}/my/cases/{number}/rate")
    assert "您已评价过这个办件：满意" in page.inner_text("main")
    audit(page, "rate-done")
    context.close()
    assert audit.found == {}


def test_the_person_complains_about_a_case_from_its_page(node: Node, browser) -> None:
    audit = Audit()
    number = node.speak.case(finish=False)
    context, page = signed_in(browser, node, "person", PERSON, "/my/cases")
    page.goto(f"{node.url}/my/cases/{number}")
    audit(page, "case-running")
    page.click(f"a[href='/complain?case_number={number}']")
    page.wait_for_url(re.compile(rf"/complain\?case_number={number}$"))
    assert number in page.inner_text("main")
    audit(page, "complain")
    page.check("input[name=kind][value=report]")
    page.check("input[name=addressee][value=department]")  # a report to the department: no
    page.fill("#f-title", "窗口推诿")
    page.fill("#f-content", "多次往返仍未受理。")
    page.click("form.form button[type=submit]")
    refused = page.inner_text("#f-addressee-error")
    assert refused.startswith("举报不能提交给被举报部门本身") and "REPORT_TO_DEPARTMENT" in refused
    audit(page, "complain-refused")
    page.check("input[name=kind][value=complaint]")
    page.check("input[name=addressee][value=supervision]")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/my/feedback\?done=complained#t-"))
    complaint = page.inner_text(f"#{page.url.split('#')[1]}")
    assert "窗口推诿" in complaint and "待受理" in complaint and number in complaint
    audit(page, "my-feedback-complained")
    context.close()
    assert audit.found == {}


def test_a_visitor_asks_leaving_a_contact_and_reads_the_answer_with_the_query_code(
        node: Node, browser) -> None:
    audit = Audit()
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{node.url}/items/{node.speak.item_id}")
    page.click("p.speak-links a:text-is('咨询')")
    page.fill("#f-title", "收费吗")
    page.fill("#f-question", "办理这个事项收费吗？")
    page.click("form.form button[type=submit]")  # no contact, not signed in
    assert page.get_attribute("#f-contact", "aria-invalid") == "true"
    audit(page, "ask-anonymous-refused")
    page.fill("#f-contact", "13800000000")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#query-code")
    number = page.inner_text("#consultation-id")
    code = page.inner_text("#query-code")
    assert len(code) == 8
    audit(page, "asked")

    answer_at_the_workbench(browser, node, number, "不收费。")

    # coming back later: from the item's guide to 咨询查询
    page.goto(f"{node.url}/items/{node.speak.item_id}")
    page.click("p.speak-links a:text-is('咨询查询')")
    page.wait_for_url(re.compile(r"/consultations$"))
    audit(page, "lookup")
    page.fill("#f-consultation_id", number)
    page.fill("#f-query_code", "ZZZZZZZZ")
    page.click("form.form button[type=submit]")
    assert "没有找到" in page.inner_text("#form-error")
    audit(page, "lookup-not-found")
    page.fill("#f-query_code", code)
    page.click("form.form button[type=submit]")
    found = page.inner_text("section.card")
    assert "收费吗" in found and "不收费。" in found and "已答复" in found
    audit(page, "lookup-found")
    context.close()
    assert audit.found == {}


def test_anyone_reads_the_open_page_without_anything_personal(node: Node, browser) -> None:
    audit = Audit()
    running, finished = node.speak.case(finish=False), node.speak.case()
    for number in (running, finished):
        node.speak.supervise(number)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{node.url}/open")
    main = page.inner_text("main")
    assert running in main and applicant().name not in main and PERSON not in main
    assert "企业投资项目备案" in main  # the item's name, as the catalogue published it
    assert "部门月度统计" in main and "合计" in main
    audit(page, "open")
    page.click("nav.tabs a[href='/open?finished=1']")
    page.wait_for_url(re.compile(r"/open\?finished=1$"))
    assert finished in page.inner_text("main")
    audit(page, "open-finished")
    context.close()
    assert audit.found == {}
