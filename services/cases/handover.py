"""上报件 across nodes: the calls to another node a case's transaction decides on, and the
case relay that delivers them.

``keep`` runs inside the case's unit of work (``CaseService._write``): for a
``case.handed_up`` event it keeps a ``ReceiveReportedCase`` call for the node above (the case,
its pinned item version, the hash of the trace entry of the hand-over); for the decision of a
case received from the node below it keeps a ``ReceiveReportedDecision`` call back (the
decision, the hash of the trace entry that recorded it). The row commits with the case, its
trace and its outbox events, or not at all.

``CaseRelay`` delivers the kept calls once committed: through this node's own gateway, whose
router sends each to the node that holds its region or case (the node registry says which;
the peer port's mutual TLS and the registry's rules decide whether it may), as this node's
case relay (role ``node_relay``, its one region this node's). Every attempt has a deadline and
carries the row's idempotency key: the other node records one case (or one decision) for it,
however often it is tried. A row stays pending — tried again with back-off, its last error
kept — until the other node answers; killed at any point, the relay tries the row again, and
the key makes the repeat harmless.

A row still undelivered ``overdue_after_s`` after it was kept is **overdue**: the relay marks
it and publishes ``case.handover_overdue`` (``HandoverEvent``) in the same transaction — once,
the mark saying it was done — and, when such a row is delivered after all,
``case.handover_delivered`` with the delivery. Supervision warns of the first
(``HANDOVER_STUCK``) until the second closes the warning.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from sunlight.cases.v1 import cases_pb2 as pb

from services.cases.codec import snapshot_json
from services.cases.contract import CHANNEL, OUTCOME
from services.cases.domain.model import Case, CaseEvent, Decided, HandedUp
from services.cases.domain.trace import TraceEntry
from services.cases.handovers import to_pb
from services.shared.auth import ServiceToken
from services.shared.events import Event, make_event
from services.shared.grpc_errors import error_detail_of

log = logging.getLogger("sunlight.cases.handover")

SERVICE = "/sunlight.cases.v1.CaseService/"
RECEIVE_CASE = SERVICE + "ReceiveReportedCase"
RECEIVE_DECISION = SERVICE + "ReceiveReportedDecision"
#: seconds between attempts of one row: doubling from 1 up to this
MAX_BACKOFF_S = 60.0
#: hand-overs sent in one round
BATCH = 10
#: how often the relay looks for rows due when it found none
IDLE_POLL_S = 1.0
#: the events about a hand-over (cases.events; data ``sunlight.cases.v1.HandoverEvent``)
OVERDUE, DELIVERED = "case.handover_overdue", "case.handover_delivered"
HANDOVER_EVENT_TYPES = (OVERDUE, DELIVERED)
#: minutes after which an undelivered hand-over is overdue, unless the node says otherwise
#: (``Settings.handover_overdue_minutes``)
OVERDUE_AFTER_MINUTES = 30


def keep(unit: Any, case: Case, event: CaseEvent, entry: TraceEntry) -> None:
    """The call to another node ``event`` (with its sealed trace ``entry``) asks for, kept in
    ``unit``; nothing for any other event."""
    if isinstance(event, HandedUp):
        request = pb.ReceiveReportedCaseRequest(
            to_region=event.to_region, case_number=case.number, region=case.region,
            instance_id=event.instance_id, trace_seq=entry.seq, trace_hash=entry.hash,
            item_snapshot_json=snapshot_json(case.item),
            applicant=pb.Applicant(name=case.applicant.name, id_type=case.applicant.id_type,
                                   id_number=case.applicant.id_number),
            materials=[pb.MaterialGiven(key=k, originals=o, copies=c)
                       for k, o, c in case.materials],
            channel=CHANNEL.get(case.channel, pb.CHANNEL_COUNTER),
            idempotency_key=f"report-up:{case.number}:{event.instance_id}")
        request.submitted_at.FromDatetime(case.submitted_at)
        unit.keep_handover(case.number, "hand_up", RECEIVE_CASE,
                           request.SerializeToString(), request.idempotency_key,
                           region=case.region, peer=event.to_region)
    elif (isinstance(event, Decided) and case.reported_from is not None
          and case.decision is not None):
        link, decision = case.reported_from, case.decision
        back = pb.ReceiveReportedDecisionRequest(
            case_number=link.case_number, instance_id=link.instance_id,
            parent_case_number=case.number, trace_seq=entry.seq, trace_hash=entry.hash,
            decision=pb.ReturnedDecision(
                outcome=OUTCOME[decision.outcome], reasons=decision.reasons,
                legal_basis=list(decision.legal_basis),
                document_number=decision.document_number, certificate=decision.certificate,
                valid_until=decision.valid_until.isoformat() if decision.valid_until else "",
                decided_by=decision.decided_by),
            idempotency_key=f"report-back:{case.number}:{link.case_number}")
        if decision.decided_at is not None:
            back.decision.decided_at.FromDatetime(decision.decided_at)
        unit.keep_handover(case.number, "return", RECEIVE_DECISION,
                           back.SerializeToString(), back.idempotency_key,
                           region=case.region, peer=link.node)


RESPONSES = {RECEIVE_CASE: pb.ReceiveReportedCaseResponse,
             RECEIVE_DECISION: pb.ReceiveReportedDecisionResponse}


def handover_event(event_type: str, row: Any, node: str, overdue_after_minutes: int
                   ) -> tuple[Event, str]:
    """The event ``event_type`` about the hand-over ``row`` (as stored after the change), and
    its routing key (by the case's region, as the case's own events)."""
    from services.cases.service import routing_key  # noqa: PLC0415 - the service imports us

    data = pb.HandoverEvent(case_number=row.case_number, region=row.region,
                            handover=to_pb(row),
                            overdue_after_minutes=overdue_after_minutes)
    event = make_event(event_type, data, node=node or row.region, region=row.region)
    return event, routing_key(event_type, row.region)


def backoff(attempts: int) -> float:
    return float(min(2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


class CaseRelay:
    """Delivers the kept hand-overs through the node's gateway (``gateway`` its gRPC
    address), each call with a deadline of ``timeout_s``."""

    def __init__(self, store: Any, gateway: grpc.Channel, token: ServiceToken,
                 timeout_s: float, *, node: str = "",
                 overdue_after_minutes: int = OVERDUE_AFTER_MINUTES) -> None:
        self.store, self.token, self.timeout_s = store, token, timeout_s
        #: the node's region (the events' ``node``; unnamed: the case's region)
        self.node = node
        self.overdue_after_minutes = overdue_after_minutes
        self._calls = {method: gateway.unary_unary(
            method, request_serializer=lambda raw: raw,
            response_deserializer=response.FromString)
            for method, response in RESPONSES.items()}

    def send(self, row: Any) -> tuple[str | None, str | None]:
        """One attempt of a kept call: (the other node's answer as JSON, None), or (None,
        why not)."""
        try:
            answer = self._calls[row.method](
                row.request, timeout=self.timeout_s,
                metadata=(("authorization", self.token.header()),))
        except grpc.RpcError as error:
            detail = error_detail_of(error)
            why = (f"{error.code().name} {detail.code if detail else ''}: "  # type: ignore[attr-defined]
                   f"{error.details()}")  # type: ignore[attr-defined]
            log.warning("hand-over %s of case %s not delivered (attempt %d): %s",
                        row.kind, row.case_number, row.attempts + 1, why)
            return None, why
        log.info("hand-over %s of case %s delivered: %s", row.kind, row.case_number,
                 answer.case_number)
        return json.dumps({"case_number": answer.case_number,
                           "trace_hash": answer.trace_hash}), None

    def _announce(self, event_type: str) -> Any:
        return lambda row: handover_event(event_type, row, self.node,
                                          self.overdue_after_minutes)

    def mark_overdue(self, now: datetime | None = None) -> int:
        """Mark the rows overdue as of ``now`` (each once, with its event); how many."""
        kept_before = (now or datetime.now(UTC)) - timedelta(
            minutes=self.overdue_after_minutes)
        return int(self.store.mark_overdue(kept_before, self._announce(OVERDUE)))

    def run_once(self) -> int:
        self.mark_overdue()
        # the rows of a round are the relay's until every call of it could have timed out
        return int(self.store.deliver_due(self.send, backoff, limit=BATCH,
                                          lease_s=BATCH * self.timeout_s + 30,
                                          announce=self._announce(DELIVERED)))

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop``: at once while rows are due, else every second."""
        while not stop.is_set():
            try:
                delivered = self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup: try again shortly
                log.exception("case relay: delivering hand-overs failed")
                delivered = 0
            if not delivered and stop.wait(IDLE_POLL_S):
                return
