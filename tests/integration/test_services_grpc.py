"""Catalogue and case services over real gRPC, on PostgreSQL."""

from __future__ import annotations

import uuid

import grpc
import pytest
from sqlalchemy import MetaData, select
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb

from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.shared.db import Database
from services.shared.grpc_errors import error_detail_of
from services.shared.outbox import outbox_table
from tests.support.clients import (
    OFFLINE_REVIEW,
    Clients,
    act,
    applicant,
    bearer,
    draft,
    key,
    running,
)
from tests.support.departments import DEVELOPMENT, EDUCATION

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def node(pg_settings):
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    port = catalogue.start()
    settings = pg_settings.model_copy(update={"catalogue_port": port})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    yield Clients.at(f"127.0.0.1:{port}", f"127.0.0.1:{cases_port}"), settings
    cases.stop(0)
    catalogue.stop(0)


@pytest.fixture(scope="module")
def admin(pg_settings):
    return bearer(pg_settings.token_key, "admin-1", ["admin"], ["510000"])


def _detail(call):
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), error_detail_of(info.value)


def test_a_case_is_refused_on_an_item_that_is_not_published(node, admin) -> None:
    clients, _ = node
    item = clients.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=draft()), metadata=admin, timeout=10).item
    code, detail = _detail(lambda: clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602",
        applicant=applicant()), metadata=admin, timeout=10))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert detail.code == "ITEM_NOT_PUBLISHED" and "清单之外无职权" in detail.message
    code, detail = _detail(lambda: clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id="no-such-item", region="511602",
        applicant=applicant()), metadata=admin, timeout=10))
    assert detail.code == "ITEM_NOT_PUBLISHED"


def test_a_case_runs_through_its_steps_and_emits_an_event_per_transition(node, admin,
                                                                           pg_settings):
    other_admin = bearer(pg_settings.token_key, "admin-2", ["admin"], ["510000"])
    clients, _ = node
    item = clients.published_item(admin)
    case = clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602",
        applicant=applicant()), metadata=admin, timeout=10).case
    assert case.case_number.startswith("511602") and len(case.case_number) == 20
    assert case.item_version == 1 and case.status == kpb.CASE_STATUS_SUBMITTED
    assert "accept" in case.allowed_actions
    number = case.case_number
    case = act(clients.cases, admin, number, accept=kpb.Accept(opinion="材料齐全"))
    [first] = running(case)
    case = act(clients.cases, admin, number,
               complete_step=kpb.CompleteStep(instance_id=first.instance_id, opinion="同意"))
    assert [s.key for s in running(case)] == ["s1"] and "decide" in case.allowed_actions
    case = act(clients.cases, other_admin, number, decide=kpb.Decide(
        outcome=kpb.DECISION_OUTCOME_APPROVE, reasons="符合条件", document_number="文1"))
    case = act(clients.cases, admin, number, publish_result=kpb.PublishResult())
    case = act(clients.cases, admin, number, complete=kpb.CompleteCase())
    assert case.status == kpb.CASE_STATUS_COMPLETED
    assert case.decision.document_number == "文1"
    db = Database(pg_settings.database_url.replace("postgresql://", "postgresql+psycopg://"),
                  "cases")
    table = outbox_table(MetaData())
    with db.transaction() as s:
        types = s.execute(select(table.c.routing_key).where(
            table.c.body.contains(case.case_number)).order_by(table.c.seq)).scalars().all()
    db.dispose()
    region = ".510000.511600.511602"
    assert types == [t + region for t in (
        "case.submitted", "case.accepted", "case.step_started", "case.step_completed",
        "case.step_started", "case.decided", "case.result_published", "case.completed")]
    trace = clients.cases.VerifyTrace(kpb.VerifyTraceRequest(case_number=number),
                                      metadata=admin, timeout=10)
    assert trace.intact and trace.entries == len(types)


def test_a_repeated_request_acts_once(node, admin) -> None:
    clients, _ = node
    item = clients.published_item(admin)
    request = kpb.SubmitApplicationRequest(idempotency_key=key(), item_id=item.item_id,
                                           region="511602", applicant=applicant())
    first = clients.cases.SubmitApplication(request, metadata=admin, timeout=10).case
    again = clients.cases.SubmitApplication(request, metadata=admin, timeout=10).case
    assert first.case_number == again.case_number
    request.applicant.name = "李四"
    code, detail = _detail(lambda: clients.cases.SubmitApplication(request, metadata=admin,
                                                                   timeout=10))
    assert code == grpc.StatusCode.ABORTED and detail.code == "IDEMPOTENCY_KEY_REUSED"


