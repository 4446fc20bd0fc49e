"""Map domain errors to gRPC status codes with a ``sunlight.common.v1.ErrorDetail``.

The detail travels as ``google.rpc.Status.details`` in the ``grpc-status-details-bin``
trailer (grpcio-status), so any gRPC client can read it; ``error_detail_of`` reads it back.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status
from sunlight.common.v1 import common_pb2

from services.shared.errors import DomainError

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def to_status(error: DomainError, identifier: str | None = None) -> status_pb2.Status:
    detail = common_pb2.ErrorDetail(
        identifier=identifier or uuid.uuid4().hex,
        code=error.code,
        message=error.message,
        metadata=error.metadata,
        field_violations=[common_pb2.FieldViolation(field=v.field, description=v.description)
                          for v in error.field_violations],
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    code = grpc.StatusCode[error.grpc_status]
    return status_pb2.Status(code=code.value[0], message=error.message, details=[packed])


def abort_with(context: grpc.ServicerContext, error: DomainError) -> None:
    context.abort_with_status(rpc_status.to_status(to_status(error)))


def _abort_for(context: grpc.ServicerContext, method: Callable[..., Any],
               error: Exception) -> None:
    """Domain errors → their status + detail; anything else → INTERNAL with only an id."""
    if isinstance(error, DomainError):
        abort_with(context, error)
        return
    identifier = uuid.uuid4().hex
    log.error("unhandled error in %s", method.__qualname__, exc_info=error,
              extra={"error_id": identifier})
    internal = DomainError(
        f"internal error {identifier}; the operators can find it in the logs", code="INTERNAL")
    internal.grpc_status = "INTERNAL"
    abort_with(context, internal)


def translate_errors(method: F) -> F:
    """Decorator for servicer methods: domain errors → status + detail, the rest → INTERNAL."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except Exception as error:  # noqa: BLE001 - every error becomes a status
            _abort_for(context, method, error)
        return None  # pragma: no cover - abort raises

    return wrapper  # type: ignore[return-value]


def translate_stream_errors(method: F) -> F:
    """``translate_errors`` for server-streaming methods (generators)."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            yield from method(self, request, context)
        except Exception as error:  # noqa: BLE001 - every error becomes a status
            _abort_for(context, method, error)

    return wrapper  # type: ignore[return-value]


def error_detail_of(error: grpc.RpcError) -> common_pb2.ErrorDetail | None:
    """The ErrorDetail carried by a failed call, if the server sent one."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        return None
    if status is None:
        return None
    for packed in status.details:
        detail = common_pb2.ErrorDetail()
        if packed.Unpack(detail):
            return detail
    return None
