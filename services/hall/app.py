"""The public hall (电子政务大厅): server-rendered pages in Chinese over the node's services.

Pages: ``/`` published items (paged, filtered by region) and a search box (words, pinyin or
initials; department, item type, region) over the catalogue's search, ``/items/{item_id}``
everything public about the version in force and the item's public history, ``/cases`` a form,
``/cases/{case_number}`` where a case stands. Anything that goes wrong
shows a page in words, never a stack trace: 404 for what does not exist, 503 when a service does
not answer, 500 with an identifier the operators can find in the log.

Case numbers follow each other, so the case pages are limited per client address
(``case_lookup``), and so, more loosely, are the catalogue pages (``public_reads``): one too
many shows a page in Chinese (429, code ``RATE_LIMITED``) with ``Retry-After``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import grpc
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.hall.backend import HallBackend
from services.hall.views import case_view, history_view, item_view, unnamed_materials
from services.shared.code_tables import ITEM_TYPES
from services.shared.grpc_errors import error_detail_of
from services.shared.rate_limits import RateLimit, RateLimits
from services.shared.working_days import local_day

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PAGE_SIZE = 20
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
REGION = re.compile(r"^\d{6}$")
ITEM_ID = re.compile(r"^[\w-]{1,100}$")
MAX_QUERY = 100  # characters, as the catalogue's search allows
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


def create_app(backend: HallBackend, node_name: str, *,
               today: Callable[[], date] = local_day,
               rates: RateLimits | None = None) -> FastAPI:
    app = FastAPI(title="电子政务大厅", docs_url=None, redoc_url=None, openapi_url=None)
    rates = rates or RateLimits()
    case_lookups = RateLimit("case_lookup", rates.case_lookup)
    public_reads = RateLimit("public_reads", rates.public_reads)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(node_name=node_name)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200
               ) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(PageError)
    async def _page_error(request: Request, error: PageError) -> HTMLResponse:
        response = render(request, "error.html", {"error": error}, error.status)
        response.headers.update(error.headers)
        return response

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

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request,
              q: Annotated[str, Query(max_length=400)] = "",
              department: Annotated[str, Query(max_length=400)] = "",
              item_type: Annotated[str, Query(max_length=20)] = "",
              region: Annotated[str, Query(max_length=20)] = "",
              page_token: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
        """Browsing lists the published items by region; words, a department or a type
        search the catalogue (ranked by relevance)."""
        throttle(public_reads, request, "查询事项")
        q, department, item_type, region = (
            q.strip(), department.strip(), item_type.strip(), region.strip())
        filters = {"q": q, "department": department, "item_type": item_type, "region": region}
        searching = bool(q or department or item_type)
        context: dict[str, Any] = {**filters, "item_types": ITEM_TYPES, "items": [],
                                   "searching": searching, "total": None, "next_href": "",
                                   "first_href": "", "page_token": page_token, "problem": ""}
        problem = ""
        if region and not REGION.match(region):
            problem = "地区代码应为 6 位数字，例如 511602（广安区）。"
        elif item_type and item_type not in ITEM_TYPES:
            problem = "请从列表中选择事项类型。"
        elif len(q) > MAX_QUERY or len(department) > MAX_QUERY:
            problem = f"搜索词和部门名称最多 {MAX_QUERY} 个字，请缩短后再试。"
        if problem:
            context["problem"] = problem
            return render(request, "index.html", context, 400)
        try:
            if searching:
                found = backend.search(q, department=department, item_type=item_type,
                                       region=region, page_size=PAGE_SIZE,
                                       page_token=page_token)
                versions, next_token = [h.item for h in found.hits], found.next_page_token
                context["total"] = found.total
            else:
                listed = backend.published_items(region, PAGE_SIZE, page_token)
                versions, next_token = list(listed.items), listed.next_page_token
        except grpc.RpcError as error:
            if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
                context["problem"] = "查询条件有误，请修改后回到第一页重新查询。"
                return render(request, "index.html", context, 400)
            raise page_error(error, "", "事项清单") from None
        kept = {key: value for key, value in filters.items() if value}
        context["items"] = [item_view(v) for v in versions]
        if next_token:
            context["next_href"] = "/?" + urlencode({**kept, "page_token": next_token})
        if page_token:
            context["first_href"] = "/?" + urlencode(kept) if kept else "/"
        return render(request, "index.html", context)

    @app.get("/items/{item_id}", response_class=HTMLResponse)
    def item(request: Request, item_id: str) -> HTMLResponse:
        missing = "这个事项不存在，或尚未公布。只有公布在清单中的事项才能办理（清单之外无职权）。"
        throttle(public_reads, request, "查询事项")
        if not ITEM_ID.match(item_id):
            raise PageError(404, "没有找到", missing)
        try:
            version = backend.item_in_force(item_id)
        except grpc.RpcError as error:
            raise page_error(error, missing, "事项") from None
        # The guide matters more than its history: without the history, the page still shows.
        history = None
        try:
            history = history_view(backend.item_history(item_id))
        except grpc.RpcError as error:
            log.warning("history of item %s unavailable: %s", item_id,
                        error.code().name if hasattr(error, "code") else error)
        return render(request, "item.html", {"item": item_view(version), "history": history})

    @app.get("/cases", response_class=HTMLResponse, response_model=None)
    def case_lookup(request: Request,
                    case_number: Annotated[str, Query(max_length=200)] = ""
                    ) -> HTMLResponse | RedirectResponse:
        number = case_number.strip()
        if not number:
            return render(request, "case_lookup.html", {"case_number": "", "problem": ""})
        if not CASE_NUMBER.match(number):
            return render(request, "case_lookup.html", {
                "case_number": number,
                "problem": "受理编号只包含数字和字母，请核对回执上的编号。"}, 400)
        return RedirectResponse(request.url_for("case", case_number=number), status_code=303)

    @app.get("/cases/{case_number}", response_class=HTMLResponse, name="case")
    def case(request: Request, case_number: str) -> HTMLResponse:
        missing = (f"没有找到受理编号为 {case_number} 的办件。请核对回执上的编号；"
                   "刚刚受理的办件可能需要片刻才能查到。")
        throttle(case_lookups, request, "查询办件")
        if not CASE_NUMBER.match(case_number):
            raise PageError(404, "没有找到", missing)
        try:
            found = backend.case(case_number)
        except grpc.RpcError as error:
            raise page_error(error, missing, "办件") from None
        # Supplement requests name materials by key: their names come from the item version
        # the case is pinned to; without the catalogue the page still shows, with the keys.
        names: dict[str, str] = {}
        if unnamed_materials(found):
            try:
                names = backend.material_names(found.item_id, found.item_version)
            except grpc.RpcError as error:
                log.warning("materials of item %s v%s unavailable: %s", found.item_id,
                            found.item_version,
                            error.code().name if hasattr(error, "code") else error)
        return render(request, "case.html", {"case": case_view(found, today(), names)})

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        services = backend.health()
        ok = all(state == "SERVING" for state in services.values())
        return JSONResponse({"status": "SERVING" if ok else "NOT_SERVING",
                             "services": services}, status_code=200 if ok else 503)

    return app
