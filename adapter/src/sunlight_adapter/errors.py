"""The node's refusals as typed exceptions.

Every 4xx/5xx answer of the gateway has the body::

    {"error": {"code": "ITEM_NOT_PUBLISHED", "message": "...", "identifier": "...",
               "metadata": {...}, "field_violations": [{"field": "...", "description": "..."}]}}

(docs/department-systems.md, "Errors"). Each HTTP status becomes one class; two families say
what to do about it:

- :class:`TransientError` — the node is busy or away (503, 504, 500, 429, a timeout, a
  connection that failed): send the same request again, with the same idempotency key.
- :class:`PermanentError` — the request itself is refused (400, 401, 403, 404, 409, 422):
  sending it again changes nothing; fix it or re-read the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Conflict",
    "FieldViolation",
    "GatewayUnavailable",
    "InvalidRequest",
    "NotFound",
    "PermanentError",
    "PermissionDenied",
    "PreconditionFailed",
    "RateLimited",
    "ServerError",
    "SunlightError",
    "TransientError",
    "Unauthenticated",
    "error_from_response",
]


@dataclass(frozen=True)
class FieldViolation:
    """One field of the request to correct (``field`` is a dotted path)."""

    field: str
    description: str


class SunlightError(Exception):
    """A call the node refused or could not answer.

    ``status`` is the HTTP status (0 when no answer came), ``code`` the node's stable code
    (``ACTION_NOT_ALLOWED``, ``IDEMPOTENCY_KEY_REUSED``, …), ``message`` its sentence for a
    person, ``identifier`` the id the node logged it under (quote it to the node's operators).
    """

    #: whether sending the same request again (same key) may succeed
    transient = False

    def __init__(self, status: int, code: str, message: str, *, identifier: str = "",
                 metadata: Mapping[str, str] | None = None,
                 field_violations: list[FieldViolation] | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.status = status
        self.code = code
        self.message = message
        self.identifier = identifier
        self.metadata: dict[str, str] = dict(metadata or {})
        self.field_violations: list[FieldViolation] = list(field_violations or [])

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
                f"message={self.message!r}, identifier={self.identifier!r})")


class PermanentError(SunlightError):
    """Refused for what the request says: never retried as is."""


class TransientError(SunlightError):
    """The node could not answer now: retry with the same idempotency key."""

    transient = True


class InvalidRequest(PermanentError):
    """400: a field breaks the contract (see ``field_violations``)."""


class Unauthenticated(PermanentError):
    """401: the token is missing, malformed or expired: get a fresh one."""


class PermissionDenied(PermanentError):
    """403: the token may not do this (``OTHER_DEPARTMENT``, ``REGION_OUT_OF_SCOPE``, …)."""


class NotFound(PermanentError):
    """404: ``CASE_NOT_FOUND``, ``STEP_NOT_FOUND``."""


class Conflict(PermanentError):
    """409: ``IDEMPOTENCY_KEY_REUSED`` (the key was used for another request), ``STEP_TAKEN``,
    ``STEP_NOT_ACTIVE``: re-read the case."""


class PreconditionFailed(PermanentError):
    """422: the case is not where you think (``ACTION_NOT_ALLOWED`` with ``status`` and
    ``allowed`` in ``metadata``, ``MATERIALS_INCOMPLETE``, …): re-read it."""


class RateLimited(TransientError):
    """429: wait ``retry_after_s`` seconds (the answer's ``Retry-After``) and retry."""

    def __init__(self, *args: Any, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_s = retry_after_s


class GatewayUnavailable(TransientError):
    """503 / 504, or no answer at all (status 0: a timeout or a connection that failed)."""


class ServerError(TransientError):
    """500 (or another 5xx): retry with the same key; report ``identifier`` if it stays."""


_BY_STATUS: dict[int, type[SunlightError]] = {
    400: InvalidRequest, 401: Unauthenticated, 403: PermissionDenied, 404: NotFound,
    409: Conflict, 422: PreconditionFailed, 429: RateLimited,
    503: GatewayUnavailable, 504: GatewayUnavailable,
}


@dataclass(frozen=True)
class _Body:
    code: str
    message: str
    identifier: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    violations: list[FieldViolation] = field(default_factory=list)


def _body_of(status: int, payload: Any, text: str) -> _Body:
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):  # not the node's error model (a proxy in between …)
        return _Body(f"HTTP_{status}", text.strip()[:300] or f"HTTP {status}")
    violations = [FieldViolation(str(v.get("field", "")), str(v.get("description", "")))
                  for v in error.get("field_violations") or [] if isinstance(v, dict)]
    metadata = error.get("metadata") or {}
    return _Body(str(error.get("code") or f"HTTP_{status}"), str(error.get("message") or ""),
                 str(error.get("identifier") or ""),
                 {str(k): str(v) for k, v in metadata.items()}
                 if isinstance(metadata, dict) else {}, violations)


def error_from_response(status: int, payload: Any, text: str = "",
                        retry_after: str | None = None) -> SunlightError:
    """The typed exception for an error answer (``payload``: its parsed JSON, or None)."""
    body = _body_of(status, payload, text)
    kind = _BY_STATUS.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else PermanentError
    kwargs: dict[str, Any] = {"identifier": body.identifier, "metadata": body.metadata,
                              "field_violations": body.violations}
    if kind is RateLimited:
        kwargs["retry_after_s"] = _seconds(retry_after)
    return kind(status, body.code, body.message, **kwargs)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: not worth parsing, the backoff applies
        return None
