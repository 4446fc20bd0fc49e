"""The case engine (行政权力运行基础平台): ``decide(case, command, actor, now, calendar) →
events`` and ``evolve(case, event) → case``. A case is the fold of its events; every rule is
here, pure (the working-day calendar is given: due dates and lateness count on it).

Lifecycle: application → acceptance check (materials complete?) → accept / reject (reasons; a
complete application refused needs a reason code) / ask for supplements (补正: the clock stands
still until they arrive or the applicant's time runs out) → the stages of the flow, parallel
branches joining before the next → a return to an earlier step makes new instances of it →
special procedures stop the clock → decision (approve / refuse, reasons and legal basis) →
result published → completed (办结). The applicant may withdraw before the decision.

Who acts: the holder of a step's position (岗位) in the step's department and region — the
department by its unified social credit code, never its name; window staff of the service
centre (综合窗口) accept for every department of their government; the one who accepted does
not decide (per item); nobody acts on a case they applied for; a high-risk step is handled by
the department's head; supervisors reassign.

The government service centre (政务服务中心) is an actor of its own:

- it **leads parallel approvals** (服务中心协调并联审批): its window staff — and supervisors —
  see every running branch of a parallel stage, whatever its department, and urge (催办) a
  branch with a note (``case.branch_urged``: the branch instance, its department, its due date,
  who urged); when the stage's branches join, ``case.branches_joined`` records the outcome:
  each branch's due date, when it was completed, how many days late, how often it was urged;
- it **guides or assists applicants** (领办 / 帮办): window staff record each time they did,
  with a note (``case.applicant_assisted``), from the application until the case is completed.

Fees (收费) are charged at the counter — the fee's name as the item publishes it, the amount
in yuan to the fen, how many units, the receipt's number — or waived (免收) on a stated basis
(``case.fee_charged``). The engine records what was charged and refuses nothing for its
amount: comparing it with the item's published standard is supervision's job. A step whose
integrity risk points (廉政风险点) the item publishes ends with the countermeasures (防范措施)
its handler carried out, as the item words them (``complete_step`` and ``decide``:
``countermeasures``, optional — a department system and a step without risk points state
none); a text the step does not publish is refused, a missing one is not: supervision warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from services.cases.domain.clock import Calendar, Limit
from services.cases.domain.flow import ItemSnapshot, Mode, StepKind, StepSpec
from services.cases.domain.frozen import replace
from services.cases.domain.model import (
    FINAL,
    Accepted,
    ApplicantAssisted,
    Assistance,
    AssistanceKind,
    BranchesJoined,
    BranchOutcome,
    BranchUrged,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    ClockRestarted,
    ClockStopped,
    Completed,
    Decided,
    Decision,
    DecisionReturned,
    FeeCharge,
    FeeCharged,
    HandedUp,
    InstanceStatus,
    Lapsed,
    MaterialFile,
    Opened,
    ParallelOutcome,
    Party,
    Penalty,
    Procedure,
    ProcedureEnded,
    ProcedureStarted,
    Reassigned,
    Rejected,
    ReportLink,
    ReportReceived,
    ResultPublished,
    StepClaimed,
    StepCompleted,
    StepInstance,
    StepReleased,
    StepReturned,
    StepStarted,
    Submitted,
    SupplementReceived,
    SupplementRequest,
    SupplementRequested,
    Urge,
    Withdrawn,
)
from services.shared.departments import shown
from services.shared.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.shared.regions import covers, parent
from services.shared.working_days import local_day

MAX_TEXT = 2000
#: a fee's name, a receipt's number, a countermeasure: at most so many characters
MAX_FEE_NAME = 200
MAX_RECEIPT_NUMBER = 64
MAX_COUNTERMEASURE = 1000
MAX_COUNTERMEASURES = 20
#: units one fee charge may count (e.g. certificates)
MAX_FEE_QUANTITY = 1000
#: the special procedure that lengthens the limits instead of stopping the clock
EXTENSION = "extension"
MAX_EXTENSION_DAYS = 30
#: electronic materials of one application: at most so many files, each at most so big
MAX_FILES = 100
MAX_FILE_SIZE = 100 * 1024 * 1024
MAX_FILE_NAME = 200
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}\Z")
MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]{1,100}\Z")
#: the position (岗位) of a department's head (主要负责人): high-risk steps are theirs
HEAD = "head"


class RecordedRefusal(Exception):  # noqa: N818 - a refusal, carrying what it records
    """A command refused whose attempt is itself recorded: ``events`` go to the trace and the
    outbox (the case does not move), then ``error`` answers the caller — e.g. a penalty
    outside its discretion standard without a written justification."""

    def __init__(self, error: DomainError, events: list[CaseEvent]) -> None:
        super().__init__(error.message)
        self.error, self.events = error, events


@dataclass(frozen=True)
class Actor:
    """Who acts, as the engine needs to know them."""

    subject: str
    regions: tuple[str, ...] = ()
    #: the unified social credit code of the department the actor works for
    department: str | None = None
    #: positions (岗位) held in the department: the step roles the actor may take
    positions: frozenset[str] = frozenset()
    window: bool = False       # window staff of the government service centre (综合窗口)
    supervisor: bool = False   # 监察人员: reassigns, acts on no step
    admin: bool = False        # the node's operators: hold every position
    system: bool = False       # a department's own system: acts for that department only
    #: a citizen or enterprise signed in (a public token): (id_type, id_number) of who they are
    identity: tuple[str, str] | None = None

    def acts_for(self, region: str) -> bool:
        return any(covers(scope, region) for scope in self.regions)

    def holds(self, instance: StepInstance) -> bool:
        """May take the step: its position in its department (by code), for its region."""
        if not self.acts_for(instance.region):
            return False
        if self.admin:
            return True
        return (self.works_for(instance.department_code)
                and (instance.role in self.positions or self.system))

    def works_for(self, department_code: str) -> bool:
        """The actor's department is the one with this code (an unknown code is nobody's)."""
        return bool(department_code) and self.department == department_code


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submit:
    number: str
    region: str
    item: ItemSnapshot
    mode: Mode
    applicant: Party
    channel: Channel
    materials: tuple[tuple[str, int, int], ...] = ()
    agent: Party | None = None
    files: tuple[MaterialFile, ...] = ()
    query_code: str = ""
    agent_authorisation: str = ""


@dataclass(frozen=True)
class Accept:
    opinion: str = ""


@dataclass(frozen=True)
class Reject:
    reasons: str
    reason_code: str = ""


@dataclass(frozen=True)
class RequestSupplement:
    missing: tuple[str, ...]
    due_on: date


@dataclass(frozen=True)
class ReceiveSupplement:
    materials: tuple[tuple[str, int, int], ...]
    files: tuple[MaterialFile, ...] = ()


@dataclass(frozen=True)
class Lapse:
    pass


@dataclass(frozen=True)
class Claim:
    instance_id: str


@dataclass(frozen=True)
class Release:
    instance_id: str


@dataclass(frozen=True)
class Reassign:
    instance_id: str
    to: str


@dataclass(frozen=True)
class CompleteStep:
    instance_id: str
    opinion: str = ""
    #: the step's risk countermeasures (防范措施) carried out, as the item words them
    countermeasures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Return:
    instance_id: str
    to_key: str
    reason: str


@dataclass(frozen=True)
class StartProcedure:
    kind: str
    reason: str
    extension_days: int = 0


@dataclass(frozen=True)
class EndProcedure:
    result: str


@dataclass(frozen=True)
class Decide:
    outcome: str  # "approve" | "refuse"
    reasons: str = ""
    legal_basis: tuple[str, ...] = ()
    document_number: str = ""
    certificate: str = ""
    valid_until: date | None = None
    #: an opened penalty case: the circumstance, measures and amount (checked against the
    #: item's discretion standard)
    penalty: Penalty | None = None
    #: the decision step's risk countermeasures (防范措施) carried out
    countermeasures: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublishResult:
    pass


@dataclass(frozen=True)
class Complete:
    pass


@dataclass(frozen=True)
class Withdraw:
    reason: str = ""


@dataclass(frozen=True)
class UrgeBranch:
    """催办: the service centre presses a running parallel branch's department."""

    instance_id: str
    note: str


