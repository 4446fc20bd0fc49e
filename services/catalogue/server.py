"""The catalogue process: ``python -m services.catalogue.server``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc

from services.catalogue.api import CatalogueServicer
from services.catalogue.courier import Courier, gateway_delivery
from services.catalogue.domain.search_terms import warm as warm_search_terms
from services.catalogue.importer import Importer
from services.catalogue.search.index import SearchIndex
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator
from services.shared.config import Settings, load_settings
from services.shared.db import Database, database_url
from services.shared.grpc_server import GrpcServer, start_metrics
from services.shared.logs import configure_logging
from services.shared.migrations import upgrade
from services.shared.telemetry import configure_tracing
from services.shared.territory import Territory
from services.shared.working_days import WorkingCalendar

SERVICE = "catalogue"
MIGRATIONS = Path(__file__).parent / "migrations"
SWEEP_INTERVAL_S = 300.0
INDEX_REFRESH_S = 2.0
log = logging.getLogger("sunlight.catalogue")


def migrate() -> None:
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


class Catalogue:
    """The wired catalogue: service, search index, importer, gRPC server, sweeper."""

    def __init__(self, settings: Settings, address: str | None = None) -> None:
        self.db = Database.for_service(settings, SERVICE)
        self.index = SearchIndex(self.db)
        calendar = WorkingCalendar.official(Path(settings.var_dir) / "calendar")
        self.service = CatalogueService(
            self.db, settings.node_region, calendar, listeners=[self.index],
            territory=Territory.of_node(settings.node_region, settings.territory_regions,
                                        settings.var_dir))
        self.importer = Importer(self.service)
        self.server = GrpcServer(address or settings.listen_address(settings.catalogue_port))
        self.server.add(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server,
                        CatalogueServicer(self.service,
                                          Authenticator(settings.token_key,
                                                        settings.node_region),
                                          self.index, self.importer),
                        [catalogue_pb2.DESCRIPTOR.services_by_name["CatalogueService"]
                         .full_name])
        self._stop = threading.Event()
        deliver, self._gateway = gateway_delivery(settings)
        #: delegations down a level (下放), delivered through the node's gateway
        self.courier = Courier(self.service.delegations, deliver, settings.grpc_timeout_s)

    def start(self) -> int:
        warm_search_terms()  # before the port opens: no first caller waits for dictionaries
        self.index.load()
        port = self.server.start()
        threading.Thread(target=self._sweep, name="obligation-sweep", daemon=True).start()
        threading.Thread(target=self._refresh, name="index-refresh", daemon=True).start()
        self.courier.start()
        return port

    def _refresh(self) -> None:
        """Writes of other catalogue processes reach this one's index within seconds."""
        while not self._stop.wait(INDEX_REFRESH_S):
            try:
                self.index.refresh()
            except Exception:  # noqa: BLE001 - retried at the next tick
                log.exception("search index refresh failed")

    def _sweep(self) -> None:
        """Overdue change obligations raise their event (idempotent across replicas)."""
        while not self._stop.wait(SWEEP_INTERVAL_S):
            try:
                overdue = self.service.sweep_overdue()
                if overdue:
                    log.warning("%d change obligations became overdue", overdue)
            except Exception:  # noqa: BLE001 - keep sweeping after a database hiccup
                log.exception("obligation sweep failed")

    def stop(self, grace_s: float = 5.0) -> None:
        self._stop.set()
        self.courier.stop()
        self.server.stop(grace_s)
        self._gateway.close()
        self.db.dispose()


def build(settings: Settings, address: str | None = None) -> Catalogue:
    return Catalogue(settings, address)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings.node_region, settings.otel_exporter_otlp_endpoint)
    start_metrics(SERVICE, settings)
    catalogue = build(settings)
    catalogue.start()
    catalogue.server.serve_until_signalled()
    catalogue.stop()


if __name__ == "__main__":
    main()
