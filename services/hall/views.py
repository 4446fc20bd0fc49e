"""What the hall's pages show, computed from the contracts' messages: pure, no web, no gRPC.

A case page answers the applicant's three questions (现在办到了哪一步, 下面要办哪一步,
还有多长时间可以办完) from what the case service counted (its working-day calendar, the days
the clock stood still left out), dates in Asia/Shanghai. What the platform does not know is
said to be unknown, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.common.v1 import common_pb2

from services.shared import code_tables
from services.shared.code_tables import EXERCISE_LEVELS, ITEM_TYPES, enum_value_name
from services.shared.departments import UNKNOWN
from services.shared.errors import DomainError
from services.shared.region_data import RegionDirectory
from services.shared.working_days import CHINA


def _labels(table: dict[str, str], enum: EnumTypeWrapper, prefix: str) -> dict[int, str]:
    """A code table (``services.shared.code_tables``) keyed by the contract's enum numbers."""
    return {enum.Value(enum_value_name(code, prefix)): label for code, label in table.items()}


#: 清单类型.
LIST_KINDS = _labels(code_tables.LIST_KINDS, catalogue_pb2.ListKind, "LIST_KIND_")
#: Nature of the implementing body (实施主体性质).
BODY_NATURES = _labels(code_tables.BODY_NATURES, catalogue_pb2.BodyNature, "BODY_NATURE_")
HANDLING_FORMS = _labels(code_tables.HANDLING_FORMS, catalogue_pb2.HandlingForm,
                         "HANDLING_FORM_")
#: 办件类型.
HANDLING_MODES = _labels(code_tables.HANDLING_MODES, common_pb2.HandlingMode,
                         "HANDLING_MODE_")
#: 特别程序.
SPECIAL_PROCEDURES = _labels(code_tables.SPECIAL_PROCEDURES, common_pb2.SpecialProcedure,
                             "SPECIAL_PROCEDURE_")
#: 时限单位 (unspecified: working days).
TIME_UNITS = _labels(code_tables.TIME_UNITS, common_pb2.TimeUnit, "TIME_UNIT_")
#: What an item that is not in force says (关停并转放): a label and a sentence.
ITEM_STATES: dict[int, tuple[str, str]] = {
    catalogue_pb2.ITEM_STATE_SUSPENDED: ("暂停行使", "该事项暂停行使，暂不受理新的申请。"),
    catalogue_pb2.ITEM_STATE_CANCELLED: ("已取消", "该事项已取消，不再受理申请。"),
    catalogue_pb2.ITEM_STATE_DELEGATED: ("已下放", "该事项已下放至下一级政府实施。"),
    catalogue_pb2.ITEM_STATE_TRANSFERRED: ("已转移", "该事项已转由市场或社会组织承担。"),
    catalogue_pb2.ITEM_STATE_MERGED: ("已合并", "该事项已并入其他事项办理。"),
    catalogue_pb2.ITEM_STATE_FROZEN: ("已冻结", "该事项已冻结，暂不受理新的申请。"),
}
#: History actions (HistoryEntry.action) in words.
HISTORY_ACTIONS: dict[str, str] = {
    "created": "创建草稿", "updated": "修改草稿", "submitted": "提交审核",
    "reviewed_legal": "法制审核通过", "reviewed_staffing": "编制审核通过",
    "returned": "退回修改", "published": "公布", "version_drafted": "起草新版本",
    "suspend": "暂停行使", "resume": "恢复行使", "cancel": "取消", "delegate": "下放",
    "transfer": "转移", "merge": "合并", "freeze": "冻结", "unfreeze": "解冻",
    "legal_basis_changed": "法律依据变化", "functions_changed": "机构职能调整",
    "imported": "导入清单",
    "delegation_delivered": "下级政府已接收下放", "delegation_refused": "下级政府未接收下放",
}
#: What HistoryEntry.target names, by action.
HISTORY_TARGETS: dict[str, str] = {
    "delegate": "下放至", "delegation_delivered": "接收节点", "delegation_refused": "下放至",
    "transfer": "转由", "merge": "并入", "legal_basis_changed": "涉及",
    "functions_changed": "依据", "published": "批准文件", "reviewed_legal": "批准文件",
    "reviewed_staffing": "批准文件",
}
def type_label(code: str) -> str:
    return ITEM_TYPES.get(code, code or "未分类")