@dataclass(frozen=True)
class Assist:
    """领办 / 帮办: window staff record that they guided or assisted the applicant."""

    kind: str  # "guide" | "assist"
    note: str


@dataclass(frozen=True)
class ChargeFee:
    """收费 / 免收: a fee charged at the counter, or waived on a stated basis."""

    name: str                    # the fee as the item publishes it
    amount_fen: int = 0          # charged, in fen; 0 when waived
    quantity: int = 0            # units charged for; 0: one
    receipt_number: str = ""
    waived: bool = False
    basis: str = ""              # a waiver's basis (免收依据)


Command = (Submit | Accept | Reject | RequestSupplement | ReceiveSupplement | Lapse | Claim
           | Release | Reassign | CompleteStep | Return | StartProcedure | EndProcedure | Decide
           | PublishResult | Complete | Withdraw | UrgeBranch | Assist | ChargeFee)

#: the action name of each command, as refusals and allowed-action lists name them
ACTION = {Submit: "submit", Accept: "accept", Reject: "reject",
          RequestSupplement: "request_supplement", ReceiveSupplement: "receive_supplement",
          Lapse: "lapse", Claim: "claim", Release: "release", Reassign: "reassign",
          CompleteStep: "complete_step", Return: "return_step", StartProcedure: "start_procedure",
          EndProcedure: "end_procedure", Decide: "decide", PublishResult: "publish_result",
          Complete: "complete", Withdraw: "withdraw", UrgeBranch: "urge", Assist: "assist",
          ChargeFee: "charge_fee"}

#: actions each status allows (some further need an active step, a stopped clock, …)
ALLOWED: dict[CaseStatus, tuple[str, ...]] = {
    CaseStatus.SUBMITTED: ("accept", "reject", "request_supplement", "claim", "release",
                           "reassign", "withdraw", "assist", "charge_fee"),
    CaseStatus.SUPPLEMENT: ("receive_supplement", "reject", "lapse", "withdraw", "assist"),
    CaseStatus.IN_PROGRESS: ("claim", "release", "reassign", "complete_step", "return_step",
                             "request_supplement", "start_procedure", "end_procedure",
                             "decide", "withdraw", "urge", "assist", "charge_fee"),
    CaseStatus.DECIDED: ("publish_result", "assist", "charge_fee"),
    CaseStatus.PUBLISHED: ("complete", "assist", "charge_fee"),
}


def allowed_actions(case: Case) -> tuple[str, ...]:
    """What may be done to the case now (whoever does it)."""
    if case.opened:
        return enforcement.allowed(case)
    actions = ALLOWED.get(case.status, ())
    if case.reported_from is not None:  # 上报件 from the node below: its decision only
        actions = tuple(a for a in actions if a in reported.RECEIVED_ACTIONS)
    elif case.awaiting_decision_above:  # the decision is with the node above
        return tuple(a for a in actions if a in reported.AWAITING_ACTIONS)
    if case.status is CaseStatus.IN_PROGRESS:
        decision_active = any(_spec(case, i).kind is StepKind.DECISION for i in case.active
                              if i.stage >= 0)
        procedure = case.open_procedure is not None
        branch_running = any(i.branch for i in case.active)
        actions = tuple(a for a in actions if not (
            (a == "decide" and (not decision_active or procedure))
            or (a == "urge" and not branch_running)
            or (a == "complete_step" and decision_active and len(case.active) == 1)
            or (a == "end_procedure" and not procedure)
            or (a in ("start_procedure", "request_supplement") and case.clock.stopped)))
    if case.status is CaseStatus.SUPPLEMENT and case.open_supplement is not None and (
            case.open_supplement.resume is not CaseStatus.SUBMITTED):
        actions = tuple(a for a in actions if a != "reject")  # accepted already
    return actions


# --- decide -----------------------------------------------------------------------------------


