"""Complaints and reports (投诉 / 举报) and ratings (好差评) with their rectification (差评整改).

**Complaints.** A citizen or enterprise complains (投诉: how they were served) or reports
(举报: misconduct — 不作为、乱作为) about a case, a department, an item or a member of staff,
to the body they choose: the supervisors (监察机关), the openness office (政务公开主管部门), the
legal office (法制部门) or — a complaint only, never a report — the department concerned
itself. Each has a handling deadline in working days on the official calendar (default 15).
The addressed body accepts (受理) or rejects it (不予受理, with a reason), answers it with its
finding (属实 / 部分属实 / 不属实) and closes it (办结); the person may withdraw it until it
is answered. Not answered by its deadline, it is overdue (``complaint_overdue``; a sweep notes
it once).

**Ratings** (国办发〔2019〕51号, GB/T 39734-2020). The applicant of a case that has ended (办结,
or 不予受理) rates it once per channel (online, mobile, counter) within the rating window (default
15 working days after the case ended): five levels, GB/T 39046's satisfaction codes
1 非常满意 … 5 非常不满意; 4 and 5 are a bad rating (差评), which must say what went wrong. Each
channel has GB/T 39046's indicators — online (PC, mobile): overall, efficiency, guide accuracy,
convenience, usability; at a counter: efficiency, skill, attitude — each rated with the same
five levels. A bad rating opens a rectification task (差评整改) for the case's department, due
in its own limit of working days (default 15), tracked like a step: due date, days left,
overdue; done when the department records its measures (整改措施) and its answer to the rater
(回复). The department may appeal (申诉) a bad rating once as mistaken (误评) or malicious
(恶意差评); a supervisor decides: upheld, the rating is excluded from the indicators with the
reason and its open rectification is cancelled; rejected, it stands.

**Indicators** per department and month (``DepartmentMonth``): ratings counted, per level,
good-rating rate (好评率: levels 1–3 of all counted), average score on five points, bad ratings
rectified and on time (差评整改率, 按期整改率), rectifications overdue, exclusions, appeals,
complaints received, handled and overdue.

Pure: no I/O. The write path is ``services.monitoring.feedback``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from services.shared.errors import FailedPrecondition, InvalidArgument, NotFound

MAX_TEXT = 5000
SUPERVISION = "supervision"  # what the platform does by itself, in histories


class Calendar(Protocol):
    def add_working_days(self, start: date, days: int) -> _Due: ...

    def working_days_between(self, start: date, end: date) -> tuple[int, bool]: ...


class _Due(Protocol):
    day: date
    provisional: bool


@dataclass(frozen=True)
class Policy:
    """The limits a node sets (settings ``feedback_*``), in working days."""

    complaint_days: int = 15
    rating_window_days: int = 15
    rectification_days: int = 15
    consultation_days: int = 5


@dataclass(frozen=True)
class Entry:
    """One step of a history."""

    at: datetime
    by: str
    action: str
    note: str = ""


# --- complaints -----------------------------------------------------------------------------

class Kind(StrEnum):
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"        # 举报


class Addressee(StrEnum):
    SUPERVISION = "supervision"  # 监察机关
    OPENNESS = "openness"        # 政务公开主管部门
    LEGAL = "legal"              # 法制部门
    DEPARTMENT = "department"    # the department concerned


class Subject(StrEnum):
    CASE = "case"
    DEPARTMENT = "department"
    ITEM = "item"
    STAFF = "staff"


class ComplaintStatus(StrEnum):
    SUBMITTED = "submitted"  # 待受理
    HANDLING = "handling"    # 办理中
    ANSWERED = "answered"    # 已答复
    CLOSED = "closed"        # 已办结
    REJECTED = "rejected"    # 不予受理
    WITHDRAWN = "withdrawn"  # 已撤回


class Finding(StrEnum):
    SUBSTANTIATED = "substantiated"      # 属实
    PARTLY = "partly"                    # 部分属实
    UNSUBSTANTIATED = "unsubstantiated"  # 不属实


#: the role whose holders act for each body (admins act for all); the department's staff by
#: their department's credit code
ADDRESSEE_ROLES = {Addressee.SUPERVISION: "supervisor", Addressee.OPENNESS: "openness_officer",
                   Addressee.LEGAL: "legal_reviewer", Addressee.DEPARTMENT: "clerk"}
ADDRESSEE_WORDS = {Addressee.SUPERVISION: "监察机关", Addressee.OPENNESS: "政务公开主管部门",
                   Addressee.LEGAL: "法制部门", Addressee.DEPARTMENT: "被投诉部门"}
KIND_WORDS = {Kind.COMPLAINT: "投诉", Kind.REPORT: "举报"}
#: a complaint waiting for its answer (its deadline runs)
UNANSWERED = frozenset({ComplaintStatus.SUBMITTED, ComplaintStatus.HANDLING})
#: handled: answered, closed or rejected (a withdrawn one is neither)
HANDLED = frozenset({ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED,
                     ComplaintStatus.REJECTED})


@dataclass(frozen=True)
class Complaint:
    complaint_id: str
    kind: Kind
    addressee: Addressee
    subject: Subject
    region: str
    department: str
    department_code: str
    title: str
    content: str
    complainant: str
    status: ComplaintStatus
    due_date: date
    provisional: bool
    submitted_at: datetime
    case_number: str = ""
    item_id: str = ""
    staff: str = ""
    contact: str = ""
    finding: str = ""
    answer: str = ""
    handled_by: str = ""
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    overdue_noted: bool = False
    history: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Target:
    """What a complaint is about, once known: the case's own region and department for a
    case (from the case service), as given for the others."""

    subject: Subject
    region: str
    department_code: str
    department: str = ""
    case_number: str = ""
    item_id: str = ""
    staff: str = ""


def complaint_id(region: str, day: date) -> str:
    alphabet = "ABCDEFGHJKLMNPQRTUWXY0123456789"
    return f"{region}-TS-{day:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def submit_complaint(*, complaint_id: str, kind: Kind, addressee: Addressee, target: Target,
                     title: str, content: str, contact: str, complainant: str, now: datetime,
                     today: date, calendar: Calendar, policy: Policy) -> Complaint:
    """A new complaint or report, due in ``policy.complaint_days`` working days."""
    if kind is Kind.REPORT and addressee is Addressee.DEPARTMENT:
        raise InvalidArgument.of_field(
            "addressee", "举报不能提交给被举报部门本身，请选择监察机关、政务公开主管部门或法制部门",
            code="REPORT_TO_DEPARTMENT")
    required = {Subject.CASE: ("case_number", target.case_number),
                Subject.ITEM: ("item_id", target.item_id),
                Subject.STAFF: ("staff", target.staff)}.get(target.subject)
    if required is not None and not required[1].strip():
        raise InvalidArgument.of_field(required[0], "请填写投诉对象", code="SUBJECT_REQUIRED")
    if not target.department_code:
        raise InvalidArgument.of_field("department_code", "请填写被投诉部门的统一社会信用代码",
                                       code="DEPARTMENT_REQUIRED")
    if not title.strip() or not content.strip():
        raise InvalidArgument.of_field("content" if title.strip() else "title", "不能为空",
                                       code="TEXT_REQUIRED")
    due = calendar.add_working_days(today, policy.complaint_days)
    words = f"{KIND_WORDS[kind]}提交至{ADDRESSEE_WORDS[addressee]}，办理期限至{due.day.isoformat()}"
    return Complaint(
        complaint_id=complaint_id, kind=kind, addressee=addressee, subject=target.subject,
        region=target.region, department=target.department,
        department_code=target.department_code, title=title.strip(), content=content.strip(),
        complainant=complainant, status=ComplaintStatus.SUBMITTED, due_date=due.day,
        provisional=due.provisional, submitted_at=now, case_number=target.case_number,
        item_id=target.item_id, staff=target.staff.strip(), contact=contact.strip(),
        history=(Entry(now, complainant, "submitted", words),))


def _complaint_step(c: Complaint, allowed: frozenset[ComplaintStatus], action: str,
                    words: str) -> None:
    if c.status not in allowed:
        raise FailedPrecondition(
            f"{KIND_WORDS[c.kind]} {c.complaint_id} 当前状态为「{STATUS_WORDS[c.status]}」，"
            f"不能{words}", code="COMPLAINT_ACTION_NOT_ALLOWED",
            metadata={"status": c.status.value, "action": action})


STATUS_WORDS = {ComplaintStatus.SUBMITTED: "待受理", ComplaintStatus.HANDLING: "办理中",
                ComplaintStatus.ANSWERED: "已答复", ComplaintStatus.CLOSED: "已办结",
                ComplaintStatus.REJECTED: "不予受理", ComplaintStatus.WITHDRAWN: "已撤回"}


def accept_complaint(c: Complaint, by: str, now: datetime, note: str = "") -> Complaint:
    _complaint_step(c, frozenset({ComplaintStatus.SUBMITTED}), "accept", "受理")
    return replace(c, status=ComplaintStatus.HANDLING, handled_by=by,
                   history=(*c.history, Entry(now, by, "accepted", note.strip())))


def reject_complaint(c: Complaint, by: str, now: datetime, reason: str) -> Complaint:
    _complaint_step(c, UNANSWERED, "reject", "不予受理")
    _need(reason, "reason")
    return replace(c, status=ComplaintStatus.REJECTED, handled_by=by, answer=reason.strip(),
                   answered_at=now, closed_at=now,
                   history=(*c.history, Entry(now, by, "rejected", reason.strip())))


def answer_complaint(c: Complaint, by: str, now: datetime, finding: Finding, answer: str
                     ) -> Complaint:
    _complaint_step(c, UNANSWERED, "answer", "答复")
    _need(answer, "answer")
    return replace(c, status=ComplaintStatus.ANSWERED, handled_by=by, finding=finding.value,
                   answer=answer.strip(), answered_at=now,
                   history=(*c.history, Entry(now, by, "answered", answer.strip())))


def close_complaint(c: Complaint, by: str, now: datetime, note: str = "") -> Complaint:
    _complaint_step(c, frozenset({ComplaintStatus.ANSWERED}), "close", "办结（须先答复）")
    return replace(c, status=ComplaintStatus.CLOSED, closed_at=now,
                   history=(*c.history, Entry(now, by, "closed", note.strip())))


def withdraw_complaint(c: Complaint, by: str, now: datetime, reason: str = "") -> Complaint:
    _complaint_step(c, UNANSWERED, "withdraw", "撤回")
    return replace(c, status=ComplaintStatus.WITHDRAWN, closed_at=now,
                   history=(*c.history, Entry(now, by, "withdrawn", reason.strip())))


def complaint_overdue(c: Complaint, today: date) -> bool:
    """Not answered and past its deadline."""
    return c.status in UNANSWERED and today > c.due_date


def note_complaint_overdue(c: Complaint, now: datetime) -> Complaint:
    return replace(c, overdue_noted=True, history=(*c.history, Entry(
        now, SUPERVISION, "overdue", f"已超过办理期限（{c.due_date.isoformat()}）仍未答复")))


def _need(text: str, name: str) -> None:
    if not text.strip():
        raise InvalidArgument.of_field(name, "不能为空", code="TEXT_REQUIRED")


# --- ratings --------------------------------------------------------------------------------

class Channel(StrEnum):
    ONLINE = "online"    # 政务服务网 (PC)
    MOBILE = "mobile"    # 移动端
    COUNTER = "counter"  # 窗口 (实体大厅)


class AppealStatus(StrEnum):
    NONE = ""
    PENDING = "pending"    # 申诉待审核
    UPHELD = "upheld"      # 申诉成立
    REJECTED = "rejected"  # 申诉不成立


class RectificationStatus(StrEnum):
    OPEN = "open"            # 整改中
    DONE = "done"            # 已整改
    CANCELLED = "cancelled"  # 撤销


#: GB/T 39046 satisfaction codes
LEVEL_WORDS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
BAD_LEVELS = frozenset({4, 5})
#: GB/T 39046 indicators of a rating given online (PC and mobile) and at a counter
ONLINE_INDICATORS = {"overall": "总体满意度", "efficiency": "办事效率",
                     "guide_accuracy": "办事指南准确性", "convenience": "办事便捷性",
                     "usability": "系统易用性"}
COUNTER_INDICATORS = {"efficiency": "办事效率", "skill": "业务水平", "attitude": "服务态度"}
INDICATORS: Mapping[Channel, Mapping[str, str]] = {
    Channel.ONLINE: ONLINE_INDICATORS, Channel.MOBILE: ONLINE_INDICATORS,
    Channel.COUNTER: COUNTER_INDICATORS}
CHANNEL_WORDS = {Channel.ONLINE: "政务服务网", Channel.MOBILE: "移动端",
                 Channel.COUNTER: "窗口"}
#: case statuses that may be rated: it ended with a result (办结) or was not accepted (不予受理)
RATEABLE = frozenset({"completed", "rejected"})
APPEAL_KINDS = {"mistaken": "误评", "malicious": "恶意差评"}


@dataclass(frozen=True)
class CaseFacts:
    """What supervision needs to know of a case to take its rating (from the case service)."""

    case_number: str
    region: str
    department: str
    department_code: str
    item_id: str
    item_name: str
    status: str                  # "completed", "rejected", "in_progress", …
    ended_at: datetime | None    # completed, rejected, withdrawn or lapsed
    applicant: tuple[str, str]   # (id_type, id_number)


@dataclass(frozen=True)
class Rating:
    rating_id: str
    case_number: str
    channel: Channel
    rater: str
    region: str
    department: str
    department_code: str
    item_id: str
    item_name: str
    level: int
    comment: str
    rated_at: datetime
    month: str
    indicators: dict[str, int] = field(default_factory=dict)
    excluded: bool = False
    excluded_reason: str = ""
    appeal_status: AppealStatus = AppealStatus.NONE
    appeal_kind: str = ""
    appeal_reason: str = ""
    appealed_by: str = ""
    appeal_decision: str = ""
    appeal_decided_by: str = ""
    history: tuple[Entry, ...] = ()

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS


@dataclass(frozen=True)
class Rectification:
    """A bad rating's rectification (差评整改), tracked like a step."""

    task_id: str
    rating_id: str
    case_number: str
    region: str
    department: str
    department_code: str
    month: str
    status: RectificationStatus
    opened_on: date
    due_date: date
    provisional: bool
    limit_days: int
    measures: str = ""
    reply: str = ""
    completed_by: str = ""
    completed_at: datetime | None = None
    on_time: bool = False
    overdue_noted: bool = False
    history: tuple[Entry, ...] = ()


