"""The case server's background PDF renderer over real gRPC, on PostgreSQL: while the
server answers calls — reads as much as transitions — it renders nothing; once the process
has been quiet, its render worker makes the waiting documents. (The worker's own bytes:
``tests/unit/test_render_pool.py``; the renderer's order and its refusals:
``tests/integration/test_case_documents.py``.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sunlight.cases.v1 import cases_pb2 as kpb

from services.cases import storage as t
from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from tests.support.clients import Clients, act, applicant, bearer, key

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def node(pg_settings):
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    port = catalogue.start()
    cases = build_cases(pg_settings.model_copy(update={"catalogue_port": port}),
                        "127.0.0.1:0")
    cases_port = cases.start()
    yield cases, Clients.at(f"127.0.0.1:{port}", f"127.0.0.1:{cases_port}")
    cases.stop(0)
    catalogue.stop(0)


def test_the_renderer_waits_while_calls_are_answered_then_renders(node, pg_settings) -> None:
    cases, clients = node
    admin = bearer(pg_settings.token_key, "admin-1", ["admin"], ["510000"])
    item = clients.published_item(admin)
    number = clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602", applicant=applicant()),
        metadata=admin, timeout=10).case.case_number
    act(clients.cases, admin, number, accept=kpb.Accept(opinion="材料齐全"))  # 受理通知书
    documents = cases.service.documents
    d = t.case_documents.c

    def rendered() -> list[bool]:
        with cases.db.read() as s:
            return [sha is not None for (sha,) in s.execute(
                select(d.pdf_sha256).where(d.case_number == number)).all()]

    assert rendered() == [False]
    documents.busy_at -= 3600  # no event written for an hour…
    clients.cases.GetCase(kpb.GetCaseRequest(case_number=number,
                                             view=kpb.CASE_VIEW_STATUS),
                          metadata=admin, timeout=10)  # …but a read answered just now
    assert documents.render_pending(idle_s=60) == 0
    assert rendered() == [False]
    # quiet for as long as asked (none asked): the render worker makes the oldest waiting
    # (other modules' documents may come first in this database)
    assert documents.render_pending(idle_s=0) >= 1
