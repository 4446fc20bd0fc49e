"""The engine's snapshot of a published catalogue version: what the catalogue states, and the
contract's stated defaults where it leaves a field unspecified."""

from __future__ import annotations

from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1.common_pb2 import Money

from services.cases.catalogue_client import snapshot_from_pb
from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.flow import Mode, StepKind


def version(**content: object) -> cpb.ItemVersion:
    steps = [cpb.Step(key=k, name=n, role="clerk", limit_days=2)
             for k, n in (("accept", "受理"), ("review", "审查"), ("decide", "决定"))]
    fields: dict[str, object] = {
        "code": "000101001000", "name": "企业投资项目核准", "region": "511602",
        "department": "区发展改革局", "statutory_limit_days": 20, "promised_limit_days": 10,
        "steps": steps}
    return cpb.ItemVersion(item_id="item-1", version=3,
                           content=cpb.ItemDraft(**(fields | content)))


def test_unstated_fields_take_the_contracts_defaults() -> None:
    snapshot = snapshot_from_pb(version())
    assert snapshot.modes == frozenset({Mode.PROMISED})
    assert [s.kind for s in snapshot.steps] == [StepKind.ACCEPTANCE, StepKind.REVIEW,
                                                StepKind.DECISION]
    assert snapshot.step("decide").returns_to == ("review",)
    assert snapshot.step("review").returns_to == ()
    assert snapshot.statutory == Limit(20, TimeUnit.WORKING_DAYS)
    assert snapshot.promised == Limit(10, TimeUnit.WORKING_DAYS)
    assert snapshot.separate_acceptance_and_decision
    assert not snapshot.classified


def test_a_classified_version_makes_a_classified_snapshot() -> None:
    assert snapshot_from_pb(version(classified=True)).classified


def test_no_promised_limit_means_the_statutory_one() -> None:
    snapshot = snapshot_from_pb(version(promised_limit_days=0))
    assert snapshot.promised == snapshot.statutory


def test_an_opened_item_carries_its_basis_standards_and_meeting_rules() -> None:
    kinds = ("OPENING", "INVESTIGATION", "NOTIFICATION", "DECISION", "SERVICE", "CLOSING")
    steps = [cpb.Step(key=k.lower(), name=k, role="inspector", limit_days=3,
                      kind=getattr(cpb, f"STEP_KIND_{k}")) for k in kinds]
    fine = cpb.DiscretionStandard(key="repeat", severity="较重", measures=["fine"],
                                  min_amount=Money(currency_code="CNY", units=500),
                                  max_amount=Money(currency_code="CNY", units=2000,
                                                   nanos=500_000_000))
    item = version(item_type="02", steps=steps, discretion_standards=[
        cpb.DiscretionStandard(severity="一般", measures=["warning"]), fine],
        legal_basis=[cpb.LegalCitation(law="《中华人民共和国食品安全法》",
                                       article="第一百二十二条")])
    snapshot = snapshot_from_pb(item, collective_review_above_fen=5_000_000)
    assert snapshot.opened and snapshot.entry is not None
    assert snapshot.legal_basis == ("《中华人民共和国食品安全法》第一百二十二条",)
    assert [(d.key, d.measures, d.min_fen, d.max_fen) for d in snapshot.discretion] == [
        ("d1", ("warning",), 0, None), ("repeat", ("fine",), 50_000, 200_050)]
    assert snapshot.collective_review_above_fen == 5_000_000  # the node's
    own = snapshot_from_pb(item.__class__(item_id="x", version=1, content=cpb.ItemDraft(
        **{"steps": steps, "collective_review_above": Money(units=10_000)})))
    assert own.collective_review_above_fen == 1_000_000  # the item's own
    # nothing returns to the opening step, and the last step is not taken for the decision
    assert "opening" not in snapshot.step("notification").returns_to
    assert snapshot.step("closing").kind is StepKind.CLOSING
