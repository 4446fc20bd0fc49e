"""What a department's system sends to a node and what comes back, as plain dataclasses.

The wire form is the gateway's HTTP JSON: the proto3 JSON mapping of
``protos/sunlight/cases/v1/cases.proto`` with the proto field names. Requests are checked
here against the contract's limits before anything is sent (``ValueError`` naming the field),
so that a bad request fails in the department's own transaction, not hours later in a relay.
Replies keep the fields a department's system acts on, typed, and the whole JSON in ``raw``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "Accept",
    "Action",
    "Applicant",
    "Application",
    "CaseAction",
    "Case",
    "CaseEvent",
    "CaseStep",
    "Claim",
    "Complete",
    "CompleteStep",
    "Decide",
    "Decision",
    "EndProcedure",
    "Lapse",
    "Material",
    "OtherAction",
    "PublishResult",
    "Queue",
    "QueueEntry",
    "ReceiveSupplement",
    "Reject",
    "Release",
    "RequestSupplement",
    "ReturnStep",
    "StartProcedure",
    "Withdraw",
    "action_of",
    "check_idempotency_key",
]

_LINE = re.compile(r"^[^\x00-\x1F\x7F]*$")
_TEXT = re.compile(r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$")
_REGION = re.compile(r"^[0-9]{6}$")
_CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
_MATERIAL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_INSTANCE = re.compile(r"^s[0-9]{1,4}$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ID_NUMBER = re.compile(r"^[0-9A-Za-z]{1,18}$")
ID_TYPES = ("id_card", "credit_code")
#: short forms the gateway takes (and the full enum names)
MODES = ("immediate", "promised", "reported", "filing")
CHANNELS = ("online", "counter", "agent", "system")
OUTCOMES = ("approve", "refuse", "impose", "not_impose")
#: Case.status values of a closed case
CLOSED = frozenset({"CASE_STATUS_COMPLETED", "CASE_STATUS_REJECTED", "CASE_STATUS_WITHDRAWN",
                    "CASE_STATUS_LAPSED"})


def _need(ok: bool, field_name: str, what: str) -> None:
    if not ok:
        raise ValueError(f"{field_name}: {what}")


def _line(value: str, field_name: str, max_len: int, required: bool = False) -> None:
    _need(isinstance(value, str), field_name, "must be text")
    _need(not required or bool(value.strip()), field_name, "required")
    _need(len(value) <= max_len, field_name, f"at most {max_len} characters")
    _need(bool(_LINE.match(value)), field_name, "no control characters (one line of text)")


def _text(value: str, field_name: str, max_len: int, required: bool = False) -> None:
    _need(isinstance(value, str), field_name, "must be text")
    _need(not required or bool(value.strip()), field_name, "required")
    _need(len(value) <= max_len, field_name, f"at most {max_len} characters")
    _need(bool(_TEXT.match(value)), field_name, "no control characters but tabs and line breaks")


def check_idempotency_key(key: str, field_name: str = "idempotency_key") -> None:
    """Your own id of the thing sent: required, at most 128 characters, one line."""
    _line(key, field_name, 128, required=True)


def check_case_number(number: str) -> None:
    _need(isinstance(number, str) and bool(_CASE_NUMBER.match(number)), "case_number",
          "1-50 letters, digits or '-', e.g. 511602202611020000001")


def _enum_short(value: str, choices: Sequence[str], field_name: str) -> None:
    short = value.strip().lower()
    _need(any(short == c or short.endswith("_" + c) for c in choices), field_name,
          f"one of {', '.join(choices)}")


# --- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """A person (``id_card``, GB 11643) or an organisation (``credit_code``, GB 32100)."""

    name: str
    id_number: str
    id_type: str = "credit_code"

    def check(self, at: str = "applicant") -> None:
        _line(self.name, f"{at}.name", 200, required=True)
        _need(self.id_type in ID_TYPES, f"{at}.id_type", "id_card or credit_code")
        _need(bool(_ID_NUMBER.match(self.id_number or "")), f"{at}.id_number",
              "1-18 letters or digits")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "id_type": self.id_type, "id_number": self.id_number}


@dataclass(frozen=True)
class Material:
    """A material handed in, by its key in the item's material list."""

    key: str
    originals: int = 0
    copies: int = 0

    def check(self, at: str) -> None:
        _need(bool(_MATERIAL_KEY.match(self.key or "")), f"{at}.key",
              "the key of the item's material list (a-z, 0-9, _; at most 40)")
        for name, value in (("originals", self.originals), ("copies", self.copies)):
            _need(isinstance(value, int) and 0 <= value <= 1000, f"{at}.{name}", "0..1000")

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "originals": self.originals, "copies": self.copies}


