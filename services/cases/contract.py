"""Translation between the case engine and its contract (sunlight.cases.v1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.common.v1 import common_pb2 as cpb

from services.cases.domain.clock import Calendar, Due, TimeUnit
from services.cases.domain.engine import allowed_actions, incomplete
from services.cases.domain.flow import Mode
from services.cases.domain.model import (
    Assistance,
    AssistanceKind,
    BranchOutcome,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    Decision,
    FeeCharge,
    InstanceStatus,
    ParallelOutcome,
    Party,
    Procedure,
    StepInstance,
    SupplementRequest,
    Urge,
)
from services.cases.domain.progress import Progress, progress
from services.cases.opened_contract import fill_case, fill_event, money_of, penalty_to_pb
from services.shared.working_days import local_day

CASE_STATUS = {
    CaseStatus.SUBMITTED: pb.CASE_STATUS_SUBMITTED,
    CaseStatus.SUPPLEMENT: pb.CASE_STATUS_SUPPLEMENT,
    CaseStatus.IN_PROGRESS: pb.CASE_STATUS_IN_PROGRESS,
    CaseStatus.DECIDED: pb.CASE_STATUS_DECIDED,
    CaseStatus.PUBLISHED: pb.CASE_STATUS_PUBLISHED,
    CaseStatus.COMPLETED: pb.CASE_STATUS_COMPLETED,
    CaseStatus.REJECTED: pb.CASE_STATUS_REJECTED,
    CaseStatus.WITHDRAWN: pb.CASE_STATUS_WITHDRAWN,
    CaseStatus.LAPSED: pb.CASE_STATUS_LAPSED,
}
STEP_STATUS = {InstanceStatus.ACTIVE: pb.STEP_STATUS_ACTIVE,
               InstanceStatus.DONE: pb.STEP_STATUS_DONE,
               InstanceStatus.RETURNED: pb.STEP_STATUS_RETURNED,
               InstanceStatus.CANCELLED: pb.STEP_STATUS_CANCELLED}
MODE = {Mode.IMMEDIATE: cpb.HANDLING_MODE_IMMEDIATE, Mode.PROMISED: cpb.HANDLING_MODE_PROMISED,
        Mode.REPORTED: cpb.HANDLING_MODE_REPORTED, Mode.FILING: cpb.HANDLING_MODE_FILING}
MODE_FROM_PB = {v: k for k, v in MODE.items()}
CHANNEL = {Channel.ONLINE: pb.CHANNEL_ONLINE, Channel.COUNTER: pb.CHANNEL_COUNTER,
           Channel.AGENT: pb.CHANNEL_AGENT, Channel.SYSTEM: pb.CHANNEL_SYSTEM,
           Channel.OPENED: pb.CHANNEL_OPENED}
CHANNEL_FROM_PB = {v: k for k, v in CHANNEL.items()}
UNIT = {TimeUnit.WORKING_DAYS: cpb.TIME_UNIT_WORKING_DAYS,
        TimeUnit.CALENDAR_DAYS: cpb.TIME_UNIT_CALENDAR_DAYS}
OUTCOME = {"approve": pb.DECISION_OUTCOME_APPROVE, "refuse": pb.DECISION_OUTCOME_REFUSE,
           "impose": pb.DECISION_OUTCOME_IMPOSE, "not_impose": pb.DECISION_OUTCOME_NOT_IMPOSE}
OUTCOME_FROM_PB = {v: k for k, v in OUTCOME.items()}
ASSISTANCE = {AssistanceKind.GUIDE: pb.ASSISTANCE_KIND_GUIDE,
              AssistanceKind.ASSIST: pb.ASSISTANCE_KIND_ASSIST}
ASSISTANCE_FROM_PB = {v: k for k, v in ASSISTANCE.items()}


def procedure_kind(value: int) -> str:
    """``extension`` for SPECIAL_PROCEDURE_EXTENSION, and so on."""
    return cpb.SpecialProcedure.Name(value).removeprefix("SPECIAL_PROCEDURE_").lower()


def procedure_number(kind: str) -> int:
    return cpb.SpecialProcedure.Value(f"SPECIAL_PROCEDURE_{kind.upper()}")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def _ts(target: Timestamp, moment: datetime | None) -> None:
    """``target.FromDatetime(moment)`` (a naive time taken as UTC), by datetime arithmetic in
    C: the protobuf runtime's goes through a time tuple and ``calendar.timegm`` in Python,
    and a case answer sets a dozen or more."""
    if moment is not None:
        since = moment - (_NAIVE_EPOCH if moment.utcoffset() is None else _EPOCH)
        target.seconds = since.days * 86400 + since.seconds
        target.nanos = since.microseconds * 1000


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def due_to_pb(due: Due | None) -> pb.Due | None:
    if due is None:
        return None
    return pb.Due(limit_days=due.limit.days, unit=UNIT[due.limit.unit], due_date=_day(due.due),
                  provisional=due.provisional, used=due.used, left=due.left)


def party_to_pb(party: Party | None) -> pb.Applicant | None:
    if party is None:
        return None
    return pb.Applicant(name=party.name, id_type=party.id_type, id_number=party.id_number)


def step_to_pb(instance: StepInstance, index: int, due: Due | None, *,
               internal: bool, urges: int = 0, own: bool = False) -> pb.CaseStep:
    """A step instance; ``own``: as the case's applicant sees it — the position (role) that
    holds it and whether it was claimed, never who."""
    message = pb.CaseStep(
        index=index, instance_id=instance.instance_id, key=instance.key, name=instance.name,
        role=instance.role if internal or own else "",
        claimed=bool(instance.assignee) if internal or own else False,
        limit_days=instance.limit.days,
        limit_unit=UNIT[instance.limit.unit], status=STEP_STATUS[instance.status],
        department=instance.department, region=instance.region, branch=instance.branch,
        stage=instance.stage, assignee=instance.assignee if internal else "",
        handler=instance.completed_by if internal else "",
        opinion=instance.opinion if internal else "",
        department_code=instance.department_code, urges=urges,
        countermeasures=list(instance.countermeasures) if internal else [])
    if due is not None and instance.status is InstanceStatus.ACTIVE:
        message.due_date = _day(due.due)
        message.due_date_provisional = due.provisional
        message.days_left = due.left
    _ts(message.started_at, instance.started_at)
    _ts(message.completed_at, instance.completed_at)
    return message


def procedure_to_pb(p: Procedure) -> pb.Procedure:
    message = pb.Procedure(procedure_id=p.procedure_id, kind=procedure_number(p.kind),
                           reason=p.reason, result=p.result, extension_days=p.extension_days)
    _ts(message.started_at, p.started_at)
    _ts(message.ended_at, p.ended_at)
    return message


def supplement_to_pb(s: SupplementRequest) -> pb.SupplementRequest:
    message = pb.SupplementRequest(request_id=s.request_id, missing=list(s.missing),
                                   due_date=_day(s.due_on))
    _ts(message.requested_at, s.requested_at)
    _ts(message.received_at, s.received_at)
    return message


def urge_to_pb(u: Urge) -> pb.BranchUrge:
    message = pb.BranchUrge(instance_id=u.instance_id, department_code=u.department_code,
                            department=u.department, due_date=_day(u.due_on), note=u.note,
                            by=u.by)
    _ts(message.at, u.at)
    return message


def fee_to_pb(f: FeeCharge) -> pb.FeeCharge:
    message = pb.FeeCharge(fee_id=f.fee_id, name=f.name, quantity=f.quantity,
                           receipt_number=f.receipt_number, waived=f.waived, basis=f.basis,
                           charged_by=f.charged_by)
    if not f.waived:
        message.amount.CopyFrom(money_of(f.amount_fen))
    _ts(message.charged_at, f.charged_at)
    return message


def assistance_to_pb(a: Assistance) -> pb.Assistance:
    message = pb.Assistance(kind=ASSISTANCE[a.kind], note=a.note, by=a.by)
    _ts(message.at, a.at)
    return message


def branch_outcome_to_pb(b: BranchOutcome) -> pb.BranchOutcome:
    message = pb.BranchOutcome(instance_id=b.instance_id, key=b.key, name=b.name,
                               department_code=b.department_code, department=b.department,
                               due_date=_day(b.due_on), days_late=b.days_late, urges=b.urges)
    _ts(message.completed_at, b.completed_at)
    return message


def parallel_outcome_to_pb(o: ParallelOutcome) -> pb.ParallelOutcome:
    message = pb.ParallelOutcome(stage=o.stage, step_key=o.step_key, step_name=o.step_name,
                                 branches=[branch_outcome_to_pb(b) for b in o.branches],
                                 late=len(o.late))
    _ts(message.joined_at, o.joined_at)
    return message


def urge_counts(case: Case) -> dict[str, int]:
    """How many times each step instance was urged (催办)."""
    counts: dict[str, int] = {}
    for urge in case.urges:
        counts[urge.instance_id] = counts.get(urge.instance_id, 0) + 1
    return counts


def decision_to_pb(d: Decision, *, internal: bool) -> pb.Decision:
    message = pb.Decision(outcome=OUTCOME[d.outcome], reasons=d.reasons,
                          legal_basis=list(d.legal_basis), document_number=d.document_number,
                          certificate=d.certificate, valid_until=_day(d.valid_until),
                          decided_by=d.decided_by if internal else "")
    if d.penalty is not None:
        message.penalty.CopyFrom(penalty_to_pb(d.penalty))
    _ts(message.decided_at, d.decided_at)
    return message


def case_to_pb(case: Case, calendar: Calendar, today: date, *, internal: bool,
               own: bool = False) -> pb.Case:
    """The case as its contract shows it; ``internal`` adds the applicant's identity, the
    agent, roles, handlers, assignees, opinions, and the service centre's records: its help
    to the applicant, its urges and the outcome of each parallel stage. ``own``: the view of
    the case's own applicant or agent — their identities, and each step's position (role)
    and whether it was claimed, but no handler's name, opinion or internal record."""
    where = progress(case, calendar, today)
    running = {r.instance.instance_id: r.due for r in where.running}
    urged = urge_counts(case) if internal else {}
    message = pb.Case(
        case_number=case.number, region=case.region, item_id=case.item.item_id,
        item_version=case.item.version, item_code=case.item.code, item_name=case.item.name,
        department=case.item.department, department_code=case.item.department_code,
        status=CASE_STATUS[case.status],
        steps=[step_to_pb(i, n, running.get(i.instance_id), internal=internal,
                          urges=urged.get(i.instance_id, 0), own=own)
               for n, i in enumerate(case.instances)],
        promised_limit_days=case.promised.days if case.promised else 0, mode=MODE[case.mode],
        channel=CHANNEL[case.channel],
        materials=materials_to_pb(case, files=internal),
        procedures=[procedure_to_pb(p) for p in case.procedures],
        supplements=[supplement_to_pb(s) for s in case.supplements],
        clock=pb.Clock(stopped=case.clock.stopped, stopped_since=_day(where.stopped_since),
                       stopped_because=where.stopped_because),
        next_steps=list(where.next_steps), allowed_actions=list(allowed_actions(case)),
        reason=case.reason, sequence=case.sequence,
        missing_materials=incomplete(case) if case.status in (
            CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT) else [])
    _promised_fields(message, where)
    message.own_view = own and not internal
    if internal or own:
        message.applicant.CopyFrom(party_to_pb(case.applicant))
        if case.agent is not None:
            message.agent.CopyFrom(party_to_pb(case.agent))
    if internal:
        message.assistance.extend(assistance_to_pb(a) for a in case.assistance)
        message.urges.extend(urge_to_pb(u) for u in case.urges)
        message.parallel_outcomes.extend(parallel_outcome_to_pb(o)
                                         for o in case.parallel_outcomes)
        message.fees.extend(fee_to_pb(f) for f in case.fees)
        message.query_code = case.query_code
        message.agent_authorisation = case.agent_authorisation
        for field, link in (("reported_to", case.reported_to),
                            ("reported_from", case.reported_from)):
            if link is not None:
                target = getattr(message, field)
                target.MergeFrom(pb.ReportLink(
                    node=link.node, case_number=link.case_number,
                    instance_id=link.instance_id, trace_seq=link.trace_seq,
                    trace_hash=link.trace_hash))
                _ts(target.returned_at, link.returned_at)
    if case.decision is not None:
        message.decision.CopyFrom(decision_to_pb(case.decision, internal=internal))
    if case.opened:
        fill_case(message, case, internal=internal, own=own, calendar=calendar)
    _ts(message.submitted_at, case.submitted_at)
    _ts(message.accepted_at, case.accepted_at)
    _ts(message.completed_at, case.closed_at)
    return message


