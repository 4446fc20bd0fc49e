"""The case process: ``python -m services.cases.server``."""

from __future__ import annotations

from pathlib import Path

from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from services.cases.api import CaseServicer
from services.cases.catalogue_client import CatalogueClient
from services.cases.service import CaseService
from services.shared.auth import Authenticator, ServiceToken
from services.shared.config import Settings, load_settings
from services.shared.db import Database, database_url
from services.shared.grpc_server import GrpcServer, run_server
from services.shared.migrations import upgrade
from services.shared.territory import Territory
from services.shared.working_days import WorkingCalendar

SERVICE = "cases"
MIGRATIONS = Path(__file__).parent / "migrations"
# Threads serving calls, each with a database connection of its own. A transition is a few
# hundred microseconds of Python around two round trips to the database, so a handful of
# threads keeps the process busy; more only contend for the GIL (measured: 8 threads serve
# more transitions per CPU second than 16, with a lower p99, under 16 concurrent clients).
GRPC_THREADS = 8


def migrate() -> None:
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


def build(settings: Settings, address: str | None = None) -> GrpcServer:
    db = Database.for_service(settings, SERVICE, pool_size=GRPC_THREADS)
    items = CatalogueClient(settings.address(settings.catalogue_port),
                            ServiceToken(settings.jwt_secret, "cases", [settings.node_region],
                                         issuer=settings.jwt_issuer),
                            settings.grpc_timeout_s)
    calendar = WorkingCalendar.official(Path(settings.var_dir) / "calendar")
    service = CaseService(db, items, calendar, settings.node_region,
                          Territory(settings.node_region, settings.territory_regions))
    server = GrpcServer(address or settings.address(settings.cases_port),
                        max_workers=GRPC_THREADS)
    server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server,
               CaseServicer(service, Authenticator(settings.jwt_secret, settings.jwt_issuer)),
               [cases_pb2.DESCRIPTOR.services_by_name["CaseService"].full_name])
    return server


def main() -> None:
    run_server(SERVICE, build)


if __name__ == "__main__":
    main()
