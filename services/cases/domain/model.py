"""A case (办件) as the fold of its events: its state, and the events that change it.

Every change of a case is an event; ``engine.evolve`` applies one to the state, ``engine.decide``
turns a command into events. The state is immutable: each event gives a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from services.cases.domain.clock import Clock, Limit
from services.cases.domain.flow import ItemSnapshot, Mode
from services.cases.domain.frozen import replace
from services.shared.codes import CodeCheck, check_credit_code, check_resident_id
from services.shared.errors import InvalidArgument
from services.shared.working_days import local_day

MAX_PARTY_NAME_LENGTH = 200
#: identity number checks by type: GB 11643 resident ID, GB 32100 credit code
ID_TYPES: dict[str, Callable[[str], CodeCheck]] = {"id_card": check_resident_id,
                                                   "credit_code": check_credit_code}


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"          # 已申请: awaiting the acceptance check
    SUPPLEMENT = "supplement"        # 补正中: materials asked for, the clock stands still
    IN_PROGRESS = "in_progress"      # 办理中: accepted, running through its stages
    DECIDED = "decided"              # 已决定
    PUBLISHED = "published"          # 结果已公开
    COMPLETED = "completed"          # 办结
    REJECTED = "rejected"            # 不予受理
    WITHDRAWN = "withdrawn"          # 申请人撤回
    LAPSED = "lapsed"                # 逾期未补正，申请失效


FINAL = frozenset({CaseStatus.COMPLETED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN,
                   CaseStatus.LAPSED})


class InstanceStatus(StrEnum):
    ACTIVE = "active"        # running (claimed or not)
    DONE = "done"            # completed
    RETURNED = "returned"    # left when the case was returned to an earlier step
    CANCELLED = "cancelled"  # left when the case ended otherwise (withdrawn, lapsed, …)


class Channel(StrEnum):
    ONLINE = "online"        # the applicant online (网上申请)
    COUNTER = "counter"      # at a counter, entered by staff (窗口)
    AGENT = "agent"          # by an agent (代办), both recorded
    SYSTEM = "system"        # from a department's own system
    OPENED = "opened"        # opened by the government itself (立案): nobody applied


@dataclass(frozen=True)
class Party:
    """An applicant or an agent: a person (resident ID) or an organisation (credit code)."""

    name: str
    id_type: str  # "id_card" | "credit_code"
    id_number: str

    def validate(self, field: str = "applicant") -> Party:
        """The party with its identity number checked — a resident ID number by GB 11643
        (address code, birth date, check character), a credit code by GB 32100 — and
        normalised (upper case); InvalidArgument (INVALID_CODE) names what is wrong."""
        if not self.name.strip():
            raise InvalidArgument.of_field(f"{field}.name", "required")
        if len(self.name) > MAX_PARTY_NAME_LENGTH:
            raise InvalidArgument.of_field(f"{field}.name",
                                           f"at most {MAX_PARTY_NAME_LENGTH} characters")
        check = ID_TYPES.get(self.id_type)
        if check is None:
            raise InvalidArgument.of_field(
                f"{field}.id_type", "'id_card' (居民身份证) or 'credit_code' (统一社会信用代码)")
        if not self.id_number.strip():
            raise InvalidArgument.of_field(f"{field}.id_number", "required")
        return replace(self, name=self.name.strip(),
                       id_number=check(self.id_number).raise_for_errors(f"{field}.id_number"))


@dataclass(frozen=True)
class MaterialFile:
    """An electronic material handed in with an online application (电子材料): the file the
    applicant uploaded, by its SHA-256 digest (the file itself is kept by the hall's storage,
    content-addressed by that digest), with its name, media type and size."""

    key: str          # the material of the item it is for
    sha256: str       # hex, lower case
    name: str
    media_type: str
    size: int


@dataclass(frozen=True)
class StepInstance:
    """One pass of a step (or of a branch of it) in one case; a return makes a new one."""

    instance_id: str
    key: str
    name: str
    stage: int          # -1: the acceptance step
    branch: str         # "" for the stage's own step, else the branch key
    department: str     # its name, for people
    region: str         # the government that handles it (the one above, for a reported case)
    role: str
    limit: Limit
    started_at: datetime
    status: InstanceStatus = InstanceStatus.ACTIVE
    assignee: str = ""
    completed_at: datetime | None = None
    completed_by: str = ""
    opinion: str = ""
    high_risk: bool = False
    #: the handling department's unified social credit code: who may take the step is
    #: decided by it; empty: unknown (stated when a state stored before codes is read)
    department_code: str = ""
    #: the integrity risk countermeasures (防范措施) its handler stated they carried out when
    #: completing it, as the item words them
    countermeasures: tuple[str, ...] = ()

    @property
    def started_on(self) -> date:
        return local_day(self.started_at)


@dataclass(frozen=True)
class Procedure:
    """A special procedure (特别程序, GB/T 39046): extension, hearing, expert review, …"""

    procedure_id: str
    kind: str
    reason: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None = None
    result: str = ""
    extension_days: int = 0


@dataclass(frozen=True)
class SupplementRequest:
    """Materials the applicant must supplement (补正), by when."""

    request_id: str
    missing: tuple[str, ...]
    due_on: date
    requested_at: datetime
    received_at: datetime | None = None
    resume: CaseStatus = CaseStatus.SUBMITTED


@dataclass(frozen=True)
class Penalty:
    """What a penalty decision imposes, in the circumstance of a discretion standard
    (裁量基准): its measures and a fine's amount in fen (分)."""

    circumstance: str                # the standard's key
    measures: tuple[str, ...]        # code_tables.PENALTY_MEASURES
    amount_fen: int = 0
    #: outside what the standard allows for the circumstance: why, in writing
    departure: str = ""
    within_standard: bool = True