@dataclass(frozen=True)
class Application:
    """SubmitApplication (``POST /v1/cases``): an application for ``item_id`` in ``region``.

    ``idempotency_key`` is your system's own number of the application: sending it again
    (a retry, a relay after a crash) answers the case the first call created.
    """

    idempotency_key: str
    item_id: str
    region: str
    applicant: Applicant
    materials: Sequence[Material] = ()
    #: 0: the version in force now (the case stays pinned to it)
    item_version: int = 0
    mode: str = "promised"
    #: a department's system submits with channel ``system`` (it may act on such cases)
    channel: str = "system"
    agent: Applicant | None = None
    agent_authorisation: str = ""

    def check(self) -> None:
        check_idempotency_key(self.idempotency_key)
        _line(self.item_id, "item_id", 36, required=True)
        _need(isinstance(self.region, str) and bool(_REGION.match(self.region)), "region",
              "6 digits (GB/T 2260), the item's region")
        _need(isinstance(self.item_version, int) and self.item_version >= 0, "item_version",
              "0 or more")
        _need(isinstance(self.applicant, Applicant), "applicant", "required (an Applicant)")
        self.applicant.check()
        if self.agent is not None:
            self.agent.check("agent")
        _enum_short(self.mode, MODES, "mode")
        _enum_short(self.channel, CHANNELS, "channel")
        _need(len(self.materials) <= 100, "materials", "at most 100")
        for i, material in enumerate(self.materials):
            material.check(f"materials[{i}]")
        _line(self.agent_authorisation, "agent_authorisation", 500)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "idempotency_key": self.idempotency_key, "item_id": self.item_id,
            "item_version": self.item_version, "region": self.region,
            "applicant": self.applicant.to_json(), "mode": self.mode, "channel": self.channel,
            "materials": [m.to_json() for m in self.materials]}
        if self.agent is not None:
            body["agent"] = self.agent.to_json()
        if self.agent_authorisation:
            body["agent_authorisation"] = self.agent_authorisation
        return body

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Application:
        agent = body.get("agent")
        return cls(idempotency_key=body["idempotency_key"], item_id=body["item_id"],
                   region=body["region"], applicant=Applicant(**body["applicant"]),
                   materials=tuple(Material(**m) for m in body.get("materials", ())),
                   item_version=int(body.get("item_version", 0)),
                   mode=body.get("mode", "promised"), channel=body.get("channel", "system"),
                   agent=Applicant(**agent) if agent else None,
                   agent_authorisation=body.get("agent_authorisation", ""))


class Action:
    """One action of ActOnCase; its class names it (``name``: the field of the request)."""

    name: ClassVar[str] = ""

    def check(self) -> None:
        """ValueError naming the field when the action breaks the contract's limits."""

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items()}


def _instance(value: str, at: str) -> None:
    _need(bool(_INSTANCE.match(value or "")), at,
          "a step instance id such as s3 (CaseStep.instance_id)")


@dataclass(frozen=True)
class Accept(Action):
    """Accept the application (受理)."""

    name: ClassVar[str] = "accept"
    opinion: str = ""

    def check(self) -> None:
        _text(self.opinion, "accept.opinion", 2000)


@dataclass(frozen=True)
class Reject(Action):
    """Do not accept it (不予受理); ``reason_code`` (e.g. ``NOT_QUALIFIED``) is required when
    the application is complete."""

    name: ClassVar[str] = "reject"
    reasons: str
    reason_code: str = ""

    def check(self) -> None:
        _text(self.reasons, "reject.reasons", 2000, required=True)
        _need(bool(re.match(r"^([A-Z][A-Z0-9_]{0,39})?$", self.reason_code)),
              "reject.reason_code", "upper-case code such as NOT_QUALIFIED")


@dataclass(frozen=True)
class RequestSupplement(Action):
    """Ask for supplements (补正): material keys and the applicant's last day."""

    name: ClassVar[str] = "request_supplement"
    missing: Sequence[str]
    due_date: str

    def check(self) -> None:
        _need(1 <= len(self.missing) <= 100, "request_supplement.missing", "1 to 100 keys")
        for key in self.missing:
            _need(bool(_MATERIAL_KEY.match(key)), "request_supplement.missing",
                  f"{key!r} is not a material key")
        _need(bool(_DAY.match(self.due_date)), "request_supplement.due_date", "YYYY-MM-DD")

    def fields(self) -> dict[str, Any]:
        return {"missing": list(self.missing), "due_date": self.due_date}


