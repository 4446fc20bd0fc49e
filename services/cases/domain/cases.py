"""A case (办件) runs along the internal flow of the item version it was accepted on.

The version is pinned at acceptance (受理) and never changes for the case. Steps are done in
order; each has a due date on the working-day calendar, and so has the whole case (承诺时限).
Every transition bumps the case's sequence, which orders its events for consumers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from services.shared.codes import CodeCheck, check_credit_code, check_resident_id
from services.shared.errors import Conflict, FailedPrecondition, InvalidArgument
from services.shared.working_days import WorkingCalendar, local_day

#: Limits the contract (cases.proto) states too; tests/contract/test_limits_agree.py holds
#: the two equal.
MAX_OPINION_LENGTH = 2000
MAX_APPLICANT_NAME_LENGTH = 200
#: Identity number checks by id_type: GB 11643 resident ID, GB 32100 credit code.
ID_TYPES: dict[str, Callable[[str], CodeCheck]] = {"id_card": check_resident_id,
                                                   "credit_code": check_credit_code}


class CaseStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class StepStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DONE = "done"


@dataclass(frozen=True)
class FlowStep:
    key: str
    name: str
    role: str
    limit_days: int


@dataclass(frozen=True)
class ItemSnapshot:
    """The published item version a case is pinned to (only what running a case needs)."""

    item_id: str
    version: int
    code: str
    name: str
    region: str
    department: str
    statutory_limit_days: int
    promised_limit_days: int
    steps: tuple[FlowStep, ...]


@dataclass(frozen=True)
class Applicant:
    name: str
    id_type: str
    id_number: str

    def validate(self) -> Applicant:
        """The applicant with its identity number checked — a resident ID number by GB 11643
        (address code, birth date, check character), a credit code by GB 32100 — and
        normalised (upper case); InvalidArgument (INVALID_CODE) names what is wrong."""
        if not self.name.strip():
            raise InvalidArgument.of_field("applicant.name", "required")
        if len(self.name) > MAX_APPLICANT_NAME_LENGTH:
            raise InvalidArgument.of_field("applicant.name",
                                           f"at most {MAX_APPLICANT_NAME_LENGTH} characters")
        if self.id_type not in ID_TYPES:
            raise InvalidArgument.of_field(
                "applicant.id_type", "'id_card' (居民身份证) or 'credit_code' (统一社会信用代码)")
        if not self.id_number.strip():
            raise InvalidArgument.of_field("applicant.id_number", "required")
        number = ID_TYPES[self.id_type](self.id_number).raise_for_errors("applicant.id_number")
        return replace(self, id_number=number)


@dataclass
class StepState:
    index: int
    key: str
    name: str
    role: str
    limit_days: int
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    completed_at: datetime | None = None
    due_date: str = ""
    due_provisional: bool = False
    handler: str = ""
    opinion: str = ""


@dataclass
class CaseState:
    case_number: str
    region: str
    item: ItemSnapshot
    applicant: Applicant
    accepted_at: datetime
    due_date: str
    due_provisional: bool
    steps: list[StepState] = field(default_factory=list)
    status: CaseStatus = CaseStatus.IN_PROGRESS
    current_step: int = 0
    completed_at: datetime | None = None
    sequence: int = 0

    @property
    def active(self) -> StepState | None:
        return self.steps[self.current_step] if self.current_step >= 0 else None


@dataclass(frozen=True)
class Transition:
    """What happened, for the outbox: the event type and the step it is about."""

    event_type: str
    step: StepState
    next_step: StepState | None
    handler: str


def open_case(case_number: str, item: ItemSnapshot, applicant: Applicant, region: str,
              now: datetime, calendar: WorkingCalendar, handler: str) -> tuple[CaseState,
                                                                                Transition]:
    """Accept an application (受理) on a published version: the first step becomes active."""
    applicant = applicant.validate()
    if region != item.region:
        raise FailedPrecondition(
            f"item {item.item_id} is exercised by region {item.region}, not {region}: "
            "a case is handled by the government that holds the power",
            code="REGION_MISMATCH", metadata={"item_region": item.region, "region": region})
    if not item.steps:
        raise FailedPrecondition(f"item {item.item_id} v{item.version} has no steps",
                                 code="ITEM_WITHOUT_FLOW")
    today = local_day(now)
    due = calendar.add_working_days(today, item.promised_limit_days)
    case = CaseState(case_number=case_number, region=region, item=item, applicant=applicant,
                     accepted_at=now, due_date=due.iso(), due_provisional=due.provisional,
                     steps=[StepState(index=i, key=s.key, name=s.name, role=s.role,
                                      limit_days=s.limit_days)
                            for i, s in enumerate(item.steps)])
    _activate(case, 0, now, calendar)
    case.sequence = 1
    return case, Transition("case.accepted", case.steps[0], None, handler)


def complete_step(case: CaseState, index: int, handler: str, opinion: str, now: datetime,
                  calendar: WorkingCalendar) -> Transition:
    """Complete the active step; the next one starts, or the case is completed (办结)."""
    if case.status is CaseStatus.COMPLETED:
        raise FailedPrecondition(f"case {case.case_number} is already completed",
                                 code="CASE_COMPLETED")
    if index != case.current_step:
        raise Conflict(
            f"step {index} is not the active step of case {case.case_number}; the active "
            f"step is {case.current_step} ({case.steps[case.current_step].name})",
            code="STEP_NOT_ACTIVE",
            metadata={"active_step": str(case.current_step)})
    if len(opinion) > MAX_OPINION_LENGTH:
        raise InvalidArgument.of_field("opinion", f"at most {MAX_OPINION_LENGTH} characters")
    step = case.steps[index]
    step.status = StepStatus.DONE
    step.completed_at = now
    step.handler = handler
    step.opinion = opinion
    case.sequence += 1
    if index + 1 < len(case.steps):
        _activate(case, index + 1, now, calendar)
        return Transition("case.step_completed", step, case.steps[index + 1], handler)
    case.current_step = -1
    case.status = CaseStatus.COMPLETED
    case.completed_at = now
    return Transition("case.completed", step, None, handler)


def _activate(case: CaseState, index: int, now: datetime, calendar: WorkingCalendar) -> None:
    step = case.steps[index]
    due = calendar.add_working_days(local_day(now), step.limit_days)
    step.status = StepStatus.ACTIVE
    step.started_at = now
    step.due_date = due.iso()
    step.due_provisional = due.provisional
    case.current_step = index


def case_number(region: str, day: str, sequence: int) -> str:
    """Routable case number: region code + YYYYMMDD + 6-digit daily sequence."""
    return f"{region}{day}{sequence:06d}"
