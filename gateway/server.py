"""The gateway process: ``python -m gateway.server``.

One process, two ports: uvicorn serves the HTTP API in the main thread, the gRPC server runs on
its own threads. SIGTERM or SIGINT stops the HTTP server gracefully, then the gRPC server.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from dataclasses import dataclass

import grpc
import uvicorn
from fastapi import FastAPI
from grpc_health.v1 import health_pb2
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from gateway.backends import SERVICES, Backends
from gateway.grpc_limits import SPARE_THREADS, AsyncSlots, SheddingHandler, ThreadSlots
from gateway.grpc_proxy import (
    AsyncForwardingHandler,
    ForwardingHandler,
    server_streaming_methods,
    unary_methods,
)
from gateway.http_api import create_app
from gateway.node import NodeServicer
from gateway.peers import PeerServer, open_registry
from gateway.routing import PeerForwarder, RoutedHandler, Router
from services.shared.auth import Authenticator
from services.shared.config import Settings, load_settings
from services.shared.copies import Copies, copy_number
from services.shared.grpc_server import AsyncGrpcServer, GrpcServer
from services.shared.health_http import serve_metrics
from services.shared.heap import freeze_start_up_objects
from services.shared.logs import configure_logging
from services.shared.metrics import configure_metrics, metrics_port
from services.shared.pki import PkiPaths
from services.shared.rate_limits import RateLimits
from services.shared.telemetry import configure_tracing

SERVICE = "gateway"
HEALTH_POLL_S = 5.0
log = logging.getLogger(__name__)


@dataclass
class Gateway:
    backends: Backends
    grpc: GrpcServer | AsyncGrpcServer
    http: FastAPI
    #: the peer port for other nodes (mutual TLS), when this node holds a certificate
    peers: PeerServer | None = None
    #: which node answers a case number or region (gateway.routing)
    router: Router | None = None


def build_grpc(settings: Settings, backends: Backends, address: str | None = None,
               router: Router | None = None) -> GrpcServer | AsyncGrpcServer:
    """The gRPC port: NodeService, and every method of the node's services forwarded to
    their processes; on grpc.aio unless ``SUNLIGHT_GATEWAY_GRPC_AIO=false``. At most
    ``SUNLIGHT_GATEWAY_GRPC_MAX_IN_FLIGHT`` forwarded or routed calls at once, the next
    answered RESOURCE_EXHAUSTED ``NODE_BUSY`` (``gateway.grpc_limits``). With a
    ``router`` of a node in a province (grpc.aio only), the routed methods reach the node
    that holds their case or region (``gateway.routing``)."""
    address = address or settings.listen_address(settings.gateway_grpc_port)
    reuse_port = settings.gateway_processes > 1
    forwarded = list(SERVICES.values())
    proxy: grpc.GenericRpcHandler
    server: GrpcServer | AsyncGrpcServer
    slots: AsyncSlots | ThreadSlots
    if settings.gateway_grpc_aio:
        server = AsyncGrpcServer(address, reuse_port=reuse_port)
        proxy = AsyncForwardingHandler(
            unary_methods(forwarded),
            {SERVICES[key].full_name: a for key, a in backends.addresses.items()},
            settings.grpc_timeout_s, streaming=server_streaming_methods(forwarded),
            connections=settings.grpc_connections, seal=backends.seal)
        slots = AsyncSlots(settings.gateway_grpc_max_in_flight,
                           settings.gateway_admission_wait_s)
    else:
        # a thread for each call admitted, and spare ones for the refusals (gateway.grpc_limits)
        server = GrpcServer(address, reuse_port=reuse_port,
                            max_workers=settings.gateway_grpc_max_in_flight + SPARE_THREADS)
        proxy = ForwardingHandler(unary_methods(forwarded), backends.routes(),
                                  settings.grpc_timeout_s,
                                  streaming=server_streaming_methods(forwarded),
                                  seal=backends.seal)
        slots = ThreadSlots(settings.gateway_grpc_max_in_flight)
    server.add(gateway_pb2_grpc.add_NodeServiceServicer_to_server,
               NodeServicer(backends, settings.node_region, settings.node_name),
               [gateway_pb2.DESCRIPTOR.services_by_name["NodeService"].full_name])
    if router is not None and router.federated and settings.gateway_grpc_aio:
        # first: a routed method is answered here, locally or by the node that holds it
        server.add(lambda handler, grpc_server: grpc_server.add_generic_rpc_handlers(
            (handler,)), SheddingHandler(RoutedHandler(router, proxy), slots), [])
    # load shedding (gateway.grpc_limits): the forwarded and routed calls share the slots
    server.add(lambda handler, grpc_server: grpc_server.add_generic_rpc_handlers((handler,)),
               SheddingHandler(proxy, slots), [service.full_name for service in forwarded])
    return server


def build_peers(settings: Settings, backends: Backends | None) -> PeerServer | None:
    """The peer port, when the node has its certificate, the CA's and the node registry
    under <var_dir>/pki; otherwise None (a node on its own)."""
    paths = PkiPaths.under(settings.var_dir)
    if not (paths.has_identity and paths.registry.is_file()):
        log.info("no node certificate under %s: no peer port (the node is on its own)",
                 paths.root)
        return None
    server = PeerServer(settings.listen_address(settings.gateway_peer_port), settings.node_region,
                        settings.node_name, paths, open_registry(paths), settings.token_key,
                        node_servicer=NodeServicer(backends, settings.node_region,
                                                   settings.node_name),
                        reuse_port=settings.gateway_processes > 1)
    if backends is not None:
        # what other nodes may read here (as the registry allows), served by the own backends
        server.add_generic(PeerForwarder(settings.node_region, settings.token_key,
                                         backends.routes(), settings.grpc_timeout_s))
    return server


def build(settings: Settings) -> Gateway:
    backends = Backends.from_settings(settings)
    router = Router.of(settings.node_region, settings.token_key, settings.var_dir,
                       settings.grpc_timeout_s)
    return Gateway(backends, build_grpc(settings, backends, router=router),
                   create_app(backends, settings.node_region, settings.node_name,
                              RateLimits.of(settings), router=router,
                              authenticator=Authenticator(settings.token_key,
                                                          settings.node_region),
                              max_in_flight=settings.gateway_max_in_flight,
                              admission_wait_s=settings.gateway_admission_wait_s),
                   build_peers(settings, backends), router)


def mirror_health(server: GrpcServer | AsyncGrpcServer, backends: Backends,
                  stop: threading.Event) -> None:
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
    configure_metrics(SERVICE, settings.node_region)
    # this process's own listener: the API port's /metrics is whichever copy it reached
    serve_metrics(settings.bind_host, metrics_port(settings.gateway_metrics_port,
                                                   copy_number()))
    gateway = build(settings)
    stop = threading.Event()
    # uvicorn handles the signals while it runs and raises them again once it has stopped:
    # these handlers then only record the request to stop.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    copies = Copies(settings.gateway_processes, SERVICE)
    gateway.grpc.start()
    if gateway.peers is not None:
        gateway.peers.start()
    threading.Thread(target=mirror_health, args=(gateway.grpc, gateway.backends, stop),
                     name="health-mirror", daemon=True).start()
    http = uvicorn.Server(uvicorn.Config(
        gateway.http, host=settings.bind_host, port=settings.gateway_http_port,
        log_config=None, access_log=False, timeout_graceful_shutdown=10))
    sockets = None
    if settings.gateway_processes > 1:  # every process of the gateway on the one port
        sockets = [listening_socket(settings.bind_host, settings.gateway_http_port)]
    log.info("HTTP API on http://%s:%s (docs at /docs)", settings.bind_host,
             settings.gateway_http_port)
    copies.start()
    freeze_start_up_objects()
    try:
        http.run(sockets=sockets)
    finally:
        stop.set()
        log.info("stopping")
        copies.terminate()
        gateway.grpc.stop()
        if gateway.peers is not None:
            gateway.peers.stop()
        gateway.backends.close()
        if gateway.router is not None:
            gateway.router.close()
        copies.wait()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` with ``SO_REUSEPORT``, for uvicorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    main()
