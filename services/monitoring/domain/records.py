"""Supervision's own record of each case (监察记录), built only from case events.

Every case event carries the whole state supervision needs, and a per-case sequence; the
record always reflects the newest event seen, so events may arrive late or out of order
without corrupting it (an older event is counted but changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

#: CaseStatus names of the case contract → the record's status words
CASE_STATUS = {f"CASE_STATUS_{word.upper()}": word for word in (
    "submitted", "supplement", "in_progress", "decided", "published", "completed", "rejected",
    "withdrawn", "lapsed")}
#: statuses in which a case is closed for good
CLOSED = frozenset({"completed", "rejected", "withdrawn", "lapsed"})


@dataclass(frozen=True)
class CaseRecord:
    case_number: str
    region: str
    item_id: str
    item_version: int
    department: str
    status: str
    last_event_type: str
    last_sequence: int
    events_applied: int
    steps_completed: int
    step_count: int
    due_date: str
    accepted_at: datetime | None
    completed_at: datetime | None
    last_event_at: datetime
    updated_at: datetime


def apply_case_event(record: CaseRecord | None, event_type: str, occurred_at: datetime,
                     data: dict[str, Any], now: datetime) -> CaseRecord:
    """The record after one case event (data = CaseEvent in its JSON form)."""
    sequence = int(data.get("sequence", 0))
    _check_lengths(data, sequence)
    if record is not None and sequence <= record.last_sequence:
        return replace(record, events_applied=record.events_applied + 1, updated_at=now)
    status = CASE_STATUS.get(data.get("status", ""), "in_progress")
    step_count = int(data.get("step_count", 0))
    steps_completed = int(data.get("steps_completed", 0))
    accepted = data.get("accepted_at")
    return CaseRecord(
        case_number=data["case_number"],
        region=data.get("region", ""),
        item_id=data.get("item_id", ""),
        item_version=int(data.get("item_version", 0)),
        department=data.get("department", ""),
        status=status,
        last_event_type=event_type,
        last_sequence=sequence,
        events_applied=(record.events_applied if record else 0) + 1,
        steps_completed=steps_completed,
        step_count=step_count,
        due_date=data.get("due_date", ""),
        accepted_at=datetime.fromisoformat(accepted.replace("Z", "+00:00")) if accepted else (
            record.accepted_at if record else None),
        completed_at=occurred_at if status in CLOSED else None,
        last_event_at=occurred_at,
        updated_at=now,
    )


_LIMITS = {"case_number": 50, "item_id": 36, "department": 200, "due_date": 10}


def _check_lengths(data: dict[str, Any], sequence: int) -> None:
    """Refuse (ValueError) what supervision's tables cannot hold, before touching them."""
    for name, limit in _LIMITS.items():
        if len(str(data.get(name, ""))) > limit:
            raise ValueError(f"{name} longer than {limit} characters")
    region = str(data.get("region", ""))
    if region and not (len(region) == 6 and region.isdigit()):
        raise ValueError(f"region {region!r} is not a 6-digit region code")
    if not 0 <= sequence < 2**63:
        raise ValueError(f"sequence {sequence} out of range")
