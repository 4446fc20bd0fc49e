"""Supervision's rules and warnings, fed with the events the case engine really publishes (the
engine's events through the contract's CaseEvent, as the outbox writes them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.contract import event_to_pb
from services.cases.domain.enforcement import Notify, Open
from services.cases.domain.engine import (
    Accept,
    Actor,
    CompleteStep,
    Decide,
    RecordedRefusal,
    Reject,
    RequestSupplement,
    Submit,
    decide,
    evolve,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party, Penalty
from services.monitoring.domain.rules import RULES, Context, Standard, Thresholds
from services.monitoring.domain.warnings import (
    Severity,
    Status,
    Warning,
    acknowledge,
    contest,
    correct,
    dismiss,
    hold_accountable,
    publish_notice,
    supervise,
    uphold,
)
from services.monitoring.domain.watch import CaseWatch, watch_after
from services.shared.errors import FailedPrecondition, InvalidArgument
from services.shared.events import message_to_dict
from services.shared.working_days import WorkingCalendar
from tests.support.cases import DEPT_CODE, FIRE_CODE, item

CALENDAR = WorkingCalendar.official()
MONDAY = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DEPT = DEPT_CODE
CLERK = Actor("clerk-1", ("511602",), DEPT, frozenset({"clerk"}))
REVIEWER = Actor("reviewer-1", ("511602",), DEPT, frozenset({"reviewer"}))
FIRE = Actor("fire-1", ("511602",), FIRE_CODE, frozenset({"reviewer"}))
CHIEF = Actor("chief-1", ("511602",), DEPT, frozenset({"chief"}))
APPLICANT = Party("张三", "id_card", "511602199001011236")


class Supervised:
    """A case driven through the engine; every event goes to supervision as the broker
    carries it, and supervision's warnings are kept."""

    def __init__(self, snapshot=None, standard: Standard | None = None,  # type: ignore[no-untyped-def]
                 materials=(("form", 1, 0),), first=None) -> None:
        self.case: Case | None = None
        self.watch: CaseWatch | None = None
        self.warnings: dict[str, Warning] = {}
        self.standard = standard or Standard()
        self.now = MONDAY
        self.published: list[tuple[str, dict]] = []
        command, actor = first or (Submit(
            "51160220261116000001", "511602", snapshot or item(), Mode.PROMISED, APPLICANT,
            Channel.COUNTER, materials), CLERK)
        self.do(command, actor)

    def ctx(self, before: CaseWatch | None = None) -> Context:
        return Context(CALENDAR, self.now.date(), Thresholds(), self.standard, before)

    def do(self, command, actor: Actor, *, days: int = 0) -> list[Warning]:  # type: ignore[no-untyped-def]
        self.now += timedelta(days=days)
        changed: list[Warning] = []
        for event in decide(self.case, command, actor, self.now, calendar=CALENDAR):
            self.case = evolve(self.case, event)
            data = message_to_dict(event_to_pb(self.case, event, CALENDAR, role="",
                                               department=actor.department or ""))
            self.published.append((event.type, data))
            changed += self.feed(event.type, data)
        return changed

    def feed(self, kind: str, data: dict) -> list[Warning]:
        before = self.watch
        self.watch = watch_after(before, kind, self.now, data)
        changed = supervise(self.watch, self.warnings.values(), self.ctx(before), self.now,
                            (kind, data))
        self.warnings.update({w.warning_id: w for w in changed})
        return changed

    def sweep(self, day: date) -> list[Warning]:
        self.now = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
        assert self.watch is not None
        changed = supervise(self.watch, self.warnings.values(), self.ctx(), self.now)
        self.warnings.update({w.warning_id: w for w in changed})
        return changed

    def running(self, key: str) -> str:
        assert self.case is not None
        return next(i.instance_id for i in self.case.active if i.key == key)

    def active(self) -> dict[str, Warning]:
        return {w.warning_id: w for w in self.warnings.values() if w.active}

    def accepted(self) -> Supervised:
        self.do(Accept("齐全"), CLERK)
        return self