def decide(case: Case | None, command: object, actor: Actor, now: datetime,
           calendar: Calendar | None = None) -> list[CaseEvent]:
    """The events a command causes; raises when the case or the actor does not allow it
    (:class:`RecordedRefusal` when the attempt is recorded all the same). ``calendar``: the
    working-day calendar the limits count on (due dates, lateness, an opened case's
    periods); the commands that count days need it."""
    if isinstance(command, Submit | enforcement.Open):
        if case is not None:
            raise Conflict(f"case {case.number} exists already", code="CASE_EXISTS")
        if isinstance(command, enforcement.Open):
            return enforcement.open_case(command, actor, now)
        return _submit(command, actor, now)
    if case is None:
        raise NotFound("there is no such case", code="CASE_NOT_FOUND")
    action = action_of(command)
    instance_id = getattr(command, "instance_id", None)
    if instance_id is not None:
        _active(case, instance_id)  # a step done meanwhile: say so, whatever else holds
    if action not in allowed_actions(case):
        if case.opened and isinstance(command, CompleteStep) and (
                refusal := enforcement.own_action(case, command.instance_id)) is not None:
            raise refusal  # the step ends with an action of its own: say which
        raise _not_now(case, action)
    if case.opened and type(command) in enforcement.OVERRIDES:
        return enforcement.OVERRIDES[type(command)](  # type: ignore[operator]
            case, command, actor, now, calendar)
    if type(command) in enforcement.HANDLERS:
        return enforcement.HANDLERS[type(command)](  # type: ignore[operator]
            case, command, actor, now, calendar)
    if isinstance(command, CompleteStep | UrgeBranch):  # they count days
        return _COUNTING[type(command)](case, command, actor, now, _needs(calendar))
    return _HANDLERS[type(command)](case, command, actor, now)  # type: ignore[operator]


def _not_now(case: Case, action: str) -> FailedPrecondition:
    possible = allowed_actions(case)
    return FailedPrecondition(
        f"case {case.number} is {case.status.value}: {action} is not possible now; possible: "
        + (", ".join(possible) or "nothing, the case is closed"),
        code="ACTION_NOT_ALLOWED",
        metadata={"status": case.status.value, "action": action, "allowed": ",".join(possible)})


def _text(value: str, field: str, *, required: bool = True) -> str:
    if required and not value.strip():
        raise InvalidArgument.of_field(field, "required")
    if len(value) > MAX_TEXT:
        raise InvalidArgument.of_field(field, f"at most {MAX_TEXT} characters")
    return value.strip()


def _submit(command: Submit, actor: Actor, now: datetime) -> list[CaseEvent]:
    item = command.item.validate()
    if item.opened:
        raise FailedPrecondition(
            f"cases of item {item.item_id} are opened by the government (立案), not applied "
            "for", code="ITEM_OPENED_BY_GOVERNMENT")
    if command.mode not in item.modes:
        raise FailedPrecondition(
            f"item {item.item_id} is handled as {', '.join(sorted(m.value for m in item.modes))},"
            f" not {command.mode.value}", code="MODE_NOT_ALLOWED",
            metadata={"mode": command.mode.value})
    if command.region != item.region:
        raise FailedPrecondition(
            f"item {item.item_id} is exercised by region {item.region}, not {command.region}: "
            "a case is handled by the government that holds the power",
            code="REGION_MISMATCH", metadata={"item_region": item.region})
    if command.channel is Channel.AGENT and command.agent is None:
        raise InvalidArgument.of_field("agent", "an application by an agent (代办) names the "
                                                "agent")
    applicant = command.applicant.validate("applicant")
    agent = command.agent.validate("agent") if command.agent is not None else None
    _known_materials(item, command.materials)
    files = _files(item, command.files)
    authorisation = _text(command.agent_authorisation, "agent_authorisation",
                          required=False)
    if authorisation and agent is None:
        raise InvalidArgument.of_field("agent_authorisation",
                                       "only an application by an agent (代办) states one")
    submitted = Submitted(now, actor.subject, command.number, command.region, item,
                          command.mode, applicant, agent, command.channel, command.materials,
                          files, command.query_code, authorisation)
    events: list[CaseEvent] = [submitted]
    acceptance = item.acceptance
    if acceptance is not None:
        case = evolve(None, submitted)
        events.append(StepStarted(now, actor.subject, _instance(
            case, acceptance, -1, "", now, len(case.instances) + 1)))
    return events


def _accept(case: Case, command: Accept, actor: Actor, now: datetime) -> list[CaseEvent]:
    _may_accept(case, actor)
    missing = incomplete(case)
    if missing:
        raise FailedPrecondition(
            "the application is not complete: " + "; ".join(missing)
            + " — ask for supplements (补正) instead", code="MATERIALS_INCOMPLETE",
            metadata={"missing": ",".join(missing)})
    events: list[CaseEvent] = [Accepted(now, actor.subject, _text(command.opinion, "opinion",
                                                                  required=False))]
    if case.mode is Mode.FILING:
        return [*events, Completed(now, actor.subject)]
    accepted = evolve(case, events[0])
    return events + _start_stage(accepted, 0, now, actor.subject)


def _reject(case: Case, command: Reject, actor: Actor, now: datetime) -> list[CaseEvent]:
    _may_accept(case, actor)
    reasons = _text(command.reasons, "reasons")
    complete = not incomplete(case)
    if complete and not command.reason_code.strip():
        raise InvalidArgument.of_field(
            "reason_code", "refusing a complete application needs a reason code (e.g. "
                           "NOT_IN_SCOPE, NOT_QUALIFIED): supervision reviews such refusals")
    return [Rejected(now, actor.subject, command.reason_code.strip(), reasons, complete)]


def _request_supplement(case: Case, command: RequestSupplement, actor: Actor, now: datetime
                        ) -> list[CaseEvent]:
    if case.status is CaseStatus.SUBMITTED:
        _may_accept(case, actor)
    else:
        _holder_of_some_step(case, actor)
    if not command.missing:
        raise InvalidArgument.of_field("missing", "list the materials to supplement")
    if command.due_on <= local_day(now):
        raise InvalidArgument.of_field("due_on", "a day after today: the applicant's time to "
                                                 "supplement")
    request_id = f"r{len(case.supplements) + 1}"
    return [SupplementRequested(now, actor.subject, request_id, tuple(command.missing),
                                command.due_on),
            ClockStopped(now, actor.subject, "supplement", request_id)]


def _receive_supplement(case: Case, command: ReceiveSupplement, actor: Actor, now: datetime
                        ) -> list[CaseEvent]:
    """补正: staff record the materials handed in at the counter, or the applicant (or their
    agent) declares them — and uploads their files — from their own case page; either way
    the clock runs again. Files join the case's electronic materials, as an online
    application's do."""
    if not is_applicant(case, actor):
        _staff_of(case, actor)
    _known_materials(case.item, command.materials)
    if not command.materials:
        raise InvalidArgument.of_field("materials", "the materials received")
    files = _files(case.item, command.files)
    if len(case.files) + len(files) > MAX_FILES:
        raise InvalidArgument.of_field("materials.files", f"at most {MAX_FILES} files a case")
    return [SupplementReceived(now, actor.subject, tuple(command.materials), files),
            ClockRestarted(now, actor.subject)]


