"""Complaints, ratings and rectification (投诉 / 举报 · 好差评), the rules alone: who may rate
which case and when, the indicators of each channel, what a bad rating opens, appeals, the
deadlines on the official calendar, and the indicators per department and month."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.monitoring.domain import feedback as f
from services.shared.errors import FailedPrecondition, InvalidArgument, NotFound
from services.shared.working_days import WorkingCalendar

CALENDAR = WorkingCalendar.official()
POLICY = f.Policy()
DEPT = "115113016823646795"
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday, 10:00 in Shanghai
APPLICANT = ("id_card", "511602199001011236")


def case(status: str = "completed", ended: date | None = date(2026, 11, 16)) -> f.CaseFacts:
    return f.CaseFacts("511602202611160000001", "511602", "区发展改革局", DEPT, "item-1",
                       "企业投资项目备案", status,
                       datetime(ended.year, ended.month, ended.day, 2, tzinfo=UTC)
                       if ended else None, APPLICANT)


def rate(level: int = 2, *, facts: f.CaseFacts | None = None, identity=APPLICANT,
         channel: f.Channel = f.Channel.ONLINE, indicators=None, comment: str = "",
         today: date = date(2026, 11, 16)) -> tuple[f.Rating, f.Rectification | None]:
    facts = facts or case()
    return f.rate(facts, rater="id_card:" + identity[1], identity=identity, channel=channel,
                  level=level, indicators=indicators or {}, comment=comment, now=NOW,
                  today=today, ended_on=facts.ended_at.date() if facts.ended_at else None,
                  calendar=CALENDAR, policy=POLICY)


def test_only_the_applicant_rates_and_a_stranger_learns_nothing() -> None:
    rating, task = rate(1, identity=("id_card", "511602199001011236".lower()))
    assert rating.rating_id == "511602202611160000001-online" and task is None
    with pytest.raises(NotFound) as refused:
        rate(identity=("id_card", "110101199003074477"))
    assert refused.value.code == "CASE_NOT_FOUND"  # the same words as for no such case
    with pytest.raises(NotFound):
        rate(identity=("credit_code", "511602199001011236"))


def test_a_case_is_rated_once_it_ended_and_within_its_window_of_working_days() -> None:
    with pytest.raises(FailedPrecondition) as running:
        rate(facts=case("in_progress", None))
    assert running.value.code == "CASE_NOT_FINISHED"
    rate(facts=case("rejected"))  # 不予受理 may be rated too
    # ended on Monday 16 November: 15 working days run to Monday 7 December
    rate(today=date(2026, 12, 7))
    with pytest.raises(FailedPrecondition) as late:
        rate(today=date(2026, 12, 8))
    assert late.value.code == "RATING_WINDOW_CLOSED"
    assert late.value.metadata["last_day"] == "2026-12-07"


def test_a_window_across_the_national_day_holiday_counts_working_days_only() -> None:
    # ended Tuesday 29 September 2026: the National Day week (1-7 October) is not counted
    facts = case(ended=date(2026, 9, 29))
    last = CALENDAR.add_working_days(date(2026, 9, 29), POLICY.rating_window_days).day
    assert last > date(2026, 10, 20)
    rate(facts=facts, today=last)


def test_each_channel_has_the_indicators_of_gb_t_39046() -> None:
    rating, _ = rate(2, indicators={"overall": 1, "efficiency": 2, "guide_accuracy": 2,
                                    "convenience": 3, "usability": 1})
    assert rating.indicators["convenience"] == 3
    counter, _ = rate(1, channel=f.Channel.COUNTER,
                      indicators={"efficiency": 1, "skill": 1, "attitude": 2})
    assert counter.rating_id.endswith("-counter")
    with pytest.raises(InvalidArgument) as wrong:
        rate(2, channel=f.Channel.COUNTER, indicators={"usability": 1})
    assert wrong.value.code == "INDICATOR_NOT_OF_CHANNEL"
    assert "服务态度" in wrong.value.field_violations[0].description
    with pytest.raises(InvalidArgument):
        rate(2, indicators={"overall": 6})


def test_a_bad_rating_says_why_and_opens_a_rectification_due_in_working_days() -> None:
    for level in (1, 2, 3):
        assert rate(level)[1] is None
    with pytest.raises(InvalidArgument) as silent:
        rate(4)
    assert silent.value.code == "BAD_RATING_NEEDS_REASON"
    rating, task = rate(5, comment="窗口人员态度差")
    assert rating.bad and task is not None
    assert task.status is f.RectificationStatus.OPEN and task.limit_days == 15
    assert task.due_date == date(2026, 12, 7) and task.task_id == rating.rating_id + "-ZG"
    assert f.days_left(task, date(2026, 12, 4), CALENDAR) == 1  # Friday → Monday
    assert not f.rectification_overdue(task, date(2026, 12, 7))
    assert f.rectification_overdue(task, date(2026, 12, 8))
    assert f.days_left(task, date(2026, 12, 8), CALENDAR) == -1
    done = f.complete_rectification(task, "clerk-1", NOW, date(2026, 12, 8), "约谈窗口人员",
                                    "已回访并致歉")
    assert done.status is f.RectificationStatus.DONE and not done.on_time
    assert not f.rectification_overdue(done, date(2026, 12, 9))
    with pytest.raises(FailedPrecondition):
        f.complete_rectification(done, "clerk-1", NOW, date(2026, 12, 8), "再次", "再次")
    with pytest.raises(InvalidArgument):
        f.complete_rectification(task, "clerk-1", NOW, date(2026, 12, 1), "", "已回访")


def test_an_appeal_upheld_excludes_the_rating_and_cancels_its_rectification() -> None:
    good, _ = rate(1)
    with pytest.raises(FailedPrecondition) as not_bad:
        f.appeal(good, "clerk-1", NOW, "mistaken", "误操作")
    assert not_bad.value.code == "RATING_NOT_BAD"
    rating, task = rate(5, comment="没有办成")
    appealed = f.appeal(rating, "clerk-1", NOW, "malicious", "申请人不符合条件，恶意差评")
    with pytest.raises(FailedPrecondition) as twice:
        f.appeal(appealed, "clerk-1", NOW, "malicious", "再次申诉")
    assert twice.value.code == "ALREADY_APPEALED"
    upheld, cancelled = f.decide_appeal(appealed, task, "sup-1", NOW, True, "经核实属恶意差评")
    assert upheld.excluded and "恶意差评" in upheld.excluded_reason
    assert cancelled is not None and cancelled.status is f.RectificationStatus.CANCELLED
    with pytest.raises(FailedPrecondition):
        f.decide_appeal(upheld, cancelled, "sup-1", NOW, False, "再审")
    rejected, untouched = f.decide_appeal(appealed, task, "sup-1", NOW, False, "差评属实")
    assert not rejected.excluded and untouched is None
    assert rejected.appeal_status is f.AppealStatus.REJECTED


def complaint(kind=f.Kind.COMPLAINT, addressee=f.Addressee.SUPERVISION, **target) -> f.Complaint:
    return f.submit_complaint(
        complaint_id="511602-TS-20261116-ABCDEF", kind=kind, addressee=addressee,
        target=f.Target(**{"subject": f.Subject.DEPARTMENT, "region": "511602",
                           "department_code": DEPT, **target}),
        title="推诿扯皮", content="多次前往未予办理", contact="", complainant="id_card:x",
        now=NOW, today=date(2026, 11, 16), calendar=CALENDAR, policy=POLICY)


def test_a_complaint_runs_to_closure_within_its_deadline() -> None:
    c = complaint()
    assert c.status is f.ComplaintStatus.SUBMITTED and c.due_date == date(2026, 12, 7)
    assert not f.complaint_overdue(c, date(2026, 12, 7))
    assert f.complaint_overdue(c, date(2026, 12, 8))
    handling = f.accept_complaint(c, "sup-1", NOW)
    with pytest.raises(FailedPrecondition) as early:
        f.close_complaint(handling, "sup-1", NOW)
    assert early.value.code == "COMPLAINT_ACTION_NOT_ALLOWED"
    answered = f.answer_complaint(handling, "sup-1", NOW, f.Finding.PARTLY, "已责令整改")
    assert not f.complaint_overdue(answered, date(2026, 12, 8))
    with pytest.raises(FailedPrecondition):
        f.withdraw_complaint(answered, "id_card:x", NOW)
    closed = f.close_complaint(answered, "sup-1", NOW, "办结")
    assert closed.status is f.ComplaintStatus.CLOSED
    assert [e.action for e in closed.history] == ["submitted", "accepted", "answered",
                                                  "closed"]


def test_a_report_never_goes_to_the_department_it_is_about_and_names_its_subject() -> None:
    with pytest.raises(InvalidArgument) as refused:
        complaint(f.Kind.REPORT, f.Addressee.DEPARTMENT)
    assert refused.value.code == "REPORT_TO_DEPARTMENT"
    assert complaint(f.Kind.COMPLAINT, f.Addressee.DEPARTMENT).addressee is \
        f.Addressee.DEPARTMENT
    with pytest.raises(InvalidArgument) as nobody:
        complaint(f.Kind.REPORT, subject=f.Subject.STAFF, staff=" ")
    assert nobody.value.field_violations[0].field == "staff"


def test_indicator_rates() -> None:
    row = f.DepartmentMonth("511602", "区发展改革局", DEPT, "2026-11",
                            per_level=[2, 1, 1, 0, 1], rectified=1, rectified_on_time=0)
    assert (row.ratings, row.good, row.bad) == (5, 4, 1)
    assert row.good_rate == 0.8 and row.average_score == (10 + 4 + 3 + 1) / 5
    assert (row.rectification_rate, row.rectified_on_time_rate) == (1.0, 0.0)
    empty = f.DepartmentMonth("511602", "", DEPT, "2026-11")
    assert (empty.good_rate, empty.rectification_rate) == (0.0, 1.0)
