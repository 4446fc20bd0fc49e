"""Domain errors: what went wrong, in words a person can act on.

Domain and service code raise these; the gRPC layer (``grpc_errors``) turns each into a status
code plus a ``sunlight.common.v1.ErrorDetail``; the gateway turns that into an HTTP status
with the same detail as JSON. Nothing else ever reaches a caller: unexpected exceptions become
INTERNAL with only an identifier, the trace stays in the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    description: str


@dataclass
class DomainError(Exception):
    message: str
    code: str = "FAILED_PRECONDITION"
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[FieldProblem] = field(default_factory=list)

    #: gRPC status name this kind of error maps to.
    grpc_status = "FAILED_PRECONDITION"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidArgument(DomainError):
    grpc_status = "INVALID_ARGUMENT"

    def __init__(self, message: str, *, code: str = "INVALID_ARGUMENT",
                 violations: list[FieldProblem] | None = None,
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {}, violations or [])

    @classmethod
    def of_field(cls, field_name: str, description: str, code: str = "INVALID_ARGUMENT"
                 ) -> InvalidArgument:
        return cls(f"{field_name}: {description}", code=code,
                   violations=[FieldProblem(field_name, description)])


class NotFound(DomainError):
    grpc_status = "NOT_FOUND"

    def __init__(self, message: str, *, code: str = "NOT_FOUND",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {})


class FailedPrecondition(DomainError):
    grpc_status = "FAILED_PRECONDITION"

    def __init__(self, message: str, *, code: str = "FAILED_PRECONDITION",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {})


class Conflict(DomainError):
    """The request contradicts the current state (stale step, idempotency key reuse…)."""

    grpc_status = "ABORTED"

    def __init__(self, message: str, *, code: str = "CONFLICT",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {})


class AlreadyExists(DomainError):
    grpc_status = "ALREADY_EXISTS"

    def __init__(self, message: str, *, code: str = "ALREADY_EXISTS",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {})


class Unauthenticated(DomainError):
    grpc_status = "UNAUTHENTICATED"

    def __init__(self, message: str, *, code: str = "UNAUTHENTICATED") -> None:
        super().__init__(message, code)


class PermissionDenied(DomainError):
    grpc_status = "PERMISSION_DENIED"

    def __init__(self, message: str, *, code: str = "PERMISSION_DENIED",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {})


class Unavailable(DomainError):
    """A dependency (another service, the database) did not answer in time."""

    grpc_status = "UNAVAILABLE"

    def __init__(self, message: str, *, code: str = "UNAVAILABLE",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, code, metadata or {})
