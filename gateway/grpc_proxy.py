"""Forward the node's public gRPC services unchanged, as raw bytes, to their own processes.

A call to ``/sunlight.cases.v1.CaseService/GetCase`` on the gateway's gRPC port reaches the
cases process with the same request bytes and the caller's ``authorization``; the answer
(response bytes, or status code, details and trailing metadata including the
``grpc-status-details-bin`` ErrorDetail) goes back as it came. The deadline is the caller's
remaining time, or ``grpc_timeout_s`` when the caller set none.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from services.shared.errors import Unavailable
from services.shared.grpc_errors import to_status

log = logging.getLogger(__name__)

#: Request metadata passed on to the backend (trace context is added by the interceptors).
FORWARDED_METADATA = ("authorization",)
STATUS_DETAILS_KEY = "grpc-status-details-bin"
_TRANSPORT_FAILURES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def unary_methods(services: Iterable[ServiceDescriptor]) -> dict[str, str]:
    """``/package.Service/Method`` → full service name, for every unary-unary method."""
    return {f"/{service.full_name}/{method.name}": service.full_name
            for service in services for method in service.methods
            if not method.client_streaming and not method.server_streaming}


class ForwardingHandler(grpc.GenericRpcHandler):
    """Serves the methods in ``methods`` by calling the same method on ``routes[service]``."""

    def __init__(self, methods: Mapping[str, str], routes: Mapping[str, grpc.Channel],
                 timeout_s: float) -> None:
        unrouted = set(methods.values()) - set(routes)
        if unrouted:
            raise ValueError(f"no backend for {sorted(unrouted)}")
        self._timeout_s = timeout_s
        # No serializers: request and response stay bytes end to end.
        self._handlers = {
            method: grpc.unary_unary_rpc_method_handler(functools.partial(
                self._forward, service, routes[service].unary_unary(method)))
            for method, service in methods.items()}

    def service(self, handler_call_details: grpc.HandlerCallDetails
                ) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)

    def _forward(self, service: str, call: grpc.UnaryUnaryMultiCallable, request: bytes,
                 context: grpc.ServicerContext) -> bytes:
        remaining = context.time_remaining()
        timeout = self._timeout_s if remaining is None or remaining > 1e6 else max(remaining, 0)
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
