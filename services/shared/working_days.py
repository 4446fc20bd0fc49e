"""Working days on the official Chinese holiday calendar (法定工作日), Asia/Shanghai.

The calendar is data the platform owns: years are seeded from ``chinesecalendar`` (2004–2026
as of its 1.11.0 release), and an administrator adds a year's schedule when the State Council
publishes it (``YearSchedule`` from JSON). A year with no schedule falls back to "Monday to
Friday" and every date computed through it is marked *provisional*, to be recomputed once the
year is entered. A missing year never raises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class YearSchedule:
    """Official schedule of one year: weekday holidays off, weekend make-up days on (调休)."""

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_json(cls, text: str) -> YearSchedule:
        raw = json.loads(text)
        year = int(raw["year"])
        days = {k: frozenset(date.fromisoformat(d) for d in raw.get(k, []))
                for k in ("holidays", "workdays")}
        for d in days["holidays"] | days["workdays"]:
            if d.year != year:
                raise ValueError(f"{d} is not in {year}")
        return cls(year, days["holidays"], days["workdays"])


@dataclass(frozen=True)
class DueDate:
    day: date
    provisional: bool

    def iso(self) -> str:
        return self.day.isoformat()


class WorkingCalendar:
    def __init__(self, schedules: dict[int, YearSchedule] | None = None) -> None:
        self._years: dict[int, YearSchedule] = dict(schedules or {})
        #: changes whenever a year is added: what was computed through the calendar before
        #: (and remembered) is computed again
        self.revision = 0
        self._day_index: _DayIndex | None = None

    @classmethod
    def official(cls, extra_dir: Path | None = None) -> WorkingCalendar:
        """Years known to chinesecalendar, plus any ``<year>.json`` in ``extra_dir``."""
        import chinese_calendar  # noqa: PLC0415 - heavy import, only when building

        years: dict[int, tuple[set[date], set[date]]] = {}
        for d in chinese_calendar.holidays:
            if d.weekday() < 5:
                years.setdefault(d.year, (set(), set()))[0].add(d)
        for d in chinese_calendar.workdays:
            years.setdefault(d.year, (set(), set()))[1].add(d)
        first = min(years)
        last = max(d.year for d in chinese_calendar.holidays)
        schedules = {y: YearSchedule(y, frozenset(h), frozenset(w))
                     for y, (h, w) in years.items()}
        for y in range(first, last + 1):
            schedules.setdefault(y, YearSchedule(y))
        calendar = cls(schedules)
        if extra_dir and extra_dir.is_dir():
            for path in sorted(extra_dir.glob("*.json")):
                calendar.add_year(YearSchedule.from_json(path.read_text("utf-8")))
        return calendar

    def _index(self) -> _DayIndex:
        index = self._day_index
        if index is not None and index.revision == self.revision:
            return index
        years = sorted(self._years) or [date.today().year]
        first, last = date(years[0], 1, 1).toordinal(), date(years[-1], 12, 31).toordinal()
        working, guessed = [0], [0]
        for ordinal in range(first, last + 1):
            is_working, is_guessed = self.is_working_day(date.fromordinal(ordinal))
            working.append(working[-1] + is_working)
            guessed.append(guessed[-1] + is_guessed)
        self._day_index = _DayIndex(self.revision, first, working, guessed)
        return self._day_index

    def add_year(self, schedule: YearSchedule) -> None:
        self._years[schedule.year] = schedule
        self.revision += 1

    def known_years(self) -> list[int]:
        return sorted(self._years)

    def schedule_of(self, year: int) -> YearSchedule | None:
        """The official schedule of ``year``; None when the year has none (provisional)."""
        return self._years.get(year)

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(working?, provisional?) for a calendar day."""
        schedule = self._years.get(day.year)
        if schedule is None:
            return day.weekday() < 5, True
        if day in schedule.workdays:
            return True, False
        if day in schedule.holidays:
            return False, False
        return day.weekday() < 5, False

    def add_working_days(self, start: date, days: int) -> DueDate:
        """The day by which something started on ``start`` must be done in ``days`` working
        days: the ``days``-th working day after ``start`` (0 = the same day)."""
        if days < 0:
            raise ValueError("a limit cannot be negative")
        provisional = False
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            working, guessed = self.is_working_day(current)
            provisional |= guessed
            if working:
                remaining -= 1
        return DueDate(current, provisional)

    def working_days_between(self, start: date, end: date) -> tuple[int, bool]:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        sign = 1 if end >= start else -1
        lo, hi = (start, end) if sign > 0 else (end, start)
        index = self._index()
        first, last = index.first, index.first + len(index.working) - 2
        if first <= lo.toordinal() and hi.toordinal() <= last:
            a, b = lo.toordinal() - first + 1, hi.toordinal() - first + 1
            return (sign * (index.working[b] - index.working[a]),
                    index.guessed[b] > index.guessed[a])
        count, provisional = 0, False
        current = lo
        while current < hi:
            current += timedelta(days=1)
            working, guessed = self.is_working_day(current)
            provisional |= guessed
            count += working
        return sign * count, provisional


@dataclass(frozen=True)
class _DayIndex:
    """Running counts over the calendar's years, so that the working days between two days
    are one subtraction: ``working[i]`` working days (``guessed[i]`` of them guessed) among
    the ``i`` days from ordinal ``first``."""

    revision: int
    first: int
    working: list[int]
    guessed: list[int]


def local_day(moment: datetime | None = None) -> date:
    """The calendar day in Asia/Shanghai of a UTC moment (now by default)."""
    return (moment or datetime.now(UTC)).astimezone(CHINA).date()
