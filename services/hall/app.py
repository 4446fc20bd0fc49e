"""The public hall (电子政务大厅): server-rendered pages in Chinese over the node's services.

Pages: ``/`` the published catalogue to browse (查找事项: by item type, department, exercise
level and region, each with its count, the total and page numbers, names in pinyin order) and
``/search`` the catalogue's search (words, pinyin or initials) in the same layout — both over
the catalogue's ``SearchItems``; ``/items/{item_id}`` the guide (办事指南): everything public
about the version in force, what the catalogue does not state said to be not yet listed
(尚未公布), the discretion standards of a penalty, the flow drawn on the server as SVG
(``/items/{item_id}/flow.svg`` alone) and in words, and the item's public history;
``/cases`` the lookup of a case by its number and a second factor from the receipt, and
``/my/cases`` a signed-in person's own cases (``services.hall.track``); ``/signin``,
``/signup`` and ``/signout``
(``services.hall.signin``: persons, enterprises and staff, in a signed session cookie, every
form with a CSRF token — ``services.hall.sessions``); ``/supervision`` the supervisors'
dashboard (``services.hall.supervision``); ``/workbench`` the staff workbench
(``services.hall.workbench``). Anything that goes wrong
shows a page in words, never a stack trace: 404 for what does not exist, 503 when a service does
not answer, 500 with an identifier the operators can find in the log.

Case numbers follow each other, so a lookup needs a second factor and is limited per client
address (``case_lookup``), and so, more loosely, are the catalogue pages (``public_reads``): one too
many shows a page in Chinese (429, code ``RATE_LIMITED``) with ``Retry-After``; the public
feed of cases (``/open``, ``/open/cases.json``) counts against ``public_reads`` too.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import grpc
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.hall.apply import Applying, add_apply_pages
from services.hall.audit_pages import add_audit_pages
from services.hall.backend import HallBackend
from services.hall.escaping import EscapingTemplate
from services.hall.find import facets, kept_guide_view, pages, query_href
from services.hall.identity import IdentityProvider
from services.hall.sessions import SESSION_COOKIE, FormRefused, Sessions, template_context
from services.hall.sign_in_audit import SignInAudit
from services.hall.signin import add_signin_pages
from services.hall.speak import add_speak_pages
from services.hall.supervision import add_supervision_pages
from services.hall.tokens import TokenMinter
from services.hall.track import add_track_pages
from services.hall.views import history_view, item_view
from services.hall.workbench import add_workbench_pages
from services.shared.code_tables import EXERCISE_LEVELS, ITEM_TYPES
from services.shared.grpc_errors import error_detail_of
from services.shared.http_metrics import HttpMetrics
from services.shared.http_routes import PrefixRoute
from services.shared.rate_limits import RateLimit, RateLimits
from services.shared.telemetry import recording
from services.shared.working_days import local_day

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PAGE_SIZE = 20
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
REGION = re.compile(r"^\d{6}$")
ITEM_ID = re.compile(r"^[\w-]{1,100}$")
MAX_QUERY = 100  # characters, as the catalogue's search allows
MAX_PAGE = 100_000  # as the catalogue's contract allows
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class PageError(Exception):
    """A page that explains what went wrong, with the HTTP status it goes with (and, for
    some, a stable code shown beside the words, and headers)."""

    def __init__(self, status: int, title: str, message: str, identifier: str = "", *,
                 code: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.identifier = (
            status, title, message, identifier)
        self.code, self.headers = code, headers or {}


def page_error(error: grpc.RpcError, not_found: str, what: str) -> PageError:
    """The page for a failed call; ``not_found`` is the sentence when it does not exist."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
        return PageError(404, "没有找到", not_found)
    if code is grpc.StatusCode.PERMISSION_DENIED:
        return PageError(404, "没有找到", f"本大厅无法查询这个{what}：它不属于本级政府办理的范围。")
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        log.warning("%s unavailable: %s", what, code.name)
        return PageError(503, "服务暂时不可用",
                         "系统正忙或正在维护，暂时无法查询。请稍后再试。")
    detail = error_detail_of(error)
    identifier = detail.identifier if detail and detail.identifier else uuid.uuid4().hex
    log.error("%s call failed: %s %s", what, code.name,
              error.details() if hasattr(error, "details") else error,
              extra={"error_id": identifier})
    return PageError(500, "系统出错了", "查询时系统出了错，我们已经记录下来。"
                     "请稍后再试；如需咨询，请向工作人员提供下面的错误编号。", identifier)


