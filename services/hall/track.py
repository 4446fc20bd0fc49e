"""Following a case (办件查询): "现在办到了哪一步，下面要办哪一步，还有多长时间可以办完".

``/cases`` looks a case up without signing in: its number and a second factor printed on the
receipt — the applicant's name (exactly) or the query code (查询码) — posted with the form
(never in an address, which browsers and logs keep); the case service compares them
(LookupCase) and answers a wrong factor exactly as a number never given. Lookups count
against the ``case_lookup`` limit per client address. ``/cases/{number}`` sends the person
signed in to their own page of it, anyone else to the lookup form.

``/my/cases`` lists the cases of the person or enterprise signed in (as applicant or as
agent, ListMyCases), each with its current step and days left; ``/my/cases/{number}`` is one
of them: where it stands with its legal clock (stopped since when and why), who holds it now
(the department and position, and whether someone has claimed it — never a name), the
missing materials to supply (补正) from the same page, withdrawing it (撤回) before a
decision, its documents (受理通知书, 补正通知书, the decision …) to download, and who among the
staff read its file, when and why (查阅记录). The case service decides all of it for the
person's own token: another person's case is "not found".

Supplying materials (``…/supplement``) takes, for each material asked for, its electronic file
(checked as an application's uploads are: by content, within the size limits, the same refusals
in the same words, tied to the file's field) and the originals and copies handed in; the files
go to the storage port and join the material by their digests in ReceiveSupplement, as an
application's do in SubmitApplication — staff then open them from the workbench like the
application's own files. A form posted after the sign-in ended is kept (without its files, which
are chosen again) and offered again after signing in.
"""

# No `from __future__ import annotations`: FastAPI must see the routes' annotations evaluated
# (``Depends(sessions.posted_form)`` names the closure's session object).
import logging
import re
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import grpc
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from sunlight.cases.v1 import cases_pb2

from services.hall.backend import HallBackend
from services.hall.enforcement import party_rights
from services.hall.identity import Identity
from services.hall.nodes import HoldingNode
from services.hall.sessions import Sessions
from services.hall.storage import (
    MEDIA_TYPES,
    FileRefused,
    FileStore,
    Limits,
    StoreUnavailable,
    check_upload,
)
from services.hall.tokens import TokenMinter
from services.hall.views import (
    CASE_STATUSES,
    UNKNOWN_STATUS,
    case_view,
    days_left_text,
    decided,
    department_label,
    local_time,
    unnamed_materials,
    verdict_text,
)
from services.shared.grpc_errors import error_detail_of
from services.shared.rate_limits import RateLimit

log = logging.getLogger(__name__)
Render = Callable[..., HTMLResponse]

CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
QUERY_CODE = re.compile(r"^[0-9A-Za-z]{4,16}$")
DOCUMENT_ID = re.compile(r"^d[0-9]{1,9}(-[0-9]{1,3})?$")
PAGE_TOKEN = re.compile(r"^[A-Za-z0-9=_-]{0,100}$")
MAX_NAME = 100
MAX_REASON = 500
MAX_COUNT = 99
#: files one supplement form takes at most (one per material asked for)
MAX_SUPPLY_FILES = 20
LOOKUP_NOT_FOUND = ("没有找到与受理编号和申请人姓名（或查询码）相符的办件。请核对回执上的受理编号，"
                    "并填写申请时的申请人姓名（须完全一致），或回执上的查询码。")

#: the positions (岗位) of flows, as people call them; an unknown one is "承办岗位"
POSITION_NAMES = {
    "clerk": "经办人员", "window_clerk": "综合窗口", "reviewer": "审核人员",
    "section_chief": "科（股）室负责人", "chief": "科（股）室负责人", "leader": "分管负责人",
    "head": "单位主要负责人", "inspector": "执法人员", "legal_reviewer": "法制审核人员",
}
#: the calls of the case service, as the access log names them to people
CALL_NAMES = {"GetCase": "查看办件", "GetTrace": "查看办理痕迹", "VerifyTrace": "核验办理痕迹",
              "ListDocuments": "查看文书目录", "GetDocument": "下载文书",
              "VerifyDocument": "核验文书", "LookupCase": "办件查询"}
