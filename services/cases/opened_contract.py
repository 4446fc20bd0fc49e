"""Translation of what only cases the government opens (立案) carry: penalties, evidence, the
notification, statements, the hearing, the meetings that decided, the service — both ways
between the engine and its contract (sunlight.cases.v1)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.common.v1 import common_pb2 as cpb

from services.cases.domain import enforcement
from services.cases.domain.clock import Calendar
from services.cases.domain.model import (
    Case,
    CollectiveReview,
    Evidence,
    Hearing,
    Notification,
    Opinion,
    Participant,
    Penalty,
    Service,
    Statement,
)
from services.shared.errors import InvalidArgument

FEN_PER_YUAN = 100
NANOS_PER_FEN = 10_000_000


def _ts(target: Timestamp, moment: datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment)


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def day_of(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.of_field(field, "a day, YYYY-MM-DD") from None


# --- money ------------------------------------------------------------------------------------


def fen_of(money: cpb.Money, field: str) -> int:
    """An amount in fen (分); refused when it is negative, not in yuan or finer than a fen."""
    if money.currency_code not in ("", "CNY"):
        raise InvalidArgument.of_field(f"{field}.currency_code", "amounts are in CNY")
    if money.units < 0 or money.nanos < 0 or money.nanos % NANOS_PER_FEN:
        raise InvalidArgument.of_field(field, "a non-negative amount in yuan, to the fen")
    return money.units * FEN_PER_YUAN + money.nanos // NANOS_PER_FEN


def money_of(fen: int) -> cpb.Money:
    return cpb.Money(currency_code="CNY", units=fen // FEN_PER_YUAN,
                     nanos=(fen % FEN_PER_YUAN) * NANOS_PER_FEN)


def fen_of_yuan(text: str) -> int | None:
    """Fen of an amount in yuan as the catalogue states it ("" = none)."""
    return int(Decimal(text) * FEN_PER_YUAN) if text else None


# --- into the engine --------------------------------------------------------------------------


def penalty_of(message: pb.Penalty, field: str) -> Penalty:
    return Penalty(message.circumstance, tuple(message.measures),
                   fen_of(message.amount, f"{field}.amount") if message.HasField("amount")
                   else 0, message.departure)


def evidence_of(message: pb.EvidenceGiven) -> Evidence:
    return Evidence("", message.kind, message.description, message.sha256)


def command_of(action: str, a: Any) -> object | None:
    """The engine's command for an action only opened cases take; None for any other."""
    match action:
        case "record_evidence":
            return enforcement.RecordEvidence(a.evidence.kind, a.evidence.description,
                                              a.evidence.sha256)
        case "notify":
            return enforcement.Notify(
                a.intended,
                penalty_of(a.penalty, "notify.penalty")
                if a.HasField("penalty") else None,
                a.hearing_right, day_of(a.notified_on, "notify.notified_on"))
        case "record_statement":
            return enforcement.RecordStatement(a.text)
        case "request_hearing":
            return enforcement.RequestHearing(
                day_of(a.requested_on, "request_hearing.requested_on"))
        case "waive_hearing":
            return enforcement.WaiveHearing(a.reason)
        case "schedule_hearing":
            on = day_of(a.on, "schedule_hearing.on")
            assert on is not None  # validated: required
            return enforcement.ScheduleHearing(on, a.place, a.host)
        case "hold_hearing":
            return enforcement.HoldHearing(a.record, a.outcome,
                                           not a.party_absent)
        case "record_collective_review":
            held = day_of(a.held_on, "record_collective_review.held_on")
            assert held is not None
            return enforcement.RecordCollectiveReview(
                held, tuple(Participant(p.name, p.position) for p in a.participants),
                tuple(Opinion(o.participant, o.opinion) for o in a.opinions),
                a.minutes, a.outcome)
        case "serve":
            return enforcement.Serve(a.method, a.recipient,
                                     day_of(a.served_on, "serve.served_on"), a.note)
    return None


# --- out of the engine ------------------------------------------------------------------------


def penalty_to_pb(p: Penalty) -> pb.Penalty:
    message = pb.Penalty(circumstance=p.circumstance, measures=list(p.measures),
                         departure=p.departure, within_standard=p.within_standard)
    if p.amount_fen:
        message.amount.CopyFrom(money_of(p.amount_fen))
    return message


def evidence_to_pb(e: Evidence) -> pb.Evidence:
    message = pb.Evidence(evidence_id=e.evidence_id, kind=e.kind, description=e.description,
                          sha256=e.sha256, recorded_by=e.recorded_by)
    _ts(message.recorded_at, e.recorded_at)
    return message


def notification_to_pb(n: Notification, calendar: Calendar | None = None, *,
                       internal: bool = True) -> pb.Notification:
    """``calendar``: to say whether the hearing request's last day is provisional;
    ``internal``: with who notified."""
    message = pb.Notification(notified_on=_day(n.notified_on), intended=n.intended,
                              hearing_right=n.hearing_right,
                              hearing_due_on=_day(n.hearing_due_on),
                              notified_by=n.notified_by if internal else "")
    if calendar is not None:
        message.hearing_due_provisional = enforcement.hearing_due_provisional(calendar, n)
    if n.penalty is not None:
        message.penalty.CopyFrom(penalty_to_pb(n.penalty))
    _ts(message.notified_at, n.notified_at)
    return message