def rating_id(case_number: str, channel: Channel) -> str:
    return f"{case_number}-{channel.value}"


def identity_matches(identity: tuple[str, str], applicant: tuple[str, str]) -> bool:
    return (identity[0] == applicant[0]
            and identity[1].strip().upper() == applicant[1].strip().upper())


def rate(case: CaseFacts, *, rater: str, identity: tuple[str, str], channel: Channel,
         level: int, indicators: Mapping[str, int], comment: str, now: datetime, today: date,
         ended_on: date | None, calendar: Calendar, policy: Policy
         ) -> tuple[Rating, Rectification | None]:
    """The rating of ``case`` by the person ``identity`` (their token's), and the
    rectification task a bad one opens. ``ended_on``: the local day the case ended."""
    if not identity_matches(identity, case.applicant):
        # the same answer as for a case that does not exist: nobody probes case numbers
        raise case_not_yours(case.case_number)
    if case.status not in RATEABLE or ended_on is None:
        raise FailedPrecondition(f"办件 {case.case_number} 尚未办结，办结（或不予受理）后才能评价",
                                 code="CASE_NOT_FINISHED", metadata={"status": case.status})
    last = calendar.add_working_days(ended_on, policy.rating_window_days)
    if today > last.day:
        raise FailedPrecondition(
            f"办件 {case.case_number} 已超过评价期限：办结后 {policy.rating_window_days} 个工作日内"
            f"（至 {last.day.isoformat()}）可以评价", code="RATING_WINDOW_CLOSED",
            metadata={"last_day": last.day.isoformat()})
    if level not in LEVEL_WORDS:
        raise InvalidArgument.of_field("level", "五个等级之一：1 非常满意 … 5 非常不满意",
                                       code="INVALID_LEVEL")
    allowed = INDICATORS[channel]
    for name, value in indicators.items():
        if name not in allowed:
            raise InvalidArgument.of_field(
                f"indicators.{name}", f"{CHANNEL_WORDS[channel]}评价的指标为："
                + "、".join(f"{k}（{v}）" for k, v in allowed.items()),
                code="INDICATOR_NOT_OF_CHANNEL")
        if value not in LEVEL_WORDS:
            raise InvalidArgument.of_field(f"indicators.{name}", "五个等级之一",
                                           code="INVALID_LEVEL")
    if level in BAD_LEVELS and not comment.strip():
        raise InvalidArgument.of_field("comment", "差评（不满意、非常不满意）请说明原因，以便整改",
                                       code="BAD_RATING_NEEDS_REASON")
    rating = Rating(
        rating_id=rating_id(case.case_number, channel), case_number=case.case_number,
        channel=channel, rater=rater, region=case.region, department=case.department,
        department_code=case.department_code, item_id=case.item_id,
        item_name=case.item_name, level=level, comment=comment.strip(), rated_at=now,
        month=f"{today:%Y-%m}", indicators=dict(indicators),
        history=(Entry(now, rater, "given",
                       f"{CHANNEL_WORDS[channel]}评价：{LEVEL_WORDS[level]}"),))
    if not rating.bad:
        return rating, None
    return rating, open_rectification(rating, now, today, calendar, policy)


