"""Cases the government opens itself (立案): penalties, coercive measures, inspections.

Nobody applies for them. Staff of the item's department open a case on recorded facts, its
parties (当事人: persons or organisations, identity numbers checked), its source and the legal
basis it rests on — cited from the item's own list — and the department's head approves the
opening (立案) or refuses it (不予立案). The flow, from the item's published version: opening →
investigation and evidence (调查取证) → notification of the intended decision and of the
party's rights (告知, 《行政处罚法》 art. 44) → where the item or the amount calls for it, a
meeting that decides (集体讨论, art. 57) → the decision → service (送达, art. 61) → execution
(执行) → closing (结案).

The law's periods, each in its own unit on the case's clock (art. 85: its 2-, 3-, 5- and
7-day periods are working days): the party may ask for a hearing within 5 working days of the
notification (art. 64(1)) — recorded later is fine, asked later is refused; the party is told
at least 7 working days before the hearing (art. 64(2)), which someone who did not
investigate the case holds (art. 64(4)); the time of a hearing is not counted (the clock
stands still, as for any special procedure). The decision is due 90 calendar days after the
opening (art. 60: the item's statutory limit in calendar days); it is not taken while the
party may still ask for a hearing (unless they waived it) nor before a hearing asked for has
been held.

Discretion bound by its standard (裁量基准): a penalty decision names its circumstance (the
key of one of the item's standards), its measures and a fine's amount. Outside what the
standard allows — a measure it does not name, an amount out of its range — the decision is
refused unless a departure is justified in writing; either way supervision hears of it: a
justified departure is recorded with the decision (``case.discretion_departed``), a refused
one is recorded as an attempt (``case.decision_refused``, :class:`RecordedRefusal`) although
the case does not move.

Who decides does not investigate (查处分离): whoever completed an investigation step of the
case may not decide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from services.cases.domain.clock import Calendar, days_after
from services.cases.domain.engine import (
    HEAD,
    Accept,
    Actor,
    CompleteStep,
    Decide,
    RecordedRefusal,
    Reject,
    _active,
    _advance,
    _denied,
    _holder_of_some_step,
    _instance,
    _may_act,
    _may_take,
    _spec,
    _staff_of,
    _start_stage,
    _text,
    countermeasures_of,
    evolve,
)
from services.cases.domain.flow import DiscretionSpec, ItemSnapshot, Mode, StepKind
from services.cases.domain.frozen import replace
from services.cases.domain.model import (
    Accepted,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    ClockRestarted,
    ClockStopped,
    CollectiveReview,
    CollectiveReviewRecorded,
    Decided,
    Decision,
    DecisionRefused,
    DiscretionDeparted,
    Evidence,
    EvidenceRecorded,
    Hearing,
    HearingHeld,
    HearingRequested,
    HearingScheduled,
    HearingWaived,
    Notification,
    Opened,
    Opinion,
    Participant,
    Party,
    PartyNotified,
    Penalty,
    ProcedureEnded,
    ProcedureStarted,
    Rejected,
    Served,
    Service,
    Statement,
    StatementRecorded,
    StepCompleted,
    StepInstance,
    StepStarted,
)
from services.shared.code_tables import (
    AMOUNT_MEASURES,
    CASE_SOURCES,
    EVIDENCE_KINDS,
    HEARING_REQUEST_DAYS,
    PENALTY_MEASURES,
    PENALTY_TYPE,
    SERVICE_METHODS,
)
from services.shared.departments import shown
from services.shared.errors import FailedPrecondition, InvalidArgument
from services.shared.working_days import local_day

#: art. 64(2): the party is told 7 (working) days before the hearing
HEARING_NOTICE_DAYS = 7
#: a meeting that decides (集体讨论) has at least this many members
MIN_MEETING = 3
MAX_PARTIES = 20
HEARING = "hearing"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Open:
    """Open a case (立案) on an item whose flow begins with its opening step."""

    number: str
    region: str
    item: ItemSnapshot
    parties: tuple[Party, ...]
    facts: str
    source: str
    legal_basis: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class RecordEvidence:
    kind: str
    description: str
    sha256: str = ""


@dataclass(frozen=True)
class Notify:
    """Tell the party the intended decision and their rights (告知); completes the
    notification step."""

    intended: str
    penalty: Penalty | None = None
    hearing_right: bool = False
    notified_on: date | None = None  # None: today


@dataclass(frozen=True)
class RecordStatement:
    text: str


@dataclass(frozen=True)
class RequestHearing:
    requested_on: date | None = None  # the day the party asked; None: today


@dataclass(frozen=True)
class WaiveHearing:
    reason: str = ""


@dataclass(frozen=True)
class ScheduleHearing:
    on: date
    place: str
    host: str


@dataclass(frozen=True)
class HoldHearing:
    record: str
    outcome: str
    party_appeared: bool = True


@dataclass(frozen=True)
class RecordCollectiveReview:
    held_on: date
    participants: tuple[Participant, ...]
    opinions: tuple[Opinion, ...]
    minutes: str
    outcome: str


@dataclass(frozen=True)
class Serve:
    method: str
    recipient: str
    served_on: date | None = None  # None: today
    note: str = ""


#: the action names of the commands only opened cases take
ACTIONS = {Open: "open", RecordEvidence: "record_evidence", Notify: "notify",
           RecordStatement: "record_statement", RequestHearing: "request_hearing",
           WaiveHearing: "waive_hearing", ScheduleHearing: "schedule_hearing",
           HoldHearing: "hold_hearing", RecordCollectiveReview: "record_collective_review",
           Serve: "serve"}

#: what an opened case allows in each status (some further need a step, a hearing, …)
ALLOWED: dict[CaseStatus, tuple[str, ...]] = {
    CaseStatus.SUBMITTED: ("accept", "reject", "claim", "release", "reassign",
                           "record_evidence"),
    CaseStatus.IN_PROGRESS: ("claim", "release", "reassign", "complete_step", "return_step",
                             "start_procedure", "end_procedure", "decide", "record_evidence",
                             "notify", "record_statement", "request_hearing", "waive_hearing",
                             "schedule_hearing", "hold_hearing",
                             "record_collective_review"),
    CaseStatus.DECIDED: ("claim", "release", "reassign", "complete_step", "serve",
                         "publish_result", "complete"),
    CaseStatus.PUBLISHED: ("claim", "release", "reassign", "complete_step", "serve",
                           "complete"),
}
#: steps that end with an action of their own, not with complete_step
_OWN_ACTION = {StepKind.DECISION: "decide", StepKind.NOTIFICATION: "notify",
               StepKind.SERVICE: "serve", StepKind.COLLECTIVE_REVIEW: "record_collective_review"}


def allowed(case: Case) -> tuple[str, ...]:
    """What may be done to an opened case now (whoever does it)."""
    kinds = {_spec(case, i).kind for i in case.active if not i.branch and i.stage >= 0}
    plain = any(i.branch or (i.stage >= 0 and _spec(case, i).kind not in _OWN_ACTION)
                for i in case.active)
    procedure = case.open_procedure
    notice, hearing = case.notification, case.hearing
    may_ask = (notice is not None and notice.hearing_right and hearing is None
               and not case.hearing_waived)
    rules = {
        "decide": StepKind.DECISION in kinds and procedure is None and not any(
            i.branch for i in case.active),
        "complete_step": plain,
        "notify": StepKind.NOTIFICATION in kinds,
        "serve": StepKind.SERVICE in kinds,
        "record_collective_review": bool(kinds & {StepKind.COLLECTIVE_REVIEW,
                                                  StepKind.DECISION}),
        "record_statement": notice is not None,
        "request_hearing": may_ask and procedure is None,
        "waive_hearing": may_ask,
        "schedule_hearing": hearing is not None and hearing.held_at is None,
        "hold_hearing": hearing is not None and hearing.scheduled_on is not None
        and hearing.held_at is None,
        "start_procedure": not case.clock.stopped,
        "end_procedure": procedure is not None and procedure.kind != HEARING,
        "complete": not case.active,
    }
    return tuple(a for a in ALLOWED.get(case.status, ()) if rules.get(a, True))


# --- opening ----------------------------------------------------------------------------------


def open_case(command: Open, actor: Actor, now: datetime) -> list[CaseEvent]:
    item = command.item.validate()
    if not item.opened:
        raise FailedPrecondition(
            f"cases of item {item.item_id} are applied for, not opened by the government: "
            "submit an application instead", code="ITEM_APPLIED_FOR")
    if command.region != item.region:
        raise FailedPrecondition(
            f"item {item.item_id} is exercised by region {item.region}, not {command.region}",
            code="REGION_MISMATCH", metadata={"item_region": item.region})
    if not actor.acts_for(item.region) or not (
            actor.admin or actor.works_for(item.department_code)):
        raise _denied(actor, f"opens no cases for {shown(item.department_code, item.department)}"
                             f" of {item.region}")
    if not command.parties:
        raise InvalidArgument.of_field("parties", "at least one party (当事人)")
    if len(command.parties) > MAX_PARTIES:
        raise InvalidArgument.of_field("parties", f"at most {MAX_PARTIES}")
    parties = tuple(p.validate(f"parties[{i}]") for i, p in enumerate(command.parties))
    facts = _text(command.facts, "facts")
    if command.source not in CASE_SOURCES:
        raise InvalidArgument.of_field("source", _one_of(CASE_SOURCES))
    basis = _cited(item, command.legal_basis, "legal_basis")
    evidence = tuple(_evidence(e, n, actor.subject, now, f"evidence[{n - 1}]")
                     for n, e in enumerate(command.evidence, start=1))
    opened = Opened(now, actor.subject, command.number, command.region, item, Mode.PROMISED,
                    parties[0], None, Channel.OPENED, (), parties=parties, facts=facts,
                    source=command.source, legal_basis=basis, evidence=evidence)
    case = evolve(None, opened)
    entry = item.entry
    assert entry is not None  # an opened item begins with its opening step
    return [opened, StepStarted(now, actor.subject, _instance(case, entry, -1, "", now, 1))]


def approve_opening(case: Case, command: Accept, actor: Actor, now: datetime,
                    calendar: Calendar | None) -> list[CaseEvent]:
    """The head approves the opening (立案): the case runs, its clock from today."""
    _head_of_opening(case, actor)
    accepted = Accepted(now, actor.subject, _text(command.opinion, "opinion", required=False))
    return [accepted, *_start_stage(evolve(case, accepted), 0, now, actor.subject)]


def refuse_opening(case: Case, command: Reject, actor: Actor, now: datetime,
                   calendar: Calendar | None) -> list[CaseEvent]:
    """The head refuses to open the case (不予立案), with reasons."""
    _head_of_opening(case, actor)
    return [Rejected(now, actor.subject, command.reason_code.strip(),
                     _text(command.reasons, "reasons"), False)]


def _head_of_opening(case: Case, actor: Actor) -> None:
    opening = next((i for i in case.active if i.stage < 0), None)
    assert opening is not None
    if HEAD not in actor.positions and not actor.admin:
        raise _denied(actor, "the opening of a case (立案) is approved by the head of "
                             f"{shown(opening.department_code, opening.department)}")
    _may_take(case, opening, actor)


# --- investigating, telling the party ---------------------------------------------------------


def record_evidence(case: Case, command: RecordEvidence, actor: Actor, now: datetime,
                    calendar: Calendar | None) -> list[CaseEvent]:
    _holder_of_some_step(case, actor)
    evidence = _evidence(Evidence("", command.kind, command.description, command.sha256),
                         len(case.evidence) + 1, actor.subject, now, "evidence")
    return [EvidenceRecorded(now, actor.subject, evidence)]


def notify(case: Case, command: Notify, actor: Actor, now: datetime,
           calendar: Calendar | None) -> list[CaseEvent]:
    instance = _running(case, StepKind.NOTIFICATION)
    _may_act(case, instance, actor)
    today = local_day(now)
    notified_on = command.notified_on or today
    if not instance.started_on <= notified_on <= today:
        raise InvalidArgument.of_field("notified_on", f"between {instance.started_on} (the "
                                       f"step began) and today ({today})")
    intended = _text(command.intended, "intended")
    penalty = _penalty(case.item, command.penalty, "penalty") if command.penalty else None
    due = hearing_request_due(_needs(calendar), notified_on) if command.hearing_right else None
    notice = Notification(notified_on, intended, penalty, command.hearing_right, due, now,
                          actor.subject)
    return _complete(case, instance, now, actor,
                     PartyNotified(now, actor.subject, instance.instance_id, notice), calendar)


def record_statement(case: Case, command: RecordStatement, actor: Actor, now: datetime,
                     calendar: Calendar | None) -> list[CaseEvent]:
    _staff_of(case, actor)
    return [StatementRecorded(now, actor.subject, _text(command.text, "text"))]


# --- hearing (听证) -----------------------------------------------------------------------------


def hearing_request_due(calendar: Calendar, notified_on: date) -> date:
    """The last day the party may ask for a hearing: 5 working days after the notification
    (《行政处罚法》 art. 64(1), art. 85), the day of the notification not counted."""
    return days_after(calendar, notified_on, HEARING_REQUEST_DAYS)


def hearing_due_provisional(calendar: Calendar, notice: Notification) -> bool:
    """Whether the hearing request's last day counted a day of a year the calendar has no
    official schedule for (weekends only): a provisional date, to be said so."""
    due = notice.hearing_due_on
    if due is None:
        return False
    return any(calendar.is_working_day(notice.notified_on + timedelta(days=n))[1]
               for n in range(1, (due - notice.notified_on).days + 1))



def request_hearing(case: Case, command: RequestHearing, actor: Actor, now: datetime,
                    calendar: Calendar | None) -> list[CaseEvent]:
    """Record that the party asked for a hearing; refused when they asked too late."""
    _staff_of(case, actor)
    notice = case.notification
    assert notice is not None and notice.hearing_due_on is not None
    today = local_day(now)
    asked = command.requested_on or today
    if not notice.notified_on <= asked <= today:
        raise InvalidArgument.of_field("requested_on", f"between {notice.notified_on} (the "
                                       f"notification) and today ({today})")
    if asked > notice.hearing_due_on:
        raise FailedPrecondition(
            f"the party could ask for a hearing until {notice.hearing_due_on} "
            f"({HEARING_REQUEST_DAYS} working days after the notification of "
            f"{notice.notified_on}, 《行政处罚法》第六十四条); they asked on {asked}",
            code="HEARING_WINDOW_CLOSED",
            metadata={"hearing_due_on": notice.hearing_due_on.isoformat()})
    procedure_id = f"p{len(case.procedures) + 1}"
    return [HearingRequested(now, actor.subject, asked, procedure_id),
            ProcedureStarted(now, actor.subject, procedure_id, HEARING, "当事人申请听证"),
            ClockStopped(now, actor.subject, HEARING, procedure_id)]


def waive_hearing(case: Case, command: WaiveHearing, actor: Actor, now: datetime,
                  calendar: Calendar | None) -> list[CaseEvent]:
    _staff_of(case, actor)
    return [HearingWaived(now, actor.subject, _text(command.reason, "reason",
                                                    required=False))]


def schedule_hearing(case: Case, command: ScheduleHearing, actor: Actor, now: datetime,
                     calendar: Calendar | None) -> list[CaseEvent]:
    _staff_of(case, actor)
    today = local_day(now)
    earliest = days_after(_needs(calendar), today, HEARING_NOTICE_DAYS)
    if command.on < earliest:
        raise FailedPrecondition(
            f"the party is told at least {HEARING_NOTICE_DAYS} working days before the "
            f"hearing (《行政处罚法》第六十四条): told today, the earliest day is {earliest}",
            code="HEARING_NOTICE_TOO_SHORT", metadata={"earliest": earliest.isoformat()})
    host = _text(command.host, "host")
    investigators = {i.completed_by or i.assignee for i in case.instances
                     if i.stage >= 0 and _spec(case, i).kind is StepKind.INVESTIGATION}
    if host in investigators:
        raise FailedPrecondition(
            f"{host} investigated the case and may not hold its hearing (听证由非本案调查人员"
            "主持, 《行政处罚法》第六十四条)", code="HOST_INVESTIGATED")
    return [HearingScheduled(now, actor.subject, command.on, _text(command.place, "place"),
                             host)]


def hold_hearing(case: Case, command: HoldHearing, actor: Actor, now: datetime,
                 calendar: Calendar | None) -> list[CaseEvent]:
    hearing = case.hearing
    assert hearing is not None and hearing.scheduled_on is not None
    if actor.subject != hearing.host and not actor.admin:
        raise _denied(actor, f"the hearing is held by its host, {hearing.host}")
    if local_day(now) < hearing.scheduled_on:
        raise FailedPrecondition(f"the hearing is set for {hearing.scheduled_on}",
                                 code="HEARING_NOT_YET",
                                 metadata={"scheduled_on": hearing.scheduled_on.isoformat()})
    outcome = _text(command.outcome, "outcome")
    return [HearingHeld(now, actor.subject, _text(command.record, "record"), outcome,
                        command.party_appeared),
            ProcedureEnded(now, actor.subject, hearing.procedure_id, outcome),
            ClockRestarted(now, actor.subject)]


# --- the meeting that decides (集体讨论) ---------------------------------------------------------


def record_collective_review(case: Case, command: RecordCollectiveReview, actor: Actor,
                             now: datetime, calendar: Calendar | None) -> list[CaseEvent]:
    step = _running(case, StepKind.COLLECTIVE_REVIEW, required=False)
    instance = step or _running(case, StepKind.DECISION)
    _may_act(case, instance, actor)
    if command.held_on > local_day(now):
        raise InvalidArgument.of_field("held_on", "the day the meeting was held: not after "
                                                  "today")
    names = [_text(p.name, f"participants[{i}].name")
             for i, p in enumerate(command.participants)]
    if len(set(names)) < MIN_MEETING or len(set(names)) != len(names):
        raise InvalidArgument.of_field("participants", f"at least {MIN_MEETING} members, "
                                                       "each once")
    said = [o.participant.strip() for o in command.opinions]
    if sorted(said) != sorted(names):
        raise InvalidArgument.of_field("opinions", "one opinion of each participant")
    review = CollectiveReview(
        f"m{len(case.reviews) + 1}", command.held_on,
        tuple(Participant(n, _text(p.position, "position", required=False))
              for n, p in zip(names, command.participants, strict=True)),
        tuple(Opinion(o.participant.strip(), _text(o.opinion, f"opinions[{i}].opinion"))
              for i, o in enumerate(command.opinions)),
        _text(command.minutes, "minutes"), _text(command.outcome, "outcome"), now,
        actor.subject)
    recorded = CollectiveReviewRecorded(now, actor.subject, review)
    return _complete(case, step, now, actor, recorded, calendar) if step else [recorded]


# --- deciding ---------------------------------------------------------------------------------


def decide_opened(case: Case, command: Decide, actor: Actor, now: datetime,
                  calendar: Calendar | None) -> list[CaseEvent]:
    instance = _running(case, StepKind.DECISION)
    if any(i.stage == instance.stage and i.branch for i in case.active):
        raise FailedPrecondition("the branches of the decision stage have not joined yet",
                                 code="BRANCHES_OPEN")
    _may_act(case, instance, actor)
    investigators = {i.completed_by for i in case.instances
                     if i.stage >= 0 and _spec(case, i).kind is StepKind.INVESTIGATION}
    if actor.subject in investigators:
        raise FailedPrecondition(
            f"{actor.subject} investigated case {case.number} and may not decide it: who "
            "investigates does not decide (查处分离)", code="SEPARATION_OF_DUTIES")
    if command.outcome not in ("impose", "not_impose"):
        raise InvalidArgument.of_field("outcome", "impose (作出处罚/处理决定) or not_impose "
                                                  "(不予处罚/处理)")
    item, today = case.item, local_day(now)
    notice = case.notification
    if notice is None and item.item_type == PENALTY_TYPE:
        raise FailedPrecondition("the party has not been told the intended decision and "
                                 "their rights (告知, 《行政处罚法》第四十四条)",
                                 code="NOT_NOTIFIED")
    if notice is not None and notice.hearing_due_on is not None and case.hearing is None and (
            not case.hearing_waived and today <= notice.hearing_due_on):
        raise FailedPrecondition(
            f"the party may ask for a hearing until {notice.hearing_due_on}: decide after "
            "that day, or once they waive it", code="HEARING_WINDOW_OPEN",
            metadata={"hearing_due_on": notice.hearing_due_on.isoformat()})
    if case.hearing is not None and case.hearing.held_at is None:
        raise FailedPrecondition("the hearing the party asked for has not been held",
                                 code="HEARING_PENDING")
    reasons = _text(command.reasons, "reasons")
    basis = _cited(item, command.legal_basis, "legal_basis")
    penalty = None
    if command.outcome == "impose" and item.item_type == PENALTY_TYPE:
        if command.penalty is None:
            raise InvalidArgument.of_field("penalty", "a penalty decision states its "
                                           "circumstance, measures and amount")
        penalty = _penalty(item, command.penalty, "penalty")
    elif command.penalty is not None:
        raise InvalidArgument.of_field("penalty", "only a penalty imposed states one")
    if (item.major or (penalty is not None and item.collective_review_above_fen is not None
                       and penalty.amount_fen > item.collective_review_above_fen)) and (
            not case.reviews):
        why = ("the item is a major enforcement decision" if item.major else
               f"the fine is above {_yuan(item.collective_review_above_fen or 0)} yuan")
        raise FailedPrecondition(f"{why}: a meeting decides first (集体讨论, 《行政处罚法》"
                                 "第五十七条) — record it", code="COLLECTIVE_REVIEW_REQUIRED")
    stated = countermeasures_of(case, instance, command.countermeasures)
    events: list[CaseEvent] = []
    if penalty is not None and not penalty.within_standard:
        standard = item.standard(penalty.circumstance)
        allows = _allows(standard) if standard else "nothing"
        if not penalty.departure:
            raise RecordedRefusal(
                FailedPrecondition(
                    f"the penalty is outside its discretion standard ({allows}): decide "
                    "within it, or justify the departure in writing (departure)",
                    code="DISCRETION_OUT_OF_RANGE", metadata={"allowed": allows}),
                [DecisionRefused(now, actor.subject, "DISCRETION_OUT_OF_RANGE", reasons,
                                 penalty, allows)])
        events.append(DiscretionDeparted(now, actor.subject, penalty, allows))
    decision = Decision(command.outcome, reasons, basis, command.document_number.strip(),
                        command.certificate.strip(), command.valid_until, now, actor.subject,
                        penalty)
    return _complete(case, instance, now, actor,
                     Decided(now, actor.subject, instance.instance_id, decision, stated),
                     calendar) + events


def serve(case: Case, command: Serve, actor: Actor, now: datetime,
          calendar: Calendar | None) -> list[CaseEvent]:
    instance = _running(case, StepKind.SERVICE)
    _may_act(case, instance, actor)
    if command.method not in SERVICE_METHODS:
        raise InvalidArgument.of_field("method", _one_of(SERVICE_METHODS))
    today = local_day(now)
    served_on = command.served_on or today
    decided = case.decision.decided_at if case.decision else None
    first = local_day(decided) if decided else instance.started_on
    if not first <= served_on <= today:
        raise InvalidArgument.of_field("served_on", f"between {first} (the decision) and "
                                                    f"today ({today})")
    service = Service(command.method, served_on, _text(command.recipient, "recipient"),
                      _text(command.note, "note", required=False))
    return _complete(case, instance, now, actor,
                     Served(now, actor.subject, instance.instance_id, service), calendar)


def own_action(case: Case, instance_id: str) -> FailedPrecondition | None:
    """Why a step of an opened case does not end with complete_step: its own action (the
    opening: accept or reject; a notification: notify; …), or None."""
    instance = _active(case, instance_id)
    if instance.stage < 0:
        return FailedPrecondition("the opening step ends with the head's approval (accept) "
                                  "or refusal (reject)", code="USE_ACCEPT")
    kind = _spec(case, instance).kind
    if not instance.branch and kind in _OWN_ACTION:
        action = _OWN_ACTION[kind]
        return FailedPrecondition(f"the {kind.value} step ends with {action}",
                                  code=f"USE_{action.upper()}")
    return None


def complete_step(case: Case, command: CompleteStep, actor: Actor, now: datetime,
                  calendar: Calendar | None) -> list[CaseEvent]:
    """A step of an opened case that ends with nothing but an opinion (investigation,
    execution, closing, a branch); the others end with their own action."""
    if (refusal := own_action(case, command.instance_id)) is not None:
        raise refusal
    instance = _active(case, command.instance_id)
    _may_act(case, instance, actor)
    return _complete(case, instance, now, actor, StepCompleted(
        now, actor.subject, instance.instance_id,
        _text(command.opinion, "opinion", required=False),
        countermeasures_of(case, instance, command.countermeasures)), calendar)


#: handlers of the commands only opened cases take (all get the working-day calendar)
HANDLERS = {RecordEvidence: record_evidence, Notify: notify,
            RecordStatement: record_statement, RequestHearing: request_hearing,
            WaiveHearing: waive_hearing, ScheduleHearing: schedule_hearing,
            HoldHearing: hold_hearing, RecordCollectiveReview: record_collective_review,
            Serve: serve}
#: commands every case takes that an opened case handles its own way
OVERRIDES = {Accept: approve_opening, Reject: refuse_opening, Decide: decide_opened,
             CompleteStep: complete_step}


# --- evolve -----------------------------------------------------------------------------------


def evolve_opened(case: Case, event: CaseEvent) -> Case | None:
    """The case after an event only opened cases have; None for any other event."""
    match event:
        case EvidenceRecorded(evidence=evidence):
            assert evidence is not None
            return replace(case, evidence=(*case.evidence, evidence))
        case PartyNotified(notification=notice):
            return replace(case, notification=notice)
        case StatementRecorded(text=text):
            return replace(case, statements=(*case.statements,
                                             Statement(event.at, event.by, text)))
        case HearingRequested(requested_on=asked, procedure_id=pid):
            assert asked is not None
            return replace(case, hearing=Hearing(asked, event.at, pid))
        case HearingWaived():
            return replace(case, hearing_waived=True)
        case HearingScheduled(scheduled_on=on, place=place, host=host):
            assert case.hearing is not None
            return replace(case, hearing=replace(case.hearing, scheduled_on=on, place=place,
                                                 host=host, noticed_on=local_day(event.at)))
        case HearingHeld(record=record, outcome=outcome, party_appeared=appeared):
            assert case.hearing is not None
            return replace(case, hearing=replace(case.hearing, held_at=event.at,
                                                 record=record, outcome=outcome,
                                                 party_appeared=appeared))
        case CollectiveReviewRecorded(review=review):
            assert review is not None
            return replace(case, reviews=(*case.reviews, review))
        case DiscretionDeparted() | DecisionRefused():
            return case
        case Served(service=service):
            return replace(case, service=service)
    return None


# --- helpers ----------------------------------------------------------------------------------


def _needs(calendar: Calendar | None) -> Calendar:
    if calendar is None:
        raise RuntimeError("an opened case's periods need the working-day calendar")
    return calendar


def _one_of(table: dict[str, str]) -> str:
    return "one of " + ", ".join(f"{k} ({v})" for k, v in table.items())


def _running(case: Case, kind: StepKind, *, required: bool = True) -> StepInstance:
    found = next((i for i in case.active if i.stage >= 0 and not i.branch
                  and _spec(case, i).kind is kind), None)
    if found is None and required:
        raise FailedPrecondition(f"no {kind.value} step is running", code="STEP_NOT_RUNNING",
                                 metadata={"kind": kind.value})
    return found  # type: ignore[return-value]


def _complete(case: Case, instance: StepInstance, now: datetime, actor: Actor,
              event: CaseEvent, calendar: Calendar | None) -> list[CaseEvent]:
    """``event`` ends ``instance`` (its own action's event, or a StepCompleted): the event,
    the step's completion where the event is not one, and what follows (the next stage, or
    the closing of the case)."""
    events: list[CaseEvent] = [event]
    if not isinstance(event, StepCompleted | Decided):
        events.append(StepCompleted(now, actor.subject, instance.instance_id, ""))
    after = case
    for e in events:
        after = evolve(after, e)
    return events + _advance(case, after, instance, now, actor.subject, calendar)


def _cited(item: ItemSnapshot, given: tuple[str, ...], field: str) -> tuple[str, ...]:
    """The citations, each one of the item's own legal basis (when it lists any)."""
    cited = tuple(c.strip() for c in given if c.strip())
    if not cited:
        raise InvalidArgument.of_field(field, "cite the legal basis, from the item's own list"
                                       + (": " + "; ".join(item.legal_basis)
                                          if item.legal_basis else ""))
    if item.legal_basis:
        foreign = [c for c in cited if c not in item.legal_basis]
        if foreign:
            raise InvalidArgument.of_field(
                field, "not in the item's legal basis: " + "; ".join(foreign)
                + " (the item cites: " + "; ".join(item.legal_basis) + ")",
                code="LEGAL_BASIS_NOT_OF_ITEM")
    return cited


