"""Case use cases: submit an application, act on a case, read it, its queue and its trace.

Every write is one unit of work (``repository.CaseStore``): the case is read and locked, the
engine decides the action's events (``domain.engine.decide``), and the case after them, its
changed step instances, one trace entry and one outbox event per event are written in the same
transaction, under the caller's idempotency key. Callers are authorised first — also for a
replay — then the engine applies the finer rules (positions, separation of duties, …).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sunlight.cases.v1 import cases_pb2 as pb

from services.cases import audit, handover
from services.cases import storage as t
from services.cases.codec import event_data
from services.cases.contract import event_to_pb
from services.cases.documents.contract import document_refs_to_pb
from services.cases.documents.service import Documents
from services.cases.domain import reported
from services.cases.domain.enforcement import Open
from services.cases.domain.engine import (
    Actor,
    Command,
    Lapse,
    RecordedRefusal,
    Submit,
    action_of,
    decide,
    evolve,
)
from services.cases.domain.flow import ItemSnapshot, Mode
from services.cases.domain.model import (
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    Evidence,
    MaterialFile,
    Party,
    StepInstance,
)
from services.cases.domain.progress import progress
from services.cases.domain.trace import (
    GENESIS,
    Break,
    TraceEntry,
    chain,
    merkle_root,
    verify,
)
from services.cases.repository import CaseStore, Stored, party_key
from services.shared import auth
from services.shared.auth import Principal
from services.shared.broker import PARTITION_HEADER
from services.shared.db import Database
from services.shared.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.shared.events import Event, make_event
from services.shared.idempotency import IdempotencyStore, fingerprint
from services.shared.outbox import Outbox
from services.shared.regions import covers, parent, scope_prefix
from services.shared.telemetry import current_traceparent
from services.shared.territory import Territory
from services.shared.working_days import CHINA, WorkingCalendar, local_day

#: the coarse permission each action needs (any one of them), before the engine's own rules
ACTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "accept": (auth.CASE_OPEN,), "reject": (auth.CASE_OPEN,),
    "request_supplement": (auth.CASE_OPEN, auth.CASE_HANDLE),
    "receive_supplement": (auth.CASE_OPEN, auth.CASE_HANDLE),
    "withdraw": (auth.CASE_OPEN, auth.CASE_HANDLE),
    "lapse": (auth.CASE_HANDLE,), "reassign": (auth.CASE_REASSIGN,),
    "urge": (auth.CASE_COORDINATE,), "assist": (auth.CASE_ASSIST,),
    "charge_fee": (auth.CASE_OPEN, auth.CASE_HANDLE),
}
HANDLE = (auth.CASE_HANDLE,)
#: what a case's own applicant (or agent) may do on it, signed in as themselves
OWN_ACTIONS = frozenset({"receive_supplement", "withdraw"})
MAX_QUEUE_PAGE = 200
SYSTEM_ACTOR = "cases-service"


class ItemSource(Protocol):
    def in_force(self, item_id: str, version: int) -> ItemSnapshot: ...


@dataclass(frozen=True)
class Application:
    """What SubmitApplication asks for."""

    item_id: str
    version: int
    region: str
    mode: Mode
    channel: Channel
    applicant: Party
    agent: Party | None = None
    materials: tuple[tuple[str, int, int], ...] = ()
    #: electronic materials (uploads of an online application), by their digests
    files: tuple[MaterialFile, ...] = ()
    #: an agent's relationship to the applicant and authorisation (代办的委托关系)
    agent_authorisation: str = ""

    def fingerprint(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False,
                          default=str).encode()


@dataclass(frozen=True)
class Opening:
    """What OpenCase asks for: a case the government opens itself (立案)."""

    item_id: str
    version: int
    region: str
    parties: tuple[Party, ...]
    facts: str
    source: str
    legal_basis: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()

    def fingerprint(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False,
                          default=str).encode()


#: the characters of a query code: no 0/O, 1/I/L, 2/Z, 5/S, 8/B to misread on a receipt
QUERY_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
QUERY_CODE_LENGTH = 8


def new_query_code() -> str:
    """A receipt's query code (查询码): 8 characters drawn by ``secrets`` from 25 (about 37
    bits), the second factor with the case number for looking a case up without signing
    in (the lookups being rate-limited, it is not guessed)."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def own_application(principal: Principal, application: Application) -> Application:
    """A person's or enterprise's own application (role ``public``, ``case.apply``): whoever
    the token's subject is (``id_card:<number>`` or ``credit_code:<code>``) is the applicant
    — or, applying for someone else, the agent (代办人), who then names the applicant and
    states their relationship and authorisation (``agent_authorisation``). Both are recorded
    on the case and in its trace; the authorisation itself (委托书) is checked by the staff
    who accept the case, as at a counter. Refused: an applicant other than the caller
    without an agent (APPLICANT_NOT_CALLER), an agent other than the caller
    (AGENT_NOT_CALLER), an agent applying for themselves, an agent without an
    authorisation, a channel other than online or agent. The identity number is compared;
    the names are recorded as given."""
    id_type, _, id_number = principal.subject.partition(":")
    if id_type not in auth.PUBLIC_ID_TYPES or not id_number:
        raise PermissionDenied(
            f"{principal.subject} is not a person's or an enterprise's identity: "
            "applying online needs a token whose subject is id_card:<number> or "
            "credit_code:<code>", code="NOT_A_PUBLIC_IDENTITY")
    caller = (id_type, id_number.strip().upper())

    def same(party: Party | None) -> bool:
        return party is not None and (party.id_type, party.id_number.strip().upper()
                                      ) == caller

    if application.channel not in (Channel.ONLINE, Channel.AGENT, Channel.COUNTER):
        raise PermissionDenied(
            f"a person or enterprise applies online or as an agent, not by "
            f"{application.channel.value}", code="CHANNEL_NOT_ALLOWED",
            metadata={"channel": application.channel.value})
    if application.agent is None and application.channel is not Channel.AGENT:
        if not same(application.applicant):
            raise PermissionDenied(
                f"{principal.subject} applies for themselves only: to apply for someone "
                "else, apply as their agent (channel AGENT, agent = you, with "
                "agent_authorisation)", code="APPLICANT_NOT_CALLER")
        if application.agent_authorisation.strip():
            raise InvalidArgument.of_field("agent_authorisation",
                                           "only an application by an agent states one")
        return replace(application, channel=Channel.ONLINE)
    if not same(application.agent):
        raise PermissionDenied(
            f"{principal.subject} may act as the agent (代办人) only as themselves: the "
            "agent named must be the caller", code="AGENT_NOT_CALLER")
    if same(application.applicant):
        raise InvalidArgument.of_field("applicant", "an agent applies for someone else: "
                                       "to apply for yourself, name no agent")
    if not application.agent_authorisation.strip():
        raise InvalidArgument.of_field(
            "agent_authorisation", "required: the agent's relationship to the applicant "
            "and their authorisation (委托关系及授权说明)")
    return replace(application, channel=Channel.AGENT)


