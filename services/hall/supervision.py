"""The supervision dashboard (监察工作台): a supervisor's page over supervision's warnings.

``/supervision`` the warnings of the supervisor's regions, newest first, that stay live: the
page asks ``/supervision/warnings.json`` every few seconds (SUNLIGHT_HALL_LIVE_POLL_S) for
what is new and puts it on top, announced to screen readers; without JavaScript, reloading
shows the same. ``/supervision/warnings/{id}`` one warning: its explanation in words, the facts
and standard it rests on, its whole history, and what the supervisor may do with it now
(uphold, dismiss, hold accountable, publish a notice — forms with a CSRF token and an
idempotency key, so a form sent twice acts once). ``/supervision/cases/{number}`` a case's
full timeline from its trace (操作痕迹), verified link by link by the case service, with the
case's warnings. The rankings (效能排名): the departments of the supervisor's region ranked by
supervision's efficiency evaluation for the current month (Asia/Shanghai), its bar chart
drawn by supervision as SVG and served through the hall (``/supervision/rankings.svg``, no
CDN), and the table as CSV (``/supervision/rankings.csv``); what the evaluation does not know
is shown as not known, never as 0.

Every call carries a token minted for the signed-in supervisor, so the services decide what
they see: their regions' warnings and cases, nothing else. Only staff with the supervisor or
admin role are let in; anyone else gets a page saying who may use it, and someone not signed
in (or whose sign-in has ended) is sent to sign in and brought back.
"""

# No `from __future__ import annotations`: the routes' annotations name the session
# object of the closure (``Depends(sessions.posted_form)``), which FastAPI must see evaluated.
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import grpc
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sunlight.monitoring.v1 import monitoring_pb2 as mpb

from services.hall.backend import HallBackend
from services.hall.identity import Identity
from services.hall.sessions import Sessions, SignInRequired
from services.hall.tokens import TokenMinter
from services.hall.views import CASE_STATUSES, UNKNOWN_STATUS, local_time
from services.shared.grpc_errors import error_detail_of
from services.shared.working_days import local_day

log = logging.getLogger(__name__)
Render = Callable[..., HTMLResponse]
SUPERVISING_ROLES = ("supervisor", "admin")
WARNING_ID = re.compile(r"^[0-9A-Za-z_.:@-]{1,200}$")
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
PAGE_TOKEN = re.compile(r"^[A-Za-z0-9=_-]{0,100}$")
PAGE_SIZE = 50

SEVERITY_WORDS = {mpb.SEVERITY_YELLOW: "黄牌", mpb.SEVERITY_RED: "红牌"}
SEVERITY_CLASS = {mpb.SEVERITY_YELLOW: "yellow", mpb.SEVERITY_RED: "red"}
STATUS_WORDS = {
    mpb.WARNING_STATUS_OPEN: "待处理", mpb.WARNING_STATUS_ACKNOWLEDGED: "经办人已知悉",
    mpb.WARNING_STATUS_CONTESTED: "经办人有异议", mpb.WARNING_STATUS_UPHELD: "已维持",
    mpb.WARNING_STATUS_CORRECTED: "已纠正", mpb.WARNING_STATUS_DISMISSED: "已撤销",
    mpb.WARNING_STATUS_CLOSED: "已自动消除"}
ACTIVE = frozenset({mpb.WARNING_STATUS_OPEN, mpb.WARNING_STATUS_ACKNOWLEDGED,
                    mpb.WARNING_STATUS_CONTESTED, mpb.WARNING_STATUS_UPHELD})
HISTORY_WORDS = {
    "raised": "发出预警", "escalated": "升级", "closed": "原因消除，自动关闭",
    "acknowledged": "经办人知悉", "corrected": "经办人纠正", "contested": "经办人提出异议",
    "upheld": "监察人员维持", "dismissed": "监察人员撤销", "held_accountable": "责任追究",
    "noticed": "发布通报"}