@dataclass(frozen=True)
class ReceiveSupplement(Action):
    name: ClassVar[str] = "receive_supplement"
    materials: Sequence[Material]

    def check(self) -> None:
        _need(1 <= len(self.materials) <= 100, "receive_supplement.materials", "1 to 100")
        for i, material in enumerate(self.materials):
            material.check(f"receive_supplement.materials[{i}]")

    def fields(self) -> dict[str, Any]:
        return {"materials": [m.to_json() for m in self.materials]}


@dataclass(frozen=True)
class Lapse(Action):
    name: ClassVar[str] = "lapse"


@dataclass(frozen=True)
class Claim(Action):
    """Claim a running step (签收)."""

    name: ClassVar[str] = "claim"
    instance_id: str

    def check(self) -> None:
        _instance(self.instance_id, "claim.instance_id")


@dataclass(frozen=True)
class Release(Action):
    name: ClassVar[str] = "release"
    instance_id: str

    def check(self) -> None:
        _instance(self.instance_id, "release.instance_id")


@dataclass(frozen=True)
class CompleteStep(Action):
    """Report a step's result: its opinion and the countermeasures carried out (as the item
    words them)."""

    name: ClassVar[str] = "complete_step"
    instance_id: str
    opinion: str = ""
    countermeasures: Sequence[str] = ()

    def check(self) -> None:
        _instance(self.instance_id, "complete_step.instance_id")
        _text(self.opinion, "complete_step.opinion", 2000)
        _need(len(self.countermeasures) <= 20, "complete_step.countermeasures", "at most 20")

    def fields(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "opinion": self.opinion,
                "countermeasures": list(self.countermeasures)}


@dataclass(frozen=True)
class ReturnStep(Action):
    name: ClassVar[str] = "return_step"
    instance_id: str
    to_key: str
    reason: str

    def check(self) -> None:
        _instance(self.instance_id, "return_step.instance_id")
        _need(bool(_MATERIAL_KEY.match(self.to_key)), "return_step.to_key", "a step's key")
        _text(self.reason, "return_step.reason", 2000, required=True)


@dataclass(frozen=True)
class StartProcedure(Action):
    """A special procedure (``expert_review``, ``hearing``, ``extension`` …)."""

    name: ClassVar[str] = "start_procedure"
    kind: str
    reason: str
    extension_days: int = 0

    def check(self) -> None:
        _need(bool(self.kind.strip()), "start_procedure.kind", "required, e.g. expert_review")
        _text(self.reason, "start_procedure.reason", 2000, required=True)
        _need(0 <= self.extension_days <= 30, "start_procedure.extension_days", "0..30")


@dataclass(frozen=True)
class EndProcedure(Action):
    name: ClassVar[str] = "end_procedure"
    result: str

    def check(self) -> None:
        _text(self.result, "end_procedure.result", 2000, required=True)


@dataclass(frozen=True)
class Decide(Action):
    """The decision (决定): ``approve`` or ``refuse`` (a refusal needs ``reasons`` and
    ``legal_basis`` cited from the item's own)."""

    name: ClassVar[str] = "decide"
    outcome: str
    reasons: str = ""
    legal_basis: Sequence[str] = ()
    document_number: str = ""
    certificate: str = ""
    valid_until: str = ""
    countermeasures: Sequence[str] = ()

    def check(self) -> None:
        _enum_short(self.outcome, OUTCOMES, "decide.outcome")
        _text(self.reasons, "decide.reasons", 2000)
        _need(len(self.legal_basis) <= 20, "decide.legal_basis", "at most 20")
        _line(self.document_number, "decide.document_number", 100)
        _line(self.certificate, "decide.certificate", 200)
        _need(not self.valid_until or bool(_DAY.match(self.valid_until)), "decide.valid_until",
              "YYYY-MM-DD or empty")

    def fields(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "reasons": self.reasons,
                "legal_basis": list(self.legal_basis), "document_number": self.document_number,
                "certificate": self.certificate, "valid_until": self.valid_until,
                "countermeasures": list(self.countermeasures)}


