"""The party's page of a case the government opened (立案): what they may do and by when in
words, from the days the case service gives; unknown days said to be unknown; a provisional
last day said so. And the engine's provisional mark of that day."""

from __future__ import annotations

from datetime import date

from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.common.v1.common_pb2 import Money

from services.cases.domain.enforcement import hearing_due_provisional, hearing_request_due
from services.cases.domain.model import Notification
from services.hall.enforcement import chinese_day, party_rights
from services.shared.working_days import WorkingCalendar

TODAY = date(2026, 11, 18)


def notified(**fields: object) -> kpb.Case:
    notice = kpb.Notification(notified_on="2026-11-16", intended="拟罚款", hearing_right=True,
                              hearing_due_on="2026-11-23")
    for name, value in fields.items():
        setattr(notice, name, value)
    return kpb.Case(opened=True, notification=notice)


def test_days_in_words_and_an_unknown_day_said_so() -> None:
    assert chinese_day("2026-01-05") == "2026年1月5日"
    assert chinese_day("") == chinese_day("not a day") == "未知"


def test_before_the_notice_nothing_is_guessed() -> None:
    rights = party_rights(kpb.Case(opened=True), TODAY)
    assert not rights.notified and "未知" in rights.rights
    assert rights.decision == "尚未作出处罚决定。"


def test_the_last_day_to_ask_for_a_hearing_in_words_then_passed() -> None:
    rights = party_rights(notified(), TODAY)
    assert rights.rights == "您可以在 2026年11月23日 前（5个工作日内）提出陈述、申辩或要求听证"
    assert rights.open_window and "当天仍可提出" in rights.deadline_note
    assert party_rights(notified(), date(2026, 11, 23)).open_window
    passed = party_rights(notified(), date(2026, 11, 24))
    assert not passed.open_window and "已于 2026年11月23日 届满" in passed.rights


def test_an_unknown_or_provisional_last_day_is_said_so() -> None:
    assert "截止日期未知" in party_rights(notified(hearing_due_on=""), TODAY).rights
    provisional = party_rights(notified(hearing_due_provisional=True), TODAY)
    assert "按双休日推算" in provisional.deadline_note
    assert "不属于可以要求听证" in party_rights(notified(hearing_right=False), TODAY).rights


def test_the_hearing_and_the_decision_with_its_amount() -> None:
    case = notified()
    case.hearing.CopyFrom(kpb.Hearing(requested_on="2026-11-20"))
    assert "尚未确定（未知）" in party_rights(case, TODAY).hearing
    case.hearing.scheduled_on, case.hearing.place = "2026-12-03", "第一会议室"
    assert "听证定于 2026年12月3日 在第一会议室举行" in party_rights(case, TODAY).hearing
    case.decision.CopyFrom(kpb.Decision(outcome=kpb.DECISION_OUTCOME_IMPOSE, penalty=kpb.Penalty(
        circumstance="first", measures=["fine", "warning"],
        amount=Money(currency_code="CNY", units=1500, nanos=500_000_000))))
    assert party_rights(case, TODAY).decision == "作出行政处罚决定：罚款 1500.5 元、警告。"
    case.decision.penalty.ClearField("amount")
    assert "罚款（金额未知）" in party_rights(case, TODAY).decision


def test_a_last_day_counted_in_a_year_without_a_schedule_is_provisional() -> None:
    calendar = WorkingCalendar.official()
    late = date(2026, 12, 28)
    due = hearing_request_due(calendar, late)
    assert due.year == 2027
    notice = Notification(late, "拟罚款", None, True, due, None, "x")
    known = Notification(date(2026, 11, 16), "拟罚款", None, True,
                         hearing_request_due(calendar, date(2026, 11, 16)), None, "x")
    assert 2027 not in calendar.known_years()
    assert hearing_due_provisional(calendar, notice)
    assert not hearing_due_provisional(calendar, known)
