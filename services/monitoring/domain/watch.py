"""What supervision knows of a case (监察视图), built only from the case's events.

Every case event (``sunlight.cases.v1.CaseEvent`` in its JSON form) carries the state after it
— the running steps with their due dates, the case's limits, the clock — so the newest event
says where the case stands. What no single event repeats (who accepted it, who decided it,
whether a meeting decided, the furthest stage started, the supplement's day) is gathered as
the events arrive. Events may come late or twice: an event older than the newest one applied
changes nothing of the state (``sequence``), and gathering is order-tolerant.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from services.shared.working_days import local_day

#: CaseStatus value names → the words supervision uses
STATUS = {f"CASE_STATUS_{word.upper()}": word for word in (
    "submitted", "supplement", "in_progress", "decided", "published", "completed", "rejected",
    "withdrawn", "lapsed")}
CLOSED = frozenset({"completed", "rejected", "withdrawn", "lapsed"})
#: statuses in which the case's own limits still run (an opened case's run to its decision)
RUNNING = frozenset({"submitted", "supplement", "in_progress"})


def _day(text: Any) -> date | None:
    if not text:
        return None
    return date.fromisoformat(str(text)[:10])


def _moment(text: Any) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Limit:
    """Where one of the case's limits stands: its due day and its unit."""

    limit_days: int
    unit: str              # "working_days" | "calendar_days"
    due: date | None       # None while the clock stands still


def _limit(data: Any) -> Limit | None:
    if not isinstance(data, dict) or not data:
        return None
    unit = str(data.get("unit", "TIME_UNIT_WORKING_DAYS")).removeprefix("TIME_UNIT_").lower()
    return Limit(int(data.get("limit_days", 0)), unit or "working_days",
                 _day(data.get("due_date")))


@dataclass(frozen=True)
class RunningStep:
    instance_id: str
    key: str
    name: str
    department: str
    region: str
    role: str
    stage: int
    branch: str
    started_on: date | None
    due: date | None
    unit: str
    assignee: str = ""
    limit_days: int = 0


def _steps(data: Any) -> tuple[RunningStep, ...]:
    steps = []
    for s in data or ():
        started = _moment(s.get("started_at"))
        steps.append(RunningStep(
            instance_id=s.get("instance_id", ""), key=s.get("key", ""), name=s.get("name", ""),
            department=s.get("department", ""), region=s.get("region", ""),
            role=s.get("role", ""), stage=int(s.get("stage", 0)), branch=s.get("branch", ""),
            started_on=local_day(started) if started else None, due=_day(s.get("due_date")),
            unit=str(s.get("limit_unit", "TIME_UNIT_WORKING_DAYS")).removeprefix(
                "TIME_UNIT_").lower(),
            assignee=s.get("assignee", ""), limit_days=int(s.get("limit_days", 0))))
    return tuple(steps)


#: the events about a hand-over of 上报件 to another node (``HandoverEvent``: no case state)
HANDOVER_OVERDUE, HANDOVER_DELIVERED = "case.handover_overdue", "case.handover_delivered"
HANDOVER_EVENTS = frozenset({HANDOVER_OVERDUE, HANDOVER_DELIVERED})


@dataclass(frozen=True)
class StuckHandover:
    """A hand-over of the case to another node still undelivered past the node's setting."""

    handover_id: int
    direction: str          # "up" (the case handed up) | "down" (the decision sent back)
    peer: str               # the other node's region
    kept_at: datetime | None
    attempts: int
    last_error: str
    overdue_after_minutes: int


@dataclass(frozen=True)
class CaseWatch:
    """Supervision's view of one case."""

    case_number: str
    region: str
    department: str          # the item's department, by name (for people)
    item_id: str
    item_version: int
    status: str
    mode: str
    opened: bool
    sequence: int
    last_event_type: str
    last_event_at: datetime
    last_handler: str
    running: tuple[RunningStep, ...]
    promised: Limit | None
    statutory: Limit | None
    clock_stopped: bool
    stopped_since: date | None
    stopped_because: str
    # gathered as events arrive
    accepted_by: str = ""
    decided_by: str = ""
    reviewed: bool = False              # a meeting decided (集体讨论)
    furthest_stage: int = -1            # the furthest stage started
    supplement_due: date | None = None  # the applicant's last day of an open request
    supplement_seq: int = 0             # the event that said so
    #: the item's department's unified social credit code (empty: unknown)
    department_code: str = ""
    #: hand-overs to another node overdue and not delivered since (case.handover_overdue),
    #: and those delivered (case.handover_delivered: whichever of the two arrives first)
    stuck_handovers: tuple[StuckHandover, ...] = ()
    delivered_handovers: tuple[int, ...] = ()

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def limits_running(self) -> bool:
        """The case's own limits still run: before its decision."""
        return self.status in RUNNING