@dataclass(frozen=True)
class PublishResult(Action):
    name: ClassVar[str] = "publish_result"


@dataclass(frozen=True)
class Complete(Action):
    name: ClassVar[str] = "complete"


@dataclass(frozen=True)
class Withdraw(Action):
    name: ClassVar[str] = "withdraw"
    reason: str = ""

    def check(self) -> None:
        _text(self.reason, "withdraw.reason", 2000)


@dataclass(frozen=True)
class OtherAction(Action):
    """Any other action of the contract by its field name and JSON fields, e.g.
    ``OtherAction("charge_fee", {"name": "工本费", "waived": True, "basis": "…"})``."""

    action: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.action

    def check(self) -> None:
        _need(bool(re.match(r"^[a-z][a-z_]{0,39}$", self.action)), "action",
              "an action's field name, e.g. charge_fee")

    def fields(self) -> dict[str, Any]:
        return dict(self.values)


_ACTIONS: dict[str, type[Action]] = {
    cls.name: cls for cls in (Accept, Reject, RequestSupplement, ReceiveSupplement, Lapse,
                              Claim, Release, CompleteStep, ReturnStep, StartProcedure,
                              EndProcedure, Decide, PublishResult, Complete, Withdraw)}


def action_of(name: str, values: Mapping[str, Any]) -> Action:
    """The action from its field name and JSON fields (as stored in an outbox)."""
    kind = _ACTIONS.get(name)
    if kind is None:
        return OtherAction(name, dict(values))
    if kind is ReceiveSupplement:
        return ReceiveSupplement(tuple(Material(**m) for m in values.get("materials", ())))
    return kind(**values)


@dataclass(frozen=True)
class CaseAction:
    """ActOnCase (``POST /v1/cases/{case_number}/actions``): one action on a case.

    ``idempotency_key``: your system's id of the step result or decision record.
    """

    idempotency_key: str
    case_number: str
    action: Action

    def check(self) -> None:
        check_idempotency_key(self.idempotency_key)
        check_case_number(self.case_number)
        _need(isinstance(self.action, Action), "action", "one Action (Accept, Decide, …)")
        self.action.check()

    def body(self) -> dict[str, Any]:
        """The request body (the case number goes in the path)."""
        return {"idempotency_key": self.idempotency_key, self.action.name: self.action.fields()}


# --- replies ----------------------------------------------------------------------------


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def short(enum_value: str) -> str:
    """``submitted`` for ``CASE_STATUS_SUBMITTED``, ``active`` for ``STEP_STATUS_ACTIVE``."""
    for prefix in ("CASE_STATUS_", "STEP_STATUS_", "DECISION_OUTCOME_", "HANDLING_MODE_",
                   "CHANNEL_"):
        if enum_value.startswith(prefix):
            return enum_value.removeprefix(prefix).lower()
    return enum_value.lower()


@dataclass(frozen=True)
class CaseStep:
    """One pass of a step (or a parallel branch): actions name it by ``instance_id``."""

    instance_id: str
    key: str
    name: str
    status: str
    role: str = ""
    department: str = ""
    department_code: str = ""
    due_date: str = ""
    days_left: int = 0
    assignee: str = ""
    claimed: bool = False
    branch: str = ""
    stage: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return self.status == "STEP_STATUS_ACTIVE"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseStep:
        return cls(instance_id=data.get("instance_id", ""), key=data.get("key", ""),
                   name=data.get("name", ""), status=data.get("status", ""),
                   role=data.get("role", ""), department=data.get("department", ""),
                   department_code=data.get("department_code", ""),
                   due_date=data.get("due_date", ""), days_left=_int(data.get("days_left")),
                   assignee=data.get("assignee", ""), claimed=bool(data.get("claimed")),
                   branch=data.get("branch", ""), stage=_int(data.get("stage")), raw=data)


@dataclass(frozen=True)
class Decision:
    outcome: str
    reasons: str = ""
    document_number: str = ""
    certificate: str = ""
    valid_until: str = ""
    decided_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Decision | None:
        if not data or data.get("outcome", "DECISION_OUTCOME_UNSPECIFIED") in (
                "", "DECISION_OUTCOME_UNSPECIFIED"):
            return None
        return cls(outcome=data["outcome"], reasons=data.get("reasons", ""),
                   document_number=data.get("document_number", ""),
                   certificate=data.get("certificate", ""),
                   valid_until=data.get("valid_until", ""),
                   decided_at=_time(data.get("decided_at")))


