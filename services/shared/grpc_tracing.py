"""Trace context across gRPC calls: the interceptors of a server and of a client channel.

When the process records spans (``telemetry.recording()``), OpenTelemetry's own gRPC
instrumentation is used. Otherwise only the W3C ``traceparent`` travels: the server continues
the caller's trace (or starts one) for the call, and a client adds the current context to the
metadata of every call — a few microseconds instead of two spans recorded for nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from opentelemetry import context as otel_context

from services.shared import telemetry


class TraceContextServerInterceptor(grpc.ServerInterceptor):
    """Makes the caller's trace (``traceparent`` in the metadata) the current context of the
    call, under a new span id; a call without one starts a new trace.

    grpcio runs the interceptors and then the method in one ``contextvars.Context`` of the
    call's own, so the context attached here is the method's, and goes with the call.
    (``tests/unit/test_grpc_tracing.py`` holds grpcio to this.)
    """

    def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Any],
                          handler_call_details: grpc.HandlerCallDetails) -> Any:
        otel_context.attach(telemetry.continued(handler_call_details.invocation_metadata))
        return continuation(handler_call_details)


class TraceContextClientInterceptor(grpc.UnaryUnaryClientInterceptor,
                                    grpc.UnaryStreamClientInterceptor):
    """Adds the current trace context to the metadata of every call (unless the caller put
    a ``traceparent`` there already)."""

    @staticmethod
    def _details(details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = list(details.metadata or ())
        if any(key == telemetry.TRACEPARENT for key, _ in metadata):
            return details
        carrier = telemetry.current_traceparent()
        if not carrier:
            return details
        metadata.extend(carrier.items())
        return details._replace(metadata=metadata)  # type: ignore[attr-defined]

    def intercept_unary_unary(self, continuation: Callable[..., Any],
                              client_call_details: grpc.ClientCallDetails,
                              request: Any) -> Any:
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any],
                               client_call_details: grpc.ClientCallDetails,
                               request: Any) -> Any:
        return continuation(self._details(client_call_details), request)


class AsyncTraceContextServerInterceptor(grpc.aio.ServerInterceptor):
    """``TraceContextServerInterceptor`` for grpc.aio servers: the interceptors and the
    method of a call run in one task, with one context of its own."""

    async def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Any],
                                handler_call_details: grpc.HandlerCallDetails) -> Any:
        otel_context.attach(telemetry.continued(handler_call_details.invocation_metadata))
        return await continuation(handler_call_details)


def with_trace_context(metadata: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """``metadata`` with the current trace context, for a call on a grpc.aio channel made by
    ``aio_channel`` (which adds it itself when spans are recorded)."""
    if telemetry.recording() or any(k == telemetry.TRACEPARENT for k, _ in metadata):
        return metadata
    return [*metadata, *telemetry.current_traceparent().items()]


def aio_server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    if telemetry.recording():
        from opentelemetry.instrumentation.grpc import (  # noqa: PLC0415
            aio_server_interceptor,
            filters,
        )

        return [aio_server_interceptor(filter_=filters.negate(filters.health_check()))]
    return [AsyncTraceContextServerInterceptor()]


def aio_client_interceptors() -> list[Any]:
    """Interceptors of grpc.aio channels: OpenTelemetry's when spans are recorded; none
    otherwise (``with_trace_context`` adds the context to each call's metadata: an aio
    client interceptor costs more than the call it wraps)."""
    if telemetry.recording():
        from opentelemetry.instrumentation.grpc import (  # noqa: PLC0415
            aio_client_interceptors as otel_aio_client_interceptors,
        )

        return list(otel_aio_client_interceptors())
    return []


def server_interceptors() -> list[grpc.ServerInterceptor]:
    if telemetry.recording():
        from opentelemetry.instrumentation.grpc import (  # noqa: PLC0415
            filters,
            server_interceptor,
        )

        return [server_interceptor(filter_=filters.negate(filters.health_check()))]
    return [TraceContextServerInterceptor()]


def traced(channel: grpc.Channel) -> grpc.Channel:
    """``channel`` with the trace context on every call."""
    if telemetry.recording():
        from opentelemetry.instrumentation.grpc import client_interceptor  # noqa: PLC0415
        from opentelemetry.instrumentation.grpc.grpcext import (  # noqa: PLC0415
            intercept_channel,
        )

        return intercept_channel(channel, client_interceptor())
    return grpc.intercept_channel(channel, TraceContextClientInterceptor())
