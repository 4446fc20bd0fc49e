"""The hall's Find pages in a real browser: headless Chromium (Debian's, driven by Playwright's
Python package; ``playwright install`` is never called) over the real Guang'an catalogue.

A catalogue (SQLite, its search index, its gRPC servicer) and the hall (uvicorn) run in this
process on loopback ports; the hall reaches the catalogue over gRPC as in a node. Checked:
axe-core (vendored, see ``vendor/axe-core/README.md``) finds no serious or critical WCAG 2.2
AA violation on the browse, search and guide pages at a desktop's and a phone's width (390 px,
where nothing may scroll sideways); a keyboard alone reaches the search box, searches and opens
an item; the facets count what they list. Screenshots go to ``var/test-artifacts/hall-find/``
(not committed).
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import uvicorn
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from services.catalogue.api import CatalogueServicer
from services.catalogue.importer import Importer
from services.catalogue.search.index import SearchIndex
from services.catalogue.service import CatalogueService
from services.hall.app import create_app
from services.hall.backend import HallBackend
from services.shared import collation
from services.shared.auth import Authenticator, ServiceToken
from services.shared.db import Database
from services.shared.rate_limits import RateLimits
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support.catalogue_node import publish
from tests.support.guang_an import publish_guang_an, rows
from tests.support.guides import LICENCE_NAME, PENALTY_NAME, licence, penalty
from tests.support.wait import wait_for

playwright = pytest.importorskip("playwright.sync_api", reason="a dev dependency: make venv")

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
ARTEFACTS = ROOT / "var" / "test-artifacts" / "hall-find"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SECRET = TokenKey.generate().to_text()
PROJECT = "企业投资项目备案（技术改造）（市级/县级）"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@dataclass
class Hall:
    url: str
    ids: dict[str, str]


class _Cases:
    """The case service is not on these pages."""


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('hall')}/catalogue.db", "catalogue")
    from services.catalogue import storage

    storage.metadata.create_all(db.engine)
    ids = publish_guang_an(db)
    index = SearchIndex(db)
    service = CatalogueService(db, "510000", WorkingCalendar.official(), listeners=[index])
    index.load()
    ids[LICENCE_NAME] = publish(service, licence())
    ids[PENALTY_NAME] = publish(service, penalty())
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_CatalogueServiceServicer_to_server(CatalogueServicer(
        service, Authenticator(SECRET), index, Importer(service)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    token = ServiceToken(SECRET, "hall", ["511602"], roles=("hall",))
    backend = HallBackend(pb_grpc.CatalogueServiceStub(channel), _Cases(), token.header, 10.0)
    app = create_app(backend, "广安区", rates=RateLimits(
        public_reads="100000/minute", case_lookup="100000/minute",
        failed_auth="100000/minute"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    web = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: web.started, timeout_s=20)
    try:
        yield Hall(f"http://127.0.0.1:{sock.getsockname()[1]}", ids)
    finally:
        web.should_exit = True
        thread.join(10)
        channel.close()
        server.stop(0)
        db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.exists(), "needs Debian's chromium (infra/test.sh installs it as root)"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "vendored axe-core changed"
    return source.decode()


def serious_violations(page: object) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical WCAG 2.2 AA violations on the page, in words.
    Injected through the DevTools protocol (``evaluate``), which the hall's CSP does not
    govern: the hall itself never serves a script."""
    page.evaluate(axe_source())  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG)
    assert result["passes"], "axe-core checked nothing"
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_find_pages_pass_axe_at_a_desktops_and_a_phones_width(hall: Hall, browser) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "browse": "/",
        "browse-department": "/?department=%E5%8C%BA%E4%BA%BA%E7%A4%BE%E5%B1%80&page=2",
        "search": "/search?q=qyba",
        "guide-imported": f"/items/{hall.ids[PROJECT]}",
        "guide-declared": f"/items/{hall.ids[LICENCE_NAME]}",
        "guide-penalty": f"/items/{hall.ids[PENALTY_NAME]}",
    }
    found: dict[str, list[str]] = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        for name, path in pages.items():
            response = page.goto(hall.url + path)
            assert response is not None and response.status == 200, (name, response)
            page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"), full_page=True)
            if violations := serious_violations(page):
                found[f"{name} @ {width}"] = violations
            if width == "phone":  # nothing scrolls sideways at 390 px
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        context.close()
    assert found == {}


def test_keyboard_alone_finds_an_item_and_opens_its_guide(hall: Hall, browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(hall.url + "/")

    def tab_to(selector: str, limit: int = 80) -> int:
        for presses in range(1, limit + 1):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return presses
        raise AssertionError(f"Tab never reached {selector}")

    assert tab_to("#q") <= 6  # brand, three menu links, sign-in, then the search box
    page.keyboard.type("qyba")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=qyba"))
    assert "搜索“qyba”" in page.inner_text("[role=status]")
    target = f'a.item-name[href="/items/{hall.ids[PROJECT]}"]'
    assert page.locator(target).count() == 1
    # the focus is drawn where it is
    tab_to(target, limit=200)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/items/{hall.ids[PROJECT]}$"))
    assert page.inner_text("h1") == PROJECT
    text = page.inner_text("main")
    assert "尚未公布" in text and "流程未经部门确认" in text
    assert "无需提交材料（" not in text and "不收费（" not in text
    assert page.locator("figure.flow svg[role=img]").is_visible()
    context.close()


def test_facets_count_the_real_catalogue_in_pinyin_order(hall: Hall, browser) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(hall.url + "/")
    every = rows()
    total = len(every) + 2  # and the two declared items
    assert f"共 {total} 个事项" in page.inner_text("[role=status]")
    by_department = Counter(r["department"] for r in every)
    labels = page.locator(".facet:has(.facet-name:text('实施部门')) li a").all_text_contents()
    names = [re.sub(r"（\d+）$", "", label) for label in labels]
    assert names == collation.sorted_by_pinyin(names) and names != sorted(names)
    page.locator("summary:has-text('实施部门')").click()  # a long list starts folded
    page.get_by_role("link", name=re.compile(r"^区人社局（\d+）")).click()
    page.wait_for_url(re.compile(r"department="))
    assert f"共 {by_department['区人社局']} 个事项，第 1 / 8 页" in page.inner_text(
        "[role=status]")
    shown = page.locator(".item-name").all_inner_texts()
    assert len(shown) == 20 and shown == collation.sorted_by_pinyin(shown)
    page.get_by_role("link", name="第 8 页").click()
    page.wait_for_url(re.compile(r"page=8"))
    assert len(page.locator(".item-name").all_inner_texts()) == by_department["区人社局"] - 140
    context.close()
