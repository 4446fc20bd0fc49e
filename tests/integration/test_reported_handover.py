"""上报件 across nodes, on real databases and real gRPC: a district's case service (on
PostgreSQL) hands a reported case up in the case's own transaction, its case relay delivers
it to the city's case service (SQLite) over gRPC until answered — once, however often it is
tried — the city decides, and its relay sends the decision back. The gateways between the
nodes (tested end to end in tests/e2e/city_district/test_reported.py) are stood in for by
the tokens they would mint: the caller's relay as the callee's gateway vouches for it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from sqlalchemy import func, select, update
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from infra.ports import free_ports
from services.cases import storage as t
from services.cases.api import CaseServicer
from services.cases.domain.engine import Decide
from services.cases.domain.flow import Mode
from services.cases.domain.model import CaseStatus
from services.cases.domain.reported import ApplyReturnedDecision
from services.cases.handover import DELIVERED, OVERDUE, CaseRelay
from services.cases.service import CaseService
from services.shared.auth import (
    Authenticator,
    Principal,
    ServiceToken,
    mint_token,
    permissions_of,
)
from services.shared.db import Database
from services.shared.errors import DomainError
from services.shared.events import parse_event
from services.shared.grpc_client import channel
from services.shared.grpc_server import GrpcServer
from services.shared.migrations import upgrade
from services.shared.territory import Territory
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support import departments
from tests.support.cases import CLERK, application, item, key, run_to_decision, staff
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
DISTRICT, CITY = "511602", "511600"
UP = replace(item(), modes=frozenset({Mode.PROMISED, Mode.REPORTED}))
UP = replace(UP, steps=(*UP.steps[:2], replace(
    UP.steps[2], department="市发展改革委", department_code=departments.CITY_DEVELOPMENT)))
CITY_CHIEF = staff("city-chief", positions=("chief",), department=departments.CITY_DEVELOPMENT,
                   region=CITY)


class Items:
    def in_force(self, item_id: str, version: int):  # noqa: ANN201
        return UP


def relay_of(region: str) -> Principal:
    """A node's case relay as the other node's gateway vouches for it."""
    return Principal("case-relay", ("node_relay",), (region,),
                     permissions=permissions_of(["node_relay"]))


class Node:
    """A case service with its gRPC port, token key and relay toward ``peer_address``."""

    def __init__(self, db: Database, region: str, port: int,
                 territory: tuple[str, ...] = ()) -> None:
        self.key = TokenKey.generate()
        self.service = CaseService(db, Items(), WorkingCalendar.official(), region,
                                   Territory(region, territory))
        self.region, self.db = region, db
        self.port = port
        self.server: GrpcServer | None = None

    def start(self) -> None:
        self.server = GrpcServer(f"127.0.0.1:{self.port}", max_workers=4)
        self.server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server,
                        CaseServicer(self.service, Authenticator(self.key, self.region)),
                        [cases_pb2.DESCRIPTOR.services_by_name["CaseService"].full_name])
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(0)
            self.server = None

    def relay_to(self, other: Node) -> CaseRelay:
        """This node's relay, calling ``other`` as ``other``'s gateway would forward it."""
        token = ServiceToken(other.key, "case-relay", [self.region], issuer=other.region,
                             roles=("node_relay",))
        return CaseRelay(self.service.store, channel(f"127.0.0.1:{other.port}"), token, 2.0,
                         node=self.region)


@pytest.fixture()
def nodes(pg_settings, tmp_path):
    district_db = Database(pg_settings.database_url, "cases", pool_size=2)
    city_url = f"sqlite:///{tmp_path / 'city.db'}"
    upgrade(MIGRATIONS, city_url, "cases")
    city_db = Database(city_url, "cases", pool_size=2)
    district_port, city_port = free_ports(2)  # distinct: one at a time may repeat
    district, city = (Node(district_db, DISTRICT, district_port),
                      Node(city_db, CITY, city_port, (CITY, "511621")))
    yield district, city
    district.stop()
    city.stop()
    with district_db.begin() as c:  # leave nothing pending to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=func.now()))
        c.execute(t.case_handovers.update().where(t.case_handovers.c.delivered_at.is_(None))
                  .values(delivered_at=func.now()))
    district_db.dispose()
    city_db.dispose()


def _rows(db: Database, number: str) -> list:
    with db.begin() as c:
        return list(c.execute(select(t.case_handovers).where(
            t.case_handovers.c.case_number == number).order_by(t.case_handovers.c.id)))


def _due_now(db: Database) -> None:
    with db.begin() as c:
        c.execute(update(t.case_handovers).values(next_attempt_at=datetime.now(UTC)))


def _handed_up(district: Node):  # noqa: ANN202
    reported = replace(application(UP), mode=Mode.REPORTED)
    case = district.service.submit(CLERK, reported, key())
    assert case.mode is Mode.REPORTED
    from services.cases.domain.engine import Accept, CompleteStep  # noqa: PLC0415
    from tests.support.cases import FIRE_REVIEWER, REVIEWER, active  # noqa: PLC0415

    case = district.service.act(CLERK, case.number, Accept("材料齐全"), key())
    case = district.service.act(FIRE_REVIEWER, case.number,
                                CompleteStep(active(case, "review/fire"), "同意"), key())
    return district.service.act(REVIEWER, case.number,
                                CompleteStep(active(case, "review"), "同意"), key())


def test_a_reported_case_goes_up_once_is_decided_above_and_comes_back(nodes) -> None:
    district, city = nodes
    case = _handed_up(district)
    # handed up in the case's own transaction: its trace entry and one pending hand-over
    assert case.awaiting_decision_above and case.reported_to is not None
    trace = district.service.store.trace(case.number)
    handed = trace[-1]
    assert handed.action == "case.handed_up" and handed.data["to_region"] == CITY
    (row,) = _rows(district.db, case.number)
    assert (row.kind, row.delivered_at, row.attempts) == ("hand_up", None, 0)
    request = cases_pb2.ReceiveReportedCaseRequest.FromString(row.request)
    assert (request.trace_hash, request.trace_seq) == (handed.hash, handed.seq)

    # the city does not answer: the row stays pending, its error kept, tried again later
    up = district.relay_to(city)
    assert up.run_once() == 0
    (row,) = _rows(district.db, case.number)
    assert row.delivered_at is None and row.attempts == 1 and "UNAVAILABLE" in row.last_error
    assert row.next_attempt_at > datetime.now(UTC)
    assert up.run_once() == 0  # not due yet: not tried
    assert _rows(district.db, case.number)[0].attempts == 1

    city.start()  # the channel reconnects within its back-off: tried until answered
    wait_for(lambda: _due_now(district.db) or up.run_once() == 1, timeout_s=20,
             what="the hand-over delivered once the city answers")
    (row,) = _rows(district.db, case.number)
    answer = json.loads(row.answer)
    received = city.service.store.read_case(answer["case_number"]).case
    assert received.number.startswith(CITY) and received.reported_from is not None
    assert (received.reported_from.node, received.reported_from.case_number,
            received.reported_from.trace_hash) == (DISTRICT, case.number, handed.hash)
    first = city.service.store.trace(received.number)[0]
    assert first.hash == answer["trace_hash"] and first.action == "case.report_received"
    assert (first.data["from_node"], first.data["from_case"], first.data["from_trace_hash"]
            ) == (DISTRICT, case.number, handed.hash)
    assert first.data["from_submitted_at"] == case.submitted_at.isoformat()

    # killed before it recorded the answer: once its lease is over, delivered again, still
    # one case at the city
    with district.db.begin() as c:
        c.execute(update(t.case_handovers).where(t.case_handovers.c.id == row.id)
                  .values(delivered_at=None, answer=None))
    assert up.run_once() == 0  # leased to the relay that was killed
    _due_now(district.db)
    assert up.run_once() == 1
    assert json.loads(_rows(district.db, case.number)[0].answer) == answer
    with city.db.begin() as c:
        assert c.execute(select(func.count()).select_from(t.cases)).scalar() == 1

    # the city's staff find it in their queue and decide it
    entries, total = city.service.queue(CITY_CHIEF, "", "", "", False, False, 0, 50)
    assert total == 1 and entries[0][1].number == received.number
    decided = city.service.act(CITY_CHIEF, received.number, Decide("approve", "符合规划"), key())
    assert decided.status is CaseStatus.COMPLETED
    (back,) = _rows(city.db, received.number)
    assert back.kind == "return" and back.delivered_at is None

    district.start()
    down = city.relay_to(district)
    # the call is made with no transaction open (the city, on SQLite, writes meanwhile; a
    # held write lock would keep it out for the busy timeout and fail), its row leased to
    # this relay until the call could have timed out
    during: list[tuple[datetime, datetime]] = []
    real_send = down.send

    def send(row):  # type: ignore[no-untyped-def]
        with city.db.begin() as c:
            c.execute(update(t.case_handovers).where(t.case_handovers.c.id == -1)
                      .values(attempts=0))
        during.append((datetime.now(UTC), _rows(city.db, received.number)[0].next_attempt_at))
        return real_send(row)

    down.send = send  # type: ignore[method-assign]
    wait_for(lambda: _due_now(city.db) or down.run_once() == 1, timeout_s=20,
             what="the decision delivered back")
    assert during and all(leased > at for at, leased in during)
    after = district.service.store.read_case(case.number).case
    assert after.status is CaseStatus.DECIDED and not after.awaiting_decision_above
    assert after.decision is not None and after.decision.decided_by == "city-chief"
    returned = district.service.store.trace(case.number)[-2]
    city_decided = next(e for e in city.service.store.trace(received.number)
                        if e.action == "case.decided")
    assert returned.action == "case.decision_returned"
    assert (returned.data["node"], returned.data["case_number"], returned.data["trace_hash"]
            ) == (CITY, received.number, city_decided.hash)
    assert json.loads(_rows(city.db, received.number)[0].answer)["trace_hash"] == returned.hash
    # both traces hold
    assert district.service.verify(staff("sup", "supervisor", None), case.number)[1] is None


def test_refusals_name_what_is_wrong(nodes) -> None:
    district, city = nodes
    case = _handed_up(district)
    (row,) = _rows(district.db, case.number)
    request = cases_pb2.ReceiveReportedCaseRequest.FromString(row.request)
    from services.cases.domain.reported import ReceiveReport  # noqa: PLC0415

    report = ReceiveReport("", request.region, UP, case.applicant, case.channel, (),
                           DISTRICT, case.number, request.instance_id, request.trace_seq,
                           request.trace_hash)

    def refused(call) -> DomainError:  # noqa: ANN001
        with pytest.raises(DomainError) as info:
            call()
        return info.value

    # the province's node holds 510000, not 511600: not the parent of 511602
    province = CaseService(city.db, Items(), WorkingCalendar.official(), "510000")
    error = refused(lambda: province.receive_reported(relay_of(DISTRICT), CITY, report,
                                                      key()))
    assert (error.grpc_status, error.code) == ("PERMISSION_DENIED", "NOT_THE_PARENT_NODE")
    # another node's case is not this node's to hand up
    error = refused(lambda: city.service.receive_reported(relay_of("511603"), CITY, report,
                                                          key()))
    assert error.code == "NOT_SENDERS_CASE"
    # a person, not a node's relay
    error = refused(lambda: city.service.receive_reported(CITY_CHIEF, CITY, report,
                                                          key()))
    assert error.grpc_status == "PERMISSION_DENIED"
    decision = ApplyReturnedDecision(request.instance_id, "", "5116002026113000001", 1,
                                     "ab" * 32, replace(
                                         run_decision(), decided_by="city-chief"))
    # an unknown case is not answered
    error = refused(lambda: district.service.receive_decision(
        relay_of(CITY), DISTRICT + "20260101999999", decision, key()))
    assert (error.grpc_status, error.code) == ("NOT_FOUND", "CASE_NOT_FOUND")
    # only the node it was handed to answers
    for sender in ("511700", "510000"):  # another city; the province above the city
        error = refused(lambda sender=sender: district.service.receive_decision(
            relay_of(sender), case.number, decision, key()))
        assert (error.grpc_status, error.code) == ("PERMISSION_DENIED",
                                                   "NOT_THE_DECIDING_NODE"), sender
    # a case not handed up
    other = run_to_decision(district.service, replace(UP, modes=frozenset({Mode.PROMISED})))
    error = refused(lambda: district.service.receive_decision(
        relay_of(CITY), other.number, replace(decision, instance_id="s9"), key()))
    assert error.code == "NOT_HANDED_UP"


def run_decision():  # noqa: ANN201
    from services.cases.domain.model import Decision  # noqa: PLC0415

    return Decision("approve", "符合规划", (), decided_at=datetime.now(UTC))


def _md(node: Node, roles: tuple[str, ...], region: str) -> tuple[tuple[str, str], ...]:
    token = mint_token(node.key, "handover-reader", list(roles), [region], issuer=node.region)
    return (("authorization", f"Bearer {token}"),)


def _list(node: Node, md, **fields) -> cases_pb2.ListHandoversResponse:  # type: ignore[no-untyped-def]
    stub = cases_pb2_grpc.CaseServiceStub(channel(f"127.0.0.1:{node.port}"))
    return stub.ListHandovers(cases_pb2.ListHandoversRequest(**fields), metadata=md,
                              timeout=10)


def test_an_operator_lists_the_hand_overs_pending_failing_and_delivered(nodes) -> None:
    district, city = nodes
    case = _handed_up(district)
    district.start()
    admin = _md(district, ("admin",), DISTRICT)
    # kept, not tried yet: pending, to the city, going up
    listed = _list(district, admin, case_number=case.number)
    assert listed.total == 1
    (h,) = listed.handovers
    assert (h.case_number, h.region, h.peer, h.direction, h.state, h.attempts) == (
        case.number, DISTRICT, CITY, cases_pb2.HANDOVER_DIRECTION_UP,
        cases_pb2.HANDOVER_STATE_PENDING, 0)
    assert h.HasField("next_attempt_at") and not h.HasField("delivered_at")

    # the city does not answer: failing, with the reason and the next attempt
    up = district.relay_to(city)
    assert up.run_once() == 0
    failing = _list(district, admin, case_number=case.number,
                    state=cases_pb2.HANDOVER_STATE_FAILING)
    (h,) = failing.handovers
    assert h.attempts == 1 and "UNAVAILABLE" in h.last_error
    assert h.next_attempt_at.ToDatetime(tzinfo=UTC) > datetime.now(UTC)
    assert _list(district, admin, case_number=case.number,
                 state=cases_pb2.HANDOVER_STATE_PENDING).total == 0
    # the region's failing hand-overs to the city include it; none go down, none to 511700
    region_failing = _list(district, admin, region=DISTRICT, peer=CITY,
                           state=cases_pb2.HANDOVER_STATE_FAILING, page_size=200)
    assert case.number in {x.case_number for x in region_failing.handovers}
    assert _list(district, admin, case_number=case.number,
                 direction=cases_pb2.HANDOVER_DIRECTION_DOWN).total == 0
    assert _list(district, admin, case_number=case.number, peer="511700").total == 0

    # supervisors of the region read it; of another county, a clerk, the relay: refused
    supervisor = _md(district, ("supervisor",), DISTRICT)
    assert _list(district, supervisor, case_number=case.number).total == 1
    for roles, region in ((("supervisor",), "511603"), (("legal_reviewer",), DISTRICT),
                          (("node_relay",), DISTRICT)):
        with pytest.raises(grpc.RpcError) as refused:
            _list(district, _md(district, roles, region), case_number=case.number)
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED, roles

    # delivered: the answer and when, no next attempt, no error
    city.start()
    wait_for(lambda: _due_now(district.db) or up.run_once() == 1, timeout_s=20,
             what="the hand-over delivered once the city answers")
    (h,) = _list(district, admin, case_number=case.number,
                 state=cases_pb2.HANDOVER_STATE_DELIVERED).handovers
    assert h.HasField("delivered_at") and not h.HasField("next_attempt_at")
    assert h.last_error == "" and json.loads(h.answer_json)["case_number"].startswith(CITY)


def _events(db: Database, event_type: str, number: str) -> list:
    """The outbox's events of one type about one case (hand-over events carry its number)."""
    with db.begin() as c:
        bodies = c.execute(select(t.outbox.c.body).where(
            t.outbox.c.routing_key.like(event_type + ".%"))).scalars().all()
    events = [parse_event(body) for body in bodies]
    return [e for e in events if e.data.get("case_number") == number]


