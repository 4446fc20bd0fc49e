"""Waking the relay: writers NOTIFY at most once per interval, and the relay keeps polling
briefly after any sign of traffic, so events committed without a NOTIFY still leave soon."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData

from services.shared import relay as relay_module
from services.shared.db import Database
from services.shared.outbox import RELAY_LINGER_S, Outbox, outbox_table
from services.shared.relay import BUSY_POLL_S, IDLE_WAIT_S, Relay


def test_writers_notify_at_most_once_per_interval() -> None:
    table = outbox_table(MetaData())
    throttled = Outbox(table, "cases", notify_interval_s=3600)
    assert throttled.should_notify() is True
    assert [throttled.should_notify() for _ in range(5)] == [False] * 5
    every_time = Outbox(table, "cases", notify_interval_s=0)
    assert all(every_time.should_notify() for _ in range(5))


def test_the_relay_lingers_longer_than_writers_stay_silent() -> None:
    from services.shared.outbox import NOTIFY_INTERVAL_S

    assert RELAY_LINGER_S >= 10 * NOTIFY_INTERVAL_S
    assert BUSY_POLL_S <= NOTIFY_INTERVAL_S


@pytest.fixture()
def pg_relay():
    # the engine connects lazily: nothing here talks to a server
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none", "cases")
    yield Relay(db, "amqp://guest:guest@127.0.0.1:1/none", batch_size=10)
    db.dispose()


def test_the_relay_polls_while_events_flow_and_sleeps_when_idle(pg_relay,
                                                                monkeypatch) -> None:
    assert pg_relay.next_wait_s() == IDLE_WAIT_S  # nothing seen yet: wait on LISTEN
    pg_relay._last_rows = 10  # a full batch: there may be more right away
    assert pg_relay.next_wait_s() == 0.0
    pg_relay._last_rows = 3
    pg_relay._last_activity = time.monotonic()
    assert pg_relay.next_wait_s() == BUSY_POLL_S
    clock = time.monotonic() + RELAY_LINGER_S + 0.1
    monkeypatch.setattr(relay_module.time, "monotonic", lambda: clock)
    assert pg_relay.next_wait_s() == IDLE_WAIT_S


def test_a_sqlite_relay_waits_until_another_connection_commits(tmp_path) -> None:
    """SQLite has no LISTEN: between cycles the relay watches the file's data_version every
    ``idle_poll_s`` — the whole wait when nothing is written, woken at its next look once a
    writer (another connection) commits, and at once when the relay is stopped."""
    path = tmp_path / "x.db"
    db = Database(f"sqlite:///{path}", "cases")
    relay = Relay(db, "amqp://guest:guest@127.0.0.1:1/none", idle_poll_s=0.01)
    try:
        assert relay.next_wait_s() == IDLE_WAIT_S
        relay._data_version = relay._file_version()  # as a cycle takes it before its query
        began = time.monotonic()
        relay._watch_file(0.2)
        assert time.monotonic() - began >= 0.2  # nothing committed: the whole wait

        with sqlite3.connect(path) as writer:  # a writer's commit
            writer.execute("CREATE TABLE written (x)")
        began = time.monotonic()
        relay._watch_file(30.0)
        assert time.monotonic() - began < 15.0  # woken, not after the 30 s

        relay._data_version = relay._file_version()
        relay._stopping.set()
        began = time.monotonic()
        relay._watch_file(30.0)
        assert time.monotonic() - began < 15.0  # stopping ends the wait
    finally:
        relay.close()
        db.dispose()


def test_a_row_committed_while_a_batch_is_published_wakes_the_next_wait(tmp_path) -> None:
    """The file's version is taken before the cycle's query: a writer committing while the
    relay publishes what that query found is seen by the wait that follows, at once."""
    path = tmp_path / "x.db"
    db = Database(f"sqlite:///{path}", "cases")
    table = outbox_table(MetaData())
    with db.engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert().values(event_id="e1", exchange="cases.events",
                                           routing_key="case.submitted", body="{}",
                                           created_at=datetime.now(UTC)))
    relay = Relay(db, "amqp://guest:guest@127.0.0.1:1/none", idle_poll_s=0.01)

    class Publisher:
        is_open = True

        def publish(self, messages):  # type: ignore[no-untyped-def]
            with sqlite3.connect(path) as writer:  # a writer commits meanwhile
                writer.execute("CREATE TABLE written (x)")
            return [None] * len(messages)

    relay._publisher = Publisher()  # type: ignore[assignment]
    try:
        assert relay.run_once() == 1
        began = time.monotonic()
        relay._watch_file(30.0)
        assert time.monotonic() - began < 15.0  # woken by the commit, not after the 30 s
    finally:
        relay._publisher = None
        relay.close()
        db.dispose()


def test_a_relay_that_cannot_watch_the_file_sleeps_the_whole_wait(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'gone' / 'x.db'}", "cases")  # no such directory
    relay = Relay(db, "amqp://guest:guest@127.0.0.1:1/none", idle_poll_s=0.01)
    try:
        assert relay._file_version() is None
        relay._data_version = None
        began = time.monotonic()
        relay._watch_file(0.1)
        assert time.monotonic() - began >= 0.1
    finally:
        db.dispose()