def _promised_fields(message: pb.Case | pb.CaseEvent, where: Progress) -> None:
    if where.promised is not None:
        message.promised.CopyFrom(due_to_pb(where.promised))
        message.due_date = _day(where.promised.due)
        message.due_date_provisional = where.promised.provisional
    if where.statutory is not None:
        message.statutory.CopyFrom(due_to_pb(where.statutory))


def materials_to_pb(case: Case, *, files: bool) -> list[pb.MaterialGiven]:
    """The materials handed in, by key; with ``files``, each with its electronic files (a
    material given only as files is listed too)."""
    given = [pb.MaterialGiven(key=k, originals=o, copies=c) for k, o, c in case.materials]
    if not files:
        return given
    by_key = {m.key: m for m in given}
    for f in case.files:
        material = by_key.get(f.key)
        if material is None:
            material = by_key[f.key] = pb.MaterialGiven(key=f.key)
            given.append(material)
        material.files.add(sha256=f.sha256, name=f.name, media_type=f.media_type,
                           size=f.size)
    return given


def for_applicant(message: pb.Case, case: Case) -> pb.Case:
    """The answer to the applicant (or agent) who just submitted ``case`` online: the public
    view with what is theirs — who applied, the files they handed in, the query code of
    their receipt."""
    message.applicant.CopyFrom(party_to_pb(case.applicant))
    if case.agent is not None:
        message.agent.CopyFrom(party_to_pb(case.agent))
    del message.materials[:]
    message.materials.extend(materials_to_pb(case, files=True))
    message.query_code = case.query_code
    message.agent_authorisation = case.agent_authorisation
    return message


