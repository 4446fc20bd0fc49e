from dataclasses import replace

import pytest

from services.catalogue.domain.items import (
    ItemContent,
    Step,
    VersionStatus,
    check_publishable,
)
from services.shared.errors import FailedPrecondition, InvalidArgument


def item(**changes) -> ItemContent:
    base = ItemContent(
        name="企业投资项目备案", code="511Z07001006-511602000000-000-11511301008778183N-1-00",
        item_type="01", region="511602", department="区发展改革局", statutory_limit_days=20,
        promised_limit_days=5,
        steps=(Step("accept", "受理", 1, "clerk"), Step("decide", "决定", 3, "chief")))
    return replace(base, **changes)


def test_a_complete_item_is_valid() -> None:
    assert item().validate() == item()


def test_roundtrip_through_dict() -> None:
    assert ItemContent.from_dict(item().to_dict()) == item()


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
])
def test_invalid_items_name_the_field(changes: dict, field: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        item(**changes).validate()
    assert field in [v.field for v in info.value.field_violations]
    assert info.value.code == "ITEM_INVALID"


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(InvalidArgument) as info:
        item(name="", department="", item_type="99").validate()
    assert {v.field for v in info.value.field_violations} >= {"name", "department",
                                                              "item_type"}


@pytest.mark.parametrize("status", [VersionStatus.SUPERSEDED, VersionStatus.RETURNED])
def test_only_drafts_and_submitted_versions_can_be_published(status: VersionStatus) -> None:
    with pytest.raises(FailedPrecondition):
        check_publishable(status, "i", 1)
    check_publishable(VersionStatus.DRAFT, "i", 1)
