"""The adapter's event consumer, one message at a time (no broker): each event id is applied
once, in the same transaction as its record; a failing handler is retried, then parked."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select, text
from sqlalchemy.orm import Session
from sunlight_adapter import CaseEvent, EventConsumer, Outcome

own = MetaData()
seen = Table("fgj_case_events", own, Column("event_id", String(64), primary_key=True),
             Column("case_number", String(50)), Column("status", String(40)))


def event(kind: str = "case.accepted", sequence: int = 2, case: str = "511602202611020000001",
          event_id: str | None = None) -> bytes:
    return json.dumps({
        "event_id": event_id or str(uuid.uuid4()), "type": kind,
        "occurred_at": "2026-11-02T03:15:00.123456Z", "node": "510000", "region": "511602",
        "schema": "sunlight.cases.v1.CaseEvent",
        "data": {"case_number": case, "sequence": str(sequence),
                 "status": "CASE_STATUS_IN_PROGRESS",
                 "step": {"instance_id": "s2", "key": "review", "status": "STEP_STATUS_ACTIVE"}},
    }, ensure_ascii=False).encode()


class Handler:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[CaseEvent] = []

    def __call__(self, session: Session, received: CaseEvent) -> None:
        self.calls.append(received)
        session.execute(insert(seen).values(event_id=received.event_id,
                                            case_number=received.case_number,
                                            status=received.status))
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the department's database refused the row")


@pytest.fixture
def database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'fgj.db'}"


def consumer(database: str, handler: Handler, **options) -> EventConsumer:
    made = EventConsumer("amqp://guest:guest@127.0.0.1:5672/%2F", "fgj-approval-system",
                         ["case.#.511602"], handler, database, **options)
    own.create_all(made.engine)
    return made


def effects(made: EventConsumer) -> list[str]:
    with made.engine.connect() as connection:
        return list(connection.execute(select(seen.c.event_id)).scalars())


def test_an_event_is_handed_over_typed_and_applied_once(database) -> None:
    handler = Handler()
    made = consumer(database, handler)
    body = event(event_id="7d0c6a3e-0000-4000-8000-000000000001")
    assert made.handle(body, "case.accepted.510000.511600.511602") is Outcome.HANDLED
    assert made.handle(body, "case.accepted.510000.511600.511602") is Outcome.DUPLICATE
    (received,) = handler.calls
    assert (received.event_id, received.type, received.case_number, received.sequence,
            received.status, received.step.instance_id, received.routing_key) == (
        "7d0c6a3e-0000-4000-8000-000000000001", "case.accepted", "511602202611020000001", 2,
        "CASE_STATUS_IN_PROGRESS", "s2", "case.accepted.510000.511600.511602")
    assert effects(made) == ["7d0c6a3e-0000-4000-8000-000000000001"]


def test_handled_ids_are_remembered_across_restarts(database) -> None:
    body = event()
    assert consumer(database, Handler()).handle(body) is Outcome.HANDLED
    handler = Handler()
    assert consumer(database, handler).handle(body) is Outcome.DUPLICATE
    assert handler.calls == []


def test_a_failing_handler_rolls_back_its_effect_and_asks_for_redelivery(database) -> None:
    handler = Handler(failures=2)
    made = consumer(database, handler, max_attempts=5)
    body = event()
    assert made.handle(body) is Outcome.RETRY
    assert effects(made) == []  # the failed attempt left nothing behind
    assert made.handle(body) is Outcome.RETRY
    assert made.handle(body) is Outcome.HANDLED
    assert made.handle(body) is Outcome.DUPLICATE
    assert len(handler.calls) == 3 and len(effects(made)) == 1
    assert not Outcome.RETRY.ack and Outcome.HANDLED.ack


def test_an_event_failing_every_time_is_parked_with_its_error(database) -> None:
    made = consumer(database, Handler(failures=99), max_attempts=3)
    body = event(event_id="7d0c6a3e-0000-4000-8000-000000000002")
    assert [made.handle(body) for _ in range(3)] == [Outcome.RETRY, Outcome.RETRY,
                                                     Outcome.PARKED]
    assert made.handle(body) is Outcome.DUPLICATE  # acknowledged, not handed over again
    (parked,) = made.parked()
    assert parked["event_id"] == "7d0c6a3e-0000-4000-8000-000000000002"
    assert parked["attempts"] == 3 and "refused the row" in parked["error"]
    assert json.loads(parked["body"])["type"] == "case.accepted"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"type": "case.accepted"}'])
def test_a_message_that_is_not_an_event_is_parked_not_lost(database, body) -> None:
    handler = Handler()
    made = consumer(database, handler)
    assert made.handle(body, "case.accepted.510000.511600.511602") is Outcome.PARKED
    assert handler.calls == []
    (parked,) = made.parked()
    assert parked["error"].startswith("unreadable") and parked["body"] == body.decode()


def test_old_news_is_skipped_when_asked(database) -> None:
    handler = Handler()
    made = consumer(database, handler, skip_stale=True)
    assert made.handle(event(sequence=3)) is Outcome.HANDLED
    assert made.handle(event(sequence=2)) is Outcome.STALE  # arrived late: older state
    assert made.handle(event(sequence=4)) is Outcome.HANDLED
    assert made.handle(event(sequence=1, case="511602202611020000002")) is Outcome.HANDLED
    assert [e.sequence for e in handler.calls] == [3, 4, 1]
    every = consumer(database, Handler())  # without skip_stale every event is handed over
    assert every.handle(event(sequence=2)) is Outcome.HANDLED


def test_the_consumer_is_checked_at_construction(database) -> None:
    with pytest.raises(ValueError, match="routing_keys"):
        EventConsumer("amqp://guest:guest@127.0.0.1/%2F", "q", [], Handler(), database)
    with pytest.raises(ValueError, match="queue"):
        EventConsumer("amqp://guest:guest@127.0.0.1/%2F", "amq.x", ["case.#"], Handler(),
                      database)
    with Session(consumer(database, Handler()).engine) as session:
        assert session.execute(text("select count(*) from sunlight_inbox")).scalar() == 0