def open_rectification(rating: Rating, now: datetime, today: date, calendar: Calendar,
                       policy: Policy) -> Rectification:
    due = calendar.add_working_days(today, policy.rectification_days)
    return Rectification(
        task_id=f"{rating.rating_id}-ZG", rating_id=rating.rating_id,
        case_number=rating.case_number, region=rating.region, department=rating.department,
        department_code=rating.department_code, month=rating.month,
        status=RectificationStatus.OPEN, opened_on=today, due_date=due.day,
        provisional=due.provisional, limit_days=policy.rectification_days,
        history=(Entry(now, SUPERVISION, "opened",
                       f"差评（{LEVEL_WORDS[rating.level]}）：{rating.comment}；"
                       f"{policy.rectification_days} 个工作日内整改，至 {due.day.isoformat()}"),))


def case_not_yours(number: str) -> NotFound:
    return NotFound(f"没有找到您作为申请人的办件 {number}", code="CASE_NOT_FOUND",
                    metadata={"case_number": number})


def appeal(rating: Rating, by: str, now: datetime, kind: str, reason: str) -> Rating:
    """The rated department appeals a bad rating, once."""
    if not rating.bad:
        raise FailedPrecondition("只有差评（不满意、非常不满意）可以申诉", code="RATING_NOT_BAD")
    if rating.appeal_status is not AppealStatus.NONE:
        raise FailedPrecondition("这条评价已经申诉过，每条评价只能申诉一次",
                                 code="ALREADY_APPEALED",
                                 metadata={"appeal_status": rating.appeal_status.value})
    if kind not in APPEAL_KINDS:
        raise InvalidArgument.of_field("kind", "mistaken（误评）或 malicious（恶意差评）",
                                       code="INVALID_APPEAL_KIND")
    _need(reason, "reason")
    return replace(rating, appeal_status=AppealStatus.PENDING, appeal_kind=kind,
                   appeal_reason=reason.strip(), appealed_by=by,
                   history=(*rating.history, Entry(now, by, "appealed",
                                                   f"{APPEAL_KINDS[kind]}：{reason.strip()}")))