def test_a_hand_over_nobody_takes_becomes_overdue_once_then_delivered(nodes) -> None:
    district, city = nodes
    case = _handed_up(district)
    up, again = district.relay_to(city), district.relay_to(city)
    assert up.overdue_after_minutes == 30
    # the city does not answer: failing, but not overdue before its 30 minutes
    assert up.run_once() == 0
    assert _events(district.db, OVERDUE, case.number) == []
    (row,) = _rows(district.db, case.number)
    assert row.overdue_at is None

    # 31 minutes on: marked overdue, one event — however often, by however many relays
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert up.mark_overdue(later) >= 1
    assert again.mark_overdue(later) == 0 and up.mark_overdue(later) == 0
    assert up.run_once() == 0
    (event,) = _events(district.db, OVERDUE, case.number)
    assert (event.schema, event.node, event.region) == (
        "sunlight.cases.v1.HandoverEvent", DISTRICT, DISTRICT)
    data = event.data_as(cases_pb2.HandoverEvent)
    assert data.overdue_after_minutes == 30 and data.case_number == case.number
    assert (data.handover.peer, data.handover.direction, data.handover.state) == (
        CITY, cases_pb2.HANDOVER_DIRECTION_UP, cases_pb2.HANDOVER_STATE_FAILING)
    assert "UNAVAILABLE" in data.handover.last_error
    (row,) = _rows(district.db, case.number)
    assert row.overdue_at is not None and row.delivered_at is None

    # delivered after all: one case.handover_delivered, with the delivery
    city.start()
    wait_for(lambda: _due_now(district.db) or up.run_once() == 1, timeout_s=20,
             what="the overdue hand-over delivered once the city answers")
    (done,) = _events(district.db, DELIVERED, case.number)
    handover = done.data_as(cases_pb2.HandoverEvent).handover
    assert handover.state == cases_pb2.HANDOVER_STATE_DELIVERED and handover.answer_json
    assert len(_events(district.db, OVERDUE, case.number)) == 1


def test_a_hand_over_delivered_in_time_announces_nothing(nodes) -> None:
    district, city = nodes
    case = _handed_up(district)
    city.start()
    up = district.relay_to(city)
    wait_for(lambda: up.run_once() == 1 or _due_now(district.db), timeout_s=20,
             what="the hand-over delivered")
    assert up.mark_overdue(datetime.now(UTC) + timedelta(hours=1)) == 0
    assert _events(district.db, OVERDUE, case.number) == []
    assert _events(district.db, DELIVERED, case.number) == []
