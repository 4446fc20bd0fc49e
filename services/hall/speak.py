"""Speaking up (咨询 · 投诉 · 好差评) and open as it runs (动态公开).

``/items/{item_id}/ask`` asks the item's department a question (咨询): signed in as oneself,
or leaving a telephone number or e-mail address, then shown the consultation's number and
its query code once, which read the answer at ``/consultations``. ``/complain`` complains or
reports (投诉 / 举报) about a case (``?case_number=``) or a department (``?department_code=
&region=&department=``) to the body the person chooses, as supervision allows (a report never
to the department itself). ``/my/cases/{number}/rate`` rates a finished case of one's own
(好差评): the five levels of GB/T 39046 and the online channel's indicators, once per case
per channel within the rating window — supervision's refusal shown in its own Chinese words.
``/my/feedback`` lists one's consultations, complaints and ratings with their deadlines,
states and answers, each answer with the time it was given. Staff answer their department's
consultations at ``/workbench/consultations``.

``/open`` is the public page of cases as they run and their results with nothing personal
(supervision's ListOpenCases), each department's figures of a month (GetOpenStatistics) and the
catalogue's cleanup figures (CountItemStates); ``/open/cases.json`` the same cases as JSON.
Both count against the public reads' limit per client address, as the catalogue's pages do
(one too many: the 429 page, or for the feed a JSON ``{"code": "RATE_LIMITED", …}``).
Every form carries the session's CSRF token; every call goes through ``HallBackend``.
"""

# No `from __future__ import annotations`: FastAPI must see the routes' annotations evaluated.
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import grpc
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.monitoring.v1 import monitoring_pb2 as pb

from services.hall.backend import HallBackend
from services.hall.identity import Identity
from services.hall.sessions import Sessions
from services.hall.tokens import TokenMinter
from services.hall.views import local_time
from services.shared.grpc_errors import error_detail_of
from services.shared.rate_limits import RateLimit

log = logging.getLogger(__name__)
Render = Callable[..., HTMLResponse]

CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
ITEM_ID = re.compile(r"^[\w-]{1,100}$")
CONSULTATION_ID = re.compile(r"^[0-9A-Za-z-]{1,40}$")
QUERY_CODE = re.compile(r"^[0-9A-Za-z]{4,16}$")
PAGE_TOKEN = re.compile(r"^[A-Za-z0-9=_-]{0,100}$")
REGION = re.compile(r"^[0-9]{6}$")
DEPARTMENT_CODE = re.compile(r"^[0-9A-Z]{18}$")
MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
KEY = re.compile(r"^[0-9a-f]{32}$")
#: how late the public page may be: supervision applies each case event as its worker
#: receives it from the relay; this is the bound stated to readers, which holds while the
#: relay and the worker run (measured well under a second: tests/e2e/one_node/test_open_delay.py)
OPEN_DELAY_MINUTES = 5

LEVELS = ((1, "非常满意"), (2, "满意"), (3, "基本满意"), (4, "不满意"), (5, "非常不满意"))
#: GB/T 39046's indicators of a rating given online (the hall is the 政务服务网)
INDICATORS = (("overall", "总体满意度"), ("efficiency", "办事效率"),
              ("guide_accuracy", "办事指南准确性"), ("convenience", "办事便捷性"),
              ("usability", "系统易用性"))
ADDRESSEES = (("supervision", pb.ADDRESSEE_SUPERVISION, "监察机关"),
              ("openness", pb.ADDRESSEE_OPENNESS, "政务公开主管部门"),
              ("legal", pb.ADDRESSEE_LEGAL, "法制部门"),
              ("department", pb.ADDRESSEE_DEPARTMENT, "被投诉部门本身（仅限投诉）"))
KINDS = (("complaint", pb.COMPLAINT_KIND_COMPLAINT, "投诉（对服务的意见）"),
         ("report", pb.COMPLAINT_KIND_REPORT, "举报（不作为、乱作为等违法违纪行为）"))
CONSULTATION_STATES = {pb.CONSULTATION_STATUS_SUBMITTED: ("待答复", "running"),
                       pb.CONSULTATION_STATUS_ANSWERED: ("已答复", "done"),
                       pb.CONSULTATION_STATUS_WITHDRAWN: ("已撤回", "ended")}