def watch_after(watch: CaseWatch | None, event_type: str, occurred_at: datetime,
                data: dict[str, Any]) -> CaseWatch:
    """The view after one case event; an event older than the newest applied keeps the
    state as it is and adds only what it alone tells."""
    sequence = int(data.get("sequence", 0))
    gathered = _gathered(watch, event_type, data)
    if event_type in HANDOVER_EVENTS:  # about a hand-over: the case's state is as it was
        return gathered if watch is not None else replace(
            gathered, case_number=data["case_number"], region=data.get("region", ""),
            last_event_at=occurred_at)
    if watch is not None and sequence <= watch.sequence:
        return gathered
    clock = data.get("clock") or {}
    running = _steps(data.get("active_steps"))
    started = [s.stage for s in running]
    return CaseWatch(
        case_number=data["case_number"], region=data.get("region", ""),
        department=data.get("department", ""), item_id=data.get("item_id", ""),
        item_version=int(data.get("item_version", 0)),
        status=STATUS.get(data.get("status", ""), "in_progress"),
        mode=str(data.get("mode", "")).removeprefix("HANDLING_MODE_").lower(),
        opened=bool(data.get("opened", False)), sequence=sequence,
        last_event_type=event_type, last_event_at=occurred_at,
        last_handler=data.get("handler", ""), running=running,
        promised=_limit(data.get("promised")), statutory=_limit(data.get("statutory")),
        clock_stopped=bool(clock.get("stopped", False)),
        stopped_since=_day(clock.get("stopped_since")),
        stopped_because=clock.get("stopped_because", ""),
        accepted_by=gathered.accepted_by, decided_by=gathered.decided_by,
        reviewed=gathered.reviewed,
        furthest_stage=max([gathered.furthest_stage, *started]),
        supplement_due=gathered.supplement_due, supplement_seq=gathered.supplement_seq,
        department_code=data.get("department_code", ""),
        stuck_handovers=gathered.stuck_handovers,
        delivered_handovers=gathered.delivered_handovers)


_BLANK = CaseWatch("", "", "", "", 0, "submitted", "", False, 0, "", datetime.min, "", (),
                   None, None, False, None, "")


def _gathered(watch: CaseWatch | None, event_type: str, data: dict[str, Any]) -> CaseWatch:
    """``watch`` with what this event alone tells (whatever its order)."""
    current = watch or _BLANK
    handler = data.get("handler", "")
    changes: dict[str, Any] = {}
    if event_type == "case.accepted":
        changes["accepted_by"] = handler
    elif event_type == "case.decided":
        changes["decided_by"] = (data.get("decision") or {}).get("decided_by") or handler
    elif event_type == "case.collective_review_recorded":
        changes["reviewed"] = True
    elif event_type in ("case.supplement_requested", "case.supplement_received") and (
            int(data.get("sequence", 0)) > current.supplement_seq):
        changes["supplement_seq"] = int(data.get("sequence", 0))
        changes["supplement_due"] = _day((data.get("supplement") or {}).get("due_date")) if (
            event_type == "case.supplement_requested") else None
    elif event_type in HANDOVER_EVENTS:
        changes.update(_handovers(current, event_type, data))
    return replace(current, **changes) if changes else current


def _handovers(current: CaseWatch, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The case's stuck and delivered hand-overs after a hand-over event (either order)."""
    h = data.get("handover") or {}
    number = int(h.get("id", 0))
    stuck = tuple(s for s in current.stuck_handovers if s.handover_id != number)
    if event_type == HANDOVER_DELIVERED:
        return {"stuck_handovers": stuck, "delivered_handovers": tuple(sorted(
            {*current.delivered_handovers, number}))}
    if number in current.delivered_handovers:
        return {}
    direction = str(h.get("direction", "")).removeprefix("HANDOVER_DIRECTION_").lower()
    return {"stuck_handovers": (*stuck, StuckHandover(
        number, direction, str(h.get("peer", "")), _moment(h.get("created_at")),
        int(h.get("attempts", 0)), str(h.get("last_error", ""))[:300],
        int(data.get("overdue_after_minutes", 0))))}
