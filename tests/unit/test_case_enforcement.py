"""Cases the government opens (立案): a penalty from its opening to its closing, the hearing's
windows, discretion bound by its standard, the meeting that decides."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.enforcement import (
    HoldHearing,
    Notify,
    Open,
    RecordCollectiveReview,
    RecordEvidence,
    RecordStatement,
    RequestHearing,
    ScheduleHearing,
    Serve,
    WaiveHearing,
)
from services.cases.domain.engine import (
    Accept,
    Actor,
    CompleteStep,
    Decide,
    RecordedRefusal,
    Reject,
    Submit,
    allowed_actions,
    decide,
    evolve,
    fold,
)
from services.cases.domain.flow import DiscretionSpec, ItemSnapshot, Mode, StepKind, StepSpec
from services.cases.domain.model import (
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    Evidence,
    Opinion,
    Participant,
    Party,
    Penalty,
)
from services.cases.domain.progress import progress
from services.shared.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.shared.working_days import WorkingCalendar
from tests.support import departments

DEPT = "区市场监督管理局"
CODE = departments.MARKET
CALENDAR = WorkingCalendar.official()
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
BASIS = ("《中华人民共和国食品安全法》第一百二十二条", "《中华人民共和国行政处罚法》第五十七条")
K = StepKind


def step(key: str, kind: StepKind, role: str, days: int = 5) -> StepSpec:
    return StepSpec(key, key, kind, role, Limit(days))


ITEM = ItemSnapshot(
    item_id="pen-1", version=1, code="P-1", name="对未取得食品经营许可从事食品经营活动的处罚",
    region="511602", department=DEPT, statutory=Limit(90, TimeUnit.CALENDAR_DAYS),
    promised=None, item_type="02", legal_basis=BASIS,
    steps=(step("open", K.OPENING, "head", 3), step("investigate", K.INVESTIGATION,
                                                     "inspector", 30),
           step("notify", K.NOTIFICATION, "inspector", 3),
           step("decide", K.DECISION, "head", 10), step("serve", K.SERVICE, "inspector", 7),
           step("execute", K.EXECUTION, "inspector", 15),
           step("close", K.CLOSING, "inspector", 3)),
    discretion=(DiscretionSpec("first", "一般", "初次违法，货值较小", ("warning", "fine"),
                               50_000, 500_000),
                DiscretionSpec("repeat", "较重", "多次违法", ("fine", "confiscate_gains"),
                               500_000, 5_000_000)),
    collective_review_above_fen=3_000_000, department_code=CODE)
PARTY = Party("某食品店", "credit_code", "115113010000000716")

INSPECTOR = Actor("insp-1", ("511602",), CODE, frozenset({"inspector"}))
INSPECTOR_2 = Actor("insp-2", ("511602",), CODE, frozenset({"inspector"}))
HEAD = Actor("head-1", ("511602",), CODE, frozenset({"head"}))
DEPUTY = Actor("deputy-1", ("511602",), CODE, frozenset({"head"}))
CLERK = Actor("clerk-1", ("511602",), CODE, frozenset({"clerk"}))
OTHER_DEPT = Actor("x-1", ("511602",), departments.EDUCATION,
                   frozenset({"inspector", "head"}))
FINE_1000 = Penalty("first", ("fine",), 100_000)
MEETING = RecordCollectiveReview(
    date(2026, 11, 16), (Participant("王局长", "局长"), Participant("李副局长", "副局长"),
                         Participant("张科长", "法制科长")),
    (Opinion("王局长", "同意"), Opinion("李副局长", "同意"), Opinion("张科长", "同意，情节较重")),
    "会议讨论了案件事实、证据和处罚幅度。", "同意按较重情节处罚")


class Run:
    """An opened case driven command by command; the clock moves with ``days``."""

    def __init__(self, item: ItemSnapshot = ITEM, by: Actor = INSPECTOR) -> None:
        self.events: list[CaseEvent] = []
        self.case: Case | None = None
        self.now = NOW
        self.do(Open("51160220261116000001", "511602", item, (PARTY,), "未取得许可经营食品",
                     "inspection", BASIS[:1],
                     (Evidence("", "inspection_record", "现场检查笔录"),)), by)

    def do(self, command: object, actor: Actor, *, days: int = 0) -> list[CaseEvent]:
        self.now += timedelta(days=days)
        events = decide(self.case, command, actor, self.now, calendar=CALENDAR)
        for event in events:
            self.case = evolve(self.case, event)
        self.events += events
        return events

    @property
    def c(self) -> Case:
        assert self.case is not None
        return self.case

    def running(self, key: str) -> str:
        return next(i.instance_id for i in self.c.active if i.key == key)

    def to_notification(self) -> Run:
        self.do(Accept("同意立案"), HEAD)
        self.do(RecordEvidence("documentary", "进货单据", "a" * 64), INSPECTOR)
        self.do(CompleteStep(self.running("investigate"), "事实清楚"), INSPECTOR)
        return self

    def to_decision(self, *, hearing_right: bool = False) -> Run:
        self.to_notification()
        self.do(Notify("拟处罚款 1000 元", FINE_1000, hearing_right), INSPECTOR_2)
        return self


def types(events: list[CaseEvent]) -> list[str]:
    return [e.type for e in events]


def test_a_penalty_runs_from_its_opening_to_its_closing() -> None:
    run = Run()
    assert run.c.opened and run.c.channel is Channel.OPENED
    assert run.c.status is CaseStatus.SUBMITTED and run.c.parties == (PARTY,)
    assert [e.evidence_id for e in run.c.evidence] == ["e1"]
    assert allowed_actions(run.c) == ("accept", "reject", "claim", "release", "reassign",
                                      "record_evidence")
    run.to_decision()
    assert run.c.notification is not None and run.c.notification.hearing_due_on is None
    assert [i.key for i in run.c.active] == ["decide"]
    run.do(Decide("impose", "违法事实清楚", BASIS[:1], penalty=FINE_1000), HEAD, days=1)
    assert run.c.status is CaseStatus.DECIDED and run.c.decision is not None
    assert run.c.decision.penalty == replace(FINE_1000, within_standard=True)
    run.do(Serve("direct", "某食品店负责人"), INSPECTOR)
    run.do(CompleteStep(run.running("execute"), "罚款已缴纳"), INSPECTOR)
    events = run.do(CompleteStep(run.running("close"), "结案"), INSPECTOR)
    assert types(events) == ["case.step_completed", "case.completed"]
    assert run.c.status is CaseStatus.COMPLETED
    assert fold(run.events) == run.c
    assert types(run.events)[:2] == ["case.opened", "case.step_started"]


def test_opening_is_approved_by_the_head_of_the_department() -> None:
    run = Run()
    with pytest.raises(PermissionDenied, match="approved by the head"):
        run.do(Accept(), INSPECTOR)
    with pytest.raises(PermissionDenied):
        run.do(Accept(), OTHER_DEPT)
    refused = Run()
    refused.do(Reject("证据不足，不予立案"), HEAD)
    assert refused.c.status is CaseStatus.REJECTED and not refused.c.active


def test_an_opened_case_is_opened_only_on_an_opened_item_and_cites_its_basis() -> None:
    with pytest.raises(FailedPrecondition, match="ITEM_APPLIED_FOR|applied for"):
        decide(None, Open("n", "511602", replace(ITEM, steps=(
            step("accept", K.ACCEPTANCE, "clerk"), step("decide", K.DECISION, "head"))),
            (PARTY,), "x", "inspection", BASIS), INSPECTOR, NOW)
    with pytest.raises(InvalidArgument) as info:
        decide(None, Open("n", "511602", ITEM, (PARTY,), "x", "inspection",
                          ("《某条例》第一条",)), INSPECTOR, NOW)
    assert info.value.code == "LEGAL_BASIS_NOT_OF_ITEM"
    with pytest.raises(InvalidArgument, match="parties"):
        decide(None, Open("n", "511602", ITEM, (), "x", "inspection", BASIS), INSPECTOR, NOW)
    with pytest.raises(InvalidArgument, match="source"):
        decide(None, Open("n", "511602", ITEM, (PARTY,), "x", "rumour", BASIS), INSPECTOR,
               NOW)
    with pytest.raises(FailedPrecondition, match="opened by the government"):
        decide(None, Submit("n", "511602", ITEM, Mode.PROMISED, PARTY, Channel.COUNTER),
               CLERK, NOW)


def test_a_notification_completes_its_step_and_the_others_end_with_their_own_action() -> None:
    run = Run().to_notification()
    with pytest.raises(FailedPrecondition) as info:
        run.do(CompleteStep(run.running("notify")), INSPECTOR)
    assert info.value.code == "USE_NOTIFY"
    run.do(Notify("拟处罚款 1000 元", FINE_1000), INSPECTOR)
    with pytest.raises(FailedPrecondition) as info:
        run.do(CompleteStep(run.running("decide")), HEAD)
    assert info.value.code == "USE_DECIDE"


def test_a_hearing_is_asked_for_within_5_working_days_of_the_notification() -> None:
    run = Run().to_decision(hearing_right=True)
    notice = run.c.notification
    assert notice is not None and notice.notified_on == date(2026, 11, 16)
    assert notice.hearing_due_on == date(2026, 11, 23)  # Mon + 5 working days (a weekend)
    with pytest.raises(FailedPrecondition) as info:
        run.do(Decide("impose", "事实清楚", BASIS[:1], penalty=FINE_1000), HEAD)
    assert info.value.code == "HEARING_WINDOW_OPEN"
    late = Run().to_decision(hearing_right=True)
    late.now += timedelta(days=8)  # recorded on 24 November …
    with pytest.raises(FailedPrecondition) as info:
        late.do(RequestHearing(), INSPECTOR)  # … asked that day: too late
    assert info.value.code == "HEARING_WINDOW_CLOSED"
    late.do(RequestHearing(date(2026, 11, 23)), INSPECTOR)  # asked on the last day: on time
    assert late.c.hearing is not None and late.c.clock.stopped
    # once the window closed without a request, the decision may be taken
    quiet = Run().to_decision(hearing_right=True)
    quiet.do(Decide("impose", "事实清楚", BASIS[:1], penalty=FINE_1000), HEAD, days=8)
    assert quiet.c.status is CaseStatus.DECIDED


def test_a_hearing_is_noticed_7_working_days_ahead_and_held_by_a_non_investigator() -> None:
    run = Run().to_decision(hearing_right=True)
    events = run.do(RequestHearing(), INSPECTOR, days=1)
    assert types(events) == ["case.hearing_requested", "case.procedure_started",
                             "case.clock_stopped"]
    assert "decide" not in allowed_actions(run.c)
    with pytest.raises(FailedPrecondition) as info:
        run.do(ScheduleHearing(date(2026, 11, 25), "第一会议室", "host-1"), INSPECTOR)
    assert info.value.code == "HEARING_NOTICE_TOO_SHORT"
    assert info.value.metadata["earliest"] == "2026-11-26"  # Tue 17th + 7 working days
    with pytest.raises(FailedPrecondition) as info:
        run.do(ScheduleHearing(date(2026, 11, 26), "第一会议室", "insp-1"), INSPECTOR)
    assert info.value.code == "HOST_INVESTIGATED"
    run.do(ScheduleHearing(date(2026, 11, 26), "第一会议室", "host-1"), INSPECTOR)
    host = Actor("host-1", ("511602",), CODE, frozenset({"legal"}))
    with pytest.raises(FailedPrecondition) as info:
        run.do(HoldHearing("当事人陈述", "维持拟处罚意见"), host)
    assert info.value.code == "HEARING_NOT_YET"
    with pytest.raises(PermissionDenied):
        run.do(HoldHearing("当事人陈述", "维持拟处罚意见"), INSPECTOR, days=9)
    run.do(HoldHearing("当事人陈述", "维持拟处罚意见"), host)
    assert not run.c.clock.stopped and run.c.hearing is not None and run.c.hearing.held_at
    run.do(Decide("impose", "事实清楚", BASIS[:1], penalty=FINE_1000), HEAD)
    assert run.c.status is CaseStatus.DECIDED


def test_a_waived_hearing_lets_the_decision_be_taken_at_once() -> None:
    run = Run().to_decision(hearing_right=True)
    run.do(RecordStatement("当事人称系初次经营"), INSPECTOR)
    run.do(WaiveHearing("当事人书面放弃听证"), INSPECTOR)
    assert "request_hearing" not in allowed_actions(run.c)
    run.do(Decide("impose", "事实清楚", BASIS[:1], penalty=FINE_1000), HEAD)
    assert [s.text for s in run.c.statements] == ["当事人称系初次经营"]


def test_a_penalty_outside_its_standard_is_refused_and_recorded() -> None:
    run = Run().to_decision()
    heavy = Penalty("first", ("fine",), 800_000)  # 8000 yuan; the standard allows 500–5000
    with pytest.raises(RecordedRefusal) as info:
        run.do(Decide("impose", "情节恶劣", BASIS[:1], penalty=heavy), HEAD)
    assert info.value.error.code == "DISCRETION_OUT_OF_RANGE"
    assert "500–5000" in info.value.error.message
    assert types(info.value.events) == ["case.decision_refused"]
    assert run.c.status is CaseStatus.IN_PROGRESS  # the case did not move
    # the measure must be one the standard names
    with pytest.raises(RecordedRefusal):
        run.do(Decide("impose", "x", BASIS[:1],
                      penalty=Penalty("first", ("revoke_licence",))), HEAD)
    # justified in writing: decided, and supervision hears of the departure
    events = run.do(Decide("impose", "情节恶劣", BASIS[:1], penalty=replace(
        heavy, departure="当事人拒不配合调查，经集体讨论从重处罚")), HEAD)
    assert types(events)[0] == "case.decided" and types(events)[-1] == "case.discretion_departed"
    assert run.c.decision is not None and run.c.decision.penalty is not None
    assert not run.c.decision.penalty.within_standard


@pytest.mark.parametrize(("penalty", "field"), [
    (Penalty("none", ("fine",), 100), "penalty.circumstance"),
    (Penalty("first", ()), "penalty.measures"),
    (Penalty("first", ("flogging",)), "penalty.measures"),
    (Penalty("first", ("warning",), 100), "penalty.amount"),
    (Penalty("first", ("fine",), 0), "penalty.amount"),
])
def test_a_penalty_names_a_standard_measures_and_an_amount(penalty: Penalty,
                                                          field: str) -> None:
    run = Run().to_decision()
    with pytest.raises(InvalidArgument) as info:
        run.do(Decide("impose", "x", BASIS[:1], penalty=penalty), HEAD)
    assert field in [v.field for v in info.value.field_violations]


def test_decisions_cite_the_items_own_basis_and_who_investigated_does_not_decide() -> None:
    run = Run().to_decision()
    with pytest.raises(InvalidArgument) as info:
        run.do(Decide("impose", "x", ("《别的法》第一条",), penalty=FINE_1000), HEAD)
    assert info.value.code == "LEGAL_BASIS_NOT_OF_ITEM"
    investigator_head = Actor("insp-1", ("511602",), CODE, frozenset({"inspector", "head"}))
    with pytest.raises(FailedPrecondition) as refused:
        run.do(Decide("impose", "x", BASIS[:1], penalty=FINE_1000), investigator_head)
    assert refused.value.code == "SEPARATION_OF_DUTIES"
    with pytest.raises(InvalidArgument, match="impose"):
        run.do(Decide("approve", "x", BASIS[:1]), HEAD)


def test_a_large_fine_or_a_major_item_needs_a_meeting_first() -> None:
    run = Run().to_decision()
    large = Penalty("repeat", ("fine",), 4_000_000)  # 40,000 yuan > 30,000
    with pytest.raises(FailedPrecondition) as info:
        run.do(Decide("impose", "x", BASIS[:1], penalty=large), HEAD)
    assert info.value.code == "COLLECTIVE_REVIEW_REQUIRED"
    with pytest.raises(InvalidArgument, match="participants"):
        run.do(replace(MEETING, participants=MEETING.participants[:2],
                       opinions=MEETING.opinions[:2]), HEAD)
    with pytest.raises(InvalidArgument, match="opinions"):
        run.do(replace(MEETING, opinions=MEETING.opinions[:2]), HEAD)
    run.do(MEETING, HEAD)
    assert [r.review_id for r in run.c.reviews] == ["m1"]
    run.do(Decide("impose", "x", BASIS[:1], penalty=large), HEAD)
    assert run.c.status is CaseStatus.DECIDED
    major = Run(item=replace(ITEM, major=True)).to_decision()
    with pytest.raises(FailedPrecondition, match="major"):
        major.do(Decide("impose", "x", BASIS[:1], penalty=FINE_1000), HEAD)


def test_a_collective_review_step_ends_with_its_meeting() -> None:
    steps = list(ITEM.steps)
    steps.insert(3, step("meet", K.COLLECTIVE_REVIEW, "head"))
    run = Run(item=replace(ITEM, steps=tuple(steps))).to_decision()
    assert [i.key for i in run.c.active] == ["meet"]
    with pytest.raises(FailedPrecondition) as info:
        run.do(CompleteStep(run.running("meet")), HEAD)
    assert info.value.code == "USE_RECORD_COLLECTIVE_REVIEW"
    events = run.do(MEETING, HEAD)
    assert types(events)[:2] == ["case.collective_review_recorded", "case.step_completed"]
    assert [i.key for i in run.c.active] == ["decide"]


def test_the_90_days_run_in_calendar_days_from_the_opening_to_the_decision() -> None:
    run = Run().to_decision()
    opened = progress(run.c, CALENDAR, date(2026, 11, 16))
    assert opened.statutory is not None
    assert opened.statutory.due == date(2027, 2, 14)  # 16 Nov + 90 calendar days
    run.do(Decide("impose", "x", BASIS[:1], penalty=FINE_1000), HEAD, days=10)
    later = progress(run.c, CALENDAR, date(2026, 12, 31))
    assert later.statutory is not None and later.statutory.used == 10  # stopped at decision
    assert later.next_steps == ("execute", "close")


def test_actions_out_of_turn_on_an_opened_case_name_what_is_possible() -> None:
    run = Run()
    with pytest.raises(FailedPrecondition) as info:
        run.do(Notify("x"), INSPECTOR)
    assert info.value.code == "ACTION_NOT_ALLOWED"
    assert "accept" in info.value.metadata["allowed"]


def test_an_opened_penalty_issues_its_documents_with_its_events() -> None:
    from services.cases.domain.documents import KINDS, check_fields, opened_drafts
    from tests.support.documents import ISSUER

    run = Run().to_decision(hearing_right=True)
    run.do(RequestHearing(), INSPECTOR)
    run.do(ScheduleHearing(date(2026, 11, 26), "第一会议室", "host-1"), INSPECTOR)
    host = Actor("host-1", ("511602",), CODE, frozenset({"legal"}))
    run.do(HoldHearing("陈述", "维持"), host, days=10)
    run.do(Decide("impose", "事实清楚", BASIS[:1], penalty=FINE_1000), HEAD)
    run.do(Serve("direct", "某食品店负责人"), INSPECTOR)
    issued = []
    case: Case | None = None
    for event in run.events:
        case = evolve(case, event)
        for draft in opened_drafts(case, event, ISSUER, "行政处罚决定书（区发改罚〔2026〕1号）"):
            check_fields(KINDS[draft.kind], draft.fields)  # every field it needs
            issued.append((event.type, draft.kind))
    assert issued == [("case.accepted", "filing_approval"),
                      ("case.party_notified", "penalty_notice"),
                      ("case.hearing_scheduled", "hearing_notice"),
                      ("case.decided", "penalty_decision"),
                      ("case.served", "service_receipt")]
