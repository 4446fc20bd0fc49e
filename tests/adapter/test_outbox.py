"""The adapter's outbox: the department's rows and its requests commit together, the relay
sends them in order with their own keys, at least once, and parks refusals."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.orm import Session
from sunlight_adapter import (
    Accept,
    Applicant,
    Application,
    Case,
    Outbox,
    OutboxEntry,
    Relay,
)
from sunlight_adapter.store import metadata as sunlight_tables

from tests.adapter.fake_gateway import FakeGateway, error
from tests.support.wait import wait_for

#: the department's own table, in the same database as the outbox
own = MetaData()
applications = Table("fgj_applications", own, Column("id", Integer, primary_key=True),
                     Column("number", String(40), unique=True),
                     Column("case_number", String(50)))


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'fgj.db'}"


@pytest.fixture
def outbox(url) -> Outbox:
    box = Outbox(url)
    own.create_all(box.engine)
    return box


def application(number: str) -> Application:
    return Application(number, "item-1", "511602",
                       Applicant("广安市某某科技有限公司", "91511602MA6C5K8R4C"))


def record(outbox: Outbox, number: str) -> None:
    """What the department's system does: its own row and the submission, one transaction."""
    with outbox.transaction() as tx:
        tx.session.execute(insert(applications).values(number=number))
        tx.submit(application(number))


def own_rows(outbox: Outbox) -> dict[str, str | None]:
    with outbox.engine.connect() as connection:
        return dict(connection.execute(select(applications.c.number,
                                              applications.c.case_number)).all())


def relay(outbox: Outbox, gateway: FakeGateway, **options) -> Relay:
    return Relay(outbox, gateway.client(attempts=1), base_delay_s=0, **options)


def test_a_rolled_back_transaction_submits_nothing(outbox) -> None:
    with pytest.raises(RuntimeError), outbox.transaction() as tx:
        tx.session.execute(insert(applications).values(number="FGJ-1"))
        tx.submit(application("FGJ-1"))
        raise RuntimeError("the department's own check failed")
    assert own_rows(outbox) == {} and outbox.entries() == []
    gateway = FakeGateway()
    assert relay(outbox, gateway).deliver_pending().delivered == 0
    assert gateway.requests == []


def test_an_invalid_request_fails_the_department_s_transaction(outbox) -> None:
    with pytest.raises(ValueError, match="region"), outbox.transaction() as tx:
        tx.session.execute(insert(applications).values(number="FGJ-1"))
        tx.submit(Application("FGJ-1", "item-1", "51", application("x").applicant))
    assert own_rows(outbox) == {} and outbox.entries() == []


def test_committed_requests_are_delivered_in_order_and_marked_with_their_case(outbox) -> None:
    for number in ("FGJ-1", "FGJ-2"):
        record(outbox, number)
    with outbox.transaction() as tx:
        tx.act("511602202611020000009", Accept("材料齐全"), "FGJ-0-accept")

    def remember(session: Session, entry: OutboxEntry, case: Case) -> None:
        session.execute(update(applications).where(
            applications.c.number == entry.idempotency_key).values(
                case_number=case.case_number))

    gateway = FakeGateway()
    report = relay(outbox, gateway, on_delivered=remember).deliver_pending()
    assert (report.delivered, report.parked, report.failed) == (3, 0, 0)
    assert gateway.keys() == ["FGJ-1", "FGJ-2", "FGJ-0-accept"]
    assert gateway.requests[2].url.path == "/v1/cases/511602202611020000009/actions"
    assert gateway.bodies()[2] == {"idempotency_key": "FGJ-0-accept",
                                   "accept": {"opinion": "材料齐全"}}
    assert own_rows(outbox) == {"FGJ-1": gateway.cases["FGJ-1"],
                                "FGJ-2": gateway.cases["FGJ-2"]}
    assert [(e.status, e.case_number) for e in outbox.entries()] == [
        ("delivered", gateway.cases["FGJ-1"]), ("delivered", gateway.cases["FGJ-2"]),
        ("delivered", "511602202611020000009")]
    assert relay(outbox, gateway).deliver_pending().delivered == 0  # nothing sent twice
    assert len(gateway.requests) == 3


