"""Map domain errors to gRPC status codes with a ``sunlight.common.v1.ErrorDetail``.

The detail travels as ``google.rpc.Status.details`` in the ``grpc-status-details-bin``
trailer (grpcio-status), so any gRPC client can read it; ``error_detail_of`` reads it back.

Trailers are metadata, and gRPC refuses metadata over 8 KiB by default (the client then sees
the transport's own "received metadata size exceeds" instead of the error): ``to_status``
bounds every part of an error — message, metadata, field violations, and the detail as a whole
(``MAX_DETAIL_BYTES``) — whatever the error says.

Every servicer method goes through ``translate_errors`` (or ``translate_stream_errors``), which
first checks the request against the limits its contract states
(``services.shared.validation``).
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
from services.shared.validation import check_request

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


#: Bounds of an error (UTF-8 bytes): the message (sent twice: grpc-message and the detail),
#: each metadata key and value, each violation's field and description, and the serialized
#: ErrorDetail as a whole; with base64 and percent-encoding the trailers stay under 6 KiB.
MAX_MESSAGE_BYTES = 512
MAX_CODE_BYTES = 64
MAX_METADATA = 10
MAX_METADATA_KEY_BYTES = 64
MAX_METADATA_VALUE_BYTES = 160
MAX_VIOLATIONS = 20
MAX_FIELD_BYTES = 160
MAX_DESCRIPTION_BYTES = 300
MAX_DETAIL_BYTES = 3072


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, ending in "…" when it was cut."""
    raw = text.encode("utf-8", "replace")
    if len(raw) <= limit:
        return text
    return raw[:max(limit - 3, 0)].decode("utf-8", "ignore") + "…"


def bounded_detail(error: DomainError, identifier: str) -> common_pb2.ErrorDetail:
    """The ErrorDetail of ``error``, every part cut to its bound (see above)."""
    detail = common_pb2.ErrorDetail(
        identifier=cut(identifier, 64), code=cut(error.code, MAX_CODE_BYTES),
        message=cut(error.message, MAX_MESSAGE_BYTES))
    for key, value in list(error.metadata.items())[:MAX_METADATA]:
        detail.metadata[cut(str(key), MAX_METADATA_KEY_BYTES)] = cut(
            str(value), MAX_METADATA_VALUE_BYTES)
    violations = error.field_violations
    for v in violations[:MAX_VIOLATIONS]:
        detail.field_violations.add(field=cut(v.field, MAX_FIELD_BYTES),
                                    description=cut(v.description, MAX_DESCRIPTION_BYTES))
    dropped = len(violations) - len(detail.field_violations)
    while detail.ByteSize() > MAX_DETAIL_BYTES and detail.field_violations:
        del detail.field_violations[-1]
        dropped += 1
    if dropped:
        detail.metadata["violations_not_shown"] = str(dropped)
    if detail.ByteSize() > MAX_DETAIL_BYTES:  # metadata too: keep what fits
        kept = dict(detail.metadata)
        detail.ClearField("metadata")
        for key, value in kept.items():
            detail.metadata[key] = value
            if detail.ByteSize() > MAX_DETAIL_BYTES:
                del detail.metadata[key]
                break
    return detail


def to_status(error: DomainError, identifier: str | None = None) -> status_pb2.Status:
    detail = bounded_detail(error, identifier or uuid.uuid4().hex)
    packed = any_pb2.Any()
    packed.Pack(detail)
    code = grpc.StatusCode[error.grpc_status]
    return status_pb2.Status(code=code.value[0], message=detail.message, details=[packed])


#: the trailing metadata key that carries a call's google.rpc.Status (and its ErrorDetail)
STATUS_DETAILS_KEY = "grpc-status-details-bin"


def status_trailers(error: DomainError) -> tuple[tuple[str, bytes], ...]:
    """The trailing metadata that carries ``error``'s status and ErrorDetail, for an abort
    that cannot take a Status (grpc.aio's ``context.abort``)."""
    return ((STATUS_DETAILS_KEY, to_status(error).SerializeToString()),)


def abort_with(context: grpc.ServicerContext, error: DomainError,
               identifier: str | None = None) -> None:
    context.abort_with_status(rpc_status.to_status(to_status(error, identifier)))


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
    # the detail's identifier is the one in the message and the log line
    abort_with(context, internal, identifier)


def translate_errors(method: F) -> F:
    """Decorator for servicer methods: the request checked against its contract's limits,
    then domain errors → status + detail, the rest → INTERNAL."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            check_request(request)
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
            check_request(request)
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
