"""What the hall's pages show, computed from the contracts' messages: pure, no web, no gRPC.

A case page answers the applicant's three questions (现在办到了哪一步, 下面要办哪一步,
还有多长时间可以办完) in working days on the official calendar, Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2

from services.shared.errors import DomainError
from services.shared.region_data import RegionDirectory
from services.shared.working_days import CHINA, WorkingCalendar

#: GB/T 39046 item types (事项类型).
ITEM_TYPES: dict[str, str] = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收",
    "05": "行政给付", "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决",
    "10": "其他行政权力", "20": "公共服务",
}
#: 清单类型.
LIST_KINDS: dict[int, str] = {
    catalogue_pb2.LIST_KIND_POWER: "权力清单",
    catalogue_pb2.LIST_KIND_DUTY: "责任清单",
    catalogue_pb2.LIST_KIND_PUBLIC_SERVICE: "公共服务清单",
    catalogue_pb2.LIST_KIND_NEGATIVE: "负面清单",
}
#: GB/T 39046 exercise levels (行使层级).
EXERCISE_LEVELS: dict[str, str] = {
    "1": "国家级", "2": "省级", "3": "市级", "4": "县级", "5": "镇（乡、街道）级",
    "6": "村（社区）级", "7": "分级行使",
}
#: Nature of the implementing body (实施主体性质).
BODY_NATURES: dict[int, str] = {
    catalogue_pb2.BODY_NATURE_STATUTORY: "法定机关",
    catalogue_pb2.BODY_NATURE_AUTHORISED: "法律法规授权组织",
    catalogue_pb2.BODY_NATURE_ENTRUSTED: "受委托组织",
}
HANDLING_FORMS: dict[int, str] = {
    catalogue_pb2.HANDLING_FORM_COUNTER: "窗口办理",
    catalogue_pb2.HANDLING_FORM_ONLINE: "网上办理",
    catalogue_pb2.HANDLING_FORM_MOBILE: "移动端办理",
    catalogue_pb2.HANDLING_FORM_POST: "快递（邮寄）办理",
}
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
}
#: What HistoryEntry.target names, by action.
HISTORY_TARGETS: dict[str, str] = {
    "delegate": "下放至", "transfer": "转由", "merge": "并入", "legal_basis_changed": "涉及",
    "functions_changed": "依据", "published": "批准文件", "reviewed_legal": "批准文件",
    "reviewed_staffing": "批准文件",
}
STEP_STATUS = {
    cases_pb2.STEP_STATUS_PENDING: ("待办", "pending"),
    cases_pb2.STEP_STATUS_ACTIVE: ("办理中", "active"),
    cases_pb2.STEP_STATUS_DONE: ("已完成", "done"),
}


def type_label(code: str) -> str:
    return ITEM_TYPES.get(code, code or "未分类")


def limit_text(days: int) -> str:
    return "当日办结" if days == 0 else f"{days} 个工作日"


def region_label(code: str) -> str:
    """``四川省广安市广安区``, or the code itself when it is not a known division."""
    if not code:
        return ""
    try:
        return RegionDirectory.load().full_name(code)
    except (DomainError, OSError):
        return code


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


def local_date(stamp: Timestamp | None) -> date | None:
    """The Asia/Shanghai calendar day of a stored UTC timestamp; None when unset."""
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    return stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA).date()


def local_time(stamp: Timestamp | None) -> str:
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return ""
    moment: datetime = stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA)
    return moment.strftime("%Y-%m-%d %H:%M")


def masked_applicant(applicant: cases_pb2.Applicant) -> str:
    """Enterprises by their name; a person only by the first character (张**)."""
    name = applicant.name.strip()
    if applicant.id_type == "credit_code" or len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


@dataclass(frozen=True)
class Remaining:
    """Working days from ``today`` to a due date; negative once it has passed."""

    due: date
    today: date
    days: int
    provisional: bool

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def text(self) -> str:
        if self.days < 0:
            return f"已超期 {-self.days} 个工作日"
        if self.overdue:  # due on a working day, today is the rest day after it
            return "已过截止日期"
        if self.days == 0:
            return "今天到期"
        return f"还剩 {self.days} 个工作日"


def remaining(due_iso: str, today: date, calendar: WorkingCalendar,
              provisional: bool = False) -> Remaining | None:
    if not due_iso:
        return None
    try:
        due = date.fromisoformat(due_iso)
    except ValueError:
        return None
    days, guessed = calendar.working_days_between(today, due)
    return Remaining(due, today, days, provisional or guessed)


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


@dataclass(frozen=True)
class BranchView:
    department: str
    name: str
    limit: str


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
        department=c.department,
        statutory_limit=limit_text(c.statutory_limit_days),
        promised_limit=limit_text(c.promised_limit_days),
        published_on=local_date(item.published_at if item.HasField("published_at") else None),
        steps=[(s.name, limit_text(s.limit_days)) for s in c.steps],
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
        external_flow=tuple(x for x in c.external_flow if x.strip()),
        flow=tuple(FlowStepView(s.name, limit_text(s.limit_days), [
            BranchView(b.department, b.name, limit_text(b.limit_days))
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


@dataclass(frozen=True)
class StepView:
    index: int
    number: int  # 1-based, for people
    name: str
    limit: str
    status_label: str
    status_class: str
    started_at: str
    completed_at: str
    due_date: str
    left: Remaining | None


@dataclass(frozen=True)
class CaseView:
    case_number: str
    item_id: str
    item_name: str
    item_code: str
    department: str
    applicant: str
    completed: bool
    status_label: str
    accepted_at: str
    completed_at: str
    promised_limit: str
    left: Remaining | None
    on_time: bool | None
    current: StepView | None
    next: StepView | None
    steps: list[StepView]
    done_count: int


def case_view(case: cases_pb2.Case, today: date, calendar: WorkingCalendar) -> CaseView:
    completed = case.status == cases_pb2.CASE_STATUS_COMPLETED
    steps = [_step_view(s, today, calendar, completed) for s in case.steps]
    current = next((s for s in steps if s.index == case.current_step), None)
    if completed:
        current = None
    following = None
    if current is not None:
        following = next((s for s in steps if s.index == current.index + 1), None)
    completed_on = local_date(case.completed_at if case.HasField("completed_at") else None)
    on_time = None
    if completed and completed_on and case.due_date:
        on_time = completed_on <= date.fromisoformat(case.due_date)
    return CaseView(
        case_number=case.case_number, item_id=case.item_id, item_name=case.item_name,
        item_code=case.item_code, department=case.department,
        applicant=masked_applicant(case.applicant), completed=completed,
        status_label="已办结" if completed else "办理中",
        accepted_at=local_time(case.accepted_at if case.HasField("accepted_at") else None),
        completed_at=local_time(case.completed_at if case.HasField("completed_at") else None),
        promised_limit=limit_text(case.promised_limit_days),
        left=None if completed else remaining(case.due_date, today, calendar,
                                              case.due_date_provisional),
        on_time=on_time, current=current, next=following, steps=steps,
        done_count=sum(1 for s in steps if s.status_class == "done"))


def _step_view(step: cases_pb2.CaseStep, today: date, calendar: WorkingCalendar,
               case_completed: bool) -> StepView:
    label, css = STEP_STATUS.get(step.status, ("待办", "pending"))
    active = step.status == cases_pb2.STEP_STATUS_ACTIVE and not case_completed
    return StepView(
        index=step.index, number=step.index + 1, name=step.name,
        limit=limit_text(step.limit_days), status_label=label, status_class=css,
        started_at=local_time(step.started_at if step.HasField("started_at") else None),
        completed_at=local_time(step.completed_at if step.HasField("completed_at") else None),
        due_date=step.due_date,
        left=remaining(step.due_date, today, calendar, step.due_date_provisional)
        if active else None)
