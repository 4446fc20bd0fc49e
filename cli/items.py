"""``sunlight catalogue`` for one item at a time: declare, review and publish it, suspend and
resume it, read it; and the change obligations (动态调整) a change of law or of functions opens.

    create FILE              a draft from a JSON file (the ItemDraft of the contract)
    update ITEM FILE         replace a draft's (or a returned version's) content
    submit ITEM              for review (法制部门 · 机构编制管理机关)
    review ITEM KIND approve|return
    publish ITEM             reviewed outside the platform: both reviewers and the document
    next-version ITEM        a draft of the next version of a published item
    suspend|resume ITEM      暂停行使 / 恢复行使; `adjust` for every other action (关停并转)
    show ITEM · history ITEM · list --status …
    change …                 record a change of the legal basis or of functions
    obligations --region …   the change obligations of a region

Every command takes the options of :mod:`cli.connection` (``--token`` or ``--as``, ``--address``,
``--timeout``) and ``--json``. A command that acts on a version takes ``--version`` (default:
the item's newest). Exit codes: 0 done, 1 the catalogue refused or could not be reached (its
message, code first), 2 wrong arguments or an unreadable file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date
from pathlib import Path
from typing import Any

import click
from google.protobuf import json_format
from google.protobuf.message import Message
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc
from sunlight.common.v1 import common_pb2

from cli.connection import Connection, call, connect_as, connection_options, idempotency_key
from cli.output import echo_json, table

_options = connection_options(
    "catalogue gRPC address, or the gateway's gRPC port (default: this node's catalogue, "
    "from the settings)", timeout_s=30.0)

STATUS_WORDS = {pb.VERSION_STATUS_DRAFT: "草稿", pb.VERSION_STATUS_SUBMITTED: "待审核",
                pb.VERSION_STATUS_RETURNED: "已退回", pb.VERSION_STATUS_PUBLISHED: "已发布",
                pb.VERSION_STATUS_SUPERSEDED: "已被新版本替代"}
STATE_WORDS = {pb.ITEM_STATE_ACTIVE: "正常行使", pb.ITEM_STATE_SUSPENDED: "暂停行使",
               pb.ITEM_STATE_CANCELLED: "已取消", pb.ITEM_STATE_DELEGATED: "已下放",
               pb.ITEM_STATE_TRANSFERRED: "已转移", pb.ITEM_STATE_MERGED: "已合并",
               pb.ITEM_STATE_FROZEN: "已冻结"}
#: the statuses `list` searches by (superseded versions are found through `history`)
LISTED = {"draft": pb.VERSION_STATUS_DRAFT, "submitted": pb.VERSION_STATUS_SUBMITTED,
          "returned": pb.VERSION_STATUS_RETURNED, "published": pb.VERSION_STATUS_PUBLISHED}
REVIEW_KINDS = {"legal": pb.REVIEW_KIND_LEGAL, "staffing": pb.REVIEW_KIND_STAFFING}
DECISIONS = {"approve": pb.REVIEW_DECISION_APPROVE, "return": pb.REVIEW_DECISION_RETURN}
#: `adjust`'s actions (`delegate` has its own command: it crosses nodes)
ADJUST = {name.removeprefix("ADJUST_ACTION_").lower(): number
          for name, number in pb.AdjustAction.items()
          if number and name != "ADJUST_ACTION_DELEGATE"}
TARGETED = {"transfer": "who takes it over", "merge": "the item id it is merged into"}
CHANGE_KINDS = {"legal-basis": pb.CHANGE_KIND_LEGAL_BASIS, "functions": pb.CHANGE_KIND_FUNCTIONS}
OBLIGATION_STATUS = {"open": pb.OBLIGATION_STATUS_OPEN, "fulfilled": pb.OBLIGATION_STATUS_FULFILLED,
                     "overdue": pb.OBLIGATION_STATUS_OVERDUE}
OBLIGATION_WORDS = {pb.OBLIGATION_STATUS_OPEN: "待调整", pb.OBLIGATION_STATUS_FULFILLED: "已调整",
                    pb.OBLIGATION_STATUS_OVERDUE: "已逾期"}


class Catalogue:
    """One connection to the catalogue, and the command (e.g. "submit") it calls for."""

    def __init__(self, what: str, conn: Connection, stub: pb_grpc.CatalogueServiceStub) -> None:
        self.what, self.conn, self.stub = what, conn, stub

    def __call__(self, method: str, request: Message) -> Any:
        return call(f"sunlight catalogue {self.what}", "catalogue", self.stub, self.conn,
                    method, request)

    def newest_version(self, item_id: str, given: int | None) -> int:
        """``given``, else the item's newest version (from its history)."""
        if given:
            return given
        entries = self("GetItemHistory", pb.GetItemHistoryRequest(item_id=item_id)).entries
        return max((e.version for e in entries), default=1)


