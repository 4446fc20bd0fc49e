"""The contract's limits at the edge of every service, and errors that always fit their
trailer (services.shared.validation, services.shared.grpc_errors)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.common.v1 import common_pb2

from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.grpc_errors import (
    MAX_DETAIL_BYTES,
    error_detail_of,
    to_status,
    translate_errors,
)
from services.shared.grpc_server import GrpcServer
from services.shared.validation import MAX_VIOLATIONS, check_request, violations_of
from tests.support.clients import applicant, draft


class Echo(cases_pb2_grpc.CaseServiceServicer):
    """A case service whose methods only count what reached them: the shared wrapper is the
    thing under test."""

    def __init__(self) -> None:
        self.reached = 0

    @translate_errors
    def GetCase(self, request, context):  # noqa: N802
        self.reached += 1
        if request.case_number == "huge-error":
            raise InvalidArgument("x" * 200_000, violations=[
                FieldProblem(f"f{i}" * 50, "y" * 5000) for i in range(2000)],
                metadata={f"k{i}": "v" * 10_000 for i in range(100)})
        return cases_pb2.CaseResponse(case=cases_pb2.Case(case_number=request.case_number))

    @translate_errors
    def SubmitApplication(self, request, context):  # noqa: N802
        self.reached += 1
        return cases_pb2.CaseResponse(case=cases_pb2.Case(case_number="1"))

    @translate_errors
    def ActOnCase(self, request, context):  # noqa: N802
        self.reached += 1
        return cases_pb2.CaseResponse(case=cases_pb2.Case(case_number=request.case_number))


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Echo, cases_pb2_grpc.CaseServiceStub]]:
    echo = Echo()
    server = GrpcServer("127.0.0.1:0", max_workers=2)
    server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server, echo,
               ["sunlight.cases.v1.CaseService"])
    port = server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield echo, cases_pb2_grpc.CaseServiceStub(channel)
    server.stop(0)


def refused(call) -> tuple[grpc.StatusCode, common_pb2.ErrorDetail]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call()
    detail = error_detail_of(caught.value)
    assert detail is not None, caught.value.details()
    return caught.value.code(), detail


def fields(request) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.field for v in _checked(request).field_violations}


def _checked(request) -> InvalidArgument:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as caught:
        check_request(request)
    assert caught.value.code == "INVALID_ARGUMENT"
    return caught.value


def act(**action) -> cases_pb2.ActOnCaseRequest:  # type: ignore[no-untyped-def]
    """An action request on a case; the one action given as ``name=message``."""
    return cases_pb2.ActOnCaseRequest(idempotency_key="k", case_number="511602202611020000001",
                                      **action)


def create(**changes) -> pb.CreateItemRequest:  # type: ignore[no-untyped-def]
    request = pb.CreateItemRequest(idempotency_key="k-1", draft=draft())
    for name, value in changes.items():
        setattr(request.draft, name, value)
    return request


def test_a_valid_request_keeps_every_rule() -> None:
    assert violations_of(create()) == []
    assert violations_of(cases_pb2.SubmitApplicationRequest(
        idempotency_key="k", item_id="it-1", region="511602", applicant=applicant())) == []
    assert violations_of(act(decide=cases_pb2.Decide(
        outcome=cases_pb2.DECISION_OUTCOME_APPROVE, document_number="广发改〔2026〕1号"))) == []


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: setattr(d, "list_kind", 99), "draft.list_kind"),
    (lambda d: d.body.MergeFrom(pb.ImplementingBody(name="局", nature=99)),
     "draft.body.nature"),
    (lambda d: d.handling_forms.append(99), "draft.handling_forms[0]"),
    (lambda d: d.steps[1].risk_points.add(description="风险", level=99),
     "draft.steps[1].risk_points[0].level"),
])
def test_unknown_enum_numbers_are_refused_with_their_field(change, field) -> None:
    request = create()
    change(request.draft)
    assert fields(request) == {field}


def test_unknown_enum_numbers_in_the_lifecycle_requests() -> None:
    assert fields(pb.ReviewItemRequest(idempotency_key="k", item_id="i", version=1, kind=99,
                                       decision=pb.REVIEW_DECISION_APPROVE)) == {"kind"}
    assert fields(pb.AdjustItemRequest(idempotency_key="k", item_id="i", action=99,
                                       reason="r")) == {"action"}
    assert fields(pb.SearchItemsRequest(list_kind=99, status=42)) == {"list_kind", "status"}


@pytest.mark.parametrize(("request_", "field"), [
    (create(name="名" * 100_000), "draft.name"),
    (create(name="受理\x00"), "draft.name"),
    (create(department="局" * 201), "draft.department"),
    (create(item_type="0" * 100_000), "draft.item_type"),
    (create(region="５１１６０２"), "draft.region"),
    (create(statutory_limit_days=366), "draft.statutory_limit_days"),
    (cases_pb2.SubmitApplicationRequest(idempotency_key="k", item_id="it", region="511602",
                                        applicant=cases_pb2.Applicant(
                                            name="张" * 100_000, id_type="id_card",
                                            id_number="511602199001011236")),
     "applicant.name"),
    (cases_pb2.SubmitApplicationRequest(
        idempotency_key="k", item_id="it", region="511602", applicant=applicant(),
        materials=[cases_pb2.MaterialGiven(key="form", originals=1)] * 101), "materials"),
    (act(complete_step=cases_pb2.CompleteStep(instance_id="s2", opinion="意" * 2001)),
     "complete_step.opinion"),
    (act(complete_step=cases_pb2.CompleteStep(instance_id="step-2")),
     "complete_step.instance_id"),
    (act(return_step=cases_pb2.ReturnStep(instance_id="s4", to_key="review")),
     "return_step.reason"),
    (act(request_supplement=cases_pb2.RequestSupplement(due_date="2026-11-20")),
     "request_supplement.missing"),
    (act(start_procedure=cases_pb2.StartProcedure(kind=common_pb2.SPECIAL_PROCEDURE_EXTENSION,
                                                  reason="复杂", extension_days=31)),
     "start_procedure.extension_days"),
    (act(decide=cases_pb2.Decide(outcome=cases_pb2.DECISION_OUTCOME_APPROVE,
                                 legal_basis=["法"] * 21)), "decide.legal_basis"),
    (cases_pb2.ListQueueRequest(page_size=201), "page_size"),
    (pb.ReviewItemRequest(idempotency_key="k", item_id="i", version=1,
                          kind=pb.REVIEW_KIND_LEGAL, decision=pb.REVIEW_DECISION_RETURN,
                          reason="因" * 100_000), "reason"),
    (pb.ListPublishedItemsRequest(page_size=2**31 - 1), "page_size"),
    (pb.SearchItemsRequest(page_size=101), "page_size"),
    (pb.CreateItemRequest(idempotency_key="k" * 129, draft=draft()), "idempotency_key"),
])
def test_texts_numbers_and_codes_beyond_their_limits(request_, field) -> None:
    assert field in fields(request_)


def test_5000_steps_are_refused_by_their_count() -> None:
    request = create()
    del request.draft.steps[:]
    request.draft.steps.extend(pb.Step(key=f"s{i}", name="环节", limit_days=0, role="clerk")
                               for i in range(5000))
    assert fields(request) == {"draft.steps"}


def test_a_fee_with_negative_nanos_is_refused() -> None:
    negative = create()
    negative.draft.fees.add(name="工本费", amount=common_pb2.Money(currency_code="CNY", units=0,
                                                                nanos=-1))
    assert fields(negative) == {"draft.fees[0].amount"}
    mixed = create()
    mixed.draft.fees.add(name="工本费", amount=common_pb2.Money(units=-1, nanos=5))
    assert "draft.fees[0].amount" in fields(mixed)
    fine = create()
    fine.draft.fees.add(name="工本费", amount=common_pb2.Money(units=12, nanos=500_000_000))
    assert violations_of(fine) == []


def test_required_fields() -> None:
    assert fields(pb.CreateItemRequest()) == {"idempotency_key", "draft"}
    assert fields(cases_pb2.SubmitApplicationRequest(idempotency_key="k", item_id="it",
                                                     region="511602")) == {"applicant"}
    assert fields(cases_pb2.ActOnCaseRequest(idempotency_key="k", case_number="1")) == {
        "action"}
    assert fields(act(decide=cases_pb2.Decide())) == {"decide.outcome"}
    assert fields(act(start_procedure=cases_pb2.StartProcedure(reason="听证"))) == {
        "start_procedure.kind"}
    assert fields(cases_pb2.VerifyTraceRequest()) == {"case_number"}


def test_violations_are_bounded_and_never_quote_the_value() -> None:
    request = create()
    del request.draft.steps[:]
    secret = "秘密" * 1000
    request.draft.steps.extend(pb.Step(key="BAD", name=secret, role=secret) for _ in range(99))
    error = _checked(request)
    assert len(error.field_violations) == MAX_VIOLATIONS
    assert error.metadata["violations"] == str(99 * 3)
    assert "秘密" not in error.message
    assert all("秘密" not in v.description for v in error.field_violations)
    assert error.field_violations[0].field == "draft.steps[0].key"


def test_the_wrapper_checks_before_the_method_runs(served) -> None:
    echo, stub = served
    before = echo.reached
    code, detail = refused(lambda: stub.SubmitApplication(cases_pb2.SubmitApplicationRequest(
        idempotency_key="k", item_id="it", region="511602", applicant=cases_pb2.Applicant(
            name="名" * 100_000, id_type="id_card", id_number="511602199001011236")),
        timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and detail.code == "INVALID_ARGUMENT"
    assert [v.field for v in detail.field_violations] == ["applicant.name"]
    assert echo.reached == before


def test_a_huge_error_still_reaches_the_caller_as_a_field_error(served) -> None:
    _, stub = served
    code, detail = refused(lambda: stub.GetCase(cases_pb2.GetCaseRequest(
        case_number="huge-error"), timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT  # not the transport's RESOURCE_EXHAUSTED
    assert detail.field_violations and int(detail.metadata["violations_not_shown"]) > 0
    assert detail.ByteSize() <= MAX_DETAIL_BYTES


def test_to_status_bounds_every_part() -> None:
    error = InvalidArgument("名" * 50_000, violations=[FieldProblem("f" * 9000, "d" * 9000)],
                            metadata={"given": "x" * 100_000})
    status = to_status(error)
    assert len(status.SerializeToString()) <= MAX_DETAIL_BYTES + 600
    assert status.message.endswith("…") and len(status.message.encode()) <= 512


def test_an_action_request_without_its_action_never_reaches_the_service(served) -> None:
    echo, stub = served
    before = echo.reached
    code, detail = refused(lambda: stub.ActOnCase(cases_pb2.ActOnCaseRequest(
        idempotency_key="k", case_number="511602202611020000001"), timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in detail.field_violations] == ["action"]
    assert echo.reached == before
    answered = stub.ActOnCase(act(claim=cases_pb2.Claim(instance_id="s2")), timeout=10)
    assert answered.case.case_number == "511602202611020000001"
    assert echo.reached == before + 1
