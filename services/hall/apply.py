"""Applying online (网上申请): a form per item, built from its conditions and material list.

``/items/{id}/apply`` starts an application (or continues the one open for that item);
``/applications`` lists the signed-in person's drafts and submitted applications. An
application's pages, one group of questions each: ``/applications/{id}/applicant`` whom it is
for (oneself, the details from the account; or someone else, as their agent 代办, with the
relationship and authorisation), ``…/conditions`` each acceptance condition declared yes or no,
``…/materials`` one upload per material (size and type limits, checked by content; a refused
file says why on the same form), ``…/check`` every answer with a link to change it, and submit
→ ``…/receipt``: the case number, the query code (查询码) to look the case up without signing
in, and the completeness check's answer at once (材料齐全, or what is missing).

Drafts are kept server-side (``services.hall.drafts``), keyed by the owner, so any device
signed in as them continues; files go to the ``FileStore`` (``services.hall.storage``) and are
served back only to the draft's owner (``…/files/{sha256}``) and to staff the case service
lets read the case internally (``/staff/cases/{number}/files/{sha256}``). Persons and
enterprises only: staff accounts do not apply. The case service decides who may apply for
whom (the token's subject is the applicant or the agent).
"""

# No `from __future__ import annotations`: the routes' annotations name the session
# object of the closure (``Depends(sessions.posted_form)``), which FastAPI must see evaluated.
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

import grpc
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2

from services.hall.backend import HallBackend
from services.hall.drafts import Draft, DraftClosed, DraftStore, TooManyDrafts
from services.hall.identity import Identity, Kind, SignInRefused
from services.hall.identity.credentials import normalise_login
from services.hall.sessions import Sessions
from services.hall.storage import (
    MEDIA_TYPES,
    FileRefused,
    FileStore,
    Limits,
    StoreUnavailable,
    check_upload,
)
from services.hall.tokens import ID_TYPES, TokenMinter
from services.hall.views import local_time, missing_text
from services.shared.grpc_errors import error_detail_of
from services.shared.working_days import CHINA

log = logging.getLogger(__name__)
Render = Callable[..., HTMLResponse]
DRAFT_ID = re.compile(r"^[0-9a-f]{32}\Z")
ITEM_ID = re.compile(r"^[\w-]{1,100}\Z")
DIGEST = re.compile(r"^[0-9a-f]{64}\Z")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}\Z")
MAX_NAME = 100
MAX_AUTHORISATION = 500
ID_WORDS = {"id_card": "居民身份证", "credit_code": "统一社会信用代码"}
CHECKS = {"id_card": Kind.PERSON, "credit_code": Kind.ENTERPRISE}


@dataclass
class Applying:
    """What applying online needs: the drafts, the files and their limits."""

    drafts: DraftStore
    files: FileStore
    limits: Limits = field(default_factory=Limits)


class NotApplicant(Exception):  # noqa: N818 - a page that explains
    pass


@dataclass
class Problem:
    """A refusal tied to a field of the form (``field`` the input's id)."""

    field: str
    message: str
    code: str = ""


def owner_of(identity: Identity) -> str:
    """The identity the services know a person or enterprise by (the token's subject)."""
    return f"{ID_TYPES[identity.kind]}:{identity.subject}"


@dataclass(frozen=True)
class MaterialRow:
    key: str
    name: str
    mandatory: bool
    note: str
    issuer: str
    files: tuple[dict[str, Any], ...]