@dataclass(frozen=True)
class Decision:
    #: "approve" | "refuse" (a case applied for); "impose" | "not_impose" (an opened case:
    #: the penalty or measure is imposed, or not — 不予处罚)
    outcome: str
    reasons: str
    legal_basis: tuple[str, ...]
    document_number: str = ""    # 文书编号
    certificate: str = ""        # 证照名称
    valid_until: date | None = None
    decided_at: datetime | None = None
    decided_by: str = ""
    penalty: Penalty | None = None


@dataclass(frozen=True)
class Evidence:
    """Evidence gathered (证据, 《行政处罚法》 art. 46): its kind, what it is, and the SHA-256
    of its file where there is one."""

    evidence_id: str
    kind: str                    # code_tables.EVIDENCE_KINDS
    description: str
    sha256: str = ""
    recorded_at: datetime | None = None
    recorded_by: str = ""


@dataclass(frozen=True)
class Notification:
    """The party told of the intended decision and of their rights (告知, art. 44): to state
    and defend (陈述、申辩) and, where art. 63 gives it, to ask for a hearing by a day."""

    notified_on: date
    intended: str                # the intended decision, in words
    penalty: Penalty | None = None
    hearing_right: bool = False
    #: the last day the party may ask for a hearing (art. 64: within 5 working days)
    hearing_due_on: date | None = None
    notified_at: datetime | None = None
    notified_by: str = ""


@dataclass(frozen=True)
class Statement:
    """What the party said in their statement and defence (陈述、申辩), as recorded."""

    at: datetime
    by: str
    text: str


@dataclass(frozen=True)
class Hearing:
    """A hearing (听证) the party asked for: scheduled with at least 7 working days' notice
    (art. 64), held by someone who did not investigate the case."""

    requested_on: date
    requested_at: datetime
    procedure_id: str = ""
    scheduled_on: date | None = None
    place: str = ""
    host: str = ""
    noticed_on: date | None = None
    held_at: datetime | None = None
    record: str = ""             # 听证笔录, in short
    outcome: str = ""
    party_appeared: bool = True


@dataclass(frozen=True)
class Participant:
    name: str
    position: str = ""


@dataclass(frozen=True)
class Opinion:
    participant: str             # a participant's name
    opinion: str


@dataclass(frozen=True)
class CollectiveReview:
    """A meeting that decides (集体讨论 / 会审会): who sat, each one's opinion, the minutes and
    the outcome — kept with the case for filing with discipline inspection (纪检监察备案)."""

    review_id: str
    held_on: date
    participants: tuple[Participant, ...]
    opinions: tuple[Opinion, ...]
    minutes: str
    outcome: str
    recorded_at: datetime | None = None
    recorded_by: str = ""


@dataclass(frozen=True)
class Service:
    """How and when a decision was served on the party (送达)."""

    method: str                  # code_tables.SERVICE_METHODS
    served_on: date
    recipient: str
    note: str = ""