def review(warnings: list[Warning], run: Supervised) -> list[Warning]:
    return [w for w in warnings if w.subject == run.running("review")]


def test_a_late_step_turns_yellow_then_red_and_closes_when_completed() -> None:
    run = Supervised().accepted()  # review 3 working days from Monday 16th: due Thursday 19th
    assert run.active() == {}  # a one-day acceptance step was not near its limit
    assert review(run.sweep(date(2026, 11, 17)), run) == []  # two days left
    (yellow,) = review(run.sweep(date(2026, 11, 18)), run)
    assert (yellow.rule, yellow.severity, yellow.status) == ("STEP_LIMIT", Severity.YELLOW,
                                                             Status.OPEN)
    assert yellow.subject == run.running("review")
    assert "「审查」环节" in yellow.explanation and "还剩 1个工作日" in yellow.explanation
    assert run.sweep(date(2026, 11, 18)) == []  # raised once per cause
    (red,) = review(run.sweep(date(2026, 11, 20)), run)
    assert red.warning_id == yellow.warning_id and red.severity is Severity.RED
    assert "已超期 1个工作日" in red.explanation
    assert [e.action for e in red.history] == ["raised", "escalated"]
    changed = run.do(CompleteStep(run.running("review"), "同意"), REVIEWER)
    closed = next(w for w in changed if w.warning_id == yellow.warning_id)
    assert closed.status is Status.CLOSED and closed.closed_at == run.now


def test_the_case_near_and_over_its_promised_limit() -> None:
    run = Supervised().accepted()  # promised 10 working days: due Monday 30th
    assert not [w for w in run.sweep(date(2026, 11, 25)) if w.rule == "CASE_PROMISED"]
    found = {w.rule: w for w in run.sweep(date(2026, 11, 26))}
    assert found["CASE_PROMISED"].severity is Severity.YELLOW
    late = {w.rule: w for w in run.sweep(date(2026, 12, 1))}
    assert late["CASE_PROMISED"].severity is Severity.RED
    assert "2026-11-30" in late["CASE_PROMISED"].explanation
    assert "已超期 1个工作日" in late["CASE_PROMISED"].explanation


def test_a_complete_application_refused_is_red_and_stays() -> None:
    run = Supervised()
    changed = run.do(Reject("不符合产业政策", "NOT_QUALIFIED"), CLERK)
    (warning,) = [w for w in changed if w.rule == "COMPLETE_APPLICATION_REJECTED"]
    assert warning.severity is Severity.RED and warning.handler == "clerk-1"
    assert "NOT_QUALIFIED" in warning.explanation and "不符合产业政策" in warning.explanation
    assert "REJECTION_WITHOUT_REASONS" not in {w.rule for w in changed}
    assert run.sweep(date(2026, 11, 30)) == []  # an event rule's warning does not close
    assert run.active()[warning.warning_id].status is Status.OPEN


def test_a_step_skipped_by_a_system_is_seen() -> None:
    run = Supervised().accepted()
    assert run.case is not None and run.watch is not None
    kind, data = next(e for e in reversed(run.published) if e[0] == "case.step_started")
    forged = {**data, "sequence": str(run.watch.sequence + 1),
              "step": {**data["step"], "stage": 2, "name": "决定", "instance_id": "s9"}}
    (warning,) = [w for w in run.feed(kind, forged) if w.rule == "STAGE_SKIPPED"]
    assert "第 3 个环节" in warning.explanation and "第 2 个环节" in warning.explanation


def test_the_one_who_accepted_deciding_is_red_unless_the_item_allows_it() -> None:
    lenient = replace(item(), separate_acceptance_and_decision=False)
    both = Actor("chief-1", ("511602",), DEPT, frozenset({"chief", "clerk"}))
    run = Supervised(lenient)
    run.do(Accept(), both)
    run.do(CompleteStep(run.running("review/fire")), FIRE)
    run.do(CompleteStep(run.running("review")), REVIEWER)
    changed = run.do(Decide("approve", "符合条件"), both)
    assert [w.rule for w in changed if w.rule == "ACCEPTOR_DECIDED"] == ["ACCEPTOR_DECIDED"]
    allowed = Supervised(lenient, Standard(acceptor_may_decide=True))
    allowed.do(Accept(), both)
    allowed.do(CompleteStep(allowed.running("review/fire")), FIRE)
    allowed.do(CompleteStep(allowed.running("review")), REVIEWER)
    assert not [w for w in allowed.do(Decide("approve", "符合条件"), both)
                if w.rule == "ACCEPTOR_DECIDED"]


