"""Forward the node's public gRPC services unchanged, as raw bytes, to their own processes.

A call to ``/sunlight.cases.v1.CaseService/GetCase`` on the gateway's gRPC port reaches the
cases process with the same request bytes and the caller's ``authorization``; the answer
(response bytes, or status code, details and trailing metadata including the
``grpc-status-details-bin`` ErrorDetail) goes back as it came. The deadline is the caller's
remaining time, or ``grpc_timeout_s`` when the caller set none.

``ForwardingHandler`` serves on the synchronous server (a thread per call, a blocking call to
the backend); ``AsyncForwardingHandler`` does the same on a grpc.aio server, awaiting the
backend (``SUNLIGHT_GATEWAY_GRPC_AIO``, the default: measured ~30 % less CPU per forwarded
call here).

Server-streaming methods (``CatalogueService/ExportItems``) are forwarded the same way, message
by message as they arrive: the same request bytes and metadata, the caller's deadline (or
``stream_timeout_s``, longer: a whole region's catalogue takes more than one answer), and a
failure — before the first message or in the middle of the stream — ends the caller's stream
with the backend's status, details and ErrorDetail. A caller that cancels cancels the backend
call. Client-streaming methods are not forwarded (the node's services have none).
"""

from __future__ import annotations

import functools
import itertools
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from opentelemetry import propagate
from opentelemetry.instrumentation.utils import suppress_instrumentation

from services.shared.channels import ChannelSeal
from services.shared.errors import Unavailable
from services.shared.grpc_client import aio_channels
from services.shared.grpc_errors import STATUS_DETAILS_KEY, to_status
from services.shared.grpc_tracing import with_trace_context

log = logging.getLogger(__name__)

#: Request metadata passed on to the backend (trace context is added by the interceptors).
FORWARDED_METADATA = ("authorization",)
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
                 stream_timeout_s: float | None = None,
                 seal: ChannelSeal | None = None) -> None:
        """``seal``: seals the channel ("gateway_grpc") for the backends' audit."""
        self._seal = seal
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
                                _forwarded(context.invocation_metadata(), self._seal))
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
                request, timeout=timeout,
                metadata=_forwarded(context.invocation_metadata(), self._seal))
        except grpc.RpcError as error:
            _relay_error(service, error, context)
            raise AssertionError("unreachable: abort raises") from None  # pragma: no cover
        context.set_trailing_metadata(_relayable(outcome.trailing_metadata()))
        return response


class AsyncForwardingHandler(grpc.GenericRpcHandler):
    """``ForwardingHandler`` for a grpc.aio server: the same methods, metadata, deadlines,
    trailers and errors, each call awaiting the backend on the server's event loop.
    ``addresses``: full service name → address; the channels (``connections`` each, taken in
    turn) are opened on the loop, at the first call."""

    def __init__(self, methods: Mapping[str, str], addresses: Mapping[str, str],
                 timeout_s: float, *, streaming: Mapping[str, str] | None = None,
                 stream_timeout_s: float | None = None, connections: int = 1,
                 seal: ChannelSeal | None = None) -> None:
        self._seal = seal
        streaming = streaming or {}
        unrouted = (set(methods.values()) | set(streaming.values())) - set(addresses)
        if unrouted:
            raise ValueError(f"no backend for {sorted(unrouted)}")
        both = set(methods) & set(streaming)
        if both:
            raise ValueError(f"methods both unary and streaming: {sorted(both)}")
        self._addresses = dict(addresses)
        self._connections = connections
        self._channels: dict[str, list[grpc.aio.Channel]] = {}
        self._turn = itertools.count()
        self._callables: dict[tuple[str, int], Any] = {}
        self._timeout_s = timeout_s
        self._stream_timeout_s = (max(timeout_s, STREAM_TIMEOUT_S) if stream_timeout_s is None
                                  else stream_timeout_s)
        self._handlers: dict[str, grpc.RpcMethodHandler] = {
            method: grpc.unary_unary_rpc_method_handler(functools.partial(
                self._forward, service, method))
            for method, service in methods.items()}
        self._handlers.update({
            method: grpc.unary_stream_rpc_method_handler(functools.partial(
                self._forward_stream, service, method))
            for method, service in streaming.items()})

    def service(self, handler_call_details: grpc.HandlerCallDetails
                ) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)

    def _callable(self, service: str, method: str, stream: bool) -> Any:
        channels = self._channels.get(service)
        if channels is None:
            channels = self._channels[service] = aio_channels(self._addresses[service],
                                                              self._connections)
        n = next(self._turn) % len(channels)
        found = self._callables.get((method, n))
        if found is None:
            open_call = channels[n].unary_stream if stream else channels[n].unary_unary
            found = self._callables[(method, n)] = open_call(method)
        return found

    async def _forward(self, service: str, method: str, request: bytes,
                       context: grpc.aio.ServicerContext) -> bytes:
        call = self._callable(service, method, False)(
            request, timeout=ForwardingHandler._deadline(context, self._timeout_s),
            metadata=with_trace_context(_forwarded(context.invocation_metadata(), self._seal)))
        try:
            response = await call
        except grpc.aio.AioRpcError as error:
            await _relay_error_async(service, error, context)
            raise AssertionError("unreachable: abort raises") from None  # pragma: no cover
        context.set_trailing_metadata(_relayable(await call.trailing_metadata()))
        return response  # type: ignore[no-any-return]

    async def _forward_stream(self, service: str, method: str, request: bytes,
                              context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        call = self._callable(service, method, True)(
            request, timeout=ForwardingHandler._deadline(context, self._stream_timeout_s),
            metadata=with_trace_context(_forwarded(context.invocation_metadata(), self._seal)))
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as error:
            await _relay_error_async(service, error, context)
            raise AssertionError("unreachable: abort raises") from None  # pragma: no cover
        finally:
            call.cancel()  # the caller gone (cancelled, deadline): the backend call too
        context.set_trailing_metadata(_relayable(await call.trailing_metadata()))

    async def close(self) -> None:
        for channels in self._channels.values():
            for channel in channels:
                await channel.close()


def _forwarded(invocation: Sequence[tuple[str, str | bytes]] | None,
               seal: ChannelSeal | None) -> list[tuple[str, str | bytes]]:
    """What a backend call carries of the caller's metadata (``FORWARDED_METADATA``; a
    channel the caller named is not of it), and the channel it came by, sealed."""
    pairs = [(key, value) for key, value in invocation or () if key in FORWARDED_METADATA]
    if seal is not None:
        authorization = next((value for key, value in reversed(pairs)
                              if key == "authorization"), None)
        pairs += seal.metadata("gateway_grpc", authorization
                               if isinstance(authorization, str) else None)
    return pairs


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


async def _relay_error_async(service: str, error: grpc.aio.AioRpcError,
                             context: grpc.aio.ServicerContext) -> None:
    code, details = error.code(), error.details()
    trailers = _relayable(error.trailing_metadata())
    if code in _TRANSPORT_FAILURES and not any(k == STATUS_DETAILS_KEY for k, _ in trailers):
        trailers.append((STATUS_DETAILS_KEY, _unanswered(service, code, details)))
    await context.abort(code, details or "", tuple(trailers))


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
