"""Supervision's gRPC read process: ``python -m services.monitoring.server``."""

from __future__ import annotations

import json
from pathlib import Path

from sunlight.monitoring.v1 import monitoring_pb2, monitoring_pb2_grpc

from services.monitoring.api import MonitoringServicer
from services.monitoring.cases_client import CasesClient
from services.monitoring.catalogue_client import CatalogueClient
from services.monitoring.domain.evaluation import Scale
from services.monitoring.domain.feedback import Policy
from services.monitoring.evaluation import Evaluation
from services.monitoring.feedback import EvaluationRatings, Feedback
from services.monitoring.projection import Projection
from services.monitoring.queue_metrics import observe_queues
from services.monitoring.supervision import Supervision
from services.shared.auth import Authenticator, ServiceToken
from services.shared.config import Settings, load_settings
from services.shared.db import Database, database_url
from services.shared.grpc_server import GrpcServer, run_server
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar

SERVICE = "monitoring"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate() -> None:
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


def build(settings: Settings, address: str | None = None) -> GrpcServer:
    db = Database.for_service(settings, SERVICE)
    projection = Projection(db)
    calendar = WorkingCalendar.official(Path(settings.var_dir) / "calendar")
    supervision = Supervision(db, calendar, settings.node_region)
    evaluation = Evaluation(db, scale_of(settings.evaluation_scale),
                            EvaluationRatings(db, settings.node_region))
    feedback = Feedback(
        db, calendar, settings.node_region,
        CasesClient(settings.peer_address("cases"),
                    ServiceToken(settings.token_key, "monitoring", [settings.node_region],
                                 issuer=settings.node_region, roles=("supervision_service",)),
                    settings.grpc_timeout_s),
        Policy(settings.feedback_complaint_days, settings.feedback_rating_window_days,
               settings.feedback_rectification_days, settings.feedback_consultation_days),
        items=CatalogueClient(
            settings.peer_address("catalogue"),
            ServiceToken(settings.token_key, "monitoring", [settings.node_region],
                         issuer=settings.node_region, roles=("supervision_service",)),
            settings.grpc_timeout_s))
    server = GrpcServer(address or settings.listen_address(settings.monitoring_port))
    server.add(monitoring_pb2_grpc.add_MonitoringServiceServicer_to_server,
               MonitoringServicer(projection,
                                  Authenticator(settings.token_key, settings.node_region),
                                  supervision, evaluation, feedback),
               [monitoring_pb2.DESCRIPTOR.services_by_name["MonitoringService"].full_name])
    return server


def scale_of(text: str) -> Scale:
    """The officials' points scale of the setting ``evaluation_scale`` (JSON; empty: the
    defaults); a wrong one stops the process with what is wrong."""
    if not text.strip():
        return Scale()
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a JSON object")
        return Scale.of(data)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"SUNLIGHT_EVALUATION_SCALE is not a valid scale: {exc}") from None


def main() -> None:
    run_server(SERVICE, build, observe=observe_queues)


if __name__ == "__main__":
    main()
