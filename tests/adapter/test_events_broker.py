"""The adapter's event consumer on the machine's RabbitMQ: its durable queue keeps events
published while it is down, a redelivered event is applied once, a failing handler's event
comes back until it succeeds, and every message is acknowledged in the end."""

from __future__ import annotations

import json
import threading
import uuid

import pika
import pytest
from pika.exceptions import UnroutableError
from sqlalchemy.orm import Session
from sunlight_adapter import CaseEvent, EventConsumer

from tests.support.wait import wait_for

pytestmark = pytest.mark.integration


def publish(amqp_uri: str, body: dict | bytes, routing_key: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        channel.basic_publish("cases.events", routing_key, payload, pika.BasicProperties(
            content_type="application/json", delivery_mode=2), mandatory=True)
    finally:
        connection.close()


def envelope(kind: str, sequence: int, region: str = "511602") -> dict:
    return {"event_id": str(uuid.uuid4()), "type": kind, "node": "510000", "region": region,
            "occurred_at": "2026-11-02T03:15:00Z", "schema": "sunlight.cases.v1.CaseEvent",
            "data": {"case_number": f"{region}202611020000001", "sequence": str(sequence)}}


def key_of(event: dict) -> str:
    return f"{event['type']}.510000.511600.{event['region']}"


def queue_depth(amqp_uri: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


class Running:
    """A consumer's run loop in a thread of its own."""

    def __init__(self, consumer: EventConsumer) -> None:
        self.stop, self.ready = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=consumer.run, args=(self.stop,),
                                       kwargs={"ready": self.ready}, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        assert self.ready.wait(15), "the consumer did not bind its queue"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)


@pytest.fixture
def queue() -> str:
    return f"adapter-test-{uuid.uuid4().hex[:8]}"


def test_events_are_applied_once_and_wait_in_the_queue_while_the_consumer_is_down(
        own_amqp_uri, tmp_path, queue) -> None:
    amqp_uri = own_amqp_uri  # unroutable only where no other test's queue is bound
    received: list[CaseEvent] = []
    failures = {"left": 1}

    def handler(session: Session, event: CaseEvent) -> None:
        if event.sequence == 3 and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the department's database was busy")
        received.append(event)

    database = f"sqlite:///{tmp_path / 'fgj.db'}"

    def consumer() -> EventConsumer:
        return EventConsumer(amqp_uri, queue, ["#.511602"], handler, database, prefetch=5)

    submitted, accepted = envelope("case.submitted", 1), envelope("case.accepted", 2)
    elsewhere = envelope("case.submitted", 1, region="511603")
    with Running(consumer()):
        for event in (submitted, submitted, accepted):  # submitted: redelivered
            publish(amqp_uri, event, key_of(event))
        with pytest.raises(UnroutableError):  # another county's: not bound to the queue
            publish(amqp_uri, elsewhere, key_of(elsewhere))
        wait_for(lambda: len(received) >= 2, timeout_s=15, what="two events handled")

    completed = envelope("case.step_completed", 3)
    publish(amqp_uri, completed, key_of(completed))  # nobody consuming: the queue keeps it
    publish(amqp_uri, b"not an event", "case.submitted.510000.511600.511602")
    assert queue_depth(amqp_uri, queue) == 2

    again = consumer()  # a restarted process
    with Running(again):
        wait_for(lambda: len(received) >= 3, timeout_s=15, what="the waiting event")
        wait_for(lambda: queue_depth(amqp_uri, queue) == 0, timeout_s=15,
                 what="every message acknowledged")
    assert [e.event_id for e in received] == [submitted["event_id"], accepted["event_id"],
                                              completed["event_id"]]
    assert failures["left"] == 0  # the failed attempt was redelivered and then applied
    (parked,) = again.parked()
    assert parked["body"] == "not an event"
