"""Fees and countermeasures through the case contract: ActOnCase's charge_fee and
countermeasures into the engine's commands (money exact, to the fen), the case's view and the
event on the broker back out, the catalogue's risk points into the snapshot."""

from __future__ import annotations

from datetime import date

import pytest
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1.common_pb2 import Money

from services.cases.api import command_of
from services.cases.catalogue_client import snapshot_from_pb
from services.cases.contract import case_to_pb, event_to_pb
from services.cases.domain.engine import Accept, ChargeFee, CompleteStep, Decide
from services.shared.errors import InvalidArgument
from services.shared.events import message_to_dict
from services.shared.validation import check_request as validate
from tests.unit.test_case_engine import CALENDAR, CLERK, ENV, FIRE, Run
from tests.unit.test_case_fees_countermeasures import HEAD, RISKY


def act(**action: object) -> pb.ActOnCaseRequest:
    return pb.ActOnCaseRequest(idempotency_key="k", case_number="5116022026111600001",
                               **action)


def test_charge_fee_becomes_the_command_with_its_amount_in_fen() -> None:
    request = act(charge_fee=pb.ChargeFee(
        name="工本费", amount=Money(currency_code="CNY", units=12, nanos=500_000_000),
        quantity=2, receipt_number="SC-1"))
    assert command_of(request) == ChargeFee("工本费", 1250, 2, "SC-1")
    waived = act(charge_fee=pb.ChargeFee(name="工本费", waived=True, basis="减免政策"))
    assert command_of(waived) == ChargeFee("工本费", 0, 0, "", True, "减免政策")
    finer = act(charge_fee=pb.ChargeFee(name="工本费", amount=Money(units=1, nanos=5_000_000),
                                        receipt_number="SC-2"))
    with pytest.raises(InvalidArgument) as refused:
        command_of(finer)
    assert refused.value.field_violations[0].field == "charge_fee.amount"


def test_the_contract_refuses_a_negative_fee_and_too_many_countermeasures() -> None:
    with pytest.raises(InvalidArgument) as negative:
        validate(act(charge_fee=pb.ChargeFee(name="工本费", amount=Money(units=-1),
                                             receipt_number="R")))
    assert any(v.field.startswith("charge_fee.amount") for v in negative.value.field_violations)
    with pytest.raises(InvalidArgument) as many:
        validate(act(complete_step=pb.CompleteStep(instance_id="s2",
                                                   countermeasures=["措施"] * 21)))
    assert many.value.field_violations[0].field == "complete_step.countermeasures"
    validate(act(complete_step=pb.CompleteStep(instance_id="s2", countermeasures=["双人审核"])))


def test_countermeasures_reach_the_commands() -> None:
    assert command_of(act(complete_step=pb.CompleteStep(
        instance_id="s2", opinion="同意", countermeasures=["双人审核"]))) == CompleteStep(
        "s2", "同意", ("双人审核",))
    decided = command_of(act(decide=pb.Decide(outcome=pb.DECISION_OUTCOME_APPROVE,
                                              countermeasures=["集体研究"])))
    assert isinstance(decided, Decide) and decided.countermeasures == ("集体研究",)


def test_fees_and_countermeasures_in_the_case_and_its_events() -> None:
    run = Run(RISKY)
    [charged] = run.do(ChargeFee("工本费", 1250, 2, "SC-1"), CLERK)
    data = message_to_dict(event_to_pb(run.c, charged, CALENDAR, role="clerk",
                                       department="区住房城乡建设局"))
    assert data["fee"] == {"fee_id": "f1", "name": "工本费", "quantity": 2,
                           "receipt_number": "SC-1", "charged_by": "clerk-1",
                           "amount": {"currency_code": "CNY", "units": "12",
                                      "nanos": 500000000},
                           "charged_at": data["fee"]["charged_at"]}
    run.do(Accept(), CLERK)
    for key, actor in (("review/fire", FIRE), ("review/env", ENV)):
        run.do(CompleteStep(run.active(key).instance_id), actor)
    [completed, *_] = run.do(CompleteStep(run.active("review").instance_id, "同意",
                                          ("双人审核", "全程留痕")), HEAD)
    data = message_to_dict(event_to_pb(run.c, completed, CALENDAR, role="reviewer",
                                       department=""))
    assert data["step"]["key"] == "review"
    assert data["step"]["countermeasures"] == ["双人审核", "全程留痕"]
    internal = case_to_pb(run.c, CALENDAR, date(2026, 11, 16), internal=True)
    public = case_to_pb(run.c, CALENDAR, date(2026, 11, 16), internal=False)
    assert [f.amount.units for f in internal.fees] == [12] and not public.fees
    review = next(s for s in internal.steps if s.key == "review")
    assert list(review.countermeasures) == ["双人审核", "全程留痕"]
    assert not next(s for s in public.steps if s.key == "review").countermeasures
    assert "charge_fee" in internal.allowed_actions


def test_the_snapshot_carries_each_steps_published_countermeasures() -> None:
    steps = [cpb.Step(key="accept", name="受理", role="clerk", limit_days=1),
             cpb.Step(key="review", name="审查", role="reviewer", limit_days=3, risk_points=[
                 cpb.RiskPoint(description="吃拿卡要", level=cpb.RISK_LEVEL_HIGH,
                               countermeasures=["双人审核", " 全程留痕 "]),
                 cpb.RiskPoint(description="超时办理", level=cpb.RISK_LEVEL_LOW,
                               countermeasures=["电子监察", "双人审核"])]),
             cpb.Step(key="decide", name="决定", role="chief", limit_days=2)]
    snapshot = snapshot_from_pb(cpb.ItemVersion(item_id="i", version=1, content=cpb.ItemDraft(
        code="C", name="n", region="511602", department="d", steps=steps)))
    review = snapshot.step("review")
    assert review.high_risk and review.countermeasures == ("双人审核", "全程留痕", "电子监察")
    assert snapshot.step("decide").countermeasures == () and not snapshot.step("decide").high_risk
