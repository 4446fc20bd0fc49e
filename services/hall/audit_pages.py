"""The supervision page of the audit (审计记录 · 登录审计): ``/supervision/audit``.

Who read which case's file — the case service's audit, asked with the supervisor's own token
(``ListAccessAudit``: it lets supervisors and administrators of the case's region list it,
no one else) — by case number, by reader and by day; and, for supervisors and administrators
whose regions cover this node's, the sign-in attempts at this hall (its own database), by
outcome and by day. Each list shows how many records match and pages through them all (the
case service's page token; the sign-in audit's, ``signins``), the filters kept from page to
page. Numbers are shown masked, as they are kept. The filters are posted (with the page's
CSRF token), and so are the next pages while a reader is named: a full ID number typed in
the reader box never becomes part of an address; ``GET`` with the same parameters still
answers (a bookmark of a case's reads, say).
"""

# No `from __future__ import annotations`: FastAPI must see the routes' annotations evaluated
# (the posted form's dependency is a local of add_audit_pages)
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import grpc
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from services.hall.backend import HallBackend
from services.hall.identity import Identity
from services.hall.sessions import Sessions
from services.hall.sign_in_audit import OUTCOME_WORDS, SignInAudit
from services.hall.supervision import SUPERVISING_ROLES, NotSupervisor
from services.hall.tokens import TokenMinter
from services.hall.views import local_time
from services.shared.regions import covers
from services.shared.working_days import CHINA

Render = Callable[..., HTMLResponse]
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
READER = re.compile(r"^[^\x00-\x1F\x7F]{1,128}$")
PAGE_TOKEN = re.compile(r"^[A-Za-z0-9=_-]{0,100}$")
PAGE_SIZE = 50
#: what each view code means, for people
VIEW_WORDS = {"detail": "查看办件详情", "trace": "查看办理痕迹", "trace_verify": "核验办理痕迹",
              "documents": "查看文书列表", "document": "下载文书", "document_verify": "核验文书",
              "material": "下载申请材料"}
CHANNEL_WORDS = {"grpc": "服务接口", "gateway_grpc": "网关 gRPC", "http": "网关 HTTP 接口",
                 "hall": "办事大厅", "federation": "跨节点"}


def day_window(text: str) -> tuple[datetime | None, datetime | None]:
    """The day ``YYYY-MM-DD`` in Asia/Shanghai as a UTC window; (None, None) for none or a
    day that is not one."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    if day is None:
        return None, None
    start = datetime.combine(day, time(), CHINA).astimezone(UTC)
    return start, start + timedelta(days=1)


def add_audit_pages(app: FastAPI, render: Render, backend: HallBackend, sessions: Sessions,
                    minter: TokenMinter, sign_ins: SignInAudit | None, *,
                    page_error: Callable[[grpc.RpcError, str, str], Exception]) -> None:

    def supervisor(request: Request) -> Identity:
        identity = sessions.require(request)
        if not identity.staff or not identity.has_role(*SUPERVISING_ROLES):
            raise NotSupervisor(identity)
        return identity

    @app.get("/supervision/audit", response_class=HTMLResponse)
    def audit_page(request: Request,
                   case: Annotated[str, Query(max_length=50)] = "",
                   reader: Annotated[str, Query(max_length=128)] = "",
                   day: Annotated[str, Query(max_length=10)] = "",
                   outcome: Annotated[str, Query(max_length=32)] = "",
                   page: Annotated[str, Query(max_length=100)] = "",
                   signins: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
        return shown(request, case, reader, day, outcome, page, signins)

    @app.post("/supervision/audit", response_class=HTMLResponse)
    def audit_page_posted(request: Request,
                          fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                          ) -> HTMLResponse:
        """The same page, its filters posted: a reader named by a full ID number (or credit
        code) stays out of addresses — the browser's history, logs — as do its pages'."""
        return shown(request, *(fields.get(name, "")[:limit] for name, limit in (
            ("case", 50), ("reader", 128), ("day", 10), ("outcome", 32), ("page", 100),
            ("signins", 100))))

    def shown(request: Request, case: str, reader: str, day: str, outcome: str, page: str,
              signins: str) -> HTMLResponse:
        identity = supervisor(request)
        case = case.strip() if CASE_NUMBER.match(case.strip()) else ""
        reader = reader.strip() if READER.match(reader.strip()) else ""
        since, until = day_window(day.strip())
        outcome = outcome if outcome in OUTCOME_WORDS else ""
        page = page if PAGE_TOKEN.match(page) else ""
        query = {"case": case, "reader": reader, "day": day.strip() if since else "",
                 "outcome": outcome}
        try:
            found = backend.access_audit(
                minter.header(identity), case_number=case, subject=reader, since=since,
                until=until, page_size=PAGE_SIZE, page_token=page)
        except grpc.RpcError as error:
            raise page_error(error, "没有找到这个办件，或它不在您的监察范围内。", "审计记录"
                             ) from None
        reads = [{
            "at": local_time(e.at), "case": e.case_number, "view": VIEW_WORDS.get(e.view, e.view),
            "target": e.target[:12], "who": f"{e.name}（{e.subject}）" if e.name else e.subject,
            "roles": e.roles, "department": e.department, "own": e.own,
            "channel": CHANNEL_WORDS.get(e.channel, e.channel), "asserted_by": e.asserted_by,
            "purpose": e.purpose} for e in found.entries]
        node_wide = sign_ins is not None and any(covers(r, minter.issuer)
                                                 for r in identity.regions)
        attempts: list[Any] | None = None
        signins_total, signins_next = 0, ""
        if node_wide and sign_ins is not None:
            try:
                found_sign_ins = sign_ins.list(outcome=outcome, since=since, until=until,
                                               page=signins, limit=PAGE_SIZE)
            except ValueError:  # not a token of ours: the first page
                found_sign_ins = sign_ins.list(outcome=outcome, since=since, until=until,
                                               limit=PAGE_SIZE)
            signins_total, signins_next = found_sign_ins.total, found_sign_ins.next
            attempts = [{"at": r.at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                         "outcome": r.outcome, "words": r.outcome_words, "kind": r.kind,
                         "account": r.account, "client": r.client,
                         "user_agent": r.user_agent[:80]} for r in found_sign_ins.rows]
        # the next page of one list keeps the filters and the other list's page: as a link,
        # or — when a reader is named — as a posted form (the reader kept out of addresses)
        reads_next = ({**query, "page": found.next_page_token, "signins": signins}
                      if found.next_page_token else None)
        signins_after = ({**query, "page": page, "signins": signins_next}
                         if signins_next else None)
        return render(request, "supervision/audit.html", {
            "reads": reads, "total": found.total, "query": query, "posted": bool(reader),
            "next_reads": reads_next and _href(reads_next), "next_reads_fields": reads_next,
            "attempts": attempts, "signins_total": signins_total,
            "next_signins": signins_after and _href(signins_after),
            "next_signins_fields": signins_after, "outcomes": OUTCOME_WORDS})


def _href(params: dict[str, str]) -> str:
    """The page's address with these parameters (the empty ones left out)."""
    return "/supervision/audit?" + urlencode({k: v for k, v in params.items() if v})
