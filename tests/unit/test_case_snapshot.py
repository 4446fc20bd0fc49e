"""The engine's snapshot of a published catalogue version: what the catalogue states, and the
contract's stated defaults where it leaves a field unspecified."""

from __future__ import annotations

from sunlight.catalogue.v1 import catalogue_pb2 as cpb

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
