"""gRPC entrypoint of supervision (read side): ``python -m services.monitoring.server``."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from services.monitoring import charts
from services.monitoring import evaluation as evaluation_
from services.monitoring.contract import SEVERITY, SEVERITY_FROM_PB, warning_to_pb
from services.monitoring.domain import feedback as fb
from services.monitoring.domain.evaluation import Row
from services.monitoring.domain.records import CaseRecord
from services.monitoring.domain.rules import Severity
from services.monitoring.feedback import Feedback
from services.monitoring.feedback_contract import (
    ADDRESSEE_FROM_PB,
    APPEAL_FROM_PB,
    CHANNEL_FROM_PB,
    COMPLAINT_STATUS_FROM_PB,
    CONSULTATION_STATUS_FROM_PB,
    FINDING_FROM_PB,
    KIND_FROM_PB,
    RECTIFICATION_FROM_PB,
    SUBJECT_FROM_PB,
    complaint_to_pb,
    consultation_to_pb,
    indicators_to_pb,
    rating_to_pb,
    rectification_to_pb,
)
from services.monitoring.openness import Openness
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision, offset_of, token
from services.shared import auth
from services.shared.auth import Authenticator
from services.shared.errors import InvalidArgument, NotFound
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import principal_of


class MonitoringServicer(pb_grpc.MonitoringServiceServicer):
    def __init__(self, projection: Projection, authenticator: Authenticator,
                 supervision: Supervision,
                 evaluation: evaluation_.Evaluation | None = None,
                 feedback: Feedback | None = None,
                 openness: Openness | None = None) -> None:
        self.projection = projection
        self.openness = openness
        self.auth = authenticator
        self.supervision = supervision
        self.evaluation = evaluation or evaluation_.Evaluation(supervision.db)
        self.feedback = feedback

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


    # --- efficiency evaluation (效能评估) ---------------------------------------------------
    def _report(self, request: pb.EvaluateRequest, context: grpc.ServicerContext
                ) -> evaluation_.Report:
        principal = principal_of(context, self.auth)
        query = self.evaluation.query_of(
            principal, dimension=_enum_word(pb.EvaluationDimension, request.dimension),
            period=request.period,
            period_kind=_enum_word(pb.PeriodKind, request.period_kind),
            region=request.region, department_code=request.department_code,
            item_id=request.item_id, official=request.official, rank_by=request.rank_by,
            limit=request.limit)
        return self.evaluation.evaluate(query)

    @translate_errors
    def Evaluate(self, request: pb.EvaluateRequest, context: grpc.ServicerContext
                 ) -> pb.EvaluateResponse:
        return report_to_pb(self._report(request, context))

    @translate_errors
    def ExportEvaluation(self, request: pb.ExportEvaluationRequest,
                         context: grpc.ServicerContext) -> pb.ExportEvaluationResponse:
        report = self._report(request.query, context)
        if request.format == pb.EXPORT_FORMAT_SVG:
            q = report.query
            title = (f"{q.period.words}效能评估（"
                     f"{evaluation_.DIMENSION_WORDS[q.dimension]}，{q.region}）")
            return pb.ExportEvaluationResponse(
                content=charts.bar_chart(report.rows, q.metric, title).encode(),
                media_type="image/svg+xml",
                filename=evaluation_.csv_name(report).removesuffix(".csv") + ".svg")
        return pb.ExportEvaluationResponse(content=evaluation_.to_csv(report),
                                           media_type="text/csv; charset=utf-8",
                                           filename=evaluation_.csv_name(report))

    # --- complaints and ratings (投诉 / 举报 · 好差评): services.monitoring.feedback ------
    def _feedback(self) -> Feedback:
        if self.feedback is None:  # pragma: no cover - wired by server.build
            raise NotFound("complaints and ratings are not served here", code="UNIMPLEMENTED")
        return self.feedback

    @translate_errors
    def SubmitComplaint(self, request: pb.SubmitComplaintRequest,
                        context: grpc.ServicerContext) -> pb.ComplaintResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        complaint = feedback.submit_complaint(
            principal, request.idempotency_key, kind=KIND_FROM_PB[request.kind],
            addressee=ADDRESSEE_FROM_PB[request.addressee],
            subject=SUBJECT_FROM_PB[request.subject], title=request.title,
            content=request.content, contact=request.contact,
            case_number=request.case_number, item_id=request.item_id, staff=request.staff,
            region=request.region, department_code=request.department_code,
            department=request.department)
        return pb.ComplaintResponse(complaint=complaint_to_pb(complaint, feedback.today()))

    @translate_errors
    def ListComplaints(self, request: pb.ListComplaintsRequest,
                       context: grpc.ServicerContext) -> pb.ListComplaintsResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        size = request.page_size or 50
        page = feedback.list_complaints(
            principal, region=request.region, department_code=request.department_code,
            addressee=ADDRESSEE_FROM_PB.get(request.addressee),
            status=COMPLAINT_STATUS_FROM_PB.get(request.status),
            overdue_only=request.overdue_only, open_only=request.open_only,
            offset=offset_of(request.page_token), limit=size)
        today = feedback.today()
        return pb.ListComplaintsResponse(
            complaints=[complaint_to_pb(c, today) for c in page.items], total=page.total,
            next_page_token=token(page.next_offset) if page.next_offset is not None else "")

    @translate_errors
    def GetComplaint(self, request: pb.GetComplaintRequest, context: grpc.ServicerContext
                     ) -> pb.ComplaintResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        return pb.ComplaintResponse(complaint=complaint_to_pb(
            feedback.get_complaint(principal, request.complaint_id), feedback.today()))

    @translate_errors
    def ActOnComplaint(self, request: pb.ActOnComplaintRequest,
                       context: grpc.ServicerContext) -> pb.ComplaintResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        action = request.WhichOneof("action")
        if action is None:  # pragma: no cover - validated
            raise InvalidArgument.of_field("action", "one action")
        fields: dict[str, object] = {f.name: v for f, v in getattr(request, action)
                                     .ListFields()}
        if action == "answer":
            fields["finding"] = FINDING_FROM_PB[request.answer.finding]
        acted = feedback.act_on_complaint(principal, request.complaint_id, action,
                                          request.idempotency_key, **fields)
        return pb.ComplaintResponse(complaint=complaint_to_pb(acted, feedback.today()))

    def _rating(self, found: tuple[fb.Rating, fb.Rectification | None]) -> pb.RatingResponse:
        feedback = self._feedback()
        rating, task = found
        return pb.RatingResponse(rating=rating_to_pb(rating, task, feedback.today(),
                                                     feedback.calendar))

    @translate_errors
    def RateCase(self, request: pb.RateCaseRequest, context: grpc.ServicerContext
                 ) -> pb.RatingResponse:
        principal = principal_of(context, self.auth)
        return self._rating(self._feedback().rate(
            principal, request.idempotency_key, request.case_number,
            CHANNEL_FROM_PB[request.channel], int(request.level),
            {k: int(v) for k, v in request.indicators.items()}, request.comment))

    @translate_errors
    def ListRatings(self, request: pb.ListRatingsRequest, context: grpc.ServicerContext
                    ) -> pb.ListRatingsResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        page = feedback.list_ratings(
            principal, region=request.region, department_code=request.department_code,
            case_number=request.case_number, bad_only=request.bad_only,
            appeal_status=APPEAL_FROM_PB.get(request.appeal_status) if request.appeal_status
            else None, month=request.month, offset=offset_of(request.page_token),
            limit=request.page_size or 50)
        today = feedback.today()
        return pb.ListRatingsResponse(
            ratings=[rating_to_pb(r, task, today, feedback.calendar) for r, task in page.items],
            total=page.total,
            next_page_token=token(page.next_offset) if page.next_offset is not None else "")

    @translate_errors
    def AppealRating(self, request: pb.AppealRatingRequest, context: grpc.ServicerContext
                     ) -> pb.RatingResponse:
        principal = principal_of(context, self.auth)
        return self._rating(self._feedback().appeal(
            principal, request.idempotency_key, request.rating_id, request.kind or "mistaken",
            request.reason))

    @translate_errors
    def DecideAppeal(self, request: pb.DecideAppealRequest, context: grpc.ServicerContext
                     ) -> pb.RatingResponse:
        principal = principal_of(context, self.auth)
        return self._rating(self._feedback().decide_appeal(
            principal, request.idempotency_key, request.rating_id, request.uphold,
            request.reason))

    @translate_errors
    def ListRectifications(self, request: pb.ListRectificationsRequest,
                           context: grpc.ServicerContext) -> pb.ListRectificationsResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        page = feedback.list_rectifications(
            principal, region=request.region, department_code=request.department_code,
            status=RECTIFICATION_FROM_PB.get(request.status) if request.status else None,
            overdue_only=request.overdue_only, offset=offset_of(request.page_token),
            limit=request.page_size or 50)
        today = feedback.today()
        return pb.ListRectificationsResponse(
            rectifications=[rectification_to_pb(x, today, feedback.calendar)
                            for x in page.items], total=page.total,
            next_page_token=token(page.next_offset) if page.next_offset is not None else "")

    @translate_errors
    def CompleteRectification(self, request: pb.CompleteRectificationRequest,
                              context: grpc.ServicerContext) -> pb.RectificationResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        done = feedback.complete_rectification(principal, request.idempotency_key,
                                               request.task_id, request.measures,
                                               request.reply)
        return pb.RectificationResponse(rectification=rectification_to_pb(
            done, feedback.today(), feedback.calendar))

    @translate_errors
    def GetFeedbackIndicators(self, request: pb.GetFeedbackIndicatorsRequest,
                              context: grpc.ServicerContext
                              ) -> pb.GetFeedbackIndicatorsResponse:
        principal_of(context, self.auth)  # a token, when one is sent, must be valid
        rows = self._feedback().indicators(
            region=request.region, department_code=request.department_code,
            month_from=request.month_from, month_to=request.month_to)
        return pb.GetFeedbackIndicatorsResponse(rows=[indicators_to_pb(r) for r in rows])

    # --- consultations (咨询) -----------------------------------------------------------------
    def _consultation(self, c: fb.Consultation, *, query_code: bool = False
                      ) -> pb.ConsultationResponse:
        feedback = self._feedback()
        return pb.ConsultationResponse(consultation=consultation_to_pb(
            c, feedback.today(), feedback.calendar, query_code=query_code))

    @translate_errors
    def AskConsultation(self, request: pb.AskConsultationRequest,
                        context: grpc.ServicerContext) -> pb.ConsultationResponse:
        principal = principal_of(context, self.auth)
        asked = self._feedback().ask(principal, request.idempotency_key,
                                     item_id=request.item_id, title=request.title,
                                     question=request.question, contact=request.contact)
        return self._consultation(asked, query_code=True)

    @translate_errors
    def ListConsultations(self, request: pb.ListConsultationsRequest,
                          context: grpc.ServicerContext) -> pb.ListConsultationsResponse:
        principal = principal_of(context, self.auth)
        feedback = self._feedback()
        page = feedback.list_consultations(
            principal, region=request.region, department_code=request.department_code,
            status=CONSULTATION_STATUS_FROM_PB.get(request.status) if request.status
            else None, waiting_only=request.waiting_only, overdue_only=request.overdue_only,
            offset=offset_of(request.page_token), limit=request.page_size or 50)
        today = feedback.today()
        return pb.ListConsultationsResponse(
            consultations=[consultation_to_pb(c, today, feedback.calendar)
                           for c in page.items], total=page.total,
            next_page_token=token(page.next_offset) if page.next_offset is not None else "")

    @translate_errors
    def GetConsultation(self, request: pb.GetConsultationRequest,
                        context: grpc.ServicerContext) -> pb.ConsultationResponse:
        principal = principal_of(context, self.auth)
        return self._consultation(self._feedback().get_consultation(
            principal, request.consultation_id, request.query_code))

    @translate_errors
    def ActOnConsultation(self, request: pb.ActOnConsultationRequest,
                          context: grpc.ServicerContext) -> pb.ConsultationResponse:
        principal = principal_of(context, self.auth)
        action = request.WhichOneof("action")
        if action is None:  # pragma: no cover - validated
            raise InvalidArgument.of_field("action", "one action")
        fields = {f.name: v for f, v in getattr(request, action).ListFields()}
        return self._consultation(self._feedback().act_on_consultation(
            principal, request.consultation_id, action, request.idempotency_key, **fields))

    # --- open as it runs (动态公开): public --------------------------------------------------
    def _openness(self) -> Openness:
        if self.openness is None:
            self.openness = Openness(self.supervision.db, self.supervision.node_region,
                                     self.evaluation)
        return self.openness

    @translate_errors
    def ListOpenCases(self, request: pb.ListOpenCasesRequest, context: grpc.ServicerContext
                      ) -> pb.ListOpenCasesResponse:
        principal_of(context, self.auth)  # a token, when one is sent, must be valid
        page = self._openness().open_cases(region=request.region, finished=request.finished,
                                           offset=offset_of(request.page_token),
                                           limit=request.page_size or 20)
        answer = pb.ListOpenCasesResponse(
            total=page.total,
            next_page_token=token(page.next_offset) if page.next_offset is not None else "")
        for c in page.cases:
            entry = answer.cases.add(
                case_number=c.case_number, region=c.region, item_id=c.item_id,
                item_name=c.item_name, department=c.department, status=c.status,
                last_event_type=c.last_event_type, steps_completed=c.steps_completed,
                step_count=c.step_count, accepted_on=c.accepted_on, due_date=c.due_date,
                finished_on=c.finished_on)
            entry.updated_at.FromDatetime(c.updated_at)
        if page.as_of is not None:
            answer.as_of.FromDatetime(page.as_of)
        return answer

    @translate_errors
    def GetOpenStatistics(self, request: pb.GetOpenStatisticsRequest,
                          context: grpc.ServicerContext) -> pb.GetOpenStatisticsResponse:
        principal_of(context, self.auth)  # a token, when one is sent, must be valid
        month, region, report, ratings = self._openness().statistics(
            month=request.month, region=request.region)

        return open_statistics(month, region, report, ratings)


def open_statistics(month: str, region: str, report: Any, ratings: dict[str, int]
                    ) -> pb.GetOpenStatisticsResponse:
    """The public statistics of ``month``: a row per department of ``report`` (an evaluation's
    rows and total), its ratings from ``ratings`` (department code → count); the total row
    the sums of the rows above it."""
    rows = sorted(report.rows, key=lambda r: r.name)
    codes = [r.department_code or r.key for r in rows]

    def row(r: Row, code: str, total: bool = False) -> pb.OpenDepartmentMonth:
        t = r.tally
        if total:  # the sums of the rows above it
            rated = sum(ratings.get(c, 0) for c in codes if c)
        else:  # a row without a department code (未知部门) has no ratings of its own
            rated = ratings.get(code, 0) if code else 0
        message = pb.OpenDepartmentMonth(
            department=r.name, department_code=code, handled=t.handled, timed=t.timed,
            on_time=t.on_time, overdue=t.overdue, ratings=rated,
            complaints=r.complaints or 0)
        if r.on_time_rate is not None:
            message.on_time_rate = r.on_time_rate
        if r.satisfaction is not None:
            message.satisfaction = r.satisfaction
        return message

    return pb.GetOpenStatisticsResponse(
        month=month, region=region, rows=[row(r, c) for r, c in zip(rows, codes,
                                                                     strict=True)],
        total=row(report.total, "", total=True))


def _enum_word(enum: Any, value: int) -> str:
    """``month`` for PERIOD_KIND_MONTH; empty for the zero value."""
    if not value:
        return ""
    name = enum.Name(value)
    prefix = enum.Name(0).removesuffix("UNSPECIFIED")
    return str(name).removeprefix(prefix).lower()


_DIMENSIONS = {d: getattr(pb, f"EVALUATION_DIMENSION_{d.name}")
               for d in evaluation_.Dimension}
_KINDS = {k: getattr(pb, f"PERIOD_KIND_{k.name}") for k in evaluation_.ev.PeriodKind}


def row_to_pb(row: Row) -> pb.EvaluationRow:
    t = row.tally
    message = pb.EvaluationRow(
        rank=row.rank, key=row.key, name=row.name, department_code=row.department_code,
        handled=t.handled, timed=t.timed, on_time=t.on_time, early=t.early,
        overdue=t.overdue, over_statutory=t.over_statutory, yellow_warnings=t.yellow,
        red_warnings=t.red, steps=t.steps, steps_late=t.steps_late, actions=t.actions,
        actions_online=t.actions_online, unknown=list(row.unknown))
    for field, value in (("on_time_rate", row.on_time_rate), ("early_rate", row.early_rate),
                         ("average_working_days", row.average_days),
                         ("p90_working_days", row.p90_days), ("backlog", row.backlog),
                         ("complaints", row.complaints), ("satisfaction", row.satisfaction),
                         ("online_rate", row.online_rate)):
        if value is not None:
            setattr(message, field, value)
    if row.points is not None:
        message.points = row.points.points
        message.grade = row.points.grade
        for what, count, points in row.points.lines:
            message.points_detail.add(what=what, count=count, points=points)
    return message


def report_to_pb(report: evaluation_.Report) -> pb.EvaluateResponse:
    q = report.query
    answer = pb.EvaluateResponse(
        dimension=_DIMENSIONS[q.dimension], period=q.period.label,
        period_kind=_KINDS[q.period.kind], region=q.region, rank_by=q.metric,
        rows=[row_to_pb(r) for r in report.rows], total=row_to_pb(report.total),
        row_count=report.row_count, notes=list(report.notes))
    answer.generated_at.FromDatetime(report.generated_at)
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
