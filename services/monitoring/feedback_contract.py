"""Complaints, ratings and rectifications in their contract (sunlight.monitoring.v1), for the
gRPC answers and for the events on supervision's outbox (``identity=False``: without the
complainant, their contact or the rater)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.monitoring.v1 import monitoring_pb2 as pb

from services.monitoring.domain import feedback as f

KIND = {f.Kind.COMPLAINT: pb.COMPLAINT_KIND_COMPLAINT, f.Kind.REPORT: pb.COMPLAINT_KIND_REPORT}
ADDRESSEE = {a: getattr(pb, f"ADDRESSEE_{a.name}") for a in f.Addressee}
SUBJECT = {s: getattr(pb, f"COMPLAINT_SUBJECT_{s.name}") for s in f.Subject}
COMPLAINT_STATUS = {s: getattr(pb, f"COMPLAINT_STATUS_{s.name}") for s in f.ComplaintStatus}
FINDING = {x: getattr(pb, f"FINDING_{x.name}") for x in f.Finding}
CHANNEL = {c: getattr(pb, f"RATING_CHANNEL_{c.name}") for c in f.Channel}
APPEAL = {f.AppealStatus.NONE: pb.APPEAL_STATUS_UNSPECIFIED,
          f.AppealStatus.PENDING: pb.APPEAL_STATUS_PENDING,
          f.AppealStatus.UPHELD: pb.APPEAL_STATUS_UPHELD,
          f.AppealStatus.REJECTED: pb.APPEAL_STATUS_REJECTED}
RECTIFICATION = {s: getattr(pb, f"RECTIFICATION_STATUS_{s.name}")
                 for s in f.RectificationStatus}


def _from(mapping: dict) -> dict:
    return {v: k for k, v in mapping.items()}


KIND_FROM_PB = _from(KIND)
ADDRESSEE_FROM_PB = _from(ADDRESSEE)
SUBJECT_FROM_PB = _from(SUBJECT)
COMPLAINT_STATUS_FROM_PB = _from(COMPLAINT_STATUS)
FINDING_FROM_PB = _from(FINDING)
CHANNEL_FROM_PB = _from(CHANNEL)
APPEAL_FROM_PB = _from(APPEAL)
RECTIFICATION_FROM_PB = _from(RECTIFICATION)


def _ts(target: Timestamp, moment: datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment)


def _history(target, entries: Iterable[f.Entry], person: str = "",  # type: ignore[no-untyped-def]
             shown_as: str = "") -> None:
    """The entries; those by ``person`` shown as ``shown_as`` (events name nobody)."""
    for entry in entries:
        by = shown_as if person and entry.by == person else entry.by
        item = target.add(by=by, action=entry.action, note=entry.note)
        _ts(item.at, entry.at)


def complaint_to_pb(c: f.Complaint, today: date, *, identity: bool = True) -> pb.Complaint:
    message = pb.Complaint(
        complaint_id=c.complaint_id, kind=KIND[c.kind], addressee=ADDRESSEE[c.addressee],
        subject=SUBJECT[c.subject], case_number=c.case_number, item_id=c.item_id,
        staff=c.staff, region=c.region, department=c.department,
        department_code=c.department_code, title=c.title, content=c.content,
        complainant=c.complainant if identity else "", contact=c.contact if identity else "",
        status=COMPLAINT_STATUS[c.status], due_date=c.due_date.isoformat(),
        due_date_provisional=c.provisional, overdue=f.complaint_overdue(c, today),
        finding=FINDING[f.Finding(c.finding)] if c.finding else pb.FINDING_UNSPECIFIED,
        answer=c.answer, handled_by=c.handled_by)
    _ts(message.submitted_at, c.submitted_at)
    _ts(message.answered_at, c.answered_at)
    _ts(message.closed_at, c.closed_at)
    _history(message.history, c.history, "" if identity else c.complainant, "complainant")
    return message


def rectification_to_pb(task: f.Rectification, today: date, calendar: f.Calendar
                        ) -> pb.Rectification:
    message = pb.Rectification(
        task_id=task.task_id, rating_id=task.rating_id, case_number=task.case_number,
        region=task.region, department=task.department,
        department_code=task.department_code, status=RECTIFICATION[task.status],
        opened_on=task.opened_on.isoformat(), due_date=task.due_date.isoformat(),
        due_date_provisional=task.provisional, limit_days=task.limit_days,
        days_left=f.days_left(task, today, calendar),
        overdue=f.rectification_overdue(task, today), measures=task.measures,
        reply=task.reply, completed_by=task.completed_by, on_time=task.on_time)
    _ts(message.completed_at, task.completed_at)
    _history(message.history, task.history)
    return message


def rating_to_pb(r: f.Rating, task: f.Rectification | None, today: date,
                 calendar: f.Calendar, *, identity: bool = True) -> pb.Rating:
    message = pb.Rating(
        rating_id=r.rating_id, case_number=r.case_number, channel=CHANNEL[r.channel],
        rater=r.rater if identity else "", region=r.region, department=r.department,
        department_code=r.department_code, item_id=r.item_id, item_name=r.item_name,
        level=r.level, indicators=dict(r.indicators), comment=r.comment, bad=r.bad,
        month=r.month, excluded=r.excluded, excluded_reason=r.excluded_reason,
        appeal_status=APPEAL[r.appeal_status], appeal_kind=r.appeal_kind,
        appeal_reason=r.appeal_reason, appealed_by=r.appealed_by,
        appeal_decision=r.appeal_decision, appeal_decided_by=r.appeal_decided_by)
    _ts(message.rated_at, r.rated_at)
    if task is not None:
        message.rectification.CopyFrom(rectification_to_pb(task, today, calendar))
    _history(message.history, r.history, "" if identity else r.rater, "rater")
    return message


def indicators_to_pb(row: f.DepartmentMonth) -> pb.DepartmentMonthIndicators:
    return pb.DepartmentMonthIndicators(
        region=row.region, department=row.department, department_code=row.department_code,
        month=row.month, ratings=row.ratings, per_level=row.per_level, good=row.good,
        bad=row.bad, good_rate=round(row.good_rate, 4),
        average_score=round(row.average_score, 2), rectified=row.rectified,
        rectified_on_time=row.rectified_on_time,
        rectification_rate=round(row.rectification_rate, 4),
        rectified_on_time_rate=round(row.rectified_on_time_rate, 4),
        rectification_overdue=row.rectification_overdue, excluded=row.excluded,
        appeals=row.appeals, complaints=row.complaints,
        complaints_handled=row.complaints_handled,
        complaints_overdue=row.complaints_overdue)


CONSULTATION_STATUS = {s: getattr(pb, f"CONSULTATION_STATUS_{s.name}")
                       for s in f.ConsultationStatus}
CONSULTATION_STATUS_FROM_PB = _from(CONSULTATION_STATUS)


def consultation_to_pb(c: f.Consultation, today: date, calendar: f.Calendar, *,
                       identity: bool = True, query_code: bool = False) -> pb.Consultation:
    """``identity=False`` (events): without the asker and their contact; ``query_code``:
    with the code (only in the answer to the ask itself)."""
    waiting = c.status is f.ConsultationStatus.SUBMITTED
    message = pb.Consultation(
        consultation_id=c.consultation_id, item_id=c.item_id, item_name=c.item_name,
        region=c.region, department=c.department, department_code=c.department_code,
        title=c.title, question=c.question, asker=c.asker if identity else "",
        contact=c.contact if identity else "", status=CONSULTATION_STATUS[c.status],
        due_date=c.due_date.isoformat(), due_date_provisional=c.provisional,
        overdue=f.consultation_overdue(c, today),
        days_left=calendar.working_days_between(today, c.due_date)[0] if waiting else 0,
        answer=c.answer, answered_by=c.answered_by,
        query_code=c.query_code if query_code else "")
    _ts(message.submitted_at, c.submitted_at)
    _ts(message.answered_at, c.answered_at)
    _history(message.history, c.history, "" if identity else c.asker, "asker")
    return message