#: what a supervisor may do, the form's fields (name, label, kind) and its button
ACTIONS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "uphold": ("维持预警", (("reason", "维持的理由", "textarea"),)),
    "dismiss": ("撤销预警", (("reason", "撤销的理由", "textarea"),)),
    "hold_accountable": ("记录责任追究", (("measure", "追究措施及决定机关", "textarea"),)),
    "publish_notice": ("发布通报", (("notice", "通报内容", "textarea"),
                                   ("rectify_by", "整改期限", "date"))),
}
#: the facts rules record, in words (a fact not listed shows its key)
FACT_WORDS = {
    "allowed": "允许", "amount": "金额", "assignee": "经办人", "calendar_days": "自然日",
    "circumstance": "情形", "code": "理由代码", "days": "天数", "department": "部门",
    "departure": "偏离", "due": "应办结日期", "expected": "应为", "handler": "经办人",
    "happened": "发生时间", "left": "剩余", "limit": "时限", "measures": "处罚措施",
    "over": "超出", "reason": "理由", "region": "地区", "since": "起始", "stage": "阶段",
    "step": "环节", "unit": "单位", "what": "事项", "working_days": "工作日"}
EVENT_WORDS = {
    "case.submitted": "提交申请", "case.opened": "立案", "case.accepted": "受理",
    "case.rejected": "不予受理", "case.supplement_requested": "要求补正",
    "case.supplement_received": "收到补正材料", "case.step_started": "环节开始",
    "case.step_claimed": "认领环节", "case.step_released": "释放环节",
    "case.step_completed": "环节办结", "case.step_returned": "退回",
    "case.branches_joined": "并联环节汇合", "case.branch_urged": "催办",
    "case.decided": "作出决定", "case.decision_refused": "决定未通过",
    "case.result_published": "结果公开", "case.completed": "办结",
    "case.withdrawn": "撤回申请", "case.lapsed": "终止", "case.reassigned": "改派",
    "case.clock_stopped": "计时暂停", "case.clock_restarted": "计时恢复",
    "case.procedure_started": "特别程序开始", "case.procedure_ended": "特别程序结束",
    "case.hearing_requested": "申请听证", "case.hearing_scheduled": "安排听证",
    "case.hearing_held": "举行听证", "case.hearing_waived": "放弃听证",
    "case.collective_review_recorded": "集体讨论", "case.discretion_departed": "裁量偏离",
    "case.evidence_recorded": "记录证据", "case.statement_recorded": "记录陈述申辩",
    "case.party_notified": "告知当事人", "case.served": "送达",
    "case.applicant_assisted": "帮办领办", "case.trace_root": "痕迹起点"}


#: the rankings on the dashboard: how many departments, and the figures shown per row
RANKED_ROWS = 10


@dataclass
class RankRow:
    rank: str
    name: str
    handled: int
    on_time_rate: str
    overdue: int
    red: int
    yellow: int


def percent(row: Any, name: str) -> str:
    """A rate as a percentage; 未知 when the evaluation does not know it."""
    return f"{getattr(row, name) * 100:.1f}%" if row.HasField(name) else "未知"


def rank_rows(answer: mpb.EvaluateResponse) -> list[RankRow]:
    return [RankRow(str(r.rank) if r.rank else "—", r.name or r.key, r.handled,
                    percent(r, "on_time_rate"), r.overdue, r.red_warnings, r.yellow_warnings)
            for r in answer.rows[:RANKED_ROWS]]


def this_month(day: Any) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass
class WarningRow:
    warning_id: str
    href: str
    severity: str
    severity_class: str
    status: str
    active: bool
    title: str
    case_number: str
    department: str
    raised_at: str
    explanation: str


@dataclass
class HistoryRow:
    at: str
    by: str
    action: str
    severity: str
    note: str


@dataclass
class WarningPage:
    row: WarningRow
    rule: str
    subject: str
    facts: list[tuple[str, str]]
    handler: str
    region: str
    department_code: str
    history: list[HistoryRow]
    accountability: str
    accountable_by: str
    notice: str
    rectify_by: str
    closed_at: str
    actions: list[str] = field(default_factory=list)


def warning_href(warning_id: str) -> str:
    return f"/supervision/warnings/{warning_id}"