def test_a_stale_step_is_refused(node, admin) -> None:
    clients, _ = node
    item = clients.published_item(admin)
    case = clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602",
        applicant=applicant()), metadata=admin, timeout=10).case
    case = act(clients.cases, admin, case.case_number, accept=kpb.Accept())
    [first] = running(case)
    act(clients.cases, admin, case.case_number,
        complete_step=kpb.CompleteStep(instance_id=first.instance_id))
    code, detail = _detail(lambda: act(
        clients.cases, admin, case.case_number,
        complete_step=kpb.CompleteStep(instance_id=first.instance_id)))
    assert code == grpc.StatusCode.ABORTED and detail.code == "STEP_NOT_ACTIVE"
    code, detail = _detail(lambda: act(clients.cases, admin, case.case_number,
                                       accept=kpb.Accept()))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert detail.code == "ACTION_NOT_ALLOWED" and detail.metadata["status"] == "in_progress"


def test_who_may_do_what_for_which_region(node, pg_settings, admin) -> None:
    clients, _ = node
    item = clients.published_item(admin, region="511602")
    other_county = bearer(pg_settings.token_key, "clerk-x", ["clerk"], ["511621"],
                          department=DEVELOPMENT)
    code, detail = _detail(lambda: clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602",
        applicant=applicant()), metadata=other_county, timeout=10))
    assert code == grpc.StatusCode.PERMISSION_DENIED and detail.code == "REGION_OUT_OF_SCOPE"
    code, _ = _detail(lambda: clients.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=draft()), timeout=10))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    clerk = bearer(pg_settings.token_key, "clerk-1", ["clerk"], ["511602"],
                   department=DEVELOPMENT)
    created = clients.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=draft()), metadata=clerk, timeout=10).item
    code, _ = _detail(lambda: clients.catalogue.PublishItem(cpb.PublishItemRequest(
        idempotency_key=key(), item_id=created.item_id, version=1, **OFFLINE_REVIEW),
        metadata=clerk, timeout=10))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, detail = _detail(lambda: clients.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=draft(department_code=EDUCATION)), metadata=clerk,
        timeout=10))
    assert detail.code == "OTHER_DEPARTMENT"


def test_invalid_drafts_get_field_violations(node, admin) -> None:
    clients, _ = node
    bad = draft()
    bad.statutory_limit_days = 999
    bad.region = "51"
    code, detail = _detail(lambda: clients.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=bad), metadata=admin, timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    # the contract's limits, checked before the service looks at the draft
    assert {v.field for v in detail.field_violations} >= {"draft.region",
                                                          "draft.statutory_limit_days"}


def test_published_items_are_listed_publicly_without_internal_fields(node, admin) -> None:
    clients, _ = node
    item = clients.published_item(admin, region="511602")
    seen, token = [], ""
    while True:
        page = clients.catalogue.ListPublishedItems(cpb.ListPublishedItemsRequest(
            region="511600", page_size=2, page_token=token), timeout=10)
        seen.extend(page.items)
        token = page.next_page_token
        if not token:
            break
    mine = [i for i in seen if i.item_id == item.item_id]
    assert len(mine) == 1 and mine[0].content.steps[0].role == ""
    assert len({i.item_id for i in seen}) == len(seen)


def test_concurrent_case_numbers_are_unique(node, admin) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients, _ = node
    item = clients.published_item(admin)

    def open_one(_):
        return clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
            idempotency_key=key(), item_id=item.item_id, region="511602",
            applicant=applicant()), metadata=admin, timeout=20).case.case_number

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(open_one, range(40)))
    assert len(set(numbers)) == 40


def test_an_unknown_version_cannot_open_cases(node, admin) -> None:
    clients, _ = node
    item = clients.published_item(admin)
    code, detail = _detail(lambda: clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, item_version=7, region="511602",
        applicant=applicant()), metadata=admin, timeout=10))
    assert detail.code == "ITEM_NOT_PUBLISHED"


