"""The gateway process: ``python -m gateway.server``.

One process, two ports: uvicorn serves the HTTP API in the main thread, the gRPC server runs on
its own threads. SIGTERM or SIGINT stops the HTTP server gracefully, then the gRPC server.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from grpc_health.v1 import health_pb2
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from gateway.backends import SERVICES, Backends
from gateway.grpc_proxy import ForwardingHandler, server_streaming_methods, unary_methods
from gateway.http_api import create_app
from gateway.node import NodeServicer
from services.shared.config import Settings, load_settings
from services.shared.grpc_server import GrpcServer
from services.shared.logs import configure_logging
from services.shared.rate_limits import RateLimits
from services.shared.telemetry import configure_tracing

SERVICE = "gateway"
HEALTH_POLL_S = 5.0
log = logging.getLogger(__name__)


@dataclass
class Gateway:
    backends: Backends
    grpc: GrpcServer
    http: FastAPI


def build_grpc(settings: Settings, backends: Backends, address: str | None = None
               ) -> GrpcServer:
    server = GrpcServer(address or settings.address(settings.gateway_grpc_port))
    server.add(gateway_pb2_grpc.add_NodeServiceServicer_to_server,
               NodeServicer(backends, settings.node_region, settings.node_name),
               [gateway_pb2.DESCRIPTOR.services_by_name["NodeService"].full_name])
    forwarded = list(SERVICES.values())
    proxy = ForwardingHandler(unary_methods(forwarded), backends.routes(),
                              settings.grpc_timeout_s,
                              streaming=server_streaming_methods(forwarded))
    server.add(lambda handler, grpc_server: grpc_server.add_generic_rpc_handlers((handler,)),
               proxy, [service.full_name for service in forwarded])
    return server


def build(settings: Settings) -> Gateway:
    backends = Backends.from_settings(settings)
    return Gateway(backends, build_grpc(settings, backends),
                   create_app(backends, settings.node_region, settings.node_name,
                              RateLimits.of(settings)))


def mirror_health(server: GrpcServer, backends: Backends, stop: threading.Event) -> None:
    """Report each forwarded service on the gateway's own grpc.health.v1 as its backend does."""
    while True:
        for check in backends.health():
            state = (health_pb2.HealthCheckResponse.SERVING if check.status == "SERVING"
                     else health_pb2.HealthCheckResponse.NOT_SERVING)
            server.health.set(check.service, state)
        if stop.wait(HEALTH_POLL_S):
            return


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings.node_region, settings.otel_exporter_otlp_endpoint)
    gateway = build(settings)
    stop = threading.Event()
    # uvicorn handles the signals while it runs and raises them again once it has stopped:
    # these handlers then only record the request to stop.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    gateway.grpc.start()
    threading.Thread(target=mirror_health, args=(gateway.grpc, gateway.backends, stop),
                     name="health-mirror", daemon=True).start()
    http = uvicorn.Server(uvicorn.Config(
        gateway.http, host=settings.host, port=settings.gateway_http_port,
        log_config=None, access_log=False, timeout_graceful_shutdown=10))
    log.info("HTTP API on http://%s:%s (docs at /docs)", settings.host,
             settings.gateway_http_port)
    try:
        http.run()
    finally:
        stop.set()
        log.info("stopping")
        gateway.grpc.stop()
        gateway.backends.close()


if __name__ == "__main__":
    main()