def _evidence(evidence: Evidence, n: int, by: str, now: datetime, field: str) -> Evidence:
    if evidence.kind not in EVIDENCE_KINDS:
        raise InvalidArgument.of_field(f"{field}.kind", _one_of(EVIDENCE_KINDS))
    digest = evidence.sha256.strip().lower()
    if digest and not _SHA256.match(digest):
        raise InvalidArgument.of_field(f"{field}.sha256", "64 hex digits (SHA-256 of the "
                                                          "file), or empty")
    return Evidence(f"e{n}", evidence.kind, _text(evidence.description,
                                                  f"{field}.description"),
                    digest, now, by)


def _penalty(item: ItemSnapshot, penalty: Penalty, field: str) -> Penalty:
    """The penalty checked against the item's discretion standards: ``within_standard``
    says whether the standard of its circumstance allows it."""
    standard = item.standard(penalty.circumstance)
    if standard is None:
        raise InvalidArgument.of_field(
            f"{field}.circumstance", "the key of one of the item's discretion standards ("
            + (", ".join(f"{d.key} {d.severity}" for d in item.discretion) or "it has none")
            + ")")
    measures = tuple(dict.fromkeys(m.strip() for m in penalty.measures if m.strip()))
    if not measures:
        raise InvalidArgument.of_field(f"{field}.measures", "at least one measure")
    for measure in measures:
        if measure not in PENALTY_MEASURES:
            raise InvalidArgument.of_field(f"{field}.measures", _one_of(PENALTY_MEASURES))
    fine = bool(AMOUNT_MEASURES & set(measures))
    if penalty.amount_fen < 0 or (penalty.amount_fen and not fine):
        raise InvalidArgument.of_field(f"{field}.amount", "a fine's amount, not negative "
                                                          "(and none without a fine)")
    if fine and not penalty.amount_fen:
        raise InvalidArgument.of_field(f"{field}.amount", "the fine's amount")
    within = set(measures) <= set(standard.measures) and (not fine or (
        standard.max_fen is not None
        and standard.min_fen <= penalty.amount_fen <= standard.max_fen))
    departure = _text(penalty.departure, f"{field}.departure", required=False)
    return Penalty(standard.key, measures, penalty.amount_fen, departure, within)


def _allows(standard: DiscretionSpec) -> str:
    measures = "、".join(PENALTY_MEASURES.get(m, m) for m in standard.measures) or "无"
    if "fine" in standard.measures:
        top = _yuan(standard.max_fen) if standard.max_fen is not None else "?"
        measures += f"（罚款 {_yuan(standard.min_fen)}–{top} 元）"
    return f"{standard.severity}: {measures}"


def _yuan(fen: int) -> str:
    return format(Decimal(fen) / 100, "f").rstrip("0").rstrip(".") if fen % 100 else str(
        fen // 100)