COMPLAINT_STATES = {pb.COMPLAINT_STATUS_SUBMITTED: ("待受理", "running"),
                    pb.COMPLAINT_STATUS_HANDLING: ("办理中", "running"),
                    pb.COMPLAINT_STATUS_ANSWERED: ("已答复", "done"),
                    pb.COMPLAINT_STATUS_CLOSED: ("已办结", "done"),
                    pb.COMPLAINT_STATUS_REJECTED: ("不予受理", "ended"),
                    pb.COMPLAINT_STATUS_WITHDRAWN: ("已撤回", "ended")}
#: the case statuses of supervision's records, as the public page says them
OPEN_STATES = {"submitted": "待受理", "supplement": "补正中", "in_progress": "办理中",
               "decided": "已决定", "published": "结果已公开", "completed": "已办结",
               "rejected": "不予受理", "withdrawn": "申请人撤回", "lapsed": "逾期未补正，终止"}
STATE_WORDS = {cpb.ITEM_STATE_ACTIVE: "保留（在用）", cpb.ITEM_STATE_SUSPENDED: "暂停行使",
               cpb.ITEM_STATE_CANCELLED: "取消", cpb.ITEM_STATE_DELEGATED: "下放",
               cpb.ITEM_STATE_TRANSFERRED: "转移（交由市场或社会）",
               cpb.ITEM_STATE_MERGED: "合并", cpb.ITEM_STATE_FROZEN: "冻结"}
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_CONTACT = 100


@dataclass(frozen=True)
class Problem:
    """A refusal in words, tied to the field it is about (empty: the form as a whole)."""

    field: str
    message: str


@dataclass(frozen=True)
class FeedbackRow:
    kind: str           # 咨询 / 投诉 / 举报 / 评价
    anchor: str
    title: str
    about: str
    state: str
    state_class: str
    due: str            # deadline and days left, or ""
    answer: str
    at: str
    answered_at: str = ""  # when the answer was given (答复时间), "" while there is none


def _code(error: grpc.RpcError) -> grpc.StatusCode:
    return error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN


def refusal(error: grpc.RpcError, fields: tuple[str, ...]) -> Problem | None:
    """Supervision's refusal as a Problem (its own Chinese words, tied to the field it names
    when the form has it); None when it is not a refusal of what was asked."""
    if _code(error) not in (grpc.StatusCode.INVALID_ARGUMENT,
                            grpc.StatusCode.FAILED_PRECONDITION,
                            grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.NOT_FOUND,
                            grpc.StatusCode.PERMISSION_DENIED):
        return None
    detail = error_detail_of(error)
    if detail is None:
        return Problem("", "提交未被接受，请核对后重试。")
    field = ""
    message = detail.message
    for violation in detail.field_violations:
        name = violation.field.split(".")[0]
        if name in fields:
            # its own words, without the field's English name the message begins with
            field, message = name, violation.description or message
            break
    if detail.code == "INVALID_ARGUMENT" and detail.field_violations:
        message = "填写的内容不符合要求：" + "；".join(
            v.description for v in detail.field_violations[:3])
    return Problem(field, f"{message}（{detail.code}）" if detail.code else message)


def days_text(due_date: str, days_left: int | None, overdue: bool, waiting: bool) -> str:
    """The deadline as shown under its label (期限): the day, and while it is awaited the
    working days left or that it has passed (``days_left`` None: not counted here)."""
    if not due_date:
        return ""
    if waiting and overdue:
        return f"{due_date}，已超期"
    if waiting and days_left is not None:
        return f"{due_date}，还剩 {days_left} 个工作日"
    return due_date


def consultation_row(c: pb.Consultation) -> FeedbackRow:
    label, css = CONSULTATION_STATES.get(c.status, ("状态未知", "unknown"))
    waiting = c.status == pb.CONSULTATION_STATUS_SUBMITTED
    return FeedbackRow("咨询", f"c-{c.consultation_id}", c.title,
                       f"{c.item_name or c.item_id}（{c.department or '实施部门'}）", label, css,
                       days_text(c.due_date, c.days_left, c.overdue, waiting), c.answer,
                       local_time(c.submitted_at if c.HasField("submitted_at") else None),
                       _answered(c.answer, c, "answered_at"))