def decide_appeal(rating: Rating, task: Rectification | None, by: str, now: datetime,
                  uphold: bool, reason: str) -> tuple[Rating, Rectification | None]:
    """A supervisor's decision: upheld, the rating leaves the indicators and its open
    rectification is cancelled; rejected, it stands."""
    if rating.appeal_status is not AppealStatus.PENDING:
        raise FailedPrecondition("这条评价没有待审核的申诉", code="NO_PENDING_APPEAL",
                                 metadata={"appeal_status": rating.appeal_status.value})
    _need(reason, "reason")
    if not uphold:
        return replace(rating, appeal_status=AppealStatus.REJECTED, appeal_decision=reason,
                       appeal_decided_by=by, history=(*rating.history, Entry(
                           now, by, "appeal_rejected", reason.strip()))), None
    decided = replace(rating, appeal_status=AppealStatus.UPHELD, appeal_decision=reason,
                      appeal_decided_by=by, excluded=True,
                      excluded_reason=f"{APPEAL_KINDS[rating.appeal_kind]}：{reason.strip()}",
                      history=(*rating.history, Entry(now, by, "appeal_upheld",
                                                      reason.strip())))
    if task is None or task.status is not RectificationStatus.OPEN:
        return decided, None
    return decided, replace(task, status=RectificationStatus.CANCELLED, history=(
        *task.history, Entry(now, by, "cancelled", f"申诉成立，撤销整改：{reason.strip()}")))


