"""The case process: ``python -m services.cases.server``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from services.cases import audit
from services.cases.api import CaseServicer
from services.cases.catalogue_client import CatalogueClient
from services.cases.documents.pool import RenderPool
from services.cases.handover import CaseRelay
from services.cases.service import CaseService
from services.shared import grpc_metrics
from services.shared.auth import Authenticator, ServiceToken
from services.shared.channels import ChannelSeal
from services.shared.config import Settings, load_settings
from services.shared.copies import Copies
from services.shared.db import Database, database_url
from services.shared.grpc_client import channel
from services.shared.grpc_server import GrpcServer, start_metrics
from services.shared.logs import configure_logging
from services.shared.migrations import upgrade
from services.shared.telemetry import configure_tracing
from services.shared.territory import Territory
from services.shared.working_days import WorkingCalendar

SERVICE = "cases"
MIGRATIONS = Path(__file__).parent / "migrations"
# Threads serving calls, each with a database connection of its own. A transition is a few
# hundred microseconds of Python around two round trips to the database, so a handful of
# threads keeps the process busy; more only contend for the GIL (measured: 8 threads serve
# more transitions per CPU second than 16, with a lower p99, under 16 concurrent clients).
GRPC_THREADS = 8
#: how often the sweeper lapses applications whose supplements did not come in time and
#: publishes the daily trace roots (every process may sweep: each is idempotent)
SWEEP_INTERVAL_S = 300.0
log = logging.getLogger("sunlight.cases")


def migrate() -> None:
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


class Cases:
    """The wired case service: the service, its gRPC server and its sweeper."""

    def __init__(self, settings: Settings, address: str | None = None) -> None:
        self.copies = Copies(settings.cases_processes, SERVICE)
        self.db = Database.for_service(settings, SERVICE, pool_size=GRPC_THREADS)
        items = CatalogueClient(settings.peer_address("catalogue"),
                                ServiceToken(settings.token_key, "cases",
                                             [settings.node_region],
                                             issuer=settings.node_region),
                                settings.grpc_timeout_s, settings.grpc_connections,
                                collective_review_above_fen=(
                                    settings.collective_review_above_yuan * 100))
        calendar = WorkingCalendar.official(Path(settings.var_dir) / "calendar")
        territory = Territory.of_node(settings.node_region, settings.territory_regions,
                                      settings.var_dir)
        # PDFs made in a worker process of lower priority, never in the serving interpreter
        self.renderer = RenderPool()
        self.service = CaseService(self.db, items, calendar, settings.node_region, territory,
                                   audit_key=audit.reader_key(settings.token_key),
                                   render=self.renderer.render,
                                   idle_for=grpc_metrics.idle_for)
        self.server = GrpcServer(address or settings.listen_address(settings.cases_port),
                                 max_workers=GRPC_THREADS,
                                 reuse_port=settings.cases_processes > 1)
        self.server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server,
                        CaseServicer(self.service, Authenticator(settings.token_key,
                                                                 settings.node_region),
                                     ChannelSeal(settings.token_key)),
                        [cases_pb2.DESCRIPTOR.services_by_name["CaseService"].full_name])
        # 上报件 across nodes: the hand-overs this node's cases keep, delivered through the
        # node's gateway (services.cases.handover)
        self._gateway = channel(settings.peer_address("gateway"))
        self.relay = CaseRelay(
            self.service.store, self._gateway,
            ServiceToken(settings.token_key, "case-relay", [settings.node_region],
                         issuer=settings.node_region, roles=("node_relay",)),
            settings.grpc_timeout_s, node=settings.node_region,
            overdue_after_minutes=settings.handover_overdue_minutes)
        self._stop = threading.Event()

    def start(self) -> int:
        port = self.server.start()
        self.copies.start()
        threading.Thread(target=self._sweep, name="case-sweep", daemon=True).start()
        threading.Thread(target=self.service.documents.run_renderer, args=(self._stop,),
                         name="document-render", daemon=True).start()
        threading.Thread(target=self.relay.run, args=(self._stop,), name="case-relay",
                         daemon=True).start()
        return port

    def sweep(self) -> None:
        lapsed = self.service.lapse_overdue()
        roots = self.service.publish_roots()
        if lapsed or roots:
            log.info("sweep: %d applications lapsed, %d trace roots published", lapsed, roots)

    def _sweep(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - keep sweeping after a database hiccup
                log.exception("case sweep failed")
            if self._stop.wait(SWEEP_INTERVAL_S):
                return

    def stop(self, grace_s: float = 5.0) -> None:
        self._stop.set()
        self.copies.terminate()
        self.server.stop(grace_s)
        self.copies.wait(grace_s + 5)
        self._gateway.close()
        self.renderer.close()
        self.db.dispose()


def build(settings: Settings, address: str | None = None) -> Cases:
    return Cases(settings, address)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings.node_region, settings.otel_exporter_otlp_endpoint)
    start_metrics(SERVICE, settings)
    cases = build(settings)
    cases.start()
    cases.server.serve_until_signalled()
    cases.stop()


if __name__ == "__main__":
    main()