def limit_text(days: int, unit: int = common_pb2.TIME_UNIT_WORKING_DAYS) -> str:
    """``20 个工作日``, ``90 个自然日``; 0 is the same day."""
    return "当日办结" if days == 0 else f"{days} {unit_text(unit)}"


def region_label(code: str) -> str:
    """``四川省广安市广安区``, or the code itself when it is not a known division."""
    if not code:
        return ""
    try:
        return _full_name(code)
    except (DomainError, OSError):  # not kept: the data may be readable next time
        return code


@lru_cache(maxsize=4096)  # the divisions are the packaged data's: one answer per code
def _full_name(code: str) -> str:
    return RegionDirectory.load().full_name(code)


def money_text(amount: object) -> str:
    """A google.type.Money-like amount in yuan: ``12.50 元``; other currencies by code."""
    units = getattr(amount, "units", 0)
    nanos = getattr(amount, "nanos", 0)
    value = (Decimal(units) + Decimal(nanos) / Decimal(10**9)).quantize(Decimal("0.01"))
    currency = getattr(amount, "currency_code", "") or "CNY"
    return f"{value} 元" if currency == "CNY" else f"{value} {currency}"


def citation_text(citation: catalogue_pb2.LegalCitation) -> str:
    """《中华人民共和国食品安全法》第三十五条第一款 (digits as 第 35 条第 1 款)."""
    law = citation.law.strip()
    if law and not law.startswith("《"):
        law = f"《{law}》"
    parts = [law]
    for given, unit in ((citation.article.strip(), "条"), (citation.clause.strip(), "款")):
        if given:
            parts.append(f"第 {given} {unit}" if given.isdigit() else given)
    return "".join(parts)


def _local(stamp: Timestamp) -> datetime:
    """A timestamp in Asia/Shanghai, to the second (what the pages show is the day or the
    minute): ``datetime.fromtimestamp`` in C, where the protobuf runtime's ``ToDatetime``
    goes through a time tuple in Python — a case page shows a dozen or more."""
    try:
        return datetime.fromtimestamp(stamp.seconds, CHINA)
    except (OverflowError, OSError, ValueError):  # beyond what the platform converts
        return stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA)


def local_date(stamp: Timestamp | None) -> date | None:
    """The Asia/Shanghai calendar day of a stored UTC timestamp; None when unset."""
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    return _local(stamp).date()


def local_time(stamp: Timestamp | None) -> str:
    """``2026-12-02 09:30`` in Asia/Shanghai; "" when unset."""
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return ""
    return _minute_text(stamp.seconds)


@lru_cache(maxsize=16384)  # a case's page shows the same moments each time it is read
def _minute_text(seconds: int) -> str:
    return _local(Timestamp(seconds=seconds)).strftime("%Y-%m-%d %H:%M")


def masked_applicant(applicant: cases_pb2.Applicant) -> str:
    """Enterprises by their name; a person only by the first character (张**)."""
    name = applicant.name.strip()
    if applicant.id_type == "credit_code" or len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


@dataclass(frozen=True)
class MaterialView:
    name: str
    issuer: str
    originals: int
    copies: int
    mandatory: bool
    note: str


@dataclass(frozen=True)
class FeeView:
    name: str
    amount: str
    basis: str


def department_label(name: str, code: str = "") -> str:
    """A department as the public reads it: its name; its unified social credit code when
    no name is known; 未知 when neither is."""
    return name or code or UNKNOWN


@dataclass(frozen=True)
class BranchView:
    department: str
    name: str
    limit: str
    department_code: str = UNKNOWN


@dataclass(frozen=True)
class FlowStepView:
    """A step of the internal flow as the public sees it: never its role or risk points."""

    name: str
    limit: str
    branches: list[BranchView]


@dataclass(frozen=True)
class CitationView:
    source: str  # 《法》第X条第Y款
    text: str


