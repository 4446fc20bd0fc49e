"""Client channels with tracing; every call gets a deadline."""

from __future__ import annotations

import grpc

from services.shared.grpc_tracing import traced


def channel(address: str) -> grpc.Channel:
    return traced(
        grpc.insecure_channel(address, options=[
            ("grpc.keepalive_time_ms", 30000),
            ("grpc.enable_retries", 1),
            # A restarted peer (supervisord brings it back within seconds) is tried again
            # within 2 s, not after gRPC's default backoff of up to 120 s.
            ("grpc.initial_reconnect_backoff_ms", 250),
            ("grpc.max_reconnect_backoff_ms", 2000),
        ]),
    )


def metadata(authorization: str | None, extra: dict[str, str] | None = None
             ) -> list[tuple[str, str]]:
    pairs = [("authorization", authorization)] if authorization else []
    pairs.extend((extra or {}).items())
    return pairs