def throttle(limit: RateLimit, request: Request, what: str) -> None:
    """Count a request of this client against ``limit``; one too many is a 429 page."""
    wait = limit.hit(request.client.host if request.client else "unknown")
    if wait is not None:
        raise PageError(429, "请求过于频繁", f"您{what}太频繁了。为保护办件和清单信息，"
                        f"请在 {wait} 秒后再试。", code="RATE_LIMITED",
                        headers={"Retry-After": str(wait)})


#: the paths whose pages are about one signed-in person: never kept by a cache
PRIVATE_PATHS = ("/supervision", "/signin", "/signup", "/applications", "/staff/", "/my/",
                 "/cases", "/workbench", "/complain", "/consultations")
PRIVATE_ENDINGS = ("/apply",)


class SecurityHeaders:
    """Every answer's security headers, and ``no-store`` on the pages about one signed-in
    person (plain ASGI: the answer streams through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        # an application started from an item's guide (/items/{id}/apply) is the person's
        private = path.startswith(PRIVATE_PATHS) or path.endswith(PRIVATE_ENDINGS)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(SECURITY_HEADERS)
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, sending)


@dataclass
class Access:
    """Who may sign in, and how sessions are kept: the identity provider (None: signing in
    is unavailable), the minter of the tokens the hall calls the services with for a
    signed-in person, the key that signs the session cookie, how long a sign-in lasts,
    whether cookies are Secure (HTTPS only), and how often the dashboard checks for new
    warnings."""

    provider: IdentityProvider | None = None
    minter: TokenMinter = field(default_factory=lambda: TokenMinter(secrets.token_urlsafe(32)))
    session_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    session_ttl_s: int = 8 * 3600
    secure_cookies: bool = False
    live_poll_s: float = 5.0
    clock: Callable[[], float] | None = None
    #: the audit of sign-ins (登录审计); None: attempts are logged, not kept
    sign_ins: SignInAudit | None = None


def compile_templates(app: FastAPI) -> int:
    """Every page's template compiled now — at the server's start — rather than by the first
    requests for it, which arrive together after a start and each compile the same template
    (tens of milliseconds each) before one of them is kept. How many were compiled."""
    env = app.state.templates.env
    names = [name for name in env.list_templates() if name.endswith(".html")]
    for name in names:
        env.get_template(name)
    return len(names)


def create_app(backend: HallBackend, node_name: str, *,
               today: Callable[[], date] = local_day,
               rates: RateLimits | None = None, access: Access | None = None,
               applying: Applying | None = None, threads: int = 0) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if threads:  # the pages run on threads (their gRPC calls block): at most so many
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    # FastAPI's own telemetry, as the gateway's: the request's span carries the trace context
    # on to the services; spans of dependencies, endpoints and rendering, FastAPI's request
    # metrics (HttpMetrics below counts them) and its logs only when spans are recorded.
    app = FastAPI(title="电子政务大厅", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan,
                  telemetry={"operation_spans": recording(), "metrics": recording(),
                             "logs": recording()})
    app.router.route_class = PrefixRoute  # before any route: see services.shared.http_routes
    rates = rates or RateLimits()
    access = access or Access()
    case_lookups = RateLimit("case_lookup", rates.case_lookup)
    public_reads = RateLimit("public_reads", rates.public_reads)
    sessions = Sessions(access.session_ttl_s, **({"clock": access.clock} if access.clock
                                                  else {}),
                        refused=getattr(access.provider, "session_refused", None))
    templates = Jinja2Templates(directory=HERE / "templates",
                                context_processors=[template_context(sessions)])
    templates.env.template_class = EscapingTemplate  # before any template is compiled
    templates.env.globals.update(node_name=node_name)
    # templates change with a new release, not while the hall runs: not checked each page
    templates.env.auto_reload = False
    app.state.templates, app.state.backend = templates, backend
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200
               ) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    app.add_middleware(SecurityHeaders)

    # The session cookie: signed (itsdangerous), HttpOnly, SameSite=Lax, Secure when
    # configured; its own age bounds it too, a little beyond a sign-in's life so that an
    # ended sign-in is still told apart from none ("您的登录已过期").
    app.add_middleware(SessionMiddleware, secret_key=access.session_secret,
                       session_cookie=SESSION_COOKIE,
                       max_age=access.session_ttl_s + 12 * 3600, same_site="lax",
                       https_only=access.secure_cookies)
    # outermost: requests by route template and status, and GET /metrics
    app.add_middleware(HttpMetrics)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, error: PageError) -> HTMLResponse:
        response = render(request, "error.html", {"error": error}, error.status)
        response.headers.update(error.headers)
        return response

    @app.exception_handler(FormRefused)
    async def _form_refused(request: Request, error: FormRefused) -> HTMLResponse:
        page = PageError(error.status, "表单未能提交", error.message, code=error.code)
        return render(request, "error.html", {"error": page}, page.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> HTMLResponse:
        if error.status_code == 404:
            page = PageError(404, "页面不存在", "您要找的页面不存在。请从首页重新进入。")
        else:
            page = PageError(error.status_code, "无法处理该请求", "请返回首页重新操作。")
        return render(request, "error.html", {"error": page}, page.status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> HTMLResponse:
        identifier = uuid.uuid4().hex
        log.error("unhandled error on %s", request.url.path, exc_info=error,
                  extra={"error_id": identifier})
        page = PageError(500, "系统出错了", "页面出了错，我们已经记录下来。请稍后再试。",
                         identifier)
        response = render(request, "error.html", {"error": page}, 500)
        response.headers.update(SECURITY_HEADERS)
        return response

    def find(request: Request, path: str, filters: dict[str, str], page_text: str
             ) -> HTMLResponse:
        """Browse (no words: by region code, then name in pinyin order) or search (ranked);
        both with facets that keep every other filter, the total and page numbers."""
        throttle(public_reads, request, "查询事项")
        filters = {k: v.strip() for k, v in filters.items()}
        q, region = filters["q"], filters["region"]
        searching = path == "/search" or bool(q)
        context: dict[str, Any] = {
            **filters, "filters": filters, "path": path, "searching": searching,
            "items": [], "total": None, "facets": (), "pages": None, "problem": "",
            "first_href": query_href(path, {"q": q}) if any(
                v for k, v in filters.items() if k != "q") else ""}
        problem, page = "", 1
        if region and not REGION.match(region):
            problem = "地区代码应为 6 位数字，例如 511602（广安区）。"
        elif filters["item_type"] and filters["item_type"] not in ITEM_TYPES:
            problem = "请从列表中选择事项类型。"
        elif filters["exercise_level"] and filters["exercise_level"] not in EXERCISE_LEVELS:
            problem = "请从列表中选择行使层级。"
        elif len(q) > MAX_QUERY or len(filters["department"]) > MAX_QUERY:
            problem = f"搜索词和部门名称最多 {MAX_QUERY} 个字，请缩短后再试。"
        elif page_text.strip():
            if not page_text.strip().isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
                problem = "页码应为正整数。"
            else:
                page = int(page_text)
        if problem:
            context["problem"] = problem
            return render(request, "index.html", context, 400)
        try:
            found = backend.search(q, department=filters["department"],
                                   item_type=filters["item_type"],
                                   exercise_level=filters["exercise_level"], region=region,
                                   page_size=PAGE_SIZE, page=page, facets=True)
        except grpc.RpcError as error:
            if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
                context["problem"] = "查询条件有误，请修改后回到第一页重新查询。"
                return render(request, "index.html", context, 400)
            raise page_error(error, "", "事项清单") from None
        context.update(
            items=[item_view(h.item) for h in found.hits], total=found.total,
            facets=facets(found.facets, path, filters),
            pages=pages(found.total, PAGE_SIZE, page, path, filters))
        return render(request, "index.html", context)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request,
              q: Annotated[str, Query(max_length=400)] = "",
              department: Annotated[str, Query(max_length=400)] = "",
              item_type: Annotated[str, Query(max_length=20)] = "",
              exercise_level: Annotated[str, Query(max_length=20)] = "",
              region: Annotated[str, Query(max_length=20)] = "",
              page: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        """Browse the published catalogue (查找事项) by type, department, level and region."""
        return find(request, "/", {"q": q, "department": department, "item_type": item_type,
                                   "exercise_level": exercise_level, "region": region}, page)

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request,
               q: Annotated[str, Query(max_length=400)] = "",
               department: Annotated[str, Query(max_length=400)] = "",
               item_type: Annotated[str, Query(max_length=20)] = "",
               exercise_level: Annotated[str, Query(max_length=20)] = "",
               region: Annotated[str, Query(max_length=20)] = "",
               page: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        """Search (搜索事项): Chinese words, full pinyin or initials, ranked by relevance."""
        return find(request, "/search", {"q": q, "department": department,
                                         "item_type": item_type,
                                         "exercise_level": exercise_level, "region": region},
                    page)

    @app.get("/items/{item_id}", response_class=HTMLResponse)
    def item(request: Request, item_id: str) -> HTMLResponse:
        missing = "这个事项不存在，或尚未公布。只有公布在清单中的事项才能办理（清单之外无职权）。"
        throttle(public_reads, request, "查询事项")
        if not ITEM_ID.match(item_id):
            raise PageError(404, "没有找到", missing)
        history_call = backend.beside(backend.item_history, item_id)  # meanwhile
        try:
            version = backend.item_in_force(item_id)
        except grpc.RpcError as error:
            history_call.cancel()
            raise page_error(error, missing, "事项") from None
        # The guide matters more than its history: without the history, the page still shows.
        history = None
        try:
            history = history_view(history_call.result())
        except grpc.RpcError as error:
            log.warning("history of item %s unavailable: %s", item_id,
                        error.code().name if hasattr(error, "code") else error)
        guide = kept_guide_view(version)
        return render(request, "item.html", {"item": guide.item, "guide": guide,
                                             "history": history})

    @app.get("/items/{item_id}/flow.svg")
    def flow_chart(request: Request, item_id: str) -> Response:
        """The flow chart (流程图) alone, to save or print."""
        throttle(public_reads, request, "查询事项")
        missing = "这个事项不存在，或尚未公布。"
        if not ITEM_ID.match(item_id):
            raise PageError(404, "没有找到", missing)
        try:
            guide = kept_guide_view(backend.item_in_force(item_id))
        except grpc.RpcError as error:
            raise page_error(error, missing, "事项") from None
        if not guide.flow_svg:
            raise PageError(404, "没有找到", "这个事项尚未公布办理流程。")
        return Response(guide.flow_svg, media_type="image/svg+xml")

    add_signin_pages(app, render, sessions, access.provider, access.sign_ins)
    add_track_pages(app, render, backend, sessions, access.minter, case_lookups=case_lookups,
                    throttle=throttle, page_error=page_error, today=today,
                    not_found=lambda message: PageError(404, "没有找到", message),
                    files=applying.files if applying is not None else None,
                    limits=applying.limits if applying is not None else None)
    add_supervision_pages(app, render, backend, sessions, access.minter,
                          poll_s=access.live_poll_s, page_error=page_error,
                          not_found=lambda message: PageError(404, "没有找到", message))
    add_audit_pages(app, render, backend, sessions, access.minter, access.sign_ins,
                    page_error=page_error)
    add_apply_pages(app, render, backend, sessions, access.minter, applying,
                    page_error=page_error,
                    not_found=lambda message: PageError(404, "没有找到", message),
                    unavailable=lambda message: PageError(503, "暂时不可用", message))

    add_speak_pages(app, render, backend, sessions, access.minter, page_error=page_error,
                    not_found=lambda message: PageError(404, "没有找到", message),
                    public_reads=public_reads, lookups=case_lookups, throttle=throttle)
    add_workbench_pages(app, render, backend, sessions, access.minter, page_error=page_error,
                        not_found=lambda message: PageError(404, "没有找到", message),
                        today=today)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        services = backend.health()
        ok = all(state == "SERVING" for state in services.values())
        return JSONResponse({"status": "SERVING" if ok else "NOT_SERVING",
                             "services": services}, status_code=200 if ok else 503)

    return app