def test_a_supplement_left_past_its_day_is_a_clock_stopped_too_long() -> None:
    run = Supervised(materials=())
    run.do(RequestSupplement(("form",), date(2026, 11, 20)), CLERK)
    assert run.sweep(date(2026, 11, 20)) == []
    (warning,) = [w for w in run.sweep(date(2026, 11, 23)) if w.rule != "STEP_LIMIT"]
    assert warning.rule == "CLOCK_STOPPED_TOO_LONG" and "补正" in warning.explanation


def opened_to_notification() -> Supervised:
    """A penalty (立案) investigated, its party not yet told."""
    from tests.unit.test_case_enforcement import BASIS, HEAD, INSPECTOR, ITEM, PARTY

    run = Supervised(first=(Open("51160220261116000002", "511602", ITEM, (PARTY,),
                                 "未取得许可经营食品", "inspection", BASIS[:1]), INSPECTOR))
    run.do(Accept("同意立案"), HEAD)
    run.do(CompleteStep(run.running("investigate"), "查明"), INSPECTOR)
    return run


def test_a_fact_entered_days_later_is_yellow_and_red_when_nobody_answers() -> None:
    from tests.unit.test_case_enforcement import INSPECTOR_2

    def told_on_monday_entered_on_thursday() -> tuple[Supervised, Warning]:
        run = opened_to_notification()
        changed = run.do(Notify("拟罚款 1000 元", notified_on=date(2026, 11, 16)), INSPECTOR_2,
                         days=3)
        (warning,) = [w for w in changed if w.rule == "LATE_ENTRY"]
        return run, warning

    quiet, yellow = told_on_monday_entered_on_thursday()
    assert yellow.severity is Severity.YELLOW and "2026-11-16" in yellow.explanation
    assert "3 个工作日后" in yellow.explanation and yellow.handler == "insp-2"
    assert yellow.warning_id not in {w.warning_id for w in quiet.sweep(date(2026, 11, 23))}
    red = {w.warning_id: w for w in quiet.sweep(date(2026, 11, 24))}
    assert red[yellow.warning_id].severity is Severity.RED  # nobody answered in 2 days
    assert red[yellow.warning_id].history[-1].action == "escalated"
    answered, other = told_on_monday_entered_on_thursday()
    answered.warnings[other.warning_id] = acknowledge(other, "insp-2", answered.now)
    assert other.warning_id not in {w.warning_id for w in answered.sweep(date(2026, 11, 24))}


