import json
from dataclasses import replace

import pytest

from services.catalogue.domain.items import (
    Branch,
    DiscretionStandard,
    Fee,
    HandlingMode,
    ItemContent,
    LegalCitation,
    Material,
    RiskLevel,
    RiskPoint,
    SpecialProcedure,
    Step,
    StepKind,
    TimeUnit,
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
from tests.support.departments import DEVELOPMENT, EDUCATION, FIRE


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


# --- the case engine's fields: modes, step kinds, returns, units, keys ---------------------

ACCEPT = Step("accept", "受理", 1, "clerk")
REVIEW_STEP = Step("review", "审查", 2, "chief")
DECIDE = Step("decide", "决定", 1, "leader")


def test_unspecified_fields_take_the_stated_defaults() -> None:
    c = item(steps=(ACCEPT, REVIEW_STEP, DECIDE),
             materials=(Material("申请表"), Material("营业执照")),
             )
    assert c.modes == (HandlingMode.PROMISED,)
    assert c.limit_unit is TimeUnit.WORKING_DAYS
    assert (c.special_procedures, c.classified, c.acceptor_may_decide) == ((), False, False)
    assert [s.kind for s in c.steps] == [StepKind.ACCEPTANCE, StepKind.REVIEW,
                                         StepKind.DECISION]
    assert [s.returns_to for s in c.steps] == [(), (), ("review",)]
    assert all(s.limit_unit is TimeUnit.WORKING_DAYS for s in c.steps)
    assert [m.key for m in c.materials] == ["m1", "m2"]
    c.validate()


def test_branch_keys_by_position_and_steps_not_keyed_accept_are_reviews() -> None:
    first = Step("receive", "收件", 1, "clerk", parallel_branches=(
        Branch("区住建局", "会签", 1), Branch("区消防救援大队", "消防", 1, key="fire"),
        Branch("区卫健局", "卫生", 1)))
    c = item(steps=(first, DECIDE))
    assert c.steps[0].kind is StepKind.REVIEW  # only a first step keyed "accept" accepts
    assert [b.key for b in c.steps[0].parallel_branches] == ["b1", "fire", "b3"]
    assert c.steps[1].returns_to == ("receive",)


def test_a_filing_has_no_decision_step_by_default() -> None:
    filing = item(modes=(HandlingMode.FILING,), steps=(ACCEPT, Step("register", "登记", 1,
                                                                      "clerk")))
    assert [s.kind for s in filing.steps] == [StepKind.ACCEPTANCE, StepKind.REVIEW]
    filing.validate()  # a filing need not end with a decision


def test_content_stored_before_the_fields_existed_reads_with_the_defaults() -> None:
    """Published versions stored before these fields keep working."""
    old = {"name": "企业投资项目备案", "code": implementation_code(seed=7), "item_type": "01",
           "region": "511602", "department": "区发展改革局", "statutory_limit_days": 20,
           "promised_limit_days": 5, "list_kind": "power", "exercise_level": "",
           "body": None, "accepting_office": "", "acceptance_conditions": [],
           "legal_basis": [{"law": "《中华人民共和国行政许可法》", "article": "第十二条",
                            "clause": "", "text": ""}],
           "materials": [{"name": "申请表", "issuer": "", "originals": 1, "copies": 0,
                          "mandatory": True, "note": ""}],
           "fees": [], "supervision_phone": "", "enquiry_phone": "", "handling_forms": [],
           "external_flow": [], "discretion_standards": [], "group": "",
           "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk",
                      "parallel_branches": [{"department": "区住建局", "name": "会签",
                                             "limit_days": 1, "role": ""}],
                      "risk_points": []},
                     {"key": "decide", "name": "决定", "limit_days": 3, "role": "chief",
                      "parallel_branches": [], "risk_points": []}]}
    c = ItemContent.from_dict(old)
    assert c.modes == (HandlingMode.PROMISED,) and c.limit_unit is TimeUnit.WORKING_DAYS
    assert [(s.kind, s.returns_to) for s in c.steps] == [(StepKind.ACCEPTANCE, ()),
                                                         (StepKind.DECISION, ())]
    assert c.steps[0].parallel_branches[0].key == "b1"
    assert c.materials[0].key == "m1"
    # the department's code: the credit code in the implementation code; the branch's unknown
    assert c.department_code == DEVELOPMENT
    assert c.steps[0].parallel_branches[0].department_code == ""
    assert ItemContent.from_dict(c.to_dict()) == c  # stated once, read the same again
    with pytest.raises(InvalidArgument) as unknown:  # a new version must state the branch's
        c.validate()
    assert {v.field for v in unknown.value.field_violations} == {
        "steps[0].parallel_branches[0].department_code"}
    replace(c, steps=(replace(c.steps[0], parallel_branches=(replace(
        c.steps[0].parallel_branches[0], department_code="11511301008778255F"),)),
        c.steps[1])).validate()