@dataclass(frozen=True)
class ItemView:
    """Everything public about an item version; internal fields are never copied here."""

    item_id: str
    version: int
    name: str
    code: str
    type_label: str
    region: str
    region_name: str
    department: str
    statutory_limit: str
    promised_limit: str
    published_on: date | None
    steps: list[tuple[str, str]]  # (step name, limit text)
    #: the department's unified social credit code, or 未知 when the catalogue has none
    department_code: str = UNKNOWN
    list_kind: str = ""
    exercise_level: str = ""
    body_name: str = ""
    body_code: str = ""
    body_nature: str = ""
    accepting_office: str = ""
    legal_basis: tuple[CitationView, ...] = ()
    acceptance_conditions: tuple[str, ...] = ()
    materials: tuple[MaterialView, ...] = ()
    fees: tuple[FeeView, ...] = ()
    supervision_phone: str = ""
    enquiry_phone: str = ""
    handling_forms: tuple[str, ...] = ()
    handling_modes: tuple[str, ...] = ()  # 办件类型: 即办件, 承诺件 …
    special_procedures: tuple[str, ...] = ()  # 特别程序: 听证, 专家评审 …
    external_flow: tuple[str, ...] = ()
    flow: tuple[FlowStepView, ...] = ()
    group: str = ""
    state_label: str = ""  # empty while the item is in force (active)
    state_notice: str = ""
    successor: str = ""
    successor_is_item: bool = False


def item_view(item: catalogue_pb2.ItemVersion) -> ItemView:
    c = item.content
    state_label, state_notice = ITEM_STATES.get(item.state, ("", ""))
    return ItemView(
        item_id=item.item_id, version=item.version, name=c.name, code=c.code,
        type_label=type_label(c.item_type), region=c.region, region_name=region_label(c.region),
        department=c.department, department_code=c.department_code or UNKNOWN,
        statutory_limit=limit_text(c.statutory_limit_days, c.limit_unit),
        promised_limit=limit_text(c.promised_limit_days, c.limit_unit),
        published_on=local_date(item.published_at if item.HasField("published_at") else None),
        steps=[(s.name, limit_text(s.limit_days, s.limit_unit)) for s in c.steps],
        list_kind=LIST_KINDS.get(c.list_kind, ""),
        exercise_level=EXERCISE_LEVELS.get(c.exercise_level, c.exercise_level),
        body_name=c.body.name or c.department, body_code=c.body.code,
        body_nature=BODY_NATURES.get(c.body.nature, ""),
        accepting_office=c.accepting_office,
        legal_basis=tuple(CitationView(citation_text(b), b.text) for b in c.legal_basis),
        acceptance_conditions=tuple(x for x in c.acceptance_conditions if x.strip()),
        materials=tuple(MaterialView(m.name, m.issuer, m.originals, m.copies, m.mandatory,
                                     m.note) for m in c.materials),
        fees=tuple(FeeView(f.name, money_text(f.amount), f.basis) for f in c.fees),
        supervision_phone=c.supervision_phone, enquiry_phone=c.enquiry_phone,
        handling_forms=tuple(HANDLING_FORMS[f] for f in c.handling_forms
                             if f in HANDLING_FORMS),
        handling_modes=tuple(HANDLING_MODES[m] for m in c.modes if m in HANDLING_MODES),
        special_procedures=tuple(SPECIAL_PROCEDURES[p] for p in c.special_procedures
                                 if p in SPECIAL_PROCEDURES),
        external_flow=tuple(x for x in c.external_flow if x.strip()),
        flow=tuple(FlowStepView(s.name, limit_text(s.limit_days, s.limit_unit), [
            BranchView(department_label(b.department, b.department_code), b.name,
                       limit_text(b.limit_days, b.limit_unit), b.department_code or UNKNOWN)
            for b in s.parallel_branches]) for s in c.steps),
        group=c.group,
        state_label=state_label, state_notice=state_notice,
        successor=item.successor if state_label else "",
        successor_is_item=item.state == catalogue_pb2.ITEM_STATE_MERGED)