def _lapse(case: Case, command: Lapse, actor: Actor, now: datetime) -> list[CaseEvent]:
    request = case.open_supplement
    assert request is not None
    if local_day(now) <= request.due_on:
        raise FailedPrecondition(f"the applicant has until {request.due_on} to supplement",
                                 code="NOT_YET_LAPSED", metadata={"due_on": str(request.due_on)})
    return [Lapsed(now, actor.subject)]


def _claim(case: Case, command: Claim, actor: Actor, now: datetime) -> list[CaseEvent]:
    instance = _active(case, command.instance_id)
    _may_take(case, instance, actor)
    if instance.assignee and instance.assignee != actor.subject:
        raise Conflict(f"step {instance.name} is taken by {instance.assignee}",
                       code="STEP_TAKEN", metadata={"assignee": instance.assignee})
    if instance.assignee == actor.subject:
        return []
    return [StepClaimed(now, actor.subject, instance.instance_id)]


def _release(case: Case, command: Release, actor: Actor, now: datetime) -> list[CaseEvent]:
    instance = _active(case, command.instance_id)
    if instance.assignee != actor.subject and not actor.supervisor:
        raise FailedPrecondition(f"step {instance.name} is not yours to hand back",
                                 code="NOT_ASSIGNEE")
    return [StepReleased(now, actor.subject, instance.instance_id)] if instance.assignee else []


def _reassign(case: Case, command: Reassign, actor: Actor, now: datetime) -> list[CaseEvent]:
    if not (actor.supervisor or actor.admin) or not actor.acts_for(case.region):
        raise _denied(actor, "only a supervisor of the case's region reassigns a step")
    instance = _active(case, command.instance_id)
    to = _text(command.to, "to")
    return [Reassigned(now, actor.subject, instance.instance_id, to)]


def _complete_step(case: Case, command: CompleteStep, actor: Actor, now: datetime,
                   calendar: Calendar) -> list[CaseEvent]:
    instance = _active(case, command.instance_id)
    if instance.stage < 0:
        raise FailedPrecondition("the acceptance step ends by accepting or rejecting",
                                 code="USE_ACCEPT")
    if _spec(case, instance).kind is StepKind.DECISION and not instance.branch:
        raise FailedPrecondition("the decision step ends with the decision",
                                 code="USE_DECIDE")
    _may_act(case, instance, actor)
    opinion = _text(command.opinion, "opinion", required=False)
    stated = countermeasures_of(case, instance, command.countermeasures)
    events: list[CaseEvent] = [StepCompleted(now, actor.subject, instance.instance_id, opinion,
                                             stated)]
    return events + _advance(case, evolve(case, events[0]), instance, now, actor.subject,
                             calendar)


def _advance(case: Case, after: Case, instance: StepInstance, now: datetime, by: str,
             calendar: Calendar | None) -> list[CaseEvent]:
    """What follows a step's end (``after``: the case once it ended): when its stage has no
    step running any more, its branches join (with the outcome of the parallel stage) and
    the next stage starts — or, the last stage of an opened case done, the case is closed
    (结案)."""
    if any(i.stage == instance.stage for i in after.active):
        return []
    events: list[CaseEvent] = []
    if _spec(case, instance).branches:
        events.append(BranchesJoined(now, by, instance.stage, parallel_outcome(
            after, instance.stage, now, _needs(calendar))))
    if instance.stage + 1 < len(case.item.stages):
        events += _start_stage(after, instance.stage + 1, now, by)
    elif case.opened and _spec(case, instance).kind is not StepKind.DECISION:
        events.append(Completed(now, by))
    return events


def _return(case: Case, command: Return, actor: Actor, now: datetime) -> list[CaseEvent]:
    instance = _active(case, command.instance_id)
    if instance.stage < 0 or instance.branch:
        raise FailedPrecondition("a case is returned from a step of its flow, not from "
                                 "acceptance or a branch", code="RETURN_NOT_POSSIBLE")
    spec = _spec(case, instance)
    if command.to_key not in spec.returns_to:
        raise FailedPrecondition(
            f"step {spec.name} may return to: {', '.join(spec.returns_to) or 'no step'}",
            code="RETURN_NOT_ALLOWED", metadata={"returns_to": ",".join(spec.returns_to)})
    _may_act(case, instance, actor)
    reason = _text(command.reason, "reason")
    returned = StepReturned(now, actor.subject, instance.instance_id, command.to_key, reason)
    return [returned, *_start_stage(evolve(case, returned),
                                    case.item.stage_of(command.to_key), now, actor.subject)]


def _start_procedure(case: Case, command: StartProcedure, actor: Actor, now: datetime
                     ) -> list[CaseEvent]:
    _holder_of_some_step(case, actor)
    if command.kind not in case.item.procedures:
        raise FailedPrecondition(
            f"item {case.item.item_id} allows no special procedure {command.kind!r} (allowed: "
            + (", ".join(sorted(case.item.procedures)) or "none") + ")",
            code="PROCEDURE_NOT_ALLOWED", metadata={"kind": command.kind})
    reason = _text(command.reason, "reason")
    procedure_id = f"p{len(case.procedures) + 1}"
    if command.kind == EXTENSION:
        # Licensing Law art. 42: the limit is extended, with the head's approval; the clock
        # runs on
        if HEAD not in actor.positions and not actor.admin:
            raise _denied(actor, "an extension needs the approval of the department's head")
        if not 1 <= command.extension_days <= MAX_EXTENSION_DAYS:
            raise InvalidArgument.of_field(
                "extension_days", f"1 to {MAX_EXTENSION_DAYS} working days")
        return [ProcedureStarted(now, actor.subject, procedure_id, command.kind, reason,
                                 command.extension_days)]
    if command.extension_days:
        raise InvalidArgument.of_field("extension_days", "only an extension adds days")
    return [ProcedureStarted(now, actor.subject, procedure_id, command.kind, reason),
            ClockStopped(now, actor.subject, command.kind, procedure_id)]