def test_a_warning_is_answered_contested_and_decided_with_its_history() -> None:
    run = Supervised()
    (warning,) = [w for w in run.do(Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
                  if w.rule == "COMPLETE_APPLICATION_REJECTED"]
    at = run.now
    with pytest.raises(FailedPrecondition):
        uphold(warning, "sup-1", at, "理由")  # only a contested one
    contested = contest(warning, "clerk-1", at, "申请人隐瞒了重要情况")
    with pytest.raises(InvalidArgument):
        uphold(contested, "sup-1", at, " ")
    upheld = uphold(contested, "sup-1", at, "材料齐全即应受理")
    held = hold_accountable(upheld, "sup-1", at, "责令作出书面检查")
    with pytest.raises(InvalidArgument):
        publish_notice(held, "sup-1", at, "通报", at.date())
    noticed = publish_notice(held, "sup-1", at, "对区发展改革局通报批评", date(2026, 12, 31))
    assert [e.action for e in noticed.history] == ["raised", "contested", "upheld",
                                                   "held_accountable", "noticed"]
    assert noticed.accountability == "责令作出书面检查" and noticed.accountable_by == "sup-1"
    dismissed = dismiss(contest(warning, "clerk-1", at, "错误"), "sup-1", at, "确有隐瞒")
    assert dismissed.status is Status.DISMISSED and not dismissed.active
    with pytest.raises(FailedPrecondition):
        hold_accountable(dismissed, "sup-1", at, "x")
    fixed = correct(acknowledge(warning, "clerk-1", at), "clerk-1", at, "已重新受理")
    assert fixed.status is Status.CORRECTED and fixed.closed_at == at


def test_a_dismissed_state_warning_is_not_raised_again_for_the_same_cause() -> None:
    run = Supervised().accepted()
    (yellow,) = review(run.sweep(date(2026, 11, 18)), run)
    run.warnings[yellow.warning_id] = dismiss(yellow, "sup-1", run.now, "系统时钟错误")
    assert [w for w in run.sweep(date(2026, 11, 18)) if w.subject == yellow.subject] == []


def test_events_twice_or_out_of_order_make_the_same_warnings() -> None:
    run = Supervised().accepted()
    run.do(CompleteStep(run.running("review/fire")), FIRE)
    run.sweep(date(2026, 11, 24))
    replay = Supervised.__new__(Supervised)
    replay.case, replay.watch, replay.warnings = None, None, {}
    replay.standard, replay.published = Standard(), []
    events = run.published
    shuffled = [events[0], *events[2:], events[1], *events[3:5]]  # late and repeated
    replay.now = MONDAY
    for kind, data in shuffled:
        replay.feed(kind, data)
    assert replay.watch == run.watch
    replay.sweep(date(2026, 11, 24))
    assert {(w.rule, w.subject, w.severity, w.status) for w in replay.warnings.values()} == {
        (w.rule, w.subject, w.severity, w.status) for w in run.warnings.values()}


def test_penalties_outside_their_standard_are_seen() -> None:
    from tests.unit.test_case_enforcement import BASIS, HEAD, INSPECTOR_2

    run = opened_to_notification()
    run.do(Notify("拟罚款"), INSPECTOR_2)
    heavy = Decide("impose", "情节恶劣", BASIS[:1], penalty=Penalty("first", ("fine",), 800_000))
    with pytest.raises(RecordedRefusal) as refused:
        run.do(heavy, HEAD)
    changed: list[Warning] = []
    for event in refused.value.events:  # what the case service records of the attempt
        assert run.case is not None
        run.case = evolve(run.case, event)
        changed += run.feed(event.type, message_to_dict(event_to_pb(
            run.case, event, CALENDAR, role="", department="")))
    (attempt,) = [w for w in changed if w.rule == "PENALTY_ATTEMPT_REFUSED"]
    assert "8000 元" in attempt.explanation and "500–5000" in attempt.explanation
    justified = run.do(replace(heavy, penalty=replace(heavy.penalty, departure="拒不改正")),
                       HEAD)
    (departure,) = [w for w in justified if w.rule == "PENALTY_OUTSIDE_STANDARD"]
    assert "拒不改正" in departure.explanation


def test_every_rule_explains_itself_in_chinese() -> None:
    for rule in RULES.values():
        assert rule.templates, rule.code
        for template in rule.templates.values():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in template), rule.code


def test_a_step_started_after_midnight_in_china_starts_on_chinas_day() -> None:
    """00:30 in Shanghai is 16:30 UTC of the day before: the step's first day, from which its
    working days count, is China's (a UTC day made a step late a day early, each night)."""
    started = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 2026-12-01 00:30 in China
    watch = watch_after(None, "case.step_started", started, {
        "case_number": "51160220261201000001", "region": "511602", "sequence": 1,
        "status": "CASE_STATUS_IN_PROGRESS",
        "active_steps": [{"instance_id": "s1", "key": "review", "name": "审查",
                          "started_at": "2026-11-30T16:30:00Z", "due_date": "2026-12-04",
                          "limit_days": 3}]})
    (step,) = watch.running
    assert step.started_on == date(2026, 12, 1)