@contextmanager
def _catalogue(what: str, **options: Any) -> Iterator[Catalogue]:
    conn = connect_as("catalogue", **options)
    # through the module, so that tests that replace cli.catalogue.connect reach these too
    from cli import catalogue as catalogue_cli  # noqa: PLC0415 - it registers these commands

    stub, opened = catalogue_cli.connect(conn.address)
    try:
        yield Catalogue(what, conn, stub)
    finally:
        opened.close()


def _time(stamp: Any) -> str:
    from services.shared.working_days import CHINA

    if not stamp.seconds and not stamp.nanos:
        return ""
    return stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def describe(item: pb.ItemVersion) -> str:
    """An item version for a person: what it is, where it stands, who reviewed it."""
    c = item.content
    unit = "个自然日" if c.limit_unit == common_pb2.TIME_UNIT_CALENDAR_DAYS else "个工作日"
    in_force = f"，现行版本 {item.current_version}" if item.current_version else "，尚无现行版本"
    lines = [f"{c.name}（{item.item_id}）",
             f"  版本 {item.version}：{STATUS_WORDS.get(item.status, '?')}；事项"
             f"{STATE_WORDS.get(item.state, '?')}{in_force}"
             + (f"；去向 {item.successor}" if item.successor else ""),
             f"  实施编码 {c.code}，类型 {c.item_type or '-'}，区划 {c.region}",
             f"  实施主体 {c.department}（{c.department_code or '编码未知'}）",
             f"  法定时限 {c.statutory_limit_days} {unit}，承诺时限 {c.promised_limit_days} {unit}"]
    if c.legal_basis:
        lines.append("  法律依据 " + "；".join(f"{b.law}{b.article}{b.clause}"
                                           for b in c.legal_basis))
    if c.steps:
        lines.append("  办理环节 " + " → ".join(f"{s.name}（{s.limit_days}）" for s in c.steps))
    for r in item.reviews:
        kind = {pb.REVIEW_KIND_LEGAL: "法制审核", pb.REVIEW_KIND_STAFFING: "编制审核"}.get(
            r.kind, "审核")
        verdict = "通过" if r.decision == pb.REVIEW_DECISION_APPROVE else "退回"
        lines.append(f"  {kind}{verdict} {r.reviewer or ''} {_time(r.at)}".rstrip()
                     + (f"：{r.reason}" if r.reason else "")
                     + (f"（{r.document}）" if r.document else ""))
    lines += [f"  存疑：{flag}" for flag in item.flags]
    return "\n".join(lines)


def _done(item: pb.ItemVersion, as_json: bool, answer: Message) -> None:
    if as_json:
        echo_json(answer)
    else:
        click.echo(describe(item))