@dataclass(frozen=True)
class Case:
    """A case as the node answers it (``CaseResponse.case``)."""

    case_number: str
    status: str
    region: str = ""
    item_id: str = ""
    item_version: int = 0
    item_name: str = ""
    department: str = ""
    department_code: str = ""
    steps: tuple[CaseStep, ...] = ()
    allowed_actions: tuple[str, ...] = ()
    missing_materials: tuple[str, ...] = ()
    due_date: str = ""
    sequence: int = 0
    query_code: str = ""
    reason: str = ""
    decision: Decision | None = None
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    def active_steps(self) -> list[CaseStep]:
        return [s for s in self.steps if s.active]

    def step(self, key: str) -> CaseStep | None:
        """The running instance of the step (or branch, ``review/fire``) with this key."""
        return next((s for s in self.steps if s.active and s.key == key), None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Case:
        return cls(case_number=data.get("case_number", ""), status=data.get("status", ""),
                   region=data.get("region", ""), item_id=data.get("item_id", ""),
                   item_version=_int(data.get("item_version")),
                   item_name=data.get("item_name", ""), department=data.get("department", ""),
                   department_code=data.get("department_code", ""),
                   steps=tuple(CaseStep.from_json(s) for s in data.get("steps") or ()),
                   allowed_actions=tuple(data.get("allowed_actions") or ()),
                   missing_materials=tuple(data.get("missing_materials") or ()),
                   due_date=data.get("due_date", ""), sequence=_int(data.get("sequence")),
                   query_code=data.get("query_code", ""), reason=data.get("reason", ""),
                   decision=Decision.from_json(data.get("decision")),
                   submitted_at=_time(data.get("submitted_at")),
                   accepted_at=_time(data.get("accepted_at")),
                   completed_at=_time(data.get("completed_at")), raw=data)


@dataclass(frozen=True)
class QueueEntry:
    case_number: str
    item_name: str
    step: CaseStep
    case_status: str
    case_due_date: str = ""
    applicant_name: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QueueEntry:
        return cls(case_number=data.get("case_number", ""),
                   item_name=data.get("item_name", ""),
                   step=CaseStep.from_json(data.get("step") or {}),
                   case_status=data.get("case_status", ""),
                   case_due_date=data.get("case_due_date", ""),
                   applicant_name=data.get("applicant_name", ""))


@dataclass(frozen=True)
class Queue:
    """ListQueue: running steps of the department, earliest due first."""

    entries: tuple[QueueEntry, ...]
    next_page_token: str = ""
    total: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Queue:
        return cls(entries=tuple(QueueEntry.from_json(e) for e in data.get("entries") or ()),
                   next_page_token=data.get("next_page_token", ""),
                   total=_int(data.get("total")))


@dataclass(frozen=True)
class CaseEvent:
    """One event of ``cases.events``: the envelope (``event_id``, ``type`` …) and its ``data``
    (a ``sunlight.cases.v1.CaseEvent``: the case's state after the event; a
    ``sunlight.cases.v1.TraceRoot`` for ``case.trace_root``)."""

    event_id: str
    type: str
    occurred_at: datetime | None
    node: str
    region: str
    schema: str
    data: Mapping[str, Any]
    routing_key: str = ""

    @property
    def case_number(self) -> str:
        return str(self.data.get("case_number", ""))

    @property
    def sequence(self) -> int:
        """1 for a case's first event, +1 for each later one (0 for a trace root)."""
        return _int(self.data.get("sequence"))

    @property
    def status(self) -> str:
        return str(self.data.get("status", ""))

    @property
    def step(self) -> CaseStep | None:
        step = self.data.get("step")
        return CaseStep.from_json(step) if step else None

    @classmethod
    def from_json(cls, body: Mapping[str, Any], routing_key: str = "") -> CaseEvent:
        """ValueError when the body is not an event envelope."""
        event_id, kind = body.get("event_id"), body.get("type")
        if not isinstance(event_id, str) or not event_id or not isinstance(kind, str):
            raise ValueError("not an event envelope: event_id and type are required")
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise ValueError("not an event envelope: data must be an object")
        return cls(event_id=event_id, type=kind, occurred_at=_time(body.get("occurred_at")),
                   node=str(body.get("node", "")), region=str(body.get("region", "")),
                   schema=str(body.get("schema", "")), data=data,
                   routing_key=routing_key or kind)