def _end_procedure(case: Case, command: EndProcedure, actor: Actor, now: datetime
                   ) -> list[CaseEvent]:
    _holder_of_some_step(case, actor)
    procedure = case.open_procedure
    assert procedure is not None
    result = _text(command.result, "result")
    return [ProcedureEnded(now, actor.subject, procedure.procedure_id, result),
            ClockRestarted(now, actor.subject)]


def _decide(case: Case, command: Decide, actor: Actor, now: datetime) -> list[CaseEvent]:
    instance = next(i for i in case.active if i.stage >= 0 and not i.branch
                    and _spec(case, i).kind is StepKind.DECISION)
    if any(i.stage == instance.stage and i.branch for i in case.active):
        raise FailedPrecondition("the branches of the decision stage have not joined yet",
                                 code="BRANCHES_OPEN")
    _may_act(case, instance, actor)
    if case.item.separate_acceptance_and_decision and actor.subject == case.accepted_by:
        raise FailedPrecondition(
            f"{actor.subject} accepted case {case.number} and may not decide it: who accepts "
            "does not decide", code="SEPARATION_OF_DUTIES")
    if command.outcome not in ("approve", "refuse"):
        raise InvalidArgument.of_field("outcome", "approve or refuse")
    reasons = _text(command.reasons, "reasons", required=command.outcome == "refuse")
    if command.outcome == "refuse" and not any(b.strip() for b in command.legal_basis):
        raise InvalidArgument.of_field("legal_basis", "a refusal cites its legal basis")
    decision = Decision(command.outcome, reasons,
                        tuple(b.strip() for b in command.legal_basis if b.strip()),
                        command.document_number.strip(), command.certificate.strip(),
                        command.valid_until, now, actor.subject)
    events: list[CaseEvent] = [Decided(now, actor.subject, instance.instance_id, decision,
                                       countermeasures_of(case, instance,
                                                          command.countermeasures))]
    if case.reported_from is not None:
        # 上报件 decided for the node below: this node's part is done; the decision goes
        # back and the case continues there
        events.append(Completed(now, actor.subject))
    return events


def _publish_result(case: Case, command: PublishResult, actor: Actor, now: datetime
                    ) -> list[CaseEvent]:
    _staff_of(case, actor)
    return [ResultPublished(now, actor.subject)]


def _complete(case: Case, command: Complete, actor: Actor, now: datetime) -> list[CaseEvent]:
    _staff_of(case, actor)
    return [Completed(now, actor.subject)]


def _withdraw(case: Case, command: Withdraw, actor: Actor, now: datetime) -> list[CaseEvent]:
    applicant = (actor.subject == case.submitted_by and case.channel in (
        Channel.ONLINE, Channel.AGENT)) or is_applicant(case, actor)
    if not applicant:
        _staff_of(case, actor)  # staff record a withdrawal the applicant handed in
    return [Withdrawn(now, actor.subject, _text(command.reason, "reason", required=False))]


def _urge(case: Case, command: UrgeBranch, actor: Actor, now: datetime,
          calendar: Calendar) -> list[CaseEvent]:
    """催办: window staff leading the parallel approval, or a supervisor, of the case's
    region press a running branch's department, with a note."""
    if not ((actor.window or actor.supervisor or actor.admin)
            and actor.acts_for(case.region)):
        raise _denied(actor, "only the service centre's window staff and the supervisors of "
                             f"region {case.region} urge a parallel branch (催办)")
    instance = _active(case, command.instance_id)
    if not instance.branch:
        raise FailedPrecondition(
            f"step {instance.name} ({instance.instance_id}) is not a parallel branch: the "
            "service centre urges the branches of a parallel approval (并联审批)",
            code="NOT_A_BRANCH", metadata={"instance_id": instance.instance_id})
    note = _text(command.note, "note")
    due = case.clock.due(instance.started_on, instance.limit, calendar, local_day(now))
    return [BranchUrged(now, actor.subject, instance.instance_id, note,
                        instance.department_code, instance.department, due.due)]


def _assist(case: Case, command: Assist, actor: Actor, now: datetime) -> list[CaseEvent]:
    """领办 / 帮办: window staff of the case's region record how they helped the applicant."""
    if not ((actor.window or actor.admin) and actor.acts_for(case.region)):
        raise _denied(actor, "only the service centre's window staff of region "
                             f"{case.region} guide or assist applicants (领办 / 帮办)")
    _not_a_party(case, actor)
    try:
        kind = AssistanceKind(command.kind)
    except ValueError:
        raise InvalidArgument.of_field("kind", "guide (领办) or assist (帮办)") from None
    return [ApplicantAssisted(now, actor.subject, kind, _text(command.note, "note"))]


def _charge_fee(case: Case, command: ChargeFee, actor: Actor, now: datetime
                ) -> list[CaseEvent]:
    """收费 / 免收: staff of the case's department (or the service centre's window staff)
    record a fee charged — its name, amount, units and receipt — or waived on a basis. The
    amount is not compared with the published standard here: supervision does that."""
    _staff_of(case, actor)
    _not_a_party(case, actor)
    name = _text(command.name, "name")
    if len(name) > MAX_FEE_NAME:
        raise InvalidArgument.of_field("name", f"at most {MAX_FEE_NAME} characters")
    if not 0 <= command.quantity <= MAX_FEE_QUANTITY:
        raise InvalidArgument.of_field("quantity", f"1 to {MAX_FEE_QUANTITY} (0: one)")
    receipt = command.receipt_number.strip()
    if len(receipt) > MAX_RECEIPT_NUMBER:
        raise InvalidArgument.of_field("receipt_number",
                                       f"at most {MAX_RECEIPT_NUMBER} characters")
    basis = _text(command.basis, "basis", required=command.waived)
    if command.amount_fen < 0:
        raise InvalidArgument.of_field("amount", "not negative")
    if command.waived:
        if command.amount_fen or receipt:
            raise InvalidArgument.of_field(
                "amount" if command.amount_fen else "receipt_number",
                "a fee waived (免收) charges nothing and has no receipt")
    else:
        if not command.amount_fen:
            raise InvalidArgument.of_field(
                "amount", "the amount charged, in yuan to the fen (a fee not charged is "
                          "waived: waived, with its basis)")
        if not receipt:
            raise InvalidArgument.of_field("receipt_number",
                                           "required: the number of the receipt (收费票据)")
        if any(f.receipt_number == receipt for f in case.fees):
            raise Conflict(f"receipt {receipt} is recorded on case {case.number} already",
                           code="RECEIPT_RECORDED", metadata={"receipt_number": receipt})
    fee = FeeCharge(f"f{len(case.fees) + 1}", name, command.amount_fen,
                    command.quantity or 1, receipt, command.waived, basis, now, actor.subject)
    return [FeeCharged(now, actor.subject, fee)]


