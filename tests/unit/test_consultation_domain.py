"""Consultations (咨询), the rules alone: who must leave a contact, the answering deadline on
the official calendar (a holiday week counted as such), the answer closing it, withdrawing,
and overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.monitoring.domain import feedback as f
from services.shared.errors import FailedPrecondition, InvalidArgument
from services.shared.working_days import WorkingCalendar

CALENDAR = WorkingCalendar.official()
NOW = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)  # Tuesday before the National Day holiday
ITEM = f.ItemFacts("item-1", "企业投资项目备案", "511602", "区发展改革局", "115113016823646795")


def ask(asker: str = "id_card:511602199001011236", contact: str = "", **kw
        ) -> f.Consultation:
    values = {"title": "需要哪些材料", "question": "个人申请需要提交哪些材料？"} | kw
    return f.ask(consultation_id="511602-ZX-20260929-ABCDEF", item=kw.pop("item", ITEM),
                 title=values["title"], question=values["question"], asker=asker,
                 contact=contact, code="ABCD2345", now=NOW, today=date(2026, 9, 29),
                 calendar=CALENDAR, policy=f.Policy())


def test_the_deadline_counts_working_days_on_the_official_calendar() -> None:
    c = ask()
    # 9-30 is a working day; 10-1 … 10-8 the National Day holiday; 10-9 (Fri) and 10-11
    # (a make-up Sunday) are working days: five working days end on 2026-10-12 or before
    assert c.due_date == CALENDAR.add_working_days(date(2026, 9, 29), 5).day
    assert c.due_date > date(2026, 10, 8)
    assert c.status is f.ConsultationStatus.SUBMITTED and c.query_code == ""
    assert c.department_code == ITEM.department_code and c.region == "511602"


def test_without_signing_in_a_contact_is_required_and_the_code_is_kept() -> None:
    with pytest.raises(InvalidArgument) as refused:
        ask(asker="")
    assert refused.value.code == "CONTACT_REQUIRED"
    c = ask(asker="", contact=" 13800000000 ")
    assert c.contact == "13800000000" and c.query_code == "ABCD2345"
    assert c.history[0].by == "anonymous"
    with pytest.raises(InvalidArgument):
        ask(asker="", contact="1" * 101)


def test_a_question_needs_its_words_and_an_item_its_department() -> None:
    for kw, field in (({"title": " "}, "title"), ({"question": ""}, "question")):
        with pytest.raises(InvalidArgument) as refused:
            ask(**kw)
        assert refused.value.field_violations[0].field == field
    with pytest.raises(FailedPrecondition):
        f.ask(consultation_id="x", item=f.ItemFacts("i", "无部门事项", "511602", "", ""),
              title="t", question="q", asker="a", contact="", code="", now=NOW,
              today=date(2026, 9, 29), calendar=CALENDAR, policy=f.Policy())


def test_the_answer_closes_it_once_and_withdrawing_ends_a_waiting_one_only() -> None:
    c = ask()
    answered = f.answer_consultation(c, "clerk-1", NOW, "  需提交申请表。 ")
    assert answered.status is f.ConsultationStatus.ANSWERED and answered.answer == "需提交申请表。"
    with pytest.raises(FailedPrecondition):
        f.answer_consultation(answered, "clerk-1", NOW, "再答")
    with pytest.raises(FailedPrecondition):
        f.withdraw_consultation(answered, "me", NOW)
    with pytest.raises(InvalidArgument):
        f.answer_consultation(c, "clerk-1", NOW, "  ")
    assert f.withdraw_consultation(c, "me", NOW).status is f.ConsultationStatus.WITHDRAWN


def test_overdue_only_while_waiting_and_past_the_deadline() -> None:
    c = ask()
    assert not f.consultation_overdue(c, c.due_date)
    assert f.consultation_overdue(c, date(2026, 12, 1))
    answered = f.answer_consultation(c, "clerk-1", NOW, "答复")
    assert not f.consultation_overdue(answered, date(2026, 12, 1))
    noted = f.note_consultation_overdue(c, NOW)
    assert noted.overdue_noted and noted.history[-1].action == "overdue"