def materials_of(item: catalogue_pb2.ItemVersion, draft: Draft) -> list[MaterialRow]:
    return [MaterialRow(m.key or f"m{n}", m.name, m.mandatory, m.note, m.issuer,
                        tuple(draft.files_of(m.key or f"m{n}")))
            for n, m in enumerate(item.content.materials, start=1)]


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def applicant_problem(fields: dict[str, str], me: Identity) -> Problem | None:
    """What is wrong with the answers about whom the application is for (None: nothing)."""
    if fields.get("for") not in ("self", "other"):
        return Problem("for-self", "请选择为谁申请。")
    if fields["for"] == "self":
        if not fields.get("name", "").strip():
            return Problem("name", "请填写申请人姓名或名称。")
        if len(fields["name"]) > MAX_NAME:
            return Problem("name", f"姓名或名称最多 {MAX_NAME} 个字。")
        return None
    if not fields.get("applicant_name", "").strip():
        return Problem("applicant_name", "请填写申请人（被代办人）的姓名或名称。")
    if len(fields["applicant_name"]) > MAX_NAME:
        return Problem("applicant_name", f"姓名或名称最多 {MAX_NAME} 个字。")
    id_type = fields.get("applicant_id_type", "")
    if id_type not in CHECKS:
        return Problem("applicant_id_type-id_card", "请选择申请人的证件类型。")
    number = fields.get("applicant_id_number", "").strip().upper()
    if not number:
        return Problem("applicant_id_number", "请填写申请人的证件号码。")
    try:
        number = normalise_login(CHECKS[id_type], number)
    except SignInRefused as wrong:
        return Problem("applicant_id_number", wrong.message)
    fields["applicant_id_number"] = number
    if (ID_TYPES[me.kind], me.subject) == (id_type, number):
        return Problem("applicant_id_number", "这是您本人的证件号码：为本人申请请选择"
                       "“为本人申请”。")
    note = fields.get("authorisation", "").strip()
    if not note:
        return Problem("authorisation", "请说明您与申请人的关系及委托授权情况，例如"
                       "“受张三书面委托，委托书已上传”。")
    if len(note) > MAX_AUTHORISATION:
        return Problem("authorisation", f"最多 {MAX_AUTHORISATION} 个字。")
    return None


