"""Client channels with tracing; every call gets a deadline."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from services.shared.channels import ChannelSeal
from services.shared.grpc_tracing import aio_client_interceptors, traced

OPTIONS = [
    ("grpc.keepalive_time_ms", 30000),
    ("grpc.enable_retries", 1),
    # A restarted peer (supervisord brings it back within seconds) is tried again
    # within 2 s, not after gRPC's default backoff of up to 120 s.
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


def channel(address: str, connections: int = 1) -> grpc.Channel:
    """A channel to ``address``; with ``connections`` > 1, that many connections, each call
    on the next (several processes serving one port each get some of them)."""
    if connections <= 1:
        return traced(grpc.insecure_channel(address, options=OPTIONS))
    # a subchannel pool of its own per channel: one TCP connection each
    return ChannelPool([traced(grpc.insecure_channel(
        address, options=[*OPTIONS, ("grpc.use_local_subchannel_pool", 1)]))
        for _ in range(connections)])


def aio_channels(address: str, connections: int = 1) -> list[grpc.aio.Channel]:
    """grpc.aio channels to ``address``, one connection each; to be made and used on one
    event loop. Calls on them carry the trace context by ``grpc_tracing.with_trace_context``.
    """
    options = [*OPTIONS, ("grpc.use_local_subchannel_pool", 1)] if connections > 1 else OPTIONS
    return [grpc.aio.insecure_channel(address, options=options,
                                      interceptors=aio_client_interceptors() or None)
            for _ in range(max(1, connections))]


class _InTurn:
    """A method of several channels, called on each in turn."""

    def __init__(self, callables: Sequence[Any]) -> None:
        self._callables = list(callables)
        self._turn = itertools.count()

    def _next(self) -> Any:
        return self._callables[next(self._turn) % len(self._callables)]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._next()(*args, **kwargs)

    def with_call(self, *args: Any, **kwargs: Any) -> Any:
        return self._next().with_call(*args, **kwargs)

    def future(self, *args: Any, **kwargs: Any) -> Any:
        return self._next().future(*args, **kwargs)


class ChannelPool(grpc.Channel):
    """Several channels to one address as one: each call goes to the next."""

    def __init__(self, channels: Sequence[grpc.Channel]) -> None:
        self.channels = list(channels)

    def _each(self, name: str, *args: Any, **kwargs: Any) -> _InTurn:
        return _InTurn([getattr(c, name)(*args, **kwargs) for c in self.channels])

    def unary_unary(self, *args: Any, **kwargs: Any) -> Any:
        return self._each("unary_unary", *args, **kwargs)

    def unary_stream(self, *args: Any, **kwargs: Any) -> Any:
        return self._each("unary_stream", *args, **kwargs)

    def stream_unary(self, *args: Any, **kwargs: Any) -> Any:
        return self._each("stream_unary", *args, **kwargs)

    def stream_stream(self, *args: Any, **kwargs: Any) -> Any:
        return self._each("stream_stream", *args, **kwargs)

    def subscribe(self, callback: Callable[[grpc.ChannelConnectivity], None],
                  try_to_connect: bool = False) -> None:
        self.channels[0].subscribe(callback, try_to_connect)

    def unsubscribe(self, callback: Callable[[grpc.ChannelConnectivity], None]) -> None:
        self.channels[0].unsubscribe(callback)

    def close(self) -> None:
        for c in self.channels:
            c.close()

    def __enter__(self) -> ChannelPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def metadata(authorization: str | None, channel: str = "", seal: ChannelSeal | None = None
             ) -> list[tuple[str, str]]:
    """A call's metadata: the bearer token, and — from one of the node's front ends, which
    hold its key — the ``channel`` the call came by, sealed for the service's audit
    (``services.shared.channels``)."""
    pairs = [("authorization", authorization)] if authorization else []
    if channel and seal is not None:
        pairs += seal.metadata(channel, authorization)
    return pairs
