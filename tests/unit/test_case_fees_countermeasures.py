"""The case engine's fees (收费 / 免收) and the countermeasures (防范措施) a handler states on
completing a step: recorded as told, refused only when malformed — never for the amount or a
missing countermeasure, which are supervision's to judge."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.cases.codec import case_from_json, case_json, event_data, event_from_data
from services.cases.domain.engine import (
    Accept,
    Actor,
    ChargeFee,
    Complete,
    CompleteStep,
    Decide,
    PublishResult,
    allowed_actions,
)
from services.cases.domain.model import CaseStatus
from services.shared.errors import Conflict, FailedPrecondition, InvalidArgument, PermissionDenied
from tests.unit.test_case_engine import (
    CHIEF,
    CITIZEN,
    CLERK,
    ENV,
    FIRE,
    ITEM,
    REVIEWER,
    WINDOW,
    Run,
)

HEAD = Actor("head-1", ("511602",), CLERK.department, frozenset({"chief", "head", "reviewer"}))
RISKY = replace(ITEM, steps=(
    ITEM.steps[0],
    replace(ITEM.steps[1], high_risk=True, countermeasures=("双人审核", "全程留痕")),
    replace(ITEM.steps[2], high_risk=True, countermeasures=("集体研究",))))


def branches_done(run: Run) -> None:
    for key, actor in (("review/fire", FIRE), ("review/env", ENV)):
        run.do(CompleteStep(run.active(key).instance_id), actor)


def test_a_fee_is_recorded_as_charged_whatever_its_amount() -> None:
    run = Run()
    assert "charge_fee" in allowed_actions(run.c)
    [charged] = run.do(ChargeFee("工本费", 3050, 2, "SC-0001"), WINDOW)
    assert charged.type == "case.fee_charged" and charged.by == "window-1"
    fee = run.c.fees[0]
    assert (fee.fee_id, fee.name, fee.amount_fen, fee.quantity, fee.receipt_number,
            fee.waived, fee.charged_by) == ("f1", "工本费", 3050, 2, "SC-0001", False,
                                            "window-1")
    # an amount far from any standard is recorded all the same: supervision judges it
    run.do(Accept(), CLERK)
    run.do(ChargeFee("评审费", 9_999_900, 0, "SC-0002"), CLERK)
    assert [(f.fee_id, f.quantity) for f in run.c.fees] == [("f1", 2), ("f2", 1)]


def test_a_waived_fee_states_its_basis_and_charges_nothing() -> None:
    run = Run()
    run.do(ChargeFee("工本费", waived=True, basis="《关于小微企业免征有关收费的通知》"), CLERK)
    fee = run.c.fees[0]
    assert fee.waived and fee.amount_fen == 0 and fee.basis.startswith("《")
    for bad, field in ((ChargeFee("工本费", waived=True), "basis"),
                       (ChargeFee("工本费", 100, waived=True, basis="减免"), "amount"),
                       (ChargeFee("工本费", waived=True, basis="减免", receipt_number="R1"),
                        "receipt_number")):
        with pytest.raises(InvalidArgument) as refused:
            run.do(bad, CLERK)
        assert refused.value.field_violations[0].field == field


def test_a_fee_charged_needs_its_amount_and_a_receipt_once_per_case() -> None:
    run = Run()
    for bad, field in ((ChargeFee("", 100, 1, "R1"), "name"),
                       (ChargeFee("工本费", 0, 1, "R1"), "amount"),
                       (ChargeFee("工本费", -100, 1, "R1"), "amount"),
                       (ChargeFee("工本费", 100, 1, ""), "receipt_number"),
                       (ChargeFee("工本费", 100, 1001, "R1"), "quantity"),
                       (ChargeFee("工本费", 100, 1, "R" * 65), "receipt_number")):
        with pytest.raises(InvalidArgument) as refused:
            run.do(bad, CLERK)
        assert refused.value.field_violations[0].field == field
    run.do(ChargeFee("工本费", 100, 1, "R1"), CLERK)
    with pytest.raises(Conflict) as again:
        run.do(ChargeFee("工本费", 100, 1, "R1"), CLERK)
    assert again.value.code == "RECEIPT_RECORDED"


def test_who_charges_a_fee_and_until_when() -> None:
    run = Run()
    for actor in (FIRE, CITIZEN, replace(WINDOW, regions=("511603",))):
        with pytest.raises(PermissionDenied):
            run.do(ChargeFee("工本费", 100, 1, "R1"), actor)
    run.do(Accept(), CLERK)
    branches_done(run)
    run.do(CompleteStep(run.active("review").instance_id), REVIEWER)
    run.do(Decide("approve"), CHIEF)
    run.do(ChargeFee("证照工本费", 1000, 1, "R2"), CLERK)  # at the result's collection
    run.do(PublishResult(), CLERK)
    run.do(Complete(), CLERK)
    assert run.c.status is CaseStatus.COMPLETED
    with pytest.raises(FailedPrecondition) as closed:
        run.do(ChargeFee("工本费", 100, 1, "R3"), CLERK)
    assert closed.value.code == "ACTION_NOT_ALLOWED"


def test_fees_and_countermeasures_survive_the_trace_and_the_stored_state() -> None:
    run = Run(RISKY)
    run.do(ChargeFee("工本费", 1050, 1, "R1"), CLERK)
    run.do(Accept(), CLERK)
    branches_done(run)
    run.do(CompleteStep(run.active("review").instance_id, "同意", ("双人审核",)), HEAD)
    for event in run.events:
        assert event_from_data(event.type, event_data(event), RISKY) == event
    stored = case_from_json(case_json(run.c), lambda item_id, version: RISKY)
    assert stored == run.c
    assert stored.fees[0].amount_fen == 1050
    review = next(i for i in stored.instances if i.key == "review")
    assert review.countermeasures == ("双人审核",)


def test_a_step_is_completed_with_the_countermeasures_its_handler_states() -> None:
    run = Run(RISKY)
    run.do(Accept(), CLERK)
    branches_done(run)
    review = run.active("review").instance_id
    with pytest.raises(InvalidArgument) as unknown:
        run.do(CompleteStep(review, "同意", ("实地查看",)), HEAD)
    assert unknown.value.code == "UNKNOWN_COUNTERMEASURE"
    assert "双人审核" in unknown.value.message  # it lists what the step publishes
    [completed, *_] = run.do(CompleteStep(review, "同意", (" 全程留痕 ", "全程留痕", "")), HEAD)
    assert completed.countermeasures == ("全程留痕",)  # trimmed, each once
    assert next(i for i in run.c.instances if i.instance_id == review).countermeasures == (
        "全程留痕",)
    # stating none is not refused either: the decision is taken, supervision will warn
    [decided] = run.do(Decide("approve", "符合条件"), HEAD)
    assert decided.type == "case.decided" and decided.countermeasures == ()


def test_steps_without_risk_points_and_old_snapshots_take_countermeasures_as_stated() -> None:
    run = Run()  # no risk points published: nothing to check the texts against
    run.do(Accept(), CLERK)
    [fire, *_] = run.do(CompleteStep(run.active("review/fire").instance_id, "",
                                     ("现场核验",)), FIRE)
    assert fire.countermeasures == ("现场核验",)
    run.do(CompleteStep(run.active("review/env").instance_id), ENV)
    [review, *_] = run.do(CompleteStep(run.active("review").instance_id), REVIEWER)
    assert review.countermeasures == ()
    [decided] = run.do(Decide("approve", countermeasures=("集体研究",)), CHIEF)
    assert decided.countermeasures == ("集体研究",)
    long = Run(RISKY)
    long.do(Accept(), CLERK)
    with pytest.raises(InvalidArgument):
        long.do(CompleteStep(long.active("review").instance_id, "", ("x" * 1001,)), HEAD)
