"""Forward the node's public gRPC services unchanged, as raw bytes, to their own processes.

A call to ``/sunlight.cases.v1.CaseService/GetCase`` on the gateway's gRPC port reaches the
cases process with the same request bytes and the caller's ``authorization``; the answer
(response bytes, or status code, details and trailing metadata including the
``grpc-status-details-bin`` ErrorDetail) goes back as it came. The deadline is the caller's
remaining time, or ``grpc_timeout_s`` when the caller set none.

Server-streaming methods (``CatalogueService/ExportItems``) are forwarded the same way, message
by message as they arrive: the same request bytes and metadata, the caller's deadline (or
``stream_timeout_s``, longer: a whole region's catalogue takes more than one answer), and a
failure — before the first message or in the middle of the stream — ends the caller's stream
with the backend's status, details and ErrorDetail. A caller that cancels cancels the backend
call. Client-streaming methods are not forwarded (the node's services have none).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from opentelemetry import propagate
from opentelemetry.instrumentation.utils import suppress_instrumentation

from services.shared.errors import Unavailable
from services.shared.grpc_errors import to_status

log = logging.getLogger(__name__)

#: Request metadata passed on to the backend (trace context is added by the interceptors).
FORWARDED_METADATA = ("authorization",)
STATUS_DETAILS_KEY = "grpc-status-details-bin"
_TRANSPORT_FAILURES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
#: Deadline of a forwarded stream when the caller sets none (unless grpc_timeout_s is longer).
STREAM_TIMEOUT_S = 600.0


def unary_methods(services: Iterable[ServiceDescriptor]) -> dict[str, str]:
    """``/package.Service/Method`` → full service name, for every unary-unary method."""
    return {f"/{service.full_name}/{method.name}": service.full_name
            for service in services for method in service.methods
            if not method.client_streaming and not method.server_streaming}


def server_streaming_methods(services: Iterable[ServiceDescriptor]) -> dict[str, str]:
    """``/package.Service/Method`` → full service name, for every unary-stream method."""
    return {f"/{service.full_name}/{method.name}": service.full_name
            for service in services for method in service.methods
            if not method.client_streaming and method.server_streaming}


def open_stream(call: grpc.UnaryStreamMultiCallable, request: Any, timeout: float,
                metadata: Iterable[tuple[str, str | bytes]]) -> Any:
    """Start a server-streaming call; the answer is the call itself (an iterator that can be
    cancelled and has trailers), also on a traced channel.

    The traced channel would wrap the stream in a generator, which can be neither cancelled
    from another thread nor asked for its trailers: call past its tracing (OpenTelemetry's
    switch) and carry the current trace context on by hand.
    """
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    with suppress_instrumentation():
        return call(request, timeout=timeout, metadata=[*metadata, *carrier.items()])


class ForwardingHandler(grpc.GenericRpcHandler):
    """Serves the methods in ``methods`` (unary) and ``streaming`` (server-streaming) by calling
    the same method on ``routes[service]``."""

    def __init__(self, methods: Mapping[str, str], routes: Mapping[str, grpc.Channel],
                 timeout_s: float, *, streaming: Mapping[str, str] | None = None,
                 stream_timeout_s: float | None = None) -> None:
        streaming = streaming or {}
        unrouted = (set(methods.values()) | set(streaming.values())) - set(routes)
        if unrouted:
            raise ValueError(f"no backend for {sorted(unrouted)}")
        both = set(methods) & set(streaming)
        if both:
            raise ValueError(f"methods both unary and streaming: {sorted(both)}")
        self._timeout_s = timeout_s
        self._stream_timeout_s = (max(timeout_s, STREAM_TIMEOUT_S) if stream_timeout_s is None
                                  else stream_timeout_s)
        # No serializers: request and response stay bytes end to end.
        self._handlers: dict[str, grpc.RpcMethodHandler] = {
            method: grpc.unary_unary_rpc_method_handler(functools.partial(
                self._forward, service, routes[service].unary_unary(method)))
            for method, service in methods.items()}
        self._handlers.update({
            method: grpc.unary_stream_rpc_method_handler(functools.partial(
                self._forward_stream, service, routes[service].unary_stream(method)))
            for method, service in streaming.items()})

    def service(self, handler_call_details: grpc.HandlerCallDetails
                ) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)

    @staticmethod
    def _deadline(context: grpc.ServicerContext, default: float) -> float:
        """The caller's remaining time, or ``default`` when the caller set no deadline."""
        remaining = context.time_remaining()
        return default if remaining is None or remaining > 1e6 else max(remaining, 0)

    def _forward_stream(self, service: str, call: grpc.UnaryStreamMultiCallable,
                        request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        responses = open_stream(call, request, self._deadline(context, self._stream_timeout_s),
                                _forwarded(context.invocation_metadata()))
        # The caller gone (cancelled, deadline), the backend call goes too.
        cancel: Callable[[], object] | None = getattr(responses, "cancel", None)
        if cancel is not None:
            context.add_callback(cancel)
        try:
            yield from responses
        except grpc.RpcError as error:
            _relay_error(service, error, context)
            raise AssertionError("unreachable: abort raises") from None  # pragma: no cover
        finally:
            if cancel is not None:
                cancel()  # a no-op once the call has ended
        trailers = getattr(responses, "trailing_metadata", None)
        if callable(trailers):
            context.set_trailing_metadata(_relayable(trailers()))

    def _forward(self, service: str, call: grpc.UnaryUnaryMultiCallable, request: bytes,
                 context: grpc.ServicerContext) -> bytes:
        timeout = self._deadline(context, self._timeout_s)
        try:
            response, outcome = call.with_call(
                request, timeout=timeout, metadata=_forwarded(context.invocation_metadata()))
        except grpc.RpcError as error:
            _relay_error(service, error, context)
            raise AssertionError("unreachable: abort raises") from None  # pragma: no cover
        context.set_trailing_metadata(_relayable(outcome.trailing_metadata()))
        return response


def _forwarded(invocation: Sequence[tuple[str, str | bytes]] | None
               ) -> list[tuple[str, str | bytes]]:
    return [(key, value) for key, value in invocation or () if key in FORWARDED_METADATA]


def _relayable(trailers: Sequence[tuple[str, str | bytes]] | None
               ) -> list[tuple[str, str | bytes]]:
    """Trailing metadata a server may set: the backend's own, minus gRPC's reserved keys."""
    return [(key, value) for key, value in trailers or ()
            if not key.startswith("grpc-") or key == STATUS_DETAILS_KEY]


def _relay_error(service: str, error: grpc.RpcError, context: grpc.ServicerContext) -> None:
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    trailers = _relayable(error.trailing_metadata() if hasattr(error, "trailing_metadata")
                          else None)
    if code in _TRANSPORT_FAILURES and not any(k == STATUS_DETAILS_KEY for k, _ in trailers):
        # The backend never answered: say so in the node's error model as well.
        trailers.append((STATUS_DETAILS_KEY, _unanswered(service, code, details)))
    context.set_trailing_metadata(trailers)
    context.abort(code, details or "")


def _unanswered(service: str, code: grpc.StatusCode, details: str | None) -> bytes:
    identifier = uuid.uuid4().hex
    log.warning("backend %s did not answer: %s %s", service, code.name, details,
                extra={"error_id": identifier})
    problem = Unavailable(f"the service {service} of this node did not answer in time; "
                          "try again shortly", code="BACKEND_UNAVAILABLE",
                          metadata={"service": service})
    status = to_status(problem, identifier)
    # grpcio-status checks that the Status matches the call's own code and details.
    status.code = code.value[0]
    status.message = details or ""
    return status.SerializeToString()