def test_every_new_field_round_trips_through_its_dict() -> None:
    full = item(modes=(HandlingMode.IMMEDIATE, HandlingMode.PROMISED),
                special_procedures=(SpecialProcedure.HEARING, SpecialProcedure.EXTENSION),
                classified=True, limit_unit=TimeUnit.CALENDAR_DAYS, acceptor_may_decide=True,
                steps=(ACCEPT, Step("review", "审查", 2, "chief", limit_unit=TimeUnit.
                                    CALENDAR_DAYS, department="市审批局", parallel_branches=(
                                        Branch("区住建局", "会签", 1, key="housing",
                                               limit_unit=TimeUnit.CALENDAR_DAYS),)),
                       Step("decide", "决定", 1, "leader", returns_to=("review",))),
                materials=(Material("申请表", key="form"),))
    assert ItemContent.from_dict(json.loads(json.dumps(full.to_dict()))) == full


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"materials": (Material("申请表", key="Form!"),)}, "materials[0].key", "lower-case"),
    ({"materials": (Material("申请表", key="form"), Material("附件", key="form"))},
     "materials[1].key", "duplicate material key"),
    ({"materials": (Material("申请表", key="m2"), Material("附件"))},  # m2 by position too
     "materials[1].key", "duplicate material key"),
    ({"steps": (Step("accept", "受理", 1, "clerk", parallel_branches=(
        Branch("区住建局", "会签", 1, key="x"), Branch("区卫健局", "卫生", 1, key="x"))),
        DECIDE)}, "steps[0].parallel_branches[1].key", "duplicate branch key"),
    ({"steps": (ACCEPT, REVIEW_STEP, replace(DECIDE, returns_to=("accept",)))},
     "steps[2].returns_to[0]", "never to acceptance"),
    ({"steps": (ACCEPT, replace(REVIEW_STEP, returns_to=("decide",)), DECIDE)},
     "steps[1].returns_to[0]", "not an earlier step"),
    ({"steps": (ACCEPT, REVIEW_STEP, replace(DECIDE, returns_to=("nowhere",)))},
     "steps[2].returns_to[0]", "not an earlier step"),
    ({"steps": (ACCEPT, REVIEW_STEP, replace(DECIDE, returns_to=("review", "review")))},
     "steps[2].returns_to[1]", "named twice"),
    ({"steps": (REVIEW_STEP, replace(ACCEPT, kind=StepKind.ACCEPTANCE), DECIDE)},
     "steps[1].kind", "only the first step can be the acceptance step"),
    ({"steps": (ACCEPT, replace(REVIEW_STEP, kind=StepKind.DECISION), DECIDE)},
     "steps[1].kind", "only the last step can be the decision step"),
    ({"modes": (HandlingMode.FILING,), "steps": (ACCEPT, replace(DECIDE,
                                                                 kind=StepKind.DECISION))},
     "steps[1].kind", "a filing (备案) has no decision step"),
    ({"modes": (HandlingMode.FILING, HandlingMode.PROMISED)}, "modes",
     "filing (备案) excludes every other mode"),
    ({"modes": (HandlingMode.PROMISED, HandlingMode.PROMISED)}, "modes[1]", "named twice"),
    ({"modes": ("urgent",)}, "modes[0]", "one of immediate, promised"),
    ({"special_procedures": (SpecialProcedure.HEARING, SpecialProcedure.HEARING)},
     "special_procedures[1]", "named twice"),
    ({"special_procedures": ("lottery",)}, "special_procedures[0]", "one of extension"),
    ({"limit_unit": "fortnights"}, "limit_unit", "one of working_days, calendar_days"),
    ({"steps": (replace(ACCEPT, limit_unit="hours"), DECIDE)}, "steps[0].limit_unit",
     "one of working_days"),
    ({"steps": (ACCEPT, replace(DECIDE, department="局" * 201))}, "steps[1].department",
     "at most 200"),
])
def test_draft_rules_of_the_case_engine_fields(changes: dict, field: str, words: str
                                               ) -> None:
    with pytest.raises(InvalidArgument) as info:
        item(**changes).validate_draft()
    found = {v.field: v.description for v in info.value.field_violations}
    assert field in found, found
    assert words in found[field]


