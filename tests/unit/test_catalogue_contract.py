"""The catalogue's contract translation: the case engine's fields both ways, what the public
sees of them and what stays internal, and the defaults of what a request leaves out."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.common.v1 import common_pb2

from services.catalogue.api import search_filters
from services.catalogue.contract import content_from_pb, content_to_pb
from services.catalogue.domain.items import (
    Branch,
    DiscretionStandard,
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
from services.shared.errors import InvalidArgument, PermissionDenied
from tests.support.catalogue_node import person
from tests.support.codes import implementation_code
from tests.support.departments import CITY_DEVELOPMENT, DEVELOPMENT, EDUCATION, FIRE


def full() -> ItemContent:
    return ItemContent(
        name="行政处罚决定", code=implementation_code(seed=3), item_type="02", region="511602",
        department="区市场监管局", statutory_limit_days=90, promised_limit_days=60,
        limit_unit=TimeUnit.CALENDAR_DAYS,
        modes=(HandlingMode.PROMISED, HandlingMode.REPORTED),
        special_procedures=(SpecialProcedure.HEARING, SpecialProcedure.APPRAISAL),
        classified=True, acceptor_may_decide=True,
        legal_basis=(LegalCitation("《中华人民共和国行政处罚法》", "第六十条"),),
        materials=(Material("立案审批表", key="filing_form"), Material("调查笔录")),
        discretion_standards=(DiscretionStandard("初次违法", "一般", "警告"),
                              DiscretionStandard("多次违法", "较重", "罚款 500 元以上 2000 元以下",
                                                 key="repeat", measures=("fine", "warning"),
                                                 min_amount="500", max_amount="2000.5")),
        major=True, collective_review_above="50000",
        steps=(Step("accept", "立案", 7, "clerk", limit_unit=TimeUnit.WORKING_DAYS),
               Step("investigate", "调查", 30, "inspector", limit_unit=TimeUnit.CALENDAR_DAYS,
                    parallel_branches=(Branch("区公安分局", "协查", 10, "police", key="police",
                                              limit_unit=TimeUnit.CALENDAR_DAYS),),
                    risk_points=(RiskPoint("选择性执法", RiskLevel.HIGH, ("双人调查",)),)),
               Step("decide", "决定", 5, "chief", returns_to=("investigate",),
                    department="市市场监管局")))


def test_every_field_of_the_case_engine_goes_both_ways() -> None:
    content = full()
    assert content_from_pb(content_to_pb(content)) == content


def test_the_public_sees_how_a_case_runs_not_who_runs_it() -> None:
    public = content_to_pb(full(), internal=False)
    assert list(public.modes) == [common_pb2.HANDLING_MODE_PROMISED,
                                  common_pb2.HANDLING_MODE_REPORTED]
    assert list(public.special_procedures) == [common_pb2.SPECIAL_PROCEDURE_HEARING,
                                               common_pb2.SPECIAL_PROCEDURE_APPRAISAL]
    assert public.limit_unit == common_pb2.TIME_UNIT_CALENDAR_DAYS
    assert [s.kind for s in public.steps] == [pb.STEP_KIND_ACCEPTANCE, pb.STEP_KIND_REVIEW,
                                              pb.STEP_KIND_DECISION]
    assert [list(s.returns_to) for s in public.steps] == [[], [], ["investigate"]]
    assert [s.limit_unit for s in public.steps] == [common_pb2.TIME_UNIT_WORKING_DAYS,
                                                    common_pb2.TIME_UNIT_CALENDAR_DAYS,
                                                    common_pb2.TIME_UNIT_WORKING_DAYS]
    assert public.steps[2].department == "市市场监管局"
    branch = public.steps[1].parallel_branches[0]
    assert (branch.key, branch.department, branch.limit_unit, branch.role) == (
        "police", "区公安分局", common_pb2.TIME_UNIT_CALENDAR_DAYS, "")
    assert [m.key for m in public.materials] == ["filing_form", "m2"]
    # public too: the discretion standards (discretion is bound by published standards)
    # and whether a meeting decides
    assert [(d.key, list(d.measures)) for d in public.discretion_standards] == [
        ("d1", []), ("repeat", ["fine", "warning"])]
    assert (public.discretion_standards[1].max_amount.units,
            public.discretion_standards[1].max_amount.nanos) == (2000, 500_000_000)
    assert public.major and public.collective_review_above.units == 50000
    # internal: roles, risk points, separation of duties, classified
    assert all(s.role == "" and not s.risk_points for s in public.steps)
    assert not public.acceptor_may_decide and not public.classified
    internal = content_to_pb(full())
    assert internal.acceptor_may_decide and internal.classified
    assert internal.steps[1].parallel_branches[0].role == "police"


def test_what_a_request_leaves_out_takes_the_stated_defaults() -> None:
    draft = pb.ItemDraft(
        name="企业投资项目备案", code=implementation_code(seed=5), item_type="01",
        region="511602", department="区发展改革局", statutory_limit_days=20,
        promised_limit_days=5,
        steps=[pb.Step(key="accept", name="受理", limit_days=1, role="clerk"),
               pb.Step(key="review", name="审查", limit_days=2, role="chief",
                       parallel_branches=[pb.Branch(department="区住建局", name="会签",
                                                    limit_days=1)]),
               pb.Step(key="decide", name="决定", limit_days=1, role="leader")],
        materials=[pb.Material(name="申请表")])
    content = content_from_pb(draft)
    assert content.modes == (HandlingMode.PROMISED,)
    assert content.limit_unit is TimeUnit.WORKING_DAYS
    assert [(s.kind, s.returns_to, s.limit_unit) for s in content.steps] == [
        (StepKind.ACCEPTANCE, (), TimeUnit.WORKING_DAYS),
        (StepKind.REVIEW, (), TimeUnit.WORKING_DAYS),
        (StepKind.DECISION, ("review",), TimeUnit.WORKING_DAYS)]
    assert content.steps[1].parallel_branches[0].key == "b1"
    assert content.materials[0].key == "m1"
    assert not content.acceptor_may_decide and not content.classified
    answered = content_to_pb(content, internal=False)  # stated in every answer
    assert list(answered.modes) == [common_pb2.HANDLING_MODE_PROMISED]
    assert answered.steps[2].kind == pb.STEP_KIND_DECISION
    assert list(answered.steps[2].returns_to) == ["review"]


def test_explicit_kinds_are_kept_as_given() -> None:
    draft = content_to_pb(replace(full(), modes=(HandlingMode.FILING,), steps=(
        Step("accept", "受理", 1, "clerk"), Step("register", "登记", 1, "clerk"))))
    content = content_from_pb(draft)
    assert [s.kind for s in content.steps] == [StepKind.ACCEPTANCE, StepKind.REVIEW]
    draft.steps[1].kind = pb.STEP_KIND_DECISION
    assert content_from_pb(draft).steps[1].kind is StepKind.DECISION  # judged by validation


def test_department_codes_go_both_ways_and_are_public() -> None:
    """The department's code of the item, of a step and of a branch: upper-cased from the
    request, public (a department's credit code is a public fact), stated from the
    implementation code when the request leaves the item's out."""
    draft = content_to_pb(full())
    draft.department_code = EDUCATION.lower() + " "
    draft.steps[1].department_code = " " + CITY_DEVELOPMENT.lower()
    draft.steps[1].parallel_branches[0].department_code = FIRE.lower()
    content = content_from_pb(draft)
    assert content.department_code == EDUCATION
    assert content.steps[1].department_code == CITY_DEVELOPMENT
    assert content.steps[1].parallel_branches[0].department_code == FIRE
    public = content_to_pb(content, internal=False)
    assert (public.department_code, public.steps[1].department_code,
            public.steps[1].parallel_branches[0].department_code) == (
        EDUCATION, CITY_DEVELOPMENT, FIRE)
    draft.department_code = ""
    assert content_from_pb(draft).department_code == DEVELOPMENT  # the code's body segment


def test_searching_drafts_is_by_the_callers_own_department_code() -> None:
    request = pb.SearchItemsRequest(region="511602", status=pb.VERSION_STATUS_DRAFT)
    clerk = person("c", "clerk", department=EDUCATION)
    assert search_filters(clerk, request).department_code == EDUCATION
    asked = pb.SearchItemsRequest(region="511602", status=pb.VERSION_STATUS_DRAFT,
                                  department_code=DEVELOPMENT)
    with pytest.raises(PermissionDenied):
        search_filters(clerk, asked)
    assert search_filters(person("s", "supervisor"), asked).department_code == DEVELOPMENT
    published = pb.SearchItemsRequest(department_code=FIRE.lower())
    assert search_filters(clerk, published).department_code == FIRE
    with pytest.raises(InvalidArgument) as bad:
        search_filters(clerk, pb.SearchItemsRequest(department_code="083372204"))
    assert bad.value.code == "INVALID_DEPARTMENT_CODE"
    assert bad.value.field_violations[0].field == "department_code"