#: roles as people call them (the access log's "who")
ROLE_NAMES = {"clerk": "部门工作人员", "window_clerk": "综合窗口工作人员",
              "supervisor": "监察人员", "admin": "系统管理员",
              "department_system": "部门业务系统", "supervision_service": "电子监察系统",
              "service": "平台服务"}


def position_name(role: str) -> str:
    return POSITION_NAMES.get(role, "承办岗位")


@dataclass(frozen=True)
class HolderView:
    """Who holds a running step now: its department and position, claimed or not."""

    step: str
    department: str
    position: str
    claimed: bool


@dataclass(frozen=True)
class MyCaseRow:
    case_number: str
    item_name: str
    status_label: str
    status_class: str
    current: str        # the running step(s), or what the status says
    left: str           # days left of the promised limit, or why none
    submitted_at: str
    agent: bool         # applied for through an agent, or by them as agent


@dataclass(frozen=True)
class AccessView:
    at: str
    who: str
    department: str
    what: str
    purpose: str


@dataclass(frozen=True)
class DocumentView:
    document_id: str
    title: str
    number: str
    issued_at: str


@dataclass(frozen=True)
class SupplyView:
    """A missing material the applicant may declare handed in."""

    key: str
    name: str
    #: what the form proposes: as many originals and copies as the item asks for
    originals: int = 1
    copies: int = 0


def holders(case: cases_pb2.Case) -> tuple[HolderView, ...]:
    return tuple(HolderView(
        step.name, department_label(step.department or case.department,
                                    step.department_code or case.department_code),
        position_name(step.role), step.claimed)
        for step in case.steps if step.status == cases_pb2.STEP_STATUS_ACTIVE)


def my_case_row(case: cases_pb2.Case, today: date, me: str) -> MyCaseRow:
    label, css, _ = CASE_STATUSES.get(case.status, UNKNOWN_STATUS)
    running = [s.name for s in case.steps if s.status == cases_pb2.STEP_STATUS_ACTIVE]
    if decided(case) and case.HasField("promised") and case.promised.due_date:
        left = verdict_text(case.promised)  # as the case page says it, no days left
    elif decided(case):
        left = "—"
    elif case.clock.stopped:
        left = "计时暂停"
    elif case.HasField("promised") and case.promised.due_date:
        left = days_left_text(case.promised.left, case.promised.unit, case.promised.due_date,
                              today)
    else:
        left = "—"
    agent = case.HasField("agent") and bool(case.agent.id_number)
    return MyCaseRow(case.case_number, case.item_name, label, css,
                     "、".join(running) if running else label, left,
                     local_time(case.submitted_at if case.HasField("submitted_at") else None),
                     agent and case.applicant.id_number != me)


def access_view(entry: cases_pb2.CaseAccess) -> AccessView:
    roles = [ROLE_NAMES.get(r, r) for r in entry.roles.split(",") if r]
    who = entry.name or entry.subject
    if roles:
        who = f"{who}（{'、'.join(roles)}）"
    # a material file's download says so (the audit's view); other reads by their call
    call = "下载申请材料" if entry.view == "material" else CALL_NAMES.get(entry.call, entry.call)
    return AccessView(local_time(entry.at), who,
                      department_label(entry.department, entry.department_code)
                      if entry.department or entry.department_code else "—",
                      call, "" if entry.purpose == entry.call else entry.purpose)


def supplies(case: cases_pb2.Case, names: dict[str, str],
             needs: dict[str, tuple[str, int, int]] | None = None) -> tuple[SupplyView, ...]:
    """The materials the open supplement request asks for, by key and name, each proposing
    the originals and copies the item asks for (``needs``, when the catalogue said)."""
    if case.status != cases_pb2.CASE_STATUS_SUPPLEMENT:
        return ()
    request = next((r for r in reversed(case.supplements) if not r.HasField("received_at")),
                   None)
    if request is None:
        return ()
    views = []
    for k in request.missing:
        _, originals, copies = (needs or {}).get(k, ("", 1, 0))
        if not originals and not copies:
            originals = 1
        views.append(SupplyView(k, names.get(k, k), originals, copies))
    return tuple(views)


