"""The legal clock: limits in their unit, stopped time left out, on the official calendar."""

from __future__ import annotations

from datetime import date

import pytest

from services.cases.domain.clock import Clock, Limit, TimeUnit
from services.shared.errors import FailedPrecondition
from services.shared.working_days import WorkingCalendar

MON = date(2026, 11, 16)
FIVE = Limit(5)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.official()


def test_a_running_limit_counts_working_days_after_the_start(calendar) -> None:
    due = Clock().due(MON, FIVE, calendar, today=date(2026, 11, 18))
    assert (due.due, due.used, due.left, due.provisional) == (date(2026, 11, 23), 2, 3, False)
    late = Clock().due(MON, FIVE, calendar, today=date(2026, 11, 25))
    assert late.left == -2  # two working days late


def test_the_official_holidays_and_make_up_days_count(calendar) -> None:
    # Mon 28 Sep 2026: 10 working days skip the National Day week (make-up Saturday counts)
    assert Clock().due(date(2026, 9, 28), Limit(10), calendar, MON).due == date(2026, 10, 16)


def test_stopped_days_are_left_out_and_the_due_date_moves(calendar) -> None:
    clock = Clock().stop(date(2026, 11, 18), "supplement").restart(date(2026, 11, 20))
    due = clock.due(MON, FIVE, calendar, today=date(2026, 11, 23))
    # Thu 19 and Fri 20 are left out: Tue 17, Wed 18, Mon 23, Tue 24, Wed 25
    assert due.due == date(2026, 11, 25) and due.used == 3
    assert clock.stopped_days(MON, date(2026, 11, 30), calendar) == 2


def test_a_stop_begun_and_ended_the_same_day_leaves_out_nothing(calendar) -> None:
    clock = Clock().stop(date(2026, 11, 18), "hearing").restart(date(2026, 11, 18))
    assert clock.due(MON, FIVE, calendar, MON).due == date(2026, 11, 23)


def test_while_the_clock_stands_still_the_due_date_is_unknown(calendar) -> None:
    clock = Clock().stop(date(2026, 11, 18), "expert_review", ref="p1")
    assert clock.stopped and clock.current_stop.ref == "p1"
    due = clock.due(MON, FIVE, calendar, today=date(2026, 11, 27))
    assert due.due is None and due.used == 2 and due.left == 3
    # a limit already reached before the stop keeps its date
    assert clock.due(MON, Limit(1), calendar, date(2026, 11, 27)).due == date(2026, 11, 17)
    with pytest.raises(FailedPrecondition) as twice:
        clock.stop(date(2026, 11, 19), "hearing")
    assert twice.value.code == "CLOCK_STOPPED"
    with pytest.raises(FailedPrecondition):
        Clock().restart(MON)


def test_calendar_days_count_every_day(calendar) -> None:
    """Administrative Penalty Law art. 60: 90 days from filing, calendar days."""
    ninety = Limit(90, TimeUnit.CALENDAR_DAYS)
    assert Clock().due(date(2026, 11, 1), ninety, calendar, MON).due == date(2027, 1, 30)
    stopped = Clock().stop(date(2026, 11, 10), "hearing").restart(date(2026, 11, 20))
    assert stopped.due(date(2026, 11, 1), ninety, calendar, MON).due == date(2027, 2, 9)


def test_a_date_in_a_year_without_a_schedule_is_provisional(calendar) -> None:
    due = Clock().due(date(2026, 12, 24), Limit(10), calendar, date(2026, 12, 24))
    assert due.due is not None and due.due.year == 2027 and due.provisional
    assert not Clock().due(date(2026, 12, 1), Limit(5), calendar, MON).provisional


def test_a_limit_of_zero_is_the_same_day(calendar) -> None:
    """即办: done the day it started."""
    assert Clock().due(MON, Limit(0), calendar, MON).due == MON
    with pytest.raises(ValueError):
        Limit(-1)
