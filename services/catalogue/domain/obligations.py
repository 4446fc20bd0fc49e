"""Change obligations (动态调整义务): when the legal basis of an item or the functions of its
department change, the department must file the change — a new version submitted for review —
within 10 working days, on the official calendar, counted from the day the change took effect
(在变更之日起), not from the day someone recorded it. An obligation not fulfilled by its due
date is overdue, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.shared.departments import department_code_problem
from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.working_days import DueDate, WorkingCalendar

FILING_LIMIT_DAYS = 10
MAX_BASIS_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
#: a change may be recorded ahead of the day it takes effect, up to a year
MAX_DAYS_AHEAD = 366
EARLIEST_EFFECTIVE = date(2000, 1, 1)


class ObligationStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    OVERDUE = "overdue"


class ChangeKind(StrEnum):
    LEGAL_BASIS = "legal_basis"  # 法律依据变化 (recorded by the legal office)
    FUNCTIONS = "functions"      # 机构职能调整 (recorded by the staffing office)

    @property
    def history_action(self) -> str:
        return "legal_basis_changed" if self is ChangeKind.LEGAL_BASIS else "functions_changed"


@dataclass(frozen=True)
class ChangeRecord:
    """What changed, when it took effect, and what it affects: one item, or (functions) all
    published, active items of a department of a region."""

    kind: ChangeKind
    basis: str
    description: str
    effective_on: date
    item_id: str = ""
    region: str = ""
    #: the department whose functions changed, by its unified social credit code
    department_code: str = ""

    @classmethod
    def parse_day(cls, text: str) -> date:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidArgument.of_field(
                "effective_on", "the day the change took effect, YYYY-MM-DD (e.g. 2026-11-01)",
                code="INVALID_DATE") from None

    def validate(self, today: date) -> ChangeRecord:
        problems: list[FieldProblem] = []

        def bad(name: str, text: str) -> None:
            problems.append(FieldProblem(name, text))

        if not self.description.strip() or len(self.description) > MAX_DESCRIPTION_LENGTH:
            bad("description", f"what changed, 1 to {MAX_DESCRIPTION_LENGTH} characters")
        if not self.basis.strip() or len(self.basis) > MAX_BASIS_LENGTH:
            bad("basis", "the law or regulation that changed, or the staffing document (1 to "
                f"{MAX_BASIS_LENGTH} characters)")
        if not EARLIEST_EFFECTIVE <= self.effective_on <= today + timedelta(MAX_DAYS_AHEAD):
            bad("effective_on", f"between {EARLIEST_EFFECTIVE} and a year from today")
        if self.item_id and (self.region or self.department_code):
            bad("item_id", "name an item, or a region and a department, not both")
        elif not self.item_id:
            if self.kind is ChangeKind.LEGAL_BASIS:
                bad("item_id", "a legal basis change names the item it affects")
            elif not self.region or not self.department_code.strip():
                bad("department_code", "name the item, or the region and the unified social "
                    "credit code (统一社会信用代码) of the department whose functions changed")
            elif (problem := department_code_problem(self.department_code)) is not None:
                bad("department_code", problem)
        if problems:
            raise InvalidArgument("the change is not valid: " + "; ".join(
                f"{p.field}: {p.description}" for p in problems), code="CHANGE_INVALID",
                violations=problems)
        return self

    def fingerprint(self) -> list[str]:
        return [self.kind.value, self.basis, self.description, self.effective_on.isoformat(),
                self.item_id, self.region, self.department_code]


def filing_due(effective_on: date, calendar: WorkingCalendar) -> DueDate:
    """The last day to file: 10 working days from the day the change took effect."""
    return calendar.add_working_days(effective_on, FILING_LIMIT_DAYS)


def is_overdue(status: ObligationStatus, due: date, today: date) -> bool:
    return status is ObligationStatus.OPEN and today > due