def countermeasures_of(case: Case, instance: StepInstance, given: tuple[str, ...]
                       ) -> tuple[str, ...]:
    """The countermeasures (防范措施) a handler says they carried out in completing
    ``instance``, each once: where the item publishes the step's countermeasures, each must
    be one of them, word for word; none stated is not refused (supervision warns when a
    high-risk step's are missing)."""
    stated = tuple(dict.fromkeys(c.strip() for c in given if c.strip()))
    if len(stated) > MAX_COUNTERMEASURES:
        raise InvalidArgument.of_field("countermeasures", f"at most {MAX_COUNTERMEASURES}")
    for n, text in enumerate(stated):
        if len(text) > MAX_COUNTERMEASURE:
            raise InvalidArgument.of_field(f"countermeasures[{n}]",
                                           f"at most {MAX_COUNTERMEASURE} characters")
    published = () if instance.branch or instance.stage < 0 else (
        _spec(case, instance).countermeasures)
    unknown = [c for c in stated if published and c not in published]
    if unknown:
        raise InvalidArgument.of_field(
            "countermeasures", f"not countermeasures of step {instance.name}: "
            + "; ".join(unknown) + " (it publishes: " + "; ".join(published) + ")",
            code="UNKNOWN_COUNTERMEASURE")
    return stated


def parallel_outcome(case: Case, stage: int, now: datetime, calendar: Calendar
                     ) -> ParallelOutcome:
    """How the branches of ``stage``'s latest pass went, once they all joined: each one's
    due date, when it was completed, the days it was late then, how often it was urged."""
    own = max(n for n, i in enumerate(case.instances) if i.stage == stage and not i.branch)
    spec = case.item.stages[stage]
    urged: dict[str, int] = {}
    for urge in case.urges:
        urged[urge.instance_id] = urged.get(urge.instance_id, 0) + 1
    branches = []
    for instance in case.instances[own + 1:]:
        if instance.stage != stage or not instance.branch:
            continue
        done_on = local_day(instance.completed_at) if instance.completed_at else local_day(now)
        due = case.clock.due(instance.started_on, instance.limit, calendar, done_on)
        branches.append(BranchOutcome(
            instance.instance_id, instance.key, instance.name, instance.department_code,
            instance.department, due.due, instance.completed_at, max(0, -due.left),
            urged.get(instance.instance_id, 0)))
    return ParallelOutcome(stage, spec.key, spec.name, now, tuple(branches))


_HANDLERS = {Accept: _accept, Reject: _reject, RequestSupplement: _request_supplement,
             ReceiveSupplement: _receive_supplement, Lapse: _lapse, Claim: _claim,
             Release: _release, Reassign: _reassign,
             Return: _return, StartProcedure: _start_procedure,
             EndProcedure: _end_procedure, Decide: _decide, PublishResult: _publish_result,
             Complete: _complete, Withdraw: _withdraw, Assist: _assist,
             ChargeFee: _charge_fee}
#: the handlers that count days on the calendar
_COUNTING = {CompleteStep: _complete_step, UrgeBranch: _urge}


# --- who may ----------------------------------------------------------------------------------


def _denied(actor: Actor, why: str) -> PermissionDenied:
    return PermissionDenied(f"{actor.subject}: {why}", code="NOT_YOURS")


def is_applicant(case: Case, actor: Actor) -> bool:
    """The actor signed in as the case's applicant or its agent (a citizen's or enterprise's
    own identity, never staff acting for them); never for a case the government opened."""
    if actor.identity is None or case.opened:
        return False
    return any(party is not None and (party.id_type, party.id_number.upper()) == actor.identity
               for party in (case.applicant, case.agent))


def _not_a_party(case: Case, actor: Actor) -> None:
    if actor.subject == case.submitted_by and case.channel in (Channel.ONLINE, Channel.AGENT):
        raise _denied(actor, f"applied for case {case.number} (as applicant or agent) and "
                             "may not act on it")


def _may_accept(case: Case, actor: Actor) -> None:
    _not_a_party(case, actor)
    acceptance = next((i for i in case.active if i.stage < 0), None)
    if actor.window and actor.acts_for(case.region):
        return  # the service centre accepts for every department of its government
    if acceptance is not None:
        _may_take(case, acceptance, actor)
        return
    if not (actor.admin or actor.works_for(case.item.department_code)) or (
            not actor.acts_for(case.region)):
        raise _denied(actor, f"accepts no applications for {_item_department(case)} of "
                             f"{case.region}")


def _may_take(case: Case, instance: StepInstance, actor: Actor) -> None:
    _not_a_party(case, actor)
    if not actor.holds(instance):
        raise _denied(actor, f"step {instance.name} belongs to {instance.role} of "
                             f"{shown(instance.department_code, instance.department)} "
                             f"({instance.region})")
    if instance.high_risk and HEAD not in actor.positions and not actor.admin:
        raise _denied(actor, f"step {instance.name} carries a high integrity risk: the head "
                             f"of {shown(instance.department_code, instance.department)} "
                             "handles it (主要领导直接管理)")


def _may_act(case: Case, instance: StepInstance, actor: Actor) -> None:
    _may_take(case, instance, actor)
    if instance.assignee and instance.assignee != actor.subject:
        raise Conflict(f"step {instance.name} is taken by {instance.assignee}",
                       code="STEP_TAKEN", metadata={"assignee": instance.assignee})


def _holder_of_some_step(case: Case, actor: Actor) -> None:
    if not any(actor.holds(i) for i in case.active):
        raise _denied(actor, f"holds none of the running steps of case {case.number}")
    _not_a_party(case, actor)


def _staff_of(case: Case, actor: Actor) -> None:
    if not actor.acts_for(case.region) or not (
            actor.admin or actor.window or actor.works_for(case.item.department_code)):
        raise _denied(actor, f"is not staff of {_item_department(case)} of {case.region}")


def _item_department(case: Case) -> str:
    return shown(case.item.department_code, case.item.department)


# --- helpers ----------------------------------------------------------------------------------