def statement_to_pb(s: Statement) -> pb.Statement:
    message = pb.Statement(by=s.by, text=s.text)
    _ts(message.at, s.at)
    return message


def hearing_to_pb(h: Hearing) -> pb.Hearing:
    message = pb.Hearing(requested_on=_day(h.requested_on), scheduled_on=_day(h.scheduled_on),
                         place=h.place, host=h.host, noticed_on=_day(h.noticed_on),
                         record=h.record, outcome=h.outcome, party_appeared=h.party_appeared)
    _ts(message.requested_at, h.requested_at)
    _ts(message.held_at, h.held_at)
    return message


def review_to_pb(r: CollectiveReview) -> pb.CollectiveReview:
    message = pb.CollectiveReview(
        review_id=r.review_id, held_on=_day(r.held_on),
        participants=[pb.Participant(name=p.name, position=p.position)
                      for p in r.participants],
        opinions=[pb.MemberOpinion(participant=o.participant, opinion=o.opinion)
                  for o in r.opinions],
        minutes=r.minutes, outcome=r.outcome, recorded_by=r.recorded_by)
    _ts(message.recorded_at, r.recorded_at)
    return message


def service_to_pb(s: Service) -> pb.Service:
    return pb.Service(method=s.method, served_on=_day(s.served_on), recipient=s.recipient,
                      note=s.note)


def party_hearing_to_pb(h: Hearing) -> pb.Hearing:
    """The hearing as its party knows it: when they asked, when and where it is held, when
    they were told and when it was held — not who hosts it nor its record."""
    message = pb.Hearing(requested_on=_day(h.requested_on), scheduled_on=_day(h.scheduled_on),
                         place=h.place, noticed_on=_day(h.noticed_on))
    _ts(message.requested_at, h.requested_at)
    _ts(message.held_at, h.held_at)
    return message


def fill_case(message: pb.Case, case: Case, *, internal: bool, own: bool = False,
              calendar: Calendar | None = None) -> None:
    """The opened case's own fields of ``message``: public the source and legal basis; for
    its parties (``own``) what they were told — the notification with the last day to ask
    for a hearing, the hearing's day and place, the service; the rest for those who may read
    its internals. ``calendar``: to say whether the hearing request's last day is
    provisional."""
    message.opened = True
    message.source = case.source
    message.legal_basis.extend(case.legal_basis)
    if not internal:
        if own:
            if case.notification is not None:
                message.notification.CopyFrom(notification_to_pb(
                    case.notification, calendar, internal=False))
            if case.hearing is not None:
                message.hearing.CopyFrom(party_hearing_to_pb(case.hearing))
            message.hearing_waived = case.hearing_waived
            if case.service is not None:
                message.service.CopyFrom(service_to_pb(case.service))
        return
    message.parties.extend(pb.Applicant(name=p.name, id_type=p.id_type, id_number=p.id_number)
                           for p in case.parties)
    message.facts = case.facts
    message.evidence.extend(evidence_to_pb(e) for e in case.evidence)
    if case.notification is not None:
        message.notification.CopyFrom(notification_to_pb(case.notification, calendar))
    message.statements.extend(statement_to_pb(s) for s in case.statements)
    if case.hearing is not None:
        message.hearing.CopyFrom(hearing_to_pb(case.hearing))
    message.hearing_waived = case.hearing_waived
    message.collective_reviews.extend(review_to_pb(r) for r in case.reviews)
    if case.service is not None:
        message.service.CopyFrom(service_to_pb(case.service))


def fill_event(message: pb.CaseEvent, case: Case, event: object) -> None:
    """What an event of an opened case tells supervision beyond every event's fields."""
    message.opened = True
    kind = getattr(event, "type", "")
    if kind == "case.opened":
        message.parties.extend(pb.Applicant(name=p.name, id_type=p.id_type,
                                            id_number=p.id_number) for p in case.parties)
        message.source = case.source
    elif kind == "case.evidence_recorded" and case.evidence:
        message.evidence.CopyFrom(evidence_to_pb(case.evidence[-1]))
    elif kind == "case.party_notified" and case.notification is not None:
        message.notification.CopyFrom(notification_to_pb(case.notification))
    elif kind.startswith("case.hearing_") and case.hearing is not None:
        message.hearing.CopyFrom(hearing_to_pb(case.hearing))
    elif kind == "case.collective_review_recorded" and case.reviews:
        message.collective_review.CopyFrom(review_to_pb(case.reviews[-1]))
    elif kind in ("case.discretion_departed", "case.decision_refused"):
        penalty = getattr(event, "penalty", None)
        if penalty is not None:
            message.penalty.CopyFrom(penalty_to_pb(penalty))
        message.allowed = getattr(event, "allowed", "")
        message.refusal_code = getattr(event, "code", "")
    elif kind == "case.served" and case.service is not None:
        message.service.CopyFrom(service_to_pb(case.service))