def complaint_row(c: pb.Complaint) -> FeedbackRow:
    label, css = COMPLAINT_STATES.get(c.status, ("状态未知", "unknown"))
    waiting = c.status in (pb.COMPLAINT_STATUS_SUBMITTED, pb.COMPLAINT_STATUS_HANDLING)
    about = f"办件 {c.case_number}" if c.case_number else (c.department or c.department_code)
    kind = "举报" if c.kind == pb.COMPLAINT_KIND_REPORT else "投诉"
    return FeedbackRow(kind, f"t-{c.complaint_id}", c.title, about, label, css,
                       days_text(c.due_date, None, c.overdue, waiting), c.answer,
                       local_time(c.submitted_at if c.HasField("submitted_at") else None),
                       _answered(c.answer, c, "answered_at"))


def rating_row(r: pb.Rating) -> FeedbackRow:
    level = dict(LEVELS).get(r.level, "未知")
    answer, answered_at = "", ""
    if r.HasField("rectification") and r.rectification.reply:
        answer = f"整改答复：{r.rectification.reply}"
        answered_at = _answered(answer, r.rectification, "completed_at")
    return FeedbackRow("评价", f"r-{r.rating_id}", level, f"办件 {r.case_number}（{r.item_name}）",
                       "已评价" if not r.excluded else "已撤销（申诉成立）", "done", "", answer,
                       local_time(r.rated_at if r.HasField("rated_at") else None), answered_at)


def _answered(answer: str, message: Any, field: str) -> str:
    """When an answer was given, in local time; 时间未知 when there is an answer whose time
    supervision did not state (unknown is said, never guessed), "" without an answer."""
    if not answer:
        return ""
    return local_time(getattr(message, field)) if message.HasField(field) else "时间未知"


