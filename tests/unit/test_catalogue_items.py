from dataclasses import replace

import pytest

from services.catalogue.domain.items import (
    Branch,
    DiscretionStandard,
    Fee,
    ItemContent,
    Material,
    RiskLevel,
    RiskPoint,
    Step,
)
from services.catalogue.domain.lifecycle import (
    Action,
    Decision,
    ItemState,
    ReviewKind,
    ReviewRecord,
    VersionStatus,
    adjust,
    review,
)
from services.shared.errors import FailedPrecondition, InvalidArgument
from tests.support.codes import implementation_code


def item(**changes) -> ItemContent:
    base = ItemContent(
        name="企业投资项目备案", code=implementation_code(seed=7), item_type="01",
        region="511602", department="区发展改革局", statutory_limit_days=20,
        promised_limit_days=5,
        steps=(Step("accept", "受理", 1, "clerk"), Step("decide", "决定", 3, "chief")))
    return replace(base, **changes)


def test_a_complete_item_is_valid() -> None:
    assert item().validate() == item()


def test_roundtrip_through_dict_keeps_every_field() -> None:
    full = item(
        steps=(Step("accept", "受理", 1, "clerk",
                    parallel_branches=(Branch("区住建局", "会签", 1, "clerk"),),
                    risk_points=(RiskPoint("吃拿卡要", RiskLevel.HIGH, ("双人受理",)),)),),
        materials=(Material("申请表", "申请人", 1, 0, True),), fees=(Fee("工本费", "10.50"),),
        acceptance_conditions=("材料齐全",), external_flow=("申请", "受理", "决定"))
    assert ItemContent.from_dict(full.to_dict()) == full


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": " "}, "name"),
    ({"item_type": "11"}, "item_type"),
    ({"region": "5116"}, "region"),
    ({"promised_limit_days": 30}, "promised_limit_days"),
    ({"steps": ()}, "steps"),
    ({"steps": (Step("accept", "受理", 1, "clerk"), Step("accept", "再受理", 1, "clerk"))},
     "steps[1].key"),
    ({"steps": (Step("Accept!", "受理", 1, "clerk"),)}, "steps[0].key"),
    ({"steps": (Step("accept", "受理", 1, ""),)}, "steps[0].role"),
    ({"steps": (Step("accept", "受理", 4, "clerk"), Step("decide", "决定", 4, "c"))}, "steps"),
    ({"steps": (Step("accept", "受理", 1, "clerk", risk_points=(
        RiskPoint("x", RiskLevel.HIGH),)),)}, "steps[0].risk_points[0].countermeasures"),
    ({"fees": (Fee("工本费", "-1"),)}, "fees[0].amount"),
    ({"discretion_standards": (DiscretionStandard("初次违法"),)}, "discretion_standards"),
    ({"supervision_phone": "call me"}, "supervision_phone"),
])
def test_invalid_items_name_the_field(changes: dict, field: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        item(**changes).validate()
    assert field in [v.field for v in info.value.field_violations]
    assert info.value.code == "ITEM_INVALID"


def test_parallel_branches_count_by_the_slowest() -> None:
    slow = Step("accept", "受理", 1, "clerk",
                parallel_branches=(Branch("区住建局", "会签", 6, "clerk"),))
    with pytest.raises(InvalidArgument, match="more than the promised"):
        item(steps=(slow,)).validate()


def test_a_draft_may_be_incomplete_but_must_be_identifiable() -> None:
    assert item(steps=(), statutory_limit_days=0, promised_limit_days=0).validate_draft() == []
    with pytest.raises(InvalidArgument):
        item(code="").validate_draft()


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(InvalidArgument) as info:
        item(name="", department="", item_type="99").validate()
    assert {v.field for v in info.value.field_violations} >= {"name", "department",
                                                              "item_type"}


def test_review_rounds() -> None:
    submitted = VersionStatus.SUBMITTED
    legal = ReviewRecord(ReviewKind.LEGAL, Decision.APPROVE, "l", "", 1)
    assert review(submitted, [legal], ReviewKind.STAFFING, Decision.APPROVE, "", 1, "i", 1
                  ) is VersionStatus.PUBLISHED
    assert review(submitted, [legal], ReviewKind.STAFFING, Decision.APPROVE, "", 2, "i", 1
                  ) is VersionStatus.SUBMITTED
    with pytest.raises(FailedPrecondition):
        review(VersionStatus.DRAFT, [], ReviewKind.LEGAL, Decision.APPROVE, "", 1, "i", 1)


@pytest.mark.parametrize(("state", "action", "result"), [
    (ItemState.ACTIVE, Action.SUSPEND, ItemState.SUSPENDED),
    (ItemState.SUSPENDED, Action.RESUME, ItemState.ACTIVE),
    (ItemState.FROZEN, Action.CANCEL, ItemState.CANCELLED),
    (ItemState.ACTIVE, Action.FREEZE, ItemState.FROZEN),
    (ItemState.FROZEN, Action.UNFREEZE, ItemState.ACTIVE),
])
def test_reduction_transitions(state, action, result) -> None:
    assert adjust(state, action, "依法调整", "", "i") is result


@pytest.mark.parametrize(("state", "action"), [
    (ItemState.CANCELLED, Action.RESUME), (ItemState.ACTIVE, Action.RESUME),
    (ItemState.MERGED, Action.SUSPEND), (ItemState.SUSPENDED, Action.FREEZE),
])
def test_impossible_reductions_are_refused(state, action) -> None:
    with pytest.raises(FailedPrecondition) as info:
        adjust(state, action, "r", "t", "i")
    assert info.value.code == "ITEM_STATE_CONFLICT"
