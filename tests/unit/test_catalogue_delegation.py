"""Delegation down a level (下放) across nodes, on SQLite: the city's catalogue records it, its
courier delivers it to the district's catalogue, which drafts it for its own review."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import select
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.contract import content_from_pb
from services.catalogue.courier import Courier
from services.catalogue.domain.lifecycle import ItemState, OfflineReview, VersionStatus
from services.catalogue.service import CatalogueService
from services.shared.auth import Principal, permissions_of
from services.shared.db import Database
from services.shared.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
)
from services.shared.grpc_errors import to_status
from services.shared.territory import Territory
from services.shared.working_days import WorkingCalendar
from tests.support.codes import implementation_code
from tests.support.departments import CITY_DEVELOPMENT
from tests.unit.test_catalogue_lifecycle import content, events

OFFLINE = OfflineReview("li.na", "wang.fang", "广安府发〔2024〕12号")


def who(subject: str, *roles: str, region: str, department: str | None = None) -> Principal:
    return Principal(subject, tuple(roles), (region,), department, subject,
                     permissions_of(roles), issuer=region)


CITY_STAFFING = who("city-staffing", "staffing_reviewer", region="511600")
CITY_CLERK = who("city-clerk", "clerk", region="511600", department=CITY_DEVELOPMENT)
CITY_ADMIN = who("city-admin", "admin", region="511600")
DISTRICT_CLERK = who("d-clerk", "clerk", region="511602", department=CITY_DEVELOPMENT)
#: the city's catalogue as the district's gateway makes it out of the city's assertion
CITY_NODE = who("catalogue@511600", "delegating_node", region="511600")


def catalogue(tmp_path, name: str, region: str) -> CatalogueService:
    db = Database(f"sqlite:///{tmp_path}/{name}.db", "catalogue")
    t.metadata.create_all(db.engine)
    return CatalogueService(db, region, WorkingCalendar.official(),
                            territory=Territory(region, ()))


@pytest.fixture()
def city(tmp_path) -> CatalogueService:
    return catalogue(tmp_path, "city", "511600")


@pytest.fixture()
def district(tmp_path) -> CatalogueService:
    return catalogue(tmp_path, "district", "511602")


def key() -> str:
    return uuid.uuid4().hex


def city_item(city: CatalogueService, **changes):
    item = city.create_item(CITY_CLERK, content(
        region="511600", code=implementation_code("511600", department_code=CITY_DEVELOPMENT),
        department="市发展改革委", department_code=CITY_DEVELOPMENT, **changes), key())
    return city.publish(CITY_ADMIN, item.item_id, 1, OFFLINE, key())


class Refused(grpc.RpcError):
    """What a gRPC client sees when the other side raises ``error``."""

    def __init__(self, error: DomainError) -> None:
        self._error = error
        self._status = to_status(error)

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode[self._error.grpc_status]

    def details(self) -> str:
        return self._status.message

    def trailing_metadata(self):
        return (("grpc-status-details-bin", self._status.SerializeToString()),)


class Unanswered(grpc.RpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return "connection refused"

    def trailing_metadata(self):
        return ()


def route_to(district: CatalogueService, principal: Principal = CITY_NODE):
    """The gateways between the two catalogues: the request delivered as the city's node."""
    calls: list[pb.ReceiveDelegationRequest] = []

    def deliver(request: pb.ReceiveDelegationRequest, timeout_s: float):
        assert timeout_s > 0
        calls.append(request)
        try:
            view = district.delegations.receive(principal, request,
                                                content_from_pb(request.content))
        except DomainError as error:
            raise Refused(error) from None
        return pb.ReceiveDelegationResponse(item=pb.ItemVersion(item_id=view.item_id),
                                            node=district.node_region)

    deliver.calls = calls  # type: ignore[attr-defined]
    return deliver


def row(service: CatalogueService, delegation_id: str):
    with service.db.read() as s:
        return s.execute(select(t.delegations).where(
            t.delegations.c.delegation_id == delegation_id)).one()


