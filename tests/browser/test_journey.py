"""The whole journey in a real browser, on a real node: what a person who has never seen
Sunlight does in the hall, and what the civil servants do at the workbench, for one case.

A node runs every process of ``make run`` (``tests/support/nodes.py``: supervisord, free
ports, the session's PostgreSQL database and RabbitMQ vhost); the item is published through
the gateway and the staff accounts are made with ``sunlight accounts add-staff``, as the
README says. Headless Chromium (Debian's, driven by Playwright; ``playwright install`` is
never called) then carries the case:

a citizen registers and signs in, finds the item by its initials, reads its guide, applies
with a real PDF and a real JPEG (one mandatory material left out), sees the completeness
check's answer at once; the clerk asks for the missing material (补正); the citizen sees the
clock stopped and supplies it, uploading the scan (a file of another type refused first, on
the same form); the clerk opens the uploaded scan and accepts; the fire brigade completes its
parallel branch (并联) while the department's reviewer completes the review; the citizen follows it,
with the working days left; the chief decides, the clerk publishes the result and completes
the case; the citizen sees the result, downloads the decision and the acceptance notice
(which prints the query code), and looks the case up without signing in with that code.

Checked as well: the apply path and a workbench step by keyboard alone (Tab, Space, Enter),
the focus visible at each stop; axe-core (no serious or critical WCAG 2.2 AA violation) on
every page the journey visits, at a desktop's and a phone's width; nothing scrolls sideways
at 390 px. Screenshots of the main pages at 1280 and 390 px go to
``var/test-artifacts/journey/`` (printed; not committed).
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from infra.localnode import LocalNode
from services.shared.auth import mint_token
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar, local_day
from tests.browser.test_supervision_dashboard import ARGS, CHROMIUM, DESKTOP, PHONE
from tests.browser.test_supervision_dashboard import serious_violations as axe_violations
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code, resident_id

playwright = pytest.importorskip("playwright.sync_api", reason="a dev dependency: make venv")

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "test-artifacts" / "journey"
PASSWORD = "Gong-zuo-2026"
CITIZEN_PASSWORD = "Yang-guang-2026"
CITIZEN = (resident_id(4242), "张小明")
DEPT, FIRE = "区发展改革局", "区消防救援大队"
ITEM_NAME = "企业投资项目核准（演练）"
INITIALS = "qytzxmhz"  # 企业投资项目核准
REVIEW_MEASURES = ("审查人员与申请人无利害关系，需回避的已回避",)
DECIDE_MEASURES = ("决定前经法制审核",)
#: login → (name, department code, department name, positions)
STAFF = {
    "li.clerk": ("李受理", departments.DEVELOPMENT, DEPT, "clerk"),
    "qian.review": ("钱审查", departments.DEVELOPMENT, DEPT, "reviewer"),
    "zhao.fire": ("赵消防", departments.FIRE, FIRE, "reviewer"),
    "sun.chief": ("孙科长", departments.DEVELOPMENT, DEPT, "chief"),
}


def item_draft() -> dict[str, Any]:
    """A licence item of the district's development bureau whose review runs beside the fire
    brigade's opinion (并联审批), with two mandatory materials and an optional one."""
    return {
        "name": ITEM_NAME, "code": implementation_code("511602"), "item_type": "01",
        "region": "511602", "department": DEPT, "department_code": departments.DEVELOPMENT,
        "statutory_limit_days": 20, "promised_limit_days": 10,
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第九条"}],
        "acceptance_conditions": ["项目属于本区核准权限范围"],
        "materials": [
            {"key": "form", "name": "项目申请书", "mandatory": True, "originals": 1},
            {"key": "licence", "name": "营业执照", "mandatory": True, "copies": 1},
            {"key": "photo", "name": "项目选址现场照片", "mandatory": False, "copies": 1}],
        "modes": ["HANDLING_MODE_PROMISED"],
        "steps": [
            {"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk",
             "kind": "STEP_KIND_ACCEPTANCE"},
            {"key": "review", "name": "审查", "limit_days": 3, "role": "reviewer",
             "kind": "STEP_KIND_REVIEW",
             "risk_points": [{"description": "利用审查权吃拿卡要", "level": "RISK_LEVEL_MEDIUM",
                              "countermeasures": list(REVIEW_MEASURES)}],
             "parallel_branches": [
                 {"key": "fire", "department": FIRE, "department_code": departments.FIRE,
                  "name": "消防意见", "limit_days": 2, "role": "reviewer"}]},
            {"key": "decide", "name": "决定", "limit_days": 2, "role": "chief",
             "kind": "STEP_KIND_DECISION", "returns_to": ["review"],
             "risk_points": [{"description": "违规作出许可决定", "level": "RISK_LEVEL_MEDIUM",
                              "countermeasures": list(DECIDE_MEASURES)}]}]}


