from datetime import date, timedelta

import pytest

from services.shared.working_days import WorkingCalendar, YearSchedule


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.official()


def test_national_day_week_is_skipped(calendar: WorkingCalendar) -> None:
    # 2026-09-30 (Wed) + 1 working day: Oct 1-7 are holidays (Oct 8 is a Thursday).
    due = calendar.add_working_days(date(2026, 9, 30), 1)
    assert not due.provisional
    assert due.day > date(2026, 10, 7)


def test_make_up_working_saturday_counts(calendar: WorkingCalendar) -> None:
    # 2026-10-10 is a make-up working Saturday in the official 2026 schedule.
    working, provisional = calendar.is_working_day(date(2026, 10, 10))
    assert working and not provisional


def test_plain_weekend_is_not_working(calendar: WorkingCalendar) -> None:
    assert calendar.is_working_day(date(2026, 11, 21)) == (False, False)  # Saturday


def test_zero_days_is_same_day(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2026, 11, 20), 0).day == date(2026, 11, 20)


def test_limit_crossing_into_unknown_year_is_provisional_not_a_crash(
        calendar: WorkingCalendar) -> None:
    due = calendar.add_working_days(date(2026, 12, 20), 20)
    assert due.day.year == 2027
    assert due.provisional


def test_entering_the_new_year_removes_the_provisional_mark(calendar: WorkingCalendar) -> None:
    cal = WorkingCalendar(dict((y, YearSchedule(y)) for y in calendar.known_years()))
    before = cal.add_working_days(date(2026, 12, 28), 5)
    cal.add_year(YearSchedule.from_json(
        '{"year": 2027, "holidays": ["2027-01-01"], "workdays": []}'))
    after = cal.add_working_days(date(2026, 12, 28), 5)
    assert before.provisional and not after.provisional
    # Jan 1st 2027 (a Friday) became a holiday, so the due date moves one working day later.
    assert after.day > before.day


def test_schedule_rejects_dates_of_another_year() -> None:
    with pytest.raises(ValueError, match="not in 2027"):
        YearSchedule.from_json('{"year": 2027, "holidays": ["2026-10-01"]}')


def test_working_days_between_counts_both_directions(calendar: WorkingCalendar) -> None:
    assert calendar.working_days_between(date(2026, 11, 16), date(2026, 11, 23)) == (5, False)
    assert calendar.working_days_between(date(2026, 11, 23), date(2026, 11, 16))[0] == -5


def test_working_days_between_by_running_counts_agrees_with_counting_day_by_day() -> None:
    """The index answers what walking the days answers, across years, holidays, make-up
    days and the years the calendar only guesses."""
    import random

    calendar = WorkingCalendar.official()

    def walked(start: date, end: date) -> tuple[int, bool]:
        sign = 1 if end >= start else -1
        lo, hi = (start, end) if sign > 0 else (end, start)
        count, guessed, day = 0, False, lo
        while day < hi:
            day += timedelta(days=1)
            working, provisional = calendar.is_working_day(day)
            count, guessed = count + working, guessed or provisional
        return sign * count, guessed

    pick = random.Random(20261130)
    years = calendar.known_years()
    low, high = date(years[0] - 1, 6, 1), date(years[-1] + 2, 6, 1)
    span = (high - low).days
    for _ in range(2000):
        start = low + timedelta(days=pick.randrange(span))
        end = start + timedelta(days=pick.randrange(-400, 400))
        assert calendar.working_days_between(start, end) == walked(start, end), (start, end)
    calendar.add_year(YearSchedule(years[-1] + 1, frozenset({date(years[-1] + 1, 1, 5)})))
    day = date(years[-1] + 1, 1, 2)
    assert calendar.working_days_between(day, day + timedelta(days=10)) == walked(
        day, day + timedelta(days=10))
