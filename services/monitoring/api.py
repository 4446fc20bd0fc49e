"""gRPC entrypoint of supervision (read side): ``python -m services.monitoring.server``."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from services.monitoring.contract import SEVERITY, SEVERITY_FROM_PB, warning_to_pb
from services.monitoring.domain.records import CaseRecord
from services.monitoring.domain.rules import Severity
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision, offset_of, token
from services.shared import auth
from services.shared.auth import Authenticator
from services.shared.errors import InvalidArgument, NotFound
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import principal_of


class MonitoringServicer(pb_grpc.MonitoringServiceServicer):
    def __init__(self, projection: Projection, authenticator: Authenticator,
                 supervision: Supervision) -> None:
        self.projection = projection
        self.auth = authenticator
        self.supervision = supervision

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


    @translate_errors
    def ListWarnings(self, request: pb.ListWarningsRequest, context: grpc.ServicerContext
                     ) -> pb.ListWarningsResponse:
        principal = principal_of(context, self.auth)
        size = request.page_size or 50
        page = self.supervision.list(
            principal, region=request.region, department=request.department.strip().upper(),
            handler=request.handler.strip(), case_number=request.case_number,
            rule=request.rule, severity=_severity(request.severity),
            active_only=request.active_only, offset=offset_of(request.page_token),
            limit=size)
        return pb.ListWarningsResponse(
            warnings=[warning_to_pb(w) for w in page.warnings], total=page.total,
            next_page_token=token(page.next_offset) if page.next_offset is not None else "")

    @translate_errors
    def GetWarning(self, request: pb.GetWarningRequest, context: grpc.ServicerContext
                   ) -> pb.WarningResponse:
        principal = principal_of(context, self.auth)
        return pb.WarningResponse(warning=warning_to_pb(
            self.supervision.get(principal, request.warning_id)))

    @translate_errors
    def ActOnWarning(self, request: pb.ActOnWarningRequest, context: grpc.ServicerContext
                     ) -> pb.WarningResponse:
        principal = principal_of(context, self.auth)
        action = request.WhichOneof("action")
        if action is None:  # pragma: no cover - validated
            raise InvalidArgument.of_field("action", "one action")
        fields = {f.name: v for f, v in getattr(request, action).ListFields()}
        acted = self.supervision.act(principal, request.warning_id, action,
                                     request.idempotency_key, **fields)
        return pb.WarningResponse(warning=warning_to_pb(acted))

    @translate_errors
    def ListNotifications(self, request: pb.ListNotificationsRequest,
                          context: grpc.ServicerContext) -> pb.ListNotificationsResponse:
        principal = principal_of(context, self.auth)
        offset = offset_of(request.page_token)
        size = request.page_size or 50
        rows, unread, more = self.supervision.notifications(
            principal, unread_only=request.unread_only, offset=offset, limit=size,
            mark_read=request.mark_read)
        answer = pb.ListNotificationsResponse(unread=unread, next_page_token=token(
            offset + size) if more else "")
        for row in rows:
            note = answer.notifications.add(
                id=row["id"], recipient_kind=row["recipient_kind"], recipient=row["recipient"],
                warning_id=row["warning_id"], action=row["action"],
                severity=SEVERITY[Severity(row["severity"])], text=row["text"])
            note.at.FromDatetime(row["at"])
            if row["read_at"] is not None:
                note.read_at.FromDatetime(row["read_at"])
        return answer


def _severity(value: int) -> str:
    found = SEVERITY_FROM_PB.get(value)  # type: ignore[call-overload]
    return found.value if found else ""


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
