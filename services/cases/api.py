"""gRPC entrypoint of the case service."""

from __future__ import annotations

import grpc
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc

from services.cases.contract import case_to_pb
from services.cases.domain.cases import Applicant, CaseState
from services.cases.service import CaseService
from services.shared import auth
from services.shared.auth import Authenticator, Principal
from services.shared.errors import InvalidArgument
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import principal_of


class CaseServicer(pb_grpc.CaseServiceServicer):
    def __init__(self, service: CaseService, authenticator: Authenticator) -> None:
        self.service = service
        self.auth = authenticator

    @translate_errors
    def OpenCase(self, request: pb.OpenCaseRequest, context: grpc.ServicerContext
                 ) -> pb.OpenCaseResponse:
        if request.item_version < 0:
            raise InvalidArgument.of_field("item_version", "0 (in force) or a version number")
        a = request.applicant
        principal = principal_of(context, self.auth)
        case = self.service.open(principal, request.item_id, request.item_version,
                                 request.region, Applicant(a.name.strip(), a.id_type,
                                                           a.id_number.strip()),
                                 request.idempotency_key)
        return pb.OpenCaseResponse(case=_case(principal, case))

    @translate_errors
    def CompleteStep(self, request: pb.CompleteStepRequest, context: grpc.ServicerContext
                     ) -> pb.CompleteStepResponse:
        if not request.case_number:
            raise InvalidArgument.of_field("case_number", "required")
        principal = principal_of(context, self.auth)
        case = self.service.complete(principal, request.case_number, request.step_index,
                                     request.opinion, request.idempotency_key)
        return pb.CompleteStepResponse(case=_case(principal, case))

    @translate_errors
    def GetCase(self, request: pb.GetCaseRequest, context: grpc.ServicerContext
                ) -> pb.GetCaseResponse:
        principal = principal_of(context, self.auth)
        return pb.GetCaseResponse(case=_case(principal, self.service.get(principal,
                                                                         request.case_number)))


def _case(principal: Principal, case: CaseState) -> pb.Case:
    """Applicant identity, handlers and opinions only for the case's department's staff, the
    service centre's window staff, supervisors and administrators (case.read_internal)."""
    return case_to_pb(case, internal=principal.can(auth.CASE_READ_INTERNAL, case.region,
                                                   case.item.department))
