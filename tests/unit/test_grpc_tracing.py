"""Trace context across gRPC without recording: the caller's trace reaches the method (and
what it writes, e.g. the outbox's ``traceparent``), each call in its own context, through
unary and server-streaming methods; a call without one starts a new trace."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from opentelemetry import trace

from services.shared.grpc_tracing import (
    TraceContextClientInterceptor,
    TraceContextServerInterceptor,
)
from services.shared.telemetry import (
    PropagatingTracer,
    child_span_context,
    context_from_headers,
    current_traceparent,
)


def _seen(_request: bytes, _context: grpc.ServicerContext) -> bytes:
    """The traceparent of the method's current context, as the outbox would store it."""
    return current_traceparent().get("traceparent", "").encode()


def _seen_stream(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
    for _ in range(3):
        yield _seen(request, context)


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    # one worker thread: every call runs on the same thread, one after the other
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1),
                         interceptors=[TraceContextServerInterceptor()])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("t.T", {
        "Seen": grpc.unary_unary_rpc_method_handler(_seen),
        "SeenStream": grpc.unary_stream_rpc_method_handler(_seen_stream)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as plain:
        yield grpc.intercept_channel(plain, TraceContextClientInterceptor())
    server.stop(None)


def _parts(traceparent: str) -> tuple[str, str, str]:
    version, trace_id, span_id, flags = traceparent.split("-")
    assert version == "00" and len(trace_id) == 32 and len(span_id) == 16
    return trace_id, span_id, flags


def _in_span() -> tuple[trace.Span, str, str]:
    span = trace.NonRecordingSpan(child_span_context(None))
    ctx = span.get_span_context()
    return span, format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def test_the_callers_trace_reaches_the_method_under_a_new_span(channel) -> None:
    call = channel.unary_unary("/t.T/Seen")
    for _ in range(3):  # the same server thread each time: nothing stays from the last call
        span, trace_id, span_id = _in_span()
        with trace.use_span(span):
            seen = call(b"", timeout=5).decode()
        seen_trace, seen_span, flags = _parts(seen)
        assert seen_trace == trace_id and seen_span != span_id and flags == "01"


def test_a_call_without_a_trace_starts_one_of_its_own(channel) -> None:
    call = channel.unary_unary("/t.T/Seen")
    first, second = _parts(call(b"", timeout=5).decode()), _parts(call(b"", timeout=5).decode())
    assert first[0] != second[0] and int(first[0], 16) and int(second[0], 16)


def test_a_traceparent_in_the_metadata_is_kept_as_given(channel) -> None:
    given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    seen = channel.unary_unary("/t.T/Seen")(b"", timeout=5,
                                            metadata=[("traceparent", given)]).decode()
    assert _parts(seen)[0] == "0af7651916cd43dd8448eb211c80319c"


def test_server_streaming_methods_continue_the_trace_too(channel) -> None:
    span, trace_id, _ = _in_span()
    with trace.use_span(span):
        answers = list(channel.unary_stream("/t.T/SeenStream")(b"", timeout=5))
    assert len(answers) == 3 and all(_parts(a.decode())[0] == trace_id for a in answers)


def test_spans_of_the_propagating_tracer_continue_headers_from_the_broker() -> None:
    headers = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    tracer = PropagatingTracer()
    with tracer.start_as_current_span("case.accepted process",
                                      context=context_from_headers(headers)) as span:
        ctx = span.get_span_context()
        assert format(ctx.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
        assert format(ctx.span_id, "016x") != "b7ad6b7169203331"
        assert _parts(current_traceparent()["traceparent"])[0] == format(ctx.trace_id, "032x")
    assert not trace.get_current_span().get_span_context().is_valid


async def _seen_async(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return _seen(request, context)


def test_a_grpc_aio_server_continues_the_trace_too() -> None:
    from services.shared.grpc_server import AsyncGrpcServer

    server = AsyncGrpcServer("127.0.0.1:0")
    server.add(lambda handlers, s: s.add_generic_rpc_handlers(handlers),
               (grpc.method_handlers_generic_handler("t.A", {
                   "Seen": grpc.unary_unary_rpc_method_handler(_seen_async)}),), ["t.A"])
    port = server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as plain:
            call = grpc.intercept_channel(plain, TraceContextClientInterceptor()).unary_unary(
                "/t.A/Seen")
            for _ in range(3):
                span, trace_id, span_id = _in_span()
                with trace.use_span(span):
                    seen_trace, seen_span, _ = _parts(call(b"", timeout=5).decode())
                assert seen_trace == trace_id and seen_span != span_id
            assert _parts(call(b"", timeout=5).decode())[0] != trace_id
    finally:
        server.stop(0)