class AssistanceKind(StrEnum):
    """How the service centre helped the applicant."""

    GUIDE = "guide"    # 领办: took the applicant through the application
    ASSIST = "assist"  # 帮办: helped prepare it


@dataclass(frozen=True)
class Assistance:
    """Window staff guided or assisted the applicant (领办 / 帮办)."""

    kind: AssistanceKind
    note: str
    at: datetime
    by: str


@dataclass(frozen=True)
class FeeCharge:
    """A fee charged at the counter (收费), or waived (免收) on a stated basis. The engine
    records what was charged; whether it matches the item's published standard (收费标准)
    is supervision's to judge."""

    fee_id: str                  # "f1", "f2", … within the case
    name: str                    # the published fee's name (收费项目)
    amount_fen: int              # charged, in fen (分); 0 when waived
    quantity: int = 1            # units charged for (e.g. two certificates)
    receipt_number: str = ""     # the receipt's number (收费票据号)
    waived: bool = False
    basis: str = ""              # why it was waived (免收依据)
    charged_at: datetime | None = None
    charged_by: str = ""


@dataclass(frozen=True)
class Urge:
    """The service centre urged a running parallel branch (催办)."""

    instance_id: str
    note: str
    at: datetime
    by: str
    department_code: str = ""
    department: str = ""
    #: the branch's due date when urged (None while the clock stood still)
    due_on: date | None = None


@dataclass(frozen=True)
class BranchOutcome:
    """How one branch of a joined parallel stage went."""

    instance_id: str
    key: str
    name: str
    department_code: str
    department: str
    due_on: date | None
    completed_at: datetime | None
    #: days (in the branch's unit) past its due date when it was completed; 0: on time
    days_late: int = 0
    urges: int = 0


@dataclass(frozen=True)
class ParallelOutcome:
    """A parallel approval the service centre led (服务中心协调并联审批), recorded when its
    stage's branches joined: which branches ran late, how often each was urged."""

    stage: int
    step_key: str
    step_name: str
    joined_at: datetime
    branches: tuple[BranchOutcome, ...] = ()

    @property
    def late(self) -> tuple[BranchOutcome, ...]:
        return tuple(b for b in self.branches if b.days_late > 0)


@dataclass(frozen=True)
class ReportLink:
    """上报件 across nodes: the case on the other node this one is linked to.

    On the child node (``Case.reported_to``): the decision step handed up — its instance,
    the region the decision belongs to, the hash of the trace entry that recorded the
    hand-over — and, once the decision came back, the parent node's case and the hash of
    its trace entry for the decision. On the parent node (``Case.reported_from``): the child
    node's region, case, decision step and the hash of its hand-over entry."""

    node: str                 # the other node's region (the child's; the parent region)
    case_number: str = ""     # the other node's case ("" until known)
    instance_id: str = ""     # the child's decision step instance
    trace_hash: str = ""      # the other node's trace entry (hand-over; decision)
    trace_seq: int = 0
    #: (child node) when the decision came back; None: still awaited
    returned_at: datetime | None = None


