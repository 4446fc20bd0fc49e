"""What the hall's pages show, computed from the contracts' messages: pure, no web, no gRPC.

A case page answers the applicant's three questions (现在办到了哪一步, 下面要办哪一步,
还有多长时间可以办完) in working days on the official calendar, Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2

from services.shared.working_days import CHINA, WorkingCalendar

#: GB/T 39046 item types (事项类型).
ITEM_TYPES: dict[str, str] = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收",
    "05": "行政给付", "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决",
    "10": "其他行政权力", "20": "公共服务",
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
class ItemView:
    item_id: str
    version: int
    name: str
    code: str
    type_label: str
    region: str
    department: str
    statutory_limit: str
    promised_limit: str
    published_on: date | None
    steps: list[tuple[str, str]]  # (step name, limit text)


def item_view(item: catalogue_pb2.ItemVersion) -> ItemView:
    c = item.content
    return ItemView(
        item_id=item.item_id, version=item.version, name=c.name, code=c.code,
        type_label=type_label(c.item_type), region=c.region, department=c.department,
        statutory_limit=limit_text(c.statutory_limit_days),
        promised_limit=limit_text(c.promised_limit_days),
        published_on=local_date(item.published_at if item.HasField("published_at") else None),
        steps=[(s.name, limit_text(s.limit_days)) for s in c.steps])


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