@dataclass(frozen=True)
class SupplyProblem:
    """What stops a supplement, in words, tied to the form's field (its input's id) and,
    for a refused file, the storage's stable code."""

    message: str
    field: str = ""
    code: str = ""


def supplied_materials(fields: dict[str, str], wanted: tuple[SupplyView, ...],
                       files: dict[str, tuple[str, bytes]] | None = None,
                       limits: Limits | None = None, already: int = 0
                       ) -> tuple[list[cases_pb2.MaterialGiven], list[bytes],
                                  SupplyProblem | None]:
    """The materials the form hands in — each ticked, or with a file chosen (``files``, by
    material key: its name and bytes) — with their accepted files and those files' bytes
    (to store), or what is wrong. A file is checked as an application's upload is
    (``check_upload``: by content, within ``limits``; ``already`` the bytes the case's files
    take); a material needs a file or originals or copies."""
    files, limits = files or {}, limits or Limits()
    given, kept, total = [], [], already
    for supply in wanted:
        chosen = files.get(supply.key)
        if fields.get(f"give_{supply.key}") != "1" and chosen is None:
            continue
        counts = []
        for kind in ("originals", "copies"):
            text = fields.get(f"{kind}_{supply.key}", "0").strip() or "0"
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
                return [], [], SupplyProblem(
                    f"“{supply.name}”的份数应为 0 到 {MAX_COUNT} 之间的整数。",
                    f"{'o' if kind == 'originals' else 'c'}-{supply.key}")
            counts.append(int(text))
        material = cases_pb2.MaterialGiven(key=supply.key, originals=counts[0],
                                           copies=counts[1])
        if chosen is not None:
            try:
                accepted = check_upload(chosen[1], chosen[0], limits, total)
            except FileRefused as refused:
                return [], [], SupplyProblem(f"“{supply.name}”：{refused.message}",
                                             f"file-{supply.key}", refused.code)
            total += accepted.size
            material.files.add(sha256=accepted.sha256, name=accepted.name,
                               media_type=accepted.media_type, size=accepted.size)
            kept.append(chosen[1])
        elif not any(counts):
            return [], [], SupplyProblem(f"请为“{supply.name}”选择电子文件，或填写提交的原件或"
                                         "复印件份数。", f"file-{supply.key}")
        given.append(material)
    if not given:
        return [], [], SupplyProblem("请至少勾选一项已补齐的材料，或为它选择电子文件。",
                                     f"give-{wanted[0].key}" if wanted else "")
    return given, kept, None


def node_unavailable(node: HoldingNode) -> str:
    """What a citizen reads when the node that holds their case does not answer."""
    return (f"这个办件由{node.shown}办理，该地的政务服务系统暂时无法连接，未能查到办件进度。"
            "请稍后再试，或直接到该地政务服务大厅查询。")


def _code(error: grpc.RpcError) -> grpc.StatusCode:
    return error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN


class StaffOnApplicantPage(Exception):  # noqa: N818 - a refusal, shown as a page
    """A member of staff on an applicant's own page (我的办件)."""

    def __init__(self, identity: Identity) -> None:
        super().__init__(identity.subject)
        self.identity = identity