@dataclass(frozen=True)
class Case:
    number: str
    region: str
    item: ItemSnapshot
    mode: Mode
    applicant: Party
    channel: Channel
    submitted_at: datetime
    submitted_by: str
    status: CaseStatus = CaseStatus.SUBMITTED
    agent: Party | None = None
    materials: tuple[tuple[str, int, int], ...] = ()  # (key, originals, copies) provided
    instances: tuple[StepInstance, ...] = ()
    stage: int = -1           # the stage running; -1 before acceptance
    accepted_at: datetime | None = None
    accepted_by: str = ""
    clock: Clock = field(default_factory=Clock)
    procedures: tuple[Procedure, ...] = ()
    supplements: tuple[SupplementRequest, ...] = ()
    decision: Decision | None = None
    #: working days added to the case's limits by extensions (延长审批期限)
    extension_days: int = 0
    closed_at: datetime | None = None  # completed, rejected, withdrawn or lapsed
    reason: str = ""                   # of a rejection, withdrawal or lapse
    sequence: int = 0
    # --- a case the government opens (立案); ``applicant`` is then its first party
    parties: tuple[Party, ...] = ()    # 当事人
    facts: str = ""                    # 案情: the facts recorded at opening
    source: str = ""                   # 案件来源, code_tables.CASE_SOURCES
    legal_basis: tuple[str, ...] = ()  # cited at opening, from the item's own list
    evidence: tuple[Evidence, ...] = ()
    notification: Notification | None = None
    statements: tuple[Statement, ...] = ()
    hearing: Hearing | None = None
    hearing_waived: bool = False
    reviews: tuple[CollectiveReview, ...] = ()
    service: Service | None = None

    @property
    def opened(self) -> bool:
        """Opened by the government (立案), not applied for."""
        return self.channel is Channel.OPENED

    #: the service centre's help to the applicant (领办 / 帮办), oldest first
    assistance: tuple[Assistance, ...] = ()
    #: urges of parallel branches (催办), oldest first
    urges: tuple[Urge, ...] = ()
    #: the outcome of each parallel stage that joined, oldest first
    parallel_outcomes: tuple[ParallelOutcome, ...] = ()
    #: fees charged or waived (收费 / 免收), oldest first
    fees: tuple[FeeCharge, ...] = ()
    #: the electronic materials of an online application, by their digests (电子材料)
    files: tuple[MaterialFile, ...] = ()
    #: the query code (查询码) printed on the applicant's receipt: with the case number, it
    #: lets the applicant look the case up without signing in; made for every application
    #: (online or at a counter), empty for cases opened before there were query codes and
    #: for cases the government opens (立案)
    query_code: str = ""
    #: an agent's (代办人) relationship to the applicant and authorisation, as they stated it
    agent_authorisation: str = ""
    #: 上报件 across nodes: (child node) the decision handed up to the node above;
    #: (parent node) the child node's case this one decides
    reported_to: ReportLink | None = None
    reported_from: ReportLink | None = None

    @property
    def awaiting_decision_above(self) -> bool:
        """The decision step was handed up and its decision has not come back."""
        return self.reported_to is not None and self.reported_to.returned_at is None

    @property
    def active(self) -> tuple[StepInstance, ...]:
        return tuple(i for i in self.instances if i.status is InstanceStatus.ACTIVE)

    def instance(self, instance_id: str) -> StepInstance:
        for candidate in self.instances:
            if candidate.instance_id == instance_id:
                return candidate
        raise KeyError(instance_id)

    @property
    def open_supplement(self) -> SupplementRequest | None:
        last = self.supplements[-1] if self.supplements else None
        return last if last is not None and last.received_at is None else None

    @property
    def promised(self) -> Limit | None:
        """The promised limit with the extensions granted (the same day for an immediate
        case); None where the item declares none."""
        if self.mode is Mode.IMMEDIATE:
            return Limit(0)
        return self._extended(self.item.promised)

    @property
    def statutory(self) -> Limit | None:
        return self._extended(self.item.statutory)

    def _extended(self, limit: Limit | None) -> Limit | None:
        return None if limit is None else Limit(limit.days + self.extension_days, limit.unit)

    @property
    def open_procedure(self) -> Procedure | None:
        last = self.procedures[-1] if self.procedures else None
        return last if last is not None and last.ended_at is None else None


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseEvent:
    """Something that happened to a case; ``type`` is the event type on the broker."""

    type: ClassVar[str]
    at: datetime
    by: str


@dataclass(frozen=True)
class Submitted(CaseEvent):
    type: ClassVar[str] = "case.submitted"
    number: str = ""
    region: str = ""
    item: ItemSnapshot | None = None
    mode: Mode = Mode.PROMISED
    applicant: Party | None = None
    agent: Party | None = None
    channel: Channel = Channel.ONLINE
    materials: tuple[tuple[str, int, int], ...] = ()
    files: tuple[MaterialFile, ...] = ()
    query_code: str = ""
    agent_authorisation: str = ""


@dataclass(frozen=True)
class StepStarted(CaseEvent):
    type: ClassVar[str] = "case.step_started"
    instance: StepInstance | None = None


@dataclass(frozen=True)
class Accepted(CaseEvent):
    type: ClassVar[str] = "case.accepted"
    opinion: str = ""


@dataclass(frozen=True)
class Rejected(CaseEvent):
    type: ClassVar[str] = "case.rejected"
    reason_code: str = ""
    reasons: str = ""
    #: the application was complete: supervision looks at such rejections
    complete: bool = False