def test_a_delegation_is_recorded_then_delivered_and_drafted_below(city, district) -> None:
    item = city_item(city)
    view, delegation = city.delegations.delegate(CITY_STAFFING, item.item_id, 0, "511602",
                                                 "放管服改革，下放区级实施", key())
    assert view.state is ItemState.DELEGATED
    assert delegation.status == pb.DELEGATION_STATUS_PENDING and delegation.version == 1
    assert events(city)[-1] == "item.adjusted"
    assert [e.action for e in city.history(CITY_STAFFING, item.item_id)][-1] == "delegate"

    # the district does not answer: kept, tried again later
    courier = Courier(city.delegations, lambda r, s: (_ for _ in ()).throw(Unanswered()), 2.0)
    assert courier.run_once() == 0
    pending = row(city, delegation.delegation_id)
    assert (pending.status, pending.attempts, pending.error_code) == (
        "pending", 1, "UNAVAILABLE")
    assert courier.run_once() == 0, "not due again before its back-off"
    assert row(city, delegation.delegation_id).attempts == 1

    # a process started later (the first one killed) delivers what the database holds
    again = CatalogueService(city.db, "511600", WorkingCalendar.official(),
                             territory=Territory("511600", ()))
    deliver = route_to(district)
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert Courier(again.delegations, deliver, 2.0).run_once(later) == 1
    done = again.delegations.list(CITY_STAFFING, item.item_id)[0]
    assert done.status == pb.DELEGATION_STATUS_DELIVERED and done.target_node == "511602"
    draft = district.get_version(DISTRICT_CLERK, done.delegated_item_id, 1)
    assert draft.status is VersionStatus.DRAFT and draft.content.region == "511602"
    assert draft.content.name == item.content.name
    assert any(f"from node 511600 item {item.item_id} version 1" in f for f in draft.flags)
    assert city.get_version(CITY_STAFFING, item.item_id, 0).successor == (
        f"511602:{done.delegated_item_id}")
    assert [e.action for e in city.history(CITY_STAFFING, item.item_id)][-1] == (
        "delegation_delivered")

    # the answer lost, the same delivery again: drafted once
    repeated = district.delegations.receive(CITY_NODE, deliver.calls[0],
                                            content_from_pb(deliver.calls[0].content))
    assert repeated.item_id == done.delegated_item_id
    with district.db.read() as s:
        assert len(s.execute(select(t.items)).all()) == 1


def test_twice_is_refused_and_the_same_key_replays(city) -> None:
    item = city_item(city)
    first_key = key()
    _, first = city.delegations.delegate(CITY_STAFFING, item.item_id, 0, "511602", "下放",
                                         first_key)
    _, replay = city.delegations.delegate(CITY_STAFFING, item.item_id, 0, "511602", "下放",
                                          first_key)
    assert replay.delegation_id == first.delegation_id
    with pytest.raises(FailedPrecondition) as info:
        city.delegations.delegate(CITY_STAFFING, item.item_id, 0, "511602", "下放", key())
    assert info.value.code == "ALREADY_DELEGATED"


@pytest.mark.parametrize(("target", "error", "code"), [
    ("511702", InvalidArgument, "NOT_A_LOWER_LEVEL"),   # another city's district
    ("510000", InvalidArgument, "NOT_A_LOWER_LEVEL"),   # up, not down
    ("511699", InvalidArgument, "UNKNOWN_REGION"),
])
def test_a_region_the_item_does_not_cover_is_refused(city, target, error, code) -> None:
    item = city_item(city)
    with pytest.raises(error) as info:
        city.delegations.delegate(CITY_STAFFING, item.item_id, 0, target, "下放", key())
    assert info.value.code == code
    assert city.get_version(CITY_STAFFING, item.item_id, 0).state is ItemState.ACTIVE


def test_only_the_item_adjusting_office_delegates(city) -> None:
    item = city_item(city)
    with pytest.raises(PermissionDenied):
        city.delegations.delegate(CITY_CLERK, item.item_id, 0, "511602", "下放", key())


def test_refused_below_restores_the_item(city, district) -> None:
    item = city_item(city)
    # the district has an item of that code already
    district.create_item(DISTRICT_CLERK, content(
        region="511602", code=item.content.code, department="市发展改革委",
        department_code=CITY_DEVELOPMENT), key())
    _, delegation = city.delegations.delegate(CITY_STAFFING, item.item_id, 0, "511602",
                                               "下放", key())
    assert Courier(city.delegations, route_to(district), 2.0).run_once() == 1
    refused = row(city, delegation.delegation_id)
    assert (refused.status, refused.error_code) == ("refused", "ITEM_CODE_TAKEN")
    restored = city.get_version(CITY_STAFFING, item.item_id, 0)
    assert restored.state is ItemState.ACTIVE and restored.successor == ""


@pytest.mark.parametrize("caller", [
    who("admin", "admin", region="511602"),                 # not a delegating node
    who("catalogue@511700", "delegating_node", region="511700"),  # another city
])
def test_only_the_node_above_hands_an_item_down(city, district, caller) -> None:
    item = city_item(city)
    city.delegations.delegate(CITY_STAFFING, item.item_id, 0, "511602", "下放", key())
    (_, request), = city.delegations.due(datetime.now(UTC))
    with pytest.raises((PermissionDenied, InvalidArgument)):
        district.delegations.receive(caller, request, content_from_pb(request.content))
