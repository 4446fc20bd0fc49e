"""Requests and latency of a gRPC server: ``sunlight_grpc_server_requests_total`` by
service, method and status code, ``sunlight_grpc_server_duration_seconds`` by service and
method.

The interceptor wraps each method's handler once (kept per handler, not made per call) in a
function that times the call and reads its status from the context (``context.code()``: set
by ``abort``/``set_code``; a call that raised anything else is ``UNKNOWN``, as grpcio
answers it). The health and reflection services are not counted (probes every few seconds
would drown the calls). Labels are the method's names from the contract and the status code:
bounded whatever the callers send (an unknown method has no handler and is not counted).

``idle_for()``: seconds since this process last answered a counted call — what a process's
background work (the case service's PDF renderer) waits on, so as never to be in a call's way.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import grpc

from services.shared import metrics

#: services whose calls are not counted
UNCOUNTED = ("/grpc.health.v1.Health/", "/grpc.reflection.")
_perf = time.perf_counter
#: when the last counted call was answered (``_perf``'s clock); at import: none yet
_answered_at = [_perf()]


def idle_for() -> float:
    """Seconds since this process answered a counted call (or since it started, if none)."""
    return _perf() - _answered_at[0]


class _Recorder:
    """The attributes of one method's series, by status code, made once."""

    __slots__ = ("_by_code", "attrs")

    def __init__(self, full_method: str, extra: dict[str, str]) -> None:
        service, _, method = full_method.lstrip("/").rpartition("/")
        #: the latency's series (by method); the requests' by method and code
        self.attrs = {"grpc_service": service, "grpc_method": method, **extra}
        self._by_code: dict[Any, list[int]] = {}

    def __call__(self, code: Any, started: float) -> None:
        now = _answered_at[0] = _perf()
        metrics.grpc_duration.record(now - started, self.attrs)
        cell = self._by_code.get(code)
        if cell is None:
            name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
            cell = self._by_code[code] = metrics.grpc_requests.cell(
                {**self.attrs, "grpc_code": name})
        metrics.grpc_requests.add(cell)


def _code(context: Any, default: grpc.StatusCode) -> Any:
    try:
        return context.code() or default
    except Exception:  # noqa: BLE001 - a context without code() (tests' fakes)
        return default


_OK, _UNKNOWN = grpc.StatusCode.OK, grpc.StatusCode.UNKNOWN


def _timed_unary(inner: Callable[..., Any], record: _Recorder) -> Callable[..., Any]:
    def behaviour(request: Any, context: Any) -> Any:
        started = _perf()
        try:
            response = inner(request, context)
        except BaseException:
            record(_code(context, _UNKNOWN), started)
            raise
        record(_code(context, _OK), started)
        return response
    return behaviour


def _timed_stream(inner: Callable[..., Any], record: _Recorder) -> Callable[..., Any]:
    def behaviour(request: Any, context: Any) -> Any:
        started = _perf()
        try:
            yield from inner(request, context)
        except BaseException:
            record(_code(context, _UNKNOWN), started)
            raise
        record(_code(context, _OK), started)
    return behaviour


def _timed_async_unary(inner: Callable[..., Any], record: _Recorder) -> Callable[..., Any]:
    async def behaviour(request: Any, context: Any) -> Any:
        started = _perf()
        try:
            response = await inner(request, context)
        except BaseException:
            record(_code(context, _UNKNOWN), started)
            raise
        record(_code(context, _OK), started)
        return response
    return behaviour


def _timed_async_stream(inner: Callable[..., Any], record: _Recorder) -> Callable[..., Any]:
    async def behaviour(request: Any, context: Any) -> Any:
        started = _perf()
        try:
            async for response in inner(request, context):
                yield response
        except BaseException:
            record(_code(context, _UNKNOWN), started)
            raise
        record(_code(context, _OK), started)
    return behaviour


def _is_async(function: Callable[..., Any]) -> bool:
    target = getattr(function, "func", function)  # functools.partial
    return inspect.iscoroutinefunction(target)


def _is_async_gen(function: Callable[..., Any]) -> bool:
    target = getattr(function, "func", function)
    return inspect.isasyncgenfunction(target)


def timed(handler: Any, full_method: str, aio: bool = False,
          extra: dict[str, str] | None = None) -> Any:
    """``handler`` with its unary-unary or unary-stream behaviour timed and counted (other
    kinds, and grpc.aio behaviours that are neither coroutines nor async generators, as
    they are)."""
    record = _Recorder(full_method, extra or {})
    if handler.unary_unary is not None:
        inner = handler.unary_unary
        if aio and _is_async(inner):
            return handler._replace(unary_unary=_timed_async_unary(inner, record))
        if not aio or not _is_async_gen(inner):
            return handler._replace(unary_unary=_timed_unary(inner, record))
    if handler.unary_stream is not None:
        inner = handler.unary_stream
        if aio and _is_async_gen(inner):
            return handler._replace(unary_stream=_timed_async_stream(inner, record))
        if not aio:
            return handler._replace(unary_stream=_timed_stream(inner, record))
    return handler


class _Handlers:
    """The timed version of each handler, made the first time it is served."""

    def __init__(self, aio: bool, extra: dict[str, str]) -> None:
        self.aio, self.extra = aio, extra
        self._timed: dict[int, tuple[Any, Any]] = {}

    def of(self, handler: Any, method: str) -> Any:
        if handler is None or method.startswith(UNCOUNTED):
            return handler
        entry = self._timed.get(id(handler))
        if entry is not None and entry[0] is handler:
            return entry[1]
        if not hasattr(handler, "_replace"):  # not grpcio's handler tuple: left alone
            return handler
        wrapped = timed(handler, method, self.aio, self.extra)
        if len(self._timed) > 10_000:  # handlers made per call by someone: stay bounded
            self._timed.clear()
        self._timed[id(handler)] = (handler, wrapped)
        return wrapped


class MetricsServerInterceptor(grpc.ServerInterceptor):
    """``port``: a label telling a server's calls from another's in one process (the
    gateway's peer port: ``peer``); none by default."""

    def __init__(self, port: str = "") -> None:
        self._handlers = _Handlers(aio=False, extra={"port": port} if port else {})

    def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Any],
                          handler_call_details: grpc.HandlerCallDetails) -> Any:
        return self._handlers.of(continuation(handler_call_details),
                                 handler_call_details.method)


class AsyncMetricsServerInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, port: str = "") -> None:
        self._handlers = _Handlers(aio=True, extra={"port": port} if port else {})

    async def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Any],
                                handler_call_details: grpc.HandlerCallDetails) -> Any:
        return self._handlers.of(await continuation(handler_call_details),
                                 handler_call_details.method)
