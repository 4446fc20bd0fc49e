"""The case engine: decide(case, command) → events, evolve(case, event) → case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.engine import (
    Accept,
    Actor,
    Claim,
    Complete,
    CompleteStep,
    Decide,
    EndProcedure,
    Lapse,
    PublishResult,
    Reassign,
    ReceiveSupplement,
    Reject,
    Release,
    RequestSupplement,
    Return,
    StartProcedure,
    Submit,
    Withdraw,
    allowed_actions,
    decide,
    evolve,
    fold,
    incomplete,
)
from services.cases.domain.flow import (
    BranchSpec,
    ItemSnapshot,
    MaterialSpec,
    Mode,
    StepKind,
    StepSpec,
)
from services.cases.domain.model import (
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    InstanceStatus,
    Party,
)
from services.shared.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
)
from services.shared.working_days import WorkingCalendar

DEPT = "区住房城乡建设局"
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
ITEM = ItemSnapshot(
    item_id="item-1", version=2, code="C-1", name="建筑工程施工许可", region="511602",
    department=DEPT, statutory=Limit(15), promised=Limit(7),
    steps=(StepSpec("accept", "受理", StepKind.ACCEPTANCE, "clerk", Limit(1)),
           StepSpec("review", "审查", StepKind.REVIEW, "reviewer", Limit(3), branches=(
               BranchSpec("fire", "消防审查", "区消防救援大队", "reviewer", Limit(2)),
               BranchSpec("env", "环评审查", "区生态环境局", "reviewer", Limit(3)))),
           StepSpec("decide", "决定", StepKind.DECISION, "chief", Limit(2),
                    returns_to=("review",))),
    modes=frozenset({Mode.PROMISED, Mode.IMMEDIATE, Mode.REPORTED}),
    materials=(MaterialSpec("form", "申请表", originals=1),
               MaterialSpec("licence", "营业执照", originals=0, copies=1),
               MaterialSpec("photo", "现场照片", mandatory=False)),
    procedures=frozenset({"expert_review", "hearing", "extension"}))
ALL = (("form", 1, 0), ("licence", 0, 1))
APPLICANT = Party("某建筑公司", "credit_code", "115113010000000716")

CLERK = Actor("clerk-1", ("511602",), DEPT, frozenset({"clerk"}))
REVIEWER = Actor("rev-1", ("511602",), DEPT, frozenset({"reviewer"}))
FIRE = Actor("fire-1", ("511602",), "区消防救援大队", frozenset({"reviewer"}))
ENV = Actor("env-1", ("511602",), "区生态环境局", frozenset({"reviewer"}))
CHIEF = Actor("chief-1", ("511602",), DEPT, frozenset({"chief", "clerk"}))
WINDOW = Actor("window-1", ("511602",), "区政务服务中心", window=True)
SUPERVISOR = Actor("sup-1", ("511602",), supervisor=True)
CITIZEN = Actor("citizen-1")


class Run:
    """A case driven command by command; every event is kept, and folding them gives the
    same case as evolving them one at a time."""

    def __init__(self, item: ItemSnapshot = ITEM, mode: Mode = Mode.PROMISED,
                 materials=ALL, channel: Channel = Channel.COUNTER,
                 by: Actor = WINDOW) -> None:
        self.events: list[CaseEvent] = []
        self.case: Case | None = None
        self.now = NOW
        self.do(Submit("5116022026111600001", "511602", item, mode, APPLICANT, channel,
                       materials), by)

    def do(self, command, actor: Actor, *, days: int = 0) -> list[CaseEvent]:
        self.now += timedelta(days=days)
        events = decide(self.case, command, actor, self.now)
        for event in events:
            self.case = evolve(self.case, event)
        self.events += events
        return events

    @property
    def c(self) -> Case:
        assert self.case is not None
        return self.case

    def active(self, key: str):
        return next(i for i in self.c.active if i.key == key)


def types(events: list[CaseEvent]) -> list[str]:
    return [e.type for e in events]


def test_a_case_runs_from_application_to_completion() -> None:
    run = Run()
    assert run.c.status is CaseStatus.SUBMITTED and run.active("accept").role == "clerk"
    started = run.do(Accept("材料齐全，予以受理"), CLERK)
    assert types(started) == ["case.accepted"] + ["case.step_started"] * 3
    assert {i.key for i in run.c.active} == {"review", "review/fire", "review/env"}
    assert run.active("review/fire").department == "区消防救援大队"
    run.do(CompleteStep(run.active("review/fire").instance_id, "消防符合"), FIRE)
    run.do(CompleteStep(run.active("review").instance_id, "同意"), REVIEWER)
    assert run.c.stage == 0, "the stage waits for its last branch"
    joined = run.do(CompleteStep(run.active("review/env").instance_id, "环评通过"), ENV)
    assert types(joined) == ["case.step_completed", "case.branches_joined",
                             "case.step_started"]
    assert [i.key for i in run.c.active] == ["decide"]
    assert "complete_step" not in allowed_actions(run.c)
    run.do(Decide("approve", "符合条件", ("《建筑法》第八条",), "广建许〔2026〕1号",
                  "建筑工程施工许可证", date(2027, 11, 16)), CHIEF, days=1)
    assert run.c.status is CaseStatus.DECIDED and run.c.decision.outcome == "approve"
    run.do(PublishResult(), CLERK)
    run.do(Complete(), CLERK)
    assert run.c.status is CaseStatus.COMPLETED and not run.c.active
    assert run.c.sequence == len(run.events)
    assert fold(run.events) == run.c


def test_acceptance_checks_the_materials_and_supplements_stop_the_clock() -> None:
    calendar = WorkingCalendar.official()
    run = Run(materials=(("form", 1, 0),))
    assert incomplete(run.c) == ["营业执照 (licence)"]
    with pytest.raises(FailedPrecondition) as info:
        run.do(Accept(), CLERK)
    assert info.value.code == "MATERIALS_INCOMPLETE"
    run.do(RequestSupplement(("licence",), date(2026, 11, 30)), CLERK)
    assert run.c.status is CaseStatus.SUPPLEMENT and run.c.clock.stopped
    acceptance = run.active("accept")
    assert run.c.clock.due(acceptance.started_on, acceptance.limit, calendar,
                           date(2026, 11, 18)).due is None
    run.do(ReceiveSupplement((("licence", 0, 1),)), WINDOW, days=3)  # Thursday 19th
    assert run.c.status is CaseStatus.SUBMITTED and not run.c.clock.stopped
    due = run.c.clock.due(acceptance.started_on, acceptance.limit, calendar,
                          date(2026, 11, 19))
    assert due.due == date(2026, 11, 20)  # 1 working day, Tue–Thu left out
    run.do(Accept(), CLERK)
    assert run.c.status is CaseStatus.IN_PROGRESS


def test_an_application_lapses_only_after_its_supplement_time() -> None:
    run = Run(materials=())
    run.do(RequestSupplement(("form", "licence"), date(2026, 11, 20)), CLERK)
    with pytest.raises(FailedPrecondition) as early:
        run.do(Lapse(), CLERK, days=4)  # Friday the 20th: still in time
    assert early.value.code == "NOT_YET_LAPSED"
    run.do(Lapse(), CLERK, days=1)
    assert run.c.status is CaseStatus.LAPSED and not run.c.active
    assert run.c.instances[0].status is InstanceStatus.CANCELLED and not run.c.clock.stopped


def test_refusing_a_complete_application_needs_a_reason_code() -> None:
    run = Run()
    with pytest.raises(InvalidArgument) as info:
        run.do(Reject("不符合条件"), CLERK)
    assert info.value.field_violations[0].field == "reason_code"
    [rejected] = run.do(Reject("不属于本部门职权范围", "NOT_IN_SCOPE"), CLERK)
    assert rejected.complete and run.c.status is CaseStatus.REJECTED
    incomplete_run = Run(materials=())
    [refused] = incomplete_run.do(Reject("材料不全且不补正"), CLERK)
    assert not refused.complete
    with pytest.raises(InvalidArgument):
        Run().do(Reject(" ", "NOT_IN_SCOPE"), CLERK)


def test_a_return_makes_new_instances_and_keeps_the_first_pass() -> None:
    run = Run()
    run.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    decision = run.active("decide").instance_id
    with pytest.raises(FailedPrecondition) as bad:
        run.do(Return(decision, "accept", "重新受理"), CHIEF)
    assert bad.value.code == "RETURN_NOT_ALLOWED"
    with pytest.raises(InvalidArgument):
        run.do(Return(decision, "review", ""), CHIEF)
    run.do(Return(decision, "review", "消防意见不明确"), CHIEF)
    assert run.c.instance(decision).status is InstanceStatus.RETURNED
    again = [i for i in run.c.instances if i.key == "review"]
    assert [i.status for i in again] == [InstanceStatus.DONE, InstanceStatus.ACTIVE]
    assert again[0].instance_id != again[1].instance_id
    assert {i.key for i in run.c.active} == {"review", "review/fire", "review/env"}
    assert fold(run.events) == run.c


def test_a_special_procedure_stops_the_clock_and_holds_the_decision() -> None:
    run = Run()
    run.do(Accept(), CLERK)
    with pytest.raises(FailedPrecondition) as unknown:
        run.do(StartProcedure("auction", "拍卖"), REVIEWER)
    assert unknown.value.code == "PROCEDURE_NOT_ALLOWED"
    run.do(StartProcedure("expert_review", "需专家论证结构安全"), REVIEWER)
    assert run.c.clock.stopped and run.c.open_procedure.kind == "expert_review"
    assert "start_procedure" not in allowed_actions(run.c)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    assert "decide" not in allowed_actions(run.c), "the decision waits for the procedure"
    run.do(EndProcedure("专家论证通过"), CHIEF, days=3)
    assert "decide" in allowed_actions(run.c)
    assert not run.c.clock.stopped and run.c.procedures[0].result == "专家论证通过"
    stop = run.c.clock.stops[0]
    assert (stop.since, stop.until, stop.reason) == (date(2026, 11, 16), date(2026, 11, 19),
                                                     "expert_review")


def test_who_acts_on_what() -> None:
    run = Run()
    other_dept = Actor("x", ("511602",), "区教科体局", frozenset({"clerk"}))
    with pytest.raises(PermissionDenied):
        run.do(Accept(), other_dept)
    elsewhere = Actor("w2", ("511603",), "县政务服务中心", window=True)
    with pytest.raises(PermissionDenied):
        run.do(Accept(), elsewhere)
    run.do(Accept(), WINDOW)  # the service centre accepts for every department it hosts
    review = run.active("review").instance_id
    with pytest.raises(PermissionDenied):
        run.do(CompleteStep(review), CLERK)  # a clerk does not hold the reviewer's post
    run.do(Claim(review), REVIEWER)
    other_reviewer = replace(REVIEWER, subject="rev-2")
    with pytest.raises(Conflict) as taken:
        run.do(CompleteStep(review), other_reviewer)
    assert taken.value.code == "STEP_TAKEN"
    with pytest.raises(PermissionDenied):
        run.do(Reassign(review, "rev-2"), CLERK)
    run.do(Reassign(review, "rev-2"), SUPERVISOR)
    run.do(CompleteStep(review), other_reviewer)
    assert run.c.instance(review).completed_by == "rev-2"
    env = run.active("review/env").instance_id
    run.do(Claim(env), ENV)
    assert run.c.instance(env).assignee == "env-1"
    run.do(Release(env), ENV)  # handed back: anyone of the post may take it
    assert run.c.instance(env).assignee == ""
    with pytest.raises(FailedPrecondition):
        run.do(Release(env), ENV)


def test_who_accepted_does_not_decide() -> None:
    run = Run()
    run.do(Accept(), CHIEF)  # the chief holds the clerk's post as well
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    with pytest.raises(FailedPrecondition) as info:
        run.do(Decide("approve"), CHIEF)
    assert info.value.code == "SEPARATION_OF_DUTIES"
    lenient = Run(item=replace(ITEM, separate_acceptance_and_decision=False))
    lenient.do(Accept(), CHIEF)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        lenient.do(CompleteStep(lenient.active(key).instance_id), actor)
    lenient.do(Decide("approve"), CHIEF)
    assert lenient.c.status is CaseStatus.DECIDED


def test_a_refusal_gives_reasons_and_its_legal_basis() -> None:
    run = Run()
    run.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    with pytest.raises(InvalidArgument):
        run.do(Decide("refuse", "消防不合格"), CHIEF)
    run.do(Decide("refuse", "消防不合格", ("《消防法》第十一条",)), CHIEF)
    assert run.c.decision.outcome == "refuse"


def test_the_applicant_never_acts_on_their_own_case_but_may_withdraw() -> None:
    staff_applicant = replace(CLERK, subject="citizen-1")
    run = Run(channel=Channel.ONLINE, by=CITIZEN)
    with pytest.raises(PermissionDenied):
        run.do(Accept(), staff_applicant)
    run.do(Withdraw("不再需要"), CITIZEN)
    assert run.c.status is CaseStatus.WITHDRAWN
    with pytest.raises(FailedPrecondition) as closed:
        run.do(Accept(), CLERK)
    assert closed.value.code == "ACTION_NOT_ALLOWED"
    assert "closed" in closed.value.message


def test_a_high_risk_step_is_the_heads() -> None:
    risky = replace(ITEM, steps=(*ITEM.steps[:2], replace(ITEM.steps[2], high_risk=True)))
    run = Run(item=risky)
    run.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    with pytest.raises(PermissionDenied, match="head"):
        run.do(Decide("approve"), CHIEF)
    head = Actor("head-1", ("511602",), DEPT, frozenset({"chief", "head"}))
    run.do(Decide("approve"), head)


def test_actions_out_of_turn_name_the_state_and_what_is_possible() -> None:
    run = Run()
    with pytest.raises(FailedPrecondition) as info:
        run.do(Decide("approve"), CHIEF)
    assert info.value.code == "ACTION_NOT_ALLOWED"
    assert info.value.metadata["status"] == "submitted"
    assert "accept" in info.value.metadata["allowed"].split(",")


def test_modes() -> None:
    filing_item = replace(ITEM, modes=frozenset({Mode.FILING}), steps=ITEM.steps[:2])
    filing = Run(item=filing_item, mode=Mode.FILING)
    filing.do(Accept("登记备案"), CLERK)
    assert filing.c.status is CaseStatus.COMPLETED  # registered on receipt
    with pytest.raises(FailedPrecondition) as info:
        Run(mode=Mode.FILING)
    assert info.value.code == "MODE_NOT_ALLOWED"
    immediate = Run(mode=Mode.IMMEDIATE)
    immediate.do(Accept(), CLERK)
    assert all(i.limit == Limit(0) for i in immediate.c.instances)
    reported = Run(mode=Mode.REPORTED)
    reported.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        reported.do(CompleteStep(reported.active(key).instance_id), actor)
    decision = reported.active("decide")
    assert decision.region == "511600"  # 上报件: decided by the government above
    with pytest.raises(PermissionDenied):
        reported.do(Decide("approve"), CHIEF)  # a district chief acts for 511602 only
    city_chief = Actor("city-chief", ("511600",), DEPT, frozenset({"chief"}))
    reported.do(Decide("approve"), city_chief)


def test_flows_that_cannot_run_are_refused() -> None:
    no_decision = replace(ITEM, steps=ITEM.steps[:2])
    with pytest.raises(InvalidArgument) as info:
        Run(item=no_decision)
    assert info.value.code == "FLOW_INVALID"
    bad_return = replace(ITEM, steps=(*ITEM.steps[:2], replace(ITEM.steps[2],
                                                               returns_to=("accept",))))
    with pytest.raises(InvalidArgument, match="returns to accept"):
        Run(item=bad_return)
    calendar_days = replace(ITEM, promised=Limit(90, TimeUnit.CALENDAR_DAYS))
    assert Run(item=calendar_days).c.item.promised.unit is TimeUnit.CALENDAR_DAYS


def test_progress_says_which_step_what_next_and_how_long_left() -> None:
    from services.cases.domain.progress import progress

    calendar = WorkingCalendar.official()
    run = Run()
    submitted = progress(run.c, calendar, date(2026, 11, 16))
    assert [r.instance.key for r in submitted.running] == ["accept"]
    assert submitted.next_steps == ("审查", "决定") and submitted.promised is None
    run.do(Accept(), CLERK)
    now = progress(run.c, calendar, date(2026, 11, 18))
    assert {r.instance.key for r in now.running} == {"review", "review/fire", "review/env"}
    assert now.next_steps == ("决定",)
    assert now.promised.due == date(2026, 11, 25) and now.promised.left == 5
    assert now.statutory.due == date(2026, 12, 7)
    fire = next(r for r in now.running if r.instance.key == "review/fire")
    assert fire.due.due == date(2026, 11, 18) and not now.late
    run.do(StartProcedure("hearing", "申请听证"), REVIEWER, days=2)  # Wednesday the 18th
    stopped = progress(run.c, calendar, date(2026, 11, 24))
    assert stopped.stopped_since == date(2026, 11, 18) and stopped.stopped_because == "hearing"
    assert stopped.promised.due is None and stopped.promised.left == 5
    run.do(EndProcedure("听证完毕"), REVIEWER, days=6)  # Tuesday the 24th
    resumed = progress(run.c, calendar, date(2026, 11, 24))
    assert resumed.promised.due == date(2026, 12, 1)  # Thu 19 – Tue 24 left out: 4 days
    late = progress(run.c, calendar, date(2026, 12, 3))
    assert late.late and late.promised.left == -2


def test_an_extension_lengthens_the_limits_with_the_heads_approval() -> None:
    calendar = WorkingCalendar.official()
    run = Run()
    run.do(Accept(), CLERK)
    with pytest.raises(PermissionDenied, match="head"):
        run.do(StartProcedure("extension", "情况复杂", 10), REVIEWER)
    head = Actor("head-1", ("511602",), DEPT, frozenset({"reviewer", "head"}))
    with pytest.raises(InvalidArgument):
        run.do(StartProcedure("extension", "情况复杂", 31), head)
    [started] = run.do(StartProcedure("extension", "情况复杂，经负责人批准", 10), head)
    assert started.extension_days == 10 and not run.c.clock.stopped
    assert run.c.open_procedure is None and run.c.procedures[0].extension_days == 10
    from services.cases.domain.progress import progress

    now = progress(run.c, calendar, date(2026, 11, 16))
    assert now.statutory.limit == Limit(25) and now.promised.limit == Limit(17)
    assert fold(run.events) == run.c


def test_an_accepted_case_waiting_for_supplements_is_not_rejected() -> None:
    run = Run()
    run.do(Accept(), CLERK)
    run.do(RequestSupplement(("licence",), date(2026, 11, 30)), REVIEWER)
    assert run.c.status is CaseStatus.SUPPLEMENT and "reject" not in allowed_actions(run.c)
    with pytest.raises(InvalidArgument, match="not materials of this item"):
        run.do(ReceiveSupplement((("passport", 1, 0),)), CLERK)
    run.do(ReceiveSupplement((("licence", 0, 1),)), CLERK)
    assert run.c.status is CaseStatus.IN_PROGRESS and not run.c.clock.stopped
