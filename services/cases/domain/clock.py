"""The legal clock of a case (办理时限): limits with their unit, and time that does not count.

A limit carries its unit (GB/T 39046 时限单位): working days on the official calendar — every
period of the Administrative Licensing Law (art. 82), the 2-, 3-, 5- and 7-day periods of the
Administrative Penalty Law (art. 85) — or calendar days, as the 90 days from filing to decision
of a penalty (art. 60).

The clock of a case runs from acceptance and stops while the law says time is not counted: a
request for supplements (补正), a hearing, an expert review, an inspection (Licensing Law art.
45; GB/T 39046's special procedures). Every limit running in the case — the case's own
(promised and statutory) and each step's — is extended by the days the clock stood still.

Counting, day by day in Asia/Shanghai: as in the law, the day a period starts is not counted
(期间开始之日不计算在内): a limit of N days started on day S is due on the N-th counted day after
S. A stop that begins on day A and ends (the clock restarts) on day B leaves out the days after A
up to and including B — the restart day is the new start, and a stop begun and ended on the same
day leaves out nothing. While the clock stands still the due date is not known: only the days
already used and those left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from services.cases.domain.frozen import replace
from services.shared.errors import FailedPrecondition


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"    # 工作日
    CALENDAR_DAYS = "calendar_days"  # 自然日


@dataclass(frozen=True)
class Limit:
    """A time limit: an amount and its unit."""

    days: int
    unit: TimeUnit = TimeUnit.WORKING_DAYS

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError("a limit cannot be negative")


class Calendar(Protocol):
    """What the clock needs of the working-day calendar (``WorkingCalendar``)."""

    def is_working_day(self, day: date) -> tuple[bool, bool]: ...


@dataclass(frozen=True)
class Stop:
    """A period in which the clock stood (or stands) still, and why."""

    reason: str            # "supplement", or the special procedure's kind ("hearing", …)
    since: date            # the day it stopped
    until: date | None     # the day it restarted; None while it stands still
    ref: str = ""          # what stopped it: the procedure's or the request's id

    def covers(self, day: date) -> bool:
        """True when ``day`` is one of the days this stop leaves out."""
        return self.since < day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class Due:
    """Where a limit stands on a given day."""

    limit: Limit
    used: int                 # counted days since the start, up to the day asked about
    due: date | None          # None while the clock stands still before the limit is reached
    provisional: bool         # a day of a year without an official schedule was counted

    @property
    def left(self) -> int:
        """Days left (negative when late), in the limit's unit."""
        return self.limit.days - self.used


@dataclass(frozen=True)
class Clock:
    """The stops of one case, in order; at most the last one is still open."""

    stops: tuple[Stop, ...] = ()

    @property
    def stopped(self) -> bool:
        return bool(self.stops) and self.stops[-1].until is None

    @property
    def current_stop(self) -> Stop | None:
        return self.stops[-1] if self.stopped else None

    def stop(self, day: date, reason: str, ref: str = "") -> Clock:
        if self.stopped:
            current = self.stops[-1]
            raise FailedPrecondition(
                f"the clock already stands still since {current.since} ({current.reason})",
                code="CLOCK_STOPPED", metadata={"reason": current.reason})
        if self.stops and day < self.stops[-1].since:
            raise FailedPrecondition("a stop cannot begin before the previous one",
                                     code="CLOCK_ORDER")
        return Clock((*self.stops, Stop(reason, day, None, ref)))

    def restart(self, day: date) -> Clock:
        current = self.current_stop
        if current is None:
            raise FailedPrecondition("the clock is running", code="CLOCK_RUNNING")
        if day < current.since:
            raise FailedPrecondition(f"the clock cannot restart before it stopped "
                                     f"({current.since})", code="CLOCK_ORDER")
        return Clock((*self.stops[:-1], replace(current, until=day)))

    def left_out(self, day: date) -> bool:
        return any(stop.covers(day) for stop in self.stops)

    def stopped_days(self, start: date, end: date, calendar: Calendar,
                     unit: TimeUnit = TimeUnit.WORKING_DAYS) -> int:
        """Days in (start, end] that the stops left out, in ``unit``."""
        return sum(1 for day in _days_after(start, end)
                   if self.left_out(day) and _counts(day, unit, calendar)[0])

    def due(self, start: date, limit: Limit, calendar: Calendar, today: date) -> Due:
        """The limit ``limit`` started on ``start``, seen on ``today``.

        Counting walks the calendar day by day; the answer depends on nothing else, so it is
        remembered (a case's limits are asked for several times per action, and cases started
        the same day share them). A calendar that can change says so with a ``revision``
        that changes with it."""
        try:
            return _remembered_due(self, start, limit, calendar,
                                   getattr(calendar, "revision", 0), today)
        except TypeError:  # a calendar that cannot be a key: count every time
            return self._count_due(start, limit, calendar, today)

    def _count_due(self, start: date, limit: Limit, calendar: Calendar, today: date) -> Due:
        used, provisional = 0, False
        for day in _days_after(start, today):
            if self.left_out(day):
                continue
            counts, guessed = _counts(day, limit.unit, calendar)
            provisional |= guessed
            used += counts
        due_day, guessed = self._due_day(start, limit, calendar)
        return Due(limit, used, due_day, provisional or guessed)

    def _due_day(self, start: date, limit: Limit, calendar: Calendar
                 ) -> tuple[date | None, bool]:
        if limit.days == 0:
            return start, False
        remaining, provisional, day = limit.days, False, start
        open_stop = self.current_stop
        while remaining > 0:
            day += timedelta(days=1)
            if open_stop is not None and open_stop.covers(day):
                return None, provisional  # the limit runs on only once the clock restarts
            if self.left_out(day):
                continue
            counts, guessed = _counts(day, limit.unit, calendar)
            provisional |= guessed
            remaining -= counts
        return day, provisional


@lru_cache(maxsize=65_536)
def _remembered_due(clock: Clock, start: date, limit: Limit, calendar: Calendar,
                    _revision: object, today: date) -> Due:
    return clock._count_due(start, limit, calendar, today)


def _days_after(start: date, end: date) -> Iterator[date]:
    day = start
    while day < end:
        day += timedelta(days=1)
        yield day


def _counts(day: date, unit: TimeUnit, calendar: Calendar) -> tuple[bool, bool]:
    """(counted?, provisional?) for one day in ``unit``."""
    if unit is TimeUnit.CALENDAR_DAYS:
        return True, False
    return calendar.is_working_day(day)


def days_after(calendar: Calendar, start: date, days: int,
               unit: TimeUnit = TimeUnit.WORKING_DAYS) -> date:
    """The day a period of ``days`` (in ``unit``) begun on ``start`` ends: the day it starts
    is not counted (期间开始之日不计算在内)."""
    day, remaining = start, days
    while remaining > 0:
        day += timedelta(days=1)
        remaining -= _counts(day, unit, calendar)[0]
    return day