def event_to_pb(case: Case, event: CaseEvent, calendar: Calendar, *, role: str,
                department: str, department_code: str = "") -> pb.CaseEvent:
    """The data of the event on the broker: the state after it, for supervision.
    ``department`` and ``department_code``: the name and code of the department the handler
    acted for."""
    where = progress(case, calendar, local_day(event.at))
    running = {r.instance.instance_id: r.due for r in where.running}
    index = {i.instance_id: n for n, i in enumerate(case.instances)}
    urged = urge_counts(case)
    message = pb.CaseEvent(
        case_number=case.number, region=case.region, item_id=case.item.item_id,
        item_version=case.item.version, item_code=case.item.code,
        department=case.item.department, department_code=case.item.department_code,
        sequence=case.sequence,
        status=CASE_STATUS[case.status], handler=event.by, handler_role=role,
        handler_department=department, handler_department_code=department_code,
        mode=MODE[case.mode], channel=CHANNEL[case.channel],
        promised_limit_days=case.promised.days if case.promised else 0,
        statutory_limit_days=case.statutory.days if case.statutory else 0,
        step_count=len(case.item.stages),
        active_steps=[step_to_pb(r.instance, index[r.instance.instance_id], r.due,
                                 internal=True, urges=urged.get(r.instance.instance_id, 0))
                      for r in where.running],
        clock=pb.Clock(stopped=case.clock.stopped, stopped_since=_day(where.stopped_since),
                       stopped_because=where.stopped_because),
        steps_completed=sum(1 for i in case.instances
                            if i.status is InstanceStatus.DONE and i.stage >= 0))
    _promised_fields(message, where)
    instance_id = getattr(event, "instance_id", "") or (
        event.instance.instance_id if getattr(event, "instance", None) else "")
    if instance_id:
        instance = case.instance(instance_id)
        message.step.CopyFrom(step_to_pb(instance, index[instance_id],
                                         running.get(instance_id), internal=True,
                                         urges=urged.get(instance_id, 0)))
    for name in ("opinion", "reason", "reason_code"):
        value = getattr(event, name, "")
        if value:
            setattr(message, name, value)
    if getattr(event, "reasons", ""):  # a rejection's reasons (不予受理 / 不予立案的理由)
        message.reason = event.reasons  # type: ignore[attr-defined]
    if getattr(event, "complete", False):
        message.complete_application = True
    if case.decision is not None and event.type == "case.decided":
        message.decision.CopyFrom(decision_to_pb(case.decision, internal=True))
    if event.type.startswith("case.procedure_"):
        message.procedure.CopyFrom(procedure_to_pb(case.procedures[-1]))
    if event.type.startswith("case.supplement_"):
        message.supplement.CopyFrom(supplement_to_pb(case.supplements[-1]))
    if event.type == "case.step_returned":
        message.returned_to = getattr(event, "to_key", "")
    if event.type == "case.reassigned":
        message.reassigned_to = getattr(event, "to", "")
    if event.type == "case.branch_urged":
        message.urge.CopyFrom(urge_to_pb(case.urges[-1]))
        message.opinion = case.urges[-1].note
    if event.type == "case.fee_charged":
        message.fee.CopyFrom(fee_to_pb(case.fees[-1]))
    if event.type == "case.applicant_assisted":
        message.assistance.CopyFrom(assistance_to_pb(case.assistance[-1]))
        message.opinion = case.assistance[-1].note
    outcome = getattr(event, "outcome", None)
    if event.type == "case.branches_joined" and outcome is not None:
        message.parallel_outcome.CopyFrom(parallel_outcome_to_pb(outcome))
    if case.opened:
        fill_event(message, case, event)
    _ts(message.accepted_at, case.accepted_at)
    _ts(message.submitted_at, case.submitted_at)
    return message