@dataclass(frozen=True)
class HistoryView:
    action: str
    version: int
    office: str  # the office that acted; the public never sees the person
    at: str
    reason: str
    target: str  # with what it names: "并入 it-9"


def history_view(entries: list[catalogue_pb2.HistoryEntry]) -> list[HistoryView]:
    """The public history, oldest first, actions in words, by office."""
    return [HistoryView(action=HISTORY_ACTIONS.get(e.action, e.action), version=e.version,
                         office=e.office, at=local_time(e.at if e.HasField("at") else None),
                         reason=e.reason,
                         target=f"{HISTORY_TARGETS.get(e.action, '相关')}：{e.target}"
                         if e.target else "")
            for e in entries]


# --- a case ---------------------------------------------------------------------------------
#: Every status of a case: its label, its css class, and what it means for the applicant.
CASE_STATUSES: dict[int, tuple[str, str, str]] = {
    cases_pb2.CASE_STATUS_SUBMITTED: ("已申请待受理", "active",
                                      "申请已提交，正在进行受理审查。"),
    cases_pb2.CASE_STATUS_SUPPLEMENT: ("补正中", "waiting",
                                       "申请材料需要补正。补正期间，办理时限暂停计算。"),
    cases_pb2.CASE_STATUS_IN_PROGRESS: ("办理中", "active", "已受理，正在办理。"),
    cases_pb2.CASE_STATUS_DECIDED: ("已决定", "active", "已作出决定，办理结果将依法公开。"),
    cases_pb2.CASE_STATUS_PUBLISHED: ("结果已公开", "done", "办理结果已公开。"),
    cases_pb2.CASE_STATUS_COMPLETED: ("已办结", "done", "本件已办结。"),
    cases_pb2.CASE_STATUS_REJECTED: ("不予受理", "ended", "申请不予受理。"),
    cases_pb2.CASE_STATUS_WITHDRAWN: ("已撤回", "ended", "申请人已撤回申请，办理终止。"),
    cases_pb2.CASE_STATUS_LAPSED: ("申请已失效", "ended",
                                   "申请人未在补正期限内补齐材料，申请已失效。"),
}
UNKNOWN_STATUS = ("状态未知", "pending", "本大厅暂时无法说明这个办件的状态，请咨询办理部门。")
#: Statuses in which the case is still being handled: its clock and steps matter.
OPEN_STATUSES = frozenset({cases_pb2.CASE_STATUS_SUBMITTED, cases_pb2.CASE_STATUS_SUPPLEMENT,
                           cases_pb2.CASE_STATUS_IN_PROGRESS})
#: Statuses after which nothing more happens to the case.
CLOSED_STATUSES = frozenset({cases_pb2.CASE_STATUS_COMPLETED, cases_pb2.CASE_STATUS_REJECTED,
                             cases_pb2.CASE_STATUS_WITHDRAWN, cases_pb2.CASE_STATUS_LAPSED})
STEP_STATES: dict[int, tuple[str, str]] = {
    cases_pb2.STEP_STATUS_PENDING: ("待办", "pending"),
    cases_pb2.STEP_STATUS_ACTIVE: ("办理中", "active"),
    cases_pb2.STEP_STATUS_DONE: ("已完成", "done"),
    cases_pb2.STEP_STATUS_RETURNED: ("已退回", "returned"),
    cases_pb2.STEP_STATUS_CANCELLED: ("已终止", "ended"),
}
#: Why a case's clock stands still, in words, by the clock's reason (a special procedure's
#: code, or a supplement).
CLOCK_REASONS: dict[str, str] = {"supplement": "补正材料中", **{
    code: f"{label}中" for code, label in code_tables.SPECIAL_PROCEDURES.items()}}
OUTCOMES: dict[int, str] = {cases_pb2.DECISION_OUTCOME_APPROVE: "准予",
                            cases_pb2.DECISION_OUTCOME_REFUSE: "不予准予"}
NOT_PUBLISHED = "未公布"
#: How the completeness check names a missing material: "申请表 (form)", optionally with the
#: counts needed and given.
_MISSING = re.compile(r"^(?P<name>.+?) \((?P<key>[a-z][a-z0-9_]*)\)(?::\s*(?P<originals>\d+) "
                      r"originals and (?P<copies>\d+) copies needed, (?P<given_originals>\d+) "
                      r"and (?P<given_copies>\d+) given)?$")