def test_a_transient_failure_stops_the_pass_and_is_retried_with_the_same_key(outbox) -> None:
    for number in ("FGJ-1", "FGJ-2", "FGJ-3"):
        record(outbox, number)
    gateway = FakeGateway(script=[httpx.Response(201, json={"case": {
        "case_number": "511602202611020000001", "status": "CASE_STATUS_SUBMITTED"}}),
        error(503, "UNAVAILABLE", "cases is not available right now")])
    report = relay(outbox, gateway).deliver_pending()
    assert (report.delivered, report.failed, report.stopped) == (1, 1, True)
    assert gateway.keys() == ["FGJ-1", "FGJ-2"]  # FGJ-3 waits behind FGJ-2: order holds
    waiting = outbox.get("FGJ-2")
    assert (waiting.status, waiting.attempts, waiting.error_code) == ("pending", 1, "UNAVAILABLE")

    report = relay(outbox, gateway).deliver_pending()
    assert report.delivered == 2
    assert gateway.keys() == ["FGJ-1", "FGJ-2", "FGJ-2", "FGJ-3"]
    assert gateway.bodies()[1] == gateway.bodies()[2]
    assert [e.status for e in outbox.entries()] == ["delivered"] * 3


def test_a_request_waiting_for_its_backoff_holds_the_ones_after_it(outbox) -> None:
    record(outbox, "FGJ-1")
    record(outbox, "FGJ-2")
    gateway = FakeGateway(script=[httpx.ConnectError("refused")])
    slow = Relay(outbox, gateway.client(attempts=1), base_delay_s=600)
    assert slow.deliver_pending().failed == 1
    assert slow.deliver_pending().stopped
    assert gateway.keys() == ["FGJ-1"]


def test_a_permanent_refusal_is_parked_with_the_node_s_error_and_not_retried(outbox) -> None:
    record(outbox, "FGJ-1")
    record(outbox, "FGJ-2")
    gateway = FakeGateway(script=[error(422, "ITEM_NOT_PUBLISHED", "事项未发布")])
    report = relay(outbox, gateway).deliver_pending()
    assert (report.delivered, report.parked) == (1, 1)  # FGJ-2 is not held by FGJ-1
    (parked,) = outbox.parked()
    assert (parked.idempotency_key, parked.error_status, parked.error_code,
            parked.error_message, parked.error_identifier) == (
        "FGJ-1", 422, "ITEM_NOT_PUBLISHED", "事项未发布", "id-item_not_published")
    relay(outbox, gateway).deliver_pending()
    assert gateway.keys() == ["FGJ-1", "FGJ-2"]  # never sent again by itself

    assert outbox.requeue("FGJ-1") and not outbox.requeue("FGJ-2")
    assert relay(outbox, gateway).deliver_pending().delivered == 1
    assert gateway.keys() == ["FGJ-1", "FGJ-2", "FGJ-1"]
    assert outbox.get("FGJ-1").status == "delivered"


def test_a_refused_token_keeps_the_requests_pending(outbox) -> None:
    record(outbox, "FGJ-1")
    gateway = FakeGateway(script=[error(401, "UNAUTHENTICATED", "token expired")])
    report = relay(outbox, gateway).deliver_pending()
    assert (report.failed, report.parked) == (1, 0)
    assert outbox.get("FGJ-1").status == "pending"


def test_a_crash_after_sending_sends_again_with_the_same_key(outbox) -> None:
    record(outbox, "FGJ-1")
    gateway = FakeGateway()

    def crash(session, entry, case) -> None:
        raise RuntimeError("the process died before marking the request delivered")

    report = relay(outbox, gateway, on_delivered=crash).deliver_pending()
    assert (report.delivered, report.failed, report.stopped) == (0, 1, True)
    waiting = outbox.get("FGJ-1")
    assert (waiting.status, waiting.attempts, waiting.error_code) == (
        "pending", 1, "DELIVERED_NOT_RECORDED")
    relay(outbox, gateway).deliver_pending()
    assert gateway.keys() == ["FGJ-1", "FGJ-1"]  # the node acts once: the key is the same
    assert outbox.get("FGJ-1").case_number == gateway.cases["FGJ-1"]


