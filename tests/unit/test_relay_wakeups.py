"""Waking the relay: writers NOTIFY at most once per interval, and the relay keeps polling
briefly after any sign of traffic, so events committed without a NOTIFY still leave soon."""

from __future__ import annotations

import time

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


def test_sqlite_relays_poll(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}", "cases")
    relay = Relay(db, "amqp://guest:guest@127.0.0.1:1/none", idle_poll_s=0.05)
    assert relay.next_wait_s() == 0.05
    db.dispose()