def test_a_decided_item_ends_with_its_decision_step() -> None:
    """Completeness: any mode but filing needs the flow to end with a decision step; a
    draft may lack it."""
    review_last = (ACCEPT, replace(REVIEW_STEP, kind=StepKind.REVIEW))
    for modes in ((), (HandlingMode.IMMEDIATE,), (HandlingMode.REPORTED,
                                                  HandlingMode.PROMISED)):
        draft = item(modes=modes, steps=review_last)
        draft.validate_draft()
        with pytest.raises(InvalidArgument, match="ends with its decision step"):
            draft.validate()
    only_acceptance = item(steps=(ACCEPT,))  # a first step keyed accept accepts
    with pytest.raises(InvalidArgument, match="ends with its decision step"):
        only_acceptance.validate()
    item(modes=(HandlingMode.FILING,), steps=review_last).validate()


def test_limits_in_other_units_are_not_added_up() -> None:
    """The steps' sum is held against the promised limit only when they count in its
    unit; the promised limit never exceeds the statutory one, in their common unit."""
    long = (ACCEPT, replace(DECIDE, limit_days=30, limit_unit=TimeUnit.CALENDAR_DAYS))
    item(steps=long).validate()
    with pytest.raises(InvalidArgument, match="more than the promised limit"):
        item(steps=(ACCEPT, replace(DECIDE, limit_days=30))).validate()
    calendar = item(limit_unit=TimeUnit.CALENDAR_DAYS, statutory_limit_days=90,
                    promised_limit_days=60, steps=(
                        replace(ACCEPT, limit_unit=TimeUnit.CALENDAR_DAYS),
                        replace(DECIDE, limit_days=70, limit_unit=TimeUnit.CALENDAR_DAYS)))
    with pytest.raises(InvalidArgument, match="the steps take 71 calendar days"):
        calendar.validate()
    with pytest.raises(InvalidArgument, match="statutory limit .* of 90 calendar days"):
        replace(calendar, promised_limit_days=91).validate()


def test_the_stored_form_leaves_out_what_is_at_its_default() -> None:
    """Stored compactly; reading states every default again, so nothing is lost."""
    plain = item(steps=(ACCEPT, REVIEW_STEP, DECIDE))
    stored = json.loads(plain.to_json())
    assert set(stored) == {"name", "code", "item_type", "region", "department",
                           "statutory_limit_days", "promised_limit_days", "steps",
                           "legal_basis"}
    assert stored["steps"][2] == {"key": "decide", "name": "决定", "limit_days": 1,
                                  "role": "leader", "kind": "decision",
                                  "returns_to": ["review"]}
    assert ItemContent.from_dict(stored) == plain
    rich = item(modes=(HandlingMode.FILING,), classified=True, acceptor_may_decide=True,
                limit_unit=TimeUnit.CALENDAR_DAYS, materials=(Material("申请表"),),
                steps=(ACCEPT, Step("register", "登记", 1, "clerk", department="市局",
                                    limit_unit=TimeUnit.CALENDAR_DAYS, parallel_branches=(
                                        Branch("区住建局", "会签", 1),))))
    assert ItemContent.from_dict(json.loads(rich.to_json())) == rich
    assert json.loads(rich.to_json())["modes"] == ["filing"]


