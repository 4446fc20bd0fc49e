"""The catalogue process: ``python -m services.catalogue.server``."""

from __future__ import annotations

from pathlib import Path

from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc

from services.catalogue.api import CatalogueServicer
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator
from services.shared.config import load_settings
from services.shared.db import Database, database_url
from services.shared.grpc_server import GrpcServer
from services.shared.logs import configure_logging
from services.shared.migrations import upgrade
from services.shared.telemetry import configure_tracing

SERVICE = "catalogue"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate() -> None:
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


def build(settings, address: str | None = None) -> GrpcServer:  # type: ignore[no-untyped-def]
    db = Database.for_service(settings, SERVICE)
    servicer = CatalogueServicer(CatalogueService(db, settings.node_region),
                                 Authenticator(settings.jwt_secret, settings.jwt_issuer))
    server = GrpcServer(address or settings.address(settings.catalogue_port))
    server.add(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server, servicer,
               [catalogue_pb2.DESCRIPTOR.services_by_name["CatalogueService"].full_name])
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