def complete_rectification(task: Rectification, by: str, now: datetime, today: date,
                           measures: str, reply: str) -> Rectification:
    if task.status is not RectificationStatus.OPEN:
        state = "完成" if task.status is RectificationStatus.DONE else "撤销"
        raise FailedPrecondition(
            f"整改任务 {task.task_id} 已{state}",
            code="RECTIFICATION_NOT_OPEN", metadata={"status": task.status.value})
    _need(measures, "measures")
    _need(reply, "reply")
    on_time = today <= task.due_date
    return replace(task, status=RectificationStatus.DONE, measures=measures.strip(),
                   reply=reply.strip(), completed_by=by, completed_at=now, on_time=on_time,
                   history=(*task.history, Entry(now, by, "completed", measures.strip())))


def rectification_overdue(task: Rectification, today: date) -> bool:
    return task.status is RectificationStatus.OPEN and today > task.due_date


def days_left(task: Rectification, today: date, calendar: Calendar) -> int:
    """Working days left (negative: late) while open; 0 otherwise."""
    if task.status is not RectificationStatus.OPEN:
        return 0
    return calendar.working_days_between(today, task.due_date)[0]


def note_rectification_overdue(task: Rectification, now: datetime) -> Rectification:
    return replace(task, overdue_noted=True, history=(*task.history, Entry(
        now, SUPERVISION, "overdue", f"已超过整改期限（{task.due_date.isoformat()}）仍未整改")))


