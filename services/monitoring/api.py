"""gRPC entrypoint of supervision (read side): ``python -m services.monitoring.server``."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from services.monitoring.domain.records import CaseRecord
from services.monitoring.projection import Projection
from services.shared import auth
from services.shared.auth import Authenticator
from services.shared.errors import InvalidArgument, NotFound
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import principal_of


class MonitoringServicer(pb_grpc.MonitoringServiceServicer):
    def __init__(self, projection: Projection, authenticator: Authenticator) -> None:
        self.projection = projection
        self.auth = authenticator

    @translate_errors
    def GetCaseRecord(self, request: pb.GetCaseRecordRequest, context: grpc.ServicerContext
                      ) -> pb.GetCaseRecordResponse:
        if not request.case_number:
            raise InvalidArgument.of_field("case_number", "required")
        principal = principal_of(context, self.auth)
        principal.require(auth.SUPERVISION_READ)
        record = self.projection.record(request.case_number)
        if record is None or not principal.can(auth.SUPERVISION_READ, record.region):
            # out of scope looks the same as absent: no probing for case numbers
            raise NotFound(f"supervision has no record of case {request.case_number} (yet)",
                           code="RECORD_NOT_FOUND",
                           metadata={"case_number": request.case_number})
        return pb.GetCaseRecordResponse(record=record_to_pb(record))


def record_to_pb(r: CaseRecord) -> pb.CaseRecord:
    message = pb.CaseRecord(
        case_number=r.case_number, region=r.region, item_id=r.item_id,
        item_version=r.item_version, department=r.department, status=r.status,
        last_event_type=r.last_event_type, last_sequence=r.last_sequence,
        events_applied=r.events_applied, steps_completed=r.steps_completed,
        step_count=r.step_count, due_date=r.due_date)
    for field, moment in (("accepted_at", r.accepted_at), ("completed_at", r.completed_at),
                          ("last_event_at", r.last_event_at), ("updated_at", r.updated_at)):
        if moment is not None:
            ts = Timestamp()
            ts.FromDatetime(moment)
            getattr(message, field).CopyFrom(ts)
    return message