def _draft_from(path: Path) -> pb.ItemDraft:
    """The ItemDraft of a JSON file: the draft itself, or a request body holding it as
    ``draft`` (what `POST /v1/items` takes)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror}",
                                 param_hint="FILE") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise click.BadParameter(f"{path.name} is not valid JSON: {exc}",
                                 param_hint="FILE") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("draft"), dict):
        loaded = loaded["draft"]
    if not isinstance(loaded, dict):
        raise click.BadParameter(f"{path.name}: expected a JSON object, the item's draft "
                                 '(e.g. {"name": "企业投资项目备案", "code": …})',
                                 param_hint="FILE")
    try:
        return json_format.ParseDict(loaded, pb.ItemDraft())
    except (json_format.ParseError, RecursionError) as exc:
        raise click.BadParameter(f"{path.name}: {exc}", param_hint="FILE") from None


_json_option = click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
_key_option = click.option("--key", default=None,
                           help="idempotency key (default: a new one, printed)")
_version_option = click.option("--version", type=click.IntRange(min=1), default=None,
                               help="the version (default: the item's newest)")


@click.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", default=None,
              help="idempotency key (default: made of the file's content, so that creating "
                   "from the same file again is a replay)")
@_json_option
@_options
def create(file: Path, key: str | None, as_json: bool, **connection: Any) -> None:
    """Declare an item: a draft from FILE, a JSON object of the contract's ItemDraft
    (field names as the gateway's `POST /v1/items` takes them)."""
    draft = _draft_from(file)
    key = key or "create-" + hashlib.sha256(draft.SerializeToString(
        deterministic=True)).hexdigest()[:40]
    with _catalogue("create", region=draft.region or None, **connection) as catalogue:
        answer = catalogue("CreateItem", pb.CreateItemRequest(idempotency_key=key, draft=draft))
    _done(answer.item, as_json, answer)


@click.command("update")
@click.argument("item_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_version_option
@_key_option
@_json_option
@_options
def update(item_id: str, file: Path, version: int | None, key: str | None, as_json: bool,
           **connection: Any) -> None:
    """Replace the content of a draft or a returned version with FILE (as for `create`)."""
    draft = _draft_from(file)
    with _catalogue("update", **connection) as catalogue:
        request = pb.UpdateDraftRequest(
            idempotency_key=idempotency_key(key), item_id=item_id,
            version=catalogue.newest_version(item_id, version), draft=draft)
        answer = catalogue("UpdateDraft", request)
    _done(answer.item, as_json, answer)


@click.command("submit")
@click.argument("item_id")
@_version_option
@_key_option
@_json_option
@_options
def submit(item_id: str, version: int | None, key: str | None, as_json: bool,
           **connection: Any) -> None:
    """Submit a draft for review (法制部门, 机构编制管理机关)."""
    with _catalogue("submit", **connection) as catalogue:
        request = pb.SubmitItemRequest(idempotency_key=idempotency_key(key), item_id=item_id,
                                       version=catalogue.newest_version(item_id, version))
        answer = catalogue("SubmitItem", request)
    _done(answer.item, as_json, answer)


@click.command("review")
@click.argument("item_id")
@click.argument("kind", type=click.Choice(sorted(REVIEW_KINDS)))
@click.argument("decision", type=click.Choice(sorted(DECISIONS)))
@click.option("--reason", default="", help="return: what the department must correct")
@_version_option
@_key_option
@_json_option
@_options
def review(item_id: str, kind: str, decision: str, reason: str, version: int | None,
           key: str | None, as_json: bool, **connection: Any) -> None:
    """Review a submitted version: the legal review (法制部门) or the staffing review
    (机构编制管理机关) approves it or returns it; the second approval publishes it."""
    if decision == "return" and not reason.strip():
        raise click.UsageError("return needs --reason: what the department must correct")
    with _catalogue("review", **connection) as catalogue:
        request = pb.ReviewItemRequest(
            idempotency_key=idempotency_key(key), item_id=item_id,
            version=catalogue.newest_version(item_id, version), kind=REVIEW_KINDS[kind],
            decision=DECISIONS[decision], reason=reason)
        answer = catalogue("ReviewItem", request)
    _done(answer.item, as_json, answer)


@click.command("publish")
@click.argument("item_id")
@click.option("--legal-reviewer", required=True,
              help="who did the legal review (法制部门), by their subject")
@click.option("--staffing-reviewer", required=True,
              help="who did the staffing review (机构编制管理机关), by their subject")
@click.option("--approving-document", required=True,
              help="the document that approved it (文号), e.g. 广安府发〔2024〕12号")
@_version_option
@_key_option
@_json_option
@_options
def publish(item_id: str, legal_reviewer: str, staffing_reviewer: str,
            approving_document: str, version: int | None, key: str | None, as_json: bool,
            **connection: Any) -> None:
    """Publish a version reviewed outside the platform (both reviewers and the approving
    document named): for a caller holding both reviewer roles, or an administrator."""
    with _catalogue("publish", **connection) as catalogue:
        request = pb.PublishItemRequest(
            idempotency_key=idempotency_key(key), item_id=item_id,
            version=catalogue.newest_version(item_id, version),
            legal_reviewer=legal_reviewer, staffing_reviewer=staffing_reviewer,
            approving_document=approving_document)
        answer = catalogue("PublishItem", request)
    _done(answer.item, as_json, answer)


@click.command("next-version")
@click.argument("item_id")
@_key_option
@_json_option
@_options
def next_version(item_id: str, key: str | None, as_json: bool, **connection: Any) -> None:
    """A draft of the next version of a published item, from the version in force."""
    with _catalogue("next-version", **connection) as catalogue:
        answer = catalogue("DraftNextVersion", pb.DraftNextVersionRequest(
            idempotency_key=idempotency_key(key), item_id=item_id))
    _done(answer.item, as_json, answer)


def _adjust(what: str, item_id: str, action: str, reason: str, target: str,
            key: str | None, as_json: bool, connection: dict[str, Any]) -> None:
    if not reason.strip():
        raise click.UsageError(f"{what} needs --reason (recorded in the item's public history)")
    if action in TARGETED and not target.strip():
        raise click.UsageError(f"{action} needs --target: {TARGETED[action]}")
    with _catalogue(what, **connection) as catalogue:
        answer = catalogue("AdjustItem", pb.AdjustItemRequest(
            idempotency_key=idempotency_key(key), item_id=item_id, action=ADJUST[action],
            reason=reason, target=target))
    _done(answer.item, as_json, answer)


@click.command("suspend")
@click.argument("item_id")
@click.option("--reason", required=True, help="why (public, in the item's history)")
@_key_option
@_json_option
@_options
def suspend(item_id: str, reason: str, key: str | None, as_json: bool,
            **connection: Any) -> None:
    """Suspend an item (暂停行使): no case may be opened on it until it is resumed."""
    _adjust("suspend", item_id, "suspend", reason, "", key, as_json, connection)


@click.command("resume")
@click.argument("item_id")
@click.option("--reason", required=True, help="why (public, in the item's history)")
@_key_option
@_json_option
@_options
def resume(item_id: str, reason: str, key: str | None, as_json: bool,
           **connection: Any) -> None:
    """Resume a suspended item (恢复行使)."""
    _adjust("resume", item_id, "resume", reason, "", key, as_json, connection)


@click.command("adjust")
@click.argument("item_id")
@click.argument("action", type=click.Choice(sorted(ADJUST)))
@click.option("--reason", required=True, help="why (public, in the item's history)")
@click.option("--target", default="", help="transfer: who takes it over; merge: the item id "
                                           "it is merged into")
@_key_option
@_json_option
@_options
def adjust(item_id: str, action: str, reason: str, target: str, key: str | None,
           as_json: bool, **connection: Any) -> None:
    """A reduction action on an item as a whole (关停并转): suspend, resume, cancel, transfer,
    merge, freeze, unfreeze. Delegation down a level: `sunlight catalogue delegate`."""
    _adjust("adjust", item_id, action, reason, target, key, as_json, connection)


@click.command("show")
@click.argument("item_id")
@click.option("--version", type=click.IntRange(min=0), default=None,
              help="this version; 0: the version in force (default: the newest)")
@_json_option
@_options
def show(item_id: str, version: int | None, as_json: bool, **connection: Any) -> None:
    """One version of an item: its content, its status and its reviews."""
    with _catalogue("show", **connection) as catalogue:
        number = version if version == 0 else catalogue.newest_version(item_id, version)
        answer = catalogue("GetItemVersion", pb.GetItemVersionRequest(item_id=item_id,
                                                                      version=number))
    _done(answer.item, as_json, answer)


@click.command("history")
@click.argument("item_id")
@_json_option
@_options
def history(item_id: str, as_json: bool, **connection: Any) -> None:
    """An item's history, oldest first: what was done, when, why, by whom."""
    with _catalogue("history", **connection) as catalogue:
        answer = catalogue("GetItemHistory", pb.GetItemHistoryRequest(item_id=item_id))
    if as_json:
        echo_json(answer)
        return
    click.echo(table(["时间", "版本", "动作", "状态", "办理", "理由"], [
        [_time(e.at), e.version, e.action + (f" → {e.target}" if e.target else ""),
         f"{e.from_state}→{e.to_state}" if e.from_state or e.to_state else "",
         e.actor or e.office, e.reason] for e in answer.entries]))


@click.command("list")
@click.option("--region", required=True, help="this region and those under it")
@click.option("--status", type=click.Choice(list(LISTED)), default="published",
              show_default=True)
@click.option("--query", default="", help="Chinese text, pinyin or initials")
@click.option("--department-code", default="", help="only this department's items")
@click.option("--page-size", type=click.IntRange(1, 100), default=50, show_default=True)
@click.option("--page-token", default="", help="next_page_token of a previous listing")
@_json_option
@_options
def list_(region: str, status: str, query: str, department_code: str, page_size: int,
          page_token: str, as_json: bool, **connection: Any) -> None:
    """Items of a region by the status of their versions: drafts, submitted (awaiting review),
    returned or published — e.g. what waits for review."""
    request = pb.SearchItemsRequest(query=query, region=region.strip(), status=LISTED[status],
                                    department_code=department_code.strip().upper(),
                                    page_size=page_size, page_token=page_token)
    with _catalogue("list", region=region.strip() or None, **connection) as catalogue:
        answer = catalogue("SearchItems", request)
    if as_json:
        echo_json(answer)
        return
    click.echo(table(["事项", "版本", "状态", "名称", "实施主体", "区划"], [
        [h.item.item_id, h.item.version, STATUS_WORDS.get(h.item.status, "?"),
         h.item.content.name, h.item.content.department, h.item.content.region]
        for h in answer.hits]))
    more = f"; next page: --page-token {answer.next_page_token}" if (
        answer.next_page_token) else ""
    click.echo(f"{len(answer.hits)} of {answer.total} items{more}", err=True)


# --- change obligations (动态调整) ----------------------------------------------------------


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a day (YYYY-MM-DD)",
                                 param_hint="--effective-on") from None


def _obligations_table(obligations: Any) -> str:
    return table(["义务", "事项", "实施主体", "依据", "生效", "期限", "状态"], [
        [o.obligation_id, o.item_id, o.department or o.department_code, o.law,
         o.effective_on, o.due_date + ("（暂定）" if o.due_date_provisional else ""),
         OBLIGATION_WORDS.get(o.status, "?")] for o in obligations])


@click.command("change")
@click.option("--kind", type=click.Choice(sorted(CHANGE_KINDS)), required=True,
              help="legal-basis: a law changed (法制部门); functions: a department's functions "
                   "changed (机构编制管理机关)")
@click.option("--item", "item_id", default="", help="the affected item")
@click.option("--region", default="", help="functions, without --item: the department's region")
@click.option("--department-code", default="",
              help="functions, without --item: every published item of this department")
@click.option("--basis", required=True, help="the law, or the staffing document, that changed")
@click.option("--description", required=True, help="what changed")
@click.option("--effective-on", required=True, help="YYYY-MM-DD: the 10 working days count "
                                                    "from this day")
@_key_option
@_json_option
@_options
def change(kind: str, item_id: str, region: str, department_code: str, basis: str,
           description: str, effective_on: str, key: str | None, as_json: bool,
           **connection: Any) -> None:
    """Record a change of the legal basis or of a department's functions: the department
    must file a new version of each affected item within 10 working days (责任清单动态调整)."""
    if not item_id and not (kind == "functions" and region and department_code):
        raise click.UsageError("name the item (--item), or for a functions change the "
                               "department (--region and --department-code)")
    request = pb.RecordChangeRequest(
        idempotency_key=idempotency_key(key), kind=CHANGE_KINDS[kind], item_id=item_id,
        region=region, department_code=department_code.strip().upper(), basis=basis,
        description=description, effective_on=_day(effective_on))
    with _catalogue("change", region=region or None, **connection) as catalogue:
        answer = catalogue("RecordChange", request)
    if as_json:
        echo_json(answer)
    else:
        click.echo(_obligations_table(answer.obligations))


@click.command("obligations")
@click.option("--region", required=True, help="this region and those under it")
@click.option("--status", type=click.Choice(list(OBLIGATION_STATUS)), default=None,
              help="only these (default: all)")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="")
@_json_option
@_options
def obligations(region: str, status: str | None, page_size: int, page_token: str,
                as_json: bool, **connection: Any) -> None:
    """Change obligations (动态调整义务) of a region: which department must file a new version of
    which item, by when, and whether it did."""
    request = pb.ListObligationsRequest(
        region=region.strip(), status=OBLIGATION_STATUS[status] if status else 0,
        page_size=page_size, page_token=page_token)
    with _catalogue("obligations", region=region.strip(), **connection) as catalogue:
        answer = catalogue("ListObligations", request)
    if as_json:
        echo_json(answer)
        return
    click.echo(_obligations_table(answer.obligations))
    more = f"; next page: --page-token {answer.next_page_token}" if (
        answer.next_page_token) else ""
    click.echo(f"{len(answer.obligations)} obligations{more}", err=True)


COMMANDS = (create, update, submit, review, publish, next_version, suspend, resume, adjust,
            show, history, list_, change, obligations)