def add_track_pages(app: FastAPI, render: Render, backend: HallBackend, sessions: Sessions,
                    minter: TokenMinter, *, case_lookups: RateLimit,
                    throttle: Callable[[RateLimit, Request, str], None],
                    page_error: Callable[[grpc.RpcError, str, str], Exception],
                    not_found: Callable[[str], Exception],
                    today: Callable[[], date], files: FileStore | None = None,
                    limits: Limits | None = None) -> None:
    limits = limits or Limits()

    def person(request: Request, draft: dict[str, str] | None = None) -> Identity:
        """The signed-in applicant (a person or an enterprise); staff are refused every
        page under /my/cases (403): they act on cases at the workbench, under its checks."""
        me = sessions.require(request, draft=draft)
        if me.staff:
            raise StaffOnApplicantPage(me)
        return me

    @app.exception_handler(StaffOnApplicantPage)
    async def _staff(request: Request, error: StaffOnApplicantPage) -> HTMLResponse:
        return render(request, "track/staff.html", {}, 403)

    def names_of(case: cases_pb2.Case) -> dict[str, str]:
        wanted = unnamed_materials(case) | {k for r in case.supplements for k in r.missing}
        if not wanted:
            return {}
        try:
            return backend.material_names(case.item_id, case.item_version)
        except grpc.RpcError as error:
            log.warning("materials of item %s v%s unavailable: %s", case.item_id,
                        case.item_version, _code(error).name)
            return {}

    def needs_of(case: cases_pb2.Case) -> dict[str, tuple[str, int, int]]:
        """What the item asks of each material a supplement request names (the form
        proposes it: a licence asked as one copy is not declared as one original)."""
        if case.status != cases_pb2.CASE_STATUS_SUPPLEMENT:
            return {}
        try:
            return backend.material_needs(case.item_id, case.item_version)
        except grpc.RpcError as error:
            log.warning("materials of item %s v%s unavailable: %s", case.item_id,
                        case.item_version, _code(error).name)
            return {}

    # --- without signing in -----------------------------------------------------------------
    def lookup_form(request: Request, fields: dict[str, str], errors: dict[str, str],
                    problem: str = "", status: int = 200) -> HTMLResponse:
        return render(request, "track/lookup.html", {
            "fields": fields, "errors": errors, "problem": problem}, status)

    @app.get("/cases", response_class=HTMLResponse, name="case_lookup")
    def case_lookup(request: Request,
                    case_number: Annotated[str, Query(max_length=200)] = ""
                    ) -> HTMLResponse:
        number = case_number.strip()
        errors = {}
        if number and not CASE_NUMBER.match(number):
            errors["case_number"] = "受理编号只包含数字和字母，请核对回执上的编号。"
        return lookup_form(request, {"case_number": number[:50]}, errors,
                           status=400 if errors else 200)

    @app.post("/cases", response_class=HTMLResponse)
    def case_lookup_posted(request: Request,
                           fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                           ) -> HTMLResponse:
        throttle(case_lookups, request, "查询办件")
        number = fields.get("case_number", "").strip()
        name = fields.get("applicant_name", "").strip()
        code = fields.get("query_code", "").strip().replace(" ", "")
        shown = {"case_number": number[:50], "applicant_name": name[:MAX_NAME],
                 "query_code": code[:16]}
        errors = {}
        if not CASE_NUMBER.match(number):
            errors["case_number"] = "请填写受理回执上的受理编号（只包含数字和字母）。"
        if code and not QUERY_CODE.match(code):
            errors["query_code"] = "查询码为回执上的 8 位字母和数字。"
        elif name and (len(name) > MAX_NAME or any(ord(c) < 32 for c in name)):
            errors["applicant_name"] = f"申请人姓名最多 {MAX_NAME} 个字。"
        elif not code and not name:
            errors["applicant_name"] = "请填写申请人姓名，或在下面填写查询码（二者填一项即可）。"
        if errors:
            return lookup_form(request, shown, errors, status=400)
        held = backend.held_elsewhere(number)
        try:
            found = backend.lookup_case(number, query_code=code, applicant_name=name)
        except grpc.RpcError as error:
            if _code(error) in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT,
                                grpc.StatusCode.PERMISSION_DENIED):
                if held is not None and _code(error) is grpc.StatusCode.PERMISSION_DENIED:
                    # to the citizen as any unknown number; to the operator, a federation
                    # that refuses (the registry, an assertion) and must be looked at
                    log.warning("case %s: node %s refused the lookup: %s", number[:50],
                                held.region, error.details() if hasattr(error, "details")
                                else error)
                return lookup_form(request, shown, {}, LOOKUP_NOT_FOUND, 404)
            if held is not None and _code(error) in (grpc.StatusCode.UNAVAILABLE,
                                                     grpc.StatusCode.DEADLINE_EXCEEDED):
                log.warning("case %s: node %s did not answer", number[:50], held.region)
                return lookup_form(request, shown, {}, node_unavailable(held), 503)
            raise page_error(error, LOOKUP_NOT_FOUND, "办件") from None
        return render(request, "case.html", {"case": case_view(found, today(),
                                                                names_of(found)),
                                             "held_by": held})

    @app.get("/cases/{case_number}", name="case")
    def case(request: Request, case_number: str) -> RedirectResponse:
        """Someone signed in to their own case's page; anyone else to the lookup form."""
        if not CASE_NUMBER.match(case_number):
            raise not_found(f"没有找到受理编号为 {case_number[:50]} 的办件。请核对回执上的编号。")
        me = sessions.identity(request)
        if me is not None and not me.staff:
            return RedirectResponse(f"/my/cases/{case_number}", status_code=303)
        return RedirectResponse(f"/cases?case_number={quote(case_number)}", status_code=303)

    # --- my cases ---------------------------------------------------------------------------
    @app.get("/my/cases", response_class=HTMLResponse)
    def my_cases(request: Request,
                 page: Annotated[str, Query(max_length=120)] = "") -> HTMLResponse:
        me = person(request)
        if me.staff:
            return render(request, "track/staff.html", {}, 403)
        token = page if PAGE_TOKEN.match(page) else ""
        try:
            found = backend.my_cases(minter.header(me), page_token=token)
        except grpc.RpcError as error:
            raise page_error(error, "没有找到您的办件。", "办件") from None
        rows = [my_case_row(c, today(), me.subject) for c in found.cases]
        return render(request, "track/my_cases.html", {
            "rows": rows, "total": found.total, "next_page": found.next_page_token,
            "first_page": bool(token), "federated": backend.nodes.federated})

    @app.get("/my/cases/open", response_class=HTMLResponse)
    def open_my_case(request: Request,
                     case_number: Annotated[str, Query(max_length=60)] = ""
                     ) -> RedirectResponse:
        """A case of mine by its number, whichever node of the province holds it (the list
        above shows this node's): its page, where that node answers for it."""
        person(request)
        number = case_number.strip()
        if not CASE_NUMBER.match(number):  # nothing to open: back to the form
            return RedirectResponse("/my/cases#open-number", status_code=303)
        return RedirectResponse(f"/my/cases/{number}", status_code=303)

    def own_case(me: Identity, number: str) -> cases_pb2.Case:
        missing = f"没有找到受理编号为 {number[:50]} 的办件，或它不是您的办件。"
        if not CASE_NUMBER.match(number):
            raise not_found(missing)
        try:
            return backend.case_as(minter.header(me), number)
        except grpc.RpcError as error:
            raise page_error(error, missing, "办件") from None

    def case_page(request: Request, me: Identity, found: cases_pb2.Case, *,
                  problem: str | SupplyProblem = "", status: int = 200, done: str = "",
                  values: dict[str, str] | None = None, restored: bool = False,
                  access_log: "Future[cases_pb2.ListCaseAccessesResponse] | None" = None
                  ) -> HTMLResponse:
        names = names_of(found)
        held = backend.held_elsewhere(found.case_number)
        accesses: list[AccessView] | None = None
        try:
            log_page = (access_log.result() if access_log is not None else
                        backend.case_accesses(minter.header(me), found.case_number))
            accesses = [access_view(e) for e in log_page.entries]
            access_total = log_page.total
        except grpc.RpcError as error:  # the case page still shows without it
            log.warning("access log of %s unavailable: %s", found.case_number,
                        _code(error).name)
            access_total = 0
        return render(request, "track/my_case.html", {
            "case": case_view(found, today(), names), "raw": found,
            "rights": party_rights(found, today()) if found.opened else None,
            "holders": holders(found), "supplies": supplies(found, names, needs_of(found)),
            # a case another node holds is read here; what the applicant does on it (files
            # given, a withdrawal) is done at that node's hall, where the case and its files are
            "held_by": held, "acts_elsewhere": held is not None and bool(
                {"receive_supplement", "withdraw"} & set(found.allowed_actions)),
            "may_supply": held is None and "receive_supplement" in found.allowed_actions,
            "may_withdraw": held is None and "withdraw" in found.allowed_actions,
            "documents": [DocumentView(d.document_id, d.title, d.number,
                                       local_time(d.issued_at)) for d in found.documents],
            "accesses": accesses, "access_total": access_total,
            "query_code": found.query_code, "done": done,
            "problem": problem.message if isinstance(problem, SupplyProblem) else problem,
            "problem_field": problem.field if isinstance(problem, SupplyProblem) else "",
            "problem_code": problem.code if isinstance(problem, SupplyProblem) else "",
            "values": values or {}, "restored": restored, "uploads": files is not None,
            "upload_rules": limits.words(), "accept": ".pdf,.jpg,.jpeg,.png,.ofd,"
            + ",".join(MEDIA_TYPES),
            "rateable": found.status in (cases_pb2.CASE_STATUS_COMPLETED,
                                         cases_pb2.CASE_STATUS_REJECTED),
            "form_key": uuid.uuid4().hex}, status)

    @app.get("/my/cases/{case_number}", response_class=HTMLResponse)
    def my_case(request: Request, case_number: str,
                done: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        me = person(request)
        if me.staff:
            return render(request, "track/staff.html", {}, 403)
        restored = sessions.take_draft(request, request.url.path)
        # who read the file is asked for while the case is: neither waits for the other
        access_log = (backend.beside(backend.case_accesses, minter.header(me), case_number)
                      if CASE_NUMBER.match(case_number) else None)
        try:
            found = own_case(me, case_number)
        except BaseException:
            if access_log is not None:
                access_log.cancel()
            raise
        return case_page(request, me, found, access_log=access_log,
                         done=done if done in ("supplied", "withdrawn") else "",
                         values=restored, restored=bool(restored))

    def acts_elsewhere(request: Request, me: Identity, found: cases_pb2.Case
                       ) -> HTMLResponse | None:
        """The case page again (409) when another node holds the case: the applicant's
        actions are taken at that node's hall, which keeps the case and its files."""
        held = backend.held_elsewhere(found.case_number)
        if held is None:
            return None
        return case_page(request, me, found, status=409, problem=SupplyProblem(
            f"这个办件由{held.shown}办理：补正材料、撤回申请请登录该地的网上办事大厅办理，"
            "这里只能查看办理进度。", code="CASE_HELD_ELSEWHERE"))

    def acted(request: Request, me: Identity, number: str, key: str, **action: Any
              ) -> HTMLResponse | RedirectResponse:
        done = "supplied" if "receive_supplement" in action else "withdrawn"
        try:
            backend.act_on_case(minter.header(me), number,
                                key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex,
                                **action)
        except grpc.RpcError as error:
            if _code(error) in (grpc.StatusCode.FAILED_PRECONDITION,
                                grpc.StatusCode.INVALID_ARGUMENT,
                                grpc.StatusCode.PERMISSION_DENIED):
                detail = error_detail_of(error)
                log.info("own action refused on %s: %s", number,
                         detail.code if detail else _code(error).name)
                return case_page(request, me, own_case(me, number), status=409,
                                 problem="办件的状态已经变化，这项操作现在不能办理。请查看下面的最新进度。")
            raise page_error(error, f"没有找到受理编号为 {number} 的办件，或它不是您的办件。",
                             "办件") from None
        return RedirectResponse(f"/my/cases/{number}?done={done}#result", status_code=303)

    @app.post("/my/cases/{case_number}/supplement", response_class=HTMLResponse,
              response_model=None)
    async def supplement(request: Request, case_number: str
                         ) -> HTMLResponse | RedirectResponse:
        declared = request.headers.get("content-length", "")
        length = int(declared) if declared.isdigit() else 0  # posted_files refuses the rest
        if length > limits.application_bytes + 64 * 1024:
            # too big to read at all: the page again, saying why (nothing read, nothing done)
            return await run_in_threadpool(too_large, request, case_number)
        fields, chosen = await sessions.posted_files(request, limits.file_bytes,
                                                     MAX_SUPPLY_FILES)
        uploads = {name.removeprefix("file_"): (filename, data)
                   for name, filename, data in chosen if name.startswith("file_")}
        return await run_in_threadpool(supplied, request, case_number, fields, uploads)

    def too_large(request: Request, case_number: str) -> HTMLResponse:
        me = person(request)
        return case_page(request, me, own_case(me, case_number), status=413,
                         problem=SupplyProblem(
                             f"所选文件合计太大：全部材料合计不能超过 "
                             f"{limits.application_bytes // 1024 // 1024} MB。请压缩后再上传。",
                             code="APPLICATION_TOO_LARGE"))

    def supplied(request: Request, case_number: str, fields: dict[str, str],
                 uploads: dict[str, tuple[str, bytes]]) -> HTMLResponse | RedirectResponse:
        me = person(request, draft=fields)
        found = own_case(me, case_number)
        if (elsewhere := acts_elsewhere(request, me, found)) is not None:
            return elsewhere  # nothing stored, nothing done
        wanted = supplies(found, names_of(found))
        if uploads and files is None:
            return case_page(request, me, found, status=503, values=fields,
                             problem=SupplyProblem(
                                 "网上上传材料暂时不可用：请只填写份数，或到政务服务中心窗口提交。",
                                 code="UPLOADS_UNAVAILABLE"))
        already = sum(f.size for m in found.materials for f in m.files)
        given, data, problem = supplied_materials(fields, wanted, uploads, limits, already)
        if problem is not None:
            if problem.code:
                log.info("supplement file refused on %s: %s", case_number, problem.code)
            return case_page(request, me, found, problem=problem, status=400, values=fields)
        try:
            for content in data:
                assert files is not None
                files.put(content)  # stored before the case names them: never lost between
        except StoreUnavailable as error:
            log.error("supplement files of %s not stored: %s", case_number, error)
            return case_page(request, me, found, status=503, values=fields,
                             problem=SupplyProblem(
                                 "文件暂时无法保存（存储服务不可用），补正没有提交，您填写的份数"
                                 "都还在。请稍后重新选择文件提交。",
                                 code="FILE_STORE_UNAVAILABLE"))
        return acted(request, me, case_number, fields.get("key", ""),
                     receive_supplement=cases_pb2.ReceiveSupplement(materials=given))

    @app.get("/my/cases/{case_number}/withdraw", response_class=HTMLResponse)
    def withdraw_page(request: Request, case_number: str) -> HTMLResponse:
        me = person(request)
        found = own_case(me, case_number)
        if (elsewhere := acts_elsewhere(request, me, found)) is not None:
            return elsewhere
        return render(request, "track/withdraw.html", {
            "case": case_view(found, today()), "may_withdraw":
            "withdraw" in found.allowed_actions, "form_key": uuid.uuid4().hex,
            "reason": "", "error": ""})

    @app.post("/my/cases/{case_number}/withdraw", response_class=HTMLResponse,
              response_model=None)
    def withdraw(request: Request, case_number: str,
                 fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                 ) -> HTMLResponse | RedirectResponse:
        me = person(request, draft=fields)
        if backend.held_elsewhere(case_number) is not None:
            if (elsewhere := acts_elsewhere(request, me, own_case(me, case_number))):
                return elsewhere
        reason = fields.get("reason", "").strip()
        if len(reason) > MAX_REASON or any(ord(c) < 32 and c not in "\r\n\t" for c in reason):
            found = own_case(me, case_number)
            return render(request, "track/withdraw.html", {
                "case": case_view(found, today()), "may_withdraw": True,
                "form_key": fields.get("key", ""), "reason": reason[:MAX_REASON],
                "error": f"撤回理由最多 {MAX_REASON} 个字。"}, 400)
        return acted(request, me, case_number, fields.get("key", ""),
                     withdraw=cases_pb2.Withdraw(reason=reason))

    @app.get("/my/cases/{case_number}/documents/{document_id}")
    def document(request: Request, case_number: str, document_id: str) -> Response:
        me = person(request)
        missing = "没有找到这份文书，或它不属于您的办件。"
        if not CASE_NUMBER.match(case_number) or not DOCUMENT_ID.match(document_id):
            raise not_found(missing)
        try:
            found = backend.document_as(minter.header(me), case_number, document_id)
        except grpc.RpcError as error:
            raise page_error(error, missing, "文书") from None
        return Response(found.pdf, media_type="application/pdf", headers={
            "Content-Disposition":
                f'attachment; filename="{case_number}-{document_id}.pdf"',
            "Cache-Control": "no-store"})