def unit_text(unit: int) -> str:
    """个工作日 or 个自然日; an unstated unit is the law's default, working days."""
    return TIME_UNITS.get(unit, TIME_UNITS[common_pb2.TIME_UNIT_WORKING_DAYS])


def days_left_text(left: int, unit: int, due_iso: str, today: date) -> str:
    """还剩 3 个工作日 / 今天到期 / 已超期 2 个工作日 — from the days the case service counted
    (negative when late) and the due date, if one is known."""
    if left < 0:
        return f"已超期 {-left} {unit_text(unit)}"
    if left == 0:
        if due_iso and due_iso < today.isoformat():
            return "已过截止日期"
        return "今天到期" if due_iso == today.isoformat() else "时限已用完"
    return f"还剩 {left} {unit_text(unit)}"


@dataclass(frozen=True)
class LimitView:
    """Where a limit of the case (承诺时限 or 法定时限) stands."""

    label: str
    known: bool             # False: the item declares no such limit (未公布)
    started: bool           # False: it runs from acceptance, which has not happened
    limit: str              # "10 个工作日", "当日办结" or 未公布
    due_date: str           # "" while the clock stands still
    provisional: bool
    used: int
    used_text: str          # 已用 3 个工作日
    left: int
    left_text: str
    overdue: bool
    verdict: str            # for a closed case: 按时办结 / 超期 N 个工作日办结


@dataclass(frozen=True)
class RunningStepView:
    """A step running now (or a parallel branch of it), as the public sees it."""

    name: str
    department: str
    region_name: str        # the government handling it, when it is not the case's own
    started_at: str
    limit: str
    due_date: str
    provisional: bool
    left_text: str
    overdue: bool


@dataclass(frozen=True)
class HistoryStepView:
    name: str
    department: str
    status_label: str
    status_class: str
    started_at: str
    ended_at: str


@dataclass(frozen=True)
class PauseView:
    """A period in which the clock stood still or the limits changed: 补正 or 特别程序."""

    what: str
    started_at: str
    ended_at: str           # "" while it lasts
    note: str


@dataclass(frozen=True)
class DecisionView:
    outcome: str
    document_number: str    # 未公布 when the decision names none
    certificate: str
    valid_until: str
    decided_at: str
    reasons: str            # a refusal's reasons and legal basis (the law requires them)
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class ClockView:
    stopped: bool
    since: str
    because: str            # in words: 补正材料中, 听证中 …


@dataclass(frozen=True)
class CaseView:
    case_number: str
    item_id: str
    item_name: str
    item_code: str
    department: str
    department_code: str    # 未知 when the item names none
    region_name: str
    applicant: str
    status_label: str
    status_class: str
    status_text: str
    open: bool              # still being handled: the three questions apply
    closed: bool            # nothing more happens to it
    reason: str             # why it was rejected or lapsed
    submitted_at: str
    accepted_at: str
    closed_at: str
    running: tuple[RunningStepView, ...]
    next_steps: tuple[str, ...]
    clock: ClockView
    promised: LimitView
    statutory: LimitView
    decision: DecisionView | None
    decision_pending: bool  # decided, the result not yet published
    history: tuple[HistoryStepView, ...]
    pauses: tuple[PauseView, ...]
    missing: tuple[str, ...]          # materials still lacking, by name where known
    supplement_due: str               # the applicant's last day to supplement


def _stamp(message: object, field: str) -> Timestamp | None:
    return getattr(message, field) if message.HasField(field) else None  # type: ignore[attr-defined]


