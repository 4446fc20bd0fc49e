"""OpenTelemetry set-up and W3C trace-context propagation.

gRPC: the client and server interceptors of opentelemetry-instrumentation-grpc carry the
context in the call metadata. AMQP: the outbox stores the ``traceparent`` of the request that
wrote the event, the relay puts it in the message headers, consumers continue the trace from it
(nameko renames context headers, so workers read ``traceparent`` themselves).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

log = logging.getLogger(__name__)
_PROVIDER: TracerProvider | None = None


def configure_tracing(service_name: str, node_region: str,
                      otlp_endpoint: str | None = None) -> TracerProvider:
    """Install the tracer provider once per process; export over OTLP when configured."""
    global _PROVIDER
    if _PROVIDER is not None:
        return _PROVIDER
    provider = TracerProvider(resource=Resource.create({
        "service.name": f"sunlight-{service_name}",
        "service.namespace": "sunlight",
        "sunlight.node": node_region,
    }))
    if otlp_endpoint:
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
                OTLPSpanExporter,
            )
        except ImportError:
            log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not "
                        "installed (pip install opentelemetry-exporter-otlp-proto-grpc)")
        else:
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
                endpoint=otlp_endpoint, insecure=True, timeout=5)))
    trace.set_tracer_provider(provider)
    _PROVIDER = provider
    return provider


def current_traceparent() -> dict[str, str]:
    """The W3C headers (``traceparent``, maybe ``tracestate``) of the active context."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, object] | None) -> context.Context:
    """A context continuing the trace in ``headers`` (AMQP headers or gRPC metadata)."""
    carrier = {k: v if isinstance(v, str) else str(v)
               for k, v in (headers or {}).items()
               if k in ("traceparent", "tracestate")}
    return propagate.extract(carrier)


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)
