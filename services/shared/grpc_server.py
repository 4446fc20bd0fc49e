"""Building a service's gRPC server: health, reflection, tracing, auth, graceful stop."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.shared.auth import Authenticator, Principal
from services.shared.config import Settings, load_settings
from services.shared.grpc_tracing import server_interceptors
from services.shared.logs import configure_logging
from services.shared.telemetry import configure_tracing

log = logging.getLogger(__name__)


def principal_of(context: grpc.ServicerContext, authenticator: Authenticator) -> Principal:
    """The caller, from the ``authorization`` metadata (anonymous when absent)."""
    metadata = dict(context.invocation_metadata() or ())
    return authenticator.principal(metadata.get("authorization"))


class GrpcServer:
    """A gRPC server that serves ``grpc.health.v1`` and reflection next to its services."""

    def __init__(self, address: str, *, max_workers: int = 16) -> None:
        self.address = address
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
            interceptors=server_interceptors(),
            options=[("grpc.so_reuseport", 0)],
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
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        log.info("stopping")
        self.stop()



def run_server(service: str, build: Callable[[Settings], GrpcServer]) -> None:
    """The ``main`` of a gRPC service process: settings, logs, tracing, serve until
    SIGTERM/SIGINT, then stop gracefully."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(service, settings.node_region, settings.otel_exporter_otlp_endpoint)
    server = build(settings)
    server.start()
    server.serve_until_signalled()