def test_cases_refuse_an_item_that_is_not_active(node, admin) -> None:
    clients, _ = node
    item = clients.published_item(admin)

    def open_case():
        return clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
            idempotency_key=key(), item_id=item.item_id, region="511602",
            applicant=applicant()), metadata=admin, timeout=10)

    clients.catalogue.AdjustItem(cpb.AdjustItemRequest(
        idempotency_key=key(), item_id=item.item_id, action=cpb.ADJUST_ACTION_SUSPEND,
        reason="法律修订中"), metadata=admin, timeout=10)
    code, detail = _detail(open_case)
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert detail.code == "ITEM_NOT_IN_FORCE" and "suspended" in detail.message
    clients.catalogue.AdjustItem(cpb.AdjustItemRequest(
        idempotency_key=key(), item_id=item.item_id, action=cpb.ADJUST_ACTION_RESUME,
        reason="修订完成"), metadata=admin, timeout=10)
    assert open_case().case.item_version == 1
    history = clients.catalogue.GetItemHistory(cpb.GetItemHistoryRequest(
        item_id=item.item_id), timeout=10).entries
    assert [e.action for e in history][-2:] == ["suspend", "resume"]


def test_the_review_flow_over_grpc_and_search_finds_the_result(node, admin, pg_settings):
    clients, _ = node
    clerk = bearer(pg_settings.token_key, "clerk-2", ["clerk"], ["511602"],
                   department=DEVELOPMENT)
    legal = bearer(pg_settings.token_key, "legal-2", ["legal_reviewer"], ["511600"])
    staffing = bearer(pg_settings.token_key, "staffing-2", ["staffing_reviewer"], ["510000"])
    unique = f"危险化学品经营许可{uuid.uuid4().hex[:4]}"
    d = draft()
    d.name = unique
    item = clients.catalogue.CreateItem(cpb.CreateItemRequest(idempotency_key=key(), draft=d),
                                        metadata=clerk, timeout=10).item
    clients.catalogue.SubmitItem(cpb.SubmitItemRequest(
        idempotency_key=key(), item_id=item.item_id, version=1), metadata=clerk, timeout=10)
    for md, kind in ((legal, cpb.REVIEW_KIND_LEGAL), (staffing, cpb.REVIEW_KIND_STAFFING)):
        reply = clients.catalogue.ReviewItem(cpb.ReviewItemRequest(
            idempotency_key=key(), item_id=item.item_id, version=1, kind=kind,
            decision=cpb.REVIEW_DECISION_APPROVE), metadata=md, timeout=10).item
    assert reply.status == cpb.VERSION_STATUS_PUBLISHED
    found = clients.catalogue.SearchItems(cpb.SearchItemsRequest(query=unique[:9]),
                                          timeout=10)
    assert item.item_id in [h.item.item_id for h in found.hits]
    by_initials = clients.catalogue.SearchItems(cpb.SearchItemsRequest(
        query="whxpjyxk", region="511602"), timeout=10)
    assert item.item_id in [h.item.item_id for h in by_initials.hits]


def test_the_public_and_other_departments_see_no_internal_case_fields(node, admin,
                                                                       pg_settings) -> None:
    clients, _ = node
    item = clients.published_item(admin)
    case = clients.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602",
        applicant=applicant()), metadata=admin, timeout=10).case
    hall = bearer(pg_settings.token_key, "hall", ["hall"], ["510000"])
    public = clients.cases.GetCase(kpb.GetCaseRequest(case_number=case.case_number),
                                   metadata=hall, timeout=10).case
    assert not public.applicant.id_number and public.status == kpb.CASE_STATUS_SUBMITTED
    case = act(clients.cases, admin, case.case_number, accept=kpb.Accept())
    public = clients.cases.GetCase(kpb.GetCaseRequest(case_number=case.case_number),
                                   metadata=hall, timeout=10).case
    assert [s.role for s in public.steps] == [""] and [s.role for s in case.steps] == [
        "clerk"]
    other = bearer(pg_settings.token_key, "clerk-edu", ["clerk"], ["511602"],
                   department=EDUCATION)
    [first] = running(case)
    code, detail = _detail(lambda: act(clients.cases, other, case.case_number,
                                       complete_step=kpb.CompleteStep(
                                           instance_id=first.instance_id)))
    assert code == grpc.StatusCode.PERMISSION_DENIED and detail.code == "NOT_YOURS"


def test_concurrent_requests_with_one_key_create_one_item(node, admin) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients, _ = node
    request = cpb.CreateItemRequest(idempotency_key=key(), draft=draft())
    with ThreadPoolExecutor(4) as pool:
        items = list(pool.map(lambda _: clients.catalogue.CreateItem(
            request, metadata=admin, timeout=20).item.item_id, range(4)))
    assert len(set(items)) == 1
