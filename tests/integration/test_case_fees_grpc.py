"""Fees (收费) and countermeasures (防范措施) over real gRPC, on PostgreSQL: an item published
with a high-risk step and a fee, a case that charges it and completes the step stating what
was done — in the case, its trace and the events on the outbox."""

from __future__ import annotations

import json

import grpc
import pytest
from sqlalchemy import MetaData, select
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1.common_pb2 import Money

from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.shared.db import Database
from services.shared.grpc_errors import error_detail_of
from services.shared.outbox import outbox_table
from tests.support.clients import OFFLINE_REVIEW, Clients, act, applicant, bearer, draft, key
from tests.support.departments import DEVELOPMENT, EDUCATION

pytestmark = pytest.mark.integration
COUNTERMEASURES = ["双人审核", "全程留痕"]


@pytest.fixture(scope="module")
def node(pg_settings):
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    port = catalogue.start()
    settings = pg_settings.model_copy(update={"catalogue_port": port})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    yield Clients.at(f"127.0.0.1:{port}", f"127.0.0.1:{cases_port}")
    cases.stop(0)
    catalogue.stop(0)


@pytest.fixture(scope="module")
def admin(pg_settings):
    return bearer(pg_settings.token_key, "admin-1", ["admin"], ["510000"])


def risky_item(clients: Clients, md) -> cpb.ItemVersion:  # type: ignore[no-untyped-def]
    content = draft()
    del content.steps[:]
    content.steps.extend([
        cpb.Step(key="accept", name="受理", limit_days=1, role="clerk"),
        cpb.Step(key="review", name="审查", limit_days=3, role="reviewer", risk_points=[
            cpb.RiskPoint(description="吃拿卡要", level=cpb.RISK_LEVEL_HIGH,
                          countermeasures=COUNTERMEASURES)]),
        cpb.Step(key="decide", name="决定", limit_days=2, role="chief")])
    content.fees.append(cpb.Fee(name="工本费", amount=Money(currency_code="CNY", units=10),
                                basis="《收费标准》"))
    item = clients.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=content), metadata=md, timeout=10).item
    return clients.catalogue.PublishItem(cpb.PublishItemRequest(
        idempotency_key=key(), item_id=item.item_id, version=1, **OFFLINE_REVIEW),
        metadata=md, timeout=10).item


def test_a_fee_and_a_high_risk_steps_countermeasures_over_grpc(node, admin, pg_settings):
    item = risky_item(node, admin)
    case = node.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602", applicant=applicant()),
        metadata=admin, timeout=10).case
    number = case.case_number
    assert "charge_fee" in case.allowed_actions
    # charged more than the published 10 yuan: recorded as charged, never refused
    case = act(node.cases, admin, number, charge_fee=kpb.ChargeFee(
        name="工本费", amount=Money(currency_code="CNY", units=15, nanos=500_000_000),
        receipt_number="SC-2026-0001"))
    [fee] = case.fees
    assert (fee.fee_id, fee.name, fee.amount.units, fee.amount.nanos, fee.quantity,
            fee.receipt_number, fee.charged_by) == ("f1", "工本费", 15, 500_000_000, 1,
                                                    "SC-2026-0001", "admin-1")
    other = bearer(pg_settings.token_key, "clerk-9", ["clerk"], ["511602"], EDUCATION)
    with pytest.raises(grpc.RpcError) as refused:
        act(node.cases, other, number, charge_fee=kpb.ChargeFee(
            name="工本费", amount=Money(units=10), receipt_number="SC-2026-0002"))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as invalid:
        act(node.cases, admin, number, charge_fee=kpb.ChargeFee(name="工本费", waived=True))
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_detail_of(invalid.value).field_violations[0].field == "basis"
    case = act(node.cases, admin, number, accept=kpb.Accept(opinion="材料齐全"))
    review = next(s for s in case.steps if s.key == "review")
    with pytest.raises(grpc.RpcError) as unknown:
        act(node.cases, admin, number, complete_step=kpb.CompleteStep(
            instance_id=review.instance_id, countermeasures=["实地查看"]))
    detail = error_detail_of(unknown.value)
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "双人审核" in detail.field_violations[0].description
    case = act(node.cases, admin, number, complete_step=kpb.CompleteStep(
        instance_id=review.instance_id, opinion="同意", countermeasures=COUNTERMEASURES))
    done = next(s for s in case.steps if s.instance_id == review.instance_id)
    assert list(done.countermeasures) == COUNTERMEASURES
    # the public view shows neither the fees nor the countermeasures
    public = node.cases.GetCase(kpb.GetCaseRequest(case_number=number), metadata=bearer(
        pg_settings.token_key, "hall", ["hall"], ["510000"]), timeout=10).case
    assert not public.fees and not any(s.countermeasures for s in public.steps)
    db = Database(pg_settings.database_url.replace("postgresql://", "postgresql+psycopg://"),
                  "cases")
    table = outbox_table(MetaData())
    with db.transaction() as s:
        bodies = [json.loads(b) for b in s.execute(select(table.c.body).where(
            table.c.body.contains(number)).order_by(table.c.seq)).scalars()]
    db.dispose()
    charged = next(b for b in bodies if b["type"] == "case.fee_charged")
    assert charged["data"]["fee"]["amount"] == {"currency_code": "CNY", "units": "15",
                                                "nanos": 500000000}
    completed = next(b for b in bodies if b["type"] == "case.step_completed")
    assert completed["data"]["step"]["countermeasures"] == COUNTERMEASURES
    trace = node.cases.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=admin,
                                timeout=10)
    fee_entry = next(e for e in trace.entries if e.action == "case.fee_charged")
    assert json.loads(fee_entry.data_json)["fee"]["amount_fen"] == 1550
    assert node.cases.VerifyTrace(kpb.VerifyTraceRequest(case_number=number),
                                  metadata=admin, timeout=10).intact
    assert DEVELOPMENT == case.department_code