def _known_materials(item: ItemSnapshot, given: tuple[tuple[str, int, int], ...]) -> None:
    known = {m.key for m in item.materials}
    unknown = sorted({key for key, _, _ in given} - known)
    if unknown:
        raise InvalidArgument.of_field("materials", "not materials of this item: "
                                       + ", ".join(unknown) + " (known: "
                                       + (", ".join(sorted(known)) or "none") + ")")


def _files(item: ItemSnapshot, files: tuple[MaterialFile, ...]) -> tuple[MaterialFile, ...]:
    """Electronic materials: each for a material of the item, named by a SHA-256 digest."""
    if len(files) > MAX_FILES:
        raise InvalidArgument.of_field("materials.files", f"at most {MAX_FILES} files")
    known = {m.key for m in item.materials}
    checked = []
    for n, f in enumerate(files):
        where = f"materials.files[{n}]"
        if f.key not in known:
            raise InvalidArgument.of_field(f"{where}.key", f"not a material of this item: "
                                           f"{f.key}")
        if not SHA256_HEX.match(f.sha256):
            raise InvalidArgument.of_field(f"{where}.sha256", "64 hexadecimal digits")
        name = f.name.strip()
        if not name or len(name) > MAX_FILE_NAME or any(ord(c) < 32 for c in name):
            raise InvalidArgument.of_field(f"{where}.name", f"1 to {MAX_FILE_NAME} "
                                           "printable characters")
        if not MEDIA_TYPE.match(f.media_type) or not 0 < f.size <= MAX_FILE_SIZE:
            raise InvalidArgument.of_field(where, "a media type (type/subtype) and a size "
                                           f"of 1 to {MAX_FILE_SIZE} bytes")
        checked.append(replace(f, sha256=f.sha256.lower(), name=name))
    return tuple(checked)


def incomplete(case: Case) -> list[str]:
    """What the mandatory materials lack: the automatic completeness check (材料完整性).
    A material handed in as an electronic file (an online application's upload) counts as
    given in full: its originals are seen when the result is collected."""
    given: dict[str, tuple[int, int]] = {}
    for key, originals, copies in case.materials:
        o, c = given.get(key, (0, 0))
        given[key] = (o + originals, c + copies)
    electronic = {f.key for f in case.files}
    missing = []
    for spec in case.item.materials:
        if not spec.mandatory or spec.key in electronic:
            continue
        originals, copies = given.get(spec.key, (0, 0))
        if spec.key not in given:
            missing.append(f"{spec.name} ({spec.key})")
        elif originals < spec.originals or copies < spec.copies:
            missing.append(f"{spec.name} ({spec.key}): {spec.originals} originals and "
                           f"{spec.copies} copies needed, {originals} and {copies} given")
    return missing


def _spec(case: Case, instance: StepInstance) -> StepSpec:
    return case.item.step(instance.key.split("/", 1)[0])


def _active(case: Case, instance_id: str) -> StepInstance:
    try:
        instance = case.instance(instance_id)
    except KeyError:
        raise NotFound(f"case {case.number} has no step {instance_id}",
                       code="STEP_NOT_FOUND") from None
    if instance.status is not InstanceStatus.ACTIVE:
        raise Conflict(f"step {instance.name} ({instance_id}) is {instance.status.value}",
                       code="STEP_NOT_ACTIVE", metadata={"status": instance.status.value})
    return instance


def _limit(case: Case, limit: Limit) -> Limit:
    return Limit(0, limit.unit) if case.mode is Mode.IMMEDIATE else limit


def _instance(case: Case, spec: StepSpec, stage: int, branch: str, now: datetime,
              ordinal: int) -> StepInstance:
    branch_spec = next((b for b in spec.branches if b.key == branch), None)
    region = case.region
    if case.mode is Mode.REPORTED and spec.kind is StepKind.DECISION:
        region = parent(case.region) or case.region  # 上报件: decided one level up
    code, department = case.item.department_of(spec, branch_spec)
    return StepInstance(
        instance_id=f"s{ordinal}",
        key=spec.key if branch_spec is None else f"{spec.key}/{branch_spec.key}",
        name=spec.name if branch_spec is None else branch_spec.name,
        stage=stage, branch=branch, department=department,
        region=region, role=branch_spec.role if branch_spec else spec.role,
        limit=_limit(case, branch_spec.limit if branch_spec else spec.limit),
        started_at=now, high_risk=spec.high_risk and branch_spec is None,
        department_code=code)


def _start_stage(case: Case, stage: int, now: datetime, by: str) -> list[CaseEvent]:
    spec = case.item.stages[stage]
    ordinal = len(case.instances)
    events: list[CaseEvent] = []
    for branch in ("", *(b.key for b in spec.branches)):
        ordinal += 1
        events.append(StepStarted(now, by, _instance(case, spec, stage, branch, now, ordinal)))
    return events


# --- evolve -----------------------------------------------------------------------------------