def actor_of(principal: Principal) -> Actor:
    """The engine's view of a caller."""
    roles = set(principal.roles)
    positions = set(principal.positions)
    if "clerk" in roles and not positions:
        positions.add("clerk")
    return Actor(subject=principal.subject, regions=principal.regions,
                 department=principal.department, positions=frozenset(positions),
                 window="window_clerk" in roles, supervisor="supervisor" in roles,
                 admin="admin" in roles, system="department_system" in roles,
                 identity=auth.public_identity(principal.subject) if "public" in roles
                 else None)


class _Replayed(Exception):  # noqa: N818 - not an error: a unit rolled back to replay
    """A key's first answer found inside a unit that must not commit."""

    def __init__(self, answer: bytes) -> None:
        super().__init__("replayed")
        self.answer = answer


def _require_material(case: Case, view: str, sha256: str) -> None:
    """A material file's read names one of the case's files (MATERIAL_NOT_FOUND)."""
    if view == audit.MATERIAL and not any(f.sha256 == sha256 for f in case.files):
        raise NotFound(f"case {case.number} holds no file {sha256[:12]}…",
                       code="MATERIAL_NOT_FOUND", metadata={"case_number": case.number})


def _not_found(number: str) -> NotFound:
    """The one answer for a case that is not there, not the caller's, or not matched."""
    return NotFound(f"there is no case {number}", code="CASE_NOT_FOUND",
                    metadata={"case_number": number})


def routing_key(event_type: str, region: str) -> str:
    """``<type>.<province>.<city>.<region>``: consumers select by type and by region."""
    city = parent(region) if region[4:] != "00" else region
    province = region[:2] + "0000"
    return f"{event_type}.{province}.{city or region}.{region}"


def handling_departments(case: Case) -> list[str]:
    """The codes of the departments that handle the case: the item's, then those of its
    steps and parallel branches (a code not known is left out)."""
    codes = [case.item.department_code, *(i.department_code for i in case.instances)]
    return [c for c in dict.fromkeys(codes) if c]


