"""A real catalogue (service, search index, importer, gRPC servicer) on a SQLite file behind an
in-process gRPC server, and the steps of publishing an item, for tests that cross the
catalogue's wire (the CLI, the gateway, the hall)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from services.catalogue import storage as t
from services.catalogue.api import CatalogueServicer
from services.catalogue.domain.items import ItemContent
from services.catalogue.domain.lifecycle import Decision, ReviewKind
from services.catalogue.importer import Importer
from services.catalogue.search.index import SearchIndex
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator, Principal, permissions_of
from services.shared.db import Database
from services.shared.working_days import WorkingCalendar


@dataclass
class CatalogueNode:
    address: str
    stub: pb_grpc.CatalogueServiceStub
    service: CatalogueService
    index: SearchIndex


@contextmanager
def catalogue_node(path: Path, secret: str) -> Iterator[CatalogueNode]:
    db = Database(f"sqlite:///{path}", "catalogue")
    t.metadata.create_all(db.engine)
    index = SearchIndex(db)
    service = CatalogueService(db, "510000", WorkingCalendar.official(), listeners=[index])
    index.load()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    pb_grpc.add_CatalogueServiceServicer_to_server(CatalogueServicer(
        service, Authenticator(secret), index, Importer(service)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield CatalogueNode(f"127.0.0.1:{port}", pb_grpc.CatalogueServiceStub(channel),
                            service, index)
    finally:
        channel.close()
        server.stop(0)
        db.dispose()


def person(subject: str, *roles: str, region: str = "511602",
           department: str | None = None) -> Principal:
    """A principal; ``department`` is the department's unified social credit code."""
    return Principal(subject, roles, (region,), department, subject, permissions_of(roles))


def publish(service: CatalogueService, content: ItemContent) -> str:
    """Declare, submit and have both offices approve ``content``: the item's id."""
    clerk = person(f"clerk-{uuid.uuid4().hex[:6]}", "clerk", region=content.region,
                   department=content.department_code)
    view = service.create_item(clerk, content, uuid.uuid4().hex)
    service.submit(clerk, view.item_id, 1, uuid.uuid4().hex)
    service.review(person("legal-1", "legal_reviewer", region=content.region), view.item_id,
                   1, ReviewKind.LEGAL, Decision.APPROVE, "", uuid.uuid4().hex)
    service.review(person("staffing-1", "staffing_reviewer", region=content.region),
                   view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE, "",
                   uuid.uuid4().hex)
    return view.item_id
