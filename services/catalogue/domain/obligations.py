"""Change obligations (动态调整义务): when the legal basis of an item changes, its department
must file the change — a new version submitted for review — within 10 working days on the
official calendar. An obligation not fulfilled by its due date is overdue, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.shared.working_days import DueDate, WorkingCalendar

FILING_LIMIT_DAYS = 10


class ObligationStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Obligation:
    obligation_id: str
    item_id: str
    region: str
    department: str
    description: str
    recorded_on: date
    due_date: DueDate
    status: ObligationStatus = ObligationStatus.OPEN


def filing_due(recorded_on: date, calendar: WorkingCalendar) -> DueDate:
    return calendar.add_working_days(recorded_on, FILING_LIMIT_DAYS)


def is_overdue(status: ObligationStatus, due: date, today: date) -> bool:
    return status is ObligationStatus.OPEN and today > due
