"""上报件 across nodes: the decision of a reported case belongs to the government above.

A reported case's decision step belongs to the parent region (``engine._instance``). When
the node running the case does not hold that region, the case is **handed up**: the child
node records ``case.handed_up`` (the case waits; nobody here decides it) and its case relay
delivers the case to the node holding the parent region. That node **receives** it as a case
of its own (``case.report_received``: its only step is the decision, taken by its staff with
the engine's ordinary ``decide``; its first trace entry names the child's node, case and the
hash of the child's hand-over entry). Once decided there, the decision goes back and the
child node **applies** it (``case.decision_returned``, linking the parent's case and trace
entry, then the ordinary ``case.decided``); the case continues at the child as its flow says
(result published, completed).

Pure: who may call, and delivering, are the service's (``services.cases.handover``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.cases.domain.flow import ItemSnapshot, Mode, StepKind
from services.cases.domain.model import (
    Case,
    CaseEvent,
    Channel,
    Decided,
    Decision,
    DecisionReturned,
    HandedUp,
    InstanceStatus,
    Party,
    ReportReceived,
    StepInstance,
    StepStarted,
)
from services.shared.errors import Conflict, FailedPrecondition, InvalidArgument

#: what may be done to a case received from the node below while its decision is open
RECEIVED_ACTIONS = ("claim", "release", "reassign", "decide")
#: what may be done at the child node while the decision is with the node above
AWAITING_ACTIONS = ("assist", "charge_fee")
OUTCOMES = ("approve", "refuse")


@dataclass(frozen=True)
class ReceiveReport:
    """(parent node) A child node's reported case, received as case ``number`` of this
    node's ``region``."""

    number: str
    region: str
    item: ItemSnapshot
    applicant: Party
    channel: Channel
    materials: tuple[tuple[str, int, int], ...]
    from_node: str
    from_case: str
    from_instance: str
    from_trace_seq: int
    from_trace_hash: str
    #: when the application came in at the child node
    from_submitted_at: datetime | None = None


@dataclass(frozen=True)
class ApplyReturnedDecision:
    """(child node) The decision taken on the node above for the step handed up."""

    instance_id: str
    node: str
    case_number: str
    trace_seq: int
    trace_hash: str
    decision: Decision


def to_hand_up(case: Case, events: Sequence[CaseEvent], holds: Callable[[str], bool]
               ) -> StepInstance | None:
    """The decision step ``events`` started that this node must hand up: a reported case's
    decision step whose region this node does not hold (``holds``); None otherwise."""
    if case.mode is not Mode.REPORTED:
        return None
    for event in events:
        instance = event.instance if isinstance(event, StepStarted) else None
        if instance is None or instance.branch or instance.stage < 0:
            continue
        if case.item.step(instance.key).kind is not StepKind.DECISION:
            continue
        current = case.instance(instance.instance_id)
        if current.status is InstanceStatus.ACTIVE and not holds(current.region):
            return current
    return None


def hand_up(instance: StepInstance, now: datetime, by: str) -> list[CaseEvent]:
    return [HandedUp(now, by, instance.instance_id, instance.region)]


def receive(command: ReceiveReport, now: datetime, by: str) -> list[CaseEvent]:
    """The parent node's new case: received, its decision step running for its region."""
    item = command.item
    if Mode.REPORTED not in item.modes:
        raise InvalidArgument.of_field("item_snapshot_json", f"item {item.item_id} "
                                       f"v{item.version} is not handled as 上报件 (reported)")
    spec = next((s for s in item.stages if s.kind is StepKind.DECISION), None)
    if spec is None:
        raise InvalidArgument.of_field("item_snapshot_json",
                                       "the item's flow has no decision step")
    code, department = item.department_of(spec)
    instance = StepInstance(
        instance_id="s1", key=spec.key, name=spec.name, stage=item.stage_of(spec.key),
        branch="", department=department, region=command.region, role=spec.role,
        limit=spec.limit, started_at=now, high_risk=spec.high_risk, department_code=code)
    return [ReportReceived(now, by, number=command.number, region=command.region, item=item,
                           mode=Mode.REPORTED, applicant=command.applicant,
                           channel=command.channel, materials=command.materials,
                           from_node=command.from_node, from_case=command.from_case,
                           from_instance=command.from_instance,
                           from_trace_seq=command.from_trace_seq,
                           from_trace_hash=command.from_trace_hash,
                           from_submitted_at=command.from_submitted_at),
            StepStarted(now, by, instance)]


def apply_returned(case: Case, command: ApplyReturnedDecision, now: datetime, by: str
                   ) -> list[CaseEvent]:
    """(child node) The decision from above: recorded with its link, then decided."""
    link = case.reported_to
    if link is None or link.instance_id != command.instance_id:
        raise FailedPrecondition(
            f"case {case.number} has no decision step {command.instance_id} handed up to "
            "the node above", code="NOT_HANDED_UP",
            metadata={"case_number": case.number, "instance_id": command.instance_id})
    if link.returned_at is not None:
        raise Conflict(f"the decision of case {case.number} came back already "
                       f"(from case {link.case_number})", code="DECISION_RETURNED_ALREADY")
    instance = case.instance(command.instance_id)
    if instance.status is not InstanceStatus.ACTIVE:
        raise Conflict(f"step {instance.name} of case {case.number} is "
                       f"{instance.status.value}", code="STEP_NOT_ACTIVE")
    decision = command.decision
    if decision.outcome not in OUTCOMES:
        raise InvalidArgument.of_field("decision.outcome", "approve or refuse")
    if not decision.decided_by:
        raise InvalidArgument.of_field("decision.decided_by", "who decided, on the node above")
    decided_by = f"{decision.decided_by}@{command.node}"
    return [DecisionReturned(now, by, command.instance_id, command.node, command.case_number,
                             command.trace_seq, command.trace_hash, decision.outcome,
                             decision.decided_by, decision.decided_at),
            Decided(now, decided_by, command.instance_id, decision)]