def warning_row(w: mpb.Warning) -> WarningRow:
    return WarningRow(
        w.warning_id, warning_href(w.warning_id), SEVERITY_WORDS.get(w.severity, "预警"),
        SEVERITY_CLASS.get(w.severity, ""), STATUS_WORDS.get(w.status, "状态未知"),
        w.status in ACTIVE, w.rule_title or w.rule, w.case_number,
        w.department or "未知", local_time(w.raised_at), w.explanation)


def allowed_actions(w: mpb.Warning) -> list[str]:
    """What a supervisor may do with the warning now (the service decides again)."""
    actions = []
    if w.status == mpb.WARNING_STATUS_CONTESTED:
        actions.append("uphold")
    if w.status in ACTIVE:
        actions.append("dismiss")
    if (w.severity == mpb.SEVERITY_RED and not w.accountability and w.status not in (
            mpb.WARNING_STATUS_CONTESTED, mpb.WARNING_STATUS_DISMISSED)):
        actions.append("hold_accountable")
    if w.accountability and not w.notice:
        actions.append("publish_notice")
    return actions


def warning_page(w: mpb.Warning) -> WarningPage:
    return WarningPage(
        warning_row(w), w.rule, w.subject,
        [(FACT_WORDS.get(k, k), v) for k, v in sorted(w.facts.items())], w.handler or "未指定",
        w.region, w.department_code,
        [HistoryRow(local_time(e.at), "监察平台" if e.by == "supervision" else e.by,
                    HISTORY_WORDS.get(e.action, e.action), SEVERITY_WORDS.get(e.severity, ""),
                    e.note) for e in w.history],
        w.accountability, w.accountable_by, w.notice, w.rectify_by,
        local_time(w.closed_at), allowed_actions(w))


def refusal_text(error: grpc.RpcError, action: str) -> str:
    """A refused action, in words for the supervisor."""
    detail = error_detail_of(error)
    code = detail.code if detail else ""
    status = error.code() if hasattr(error, "code") else None
    if code == "WARNING_NOT_RED":
        return "责任追究只适用于红牌预警。"
    if code == "NO_ACCOUNTABILITY":
        return "请先记录责任追究，再发布通报。"
    if code == "WARNING_ACTION_NOT_ALLOWED":
        return f"这条预警当前的状态不能{ACTIONS[action][0]}。请刷新页面查看最新状态。"
    if status is grpc.StatusCode.INVALID_ARGUMENT:
        fields = {v.field for v in detail.field_violations} if detail else set()
        if "rectify_by" in fields:
            return "整改期限应为今天以后的日期。"
        return "填写的内容不完整或过长，请检查后再提交。"
    if status is grpc.StatusCode.PERMISSION_DENIED:
        return "只有这条预警所在地区的监察人员可以这样处理。"
    if status is grpc.StatusCode.ALREADY_EXISTS or code == "IDEMPOTENCY_KEY_REUSED":
        return "这张表单已经提交过了。请刷新页面后重新填写。"
    raise error


class NotSupervisor(Exception):  # noqa: N818 - a page that explains
    def __init__(self, identity: Identity) -> None:
        super().__init__(identity.subject)
        self.identity = identity


