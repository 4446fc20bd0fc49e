"""A gRPC call of a synchronous channel, awaited on an event loop without a thread."""

from __future__ import annotations

import asyncio

import grpc


def answer_of(call: grpc.Future) -> asyncio.Future:
    """The answer of a gRPC call started with ``.future()``, awaited on the event loop: no
    thread waits for it (gRPC's own thread settles it); the request gone, the call is
    cancelled."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def settle(done: grpc.Future) -> None:
        if waiter.cancelled():
            return
        try:
            waiter.set_result(done.result())
        except (grpc.RpcError, grpc.FutureCancelledError) as error:
            waiter.set_exception(error)

    call.add_done_callback(lambda done: loop.call_soon_threadsafe(settle, done))
    waiter.add_done_callback(lambda w: call.cancel() if w.cancelled() else None)
    return waiter