def add_apply_pages(app: FastAPI, render: Render, backend: HallBackend, sessions: Sessions,
                    minter: TokenMinter, applying: Applying | None, *,
                    page_error: Callable[[grpc.RpcError, str, str], Exception],
                    not_found: Callable[[str], Exception],
                    unavailable: Callable[[str], Exception]) -> None:

    add_redirects(app)

    def store() -> Applying:
        if applying is None:
            raise unavailable("网上申请暂时不可用，请稍后再试，或到政务服务中心窗口办理。")
        return applying

    def applicant(request: Request, draft: dict[str, str] | None = None) -> Identity:
        identity = sessions.require(request, draft=draft)
        if identity.kind is Kind.STAFF:
            raise NotApplicant(identity)
        return identity

    @app.exception_handler(NotApplicant)
    async def _not_applicant(request: Request, error: NotApplicant) -> HTMLResponse:
        return render(request, "apply/not_applicant.html", {}, 403)

    def draft_of(identity: Identity, draft_id: str) -> Draft:
        missing = "没有找到这份申请。它可能已被删除，或不属于当前登录的账号。"
        if not DRAFT_ID.match(draft_id):
            raise not_found(missing)
        found = store().drafts.get(draft_id, owner_of(identity))
        if found is None:
            raise not_found(missing)
        return found

    def open_draft(identity: Identity, draft_id: str) -> Draft:
        """A draft still to be filled in; a submitted one goes to its receipt."""
        draft = draft_of(identity, draft_id)
        if draft.submitted:
            raise Redirect(f"/applications/{draft.draft_id}/receipt")
        return draft

    def item_of(item_id: str, version: int = 0) -> catalogue_pb2.ItemVersion:
        missing = "这个事项不存在，或尚未公布。只有公布在清单中的事项才能办理。"
        if not ITEM_ID.match(item_id):
            raise not_found(missing)
        try:
            return backend.item_version(item_id, version)
        except grpc.RpcError as error:
            raise page_error(error, missing, "事项") from None

    def page(request: Request, name: str, draft: Draft, item: catalogue_pb2.ItemVersion,
             context: dict[str, Any], status: int = 200) -> HTMLResponse:
        conditions = list(item.content.acceptance_conditions)
        context.update(draft=draft, item=item, conditions=conditions,
                       steps=steps_of(draft, conditions), came_from=context.get(
                           "came_from", request.query_params.get("from", "")))
        context.setdefault("problem", None)
        return render(request, name, context, status)

    def steps_of(draft: Draft, conditions: list[str]) -> list[tuple[str, str]]:
        base = f"/applications/{draft.draft_id}"
        steps = [(f"{base}/applicant", "申请人")]
        if conditions:
            steps.append((f"{base}/conditions", "受理条件"))
        steps += [(f"{base}/materials", "申请材料"), (f"{base}/check", "核对并提交")]
        return steps

    def after(draft: Draft, here: str, came_from: str, conditions: list[str]) -> str:
        """Where saving a page leads: back to the check page when changing an answer,
        otherwise the next page."""
        base = f"/applications/{draft.draft_id}"
        if came_from == "check":
            return f"{base}/check"
        order = ["applicant"] + (["conditions"] if conditions else []) + ["materials", "check"]
        return f"{base}/{order[order.index(here) + 1]}"

    # --- starting ---------------------------------------------------------------------------
    @app.get("/items/{item_id}/apply", response_class=HTMLResponse, response_model=None)
    def start_page(request: Request, item_id: str) -> HTMLResponse | RedirectResponse:
        identity = applicant(request)
        found = store().drafts.open_for(owner_of(identity), item_id)
        if found is not None:
            return RedirectResponse(f"/applications/{found.draft_id}", status_code=303)
        item = item_of(item_id)
        return render(request, "apply/start.html", {
            "item": item, "limits": store().limits.words(), "problem": None})

    @app.post("/items/{item_id}/apply", response_model=None)
    def start(request: Request, item_id: str,
              fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
              ) -> HTMLResponse | RedirectResponse:
        identity = applicant(request, draft=fields)
        owner = owner_of(identity)
        found = store().drafts.open_for(owner, item_id)
        if found is None:
            item = item_of(item_id)
            try:
                found = store().drafts.create(
                    owner, item.item_id, item.version, item.content.name,
                    item.content.region, {"for": "self", "name": identity.display_name})
            except TooManyDrafts:
                return render(request, "apply/start.html", {
                    "item": item, "limits": store().limits.words(), "problem": Problem(
                        "", "您未提交的申请太多了。请先在“我的申请”中提交或放弃一些。",
                        "TOO_MANY_DRAFTS")}, 409)
            log.info("application draft %s started for item %s", found.draft_id, item_id)
        return RedirectResponse(f"/applications/{found.draft_id}/applicant", status_code=303)

    @app.get("/applications", response_class=HTMLResponse)
    def my_applications(request: Request) -> HTMLResponse:
        identity = applicant(request)
        mine = store().drafts.of_owner(owner_of(identity))
        return render(request, "apply/list.html", {
            "open": [d for d in mine if not d.submitted],
            "done": [d for d in mine if d.submitted], "local_time": local_time_of})

    @app.get("/applications/{draft_id}", response_model=None)
    def resume(request: Request, draft_id: str) -> RedirectResponse:
        identity = applicant(request)
        draft = draft_of(identity, draft_id)
        if draft.submitted:
            return RedirectResponse(f"/applications/{draft_id}/receipt", status_code=303)
        where = "check" if draft.answers.get("saved_applicant") else "applicant"
        return RedirectResponse(f"/applications/{draft_id}/{where}", status_code=303)

    # --- whom it is for ---------------------------------------------------------------------
    @app.get("/applications/{draft_id}/applicant", response_class=HTMLResponse)
    def applicant_page(request: Request, draft_id: str) -> HTMLResponse:
        identity = applicant(request)
        draft = open_draft(identity, draft_id)
        restored = sessions.take_draft(request, request.url.path)
        values = {**draft.answers, **restored}
        return page(request, "apply/applicant.html", draft, item_of(draft.item_id,
                                                                    draft.item_version),
                    {"values": values, "me": identity, "restored": bool(restored),
                     "id_words": ID_WORDS, "me_id_words": ID_WORDS[ID_TYPES[identity.kind]]})

    @app.post("/applications/{draft_id}/applicant", response_model=None)
    def save_applicant(request: Request, draft_id: str,
                       fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                       ) -> HTMLResponse | RedirectResponse:
        identity = applicant(request, draft=fields)
        draft = open_draft(identity, draft_id)
        item = item_of(draft.item_id, draft.item_version)
        values = {k: fields.get(k, "").strip() for k in (
            "for", "name", "applicant_name", "applicant_id_type", "applicant_id_number",
            "authorisation")}
        values["applicant_id_number"] = values["applicant_id_number"].upper()
        problem = applicant_problem(values, identity)
        if problem is not None:
            return page(request, "apply/applicant.html", draft, item, {
                "values": values, "me": identity, "problem": problem, "restored": False,
                "id_words": ID_WORDS, "me_id_words": ID_WORDS[ID_TYPES[identity.kind]],
                "came_from": fields.get("from", "")}, 400)
        saved = save(identity, draft, {**values, "saved_applicant": True})
        return RedirectResponse(after(saved, "applicant", fields.get("from", ""),
                                      list(item.content.acceptance_conditions)),
                                status_code=303)

    def save(identity: Identity, draft: Draft, answers: dict[str, Any]) -> Draft:
        try:
            return store().drafts.save_answers(draft.draft_id, owner_of(identity), answers)
        except DraftClosed:
            raise Redirect(f"/applications/{draft.draft_id}/receipt") from None

    # --- the conditions, declared -----------------------------------------------------------
    @app.get("/applications/{draft_id}/conditions", response_class=HTMLResponse,
             response_model=None)
    def conditions_page(request: Request, draft_id: str) -> HTMLResponse | RedirectResponse:
        identity = applicant(request)
        draft = open_draft(identity, draft_id)
        item = item_of(draft.item_id, draft.item_version)
        if not item.content.acceptance_conditions:
            return RedirectResponse(f"/applications/{draft_id}/materials", status_code=303)
        restored = sessions.take_draft(request, request.url.path)
        declared = {**draft.answers.get("conditions", {}), **{
            k.removeprefix("c"): v for k, v in restored.items() if k.startswith("c")}}
        return page(request, "apply/conditions.html", draft, item, {
            "declared": declared, "restored": bool(restored)})

    @app.post("/applications/{draft_id}/conditions", response_model=None)
    def save_conditions(request: Request, draft_id: str,
                        fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                        ) -> HTMLResponse | RedirectResponse:
        identity = applicant(request, draft=fields)
        draft = open_draft(identity, draft_id)
        item = item_of(draft.item_id, draft.item_version)
        conditions = list(item.content.acceptance_conditions)
        declared = {str(n): fields.get(f"c{n}", "") for n in range(len(conditions))}
        unanswered = [n for n, v in declared.items() if v not in ("yes", "no")]
        if unanswered:
            return page(request, "apply/conditions.html", draft, item, {
                "declared": declared, "restored": False, "came_from": fields.get("from", ""),
                "problem": Problem(f"c{unanswered[0]}-yes", "请对每一项条件选择“符合”或"
                                   "“不符合”。")}, 400)
        saved = save(identity, draft, {"conditions": declared, "saved_conditions": True})
        return RedirectResponse(after(saved, "conditions", fields.get("from", ""),
                                      conditions), status_code=303)

    # --- materials, uploaded ----------------------------------------------------------------
    def materials_view(request: Request, draft: Draft, item: catalogue_pb2.ItemVersion,
                       problem: Problem | None = None, status: int = 200,
                       came_from: str = "") -> HTMLResponse:
        return page(request, "apply/materials.html", draft, item, {
            "materials": materials_of(item, draft), "problem": problem,
            "limits": store().limits.words(), "size_text": size_text,
            "media_words": MEDIA_TYPES, "accept": ".pdf,.jpg,.jpeg,.png,.ofd,"
            + ",".join(MEDIA_TYPES), "done": request.query_params.get("done", ""),
            **({"came_from": came_from} if came_from else {})}, status)

    @app.get("/applications/{draft_id}/materials", response_class=HTMLResponse)
    def materials_page(request: Request, draft_id: str) -> HTMLResponse:
        identity = applicant(request)
        draft = open_draft(identity, draft_id)
        return materials_view(request, draft, item_of(draft.item_id, draft.item_version))

    @app.post("/applications/{draft_id}/materials/{key}", response_model=None)
    async def upload(request: Request, draft_id: str, key: str
                     ) -> HTMLResponse | RedirectResponse:
        limits = applying.limits if applying is not None else Limits()
        length = int(request.headers.get("content-length", "0") or 0)
        if length > limits.file_bytes + 64 * 1024:
            # too big to read at all: the same form again, saying why (the CSRF token is not
            # read, and nothing changes)
            identity = applicant(request)
            draft = open_draft(identity, draft_id)
            return materials_view(request, draft, item_of(draft.item_id, draft.item_version),
                                  Problem(f"file-{key}", f"文件太大：每个文件不能超过 "
                                          f"{limits.file_bytes // 1024 // 1024} MB。请压缩或"
                                          "分页扫描后再上传。", "FILE_TOO_LARGE"), 413)
        fields, chosen = await sessions.posted_upload(request, limits.file_bytes)
        identity = applicant(request, draft={})
        draft = open_draft(identity, draft_id)
        item = item_of(draft.item_id, draft.item_version)
        rows = {m.key: m for m in materials_of(item, draft)}
        came_from = fields.get("from", "")
        if key not in rows:
            raise not_found("这个事项没有这项材料。")
        if chosen is None:
            return materials_view(request, draft, item, Problem(
                f"file-{key}", "请先选择要上传的文件。", "FILE_MISSING"), 400, came_from)
        name, data = chosen
        try:
            accepted = check_upload(data, name, limits, draft.total_bytes)

            def fits(current: Draft) -> None:
                check_upload(data, name, limits, current.total_bytes)

            digest = store().files.put(data)
            assert digest == accepted.sha256
            store().drafts.add_file(draft.draft_id, owner_of(identity), key, {
                "sha256": accepted.sha256, "name": accepted.name,
                "media_type": accepted.media_type, "size": accepted.size}, fits=fits)
        except FileRefused as refused:
            log.info("upload refused on draft %s: %s", draft.draft_id, refused.code)
            return materials_view(request, draft, item, Problem(
                f"file-{key}", refused.message, refused.code), 400, came_from)
        except DraftClosed:
            return RedirectResponse(f"/applications/{draft_id}/receipt", status_code=303)
        except StoreUnavailable as error:
            log.error("upload to draft %s not stored: %s", draft.draft_id, error)
            return materials_view(request, draft, item, Problem(
                f"file-{key}", "文件暂时无法保存（存储服务不可用），您的其他材料和填写内容都还在。"
                "请稍后重新上传这个文件。", "FILE_STORE_UNAVAILABLE"), 503, came_from)
        back = "&from=check" if came_from == "check" else ""
        return RedirectResponse(f"/applications/{draft_id}/materials?done={key}{back}"
                                f"#material-{key}", status_code=303)

    @app.post("/applications/{draft_id}/materials/{key}/{sha256}/remove", response_model=None)
    def remove(request: Request, draft_id: str, key: str, sha256: str,
               fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
               ) -> RedirectResponse:
        identity = applicant(request, draft=fields)
        draft = open_draft(identity, draft_id)
        if KEY.match(key) and DIGEST.match(sha256):
            try:
                store().drafts.remove_file(draft.draft_id, owner_of(identity), key, sha256)
            except DraftClosed:
                return RedirectResponse(f"/applications/{draft_id}/receipt", status_code=303)
        return RedirectResponse(f"/applications/{draft_id}/materials#material-{key}",
                                status_code=303)

    @app.get("/applications/{draft_id}/files/{sha256}")
    def own_file(request: Request, draft_id: str, sha256: str) -> Response:
        """A file of the signed-in person's own application, to them only."""
        identity = applicant(request)
        draft = draft_of(identity, draft_id)
        for f in draft.files:
            if f["sha256"] == sha256:
                return served(f, sha256)
        raise not_found("没有找到这个文件。")

    @app.get("/staff/cases/{case_number}/files/{sha256}")
    def staff_file(request: Request, case_number: str, sha256: str) -> Response:
        """A case's file to the staff who may handle it: the case service is asked, with
        their token, for the case's internal view — which lists the files only to them."""
        identity = sessions.require(request)
        missing = "没有找到这个文件，或您无权查看。"
        if not identity.staff or not CASE_NUMBER.match(case_number) or \
                not DIGEST.match(sha256):
            raise not_found(missing)
        try:
            # the case service checks the file is the case's and audits the download
            case = backend.case_as(minter.header(identity), case_number,
                                   material_sha256=sha256)
        except grpc.RpcError as error:
            raise page_error(error, missing, "办件") from None
        for material in case.materials:
            for f in material.files:
                if f.sha256 == sha256:
                    log.info("case %s file served to %s", case_number, identity.subject)
                    return served({"name": f.name, "media_type": f.media_type}, sha256)
        raise not_found(missing)

    def served(f: dict[str, Any], sha256: str) -> Response:
        try:
            data = store().files.get(sha256)
        except StoreUnavailable as error:
            log.error("file %s not read: %s", sha256, error)
            raise unavailable("文件暂时无法读取（存储服务不可用），请稍后再试。") from None
        if data is None:
            log.error("file %s is named by an application but not in the store", sha256)
            raise not_found("这个文件暂时无法读取，请联系工作人员。")
        media_type = f.get("media_type") if f.get("media_type") in MEDIA_TYPES else \
            "application/octet-stream"
        quoted = re.sub(r"[^A-Za-z0-9.-]", "_", f.get("name", "file"))
        return Response(data, media_type=media_type, headers={
            "Content-Disposition": f"attachment; filename=\"{quoted}\"; "
                                   f"filename*=UTF-8''{_rfc5987(f.get('name', 'file'))}",
            "Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"})

    # --- check your answers, submit ---------------------------------------------------------
    def gaps(draft: Draft, item: catalogue_pb2.ItemVersion, me: Identity) -> list[Problem]:
        """What stops a submission: answers not given, conditions not met."""
        found: list[Problem] = []
        base = f"/applications/{draft.draft_id}"
        values = {k: str(v) for k, v in draft.answers.items() if isinstance(v, str)}
        if not draft.answers.get("saved_applicant") or applicant_problem(values, me):
            found.append(Problem(f"{base}/applicant?from=check", "申请人信息未填写完整。"))
        declared = draft.answers.get("conditions", {})
        for n, condition in enumerate(item.content.acceptance_conditions):
            answer = declared.get(str(n))
            if answer == "no":
                found.append(Problem(f"{base}/conditions?from=check",
                                     f"您声明不符合受理条件“{condition}”：不符合条件的申请"
                                     "不予受理。如情况有变，请修改您的回答。"))
            elif answer != "yes":
                found.append(Problem(f"{base}/conditions?from=check",
                                     f"尚未回答是否符合受理条件“{condition}”。"))
        return found

    @app.get("/applications/{draft_id}/check", response_class=HTMLResponse)
    def check_page(request: Request, draft_id: str) -> HTMLResponse:
        identity = applicant(request)
        draft = open_draft(identity, draft_id)
        item = item_of(draft.item_id, draft.item_version)
        return check_view(request, identity, draft, item)

    def check_view(request: Request, identity: Identity, draft: Draft,
                   item: catalogue_pb2.ItemVersion, problem: Problem | None = None,
                   status: int = 200) -> HTMLResponse:
        materials = materials_of(item, draft)
        return page(request, "apply/check.html", draft, item, {
            "a": draft.answers, "me": identity, "me_id_words": ID_WORDS[ID_TYPES[
                identity.kind]], "id_words": ID_WORDS, "materials": materials,
            "gaps": gaps(draft, item, identity), "problem": problem,
            "unuploaded": [m.name for m in materials if m.mandatory and not m.files],
            "size_text": size_text}, status)

    @app.post("/applications/{draft_id}/submit", response_model=None)
    def submit(request: Request, draft_id: str,
               fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
               ) -> HTMLResponse | RedirectResponse:
        identity = applicant(request, draft=fields)
        draft = open_draft(identity, draft_id)
        item = item_of(draft.item_id, draft.item_version)
        if gaps(draft, item, identity):
            return check_view(request, identity, draft, item, Problem(
                "", "申请还不能提交：请先处理下面列出的问题。", "APPLICATION_INCOMPLETE"), 400)
        request_ = submission(draft, identity)
        try:
            case = backend.submit_application(minter.header(identity), request_)
        except grpc.RpcError as error:
            return check_view(request, identity, draft, item, refusal(error), 409 if (
                error.code() is grpc.StatusCode.FAILED_PRECONDITION) else 400)
        receipt = {"missing": [missing_text(m) for m in case.missing_materials],
                   "channel": "agent" if case.channel == cases_pb2.CHANNEL_AGENT else "online",
                   "submitted_at": local_time(case.submitted_at),
                   "department": case.department, "status": int(case.status)}
        try:
            store().drafts.mark_submitted(draft.draft_id, owner_of(identity),
                                          case.case_number, case.query_code, receipt)
        except DraftClosed:
            pass  # submitted meanwhile from another tab: the same case (one key)
        log.info("application %s submitted as case %s", draft.draft_id, case.case_number)
        return RedirectResponse(f"/applications/{draft_id}/receipt", status_code=303)

    def submission(draft: Draft, identity: Identity) -> cases_pb2.SubmitApplicationRequest:
        a = draft.answers
        me = cases_pb2.Applicant(name=identity.display_name if a.get("for") == "other"
                                 else a.get("name", identity.display_name),
                                 id_type=ID_TYPES[identity.kind], id_number=identity.subject)
        by_key: dict[str, cases_pb2.MaterialGiven] = {}
        for f in draft.files:
            given = by_key.setdefault(f["key"], cases_pb2.MaterialGiven(key=f["key"]))
            given.files.add(sha256=f["sha256"], name=f["name"], media_type=f["media_type"],
                            size=int(f["size"]))
        request_ = cases_pb2.SubmitApplicationRequest(
            idempotency_key=draft.submit_key, item_id=draft.item_id,
            item_version=draft.item_version, region=draft.region,
            materials=list(by_key.values()))
        if a.get("for") == "other":
            request_.applicant.CopyFrom(cases_pb2.Applicant(
                name=a["applicant_name"], id_type=a["applicant_id_type"],
                id_number=a["applicant_id_number"]))
            request_.agent.CopyFrom(me)
            request_.channel = cases_pb2.CHANNEL_AGENT
            request_.agent_authorisation = a["authorisation"]
        else:
            request_.applicant.CopyFrom(me)
            request_.channel = cases_pb2.CHANNEL_ONLINE
        return request_

    def refusal(error: grpc.RpcError) -> Problem:
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        detail = error_detail_of(error)
        stable = detail.code if detail and detail.code else code.name
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            return Problem("", "系统正忙，申请暂未提交，您填写的内容都已保存。请稍后再点"
                           "“提交申请”。", stable)
        words = {
            "ITEM_NOT_PUBLISHED": "这个事项目前不在清单中（可能已调整或暂停），暂不能申请。",
            "MODE_NOT_ALLOWED": "这个事项不接受网上申请，请到窗口办理。",
            "ITEM_OPENED_BY_GOVERNMENT": "这个事项由政府依职权办理，不接受申请。",
            "APPLICANT_NOT_CALLER": "只能以本人名义申请；为他人申请请选择“代他人申请”。",
        }
        return Problem("", words.get(stable, "申请未被受理系统接收，您填写的内容都已保存。"
                                            "请核对后重试，或到窗口咨询。"), stable)

    @app.get("/applications/{draft_id}/receipt", response_class=HTMLResponse,
             response_model=None)
    def receipt(request: Request, draft_id: str) -> HTMLResponse | RedirectResponse:
        identity = applicant(request)
        draft = draft_of(identity, draft_id)
        if not draft.submitted:
            return RedirectResponse(f"/applications/{draft_id}/check", status_code=303)
        return render(request, "apply/receipt.html", {"draft": draft, "r": draft.receipt})


class Redirect(Exception):  # noqa: N818 - a way elsewhere, not a failure
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def add_redirects(app: FastAPI) -> None:
    @app.exception_handler(Redirect)
    async def _redirect(request: Request, error: Redirect) -> RedirectResponse:
        return RedirectResponse(error.location, status_code=303)


def _rfc5987(name: str) -> str:
    return quote(name, safe="")


def local_time_of(value: Any) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""