# --- the department's code (实施主体编码) -------------------------------------------------------


def test_the_department_code_is_stated_from_the_implementation_code() -> None:
    assert item().department_code == DEVELOPMENT
    given = item(department_code=EDUCATION)
    assert given.department_code == EDUCATION
    organisation_body = "511A0138000000-511602000000-000-083372204-1-00"
    unknown = item(code=organisation_body, department_code="")
    assert unknown.department_code == "", "a 9-character body code names no department"
    with pytest.raises(InvalidArgument) as info:
        unknown.validate()
    assert "department_code" in {v.field for v in info.value.field_violations}
    assert "实施主体编码" in info.value.message


def test_the_stored_form_leaves_out_a_code_it_can_state_again() -> None:
    stated = item()
    assert "department_code" not in json.loads(stated.to_json())
    assert ItemContent.from_dict(json.loads(stated.to_json())) == stated
    other = item(department_code=EDUCATION)
    assert json.loads(other.to_json())["department_code"] == EDUCATION
    assert ItemContent.from_dict(json.loads(other.to_json())) == other


def test_a_code_other_than_the_implementation_codes_is_a_doubt() -> None:
    assert not item().validate_draft()
    doubts = item(department_code=EDUCATION).validate_draft()
    assert any(EDUCATION in d and DEVELOPMENT in d for d in doubts)


@pytest.mark.parametrize(("code", "words"), [
    ("083372204", "organisation code (组织机构代码, GB 11714)"),
    ("08337220-4", "characters 9–17 are this organisation code"),
    ("115113010833722044", "check character at position 18 is '4', expected '3'"),
    ("11511301083372204", "has 17 characters; expected 18"),
    ("区教科体局", "has 5 characters"),
])
def test_a_malformed_department_code_is_named_with_what_is_wrong(code: str,
                                                                 words: str) -> None:
    for where, content in (
            ("department_code", item(department_code=code)),
            ("steps[1].department_code", item(steps=(
                Step("accept", "受理", 1, "clerk"),
                Step("decide", "决定", 3, "chief", department="区教科体局",
                     department_code=code)))),
            ("steps[0].parallel_branches[0].department_code", item(steps=(
                Step("accept", "受理", 1, "clerk", parallel_branches=(
                    Branch("区教科体局", "会签", 1, department_code=code),)),
                Step("decide", "决定", 3, "chief"))))):
        with pytest.raises(InvalidArgument) as info:
            content.validate_draft()
        assert info.value.code == "ITEM_INVALID"
        [violation] = [v for v in info.value.field_violations if v.field == where]
        assert words in violation.description


def test_a_step_or_branch_of_another_department_names_its_code_before_submission() -> None:
    other_step = item(steps=(Step("accept", "受理", 1, "clerk"),
                             Step("decide", "决定", 3, "chief", department="市发展改革委")))
    other_step.validate_draft()  # a draft may wait for it
    with pytest.raises(InvalidArgument) as info:
        other_step.validate()
    assert {v.field for v in info.value.field_violations} == {"steps[1].department_code"}
    branch = item(steps=(Step("accept", "受理", 1, "clerk", parallel_branches=(
        Branch("区消防救援大队", "消防意见", 1, department_code=FIRE),)),
        Step("decide", "决定", 3, "chief")))
    assert branch.validate() == branch
