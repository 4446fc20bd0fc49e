from dataclasses import replace

import pytest

from services.catalogue.domain.items import (
    Branch,
    DiscretionStandard,
    Fee,
    ItemContent,
    LegalCitation,
    Material,
    RiskLevel,
    RiskPoint,
    Step,
)
from services.catalogue.domain.lifecycle import (
    Action,
    Decision,
    ItemState,
    OfflineReview,
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
        steps=(Step("accept", "受理", 1, "clerk"), Step("decide", "决定", 3, "chief")),
        legal_basis=(LegalCitation("《中华人民共和国行政许可法》", "第十二条"),))
    return replace(base, **changes)


def test_a_complete_item_is_valid() -> None:
    assert item().validate() == item()


def test_no_power_without_a_legal_basis() -> None:
    """职权法定: a power without a cited law is a draft at most; a public service may cite
    a policy instead."""
    item(legal_basis=()).validate_draft()
    for basis in ((), (LegalCitation("  "),)):
        with pytest.raises(InvalidArgument) as info:
            item(legal_basis=basis).validate()
        assert "legal_basis" in {v.field for v in info.value.field_violations}
        assert "职权法定" in info.value.message
    assert item(legal_basis=(), item_type="20").validate()


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
    by_s = {"reviewer": "s", "drafters": {"d"}}
    assert review(submitted, [legal], ReviewKind.STAFFING, Decision.APPROVE, "", 1, "i", 1,
                  **by_s) is VersionStatus.PUBLISHED
    assert review(submitted, [legal], ReviewKind.STAFFING, Decision.APPROVE, "", 2, "i", 1,
                  **by_s) is VersionStatus.SUBMITTED
    with pytest.raises(FailedPrecondition):
        review(VersionStatus.DRAFT, [], ReviewKind.LEGAL, Decision.APPROVE, "", 1, "i", 1,
               **by_s)


def test_two_reviews_by_two_people_neither_the_drafter() -> None:
    submitted = VersionStatus.SUBMITTED
    legal = ReviewRecord(ReviewKind.LEGAL, Decision.APPROVE, "l", "", 1)
    with pytest.raises(FailedPrecondition) as same:
        review(submitted, [legal], ReviewKind.STAFFING, Decision.APPROVE, "", 1, "i", 1,
               reviewer="l", drafters={"d"})
    assert same.value.code == "SAME_REVIEWER"
    with pytest.raises(FailedPrecondition) as drafter:
        review(submitted, [], ReviewKind.LEGAL, Decision.APPROVE, "", 1, "i", 1,
               reviewer="d", drafters={"d"})
    assert drafter.value.code == "REVIEWER_IS_DRAFTER"
    # the one who approved last round may review again after a return: a new round
    assert review(submitted, [legal], ReviewKind.STAFFING, Decision.APPROVE, "", 2, "i", 1,
                  reviewer="l", drafters={"d"}) is VersionStatus.SUBMITTED


def test_an_offline_publication_names_two_reviewers_and_the_document() -> None:
    good = OfflineReview("li.na", "wang.fang", "广安府发〔2024〕12号").validate()
    good.check_against({"zhang.wei"})
    for bad, field in ((OfflineReview("", "wang.fang", "x"), "legal_reviewer"),
                       (OfflineReview("li.na", "li.na", "x"), "staffing_reviewer"),
                       (OfflineReview("li.na", "wang.fang", " "), "approving_document")):
        with pytest.raises(InvalidArgument) as info:
            bad.validate()
        assert field in {v.field for v in info.value.field_violations}
    with pytest.raises(FailedPrecondition, match="wang.fang drafted"):
        good.check_against({"wang.fang"})


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