def test_a_hook_that_keeps_failing_backs_off_instead_of_sending_every_second(outbox) -> None:
    record(outbox, "FGJ-1")
    gateway = FakeGateway()

    def broken(session, entry, case) -> None:
        raise KeyError("case")

    failing = Relay(outbox, gateway.client(attempts=1), base_delay_s=60,
                    on_delivered=broken)
    assert failing.deliver_pending().failed == 1
    again = failing.deliver_pending()  # within its back-off: nothing sent
    assert (again.failed, again.stopped) == (0, True)
    assert gateway.keys() == ["FGJ-1"]
    assert outbox.get("FGJ-1").error_code == "DELIVERED_NOT_RECORDED"


def test_pending_requests_survive_a_restart(url) -> None:
    first = Outbox(url)
    own.create_all(first.engine)
    record(first, "FGJ-1")
    first.engine.dispose()

    again = Outbox(url)  # a new process on the same file
    gateway = FakeGateway()
    assert relay(again, gateway).deliver_pending().delivered == 1
    assert gateway.keys() == ["FGJ-1"]


def test_the_same_key_is_one_request(outbox) -> None:
    record(outbox, "FGJ-1")
    with outbox.transaction() as tx:
        tx.submit(application("FGJ-1"))  # written again, the same: nothing more to send
    assert len(outbox.entries()) == 1
    with pytest.raises(ValueError, match="already in the outbox"), outbox.transaction() as tx:
        tx.act("511602202611020000001", Accept(), "FGJ-1")


def test_the_department_s_own_session_holds_the_requests(outbox) -> None:
    with Session(outbox.engine) as session:
        with outbox.transaction(session) as tx:
            session.execute(insert(applications).values(number="FGJ-1"))
            tx.submit(application("FGJ-1"))
        session.rollback()
    assert outbox.entries() == []
    with Session(outbox.engine) as session, session.begin():
        with outbox.transaction(session) as tx:
            tx.submit(application("FGJ-1"))
    assert [e.idempotency_key for e in outbox.pending()] == ["FGJ-1"]


def test_the_relay_runs_until_stopped(outbox) -> None:
    record(outbox, "FGJ-1")
    gateway = FakeGateway()
    stop = threading.Event()
    running = threading.Thread(target=relay(outbox, gateway).run, args=(stop,),
                               kwargs={"interval_s": 0.05})
    running.start()
    try:
        wait_for(lambda: outbox.get("FGJ-1").status == "delivered", timeout_s=10,
                 what="the first request delivered")
        record(outbox, "FGJ-2")  # written while the relay runs
        wait_for(lambda: outbox.get("FGJ-2").status == "delivered", timeout_s=10,
                 what="the second request delivered")
    finally:
        stop.set()
        running.join(5)
    assert not running.is_alive() and gateway.keys() == ["FGJ-1", "FGJ-2"]


@pytest.mark.integration
def test_the_outbox_works_on_postgresql(pg_database) -> None:
    box = Outbox(pg_database.url)
    own.create_all(box.engine)
    try:
        with pytest.raises(RuntimeError), box.transaction() as tx:
            tx.session.execute(insert(applications).values(number="FGJ-0"))
            tx.submit(application("FGJ-0"))
            raise RuntimeError("rolled back")
        record(box, "FGJ-1")
        record(box, "FGJ-2")
        gateway = FakeGateway(script=[error(403, "OTHER_DEPARTMENT", "非本部门事项")])
        report = relay(box, gateway).deliver_pending()
        assert (report.delivered, report.parked) == (1, 1)
        assert gateway.keys() == ["FGJ-1", "FGJ-2"]
        assert [(e.idempotency_key, e.status) for e in box.entries()] == [
            ("FGJ-1", "parked"), ("FGJ-2", "delivered")]
        assert set(own_rows(box)) == {"FGJ-1", "FGJ-2"}
    finally:
        own.drop_all(box.engine)
        sunlight_tables.drop_all(box.engine)
        box.engine.dispose()
