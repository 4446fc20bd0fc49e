"""Connect a department's own business system to a Sunlight (阳光) node.

- :class:`SunlightClient` — the gateway's HTTP JSON API, typed: submit an application, act on
  a case, read a case and the department's queue; timeouts on every call, transient failures
  retried with the same idempotency key, refusals raised as typed errors.
- :class:`Outbox` and :class:`Relay` — the department's own rows and its requests to the node
  commit together; the relay delivers them in order, at least once, and parks refusals.
- :class:`EventConsumer` — the node's case events from ``cases.events``, each handled once.

The contract it implements is docs/department-systems.md of the Sunlight repository.
"""

from sunlight_adapter.client import RetryPolicy, SunlightClient
from sunlight_adapter.errors import (
    Conflict,
    FieldViolation,
    GatewayUnavailable,
    InvalidRequest,
    NotFound,
    PermanentError,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    ServerError,
    SunlightError,
    TransientError,
    Unauthenticated,
)
from sunlight_adapter.events import EXCHANGE, EventConsumer, Outcome
from sunlight_adapter.models import (
    Accept,
    Action,
    Applicant,
    Application,
    Case,
    CaseAction,
    CaseEvent,
    CaseStep,
    Claim,
    Complete,
    CompleteStep,
    Decide,
    Decision,
    EndProcedure,
    Lapse,
    Material,
    OtherAction,
    PublishResult,
    Queue,
    QueueEntry,
    ReceiveSupplement,
    Reject,
    Release,
    RequestSupplement,
    ReturnStep,
    StartProcedure,
    Withdraw,
)
from sunlight_adapter.outbox import Outbox, OutboxEntry, OutboxTransaction, Relay, RelayReport

__all__ = [
    "EXCHANGE", "Accept", "Action", "Applicant", "Application", "Case", "CaseAction",
    "CaseEvent", "CaseStep", "Claim", "Complete", "CompleteStep", "Conflict", "Decide",
    "Decision", "EndProcedure", "EventConsumer", "FieldViolation", "GatewayUnavailable",
    "InvalidRequest", "Lapse", "Material", "NotFound", "OtherAction", "Outbox", "OutboxEntry",
    "OutboxTransaction", "Outcome", "PermanentError", "PermissionDenied", "PreconditionFailed",
    "PublishResult", "Queue", "QueueEntry", "RateLimited", "ReceiveSupplement", "Reject",
    "Relay", "RelayReport", "Release", "RequestSupplement", "RetryPolicy", "ReturnStep",
    "ServerError", "StartProcedure", "SunlightClient", "SunlightError", "TransientError",
    "Unauthenticated", "Withdraw",
]
