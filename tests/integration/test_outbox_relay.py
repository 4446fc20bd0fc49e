"""Outbox + relay on the real PostgreSQL and RabbitMQ: committed events arrive with their
trace context; rolled-back ones never leave; unroutable ones wait and are retried."""

from __future__ import annotations

import json
import uuid

import pika
import pytest
from opentelemetry import trace
from sqlalchemy import MetaData, select
from sunlight.cases.v1 import cases_pb2

from services.shared.broker import connect, declare_exchange
from services.shared.db import Database
from services.shared.events import make_event, parse_event
from services.shared.outbox import Inbox, Outbox, inbox_table, outbox_table
from services.shared.relay import Relay
from services.shared.telemetry import configure_tracing

pytestmark = pytest.mark.integration


@pytest.fixture()
def db(pg_settings):
    database = Database(pg_settings.database_url.replace("postgresql://",
                                                         "postgresql+psycopg://"), "cases")
    yield database
    database.dispose()


@pytest.fixture()
def queue(pg_settings):
    """A queue bound to every event on cases.events, read with a plain pika consumer."""
    connection = connect(pg_settings.amqp_uri)
    channel = connection.channel()
    declare_exchange(channel, "cases.events")
    name = f"test-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(name, exclusive=True)
    channel.queue_bind(name, "cases.events", "case.#")
    yield channel, name
    connection.close()


def _drain_pending(relay: Relay, queue=None) -> None:  # type: ignore[no-untyped-def]
    """Publish what other tests left in the outbox, and drop it from ``queue`` (channel,
    name) if given, so that the test reads only its own events."""
    while relay.run_once():
        pass
    if queue is not None:
        channel, name = queue
        channel.queue_purge(name)


def _event(number: str):
    return make_event("case.accepted", cases_pb2.CaseEvent(case_number=number, sequence=1),
                      node="510000", region="511602")


def test_committed_events_arrive_with_the_request_trace(db, queue, pg_settings) -> None:
    channel, name = queue
    relay = Relay(db, pg_settings.amqp_uri)
    _drain_pending(relay, queue)  # events other tests left behind
    configure_tracing("test", "510000")
    outbox = Outbox(outbox_table(MetaData()), "cases")
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        with db.transaction() as s:
            event = _event("N-trace")
            outbox.add(s, event)
    assert relay.run_once() == 1
    method, props, body = channel.basic_get(name, auto_ack=True)
    assert method.routing_key == "case.accepted"
    assert props.delivery_mode == 2 and props.content_type == "application/json"
    assert props.headers["traceparent"].split("-")[1] == trace_id
    assert parse_event(body) == event
    relay.close_broker()


def test_a_rolled_back_transaction_publishes_nothing(db, queue, pg_settings) -> None:
    channel, name = queue
    relay = Relay(db, pg_settings.amqp_uri)
    _drain_pending(relay, queue)
    outbox = Outbox(outbox_table(MetaData()), "cases")
    with pytest.raises(RuntimeError), db.transaction() as s:
        outbox.add(s, _event("N-rollback"))
        raise RuntimeError("the state change failed")
    assert relay.run_once() == 0
    assert channel.basic_get(name, auto_ack=True)[0] is None
    relay.close_broker()


def test_unroutable_events_stay_pending_and_are_retried(db, pg_settings) -> None:
    relay = Relay(db, pg_settings.amqp_uri)
    _drain_pending(relay)
    outbox = Outbox(outbox_table(MetaData()), "cases")
    table = outbox.table
    with db.transaction() as s:
        event = make_event("nobody.listens", cases_pb2.CaseEvent(case_number="N-x"),
                           node="510000", region="511602")
        outbox.add(s, event)
    assert relay.run_once() == 0
    with db.transaction() as s:
        row = s.execute(select(table).where(table.c.event_id == event.event_id)).one()
    assert row.published_at is None and row.attempts == 1
    assert "unroutable" in row.last_error and row.next_attempt_at is not None
    # once a consumer binds, the retry delivers it
    connection = connect(pg_settings.amqp_uri)
    ch = connection.channel()
    ch.queue_declare("late-binder", exclusive=True)
    ch.queue_bind("late-binder", "cases.events", "nobody.#")
    with db.transaction() as s:
        s.execute(table.update().where(table.c.event_id == event.event_id)
                  .values(next_attempt_at=None))
    assert relay.run_once() == 1
    assert json.loads(ch.basic_get("late-binder", auto_ack=True)[2])["event_id"] == \
        event.event_id
    connection.close()
    relay.close_broker()


def test_inbox_applies_an_event_once(db) -> None:
    inbox = Inbox(inbox_table(MetaData()), f"test-{uuid.uuid4().hex[:6]}")
    from services.shared.db import ensure_schema
    ensure_schema(db.engine, "cases")
    inbox.table.create(db.engine, checkfirst=True)
    event = _event("N-inbox")
    with db.transaction() as s:
        assert inbox.first_time(s, event)
    with db.transaction() as s:
        assert not inbox.first_time(s, event)


def test_broker_down_is_reported_not_raised(db) -> None:
    relay = Relay(db, "amqp://guest:guest@127.0.0.1:1/none", amqp_timeout_s=1)
    with pytest.raises((pika.exceptions.AMQPError, OSError)):
        relay.run_once()


def test_what_people_said_is_kept_on_the_nodes_feedback_feed(pg_settings) -> None:
    """Nothing of the node consumes rating, complaint, consultation or rectification events
    yet: they go to the standing feed at once instead of waiting in the outbox, retried."""
    from sunlight.monitoring.v1 import monitoring_pb2  # noqa: PLC0415

    db = Database(pg_settings.database_url.replace("postgresql://", "postgresql+psycopg://"),
                  "monitoring")
    relay = Relay(db, pg_settings.amqp_uri)
    _drain_pending(relay)
    connection = connect(pg_settings.amqp_uri)
    channel = connection.channel()
    outbox = Outbox(outbox_table(MetaData()), "monitoring")
    events = [make_event(f"{kind}.{action}.510000.511600.511602", data, node="511602",
                         region="511602")
              for kind, action, data in (
                  ("rating", "given", monitoring_pb2.RatingEvent(action="given")),
                  ("complaint", "submitted", monitoring_pb2.ComplaintEvent()),
                  ("consultation", "asked", monitoring_pb2.ConsultationEvent()),
                  ("rectification", "opened", monitoring_pb2.RectificationEvent()))]
    with db.transaction() as s:
        for event in events:
            outbox.add(s, event)
    assert relay.run_once() == len(events)  # none unroutable
    kept = []
    while (got := channel.basic_get("monitoring.feedback-feed", auto_ack=True))[0]:
        kept.append(json.loads(got[2])["event_id"])
    # (other tests' events may be on the session's feed before these)
    assert kept[-len(events):] == [e.event_id for e in events]
    connection.close()
    relay.close_broker()
    db.dispose()


def test_a_closed_relay_lets_go_of_its_listening_connection(db, pg_settings) -> None:
    """The LISTEN connection a PostgreSQL relay keeps for itself is closed with it (never left
    checked out of the pool, never handed back to it still listening)."""
    relay = Relay(db, pg_settings.amqp_uri)
    relay._wait(0.01)  # opens the connection and LISTENs
    raw, conn = relay._listen_conn
    with db.read() as read:
        listening = read.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %(pid)s",
            {"pid": conn.info.backend_pid}).scalar()
    assert listening == 1
    relay.close()
    assert relay._listen_conn is None and conn.closed