def _limit_view(case: cases_pb2.Case, field: str, label: str, today: date) -> LimitView:
    accepted = case.HasField("accepted_at")
    if not case.HasField(field):
        # before acceptance no limit runs; after it, a missing one is one the item never
        # declared — unknown, not zero
        return LimitView(label, known=not accepted, started=False,
                         limit=NOT_PUBLISHED if accepted else "", due_date="",
                         provisional=False, used=0, used_text="", left=0, left_text="",
                         overdue=False,
                         verdict="")
    due: cases_pb2.Due = getattr(case, field)
    verdict = verdict_text(due) if decided(case) else ""
    return LimitView(label, known=True, started=True,
                     limit=limit_text(due.limit_days, due.unit), due_date=due.due_date,
                     provisional=due.provisional, used=due.used,
                     used_text=f"已用 {due.used} {unit_text(due.unit)}", left=due.left,
                     left_text=days_left_text(due.left, due.unit, due.due_date, today),
                     overdue=due.left < 0, verdict=verdict)


def decided(case: cases_pb2.Case) -> bool:
    """Decided or closed: the case's limits have their verdict, no days left."""
    return case.status in CLOSED_STATUSES or case.status in (
        cases_pb2.CASE_STATUS_DECIDED, cases_pb2.CASE_STATUS_PUBLISHED)


def verdict_text(due: cases_pb2.Due) -> str:
    """按时办结 / 超期 2 个工作日办结: a limit's verdict once the case is decided."""
    return "按时办结" if due.left >= 0 else f"超期 {-due.left} {unit_text(due.unit)}办结"


def missing_key(text: str) -> str:
    """The material key of one of the completeness check's findings
    (``营业执照 (licence)`` or ``… (licence): 1 originals and …``); a bare key is itself."""
    found = _MISSING.match(text)
    return found["key"] if found else text


def material_names(case: cases_pb2.Case) -> dict[str, str]:
    """Material key → name, as far as the case itself tells (its completeness check)."""
    names = {}
    for text in case.missing_materials:
        found = _MISSING.match(text)
        if found:
            names[found["key"]] = found["name"]
    return names


def unnamed_materials(case: cases_pb2.Case) -> set[str]:
    """Keys of materials the case names (in its supplement requests) without their names."""
    named = material_names(case)
    return {key for request in case.supplements for key in request.missing
            if key not in named}


def missing_text(text: str) -> str:
    """One finding of the completeness check in words: ``申请表`` or ``申请表（需原件 1 份、
    复印件 0 份，已交原件 0 份、复印件 0 份）``; anything else as it came."""
    found = _MISSING.match(text)
    if found is None:
        return text
    if found["originals"] is None:
        return found["name"]
    return (f"{found['name']}（需原件 {found['originals']} 份、复印件 {found['copies']} 份，"
            f"已交原件 {found['given_originals']} 份、复印件 {found['given_copies']} 份）")


def case_view(case: cases_pb2.Case, today: date,
              names: dict[str, str] | None = None) -> CaseView:
    """Everything the public page of a case shows; ``names`` maps material keys to names
    (the item's list), for the materials a supplement request names by key."""
    label, css, text = CASE_STATUSES.get(case.status, UNKNOWN_STATUS)
    known_names = {**(names or {}), **material_names(case)}
    stopped = case.clock.stopped
    running = tuple(_running_view(s, case, today, stopped) for s in case.steps
                    if s.status == cases_pb2.STEP_STATUS_ACTIVE) if (
        case.status in OPEN_STATUSES) else ()
    open_request = next((r for r in reversed(case.supplements)
                         if not r.HasField("received_at")), None)
    missing = [missing_text(m) for m in case.missing_materials]
    if case.status == cases_pb2.CASE_STATUS_SUPPLEMENT and open_request is not None:
        checked = set(material_names(case))  # named by the completeness check already
        missing += [known_names.get(k, k) for k in open_request.missing if k not in checked]
    decision = None
    if case.HasField("decision") and case.status in (cases_pb2.CASE_STATUS_PUBLISHED,
                                                     cases_pb2.CASE_STATUS_COMPLETED):
        decision = _decision_view(case.decision)
    return CaseView(
        case_number=case.case_number, item_id=case.item_id, item_name=case.item_name,
        item_code=case.item_code,
        department=department_label(case.department, case.department_code),
        department_code=case.department_code or UNKNOWN,
        region_name=region_label(case.region), applicant=masked_applicant(case.applicant),
        status_label=label, status_class=css, status_text=text,
        open=case.status in OPEN_STATUSES, closed=case.status in CLOSED_STATUSES,
        reason=case.reason if case.status in (cases_pb2.CASE_STATUS_REJECTED,
                                              cases_pb2.CASE_STATUS_LAPSED) else "",
        submitted_at=local_time(_stamp(case, "submitted_at")),
        accepted_at=local_time(_stamp(case, "accepted_at")),
        closed_at=local_time(_stamp(case, "completed_at")),
        running=running,
        next_steps=tuple(case.next_steps) if case.status in OPEN_STATUSES else (),
        clock=ClockView(stopped, case.clock.stopped_since,
                        CLOCK_REASONS.get(case.clock.stopped_because, "原因未公布")
                        if stopped else ""),
        promised=_limit_view(case, "promised", "承诺时限", today),
        statutory=_limit_view(case, "statutory", "法定时限", today),
        decision=decision,
        decision_pending=case.status == cases_pb2.CASE_STATUS_DECIDED,
        history=tuple(_history_view(s) for s in case.steps),
        pauses=_pauses(case, known_names),
        missing=tuple(missing),
        supplement_due=open_request.due_date if open_request is not None and (
            case.status == cases_pb2.CASE_STATUS_SUPPLEMENT) else "")


