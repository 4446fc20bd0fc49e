"""Items whose cases the government opens (立案): the order of their flow, their discretion
standards (裁量基准) and what makes a meeting decide (集体讨论)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.catalogue.domain.items import (
    DiscretionStandard,
    HandlingMode,
    ItemContent,
    LegalCitation,
    Step,
    StepKind,
    TimeUnit,
)
from services.shared.errors import InvalidArgument
from tests.support.codes import implementation_code

K = StepKind


def flow(*kinds: StepKind) -> tuple[Step, ...]:
    return tuple(Step(k.value, k.value, 3, "inspector", kind=k) for k in kinds)


PENALTY_FLOW = flow(K.OPENING, K.INVESTIGATION, K.NOTIFICATION, K.COLLECTIVE_REVIEW,
                    K.DECISION, K.SERVICE, K.EXECUTION, K.CLOSING)
FINE = DiscretionStandard("多次违法", "较重", "罚款 500 元以上 2000 元以下", key="repeat",
                          measures=("fine", "warning"), min_amount="500", max_amount="2000")


def penalty(**changes: object) -> ItemContent:
    base = ItemContent(
        name="对未取得食品经营许可从事食品经营活动的处罚", code=implementation_code(seed=5),
        item_type="02", region="511602", department="区市场监督管理局",
        statutory_limit_days=90, limit_unit=TimeUnit.CALENDAR_DAYS, steps=PENALTY_FLOW,
        legal_basis=(LegalCitation("《中华人民共和国食品安全法》", "第一百二十二条"),),
        discretion_standards=(FINE,))
    return replace(base, **changes)


def problems(content: ItemContent) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as info:
        content.validate()
    return {v.field: v.description for v in info.value.field_violations}


def test_a_penalty_runs_from_its_opening_to_its_closing() -> None:
    item = penalty().validate()
    assert item.opened
    # the steps after the decision return only among themselves, nothing returns to the
    # opening
    steps = {s.key: s.returns_to for s in item.steps}
    assert steps["closing"] == ("service", "execution")
    assert steps["decision"] == ("investigation", "notification", "collective_review")
    assert "opening" not in steps["investigation"]


@pytest.mark.parametrize(("steps", "field", "words"), [
    (flow(K.INVESTIGATION, K.OPENING, K.NOTIFICATION, K.DECISION), "steps[1].kind",
     "only the first step"),
    (flow(K.OPENING, K.INVESTIGATION, K.DECISION), "steps", "告知"),
    (flow(K.OPENING, K.NOTIFICATION, K.DECISION, K.INVESTIGATION), "steps[3].kind",
     "only served"),
    (flow(K.OPENING, K.NOTIFICATION, K.SERVICE, K.DECISION), "steps[2].kind",
     "after the decision"),
    (flow(K.OPENING, K.NOTIFICATION, K.DECISION, K.CLOSING, K.SERVICE), "steps[3].kind",
     "only the last step"),
    (flow(K.OPENING, K.NOTIFICATION), "steps", "decision step"),
    (flow(K.OPENING, K.NOTIFICATION, K.DECISION, K.DECISION), "steps", "one decision"),
])
def test_the_order_of_an_opened_flow(steps: tuple[Step, ...], field: str, words: str) -> None:
    found = problems(penalty(steps=steps))
    assert words in found[field]


def test_a_decided_case_is_not_returned_before_its_decision() -> None:
    steps = list(PENALTY_FLOW)
    steps[5] = replace(steps[5], returns_to=("investigation",))
    assert "never from after its decision" in problems(penalty(steps=tuple(steps)))[
        "steps[5].returns_to[0]"]


def test_steps_of_opened_cases_belong_to_them() -> None:
    applied = penalty(item_type="01", discretion_standards=(), steps=(
        Step("accept", "受理", 1, "clerk"), Step("notify", "告知", 1, "clerk",
                                                  kind=K.NOTIFICATION),
        Step("decide", "决定", 3, "chief")))
    assert "opens" in problems(applied)["steps[1].kind"]


def test_an_opened_case_is_never_a_filing() -> None:
    assert "never a filing" in problems(penalty(modes=(HandlingMode.FILING,)))["modes"]


@pytest.mark.parametrize(("standard", "field", "words"), [
    (replace(FINE, measures=("fine", "flogging")), "discretion_standards[0].measures[1]",
     "not a kind of penalty"),
    (replace(FINE, min_amount="3000"), "discretion_standards[0].max_amount", "at least"),
    (replace(FINE, max_amount="abc"), "discretion_standards[0].max_amount", "yuan"),
    (replace(FINE, max_amount="10.001"), "discretion_standards[0].max_amount", "yuan"),
    (replace(FINE, measures=("warning",)), "discretion_standards[0].measures",
     "belongs to a fine"),
    (replace(FINE, max_amount="", min_amount=""), "discretion_standards[0].max_amount",
     "the most it allows"),
    (replace(FINE, severity=""), "discretion_standards[0]", "circumstance"),
    (replace(FINE, key="Repeat!"), "discretion_standards[0].key", "lower-case"),
])
def test_a_discretion_standard_states_what_it_allows(standard: DiscretionStandard, field: str,
                                                    words: str) -> None:
    assert words in problems(penalty(discretion_standards=(standard,)))[field]


def test_standards_get_keys_by_position_and_keep_them_through_storage() -> None:
    item = penalty(discretion_standards=(replace(FINE, key=""), FINE), major=True,
                   collective_review_above="50000")
    assert [d.key for d in item.discretion_standards] == ["d1", "repeat"]
    assert ItemContent.from_dict(item.to_dict()) == item
    assert "collective_review_above" in problems(penalty(collective_review_above="-1"))