# --- indicators -----------------------------------------------------------------------------

@dataclass
class DepartmentMonth:
    """The public indicators of one department in one month (counts; rates derived)."""

    region: str
    department: str
    department_code: str
    month: str
    per_level: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    rectified: int = 0
    rectified_on_time: int = 0
    rectification_overdue: int = 0
    excluded: int = 0
    appeals: int = 0
    complaints: int = 0
    complaints_handled: int = 0
    complaints_overdue: int = 0

    @property
    def ratings(self) -> int:
        return sum(self.per_level)

    @property
    def good(self) -> int:
        return sum(self.per_level[:3])

    @property
    def bad(self) -> int:
        return sum(self.per_level[3:])

    @property
    def good_rate(self) -> float:
        return self.good / self.ratings if self.ratings else 0.0

    @property
    def average_score(self) -> float:
        """On five points: 非常满意 5 … 非常不满意 1."""
        if not self.ratings:
            return 0.0
        return sum((5 - i) * n for i, n in enumerate(self.per_level)) / self.ratings

    @property
    def rectification_rate(self) -> float:
        return min(self.rectified / self.bad, 1.0) if self.bad else 1.0

    @property
    def rectified_on_time_rate(self) -> float:
        return min(self.rectified_on_time / self.bad, 1.0) if self.bad else 1.0


def local_month(day: date) -> str:
    return f"{day:%Y-%m}"


# --- consultations (咨询) ---------------------------------------------------------------------
#
# A person asks about an item of the catalogue (咨询): signed in (their token's subject is the
# asker), or without signing in, leaving a contact (telephone or e-mail) to be answered at and
# reading the answer with the consultation's number and the query code it was given. The
# item's department answers within ``policy.consultation_days`` working days on the official
# calendar (default 5); the answer closes it (答复即办结). The asker may withdraw it until then.
# Not answered by its deadline, it is overdue (a sweep notes it once).

class ConsultationStatus(StrEnum):
    SUBMITTED = "submitted"  # 待答复
    ANSWERED = "answered"    # 已答复（办结）
    WITHDRAWN = "withdrawn"  # 已撤回


CONSULTATION_WORDS = {ConsultationStatus.SUBMITTED: "待答复",
                      ConsultationStatus.ANSWERED: "已答复",
                      ConsultationStatus.WITHDRAWN: "已撤回"}
MAX_CONTACT = 100


@dataclass(frozen=True)
class ItemFacts:
    """What a consultation needs to know of the item asked about (from the catalogue)."""

    item_id: str
    name: str
    region: str
    department: str
    department_code: str


@dataclass(frozen=True)
class Consultation:
    consultation_id: str
    item_id: str
    item_name: str
    region: str
    department: str
    department_code: str
    title: str
    question: str
    #: the asker's subject ("id_card:…", "credit_code:…"); empty: asked without signing in
    asker: str
    contact: str
    status: ConsultationStatus
    due_date: date
    provisional: bool
    submitted_at: datetime
    #: given to an asker who did not sign in: with the number, it reads the answer
    query_code: str = ""
    answer: str = ""
    answered_by: str = ""
    answered_at: datetime | None = None
    overdue_noted: bool = False
    history: tuple[Entry, ...] = ()


