"""上报件 across nodes, the pure part: when a case is handed up, the case the node above
receives and decides, and the decision applied back at the node below."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.cases.codec import case_from_json, case_json, event_data
from services.cases.domain.engine import (
    Accept,
    Actor,
    Complete,
    CompleteStep,
    Decide,
    PublishResult,
    Withdraw,
    allowed_actions,
    decide,
    evolve,
    fold,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import (
    CaseStatus,
    Channel,
    Decided,
    DecisionReturned,
    HandedUp,
    InstanceStatus,
    ReportReceived,
    StepStarted,
)
from services.cases.domain.reported import (
    ApplyReturnedDecision,
    ReceiveReport,
    apply_returned,
    hand_up,
    receive,
    to_hand_up,
)
from services.shared.errors import Conflict, FailedPrecondition, InvalidArgument
from services.shared.regions import covers
from tests.unit.test_case_engine import (
    CALENDAR,
    CHIEF,
    CLERK,
    ENV,
    FIRE,
    ITEM,
    REVIEWER,
    Run,
)

CITY_CODE = "11511600008778255G"  # 市住房城乡建设局, which decides the district's case
UP = replace(ITEM, steps=(*ITEM.steps[:2], replace(
    ITEM.steps[2], department="市住房城乡建设局", department_code=CITY_CODE)))
CITY_CHIEF = Actor("city-chief", ("511600",), CITY_CODE, frozenset({"chief"}))
HASH = "ab" * 32


def district_holds(region: str) -> bool:
    return covers("511602", region)


def at_decision(mode: Mode = Mode.REPORTED) -> tuple[Run, list]:
    """A district case through acceptance and review: the events that started its decision."""
    run = Run(item=UP, mode=mode)
    run.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    started = run.do(CompleteStep(run.active("review").instance_id), REVIEWER)
    return run, started


def handed_up() -> Run:
    run, started = at_decision()
    instance = to_hand_up(run.c, started, district_holds)
    assert instance is not None
    for event in hand_up(instance, run.now, "cases-service"):
        run.case = evolve(run.case, event)
        run.events.append(event)
    return run


def test_a_reported_decision_step_the_node_does_not_hold_is_handed_up() -> None:
    run, started = at_decision()
    instance = to_hand_up(run.c, started, district_holds)
    assert instance is not None and instance.key == "decide" and instance.region == "511600"
    # the city holds 511600: it decides there itself, nothing crosses
    assert to_hand_up(run.c, started, lambda r: covers("511600", r)) is None
    # events that start no decision step, and a case not reported, hand nothing up
    assert to_hand_up(run.c, run.events[:3], district_holds) is None
    promised, events = at_decision(Mode.PROMISED)
    assert to_hand_up(promised.c, events, district_holds) is None
    (event,) = hand_up(instance, run.now, "cases-service")
    assert isinstance(event, HandedUp) and event.to_region == "511600"
    assert event.instance_id == instance.instance_id


def test_while_handed_up_nobody_at_the_district_decides_or_withdraws() -> None:
    run = handed_up()
    assert run.c.awaiting_decision_above
    assert run.c.reported_to is not None and run.c.reported_to.node == "511600"
    assert "decide" not in allowed_actions(run.c)
    assert "withdraw" not in allowed_actions(run.c)
    for command in (Decide("approve"), Withdraw("不办了")):
        with pytest.raises(FailedPrecondition) as info:
            run.do(command, CITY_CHIEF)
        assert info.value.code == "ACTION_NOT_ALLOWED"
    # the state survives storing
    assert case_from_json(case_json(run.c), lambda *_: UP).reported_to == run.c.reported_to
    assert fold(run.events) == run.c


def received(run: Run) -> list:
    link = run.c.reported_to
    assert link is not None
    return receive(ReceiveReport(
        number="5116002026111600001", region="511600", item=UP, applicant=run.c.applicant,
        channel=Channel.COUNTER, materials=run.c.materials, from_node="511602",
        from_case=run.c.number, from_instance=link.instance_id, from_trace_seq=9,
        from_trace_hash=HASH), run.now, "case-relay")


def test_the_node_above_receives_a_case_whose_one_step_is_the_decision() -> None:
    run = handed_up()
    events = received(run)
    assert [type(e) for e in events] == [ReportReceived, StepStarted]
    city = fold(events)
    assert (city.number, city.region, city.mode) == ("5116002026111600001", "511600",
                                                     Mode.REPORTED)
    assert city.status is CaseStatus.IN_PROGRESS
    (step,) = city.active
    assert (step.key, step.region, step.department_code) == ("decide", "511600", CITY_CODE)
    assert city.reported_from is not None
    assert (city.reported_from.node, city.reported_from.case_number,
            city.reported_from.trace_hash) == ("511602", run.c.number, HASH)
    # its first trace entry names the district's node, case and hand-over entry
    data = event_data(events[0])
    assert (data["from_node"], data["from_case"], data["from_trace_hash"]) == (
        "511602", run.c.number, HASH)
    assert "item" not in data and data["item_id"] == UP.item_id
    assert set(allowed_actions(city)) == {"claim", "release", "reassign", "decide"}
    with pytest.raises(Exception) as info:  # a district chief holds nothing of the city
        decide(city, Decide("approve"), CHIEF, run.now, CALENDAR)
    assert type(info.value).__name__ == "PermissionDenied"
    decided = decide(city, Decide("approve", "符合条件"), CITY_CHIEF, run.now, CALENDAR)
    assert [e.type for e in decided] == ["case.decided", "case.completed"]
    for event in decided:
        city = evolve(city, event)
    assert city.status is CaseStatus.COMPLETED
    assert city.decision is not None and city.decision.decided_by == "city-chief"


def test_an_item_not_handled_as_reported_is_not_received() -> None:
    run = handed_up()
    with pytest.raises(InvalidArgument):
        receive(replace(ReceiveReport("n", "511600", replace(UP, modes=frozenset(
            {Mode.PROMISED})), run.c.applicant, Channel.COUNTER, (), "511602",
            run.c.number, "s6", 1, HASH)), run.now, "case-relay")


def returned(run: Run, **changes) -> ApplyReturnedDecision:
    city = fold(received(run))
    (decided, _) = decide(city, Decide("approve", "符合条件"), CITY_CHIEF,
                          run.now + timedelta(hours=2), CALENDAR)
    assert isinstance(decided, Decided) and decided.decision is not None
    link = run.c.reported_to
    assert link is not None
    values = {"instance_id": link.instance_id, "node": "511600",
              "case_number": city.number, "trace_seq": 3, "trace_hash": "cd" * 32,
              "decision": decided.decision, **changes}
    return ApplyReturnedDecision(**values)


def test_the_decision_comes_back_and_the_case_goes_on_at_the_district() -> None:
    run = handed_up()
    events = apply_returned(run.c, returned(run), run.now, "case-relay")
    assert [type(e) for e in events] == [DecisionReturned, Decided]
    link_event, decided = events
    assert (link_event.node, link_event.case_number, link_event.trace_hash) == (
        "511600", "5116002026111600001", "cd" * 32)
    assert decided.by == "city-chief@511600"
    for event in events:
        run.case = evolve(run.case, event)
    assert run.c.status is CaseStatus.DECIDED and not run.c.awaiting_decision_above
    assert run.c.decision is not None and run.c.decision.outcome == "approve"
    assert run.c.decision.decided_by == "city-chief"
    assert run.c.instance(link_event.instance_id).status is InstanceStatus.DONE
    run.do(PublishResult(), CLERK)
    run.do(Complete(), CLERK)
    assert run.c.status is CaseStatus.COMPLETED
    # applied once: the same decision again is refused
    with pytest.raises((Conflict, FailedPrecondition)):
        apply_returned(run.c, returned(run), run.now, "case-relay")


def test_a_decision_for_a_step_not_handed_up_is_refused() -> None:
    run = handed_up()
    with pytest.raises(FailedPrecondition) as info:
        apply_returned(run.c, returned(run, instance_id="s1"), run.now, "case-relay")
    assert info.value.code == "NOT_HANDED_UP"
    not_handed, _ = at_decision()
    with pytest.raises(FailedPrecondition):
        apply_returned(not_handed.c, returned(run), run.now, "case-relay")
    bad = returned(run)
    with pytest.raises(InvalidArgument):
        apply_returned(run.c, replace(bad, decision=replace(bad.decision, outcome="maybe")),
                       run.now, "case-relay")
    with pytest.raises(InvalidArgument):
        apply_returned(run.c, replace(bad, decision=replace(bad.decision, decided_by="")),
                       run.now, "case-relay")
