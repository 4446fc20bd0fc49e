"""Where a case stands (现在办到了哪一步，下面要办哪一步，还有多长时间可以办完).

What anyone allowed to read a case is told: the step(s) running now with their department,
handler and due date; what comes next; the case's promised and statutory due dates; working
days left (negative when late); whether the clock stands still, since when and why; and which
dates are provisional (they cross a year whose official schedule is not yet published).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from services.cases.domain.clock import Calendar, Due
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, CaseStatus, StepInstance
from services.shared.working_days import local_day


@dataclass(frozen=True)
class RunningStep:
    instance: StepInstance
    due: Due


@dataclass(frozen=True)
class Progress:
    status: CaseStatus
    running: tuple[RunningStep, ...]
    #: names of the steps still to come, in order (a stage with branches: its step's name)
    next_steps: tuple[str, ...]
    promised: Due | None      # None before acceptance, or where the item declares no limit
    statutory: Due | None
    stopped_since: date | None
    stopped_because: str

    @property
    def late(self) -> bool:
        return any(d is not None and d.left < 0 for d in (self.promised, self.statutory)) or (
            any(r.due.left < 0 for r in self.running))


#: each thread's last answer: (case, calendar, its revision, today, progress)
_last = threading.local()


def progress(case: Case, calendar: Calendar, today: date) -> Progress:
    """Where ``case`` stands on ``today``. An action asks it of the same case several times
    (the rows' due dates, the last event's data, the answer): a case never changes, so the
    thread's last answer is given again for the very same case, calendar (at the same
    ``revision``) and day."""
    revision = getattr(calendar, "revision", None)
    last = getattr(_last, "answer", None)
    if (last is not None and last[0] is case and last[1] is calendar and last[2] == revision
            and last[3] == today):
        return last[4]  # type: ignore[no-any-return]
    answer = _progress(case, calendar, today)
    _last.answer = (case, calendar, revision, today, answer)
    return answer


def _progress(case: Case, calendar: Calendar, today: date) -> Progress:
    clock = case.clock
    running = tuple(RunningStep(i, clock.due(i.started_on, i.limit, calendar, today))
                    for i in case.active)
    promised = statutory = None
    if case.accepted_at is not None:
        accepted_on = local_day(case.accepted_at)
        # an opened case's limit runs from its opening to its decision (《行政处罚法》 art. 60)
        ended = case.decision.decided_at if case.opened and case.decision else case.closed_at
        end = min(today, local_day(ended)) if ended else today
        if case.promised is not None:
            promised = clock.due(accepted_on, case.promised, calendar, end)
        if case.statutory is not None:
            statutory = clock.due(accepted_on, case.statutory, calendar, end)
    stop = clock.current_stop
    return Progress(case.status, running, _next_steps(case), promised, statutory,
                    stop.since if stop else None, stop.reason if stop else "")


def _next_steps(case: Case) -> tuple[str, ...]:
    running = (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT, CaseStatus.IN_PROGRESS)
    if case.status not in running and not (
            case.opened and case.status in (CaseStatus.DECIDED, CaseStatus.PUBLISHED)):
        return ()
    if case.mode is Mode.FILING:
        return ()  # registered on acceptance: nothing comes after
    start = 0 if case.stage < 0 else case.stage + 1
    return tuple(s.name for s in case.item.stages[start:])