def _running_view(step: cases_pb2.CaseStep, case: cases_pb2.Case, today: date,
                  stopped: bool) -> RunningStepView:
    due = step.due_date
    if stopped or not due:
        left_text = "计时暂停，暂无截止日期" if stopped else "截止日期未知"
    else:
        left_text = days_left_text(step.days_left, step.limit_unit, due, today)
    return RunningStepView(
        name=step.name, department=department_label(step.department, step.department_code)
        if step.department or step.department_code
        else department_label(case.department, case.department_code),
        region_name=region_label(step.region) if step.region and step.region != case.region
        else "",
        started_at=local_time(_stamp(step, "started_at")),
        limit=limit_text(step.limit_days, step.limit_unit), due_date="" if stopped else due,
        provisional=step.due_date_provisional, left_text=left_text,
        overdue=bool(due) and not stopped and step.days_left < 0)


def _history_view(step: cases_pb2.CaseStep) -> HistoryStepView:
    label, css = STEP_STATES.get(step.status, ("状态未知", "pending"))
    return HistoryStepView(step.name, department_label(step.department, step.department_code),
                           label, css,
                           local_time(_stamp(step, "started_at")),
                           local_time(_stamp(step, "completed_at")))


def _pauses(case: cases_pb2.Case, names: dict[str, str]) -> tuple[PauseView, ...]:
    pauses = []
    for request in case.supplements:
        what = "补正材料：" + "、".join(names.get(k, k) for k in request.missing)
        pauses.append((_stamp(request, "requested_at"), PauseView(
            what, local_time(_stamp(request, "requested_at")),
            local_time(_stamp(request, "received_at")),
            f"补正期限至 {request.due_date}" if request.due_date else "")))
    for procedure in case.procedures:
        kind = SPECIAL_PROCEDURES.get(procedure.kind, "特别程序")
        note = (f"办理时限延长 {procedure.extension_days} 个工作日"
                if procedure.extension_days else "期间不计入办理时限")
        pauses.append((_stamp(procedure, "started_at"), PauseView(
            kind, local_time(_stamp(procedure, "started_at")),
            local_time(_stamp(procedure, "ended_at")), note)))
    pauses.sort(key=lambda p: p[0].ToNanoseconds() if p[0] is not None else 0)
    return tuple(p for _, p in pauses)


def _decision_view(decision: cases_pb2.Decision) -> DecisionView:
    refused = decision.outcome == cases_pb2.DECISION_OUTCOME_REFUSE
    return DecisionView(
        outcome=OUTCOMES.get(decision.outcome, NOT_PUBLISHED),
        document_number=decision.document_number or NOT_PUBLISHED,
        certificate=decision.certificate, valid_until=decision.valid_until,
        decided_at=local_time(_stamp(decision, "decided_at")),
        reasons=decision.reasons if refused else "",
        legal_basis=tuple(decision.legal_basis) if refused else ())
