"""A message the supervision worker fails on (a bug) is retried a few times, then given up to
the node's dead-letter queue by the queue's policy — never lost, never retried forever — while
an event that lacks what it must carry is parked at once; ``sunlight supervision dead-letters``
lists what is there and replays it."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pika
import pytest
from sqlalchemy import MetaData, select
from sunlight.cases.v1 import cases_pb2

from infra.localnode import LocalNode
from services.monitoring import storage as mon
from services.shared.broker import DEAD_LETTER_QUEUE, MAX_ATTEMPTS
from services.shared.db import Database
from services.shared.events import make_event
from services.shared.outbox import Outbox, outbox_table
from tests.support.metrics import value
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def envelope(number: str, **data: object) -> tuple[str, dict]:
    """A case event as the relay publishes it, its data changed by ``data``."""
    event = make_event("case.accepted", cases_pb2.CaseEvent(
        case_number=number, region="511602", item_id="i", item_version=1, sequence=1,
        status=cases_pb2.CASE_STATUS_IN_PROGRESS), node="510000", region="511602")
    body = json.loads(Outbox(outbox_table(MetaData()), "cases").row(event)["body"])
    body["data"].update(data)
    return event.event_id, body


def publish(amqp_uri: str, body: dict) -> None:
    with pika.BlockingConnection(pika.URLParameters(amqp_uri)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("cases.events", body["type"], json.dumps(body).encode(),
                              pika.BasicProperties(content_type="application/json",
                                                   delivery_mode=2,
                                                   message_id=body["event_id"]),
                              mandatory=True)


def dead_letters(node: LocalNode, *args: str) -> subprocess.CompletedProcess:
    sunlight = Path(sys.executable).with_name("sunlight")
    return subprocess.run([str(sunlight), "supervision", "dead-letters", "--json", *args],
                          cwd=ROOT, env=node.full_env(), capture_output=True, text=True,
                          timeout=60)


def listed(node: LocalNode) -> list[dict]:
    result = dead_letters(node)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_failing_event_is_dead_lettered_after_its_attempts_and_replayed(pg_settings,
                                                                          tmp_path) -> None:
    db = Database(pg_settings.database_url.replace("postgresql://", "postgresql+psycopg://"),
                  "monitoring")
    node = LocalNode.on_free_ports(tmp_path, DATABASE_URL=pg_settings.database_url,
                                   AMQP_URI=pg_settings.amqp_uri,
                                   SUNLIGHT_SUPERVISION_RETRY_PAUSE_S="0.05")
    prefix = f"DLQ{uuid.uuid4().hex[:6]}"
    try:
        node.start(["monitoring-worker"])
        node.wait_healthy()  # its queues are bound, the policy applies to them
        # a bug: the rules meet a sequence they cannot count (TypeError)
        poison_id, poison = envelope(f"{prefix}1", sequence={"not": "a number"})
        # unapplicable: a case event without its case
        _, lacking = envelope(f"{prefix}2", case_number="")
        publish(pg_settings.amqp_uri, poison)
        publish(pg_settings.amqp_uri, lacking)

        def parked() -> list[str]:
            with db.read() as s:
                return list(s.execute(select(mon.parked_events.c.reason).where(
                    mon.parked_events.c.event_id == lacking["event_id"])).scalars())

        wait_for(parked, timeout_s=30, what="the event without a case parked")
        found = wait_for(lambda: [x for x in listed(node) if x["event_id"] == poison_id],
                         timeout_s=90, what="the failing event in the dead-letter queue")
        (letter,) = found
        assert letter["type"] == "case.accepted" and letter["reason"] == "rejected"
        assert letter["exchange"] == "cases.events" and letter["deaths"] == 1
        assert letter["queue"].startswith("evt-cases-case.#--monitoring")
        log = node.log("monitoring-worker")
        assert f"attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS}" in log and "TypeError" in log
        assert not [x for x in listed(node) if x["event_id"] == lacking["event_id"]]
        # listing left it there
        assert [x["event_id"] for x in listed(node)].count(poison_id) == 1

        # replayed (the bug not fixed): tried again, and back in the queue a second time
        result = dead_letters(node, "--replay", poison_id)
        assert result.returncode == 0, result.stderr
        assert [x["event_id"] for x in json.loads(result.stdout)] == [poison_id]
        wait_for(lambda: [x for x in listed(node)
                          if x["event_id"] == poison_id and x["deaths"] == 2],
                 timeout_s=90, what="the replayed event dead-lettered again")
        assert dead_letters(node, "--replay", "no-such-event").returncode == 1
    finally:
        node.stop()
        with pika.BlockingConnection(pika.URLParameters(pg_settings.amqp_uri)) as connection:
            connection.channel().queue_purge(DEAD_LETTER_QUEUE)  # the session's vhost
        db.dispose()


def test_a_body_that_cannot_be_decoded_is_dead_lettered_not_dropped(pg_settings, own_amqp_uri,
                                                                     tmp_path) -> None:
    """kombu's default for a body it cannot decode is to log it and acknowledge it (gone);
    the worker's consumers reject it to the dead-letter queue, case events and catalogue
    events alike. There the operator finds each by its message id (or, without one, its
    body's hash) and may drop it for good, kept in an archive file."""
    node = LocalNode.on_free_ports(tmp_path, DATABASE_URL=pg_settings.database_url,
                                   AMQP_URI=own_amqp_uri)
    undecodable = {  # message id → (exchange, routing key, body, content type)
        f"not-json-{uuid.uuid4().hex[:8]}": ("cases.events", "case.accepted",
                                             b"{not json", "application/json"),
        f"not-utf8-{uuid.uuid4().hex[:8]}": ("catalogue.events", "item.published",
                                             b"\xff\xfe", "application/json"),
        f"plain-{uuid.uuid4().hex[:8]}": ("cases.events", "case.submitted",
                                          b"case 1 submitted", "text/plain"),
    }
    nameless = uuid.uuid4().bytes + b"\x00"  # no message id: named by its body's hash
    undecodable[f"sha256:{hashlib.sha256(nameless).hexdigest()[:16]}"] = (
        "cases.events", "case.accepted", nameless, "application/json")
    try:
        node.start(["monitoring-worker"])
        node.wait_healthy()  # its queues are bound, the policy applies to them
        with pika.BlockingConnection(pika.URLParameters(own_amqp_uri)) as connection:
            channel = connection.channel()
            channel.confirm_delivery()
            for message_id, (exchange, key, body, content_type) in undecodable.items():
                channel.basic_publish(exchange, key, body, pika.BasicProperties(
                    content_type=content_type, delivery_mode=2, message_id=None
                    if message_id.startswith("sha256:") else message_id), mandatory=True)
        letters = wait_for(lambda: (lambda found: found if set(found) == set(undecodable)
                                    else None)({x["event_id"]: x for x in listed(node)}),
                           timeout_s=60, what="the undecodable messages dead-lettered")
        for message_id, (exchange, key, _, _) in undecodable.items():
            letter = letters[message_id]
            assert letter["reason"] == "rejected" and letter["deaths"] == 1
            assert (letter["exchange"], letter["routing_key"]) == (exchange, key)
        log = node.log("monitoring-worker")
        assert all(f"message id {message_id}" in log for message_id in undecodable
                   if not message_id.startswith("sha256:"))
        # counted where the dashboard reads what becomes of supervision's events
        page = httpx.get(f"http://127.0.0.1:{node.port('monitoring_worker_health')}/metrics",
                         timeout=10).text
        assert [value(page, "sunlight_supervision_events_total", source=source,
                      outcome="dead_lettered") for source in ("cases", "catalogue")] == [3, 1]

        # dropped for good, each kept in the archive first; the others stay
        archive = tmp_path / "archive" / "dropped.jsonl"
        named = sorted(undecodable, key=lambda i: not i.startswith("sha256:"))
        dropped, kept = sorted(named[:2]), sorted(named[2:])  # the nameless one among them
        result = dead_letters(node, *[a for i in dropped for a in ("--drop", i)],
                              "--archive", str(archive))
        assert result.returncode == 0, result.stderr
        assert sorted(x["event_id"] for x in json.loads(result.stdout)) == dropped
        assert sorted(x["event_id"] for x in listed(node)) == kept
        records = [json.loads(line) for line in archive.read_text("utf-8").splitlines()]
        assert sorted(r["event_id"] for r in records) == dropped
        for record in records:
            assert base64.b64decode(record["body_base64"]) == undecodable[
                record["event_id"]][2]
        assert archive.stat().st_mode & 0o077 == 0
        # nothing to drop, or a replay asked with a drop: refused, nothing changed
        assert dead_letters(node, "--drop", "no-such-message").returncode == 1
        assert dead_letters(node, "--drop", kept[0], "--replay", kept[1]).returncode == 2
        assert sorted(x["event_id"] for x in listed(node)) == kept
    finally:
        node.stop()