def add_supervision_pages(app: FastAPI, render: Render, backend: HallBackend,
                          sessions: Sessions, minter: TokenMinter, *, poll_s: float,
                          page_error: Callable[[grpc.RpcError, str, str], Exception],
                          not_found: Callable[[str], Exception]) -> None:

    def supervisor(request: Request, draft: dict[str, str] | None = None) -> Identity:
        identity = sessions.require(request, draft=draft)
        if not identity.staff or not identity.has_role(*SUPERVISING_ROLES):
            raise NotSupervisor(identity)
        return identity

    @app.exception_handler(NotSupervisor)
    async def _not_supervisor(request: Request, error: NotSupervisor) -> HTMLResponse:
        return render(request, "supervision/not_allowed.html",
                      {"who": error.identity}, 403)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, error: SignInRequired) -> Any:
        if request.url.path.endswith(".json"):
            return JSONResponse({"code": "SESSION_EXPIRED" if error.expired else
                                 "SIGN_IN_REQUIRED", "message": "登录已过期，请重新登录。",
                                 "signin": error.location}, status_code=401)
        return RedirectResponse(error.location, status_code=303)

    def failed(error: grpc.RpcError, missing: str, what: str) -> Exception:
        return page_error(error, missing, what)

    def listing(identity: Identity, active_only: bool, severity: int, page_token: str
                ) -> mpb.ListWarningsResponse:
        try:
            return backend.warnings(minter.header(identity), active_only=active_only,
                                    severity=severity, page_size=PAGE_SIZE,
                                    page_token=page_token)
        except grpc.RpcError as error:
            raise failed(error, "没有找到预警。", "预警") from None

    def filters(show: str, severity: str) -> tuple[bool, int]:
        return (show != "all",
                {"yellow": mpb.SEVERITY_YELLOW, "red": mpb.SEVERITY_RED}.get(severity, 0))

    @app.get("/supervision", response_class=HTMLResponse)
    def dashboard(request: Request,
                  show: Annotated[str, Query(max_length=10)] = "active",
                  severity: Annotated[str, Query(max_length=10)] = "",
                  page: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
        identity = supervisor(request)
        active_only, wanted = filters(show, severity)
        token = page if PAGE_TOKEN.match(page) else ""
        found = listing(identity, active_only, wanted, token)
        rows = [warning_row(w) for w in found.warnings]
        query = {"show": "all" if not active_only else "active",
                 "severity": severity if wanted else ""}
        month = this_month(local_day())
        try:
            ranking = backend.evaluate(minter.header(identity), month)
            rankings: dict[str, Any] | None = {
                "rows": rank_rows(ranking), "count": ranking.row_count, "month": month,
                "notes": list(ranking.notes), "rank_by": ranking.rank_by}
        except grpc.RpcError as error:  # the warnings matter more than the rankings
            log.warning("evaluation unavailable: %s",
                        error.code().name if hasattr(error, "code") else error)
            rankings = None
        return render(request, "supervision/dashboard.html", {
            "rankings": rankings,
            "rows": rows, "total": found.total, "next_page": found.next_page_token,
            "first_page": not token, "show": query["show"], "severity": query["severity"],
            "poll_ms": int(poll_s * 1000), "query": query,
            "live_url": "/supervision/warnings.json?" + "&".join(
                f"{k}={v}" for k, v in query.items() if v)})

    @app.get("/supervision/rankings.{kind}", response_model=None)
    def rankings_export(request: Request, kind: str) -> Response:
        """The current month's department ranking as supervision draws it: its bar chart
        (SVG) or its table (CSV), through the hall (no CDN)."""
        identity = supervisor(request)
        formats = {"svg": mpb.EXPORT_FORMAT_SVG, "csv": mpb.EXPORT_FORMAT_CSV}
        if kind not in formats:
            raise not_found("没有这种格式的效能排名。")
        try:
            found = backend.export_evaluation(minter.header(identity), this_month(local_day()),
                                              formats[kind])
        except grpc.RpcError as error:
            raise failed(error, "没有找到效能评估。", "效能评估") from None
        headers = {"Cache-Control": "no-store"}
        if kind == "csv":
            name = re.sub(r"[^0-9A-Za-z._-]", "_", found.filename or "evaluation.csv")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(found.content, media_type=found.media_type or (
            "image/svg+xml" if kind == "svg" else "text/csv; charset=utf-8"), headers=headers)

    @app.get("/supervision/warnings.json")
    def live(request: Request,
             show: Annotated[str, Query(max_length=10)] = "active",
             severity: Annotated[str, Query(max_length=10)] = "") -> JSONResponse:
        """The newest page of warnings, each with its row rendered as on the page (the
        script puts the new ones on top and refreshes the others)."""
        identity = supervisor(request)
        active_only, wanted = filters(show, severity)
        found = listing(identity, active_only, wanted, "")
        row_template = app.state.templates.get_template("supervision/_row.html")
        return JSONResponse({"total": found.total, "warnings": [
            {"id": w.warning_id, "html": row_template.render(row=warning_row(w))}
            for w in found.warnings]}, headers={"Cache-Control": "no-store"})

    def show_warning(request: Request, identity: Identity, warning_id: str, *,
                     problem: str = "", action: str = "", values: dict[str, str] | None = None,
                     done: str = "", status: int = 200) -> HTMLResponse:
        missing = "没有找到这条预警，或它不在您的监察范围内。"
        if not WARNING_ID.match(warning_id):
            raise not_found(missing)
        try:
            found = backend.warning(minter.header(identity), warning_id)
        except grpc.RpcError as error:
            raise failed(error, missing, "预警") from None
        draft = sessions.take_draft(request, request.url.path)
        if draft and not values:
            action, values = draft.pop("_action", ""), draft
        return render(request, "supervision/warning.html", {
            "w": warning_page(found), "actions": ACTIONS, "problem": problem,
            "problem_action": action, "values": values or {}, "done": done,
            "done_words": ACTIONS.get(done, ("",))[0], "key": uuid.uuid4().hex,
            "restored": bool(draft)}, status)

    @app.get("/supervision/warnings/{warning_id}", response_class=HTMLResponse)
    def warning(request: Request, warning_id: str,
                done: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        identity = supervisor(request)
        return show_warning(request, identity, warning_id,
                            done=done if done in ACTIONS else "")

    @app.post("/supervision/warnings/{warning_id}/{action}", response_model=None)
    def act(request: Request, warning_id: str, action: str,
            fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
            ) -> HTMLResponse | RedirectResponse:
        identity = supervisor(request, draft={**fields, "_action": action})
        if action not in ACTIONS or not WARNING_ID.match(warning_id):
            raise not_found("没有这项操作。")
        names = [name for name, _, _ in ACTIONS[action][1]]
        values = {name: fields.get(name, "").strip() for name in names}
        empty = [label for name, label, _ in ACTIONS[action][1] if not values[name]]
        if empty:
            return show_warning(request, identity, warning_id, action=action, values=values,
                                problem=f"请填写{'、'.join(empty)}。", status=400)
        key = fields.get("key", "")[:128] or uuid.uuid4().hex
        try:
            backend.act_on_warning(minter.header(identity), warning_id, action, key, **values)
        except grpc.RpcError as error:
            try:
                text = refusal_text(error, action)
            except grpc.RpcError:
                raise failed(error, "没有找到这条预警。", "预警") from None
            return show_warning(request, identity, warning_id, action=action, values=values,
                                problem=text, status=409 if error.code() in (
                                    grpc.StatusCode.FAILED_PRECONDITION,
                                    grpc.StatusCode.ALREADY_EXISTS) else 400)
        log.info("supervisor %s: %s on %s", identity.subject, action, warning_id)
        return RedirectResponse(f"{warning_href(warning_id)}?done={action}", status_code=303)

    @app.get("/supervision/cases/{case_number}", response_class=HTMLResponse)
    def case_timeline(request: Request, case_number: str) -> HTMLResponse:
        identity = supervisor(request)
        missing = f"没有找到受理编号为 {case_number} 的办件，或它不在您的监察范围内。"
        if not CASE_NUMBER.match(case_number):
            raise not_found(missing)
        header = minter.header(identity)
        try:
            case = backend.case_as(header, case_number)
            entries = backend.trace(header, case_number)
            verdict = backend.verify_trace(header, case_number)
        except grpc.RpcError as error:
            raise failed(error, missing, "办件") from None
        try:
            warnings = [warning_row(w) for w in backend.warnings(
                header, case_number=case_number, page_size=200).warnings]
        except grpc.RpcError as error:  # the timeline matters more than its warnings
            log.warning("warnings of %s unavailable: %s", case_number,
                        error.code().name if hasattr(error, "code") else error)
            warnings = None
        timeline = [{
            "seq": e.seq, "at": local_time(e.at), "actor": e.actor or "系统",
            "role": e.role, "department": e.department,
            "action": EVENT_WORDS.get(e.action, e.action), "event": e.action,
            "opinion": e.opinion, "states": (e.state_before, e.state_after),
            "hash": e.hash, "broken": bool(verdict.broken_at and e.seq >= verdict.broken_at)}
            for e in entries]
        return render(request, "supervision/case.html", {
            "case": case, "timeline": timeline, "verdict": verdict, "warnings": warnings,
            "status": CASE_STATUSES.get(case.status, UNKNOWN_STATUS),
            "accepted_at": local_time(case.accepted_at)})
