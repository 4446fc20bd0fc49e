"""Load shedding on the gateway's gRPC port: the HTTP API's ``LoadShedder`` for gRPC calls.

At most ``max_in_flight`` calls of the forwarded (and routed) methods are worked on at once;
one more is answered ``RESOURCE_EXHAUSTED`` with the ``ErrorDetail`` code ``NODE_BUSY``
(节点繁忙, metadata ``retry_after_s`` and ``max_in_flight``) without reaching a service, so
an overwhelmed node says "busy" quickly instead of queueing every caller into its deadline.

- **grpc.aio** (``AsyncSlots``, the default server): on the server's event loop, as the HTTP
  side: a call beyond the limit waits up to ``admission_wait_s`` for a slot (first come,
  first admitted), then is refused.
- **synchronous server** (``ThreadSlots``): a call is admitted or refused at once on the
  thread that runs it; the server gets ``max_in_flight`` + ``SPARE_THREADS`` threads, so
  that the admitted calls never queue behind each other in its pool and a refusal always
  finds a thread.

``SheddingHandler`` wraps a generic handler (the forwarding handler, the router): each of its
method handlers is wrapped once and kept (the hot path adds one dict lookup, one counter up
and down). Health, reflection and ``NodeService`` are not wrapped: a monitor sees the node
under load. The refusal's status is built once. Per process; the HTTP API counts its own
requests (``SUNLIGHT_GATEWAY_MAX_IN_FLIGHT``), the gRPC port its calls
(``SUNLIGHT_GATEWAY_GRPC_MAX_IN_FLIGHT``).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import grpc

from gateway.limits import (
    ADMISSION_WAIT_S,
    BUSY_RETRY_AFTER_S,
    MAX_IN_FLIGHT,
    RefusalLog,
    Slots,
)
from services.shared.errors import DomainError
from services.shared.grpc_errors import STATUS_DETAILS_KEY, to_status

log = logging.getLogger(__name__)

#: threads of the synchronous server beyond ``max_in_flight``: for refusals (and health)
SPARE_THREADS = 16


def busy_error(max_in_flight: int) -> DomainError:
    """The refusal of a call beyond the limit: RESOURCE_EXHAUSTED, ``NODE_BUSY``."""
    busy = DomainError(f"节点繁忙，请 {BUSY_RETRY_AFTER_S} 秒后再试 (the node is busy: "
                       f"{max_in_flight} calls in flight; try again in {BUSY_RETRY_AFTER_S} s)",
                       "NODE_BUSY", {"max_in_flight": str(max_in_flight),
                                     "retry_after_s": str(BUSY_RETRY_AFTER_S)})
    busy.grpc_status = "RESOURCE_EXHAUSTED"
    return busy


class _Refusals(RefusalLog):
    """The refusal's status (built once), and the warning at most every SHED_LOG_EVERY_S."""

    def __init__(self, max_in_flight: int) -> None:
        super().__init__(" on the gRPC port", max_in_flight)
        status = to_status(busy_error(max_in_flight), "NODE_BUSY")
        self.details = status.message
        self.trailers = ((STATUS_DETAILS_KEY, status.SerializeToString()),)


class AsyncSlots(Slots):
    """``Slots`` with the gRPC port's refusal."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT,
                 admission_wait_s: float = ADMISSION_WAIT_S) -> None:
        super().__init__(max_in_flight, admission_wait_s)
        self.refusals = _Refusals(max_in_flight)


class ThreadSlots:
    """Calls admitted and not finished, across the synchronous server's threads."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, not {max_in_flight}")
        self.max_in_flight = max_in_flight
        self._free = threading.BoundedSemaphore(max_in_flight)
        self.refusals = _Refusals(max_in_flight)

    @property
    def in_flight(self) -> int:
        return self.max_in_flight - self._free._value  # noqa: SLF001 - a reading for logs

    def take(self) -> bool:
        return self._free.acquire(blocking=False)

    def release(self) -> None:
        self._free.release()


class SheddingHandler(grpc.GenericRpcHandler):
    """``inner``'s methods, each call counted against ``slots`` (``AsyncSlots`` on a grpc.aio
    server, ``ThreadSlots`` on a synchronous one) and refused beyond them."""

    def __init__(self, inner: grpc.GenericRpcHandler, slots: AsyncSlots | ThreadSlots) -> None:
        self._inner, self._slots = inner, slots
        self._aio = isinstance(slots, AsyncSlots)
        #: method → (the inner handler, its wrapped handler)
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def service(self, handler_call_details: grpc.HandlerCallDetails
                ) -> grpc.RpcMethodHandler | None:
        handler = self._inner.service(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self._wrap(handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.request_streaming:  # the node's services have none: passed as it is
            return handler
        streaming = handler.response_streaming
        behaviour = handler.unary_stream if streaming else handler.unary_unary
        if self._aio and not (inspect.iscoroutinefunction(behaviour)
                              or inspect.isasyncgenfunction(behaviour)):
            return handler  # a plain function runs on the server's threads: not counted
        if self._aio:
            shed = (self._aio_stream if streaming else self._aio_unary)(behaviour)
        else:
            shed = (self._sync_stream if streaming else self._sync_unary)(behaviour)
        make = (grpc.unary_stream_rpc_method_handler if streaming
                else grpc.unary_unary_rpc_method_handler)
        return make(shed, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)

    # --- grpc.aio ------------------------------------------------------------------------
    async def _admit_async(self, context: grpc.aio.ServicerContext) -> None:
        slots: AsyncSlots = self._slots  # type: ignore[assignment]
        if slots.take() or await slots.wait():
            return
        refusals = slots.refusals
        refusals.note(slots.in_flight)
        await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refusals.details,
                            refusals.trailers)

    def _aio_unary(self, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        slots = self._slots

        async def shed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await self._admit_async(context)
            try:
                return await behaviour(request, context)
            finally:
                slots.release()

        return shed

    def _aio_stream(self, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        slots = self._slots

        async def shed(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            await self._admit_async(context)
            try:
                async for message in behaviour(request, context):
                    yield message
            finally:
                slots.release()

        return shed

    # --- the synchronous server -------------------------------------------------------------
    def _admit_sync(self, context: grpc.ServicerContext) -> None:
        if self._slots.take():
            return
        refusals = self._slots.refusals
        refusals.note(self._slots.in_flight)
        context.set_trailing_metadata(refusals.trailers)
        context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refusals.details)

    def _sync_unary(self, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        slots = self._slots

        def shed(request: Any, context: grpc.ServicerContext) -> Any:
            self._admit_sync(context)
            try:
                return behaviour(request, context)
            finally:
                slots.release()

        return shed

    def _sync_stream(self, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        slots = self._slots

        def shed(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            self._admit_sync(context)
            try:
                yield from behaviour(request, context)
            finally:
                slots.release()

        return shed
