"""The instruments that count what the services commit, on the real databases and broker: a
relay publishing rows moves its published counter, its commit→confirm lag and its outbox
depth; a warning supervision raises is counted once, after its transaction committed — never
for a transaction rolled back."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import MetaData
from sunlight.cases.v1 import cases_pb2

from services.cases.contract import event_to_pb
from services.cases.domain.engine import Reject, decide, evolve
from services.cases.service import actor_of
from services.shared import metrics
from services.shared.broker import connect, declare_exchange
from services.shared.db import Database
from services.shared.events import make_event
from services.shared.outbox import Outbox, outbox_table
from services.shared.relay import Relay
from tests.integration.test_supervision_warnings import SUPERVISOR, a_case
from tests.support import supervision as shared
from tests.support.cases import CLERK
from tests.support.metrics import value
from tests.support.supervision import CALENDAR

pytestmark = pytest.mark.integration
db, clock, supervision = shared.db, shared.clock, shared.supervision  # the fixtures
WARNINGS = "sunlight_supervision_warnings_total"


@pytest.fixture(scope="module", autouse=True)
def _provider() -> None:
    metrics.configure_metrics("integration-tests", "510000")


def _page() -> str:
    return metrics.render().decode()


@pytest.fixture()
def cases_db(pg_settings):
    database = Database(pg_settings.database_url.replace("postgresql://",
                                                         "postgresql+psycopg://"), "cases")
    yield database
    database.dispose()


@pytest.fixture()
def queue(pg_settings):
    """A queue bound to every case event, so that the relay's rows are routed."""
    connection = connect(pg_settings.amqp_uri)
    channel = connection.channel()
    declare_exchange(channel, "cases.events")
    name = f"test-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(name, exclusive=True)
    channel.queue_bind(name, "cases.events", "case.#")
    yield channel, name
    connection.close()


def test_a_relay_publishing_rows_moves_its_counter_lag_and_depth(cases_db, queue,
                                                                  pg_settings) -> None:
    relay = Relay(cases_db, pg_settings.amqp_uri, service="cases")
    while relay.run_once():  # what other tests left behind
        pass
    relay.observe(ttl_s=0)
    outbox = Outbox(outbox_table(MetaData()), "cases")
    with cases_db.transaction() as s:
        for n in range(3):
            outbox.add(s, make_event("case.accepted", cases_pb2.CaseEvent(
                case_number=f"N-metrics-{n}", sequence=1), node="510000", region="511602"))
    before = _page()
    assert value(before, "sunlight_outbox_pending_events", service="cases") == 3
    assert value(before, "sunlight_outbox_oldest_pending_age_seconds", service="cases") > 0
    assert relay.run_once() == 3
    after = _page()
    assert (value(after, "sunlight_outbox_published_events_total", service="cases")
            - value(before, "sunlight_outbox_published_events_total", service="cases")) == 3
    assert (value(after, "sunlight_relay_lag_seconds_count", service="cases")
            - value(before, "sunlight_relay_lag_seconds_count", service="cases")) == 3
    assert value(after, "sunlight_outbox_pending_events", service="cases") == 0
    assert value(after, "sunlight_outbox_oldest_pending_age_seconds", service="cases") == 0
    assert relay.pending() == (0, 0.0)
    relay.close_broker()


def test_a_warning_is_counted_once_after_its_commit_never_after_a_rollback(
        supervision, clock) -> None:
    labels = {"rule": "COMPLETE_APPLICATION_REJECTED", "severity": "red", "action": "raised"}
    case = a_case(supervision, clock)
    envelopes = []
    for event in decide(case.case, Reject("不符合条件", "NOT_QUALIFIED"), actor_of(CLERK),
                        clock.now, calendar=CALENDAR):
        case.case = evolve(case.case, event)
        envelopes.append(make_event(event.type, event_to_pb(
            case.case, event, CALENDAR, role="", department=""), node="510000",
            region="511602", occurred_at=clock.now))
    before = value(_page(), WARNINGS, **labels)
    with pytest.raises(RuntimeError), supervision.db.begin() as conn:
        for envelope in envelopes:
            supervision.on_event(conn, envelope)
        raise RuntimeError("the projection's transaction failed after supervision's writes")
    assert value(_page(), WARNINGS, **labels) == before  # rolled back: nothing raised
    with supervision.db.begin() as conn:
        for envelope in envelopes:
            supervision.on_event(conn, envelope)
        assert value(_page(), WARNINGS, **labels) == before  # not before the commit
    assert value(_page(), WARNINGS, **labels) == before + 1
    (warning,) = [w for w in supervision.list(SUPERVISOR, case_number=case.number).warnings
                  if w.rule == labels["rule"]]
    assert warning.severity.value == "red"