def evolve(case: Case | None, event: CaseEvent) -> Case:
    """The case after ``event``."""
    if isinstance(event, Submitted):
        assert event.item is not None and event.applicant is not None
        new = Case(number=event.number, region=event.region, item=event.item,
                   mode=event.mode, applicant=event.applicant, channel=event.channel,
                   submitted_at=event.at, submitted_by=event.by, agent=event.agent,
                   materials=event.materials, sequence=1, files=event.files,
                   query_code=event.query_code,
                   agent_authorisation=event.agent_authorisation)
        if isinstance(event, Opened):
            new = replace(new, parties=event.parties, facts=event.facts, source=event.source,
                          legal_basis=event.legal_basis, evidence=event.evidence)
        if isinstance(event, ReportReceived):  # 上报件 from the node below: to decide
            new = replace(new, status=CaseStatus.IN_PROGRESS, accepted_at=event.at,
                          reported_from=ReportLink(
                              event.from_node, event.from_case, event.from_instance,
                              event.from_trace_hash, event.from_trace_seq))
        return new
    assert case is not None, f"{event.type} before the case was submitted"
    case = replace(case, sequence=case.sequence + 1)
    day = local_day(event.at)
    match event:
        case StepStarted(instance=instance):
            assert instance is not None
            started = replace(instance, started_at=event.at)
            return replace(case, instances=(*case.instances, started),
                           stage=started.stage if started.stage >= 0 else case.stage)
        case Accepted():
            return replace(_finish(case, lambda i: i.stage < 0, event, InstanceStatus.DONE),
                           status=CaseStatus.IN_PROGRESS, accepted_at=event.at,
                           accepted_by=event.by)
        case Rejected():
            return _close(case, CaseStatus.REJECTED, event, event.reasons)
        case SupplementRequested():
            assert event.due_on is not None
            request = SupplementRequest(event.request_id, event.missing, event.due_on,
                                        event.at, resume=case.status)
            return replace(case, status=CaseStatus.SUPPLEMENT,
                           supplements=(*case.supplements, request))
        case SupplementReceived():
            request = case.open_supplement
            assert request is not None
            return replace(case, status=request.resume,
                           materials=(*case.materials, *event.materials),
                           files=(*case.files, *event.files),
                           supplements=(*case.supplements[:-1],
                                        replace(request, received_at=event.at)))
        case Lapsed():
            return _close(case, CaseStatus.LAPSED, event, "逾期未补正")
        case StepClaimed(instance_id=iid):
            return _with_instance(case, iid, assignee=event.by)
        case StepReleased(instance_id=iid):
            return _with_instance(case, iid, assignee="")
        case Reassigned(instance_id=iid, to=to):
            return _with_instance(case, iid, assignee=to)
        case StepCompleted(instance_id=iid, opinion=opinion):
            return _with_instance(case, iid, status=InstanceStatus.DONE, completed_at=event.at,
                                  completed_by=event.by, opinion=opinion,
                                  countermeasures=event.countermeasures)
        case StepReturned(instance_id=iid, reason=reason):
            stage = case.instance(iid).stage
            returned = _finish(case, lambda i: i.stage == stage, event,
                               InstanceStatus.RETURNED, opinion=reason)
            return replace(returned, stage=case.item.stage_of(event.to_key))
        case BranchesJoined(outcome=outcome):
            if outcome is None:
                return case
            return replace(case, parallel_outcomes=(*case.parallel_outcomes, outcome))
        case BranchUrged():
            urge = Urge(event.instance_id, event.note, event.at, event.by,
                        event.department_code, event.department, event.due_on)
            return replace(case, urges=(*case.urges, urge))
        case FeeCharged(fee=fee):
            assert fee is not None
            return replace(case, fees=(*case.fees, fee))
        case ApplicantAssisted():
            return replace(case, assistance=(*case.assistance, Assistance(
                event.kind, event.note, event.at, event.by)))
        case ClockStopped(reason=reason, ref=ref):
            return replace(case, clock=case.clock.stop(day, reason, ref))
        case ClockRestarted():
            return replace(case, clock=case.clock.restart(day))
        case ProcedureStarted(procedure_id=pid, kind=kind, reason=reason,
                              extension_days=days) if days:
            done = Procedure(pid, kind, reason, event.at, event.by, event.at,
                             f"延长 {days} 个工作日", days)
            return replace(case, procedures=(*case.procedures, done),
                           extension_days=case.extension_days + days)
        case ProcedureStarted(procedure_id=pid, kind=kind, reason=reason):
            return replace(case, procedures=(*case.procedures,
                                             Procedure(pid, kind, reason, event.at, event.by)))
        case ProcedureEnded(result=result):
            procedure = case.open_procedure
            assert procedure is not None
            return replace(case, procedures=(*case.procedures[:-1], replace(
                procedure, ended_at=event.at, result=result)))
        case Decided(instance_id=iid, decision=decision):
            done = _with_instance(case, iid, status=InstanceStatus.DONE,
                                  completed_at=event.at, completed_by=event.by,
                                  opinion=decision.reasons if decision else "",
                                  countermeasures=event.countermeasures)
            return replace(done, status=CaseStatus.DECIDED, decision=decision)
        case ResultPublished():
            return replace(case, status=CaseStatus.PUBLISHED)
        case Completed():
            return replace(case, status=CaseStatus.COMPLETED, closed_at=event.at)
        case Withdrawn():
            return _close(case, CaseStatus.WITHDRAWN, event, event.reason)
        case HandedUp():
            return replace(case, reported_to=ReportLink(event.to_region,
                                                        instance_id=event.instance_id))
        case DecisionReturned():
            assert case.reported_to is not None
            return replace(case, reported_to=replace(
                case.reported_to, case_number=event.case_number, trace_hash=event.trace_hash,
                trace_seq=event.trace_seq, returned_at=event.at))
    opened = enforcement.evolve_opened(case, event)
    if opened is not None:
        return opened
    raise ValueError(f"no rule for {event.type}")


def fold(events: list[CaseEvent]) -> Case:
    """A case from its events, oldest first."""
    case: Case | None = None
    for event in events:
        case = evolve(case, event)
    assert case is not None, "no events"
    return case


def _with_instance(case: Case, instance_id: str, **changes: object) -> Case:
    return replace(case, instances=tuple(
        replace(i, **changes) if i.instance_id == instance_id else i  # type: ignore[arg-type]
        for i in case.instances))


def _finish(case: Case, which, event: CaseEvent, status: InstanceStatus,  # type: ignore[no-untyped-def]
            opinion: str = "") -> Case:
    return replace(case, instances=tuple(
        replace(i, status=status, completed_at=event.at, completed_by=event.by,
                opinion=opinion or i.opinion)
        if i.status is InstanceStatus.ACTIVE and which(i) else i for i in case.instances))


def _close(case: Case, status: CaseStatus, event: CaseEvent, reason: str) -> Case:
    assert status in FINAL
    closed = _finish(case, lambda i: True, event, InstanceStatus.CANCELLED)
    clock = closed.clock.restart(local_day(event.at)) if closed.clock.stopped else closed.clock
    return replace(closed, status=status, closed_at=event.at, reason=reason, clock=clock)


def _needs(calendar: Calendar | None) -> Calendar:
    if calendar is None:
        raise RuntimeError("counting days needs the working-day calendar")
    return calendar


def action_of(command: object) -> str:
    """The action name of a command (of a case applied for, or of one opened)."""
    return ACTION.get(type(command)) or enforcement.ACTIONS[type(command)]  # type: ignore[index]


# Cases the government opens (立案) extend the engine: their commands, their own handling of
# accept / reject / decide / complete_step, their events. Imported last (it uses the names
# above) and used only when called, so either module may be imported first.
from services.cases.domain import enforcement, reported  # noqa: E402
