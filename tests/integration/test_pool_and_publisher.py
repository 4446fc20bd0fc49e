"""Pooled connections that died while idle are replaced before use; the relay's publisher
confirms a whole batch at once and tells each message's fate apart."""

from __future__ import annotations

import types
import uuid

import pika
import psycopg
import pytest
from sqlalchemy import MetaData, func, select, text, update
from sunlight.cases.v1 import cases_pb2

from services.shared import db as db_module
from services.shared.broker import connect, declare_exchange
from services.shared.db import Database
from services.shared.events import make_event
from services.shared.outbox import Outbox, outbox_table
from services.shared.relay import ConfirmedPublisher, Relay

pytestmark = pytest.mark.integration


def test_a_connection_that_died_in_the_pool_is_replaced(pg_settings, monkeypatch) -> None:
    db = Database(pg_settings.database_url, "cases", pool_size=1)
    try:
        with db.begin() as c:
            dead = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin_url = pg_settings.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
        real = db_module.time.monotonic
        # the connection has been idle "for a while": it is pinged before it is handed out
        monkeypatch.setattr(db_module, "time", types.SimpleNamespace(
            monotonic=lambda: real() + 60))
        with db.begin() as c:
            alive = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert alive != dead
    finally:
        db.dispose()


@pytest.fixture()
def cases_db(pg_settings):
    db = Database(pg_settings.database_url, "cases")
    yield db
    db.dispose()


def test_a_batch_is_confirmed_at_once_and_each_fate_is_kept(cases_db, pg_settings) -> None:
    connection = connect(pg_settings.amqp_uri)
    channel = connection.channel()
    declare_exchange(channel, "cases.events")
    queue = f"batch-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, exclusive=True)
    channel.queue_bind(queue, "cases.events", "case.#")
    relay = Relay(cases_db, pg_settings.amqp_uri, batch_size=500)
    outbox = Outbox(outbox_table(MetaData()), "cases")
    table = outbox.table
    try:
        with cases_db.begin() as c:  # only this test's rows are pending
            c.execute(update(table).where(table.c.published_at.is_(None)).values(
                published_at=func.now()))
        routed = [make_event("case.step_completed", cases_pb2.CaseEvent(
            case_number=f"B{i}", sequence=i), node="510000", region="511602")
            for i in range(40)]
        lost = make_event("nobody.listens", cases_pb2.CaseEvent(case_number="B-x"),
                          node="510000", region="511602")
        with cases_db.begin() as c:
            for e in routed[:20] + [lost] + routed[20:]:
                outbox.add(c, e)
        assert relay.run_once() == 40
        received = []
        while (got := channel.basic_get(queue, auto_ack=True))[0] is not None:
            received.append(got[1].message_id)
        assert received == [e.event_id for e in routed]  # in order, each once
        with cases_db.begin() as c:
            row = c.execute(select(table).where(table.c.event_id == lost.event_id)).one()
            pending = c.execute(select(func.count()).where(
                table.c.published_at.is_(None))).scalar_one()
        assert row.published_at is None and "unroutable" in row.last_error
        assert pending == 1
    finally:
        with cases_db.begin() as c:
            c.execute(update(table).where(table.c.published_at.is_(None)).values(
                published_at=func.now()))
        relay.close_broker()
        connection.close()


def test_a_channel_closed_by_the_broker_fails_the_publisher(pg_settings) -> None:
    publisher = ConfirmedPublisher(pg_settings.amqp_uri, timeout_s=5)
    try:
        assert publisher.is_open
        with pytest.raises(pika.exceptions.AMQPError):
            publisher.declare("amq.direct")  # exists as a direct exchange: refused
        assert not publisher.is_open
        with pytest.raises(pika.exceptions.AMQPError):
            publisher.publish([])
    finally:
        publisher.close()
