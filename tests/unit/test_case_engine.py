"""The case engine: decide(case, command) → events, evolve(case, event) → case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.engine import (
    Accept,
    Actor,
    Assist,
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
    UrgeBranch,
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
    MaterialFile,
    Party,
)
from services.shared.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
)
from services.shared.working_days import WorkingCalendar, YearSchedule
from tests.support import departments

DEPT = "区住房城乡建设局"
#: the departments' unified social credit codes: who may act is decided by them
DEPT_CODE, FIRE_CODE, ENV_CODE = "11511301008778255F", departments.FIRE, departments.ENVIRONMENT
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CALENDAR = WorkingCalendar.official()
ITEM = ItemSnapshot(
    item_id="item-1", version=2, code="C-1", name="建筑工程施工许可", region="511602",
    department=DEPT, statutory=Limit(15), promised=Limit(7),
    steps=(StepSpec("accept", "受理", StepKind.ACCEPTANCE, "clerk", Limit(1)),
           StepSpec("review", "审查", StepKind.REVIEW, "reviewer", Limit(3), branches=(
               BranchSpec("fire", "消防审查", "区消防救援大队", "reviewer", Limit(2), FIRE_CODE),
               BranchSpec("env", "环评审查", "区生态环境局", "reviewer", Limit(3), ENV_CODE))),
           StepSpec("decide", "决定", StepKind.DECISION, "chief", Limit(2),
                    returns_to=("review",))),
    modes=frozenset({Mode.PROMISED, Mode.IMMEDIATE, Mode.REPORTED}),
    materials=(MaterialSpec("form", "申请表", originals=1),
               MaterialSpec("licence", "营业执照", originals=0, copies=1),
               MaterialSpec("photo", "现场照片", mandatory=False)),
    procedures=frozenset({"expert_review", "hearing", "extension"}), department_code=DEPT_CODE)
ALL = (("form", 1, 0), ("licence", 0, 1))
APPLICANT = Party("某建筑公司", "credit_code", "115113010000000716")

CLERK = Actor("clerk-1", ("511602",), DEPT_CODE, frozenset({"clerk"}))
REVIEWER = Actor("rev-1", ("511602",), DEPT_CODE, frozenset({"reviewer"}))
FIRE = Actor("fire-1", ("511602",), FIRE_CODE, frozenset({"reviewer"}))
ENV = Actor("env-1", ("511602",), ENV_CODE, frozenset({"reviewer"}))
CHIEF = Actor("chief-1", ("511602",), DEPT_CODE, frozenset({"chief", "clerk"}))
WINDOW = Actor("window-1", ("511602",), departments.SERVICE_CENTRE, window=True)
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
        events = decide(self.case, command, actor, self.now, CALENDAR)
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


def test_a_supplement_brings_its_uploaded_files_into_the_case() -> None:
    applicant = Actor("credit_code:115113010000000716",
                      identity=("credit_code", "115113010000000716"))
    run = Run(materials=(("form", 1, 0),), channel=Channel.ONLINE, by=applicant)
    run.do(RequestSupplement(("licence",), date(2026, 11, 30)), CLERK)
    licence = MaterialFile("licence", "ab" * 32, "营业执照.pdf", "application/pdf", 2048)
    with pytest.raises(InvalidArgument):  # a file for a material the item does not have
        run.do(ReceiveSupplement((("licence", 0, 0),), (
            replace(licence, key="passport"),)), applicant)
    run.do(ReceiveSupplement((("licence", 0, 0),), (licence,)), applicant)
    assert run.c.files == (licence,) and not incomplete(run.c)
    assert run.events[-2].files == (licence,)
    assert fold(run.events) == run.c
    run.do(Accept(), CLERK)


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
    other_dept = Actor("x", ("511602",), departments.EDUCATION, frozenset({"clerk"}))
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
    head = Actor("head-1", ("511602",), DEPT_CODE, frozenset({"chief", "head"}))
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
    city = "11511600008778255G"  # 市住房城乡建设局, which decides a case reported up
    up = replace(ITEM, steps=(*ITEM.steps[:2], replace(
        ITEM.steps[2], department="市住房城乡建设局", department_code=city)))
    reported = Run(item=up, mode=Mode.REPORTED)
    reported.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        reported.do(CompleteStep(reported.active(key).instance_id), actor)
    decision = reported.active("decide")
    assert decision.region == "511600"  # 上报件: decided by the government above
    assert (decision.department_code, decision.department) == (city, "市住房城乡建设局")
    with pytest.raises(PermissionDenied):
        reported.do(Decide("approve"), CHIEF)  # a district chief acts for 511602 only
    with pytest.raises(PermissionDenied):  # a chief of the city, but of the district's code
        reported.do(Decide("approve"), Actor("c", ("511600",), DEPT_CODE,
                                             frozenset({"chief"})))
    city_chief = Actor("city-chief", ("511600",), city, frozenset({"chief"}))
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


def test_progress_is_worked_out_again_for_another_day_or_a_changed_calendar() -> None:
    from services.cases.domain.progress import progress

    calendar = WorkingCalendar()  # no official schedule yet: weekdays, provisional
    run = Run()
    run.do(Accept(), CLERK)
    first = progress(run.c, calendar, date(2026, 11, 18))
    assert first.promised.provisional
    assert progress(run.c, calendar, date(2026, 11, 18)) == first
    assert progress(run.c, calendar, date(2026, 11, 19)).promised.left == (
        first.promised.left - 1)
    # the year's schedule is published: Friday the 20th is a holiday
    calendar.add_year(YearSchedule(2026, holidays=frozenset({date(2026, 11, 20)})))
    published = progress(run.c, calendar, date(2026, 11, 18))
    assert not published.promised.provisional
    assert published.promised.due == first.promised.due + timedelta(days=1)
    # another case asked in between does not mix with this one
    other = Run()
    assert progress(other.c, calendar, date(2026, 11, 18)).promised is None
    assert progress(run.c, calendar, date(2026, 11, 18)) == published


def test_an_extension_lengthens_the_limits_with_the_heads_approval() -> None:
    calendar = WorkingCalendar.official()
    run = Run()
    run.do(Accept(), CLERK)
    with pytest.raises(PermissionDenied, match="head"):
        run.do(StartProcedure("extension", "情况复杂", 10), REVIEWER)
    head = Actor("head-1", ("511602",), DEPT_CODE, frozenset({"reviewer", "head"}))
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


# --- departments by code -------------------------------------------------------------------


def test_departments_are_known_by_their_code_never_their_name() -> None:
    renamed = replace(ITEM, department="区住建局")  # renamed: the same department still
    run = Run(item=renamed)
    run.do(Accept(), CLERK)
    assert run.active("review").department_code == DEPT_CODE
    assert (run.active("review/fire").department_code,
            run.active("review/fire").department) == (FIRE_CODE, "区消防救援大队")
    namesake = replace(ITEM, department_code=departments.EDUCATION)  # same name, other body
    other = Run(item=namesake)
    with pytest.raises(PermissionDenied, match=departments.EDUCATION):
        other.do(Accept(), CLERK)
    other.do(Accept(), Actor("edu", ("511602",), departments.EDUCATION,
                             frozenset({"clerk"})))


def test_a_step_whose_department_code_is_unknown_is_nobodys_but_the_operators() -> None:
    unknown = replace(ITEM, steps=(ITEM.steps[0], replace(ITEM.steps[1], branches=(
        BranchSpec("fire", "消防审查", "区消防救援大队", "reviewer", Limit(2)),)), ITEM.steps[2]))
    run = Run(item=unknown)
    run.do(Accept(), CLERK)
    fire = run.active("review/fire")
    assert fire.department_code == "" and fire.department == "区消防救援大队"
    for actor in (FIRE, Actor("nobody", ("511602",), "", frozenset({"reviewer"})),
                  Actor("none", ("511602",), None, frozenset({"reviewer"}))):
        with pytest.raises(PermissionDenied, match="未知|区消防救援大队"):
            run.do(CompleteStep(fire.instance_id), actor)
    run.do(CompleteStep(fire.instance_id), Actor("ops", ("510000",), admin=True))
    assert run.c.instance(fire.instance_id).status is InstanceStatus.DONE


# --- the government service centre ----------------------------------------------------------


def test_the_service_centre_urges_a_running_branch_with_a_note() -> None:
    run = Run()
    with pytest.raises(FailedPrecondition) as early:
        run.do(UrgeBranch("s1", "请尽快"), WINDOW)
    assert early.value.code == "ACTION_NOT_ALLOWED"  # nothing runs in parallel yet
    run.do(Accept(), CLERK)
    fire = run.active("review/fire").instance_id
    [urged] = run.do(UrgeBranch(fire, "请于周三前出具消防意见"), WINDOW, days=1)
    assert urged.type == "case.branch_urged" and urged.by == "window-1"
    assert (urged.instance_id, urged.department_code, urged.department) == (
        fire, FIRE_CODE, "区消防救援大队")
    assert urged.due_on == date(2026, 11, 18)  # 2 working days from Monday the 16th
    run.do(UrgeBranch(fire, "再次催办"), SUPERVISOR)
    assert [(u.instance_id, u.by) for u in run.c.urges] == [(fire, "window-1"),
                                                            (fire, "sup-1")]
    for actor in (CLERK, FIRE, CITIZEN, replace(WINDOW, regions=("511603",))):
        with pytest.raises(PermissionDenied) as refused:
            run.do(UrgeBranch(fire, "催办"), actor)
        assert refused.value.code == "NOT_YOURS"
    with pytest.raises(FailedPrecondition) as own:
        run.do(UrgeBranch(run.active("review").instance_id, "催办"), WINDOW)
    assert own.value.code == "NOT_A_BRANCH"
    with pytest.raises(InvalidArgument):
        run.do(UrgeBranch(fire, "  "), WINDOW)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    assert "urge" not in allowed_actions(run.c)  # no branch runs any more
    with pytest.raises(Conflict) as done:
        run.do(UrgeBranch(fire, "催办"), WINDOW)
    assert done.value.code == "STEP_NOT_ACTIVE"
    assert fold(run.events) == run.c


def test_a_joined_parallel_stage_records_which_branches_ran_late() -> None:
    run = Run()
    run.do(Accept(), CLERK)  # Monday 16 November: fire due Wed 18th, env Thu 19th
    fire, env = run.active("review/fire").instance_id, run.active("review/env").instance_id
    run.do(CompleteStep(fire, "同意"), FIRE, days=1)
    run.do(UrgeBranch(env, "已超期，请尽快"), WINDOW, days=3)  # Friday 20th
    run.do(UrgeBranch(env, "再次催办"), WINDOW)
    run.do(CompleteStep(run.active("review").instance_id), REVIEWER)
    joined = run.do(CompleteStep(env, "同意"), ENV, days=3)  # Monday 23rd: 2 days late
    outcome = next(e for e in joined if e.type == "case.branches_joined").outcome
    assert outcome is not None and (outcome.stage, outcome.step_key) == (0, "review")
    by_key = {b.key: b for b in outcome.branches}
    assert set(by_key) == {"review/fire", "review/env"}
    assert (by_key["review/fire"].days_late, by_key["review/fire"].urges) == (0, 0)
    assert by_key["review/env"].due_on == date(2026, 11, 19)
    assert (by_key["review/env"].days_late, by_key["review/env"].urges) == (2, 2)
    assert by_key["review/env"].department_code == ENV_CODE
    assert [b.key for b in outcome.late] == ["review/env"]
    assert run.c.parallel_outcomes == (outcome,)
    assert fold(run.events) == run.c


def test_a_returned_stage_records_the_outcome_of_its_latest_pass_only() -> None:
    run = Run()
    run.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    run.do(Return(run.active("decide").instance_id, "review", "补充消防意见"), CHIEF)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    first, second = run.c.parallel_outcomes
    assert {b.instance_id for b in first.branches}.isdisjoint(
        {b.instance_id for b in second.branches})
    assert len(second.branches) == 2


def test_window_staff_record_guiding_and_assisting_the_applicant() -> None:
    run = Run()
    [guided] = run.do(Assist("guide", "引导填写申请表"), WINDOW)
    assert (guided.type, guided.kind.value, guided.by) == (
        "case.applicant_assisted", "guide", "window-1")
    for actor in (CLERK, SUPERVISOR, replace(WINDOW, regions=("511603",))):
        with pytest.raises(PermissionDenied) as refused:
            run.do(Assist("assist", "帮办"), actor)
        assert refused.value.code == "NOT_YOURS"
    with pytest.raises(InvalidArgument):
        run.do(Assist("deliver", "代办"), WINDOW)
    with pytest.raises(InvalidArgument):
        run.do(Assist("assist", ""), WINDOW)
    run.do(Accept(), CLERK)
    run.do(Assist("assist", "协助准备补充材料"), WINDOW)
    assert [(a.kind.value, a.note) for a in run.c.assistance] == [
        ("guide", "引导填写申请表"), ("assist", "协助准备补充材料")]
    for key, actor in (("review/fire", FIRE), ("review/env", ENV), ("review", REVIEWER)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    run.do(Decide("approve"), CHIEF)
    run.do(PublishResult(), CLERK)
    run.do(Assist("guide", "指导领取证照"), WINDOW)  # until completion
    run.do(Complete(), CLERK)
    with pytest.raises(FailedPrecondition) as closed:
        run.do(Assist("guide", "事后补记"), WINDOW)
    assert closed.value.code == "ACTION_NOT_ALLOWED"
    assert fold(run.events) == run.c