def add_speak_pages(app: FastAPI, render: Render, backend: HallBackend, sessions: Sessions,
                    minter: TokenMinter, *,
                    page_error: Callable[[grpc.RpcError, str, str], Exception],
                    not_found: Callable[[str], Exception],
                    public_reads: RateLimit | None = None,
                    lookups: RateLimit | None = None,
                    throttle: Callable[[RateLimit, Request, str], None] | None = None) -> None:
    """``lookups``: the limit of the forms that take a number and a second factor (the case
    lookup's), here for the consultation lookup and for questions asked without signing in
    (each of those opens a consultation in a department's list)."""

    def limited(request: Request) -> None:
        """The public pages count against ``public_reads`` per client, as the catalogue's."""
        if public_reads is not None and throttle is not None:
            throttle(public_reads, request, "查询公开信息")

    def citizen(request: Request, draft: dict[str, str] | None = None) -> Identity:
        me = sessions.require(request, draft=draft)
        if me.staff:
            raise not_found("这个页面供群众和企业使用；工作人员请使用工作台。")
        return me

    def key_of(fields: dict[str, str]) -> str:
        given = fields.get("key", "")
        return given if KEY.match(given) else uuid.uuid4().hex

    # --- 咨询 ------------------------------------------------------------------------------
    def item_of(item_id: str) -> Any:
        missing = "这个事项不存在，或尚未公布。"
        if not ITEM_ID.match(item_id):
            raise not_found(missing)
        try:
            return backend.item_in_force(item_id)
        except grpc.RpcError as error:
            raise page_error(error, missing, "事项") from None

    def ask_form(request: Request, item: Any, values: dict[str, str],
                 problem: Problem | None = None, status: int = 200) -> HTMLResponse:
        return render(request, "speak/ask.html", {
            "item": item, "values": values, "problem": problem,
            "signed_in": sessions.identity(request) is not None,
            "form_key": values.get("key") or uuid.uuid4().hex}, status)

    @app.get("/items/{item_id}/ask", response_class=HTMLResponse)
    def ask_page(request: Request, item_id: str) -> HTMLResponse:
        return ask_form(request, item_of(item_id), {})

    @app.post("/items/{item_id}/ask", response_class=HTMLResponse, response_model=None)
    def ask_posted(request: Request, item_id: str,
                   fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                   ) -> HTMLResponse | RedirectResponse:
        me = sessions.identity(request)
        if me is None and lookups is not None and throttle is not None:
            throttle(lookups, request, "不登录提问")
        item = item_of(item_id)
        person = me if me is not None and not me.staff else None
        values = {k: fields.get(k, "").strip() for k in ("title", "question", "contact")}
        values["key"] = key_of(fields)
        problem = None
        if not values["title"] or len(values["title"]) > MAX_TITLE:
            problem = Problem("title", f"请填写咨询主题（最多 {MAX_TITLE} 个字）。")
        elif not values["question"] or len(values["question"]) > MAX_TEXT:
            problem = Problem("question", f"请填写咨询内容（最多 {MAX_TEXT} 个字）。")
        elif person is None and not values["contact"]:
            problem = Problem("contact", "未登录咨询，请留下联系电话或电子邮箱，以便答复。")
        elif len(values["contact"]) > MAX_CONTACT:
            problem = Problem("contact", f"联系方式最多 {MAX_CONTACT} 个字。")
        if problem:
            return ask_form(request, item, values, problem, 400)
        try:
            asked = backend.ask(minter.header(person) if person else None,
                                pb.AskConsultationRequest(
                                    idempotency_key=values["key"], item_id=item_id,
                                    title=values["title"], question=values["question"],
                                    contact=values["contact"]))
        except grpc.RpcError as error:
            found = refusal(error, ("title", "question", "contact"))
            if found is None:
                raise page_error(error, "这个事项不存在，或尚未公布。", "咨询") from None
            return ask_form(request, item, values, found, 400)
        if person is not None:
            return RedirectResponse(f"/my/feedback?done=asked#c-{asked.consultation_id}",
                                    status_code=303)
        return render(request, "speak/asked.html", {"c": asked, "row": consultation_row(asked)})

    @app.get("/consultations", response_class=HTMLResponse)
    def consultation_lookup(request: Request) -> HTMLResponse:
        return render(request, "speak/lookup.html", {"values": {}, "problem": None,
                                                     "found": None})

    @app.post("/consultations", response_class=HTMLResponse)
    def consultation_lookup_posted(
            request: Request, fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
    ) -> HTMLResponse:
        if lookups is not None and throttle is not None:
            throttle(lookups, request, "查询咨询")
        values = {"consultation_id": fields.get("consultation_id", "").strip()[:40],
                  "query_code": fields.get("query_code", "").strip()[:16]}
        problem = None
        if not CONSULTATION_ID.match(values["consultation_id"]):
            problem = Problem("consultation_id", "请填写咨询编号（字母、数字和连字符）。")
        elif not QUERY_CODE.match(values["query_code"]):
            problem = Problem("query_code", "请填写提交咨询时显示的 8 位查询码。")
        if problem is None:
            try:
                found = backend.consultation(values["consultation_id"], values["query_code"])
                return render(request, "speak/lookup.html", {
                    "values": values, "problem": None, "found": consultation_row(found),
                    "c": found})
            except grpc.RpcError as error:
                if _code(error) not in (grpc.StatusCode.NOT_FOUND,
                                        grpc.StatusCode.INVALID_ARGUMENT):
                    raise page_error(error, "", "咨询") from None
                problem = Problem("", "没有找到与咨询编号和查询码相符的咨询，请核对后重试。")
        return render(request, "speak/lookup.html", {"values": values, "problem": problem,
                                                     "found": None}, 400 if problem.field
                      else 404)

    # --- 投诉 / 举报 -------------------------------------------------------------------------
    def complain_form(request: Request, target: dict[str, str], values: dict[str, str],
                      problem: Problem | None = None, status: int = 200) -> HTMLResponse:
        return render(request, "speak/complain.html", {
            "target": target, "values": values, "problem": problem,
            "addressees": ADDRESSEES, "kinds": KINDS,
            "form_key": values.get("key") or uuid.uuid4().hex}, status)

    def target_of(params: dict[str, str]) -> dict[str, str]:
        number = params.get("case_number", "").strip()
        if number:
            if not CASE_NUMBER.match(number):
                raise not_found("受理编号只包含数字和字母，请核对。")
            return {"case_number": number}
        code = params.get("department_code", "").strip().upper()
        region = params.get("region", "").strip()
        if not DEPARTMENT_CODE.match(code) or not REGION.match(region):
            raise not_found("请从办件页面或事项的办事指南进入投诉，以便确定被投诉的办件或部门。")
        return {"department_code": code, "region": region,
                "department": params.get("department", "").strip()[:200]}

    @app.get("/complain", response_class=HTMLResponse)
    def complain_page(request: Request,
                      case_number: Annotated[str, Query(max_length=60)] = "",
                      department_code: Annotated[str, Query(max_length=30)] = "",
                      region: Annotated[str, Query(max_length=10)] = "",
                      department: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
        citizen(request)
        target = target_of({"case_number": case_number, "department_code": department_code,
                            "region": region, "department": department})
        return complain_form(request, target, {"kind": "complaint",
                                               "addressee": "supervision"})

    @app.post("/complain", response_class=HTMLResponse, response_model=None)
    def complain_posted(request: Request,
                        fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                        ) -> HTMLResponse | RedirectResponse:
        me = citizen(request, draft=fields)
        target = target_of(fields)
        values = {k: fields.get(k, "").strip() for k in ("kind", "addressee", "title",
                                                         "content", "contact")}
        values["key"] = key_of(fields)
        kinds = {k: v for k, v, _ in KINDS}
        bodies = {k: v for k, v, _ in ADDRESSEES}
        problem = None
        if values["kind"] not in kinds:
            problem = Problem("kind", "请选择投诉或举报。")
        elif values["addressee"] not in bodies:
            problem = Problem("addressee", "请选择受理机关。")
        elif not values["title"] or len(values["title"]) > MAX_TITLE:
            problem = Problem("title", f"请填写标题（最多 {MAX_TITLE} 个字）。")
        elif not values["content"] or len(values["content"]) > MAX_TEXT:
            problem = Problem("content", f"请填写具体内容（最多 {MAX_TEXT} 个字）。")
        elif len(values["contact"]) > MAX_CONTACT:
            problem = Problem("contact", f"联系方式最多 {MAX_CONTACT} 个字。")
        if problem:
            return complain_form(request, target, values, problem, 400)
        request_ = pb.SubmitComplaintRequest(
            idempotency_key=values["key"], kind=kinds[values["kind"]],
            addressee=bodies[values["addressee"]],
            subject=pb.COMPLAINT_SUBJECT_CASE if "case_number" in target
            else pb.COMPLAINT_SUBJECT_DEPARTMENT,
            title=values["title"], content=values["content"], contact=values["contact"],
            **target)
        try:
            done = backend.complain(minter.header(me), request_)
        except grpc.RpcError as error:
            found = refusal(error, ("kind", "addressee", "title", "content", "contact"))
            if found is None:
                raise page_error(error, "没有找到被投诉的办件。", "投诉") from None
            return complain_form(request, target, values, found, 400)
        return RedirectResponse(f"/my/feedback?done=complained#t-{done.complaint_id}",
                                status_code=303)

    # --- 好差评 --------------------------------------------------------------------------------
    def rate_form(request: Request, number: str, values: dict[str, str],
                  problem: Problem | None = None, status: int = 200,
                  rated: list[pb.Rating] | None = None) -> HTMLResponse:
        return render(request, "speak/rate.html", {
            "number": number, "values": values, "problem": problem, "levels": LEVELS,
            "indicators": INDICATORS, "rated": rated or [],
            "form_key": values.get("key") or uuid.uuid4().hex}, status)

    @app.get("/my/cases/{case_number}/rate", response_class=HTMLResponse)
    def rate_page(request: Request, case_number: str) -> HTMLResponse:
        me = citizen(request)
        if not CASE_NUMBER.match(case_number):
            raise not_found("受理编号只包含数字和字母，请核对。")
        rated: list[pb.Rating] = []
        try:
            rated = [r for r in backend.ratings(minter.header(me), case_number).ratings
                     if r.channel == pb.RATING_CHANNEL_ONLINE]
        except grpc.RpcError as error:
            log.warning("ratings of %s unavailable: %s", case_number, _code(error).name)
        return rate_form(request, case_number, {}, rated=rated)

    @app.post("/my/cases/{case_number}/rate", response_class=HTMLResponse,
              response_model=None)
    def rate_posted(request: Request, case_number: str,
                    fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                    ) -> HTMLResponse | RedirectResponse:
        me = citizen(request, draft=fields)
        if not CASE_NUMBER.match(case_number):
            raise not_found("受理编号只包含数字和字母，请核对。")
        values = {k: v.strip() for k, v in fields.items()}
        values["key"] = key_of(fields)
        levels = {str(n) for n, _ in LEVELS}
        problem = None
        if values.get("level", "") not in levels:
            problem = Problem("level", "请选择满意程度（非常满意至非常不满意五个等级之一）。")
        indicators: dict[str, int] = {}
        for name, words in INDICATORS:
            given = values.get(f"indicator_{name}", "")
            if given and given not in levels and problem is None:
                problem = Problem(f"indicator_{name}", f"“{words}”请选择五个等级之一。")
            elif given:
                indicators[name] = int(given)
        comment = values.get("comment", "")
        if problem is None and len(comment) > 2000:
            problem = Problem("comment", "意见最多 2000 个字。")
        if problem is None and values["level"] in ("4", "5") and not comment:
            problem = Problem("comment", "差评（不满意、非常不满意）请写明原因，以便整改。")
        if problem:
            return rate_form(request, case_number, values, problem, 400)
        try:
            backend.rate(minter.header(me), pb.RateCaseRequest(
                idempotency_key=values["key"], case_number=case_number,
                channel=pb.RATING_CHANNEL_ONLINE, level=int(values["level"]),
                indicators=indicators, comment=comment))
        except grpc.RpcError as error:
            found = refusal(error, ("level", "comment"))
            if found is None:
                raise page_error(error, "没有找到您作为申请人的这个办件。", "评价") from None
            return rate_form(request, case_number, values, found,
                             409 if _code(error) in (grpc.StatusCode.ALREADY_EXISTS,
                                                     grpc.StatusCode.FAILED_PRECONDITION)
                             else 400)
        return RedirectResponse(f"/my/feedback?done=rated#r-{case_number}-online",
                                status_code=303)

    # --- 我的咨询投诉评价 -----------------------------------------------------------------------
    @app.get("/my/feedback", response_class=HTMLResponse)
    def my_feedback(request: Request,
                    done: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        me = citizen(request)
        token = minter.header(me)
        sections: dict[str, list[FeedbackRow] | None] = {}
        totals: dict[str, int] = {}
        for name, call, rows, row in (
                ("consultations", lambda: backend.consultations(token), "consultations",
                 consultation_row),
                ("complaints", lambda: backend.complaints(token), "complaints", complaint_row),
                ("ratings", lambda: backend.ratings(token), "ratings", rating_row)):
            try:
                answer = call()
                sections[name] = [row(x) for x in getattr(answer, rows)]
                totals[name] = answer.total
            except grpc.RpcError as error:  # the page still shows the other lists
                log.warning("%s unavailable: %s", name, _code(error).name)
                sections[name] = None
        return render(request, "speak/my_feedback.html", {
            "sections": sections, "totals": totals,
            "done": done if done in ("asked", "complained", "rated") else ""})

    # --- the workbench: answering consultations ------------------------------------------------
    def staff(request: Request, draft: dict[str, str] | None = None) -> Identity:
        me = sessions.require(request, draft=draft)
        if not me.staff:
            raise not_found("这个页面供工作人员使用。")
        return me

    def answers_page(request: Request, me: Identity, problem: Problem | None = None,
                     values: dict[str, str] | None = None, status: int = 200,
                     done: str = "") -> HTMLResponse:
        try:
            found = backend.consultations(minter.header(me), waiting_only=True)
        except grpc.RpcError as error:
            raise page_error(error, "没有找到咨询。", "咨询") from None
        return render(request, "speak/workbench.html", {
            "consultations": list(found.consultations), "total": found.total,
            "rows": {c.consultation_id: consultation_row(c) for c in found.consultations},
            "problem": problem, "values": values or {}, "done": done,
            "keys": {c.consultation_id: uuid.uuid4().hex for c in found.consultations}},
            status)

    @app.get("/workbench/consultations", response_class=HTMLResponse)
    def workbench_consultations(request: Request,
                                done: Annotated[str, Query(max_length=60)] = ""
                                ) -> HTMLResponse:
        me = staff(request)
        return answers_page(request, me, done=done if CONSULTATION_ID.match(done) else "")

    @app.post("/workbench/consultations/{consultation_id}/answer",
              response_class=HTMLResponse, response_model=None)
    def answer_posted(request: Request, consultation_id: str,
                      fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                      ) -> HTMLResponse | RedirectResponse:
        me = staff(request, draft=fields)
        if not CONSULTATION_ID.match(consultation_id):
            raise not_found("没有找到这项咨询。")
        answer = fields.get("answer", "").strip()
        values = {"id": consultation_id, "answer": answer}
        if not answer or len(answer) > MAX_TEXT:
            return answers_page(request, me, Problem(
                f"answer-{consultation_id}", f"请填写答复（最多 {MAX_TEXT} 个字）。"), values, 400)
        try:
            backend.answer_consultation(minter.header(me), consultation_id, key_of(fields),
                                        answer)
        except grpc.RpcError as error:
            found = refusal(error, ())
            if found is None:
                raise page_error(error, "没有找到这项咨询。", "咨询") from None
            return answers_page(request, me, Problem(f"answer-{consultation_id}",
                                                     found.message), values, 409)
        return RedirectResponse(f"/workbench/consultations?done={consultation_id}",
                                status_code=303)

    # --- 动态公开 -------------------------------------------------------------------------------
    def open_cases(finished: bool, page: str) -> pb.ListOpenCasesResponse:
        token = page if PAGE_TOKEN.match(page) else ""
        try:
            return backend.open_cases(finished=finished, page_token=token)
        except grpc.RpcError as error:
            raise page_error(error, "没有找到。", "公开信息") from None

    def open_case_view(c: pb.OpenCase) -> dict[str, Any]:
        return {"case_number": c.case_number, "item_name": c.item_name or "（事项名称未知）",
                "item_id": c.item_id, "department": c.department or "（部门未知）",
                "state": OPEN_STATES.get(c.status, "状态未知"),
                "progress": f"{c.steps_completed}/{c.step_count}" if c.step_count else "",
                "accepted_on": c.accepted_on, "due_date": c.due_date,
                "finished_on": c.finished_on,
                "updated_at": local_time(c.updated_at if c.HasField("updated_at") else None)}

    @app.get("/open", response_class=HTMLResponse)
    def open_page(request: Request,
                  finished: Annotated[str, Query(max_length=5)] = "",
                  page: Annotated[str, Query(max_length=120)] = "",
                  month: Annotated[str, Query(max_length=7)] = "") -> HTMLResponse:
        limited(request)
        done = finished == "1"
        cases = open_cases(done, page)
        stats = None
        try:
            stats = backend.open_statistics(month if MONTH.match(month) else "")
        except grpc.RpcError as error:
            log.warning("open statistics unavailable: %s", _code(error).name)
        states = None
        if stats is not None:
            try:
                states = backend.item_states(stats.region)
            except grpc.RpcError as error:
                log.warning("catalogue figures unavailable: %s", _code(error).name)
        as_of = local_time(cases.as_of if cases.HasField("as_of") else None)
        return render(request, "speak/open.html", {
            "finished": done, "cases": [open_case_view(c) for c in cases.cases],
            "total": cases.total, "as_of": as_of, "delay": OPEN_DELAY_MINUTES,
            "next_href": "/open?" + urlencode({"finished": "1" if done else "",
                                               "page": cases.next_page_token})
            if cases.next_page_token else "",
            "first_href": ("/open?finished=1" if done else "/open") if page else "",
            "stats": stats, "pct": lambda x: f"{x:.1%}",
            "states": [(STATE_WORDS.get(c.state, "其他"), c.items) for c in states.counts]
            if states is not None else None, "states_total": states.total if states else 0})

    @app.get("/open/cases.json")
    def open_feed(request: Request, finished: Annotated[str, Query(max_length=5)] = "",
                  page: Annotated[str, Query(max_length=120)] = "") -> JSONResponse:
        if public_reads is not None:  # a feed is read by programs: the refusal in JSON
            wait = public_reads.hit(request.client.host if request.client else "unknown")
            if wait is not None:
                return JSONResponse({"code": "RATE_LIMITED", "message":
                                     f"请求过于频繁，请在 {wait} 秒后再试。",
                                     "retry_after": wait}, status_code=429,
                                    headers={"Retry-After": str(wait)})
        cases = open_cases(finished == "1", page)
        return JSONResponse({
            "delay_minutes": OPEN_DELAY_MINUTES,
            "as_of": cases.as_of.ToJsonString() if cases.HasField("as_of") else None,
            "total": cases.total, "next_page": cases.next_page_token or None,
            "cases": [{**{k: v for k, v in open_case_view(c).items()
                          if k not in ("updated_at", "state")},
                       "status": c.status, "state": OPEN_STATES.get(c.status, "状态未知"),
                       "updated_at": c.updated_at.ToJsonString()} for c in cases.cases]})
