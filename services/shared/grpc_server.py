"""Building a service's gRPC server: health, reflection, tracing, auth, graceful stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Coroutine, Iterable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.shared.auth import Authenticator, Principal
from services.shared.config import Settings, load_settings
from services.shared.copies import copy_number
from services.shared.grpc_metrics import AsyncMetricsServerInterceptor, MetricsServerInterceptor
from services.shared.grpc_tracing import aio_server_interceptors, server_interceptors
from services.shared.health_http import serve_metrics
from services.shared.heap import freeze_start_up_objects
from services.shared.logs import configure_logging
from services.shared.metrics import configure_metrics, metrics_port
from services.shared.telemetry import configure_tracing

log = logging.getLogger(__name__)


def principal_of(context: grpc.ServicerContext, authenticator: Authenticator) -> Principal:
    """The caller, from the ``authorization`` metadata (anonymous when absent)."""
    metadata = dict(context.invocation_metadata() or ())
    return authenticator.principal(metadata.get("authorization"))


class GrpcServer:
    """A gRPC server that serves ``grpc.health.v1`` and reflection next to its services."""

    def __init__(self, address: str, *, max_workers: int = 16, reuse_port: bool = False
                 ) -> None:
        """``reuse_port``: several processes of the service listen on this port together
        (``services.shared.copies``); otherwise a port taken is an error at start."""
        self.address = address
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
            interceptors=[*server_interceptors(), MetricsServerInterceptor()],
            options=[("grpc.so_reuseport", 1 if reuse_port else 0)],
        )
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self._names: list[str] = [health.SERVICE_NAME, reflection.SERVICE_NAME]
        self.port: int | None = None

    def add(self, register: Callable[[object, grpc.Server], None], servicer: object,
            service_names: Iterable[str]) -> None:
        register(servicer, self.server)
        self._names.extend(service_names)

    def start(self) -> int:
        reflection.enable_server_reflection(self._names, self.server)
        self.port = self.server.add_insecure_port(self.address)
        if not self.port:
            raise SystemExit(f"cannot listen on {self.address}: is the port taken?")
        self.server.start()
        for name in self._names + [""]:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("gRPC server listening on %s", self.address)
        return self.port

    def stop(self, grace_s: float = 5.0) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()

    def serve_until_signalled(self) -> None:
        _serve_until_signalled(self)


def _serve_until_signalled(server: GrpcServer | AsyncGrpcServer) -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    freeze_start_up_objects()
    stop.wait()
    log.info("stopping")
    server.stop()


class _Health:
    """The grpc.aio health servicer, set from any thread."""

    def __init__(self, server: AsyncGrpcServer, servicer: Any) -> None:
        self._server, self.servicer = server, servicer

    def set(self, service: str, status: int) -> None:
        self._server.run(self.servicer.set(service, status))

    def enter_graceful_shutdown(self) -> None:
        self._server.run(self.servicer.enter_graceful_shutdown())


class AsyncGrpcServer:
    """``GrpcServer`` on grpc.aio: the server runs on an event loop of its own (one thread);
    it is built, started and stopped from any thread, as a GrpcServer is. Methods may be
    coroutines (run on the loop) or plain functions (run on ``sync_workers`` threads)."""

    def __init__(self, address: str, *, reuse_port: bool = False, sync_workers: int = 4
                 ) -> None:
        self.address = address
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="grpc-aio",
                                        daemon=True)
        self._thread.start()
        self._names: list[str] = [health.SERVICE_NAME, reflection.SERVICE_NAME]
        self.port: int | None = None

        async def create() -> tuple[grpc.aio.Server, Any]:
            server = grpc.aio.server(
                migration_thread_pool=futures.ThreadPoolExecutor(
                    max_workers=sync_workers, thread_name_prefix="grpc-sync"),
                interceptors=[*aio_server_interceptors(), AsyncMetricsServerInterceptor()],
                options=[("grpc.so_reuseport", 1 if reuse_port else 0)])
            servicer = health.aio.HealthServicer()
            health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
            return server, servicer

        self.server, servicer = self.run(create())
        self.health = _Health(self, servicer)

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout_s: float = 60.0) -> Any:
        """Run ``coroutine`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def add(self, register: Callable[[object, grpc.aio.Server], None], servicer: object,
            service_names: Iterable[str]) -> None:
        register(servicer, self.server)
        self._names.extend(service_names)

    def start(self) -> int:
        async def start() -> int:
            reflection.enable_server_reflection(self._names, self.server)
            try:
                port = self.server.add_insecure_port(self.address)
            except RuntimeError:
                port = 0
            if not port:
                return 0
            await self.server.start()
            for name in self._names + [""]:
                await self.health.servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
            return port

        self.port = self.run(start())
        if not self.port:
            raise SystemExit(f"cannot listen on {self.address}: is the port taken?")
        log.info("gRPC server (grpc.aio) listening on %s", self.address)
        return self.port

    def stop(self, grace_s: float = 5.0) -> None:
        if not self.loop.is_running():
            return

        async def stop() -> None:
            await self.health.servicer.enter_graceful_shutdown()
            await self.server.stop(grace_s)

        self.run(stop(), timeout_s=grace_s + 30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    def serve_until_signalled(self) -> None:
        _serve_until_signalled(self)


def start_metrics(service: str, settings: Settings) -> None:
    """A gRPC service process's metrics: the provider, and ``GET /metrics`` on the port of
    ``SUNLIGHT_<SERVICE>_METRICS_PORT`` (the ports after it for its copies; 0: none)."""
    configure_metrics(service, settings.node_region)
    serve_metrics(settings.bind_host,
                  metrics_port(getattr(settings, f"{service}_metrics_port"), copy_number()))


def run_server(service: str, build: Callable[[Settings], GrpcServer],
               observe: Callable[[Settings], None] | None = None) -> None:
    """The ``main`` of a gRPC service process: settings, logs, tracing, metrics (and the
    gauges ``observe`` registers), serve until SIGTERM/SIGINT, then stop gracefully."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(service, settings.node_region, settings.otel_exporter_otlp_endpoint)
    start_metrics(service, settings)
    if observe is not None:
        observe(settings)
    server = build(settings)
    server.start()
    server.serve_until_signalled()