@dataclass(frozen=True)
class SupplementRequested(CaseEvent):
    type: ClassVar[str] = "case.supplement_requested"
    request_id: str = ""
    missing: tuple[str, ...] = ()
    due_on: date | None = None


@dataclass(frozen=True)
class SupplementReceived(CaseEvent):
    type: ClassVar[str] = "case.supplement_received"
    materials: tuple[tuple[str, int, int], ...] = ()
    # the electronic files handed in with them (uploaded from the applicant's case page)
    files: tuple[MaterialFile, ...] = ()


@dataclass(frozen=True)
class Lapsed(CaseEvent):
    type: ClassVar[str] = "case.lapsed"


@dataclass(frozen=True)
class StepClaimed(CaseEvent):
    type: ClassVar[str] = "case.step_claimed"
    instance_id: str = ""


@dataclass(frozen=True)
class StepReleased(CaseEvent):
    type: ClassVar[str] = "case.step_released"
    instance_id: str = ""


@dataclass(frozen=True)
class Reassigned(CaseEvent):
    type: ClassVar[str] = "case.reassigned"
    instance_id: str = ""
    to: str = ""


@dataclass(frozen=True)
class StepCompleted(CaseEvent):
    type: ClassVar[str] = "case.step_completed"
    instance_id: str = ""
    opinion: str = ""
    #: the risk countermeasures (防范措施) the handler carried out, as the item words them
    countermeasures: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepReturned(CaseEvent):
    type: ClassVar[str] = "case.step_returned"
    instance_id: str = ""
    to_key: str = ""
    reason: str = ""


@dataclass(frozen=True)
class BranchesJoined(CaseEvent):
    type: ClassVar[str] = "case.branches_joined"
    stage: int = 0
    #: how the branches went (None in events recorded before outcomes were)
    outcome: ParallelOutcome | None = None


@dataclass(frozen=True)
class BranchUrged(CaseEvent):
    """The service centre (or a supervisor) urged a running parallel branch (催办)."""

    type: ClassVar[str] = "case.branch_urged"
    instance_id: str = ""
    note: str = ""
    department_code: str = ""
    department: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class FeeCharged(CaseEvent):
    """A fee charged or waived at the counter (收费 / 免收)."""

    type: ClassVar[str] = "case.fee_charged"
    fee: FeeCharge | None = None


@dataclass(frozen=True)
class ApplicantAssisted(CaseEvent):
    """Window staff guided (领办) or assisted (帮办) the applicant."""

    type: ClassVar[str] = "case.applicant_assisted"
    kind: AssistanceKind = AssistanceKind.GUIDE
    note: str = ""


@dataclass(frozen=True)
class ClockStopped(CaseEvent):
    type: ClassVar[str] = "case.clock_stopped"
    reason: str = ""
    ref: str = ""


@dataclass(frozen=True)
class ClockRestarted(CaseEvent):
    type: ClassVar[str] = "case.clock_restarted"


@dataclass(frozen=True)
class ProcedureStarted(CaseEvent):
    type: ClassVar[str] = "case.procedure_started"
    procedure_id: str = ""
    kind: str = ""
    reason: str = ""
    #: an extension: the working days it adds to the case's limits (it stops no clock)
    extension_days: int = 0


@dataclass(frozen=True)
class ProcedureEnded(CaseEvent):
    type: ClassVar[str] = "case.procedure_ended"
    procedure_id: str = ""
    result: str = ""


@dataclass(frozen=True)
class Decided(CaseEvent):
    type: ClassVar[str] = "case.decided"
    instance_id: str = ""
    decision: Decision | None = None
    #: the decision step's risk countermeasures (防范措施) the decider carried out
    countermeasures: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultPublished(CaseEvent):
    type: ClassVar[str] = "case.result_published"


@dataclass(frozen=True)
class Completed(CaseEvent):
    type: ClassVar[str] = "case.completed"


@dataclass(frozen=True)
class Withdrawn(CaseEvent):
    type: ClassVar[str] = "case.withdrawn"
    reason: str = ""


# --- 上报件 across nodes ----------------------------------------------------------------------


@dataclass(frozen=True)
class HandedUp(CaseEvent):
    """The decision step of a reported case (上报件) handed to the node holding the region
    it belongs to (the one above); delivered from the case's hand-over outbox."""

    type: ClassVar[str] = "case.handed_up"
    instance_id: str = ""
    to_region: str = ""


