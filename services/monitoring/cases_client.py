"""Adapter: what supervision must know of a case to take its rating or a complaint about it
(its status, when it ended, its department, who applied), asked of the case service over
gRPC with supervision's own token (role ``supervision_service``: the internal view, which
names the applicant). Case events do not carry the applicant's identity."""

from __future__ import annotations

from datetime import UTC

import grpc
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kpb_grpc

from services.monitoring.domain.feedback import CaseFacts
from services.shared.auth import ServiceToken
from services.shared.errors import Unavailable
from services.shared.grpc_client import channel, metadata


class CasesClient:
    def __init__(self, address: str, token: ServiceToken, timeout_s: float) -> None:
        self._stub = kpb_grpc.CaseServiceStub(channel(address))
        self._token = token
        self._timeout = timeout_s

    def case(self, number: str) -> CaseFacts | None:
        """The case, or None when the case service knows no such case."""
        try:
            reply = self._stub.GetCase(kpb.GetCaseRequest(case_number=number),
                                       timeout=self._timeout,
                                       metadata=metadata(self._token.header()))
        except grpc.RpcError as exc:
            code = exc.code()  # type: ignore[attr-defined]
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise Unavailable(f"办件服务暂时无法应答（{code.name}），请稍后再试",
                              code="CASES_UNAVAILABLE") from None
        return facts_of(reply.case)


def facts_of(case: kpb.Case) -> CaseFacts:
    status = kpb.CaseStatus.Name(case.status).removeprefix("CASE_STATUS_").lower()
    return CaseFacts(
        case_number=case.case_number, region=case.region, department=case.department,
        department_code=case.department_code, item_id=case.item_id,
        item_name=case.item_name, status=status,
        ended_at=case.completed_at.ToDatetime(tzinfo=UTC)
        if case.HasField("completed_at") else None,
        applicant=(case.applicant.id_type or "id_card", case.applicant.id_number))
