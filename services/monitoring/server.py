"""Supervision's gRPC read process: ``python -m services.monitoring.server``."""

from __future__ import annotations

from pathlib import Path

from sunlight.monitoring.v1 import monitoring_pb2, monitoring_pb2_grpc

from services.monitoring.api import MonitoringServicer
from services.monitoring.projection import Projection
from services.shared.auth import Authenticator
from services.shared.config import Settings, load_settings
from services.shared.db import Database, database_url
from services.shared.grpc_server import GrpcServer
from services.shared.logs import configure_logging
from services.shared.migrations import upgrade
from services.shared.telemetry import configure_tracing

SERVICE = "monitoring"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate() -> None:
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


def build(settings: Settings, address: str | None = None) -> GrpcServer:
    projection = Projection(Database.for_service(settings, SERVICE))
    server = GrpcServer(address or settings.address(settings.monitoring_port))
    server.add(monitoring_pb2_grpc.add_MonitoringServiceServicer_to_server,
               MonitoringServicer(projection,
                                  Authenticator(settings.jwt_secret, settings.jwt_issuer)),
               [monitoring_pb2.DESCRIPTOR.services_by_name["MonitoringService"].full_name])
    return server


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings.node_region, settings.otel_exporter_otlp_endpoint)
    server = build(settings)
    server.start()
    server.serve_until_signalled()


if __name__ == "__main__":
    main()