class CaseService:
    def __init__(self, db: Database, items: ItemSource, calendar: WorkingCalendar,
                 node_region: str, territory: Territory | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 audit_key: bytes | None = None,
                 render: Callable[[Mapping[str, Any]], bytes] | None = None,
                 idle_for: Callable[[], float] | None = None) -> None:
        self.db = db
        # the key of the audit's readers' HMACs (``audit.reader_key`` of the node's key);
        # without one, a key of this instance's own (its rows' readers found by it alone)
        self.audit_key = audit_key or secrets.token_bytes(32)
        self.clock = clock  # the time actions happen at (tests move it)
        self.items = items
        self.calendar = calendar
        self.node_region = node_region
        self.territory = territory or Territory(node_region)
        self.outbox = Outbox(t.outbox, "cases")
        self.idempotency = IdempotencyStore(t.idempotency_keys)
        self.store = CaseStore(db, self.outbox)
        # the documents (文书) events issue: numbered and hashed in the event's transaction
        # PDFs: in this process, or by the worker the server gives (documents.pool)
        # and when: the background renderer waits for a quiet process (``idle_for``: seconds
        # since it last answered a call; the case server gives ``grpc_metrics.idle_for``)
        self.documents = Documents(db, self, render=render, idle_for=idle_for)

    # --- writing ------------------------------------------------------------------------
    def submit(self, principal: Principal, application: Application, key: str) -> Case:
        """An application (申请) on the item version in force, pinned to it for good, with
        the query code of its receipt (查询码). Staff and department systems submit for
        anyone (``case.open``); a person or enterprise (``case.apply``) for themselves or,
        as an agent (代办), for someone who authorised them (``own_application``)."""
        permission = auth.CASE_OPEN
        if not principal.can(auth.CASE_OPEN) and principal.can(auth.CASE_APPLY):
            permission, application = auth.CASE_APPLY, own_application(principal, application)
        return self._create(
            principal, key, "SubmitApplication", application.fingerprint(),
            application.region, application.item_id, application.version,
            lambda number, region, item: Submit(
                number, region, item, application.mode, application.applicant,
                application.channel, application.materials, application.agent,
                application.files, new_query_code(), application.agent_authorisation),
            permission=permission)

    def open(self, principal: Principal, opening: Opening, key: str) -> Case:
        """A case the government opens itself (立案) on the item version in force, pending
        the head's approval."""
        return self._create(
            principal, key, "OpenCase", opening.fingerprint(), opening.region,
            opening.item_id, opening.version,
            lambda number, region, item: Open(
                number, region, item, opening.parties, opening.facts, opening.source,
                opening.legal_basis, opening.evidence))

    def _create(self, principal: Principal, key: str, operation: str, request: bytes,
                region: str, item_id: str, version: int,
                command: Callable[[str, str, ItemSnapshot], object], *,
                permission: str = auth.CASE_OPEN) -> Case:
        """A new case: its number, its first events, pinned to the item version in force."""
        key = self.idempotency.check_key(key)
        region = self.territory.require(region)
        principal.require(permission, region)
        print_ = fingerprint(operation, request)
        replay = self.store.replay(principal.subject, key, operation, print_)
        if replay is not None:
            return self._replayed(principal, self.store.read_case(
                json.loads(replay)["case"]).case, permission)
        item = self.items.in_force(item_id, version)
        principal.require(permission, region, item.department_code)
        actor = actor_of(principal)
        for attempt in range(3):
            try:
                with self.store.unit() as unit:
                    now = self.clock()
                    day = now.astimezone(CHINA).strftime("%Y%m%d")
                    serial, replay = unit.number_unless_replayed(
                        principal.subject, key, operation, print_, region, day)
                    if replay is not None:
                        raise _Replayed(replay)  # the unit rolls back: the number unused
                    number = f"{region}{day}{serial:06d}"
                    events = decide(None, command(number, region, item), actor, now,
                                    calendar=self.calendar)
                    case = self._write(unit, None, events, principal, actor)
                    if not case.opened:
                        unit.keep_applicants(case, case.query_code)
                    unit.keep_snapshot(item)
                    unit.save_key(principal.subject, key, operation, print_,
                                  json.dumps({"case": number}).encode())
                    return case
            except _Replayed as replayed:
                # a request with the same key committed meanwhile: its answer
                return self._replayed(principal, self.store.read_case(
                    json.loads(replayed.answer)["case"]).case, permission)
            except IntegrityError:
                # a concurrent request with the same key won the race: replay its answer
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _replayed(self, principal: Principal, case: Case,
                  permission: str = auth.CASE_OPEN) -> Case:
        """Authorise, then replay: the caller must still be allowed to submit there."""
        principal.require(permission, case.region, case.item.department_code)
        return case

    def act(self, principal: Principal, number: str, command: Command, key: str) -> Case:
        """One action on a case (受理, 补正, 办理, 退回, 决定 …); a replay of the same key
        answers with the case as it is now."""
        key = self.idempotency.check_key(key)
        action = action_of(command)
        print_ = fingerprint("ActOnCase", json.dumps(
            [number, action, asdict(command)], sort_keys=True, ensure_ascii=False,
            default=str).encode())
        refused: RecordedRefusal | None = None
        with self.store.unit() as unit:
            stored, answer = unit.claim_and_load(principal.subject, key, "ActOnCase",
                                                 print_, number)
            case = stored.case
            self._authorise_action(principal, action, case)
            if answer is not None:
                refusal = json.loads(answer).get("refused")
                if refusal:  # the same refusal, again
                    raise FailedPrecondition(refusal["message"], code=refusal["code"],
                                             metadata=refusal.get("metadata") or {})
                return case
            actor = actor_of(principal)
            try:
                events = decide(case, command, actor, self.clock(), calendar=self.calendar)
            except RecordedRefusal as exc:
                # refused, and the attempt recorded (trace, event) with the key's answer
                refused = exc
                self._write(unit, stored, exc.events, principal, actor)
                unit.answer_with(principal.subject, key, json.dumps({"refused": {
                    "message": exc.error.message, "code": exc.error.code,
                    "metadata": exc.error.metadata}}, ensure_ascii=False).encode())
            else:
                return self._write(unit, stored, events, principal, actor)
        raise refused.error

    def _authorise_action(self, principal: Principal, action: str, case: Case) -> None:
        if self._reads_own_only(principal):
            # a citizen or enterprise: their own case, and only what an applicant does on it
            if not self.owns(principal, case):
                raise _not_found(case.number)
            if case.opened:  # a party follows the case; the department acts on it
                raise PermissionDenied(
                    f"{principal.subject} is a party to case {case.number}, which the "
                    "government opened: a party follows it, and states, defends or asks for a "
                    "hearing through the department", code="PARTY_FOLLOWS_ONLY",
                    metadata={"action": action})
            if action in OWN_ACTIONS and principal.can(auth.CASE_ACT_OWN):
                return
            raise PermissionDenied(
                f"{principal.subject} may supplement or withdraw their own case, not "
                f"{action}", code="NOT_YOURS", metadata={"action": action})
        permissions = ACTION_PERMISSIONS.get(action, HANDLE)
        for permission in permissions:
            if principal.can(permission, case.region):
                return
        principal.require(permissions[0], case.region)

    def _write(self, unit: Any, stored: Stored | None, events: list[CaseEvent],
               principal: Principal, actor: Actor) -> Case:
        """Apply the events; write the case, its instances, trace entries and outbox rows
        (and a reported case's hand-over to the node above, or a decision back to the node
        below: ``case_handovers``, in the same transaction)."""
        case: Case | None = stored.case if stored else None
        entries: list[TraceEntry] = []
        outgoing: list[tuple[Event, str]] = []
        seq = stored.trace_seq if stored else 0
        asked = len(events)
        events = list(events)
        for n, event in enumerate(events):  # grows by the hand-over, if one is due
            before = case.status.value if case else ""
            case = evolve(case, event)
            seq += 1
            role = _acted_as(case, event, principal, actor)
            department = principal.department or ""  # the department's code
            recorded = event_data(event)
            issued = self.documents.issue_for(unit, case, event, seq)
            if issued:  # the trace holds each document's content hash
                recorded["documents"] = [document.reference for document in issued]
            entries.append(TraceEntry(
                case.number, seq, event.at, event.by, role, department, event.type,
                _opinion(event), before, case.status.value, recorded))
            data = event_to_pb(case, event, self.calendar, role=role,
                               department=principal.department_name,
                               department_code=department)
            if issued:
                data.documents.extend(document_refs_to_pb(issued))
            outgoing.append((make_event(event.type, data, node=self.node_region,
                                        region=case.region, occurred_at=event.at),
                             routing_key(event.type, case.region)))
            if n == asked - 1:  # the case as ``events`` leave it
                events.extend(self._hand_up_if_due(case, events))
        assert case is not None
        sealed = chain(entries, head=stored.trace_head if stored else GENESIS)
        for event, entry in zip(events, sealed, strict=True):
            handover.keep(unit, case, event, entry)
        where = progress(case, self.calendar, local_day(self.clock()))
        due = where.promised.due.isoformat() if where.promised and where.promised.due else ""
        # A running step's due date moves only with the clock (a stop, a restart) or once a
        # provisional year gets its schedule: other steps' rows are rewritten only when they
        # change.
        clock_moved = stored is None or stored.case.clock != case.clock
        instance_due = {r.instance.instance_id: r.due.due.isoformat() if r.due.due else ""
                        for r in where.running}
        refresh = {r.instance.instance_id for r in where.running
                   if clock_moved or r.due.provisional}
        unit.save(stored, case, sealed, outgoing, due, instance_due, refresh)
        return case

    def _hand_up_if_due(self, case: Case, events: list[CaseEvent]) -> list[CaseEvent]:
        """上报件: the hand-over to the node above when ``events`` (which left the case as
        ``case``) start a reported case's decision step whose region this node does not
        hold."""
        instance = reported.to_hand_up(case, events, self.territory.holds)
        if instance is None:
            return []
        return reported.hand_up(instance, events[-1].at, SYSTEM_ACTOR)

    # --- 上报件 across nodes: receiving ------------------------------------------------------
    def receive_reported(self, principal: Principal, to_region: str,
                         report: reported.ReceiveReport, key: str) -> tuple[Case, str]:
        """(parent node) A child node's reported case, received as a case of this node whose
        decision step its staff take; (the case, the hash of its first trace entry). The
        caller is the child node's case relay (``case.hand_over``, its one region the child
        node); the case must be that node's, and this node must hold the parent of its
        region (NOT_THE_PARENT_NODE). One case per key, whatever the retries."""
        key = self.idempotency.check_key(key)
        principal.require(auth.CASE_HAND_OVER)
        sender = _sending_node(principal)
        region = self.territory.known(report.region, "region")
        if not covers(sender, region) or report.from_case[:6] != region:
            raise PermissionDenied(
                f"node {sender} hands up its own cases only: case {report.from_case} of "
                f"region {region} is not one of them", code="NOT_SENDERS_CASE",
                metadata={"sender": sender, "region": region})
        report = replace(report, from_node=sender)
        above = parent(region)
        if to_region != above:
            raise InvalidArgument.of_field("to_region", f"the parent of {region}: {above}")
        if above not in self.territory.held:
            raise PermissionDenied(
                f"this node holds {self.territory.description}: a case of {region} is "
                f"decided by the node holding {above}, its parent region",
                code="NOT_THE_PARENT_NODE", metadata={"region": region, "parent": above})
        operation = "ReceiveReportedCase"
        print_ = fingerprint(operation, json.dumps(
            [to_region, report.from_case, report.from_instance, report.from_trace_hash],
            ensure_ascii=False).encode())
        replay = self.store.replay(principal.subject, key, operation, print_)
        if replay is None:
            actor = actor_of(principal)
            try:
                with self.store.unit() as unit:
                    now = self.clock()
                    day = now.astimezone(CHINA).strftime("%Y%m%d")
                    serial, replay = unit.number_unless_replayed(
                        principal.subject, key, operation, print_, above, day)
                    if replay is None:
                        number = f"{above}{day}{serial:06d}"
                        events = reported.receive(replace(report, number=number,
                                                          region=above), now,
                                                  principal.subject)
                        self._write(unit, None, events, principal, actor)
                        unit.keep_snapshot(report.item)
                        unit.save_key(principal.subject, key, operation, print_,
                                      json.dumps({"case": number}).encode())
                        replay = json.dumps({"case": number}).encode()
                    else:
                        raise _Replayed(replay)
            except _Replayed as replayed:
                replay = replayed.answer
            except IntegrityError:  # the same key committed meanwhile: its answer
                replay = self.store.replay(principal.subject, key, operation, print_)
                if replay is None:
                    raise
        number = json.loads(replay)["case"]
        entries = self.store.trace(number)
        return self.store.read_case(number).case, entries[0].hash

    def receive_decision(self, principal: Principal, number: str,
                         returned: reported.ApplyReturnedDecision, key: str
                         ) -> tuple[Case, str]:
        """(child node) The decision taken on the node above for a step handed up to it:
        recorded (linked to the parent's case and trace entry) and applied; the case then
        goes on here. (The case, the hash of its ``case.decision_returned`` entry.) Only the
        node the step was handed to answers (NOT_THE_DECIDING_NODE); an unknown case is
        CASE_NOT_FOUND; a case not handed up is NOT_HANDED_UP."""
        key = self.idempotency.check_key(key)
        principal.require(auth.CASE_HAND_OVER)
        sender = _sending_node(principal)
        returned = replace(returned, node=sender)
        print_ = fingerprint("ReceiveReportedDecision", json.dumps(
            [number, asdict(returned)], sort_keys=True, ensure_ascii=False,
            default=str).encode())
        with self.store.unit() as unit:
            stored, answer = unit.claim_and_load(principal.subject, key,
                                                 "ReceiveReportedDecision", print_, number)
            link = stored.case.reported_to
            # the node holding the region the step was handed to, and it alone (not any
            # node above it)
            if link is not None and sender != self.territory.node_holding(link.node):
                raise PermissionDenied(
                    f"the decision of case {number} was handed up to the node holding "
                    f"{link.node}, not to node {sender}", code="NOT_THE_DECIDING_NODE",
                    metadata={"case_number": number, "handed_to": link.node})
            if answer is None:
                events = reported.apply_returned(stored.case, returned, self.clock(),
                                                 principal.subject)
                self._write(unit, stored, events, principal, actor_of(principal))
        case = self.store.read_case(number).case
        entry = next(e for e in reversed(self.store.trace(number))
                     if e.action == "case.decision_returned")
        return case, entry.hash

    # --- reading ------------------------------------------------------------------------
    def get(self, principal: Principal, number: str, *, call: str = "GetCase",
            purpose: str = "", view: str = "", target: str = "") -> Case:
        """A case for whoever may read it. A case of a classified (涉密) item is there only
        for those who may read its internals: to anyone else (the hall, the public) it does
        not exist, the same answer as for a number never given. A citizen or enterprise
        reads their own cases only: anyone else's does not exist for them either. A read of
        the case's file — the internal view, or the applicant's own — is audited (``call``,
        ``purpose``, ``view``, ``target``: see ``log_read``); ``view`` MATERIAL reads one of
        the case's files (``target``: its SHA-256), which must be the case's."""
        if self._reads_own_only(principal):
            return self._own_read(principal, number, call, purpose, view, target)
        case, internal = self._staff_read(principal, number)
        if view == audit.MATERIAL and not internal:  # files go to those who handle it only
            raise _not_found(number)
        if internal:
            _require_material(case, view, target)
            self.log_read(principal, case, call, purpose, view=view, target=target)
        return case

    def progress(self, principal: Principal, number: str) -> Case:
        """Where a case stands (办件进度: GetCase's status view), for the same callers as
        ``get`` and under the same rules — a classified item's case does not exist for those
        who may not read its internals, a citizen's or enterprise's only their own — but kept
        in no access log: its answer is the public view, which discloses nothing the holder of
        the receipt may not see (no applicant, handler, opinion, material or document). One
        read of the case, nothing written."""
        if self._reads_own_only(principal):
            case = self.store.read_case(number).case
            if not self.owns(principal, case):
                raise _not_found(number)
            return case
        return self._staff_read(principal, number)[0]

    def _staff_read(self, principal: Principal, number: str) -> tuple[Case, bool]:
        """The case for a reader who is not its applicant — one allowed ``case.read`` in its
        region for its department or a department handling one of its steps — and whether
        they may read its internals; a classified (涉密) item's case does not exist for those
        who may not."""
        principal.require(auth.CASE_READ)
        case = self.store.read_case(number).case
        if not any(principal.can(auth.CASE_READ, case.region, code)
                   for code in handling_departments(case)):
            principal.require(auth.CASE_READ, case.region, case.item.department_code)
        internal = self.may_read_internal(principal, case)
        if case.item.classified and not internal:
            raise _not_found(number)
        return case, internal

    def _own_read(self, principal: Principal, number: str, call: str, purpose: str,
                  view: str, target: str) -> Case:
        """The applicant's (agent's, party's) own read, audited: on the status path, the
        audit row rides on the case's own read (one round trip), written only if the
        applicant tables say the case is theirs; the engine's rule (``owns``) decides."""
        identity = auth.public_identity(principal.subject)
        recorded = False
        if identity is not None and view != audit.MATERIAL:
            row = audit.record(principal, number, number[:6], self.clock(), call, purpose,
                               key=self.audit_key, view=view, target=target, own=True)
            stored, recorded = self.store.read_own_case(number, party_key(*identity), row)
            case = stored.case
        else:
            case = self.store.read_case(number).case
        if not self.owns(principal, case):
            raise _not_found(number)
        _require_material(case, view, target)
        if not recorded:  # a file's read, or a case the applicant tables do not list
            self.log_read(principal, case, call, purpose, view=view, target=target, own=True)
        return case

    # --- the applicant's side (办件查询 · 查阅记录) --------------------------------------------
    @staticmethod
    def _reads_own_only(principal: Principal) -> bool:
        """A citizen or enterprise (a public token): their own cases, nothing else."""
        return principal.can(auth.CASE_READ_OWN) and not principal.can(auth.CASE_READ)

    def owns(self, principal: Principal, case: Case) -> bool:
        """The caller is the case's applicant or its agent — for a case the government opened
        (立案), one of its parties (当事人) — signed in as themselves (a public token whose
        subject is their identity)."""
        if not principal.can(auth.CASE_READ_OWN):
            return False
        identity = auth.public_identity(principal.subject)
        people = case.parties if case.opened else (case.applicant, case.agent)
        return identity is not None and any(
            party is not None and (party.id_type, party.id_number.upper()) == identity
            for party in people)

    def my_cases(self, principal: Principal, offset: int, size: int
                 ) -> tuple[list[Case], int]:
        """The caller's own cases — applied for (or as agent), or opened against them as a
        party — newest first (ListMyCases)."""
        principal.require(auth.CASE_READ_OWN)
        identity = auth.public_identity(principal.subject)
        if identity is None:
            raise PermissionDenied(f"{principal.subject} is not a person's or enterprise's "
                                   "identity: only they have cases of their own",
                                   code="NOT_A_PERSON")
        return self.store.cases_of_person(party_key(*identity), offset, size)

    def lookup(self, principal: Principal, number: str, applicant_name: str,
               query_code: str) -> Case:
        """A case looked up without signing in (LookupCase): its number and a second factor
        from the receipt — the applicant's name, exactly, or the query code — compared in
        constant time. A wrong factor is answered as a number never given."""
        principal.require(auth.CASE_READ)
        case = self.get(principal, number, call="LookupCase")
        if applicant_name.strip():
            given, expected = applicant_name.strip(), case.applicant.name.strip()
        else:
            given, expected = query_code.strip().upper(), self.query_code(case)
        # compare_digest runs in time independent of where the texts differ
        matched = hmac.compare_digest(given.encode(), expected.encode()) and bool(expected)
        if not matched:
            raise _not_found(number)
        return case

    def query_code(self, case: Case) -> str:
        """The receipt's query code: made with the application (the case's own), kept beside
        the applicants for lookups; a case from before query codes has none."""
        return case.query_code or self.store.query_code(case.number)

    def log_read(self, principal: Principal, case: Case, call: str, purpose: str, *,
                 view: str = "", target: str = "", own: bool = False) -> None:
        """Keep one read of the case's file (查阅记录 · 审计记录): who, for which department,
        when, what (``view``, ``target``), by which call and channel, and why (``purpose``,
        else the call's name) — appended through the unit of work, the case service's one
        write path (``services.cases.audit`` says what a row holds)."""
        self.store.log_access(audit.record(principal, case.number, case.region, self.clock(),
                                           call, purpose, key=self.audit_key, view=view,
                                           target=target, own=own))

    def accesses(self, principal: Principal, number: str, offset: int, size: int
                 ) -> tuple[list[Any], int]:
        """Who looked at the case's file (查阅记录), newest first: the reads by anyone but
        the applicant themself (whose own reads are audited, not shown back as "who
        looked"), for the case's own applicant (or agent) and for the supervisors of its
        region. The whole audit, own reads included, is ``read_audit``."""
        case = self.store.read_case(number).case
        if self._reads_own_only(principal):
            if not self.owns(principal, case):
                raise _not_found(number)
        else:
            principal.require(auth.SUPERVISION_READ, case.region)
        return self.store.accesses(number, offset, size, others_only=True)

    def read_audit(self, principal: Principal, region: str, number: str, subject: str,
              since: datetime | None, until: datetime | None, offset: int, size: int
              ) -> tuple[list[Any], int]:
        """The audit of case-file reads (审计记录), newest first: for supervisors and
        administrators (``audit.read``) of the region — ``region`` and those below it, or,
        unnamed, the caller's regions this node holds; of one case (its region's), of one
        reader (``subject``: as the rows show it — a staff account, a masked identity — or a
        person's or enterprise's full number, with or without ``id_card:``/``credit_code:``,
        matched by its HMAC), within a time window."""
        principal.require(auth.AUDIT_READ)
        if number:
            case = self.store.read_case(number).case
            principal.require(auth.AUDIT_READ, case.region)
            region = region or case.region
        region_filter = self._regions_of(principal, auth.AUDIT_READ, region)
        return self.store.audit(region_filter, number, subject,
                                audit.subject_keys(self.audit_key, subject), since, until,
                                offset, size)

    def list_handovers(self, principal: Principal, region: str, *, state: str = "",
                       kind: str = "", peer: str = "", number: str = "", offset: int = 0,
                       size: int = 50) -> tuple[list[Any], int]:
        """The hand-overs of 上报件 this node keeps for other nodes, newest first: for
        administrators and supervisors (``handover.read``) of the region — ``region`` and
        those below it, or, unnamed, the case's (``number``) or the caller's regions this
        node holds; in one state, one way (``kind``), to one node, of one case."""
        principal.require(auth.HANDOVER_READ)
        if number and not region:
            region = number[:6] if self.territory.holds(number[:6]) else ""
        region_filter = self._regions_of(principal, auth.HANDOVER_READ, region)
        return self.store.list_handovers(region_filter, state=state, kind=kind, peer=peer,
                                         number=number, offset=offset, limit=size)

    def prior_cases(self, case: Case) -> list[Case]:
        """Earlier cases the government opened against any party of ``case`` (repeat
        offences, shown to its handlers), newest first."""
        if not case.parties:
            return []
        keys = [party_key(p.id_type, p.id_number) for p in case.parties]
        return self.store.cases_of_parties(keys, case.number)

    def may_read_internal(self, principal: Principal, case: Case) -> bool:
        """The item's department, and a department handling one of the case's steps (a
        parallel branch's, a step of another department): what they need to handle it."""
        return principal.can(auth.CASE_READ_INTERNAL, case.region,
                             case.item.department_code) or any(
            principal.can(auth.CASE_READ_INTERNAL, case.region, code)
            for code in handling_departments(case))

    def trace(self, principal: Principal, number: str, purpose: str = "") -> list[TraceEntry]:
        case = self.store.read_case(number).case
        if self._reads_own_only(principal):
            raise _not_found(number)
        if not self.may_read_internal(principal, case):
            principal.require(auth.CASE_READ_INTERNAL, case.region, case.item.department_code)
        self.log_read(principal, case, "GetTrace", purpose)
        return self.store.trace(number)

    def verify(self, principal: Principal, number: str, purpose: str = ""
               ) -> tuple[list[TraceEntry], Break | None]:
        """The case's trace and its first broken link (None: it holds, up to the head the
        case row names)."""
        stored = self.store.read_case(number)
        case = stored.case
        if self._reads_own_only(principal):
            raise _not_found(number)
        if not (self.may_read_internal(principal, case)
                or principal.can(auth.SUPERVISION_READ, case.region)):
            principal.require(auth.CASE_READ_INTERNAL, case.region, case.item.department_code)
        self.log_read(principal, case, "VerifyTrace", purpose)
        entries = self.store.trace(number)
        broken = verify(entries)
        if broken is None and (len(entries) != stored.trace_seq or (
                entries and entries[-1].hash != stored.trace_head)):
            broken = Break(len(entries) + 1 if len(entries) < stored.trace_seq
                           else stored.trace_seq,
                           "the trace does not end where the case says it does: entries "
                           "removed or added")
        return entries, broken

    def queue(self, principal: Principal, department_code: str, role: str, region: str,
              unclaimed_only: bool, mine_only: bool, offset: int, size: int,
              query: str = "") -> tuple[list[tuple[StepInstance, Case, str]], int]:
        """Running steps (待办) of a department (by its code) and position, earliest due
        first. Supervisors (``case.reassign`` without ``case.handle``) read the queues of
        their regions — every department and position unless they name one — to reassign
        their steps. ``query``: a case number's beginning or words of the applicant's name
        (工作台检索)."""
        if not principal.can(auth.CASE_HANDLE) and principal.can(auth.CASE_REASSIGN):
            regions = self._region_prefixes(principal, auth.CASE_REASSIGN, region)
            rows, total = self.store.queue(
                [department_code] if department_code else None, [role] if role else None,
                regions, principal.subject if mine_only else None, unclaimed_only,
                offset, size, search=query)
            return self._entries(rows), total
        principal.require(auth.CASE_HANDLE)
        regions = self._region_prefixes(principal, auth.CASE_HANDLE, region)
        own = principal.bound_department(auth.CASE_HANDLE)
        department = department_code or principal.department or ""
        if own is not None and department != own:
            principal.require(auth.CASE_HANDLE, None, department)
        actor = actor_of(principal)
        roles = [role] if role else (None if actor.admin else sorted(actor.positions))
        rows, total = self.store.queue([department] if department else None, roles,
                                       regions, principal.subject if mine_only else None,
                                       unclaimed_only, offset, size, search=query)
        return self._entries(rows), total

    def parallel_branches(self, principal: Principal, region: str, late_only: bool,
                          offset: int, size: int
                          ) -> tuple[list[tuple[StepInstance, Case, str]], int]:
        """Running parallel branches (并联审批) of every department of the caller's regions
        (or ``region``), earliest due first: what the service centre leading them — and
        supervision — watches and urges (服务中心协调并联审批). ``late_only``: those past
        their due date."""
        principal.require(auth.CASE_COORDINATE)
        regions = self._region_prefixes(principal, auth.CASE_COORDINATE, region)
        before = local_day(self.clock()).isoformat() if late_only else None
        rows, total = self.store.queue(None, None, regions, None, False, offset, size,
                                       branches_only=True, due_before=before)
        return self._entries(rows), total

    def _regions_of(self, principal: Principal, permission: str, region: str
                    ) -> Callable[[Any], Any]:
        """The filter of a listing to ``region`` (checked) or, when empty, to the caller's
        regions this node holds."""
        prefixes = self._region_prefixes(principal, permission, region)

        def region_filter(column):  # type: ignore[no-untyped-def]
            from sqlalchemy import or_  # noqa: PLC0415

            return or_(*(column.like(p + "%") for p in prefixes))

        return region_filter

    def _region_prefixes(self, principal: Principal, permission: str, region: str
                         ) -> tuple[str, ...]:
        """The leading digits of the region codes a listing is limited to: ``region``
        (checked) or, when empty, the caller's regions this node holds."""
        if region:
            self.territory.require(region)
            principal.require(permission, region)
        scopes = (region,) if region else tuple(
            s for s in principal.regions if self.territory.holds(s)
            or covers(s, self.territory.node_region))
        if not scopes:
            raise PermissionDenied(
                f"this node holds {self.territory.description}: none of the caller's regions "
                f"({', '.join(principal.regions)})", code="REGION_NOT_HOSTED")
        return tuple(scope_prefix(s) for s in scopes)

    def _entries(self, rows: list[Any]) -> list[tuple[StepInstance, Case, str]]:
        """The queue's rows (``CaseStore.queue``) as (the step instance, its case, the
        case's due date)."""
        entries = []
        for number, instance_id, state, sequence, case_due in rows:
            case = self.store.decode_at(number, sequence, state)
            entries.append((case.instance(instance_id), case, case_due))
        return entries

    # --- sweeps -------------------------------------------------------------------------
    def lapse_overdue(self, today: date | None = None) -> int:
        """Applications whose supplements did not come in time lapse (申请失效)."""
        day = today or local_day(self.clock())
        from sqlalchemy import select  # noqa: PLC0415

        with self.db.read() as s:
            numbers = list(s.execute(select(t.cases.c.case_number).where(
                t.cases.c.status == CaseStatus.SUPPLEMENT.value)).scalars())
        lapsed = 0
        system = Principal(SYSTEM_ACTOR, ("admin",), (self.node_region,),
                           permissions=auth.permissions_of(["admin"]))
        for number in numbers:
            case = self.store.read_case(number).case
            request = case.open_supplement
            if request is None or day <= request.due_on:
                continue
            self.act(system, number, Lapse(), f"lapse-{number}-{request.request_id}")
            lapsed += 1
        return lapsed

    def publish_roots(self, today: date | None = None, days_back: int = 7) -> int:
        """The daily Merkle root of each region's chain heads, for every finished day of the
        last ``days_back`` without one; each kept once and published as an event."""
        day = today or local_day(self.clock())
        done = 0
        for back in range(days_back, 0, -1):
            when = day - timedelta(days=back)
            start = datetime.combine(when, time(), CHINA).astimezone(UTC)
            heads = self.store.heads_of_day(start, start + timedelta(days=1))
            already = self.store.roots_done(when)
            for region, pairs in heads.items():
                if region in already:
                    continue
                root = merkle_root([digest for _, digest in pairs])
                self._keep_root(region, when, root, len(pairs))
                done += 1
        return done

    def _keep_root(self, region: str, day: date, root: str, count: int) -> None:
        from sqlalchemy.dialects import postgresql, sqlite  # noqa: PLC0415

        module = postgresql if self.db.dialect == "postgresql" else sqlite
        data = pb.TraceRoot(region=region, day=day.isoformat(), root=root, cases=count)
        event = make_event("case.trace_root", data, node=self.node_region, region=region)
        with self.db.transaction() as s:
            inserted = s.execute(module.insert(t.trace_roots).values(
                region=region, day=day.isoformat(), root=root, cases=count,
                computed_at=datetime.now(UTC)).on_conflict_do_nothing().returning(
                t.trace_roots.c.region)).first()
            if inserted is not None:  # once, even with several case processes sweeping
                # no case: its region for supervision's partitions (one of them gets it)
                s.execute(self.outbox.table.insert().values(self.outbox.row(
                    event, routing_key("case.trace_root", region),
                    json.dumps({**current_traceparent(), PARTITION_HEADER: region}))))


def _sending_node(principal: Principal) -> str:
    """The node a case relay speaks for: its token's one region."""
    if len(principal.regions) != 1:
        raise PermissionDenied(f"{principal.subject} is not a node's case relay: its token "
                               "names one region, the node's", code="NOT_A_NODE")
    return principal.regions[0]


def _opinion(event: CaseEvent) -> str:
    for name in ("opinion", "reasons", "reason", "result", "note"):
        value = getattr(event, name, "")
        if value:
            return str(value)
    decision = getattr(event, "decision", None)
    return decision.reasons if decision is not None else ""


def _acted_as(case: Case, event: CaseEvent, principal: Principal, actor: Actor) -> str:
    """The position or role the actor acted in, for the trace."""
    instance_id = getattr(event, "instance_id", "")
    if instance_id:
        instance = case.instance(instance_id)
        if instance.role in actor.positions:
            return instance.role
    return ",".join(principal.roles)
