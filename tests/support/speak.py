"""A node for speaking up in the hall (咨询 · 投诉 · 好差评 · 动态公开): the real catalogue, case
and supervision services on the session's PostgreSQL behind gRPC, the hall's app with a
person's and a clerk's local accounts, and helpers to finish a case and to apply a case's
events to supervision as its worker would (no broker here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from argon2 import PasswordHasher
from sqlalchemy import MetaData, select
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cgrpc
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity import storage as ht
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.tokens import TokenMinter
from services.monitoring import storage as t
from services.monitoring.api import MonitoringServicer
from services.monitoring.cases_client import CasesClient
from services.monitoring.catalogue_client import CatalogueClient
from services.monitoring.evaluation import Evaluation
from services.monitoring.feedback import EvaluationRatings, Feedback
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.auth import Authenticator, ServiceToken
from services.shared.config import Settings
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.grpc_server import GrpcServer
from services.shared.outbox import outbox_table
from services.shared.rate_limits import RateLimits
from services.shared.working_days import WorkingCalendar
from tests.support.clients import Clients, act, applicant, bearer, key, running
from tests.support.departments import DEVELOPMENT

CALENDAR = WorkingCalendar.official()
PASSWORD = "correct horse battery"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
PERSON = applicant().id_number
CLERK = "li.clerk"


@dataclass
class SpeakNode:
    app: Any
    clients: Clients
    admin: list[tuple[str, str]]
    chief: list[tuple[str, str]]
    item_id: str
    monitoring_db: Database
    cases_db: Database
    catalogue_db: Database

    def case(self, finish: bool = True) -> str:
        """A case of the item applied for by PERSON, completed (办结) if asked."""
        case = self.clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
            idempotency_key=key(), item_id=self.item_id, region="511602",
            applicant=applicant()), metadata=self.admin, timeout=10).case
        number = case.case_number
        if not finish:
            return number
        case = act(self.clients.cases, self.admin, number, accept=kpb.Accept(opinion="齐全"))
        [first] = running(case)
        act(self.clients.cases, self.admin, number, complete_step=kpb.CompleteStep(
            instance_id=first.instance_id, opinion="同意"))
        act(self.clients.cases, self.chief, number, decide=kpb.Decide(
            outcome=kpb.DECISION_OUTCOME_APPROVE, reasons="符合条件", document_number="文1"))
        act(self.clients.cases, self.admin, number, publish_result=kpb.PublishResult())
        act(self.clients.cases, self.admin, number, complete=kpb.CompleteCase())
        return number

    def supervise(self, number: str) -> None:
        """Apply the item's and the case's events to supervision, as its worker does when
        they arrive."""
        table = outbox_table(MetaData())
        bodies = []
        for db, found in ((self.catalogue_db, self.item_id), (self.cases_db, number)):
            with db.transaction() as s:
                bodies += s.execute(select(table.c.body).where(table.c.body.contains(found))
                                    .order_by(table.c.seq)).scalars().all()
        projection = Projection(self.monitoring_db,
                                Supervision(self.monitoring_db, CALENDAR, "510000"))
        for body in bodies:
            projection.apply(parse_event(body))


@contextmanager
def speak_node(settings: Settings, hall_file: Path) -> Iterator[SpeakNode]:
    """The node, its services stopped afterwards. ``settings``: migrated PostgreSQL."""
    catalogue = build_catalogue(settings, "127.0.0.1:0")
    settings = settings.model_copy(update={"catalogue_port": catalogue.start()})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    secret = settings.token_key
    db = Database(settings.database_url, "monitoring", pool_size=4)
    cases_db = Database(settings.database_url, "cases", pool_size=2)
    catalogue_db = Database(settings.database_url, "catalogue", pool_size=2)
    token = ServiceToken(secret, "monitoring", ["510000"], roles=("supervision_service",))
    feedback = Feedback(db, CALENDAR, "510000",
                        CasesClient(f"127.0.0.1:{cases_port}", token, 10.0),
                        items=CatalogueClient(f"127.0.0.1:{settings.catalogue_port}", token,
                                              10.0))
    monitoring = GrpcServer("127.0.0.1:0")
    monitoring.add(pb_grpc.add_MonitoringServiceServicer_to_server,
                   MonitoringServicer(Projection(db), Authenticator(secret),
                                      Supervision(db, CALENDAR, "510000"),
                                      Evaluation(db, ratings=EvaluationRatings(db, "510000")),
                                      feedback=feedback),
                   [pb.DESCRIPTOR.services_by_name["MonitoringService"].full_name])
    monitoring_port = monitoring.start()
    channels = [grpc.insecure_channel(f"127.0.0.1:{p}")
                for p in (settings.catalogue_port, cases_port, monitoring_port)]
    hall_db = Database(f"sqlite:///{hall_file}", "hall")
    try:
        admin = bearer(secret, "admin-1", ["admin"], ["510000"])
        clients = Clients(cgrpc.CatalogueServiceStub(channels[0]),
                          kgrpc.CaseServiceStub(channels[1]))
        item = clients.published_item(admin)
        ht.metadata.create_all(hall_db.engine)
        provider = LocalIdentityProvider(AccountStore(hall_db), "511602", passwords=FAST,
                                         limits=SignInLimits.of("100/minute", "1000/minute"))
        provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
        provider.add(Kind.STAFF, CLERK, "李经办", PASSWORD, roles=("clerk",),
                     regions=("511602",), department_code=DEVELOPMENT,
                     department_name="区发展改革局")
        hall_token = ServiceToken(secret, "hall", ["510000"], roles=("hall",))
        backend = HallBackend(cgrpc.CatalogueServiceStub(channels[0]),
                              kgrpc.CaseServiceStub(channels[1]), hall_token.header, 10.0,
                              monitoring=pb_grpc.MonitoringServiceStub(channels[2]))
        app = create_app(backend, "广安区", rates=RateLimits(
            public_reads="100000/minute", case_lookup="100000/minute",
            failed_auth="100000/minute"), access=Access(provider, TokenMinter(secret),
                                                        "k" * 64))
        yield SpeakNode(app, clients, admin, bearer(secret, "admin-2", ["admin"], ["510000"]),
                        item.item_id, db, cases_db, catalogue_db)
    finally:
        with db.begin() as c:  # no relay here: leave no pending events to other tests
            c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
                published_at=t.outbox.c.created_at))
        for channel in channels:
            channel.close()
        monitoring.stop(0)
        cases.stop(0)
        catalogue.stop(0)
        db.dispose()
        cases_db.dispose()
        catalogue_db.dispose()
        hall_db.dispose()