def consultation_id(region: str, day: date) -> str:
    alphabet = "ABCDEFGHJKLMNPQRTUWXY0123456789"
    return f"{region}-ZX-{day:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def query_code() -> str:
    """Eight letters and digits, none that look alike."""
    alphabet = "ABCDEFGHJKLMNPQRTUWXY346789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def ask(*, consultation_id: str, item: ItemFacts, title: str, question: str, asker: str,
        contact: str, code: str, now: datetime, today: date, calendar: Calendar,
        policy: Policy) -> Consultation:
    """A new consultation about ``item``, due in ``policy.consultation_days`` working days.
    Without an asker (not signed in) a contact is required and ``code`` is its query code."""
    contact = contact.strip()
    if not asker and not contact:
        raise InvalidArgument.of_field(
            "contact", "未登录咨询请留下联系电话或电子邮箱，以便答复", code="CONTACT_REQUIRED")
    if len(contact) > MAX_CONTACT:
        raise InvalidArgument.of_field("contact", f"联系方式最多 {MAX_CONTACT} 个字",
                                       code="CONTACT_TOO_LONG")
    if not title.strip():
        raise InvalidArgument.of_field("title", "请填写咨询主题", code="TEXT_REQUIRED")
    if not question.strip():
        raise InvalidArgument.of_field("question", "请填写咨询内容", code="TEXT_REQUIRED")
    if len(question.strip()) > MAX_TEXT:
        raise InvalidArgument.of_field("question", f"咨询内容最多 {MAX_TEXT} 个字",
                                       code="TEXT_TOO_LONG")
    if not item.department_code:
        raise FailedPrecondition(
            f"事项 {item.name or item.item_id} 没有登记实施部门，暂不能在线咨询",
            code="ITEM_WITHOUT_DEPARTMENT", metadata={"item_id": item.item_id})
    due = calendar.add_working_days(today, policy.consultation_days)
    return Consultation(
        consultation_id=consultation_id, item_id=item.item_id, item_name=item.name,
        region=item.region, department=item.department,
        department_code=item.department_code, title=title.strip(),
        question=question.strip(), asker=asker, contact=contact,
        status=ConsultationStatus.SUBMITTED, due_date=due.day, provisional=due.provisional,
        submitted_at=now, query_code="" if asker else code,
        history=(Entry(now, asker or "anonymous", "submitted",
                       f"咨询{item.department or '实施部门'}，答复期限至 {due.day.isoformat()}"),))


def _consultation_step(c: Consultation, action: str, words: str) -> None:
    if c.status is not ConsultationStatus.SUBMITTED:
        raise FailedPrecondition(
            f"咨询 {c.consultation_id} 当前状态为「{CONSULTATION_WORDS[c.status]}」，不能{words}",
            code="CONSULTATION_ACTION_NOT_ALLOWED",
            metadata={"status": c.status.value, "action": action})


def answer_consultation(c: Consultation, by: str, now: datetime, answer: str
                        ) -> Consultation:
    """The department's answer: it closes the consultation."""
    _consultation_step(c, "answer", "答复")
    _need(answer, "answer")
    if len(answer.strip()) > MAX_TEXT:
        raise InvalidArgument.of_field("answer", f"答复最多 {MAX_TEXT} 个字",
                                       code="TEXT_TOO_LONG")
    return replace(c, status=ConsultationStatus.ANSWERED, answer=answer.strip(),
                   answered_by=by, answered_at=now,
                   history=(*c.history, Entry(now, by, "answered", answer.strip())))


def withdraw_consultation(c: Consultation, by: str, now: datetime) -> Consultation:
    _consultation_step(c, "withdraw", "撤回")
    return replace(c, status=ConsultationStatus.WITHDRAWN,
                   history=(*c.history, Entry(now, by, "withdrawn")))


def consultation_overdue(c: Consultation, today: date) -> bool:
    """Not answered and past its deadline."""
    return c.status is ConsultationStatus.SUBMITTED and today > c.due_date


def note_consultation_overdue(c: Consultation, now: datetime) -> Consultation:
    return replace(c, overdue_noted=True, history=(*c.history, Entry(
        now, SUPERVISION, "overdue", f"已超过答复期限（{c.due_date.isoformat()}）仍未答复")))