@dataclass(frozen=True)
class ReportReceived(Submitted):
    """(parent node) A child node's reported case received: a case of this node's whose
    only step is the decision; its first trace entry names the child's node, case and the
    hash of the child's hand-over entry."""

    type: ClassVar[str] = "case.report_received"
    from_node: str = ""
    from_case: str = ""
    from_instance: str = ""
    from_trace_seq: int = 0
    from_trace_hash: str = ""
    #: when the application came in at the child node
    from_submitted_at: datetime | None = None


@dataclass(frozen=True)
class DecisionReturned(CaseEvent):
    """(child node) The decision taken on the node above came back: who decided there, on
    which node and case, and the hash of that node's trace entry for it. The case's own
    ``case.decided`` follows."""

    type: ClassVar[str] = "case.decision_returned"
    instance_id: str = ""
    node: str = ""
    case_number: str = ""
    trace_seq: int = 0
    trace_hash: str = ""
    outcome: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None


# --- events of a case the government opens (立案) ---------------------------------------------


@dataclass(frozen=True)
class Opened(Submitted):
    """A case opened by the government (立案), pending the head's approval: its parties,
    facts, source, legal basis and first evidence."""

    type: ClassVar[str] = "case.opened"
    parties: tuple[Party, ...] = ()
    facts: str = ""
    source: str = ""
    legal_basis: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class EvidenceRecorded(CaseEvent):
    type: ClassVar[str] = "case.evidence_recorded"
    evidence: Evidence | None = None


@dataclass(frozen=True)
class PartyNotified(CaseEvent):
    type: ClassVar[str] = "case.party_notified"
    instance_id: str = ""
    notification: Notification | None = None


@dataclass(frozen=True)
class StatementRecorded(CaseEvent):
    type: ClassVar[str] = "case.statement_recorded"
    text: str = ""


@dataclass(frozen=True)
class HearingRequested(CaseEvent):
    type: ClassVar[str] = "case.hearing_requested"
    requested_on: date | None = None
    procedure_id: str = ""


@dataclass(frozen=True)
class HearingWaived(CaseEvent):
    type: ClassVar[str] = "case.hearing_waived"
    reason: str = ""


@dataclass(frozen=True)
class HearingScheduled(CaseEvent):
    type: ClassVar[str] = "case.hearing_scheduled"
    scheduled_on: date | None = None
    place: str = ""
    host: str = ""


@dataclass(frozen=True)
class HearingHeld(CaseEvent):
    type: ClassVar[str] = "case.hearing_held"
    record: str = ""
    outcome: str = ""
    party_appeared: bool = True


@dataclass(frozen=True)
class CollectiveReviewRecorded(CaseEvent):
    type: ClassVar[str] = "case.collective_review_recorded"
    review: CollectiveReview | None = None


@dataclass(frozen=True)
class DiscretionDeparted(CaseEvent):
    """A penalty decided outside what its discretion standard allows, with the written
    justification: supervision looks at every one."""

    type: ClassVar[str] = "case.discretion_departed"
    penalty: Penalty | None = None
    allowed: str = ""            # what the standard allows, in words


@dataclass(frozen=True)
class DecisionRefused(CaseEvent):
    """A decision the engine refused and recorded (outside the discretion standard without a
    written justification): supervision sees the attempt."""

    type: ClassVar[str] = "case.decision_refused"
    code: str = ""
    reasons: str = ""
    penalty: Penalty | None = None
    allowed: str = ""


@dataclass(frozen=True)
class Served(CaseEvent):
    type: ClassVar[str] = "case.served"
    instance_id: str = ""
    service: Service | None = None

def with_department_codes(case: Case) -> Case:
    """``case`` with the department code of every step instance stated: an instance stored
    before codes existed takes the code its step or branch has in the case's item snapshot
    (the item's own, for a step of the item's department); one the snapshot names no code
    for stays unknown (empty)."""
    if all(i.department_code for i in case.instances):
        return case
    instances = []
    for instance in case.instances:
        if not instance.department_code:
            found = case.item.department_of_key(instance.key)
            if found is not None and found[0]:
                instance = replace(instance, department_code=found[0])
        instances.append(instance)
    return replace(case, instances=tuple(instances))