@functools.cache
def real_pdf() -> bytes:
    """A one-page PDF, as a scanner would give."""
    from fpdf import FPDF  # noqa: PLC0415 - the case service's own PDF library

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(0, 10, "Project application form")
    return bytes(pdf.output())


@functools.cache
def real_jpeg() -> bytes:
    from PIL import Image  # noqa: PLC0415 - fpdf2's own dependency

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


@functools.cache
def licence_png() -> bytes:
    """The scanned business licence the citizen supplies (补正)."""
    from PIL import Image  # noqa: PLC0415 - fpdf2's own dependency

    out = io.BytesIO()
    Image.new("RGB", (80, 60), (200, 60, 40)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Journey:
    url: str
    api: httpx.Client
    item_id: str
    env: dict[str, str]
    #: name → (who: "" anonymous, "citizen" or a staff login; path), for the axe-core pass
    visited: dict[str, tuple[str, str]] = field(default_factory=dict)


def add_staff(env: dict[str, str], login: str) -> None:
    name, code, department, position = STAFF[login]
    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "cli.main", "accounts", "add-staff", "--subject", login,
         "--name", name, "--role", "clerk", "--region", "511602", "--department", code,
         "--department-name", department, "--position", position, "--password-stdin"],
        input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env,
        timeout=60, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def journey(pg_database, amqp_uri, tmp_path_factory) -> Iterator[Journey]:
    database_url = pg_database.url
    for service in ("catalogue", "cases", "monitoring", "hall"):  # as `make migrate`
        upgrade(ROOT / "services" / service / "migrations", database_url, service)
    node = LocalNode.on_free_ports(tmp_path_factory.mktemp("journey-node"),
                                   DATABASE_URL=database_url, AMQP_URI=amqp_uri)
    node.start()
    try:
        node.wait_healthy(timeout_s=240)  # the machine's other work may slow the start
        env = node.full_env()
        for login in STAFF:
            add_staff(env, login)
        admin = mint_token(env["SUNLIGHT_TOKEN_KEY"], "e2e-admin", ["admin"], ["510000"])
        api = httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                           timeout=20, headers={"Authorization": f"Bearer {admin}"})
        made = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                            "draft": item_draft()})
        assert made.status_code < 300, made.text
        item_id = made.json()["item"]["item_id"]
        published = api.post(f"/v1/items/{item_id}/versions/1/publish",
                             json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
        assert published.status_code < 300, published.text
        try:
            yield Journey(f"http://127.0.0.1:{node.port('hall')}", api, item_id, env)
        finally:
            api.close()
    finally:
        node.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), "needs Debian's chromium (infra/test.sh installs it as root)"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def shot(page: Any, name: str, journey: Journey, who: str = "citizen") -> None:
    """A screenshot kept as an artefact, and the page remembered for the axe-core pass."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}-desktop.png"), full_page=True)
    journey.visited[name] = (who, page.url.removeprefix(journey.url))


# --- the citizen ---------------------------------------------------------------------------

def citizen_signs_up(browser: Any, journey: Journey, id_number: str, name: str) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(journey.url + "/")
    page.get_by_role("link", name="登录").first.click()
    page.wait_for_url(re.compile(r"/signin"))
    page.locator("main").get_by_role("link", name=re.compile("注册")).first.click()
    page.wait_for_url(re.compile(r"/signup"))
    shot(page, "signup", journey, "")
    page.fill("#f-login", id_number)
    page.fill("#f-name", name)
    page.fill("#f-password", CITIZEN_PASSWORD)
    page.fill("#f-password_again", CITIZEN_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")
    assert name in page.inner_text("body"), "signed in after registering"
    return context, page


def citizen_finds_and_applies(page: Any, journey: Journey) -> str:
    page.goto(journey.url + "/")
    shot(page, "browse", journey)
    page.fill("input[name=q]", INITIALS)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    shot(page, "search", journey)
    page.get_by_role("link", name=ITEM_NAME).first.click()
    page.wait_for_url(re.compile(rf"/items/{journey.item_id}$"))
    guide = page.inner_text("main")
    assert "营业执照" in guide and "消防意见" in guide  # the materials; the parallel branch
    shot(page, "guide", journey)
    page.get_by_role("link", name="在线申请").click()
    page.wait_for_url(re.compile(r"/apply$"))
    shot(page, "apply-start", journey)
    page.click("form[action$='/apply'] button[type=submit]")
    page.wait_for_url(re.compile(r"/applications/[\w-]+/applicant$"))
    shot(page, "apply-applicant", journey)
    page.click("form.form button[type=submit]")  # for myself, as registered
    page.wait_for_url(re.compile(r"/conditions$"))
    shot(page, "apply-conditions", journey)
    page.locator("label", has_text="符合").first.click()
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/materials$"))
    shot(page, "apply-materials", journey)
    upload(page, "form", "项目申请书.pdf", "application/pdf", real_pdf())
    upload(page, "photo", "现场照片.jpg", "image/jpeg", real_jpeg())
    assert "项目申请书.pdf" in page.inner_text("section[aria-labelledby=material-form]")
    page.get_by_role("link", name="继续：核对并提交").click()
    page.wait_for_url(re.compile(r"/check$"))
    check = page.inner_text("main")
    assert "项目申请书.pdf" in check and "现场照片.jpg" in check
    shot(page, "apply-check", journey)
    page.get_by_role("button", name=re.compile("提交申请")).click()
    page.wait_for_url(re.compile(r"/receipt$"))
    receipt = page.inner_text("main")
    shot(page, "apply-receipt", journey)
    # the completeness check answers at once: the licence is missing
    assert "营业执照" in receipt
    number, code = (c.strip() for c in page.locator(".receipt .code.big").all_inner_texts())
    assert re.fullmatch(r"[0-9A-Za-z-]+", number) and len(code) == 8, receipt
    return number


def upload(page: Any, key: str, name: str, mime: str, data: bytes) -> None:
    form = page.locator(f"form[action$='/materials/{key}']")
    form.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data})
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/materials\?done={key}"))
    assert "文件已上传并保存" in page.inner_text("[role=status]")


def citizen_supplies(page: Any, journey: Journey, number: str) -> None:
    page.goto(f"{journey.url}/my/cases")
    shot(page, "my-cases", journey)
    page.locator(f"a[href='/my/cases/{number}']").first.click()
    page.wait_for_url(re.compile(rf"/my/cases/{number}$"))
    body = page.inner_text("main")
    assert "营业执照" in body and "暂停" in body  # what is missing; the clock stopped
    shot(page, "my-case-supplement", journey)
    form = page.locator("form[action$='/supplement']")
    # a file that is not one the hall takes: refused on the same form, tied to its field
    form.locator("#file-licence").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": b"not a scan"})
    form.get_by_role("button", name="提交补正材料").click()
    page.wait_for_load_state("load")
    assert "无法识别这个文件的格式" in page.inner_text("#result")
    assert page.locator("#file-licence").get_attribute("aria-invalid") == "true"
    form = page.locator("form[action$='/supplement']")
    form.locator("#file-licence").set_input_files(
        {"name": "营业执照.png", "mimeType": "image/png", "buffer": licence_png()})
    form.get_by_role("button", name="提交补正材料").click()
    page.wait_for_url(re.compile(r"\?done=supplied"))
    assert "已提交补正材料" in page.inner_text("#result")


def citizen_follows_the_clock(page: Any, journey: Journey, number: str) -> None:
    """现在办到了哪一步，下面要办哪一步，还有多长时间可以办完 — with working days left."""
    page.goto(f"{journey.url}/my/cases/{number}")
    progress = page.inner_text("section.progress")
    assert "审查" in progress and "消防意见" in progress  # both running (并联)
    assert "同时办理（并联审批）" in progress
    assert "决定" in page.inner_text("ol.next-steps")
    calendar = WorkingCalendar.official()
    due = calendar.add_working_days(local_day(), 10).iso()
    assert re.search(r"还剩 ?\d+ ?个工作日", progress), progress
    assert due in progress, (due, progress)  # the promised limit, on the official calendar
    shot(page, "my-case-running", journey)


def citizen_sees_the_result(page: Any, journey: Journey, number: str) -> str:
    page.goto(f"{journey.url}/my/cases/{number}")
    body = page.inner_text("main")
    assert "准予" in body and "广发改核〔2026〕8号" in body
    shot(page, "my-case-result", journey)
    with page.expect_download() as got:
        page.get_by_role("link", name=re.compile("下载行政许可决定书")).click()
    decision = Path(got.value.path()).read_bytes()
    assert decision.startswith(b"%PDF-")
    assert ITEM_NAME in squeezed(decision)
    with page.expect_download() as got:
        page.get_by_role("link", name=re.compile("下载受理通知书")).click()
    notice = squeezed(Path(got.value.path()).read_bytes())
    code = re.search(r"查询码([0-9A-Z]{8})查询办理进度", notice)
    assert code is not None, notice
    return code.group(1)


def citizen_rates_the_case(page: Any, journey: Journey, number: str) -> None:
    """The last step of the journey: the citizen rates the finished case (好差评) from its page,
    and finds the rating among their own (我的咨询投诉评价)."""
    page.goto(f"{journey.url}/my/cases/{number}")
    page.click(f"a[href='/my/cases/{number}/rate']")
    page.wait_for_url(re.compile(rf"/my/cases/{number}/rate$"))
    shot(page, "rate", journey)
    page.check("input[name=level][value='1']")  # 非常满意
    page.check("input[name=indicator_efficiency][value='1']")
    page.fill("#f-comment", "网上申请、补正都很方便，进度一目了然。")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(rf"/my/feedback\?done=rated#r-{number}-online$"))
    rated = page.inner_text(f"#r-{number}-online")
    assert "评价：非常满意" in rated and number in rated
    shot(page, "my-feedback", journey)


def anyone_looks_it_up(browser: Any, journey: Journey, number: str, code: str) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(journey.url + "/cases")
    shot(page, "lookup", journey, "")
    page.fill("input[name=case_number]", number)
    page.fill("input[name=query_code]", code)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    body = page.inner_text("main")
    assert number in body and "准予" in body and "张" not in body.split("申请人")[-1][:3]
    context.close()


def squeezed(pdf: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


# --- the staff -----------------------------------------------------------------------------

def staff_signs_in(browser: Any, journey: Journey, login: str, viewport=DESKTOP) -> Any:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(journey.url + "/workbench")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.check("input[value=staff]")
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(journey.url) + r"/workbench(\?.*)?$"))
    return context, page


def inbox_row(page: Any, journey: Journey, number: str) -> Any:
    """The case's row in the signed-in handler's inbox: on its first page, or — on a node
    other tests filled with cases due earlier — found by its number (the inbox's search)."""
    row = page.locator(f"li.inbox-row[data-case='{number}']")
    if row.count() == 0:
        page.goto(f"{journey.url}/workbench?q={number}")
        row = page.locator(f"li.inbox-row[data-case='{number}']")
    assert row.count() == 1, page.inner_text("main")
    return row


def clerk_asks_for_the_licence(browser: Any, journey: Journey, number: str) -> None:
    context, page = staff_signs_in(browser, journey, "li.clerk")
    row = inbox_row(page, journey, number)
    shot(page, "workbench-inbox", journey, "li.clerk")
    row.locator("a.item-name").click()
    page.wait_for_url(re.compile(rf"/workbench/cases/{number}$"))
    assert "营业执照" in page.inner_text("#completeness")
    with page.expect_download() as got:  # the application's own file, as uploaded
        page.get_by_role("link", name="项目申请书.pdf").click()
    assert Path(got.value.path()).read_bytes() == real_pdf()
    shot(page, "workbench-acceptance", journey, "li.clerk")
    form = page.locator("form[action$='/act/request_supplement']")
    assert form.locator("#supplement-licence").is_checked()  # ticked: what is missing
    form.locator("input[type=date]").fill(
        WorkingCalendar.official().add_working_days(local_day(), 5).iso())
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=request_supplement"))
    context.close()


def clerk_accepts(browser: Any, journey: Journey, number: str) -> None:
    context, page = staff_signs_in(browser, journey, "li.clerk")
    page.goto(f"{journey.url}/workbench/cases/{number}")
    assert "必需材料齐全" in page.inner_text("#completeness")
    with page.expect_download() as got:  # the licence the citizen uploaded with the 补正
        page.get_by_role("link", name="营业执照.png").click()
    assert Path(got.value.path()).read_bytes() == licence_png()
    page.fill("#accept-opinion", "材料齐全，予以受理")
    page.click("form[action$='/act/accept'] button[type=submit]")
    page.wait_for_url(re.compile(r"\?done=accept"))
    context.close()


def fire_brigade_gives_its_opinion(browser: Any, journey: Journey, number: str) -> None:
    context, page = staff_signs_in(browser, journey, "zhao.fire")
    row = inbox_row(page, journey, number)
    assert "消防意见" in row.inner_text()
    row.locator("a.item-name").click()
    page.wait_for_url(re.compile(rf"/workbench/cases/{number}$"))
    shot(page, "workbench-branch", journey, "zhao.fire")
    form = page.locator("form[action$='/act/complete_step']")
    form.locator("label", has_text=REVIEW_MEASURES[0]).click()
    form.locator("textarea[name=opinion]").fill("消防设计符合规范")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=complete_step"))
    context.close()


def reviewer_completes_the_review(browser: Any, journey: Journey, number: str) -> None:
    context, page = staff_signs_in(browser, journey, "qian.review")
    page.goto(f"{journey.url}/workbench/cases/{number}")
    shot(page, "workbench-review", journey, "qian.review")
    form = page.locator("form[action$='/act/complete_step']")
    form.locator("label", has_text=REVIEW_MEASURES[0]).click()
    form.locator("textarea[name=opinion]").fill("同意")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=complete_step"))
    context.close()


def chief_decides(browser: Any, journey: Journey, number: str) -> None:
    context, page = staff_signs_in(browser, journey, "sun.chief")
    page.goto(f"{journey.url}/workbench/cases/{number}")
    shot(page, "workbench-decide", journey, "sun.chief")
    form = page.locator("form[action$='/act/decide']")
    form.locator("label", has_text="准予").click()
    form.locator("input[name=document_number]").fill("广发改核〔2026〕8号")
    form.locator("label", has_text=DECIDE_MEASURES[0]).click()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?done=decide"))
    context.close()


def clerk_publishes_and_completes(browser: Any, journey: Journey, number: str) -> None:
    context, page = staff_signs_in(browser, journey, "li.clerk")
    page.goto(f"{journey.url}/workbench/cases/{number}")
    page.get_by_role("button", name="公开办理结果").click()
    page.wait_for_url(re.compile(r"\?done=publish_result"))
    page.get_by_role("button", name="办结").click()
    page.wait_for_url(re.compile(r"\?done=complete"))
    assert "痕迹完整" in page.inner_text("#trace-verdict")
    shot(page, "workbench-completed", journey, "li.clerk")
    context.close()


# --- the tests -----------------------------------------------------------------------------

def test_a_citizen_applies_and_follows_a_case_the_staff_carry_to_its_result(
        journey: Journey, browser: Any) -> None:
    citizen, page = citizen_signs_up(browser, journey, *CITIZEN)
    number = citizen_finds_and_applies(page, journey)
    clerk_asks_for_the_licence(browser, journey, number)
    citizen_supplies(page, journey, number)
    clerk_accepts(browser, journey, number)
    citizen_follows_the_clock(page, journey, number)
    fire_brigade_gives_its_opinion(browser, journey, number)
    reviewer_completes_the_review(browser, journey, number)
    chief_decides(browser, journey, number)
    clerk_publishes_and_completes(browser, journey, number)
    code = citizen_sees_the_result(page, journey, number)
    citizen_rates_the_case(page, journey, number)
    anyone_looks_it_up(browser, journey, number, code)
    citizen.close()
    print(f"\njourney screenshots: {ARTEFACTS}")


def citizen_signs_in(browser: Any, journey: Journey, viewport=DESKTOP) -> Any:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(journey.url + "/signin")
    page.fill("#f-login", CITIZEN[0])
    page.fill("#f-password", CITIZEN_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")
    assert CITIZEN[1] in page.inner_text("header")
    return context, page


def test_every_page_of_the_journey_passes_axe_at_a_desktops_and_a_phones_width(
        journey: Journey, browser: Any) -> None:
    """axe-core on each page the journey visited, as whoever visited it, at 1280 and 390 px
    (where nothing may scroll sideways); the screenshots at both widths are kept."""
    if not journey.visited:
        pytest.skip("the journey did not run")
    found: dict[str, list[str]] = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        contexts: dict[str, Any] = {}
        for name, (who, path) in journey.visited.items():
            if who not in contexts:
                if who == "":
                    context = browser.new_context(viewport=viewport, locale="zh-CN")
                    contexts[who] = (context, context.new_page())
                elif who == "citizen":
                    contexts[who] = citizen_signs_in(browser, journey, viewport)
                else:
                    contexts[who] = staff_signs_in(browser, journey, who, viewport)
            page = contexts[who][1]
            response = page.goto(journey.url + path)
            assert response is not None and response.status == 200, (name, response)
            if width == "phone":
                page.screenshot(path=str(ARTEFACTS / f"{name}-phone.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
            if violations := axe_violations(page):
                found[f"{name} @ {width}"] = violations
        for context, _ in contexts.values():
            context.close()
    assert found == {}
    print(f"\njourney screenshots (desktop and phone): {ARTEFACTS}")


# --- by keyboard alone -----------------------------------------------------------------------

def press_tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Tab (only) until ``selector`` has the focus, which must be visible there: an outline
    or a box shadow drawn by :focus-visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
            assert (style[0] != "none" and style[1] != "0px") or style[2] != "none", (
                selector, style)
            return
    raise AssertionError(f"Tab never reached {selector}")


def upload_by_keyboard(page: Any, key: str, name: str, mime: str, data: bytes) -> None:
    # the page whole first: a Tab walk begun while it still loads can leave the focus on a
    # control the finished page replaces, and Space then opens no file chooser
    page.wait_for_load_state("load")
    press_tab_to(page, f"#file-{key}")
    chooser = None
    for _ in range(3):  # a key press Chromium drops now and then: pressed again, as people do
        try:
            with page.expect_file_chooser(timeout=8000) as opened:
                page.keyboard.press("Space")
            chooser = opened.value
            break
        except playwright.TimeoutError:
            assert page.evaluate("(s) => document.activeElement.matches(s)", f"#file-{key}")
    assert chooser is not None, f"Space on #file-{key} never opened the file chooser"
    chooser.set_files({"name": name, "mimeType": mime, "buffer": data})
    press_tab_to(page, f"form[action$='/materials/{key}'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/materials\?done={key}"))
    page.wait_for_load_state("load")


def test_applying_and_a_workbench_step_by_keyboard_alone(journey: Journey,
                                                          browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    # registering and signing in have their own keyboard test (the dashboard's); here a
    # second citizen registers as the first did, then only Tab, Space and Enter
    page.goto(journey.url + "/signup")
    page.fill("#f-login", resident_id(4343))
    page.fill("#f-name", "李小红")
    page.fill("#f-password", CITIZEN_PASSWORD)
    page.fill("#f-password_again", CITIZEN_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")
    page.goto(f"{journey.url}/items/{journey.item_id}")
    press_tab_to(page, "a[href$='/apply']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/apply$"))
    press_tab_to(page, "form[action$='/apply'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/applicant$"))
    press_tab_to(page, "form.form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/conditions$"))
    press_tab_to(page, "#c0-yes")
    page.keyboard.press("Space")
    assert page.is_checked("#c0-yes")
    press_tab_to(page, "form.form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/materials$"))
    upload_by_keyboard(page, "form", "申请书.pdf", "application/pdf", real_pdf())
    upload_by_keyboard(page, "licence", "营业执照.jpg", "image/jpeg", real_jpeg())
    press_tab_to(page, "a[href$='/check']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/check$"))
    press_tab_to(page, "form[action$='/submit'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/receipt$"))
    assert "材料齐全" in page.inner_text("#completeness")
    number = page.locator(".receipt .code.big").first.inner_text().strip()
    context.close()
    # the clerk accepts it, by keyboard: the opinion typed, the form sent with Enter
    context, page = staff_signs_in(browser, journey, "li.clerk")
    page.goto(f"{journey.url}/workbench/cases/{number}")
    press_tab_to(page, "#accept-opinion")
    page.keyboard.type("材料齐全，予以受理")
    press_tab_to(page, "form[action$='/act/accept'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?done=accept"))
    context.close()
    # the reviewer completes the review: the countermeasure ticked with Space
    context, page = staff_signs_in(browser, journey, "qian.review")
    page.goto(f"{journey.url}/workbench/cases/{number}")
    form = "form[action$='/act/complete_step']"
    press_tab_to(page, f"{form} input[type=checkbox]")
    page.keyboard.press("Space")
    press_tab_to(page, f"{form} textarea[name=opinion]")
    page.keyboard.type("同意")
    press_tab_to(page, f"{form} button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?done=complete_step"))
    assert "已办结本环节" in page.inner_text("#done")
    steps = journey.api.get(f"/v1/cases/{number}").json()["case"]["steps"]
    review = next(s for s in steps if s["key"] == "review")
    assert review["status"] == "STEP_STATUS_DONE"
    assert review.get("countermeasures") == list(REVIEW_MEASURES), review
    context.close()
