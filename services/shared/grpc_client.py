"""Client channels with tracing; every call gets a deadline."""

from __future__ import annotations

import grpc
from opentelemetry.instrumentation.grpc import client_interceptor
from opentelemetry.instrumentation.grpc.grpcext import intercept_channel


def channel(address: str) -> grpc.Channel:
    return intercept_channel(
        grpc.insecure_channel(address, options=[
            ("grpc.keepalive_time_ms", 30000),
            ("grpc.enable_retries", 1),
        ]),
        client_interceptor(),
    )


def metadata(authorization: str | None, extra: dict[str, str] | None = None
             ) -> list[tuple[str, str]]:
    pairs = [("authorization", authorization)] if authorization else []
    pairs.extend((extra or {}).items())
    return pairs
