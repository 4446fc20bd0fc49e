"""Supervision scaled out over partitions (监察分区): the case events of many cases, spread by
case number over two worker processes, are each applied once, every event of a case by one
process in order, and the state is what a replay of the same events rebuilds; a partition
whose worker is stopped keeps its events until the worker is back, and a worker killed
mid-flow loses nothing. Changing the number of partitions moves what a retired partition's
queue held onto the others."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pika
import pytest
from sqlalchemy import select

from infra.localnode import LocalNode
from services.cases.contract import event_to_pb
from services.cases.domain.engine import Accept, Reject, RequestSupplement, Submit, decide, evolve
from services.cases.domain.flow import Mode
from services.cases.domain.model import Channel, Party
from services.cases.service import actor_of, routing_key
from services.monitoring import partitions
from services.monitoring import storage as t
from services.monitoring.projection import Projection
from services.monitoring.rebuild import rebuild
from services.monitoring.supervision import Supervision
from services.shared.broker import (
    CASE_PARTITION_EXCHANGE,
    PARTITION_HEADER,
    UNPARTITIONED_CASE_QUEUE,
    case_partition_queue,
)
from services.shared.db import Database
from services.shared.events import Event, make_event
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar, local_day
from tests.support.cases import CLERK, item, key
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "monitoring" / "migrations"
CALENDAR = WorkingCalendar.official()
APPLICANT = Party("张三", "id_card", "511602199001011236")


def case_events(prefix: str, cases: int) -> dict[str, list[Event]]:
    """Each case's events, in order: accepted, refused although complete (a red warning), or
    waiting for supplements."""
    now = datetime.now(UTC)
    by_case: dict[str, list[Event]] = {}
    for n in range(cases):
        number = f"{prefix}{n:03d}"
        commands = [(Submit(number, "511602", item(), Mode.PROMISED, APPLICANT,
                            Channel.COUNTER, () if n % 3 == 2 else (("form", 1, 0),)), CLERK)]
        supplement_by = local_day(now) + timedelta(days=10)
        commands.append([(Accept("齐全"), CLERK), (Reject("不符合条件", "NOT_QUALIFIED"), CLERK),
                         (RequestSupplement(("form",), supplement_by), CLERK)][n % 3])
        case = None
        events = by_case.setdefault(number, [])
        for command, actor in commands:
            for event in decide(case, command, actor_of(actor), now, calendar=CALENDAR):
                case = evolve(case, event)
                events.append(make_event(event.type, event_to_pb(
                    case, event, CALENDAR, role="", department=""), node="510000",
                    region="511602", occurred_at=now))
    return by_case


def publish(amqp_uri: str, events: list[Event]) -> None:
    """As the case relay publishes: to cases.events, the case number in ``partition_key``."""
    with pika.BlockingConnection(pika.URLParameters(amqp_uri)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for event in events:
            channel.basic_publish(
                "cases.events", routing_key(event.type, event.region),
                event.to_json().encode(),
                pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                     message_id=event.event_id,
                                     headers={PARTITION_HEADER: event.data["case_number"]}),
                mandatory=True)


def applied(db: Database, ids: list[str]) -> dict[str, datetime]:
    with db.read() as s:
        return {r[0]: r[1] for r in s.execute(select(t.inbox.c.event_id, t.inbox.c.received_at)
                                              .where(t.inbox.c.event_id.in_(ids)))}


def queued(amqp_uri: str) -> dict[str, tuple[int, int]]:
    return {q.name: (q.messages, q.consumers) for q in partitions.queues(amqp_uri)}


def state(db: Database, prefix: str) -> dict[str, Any]:
    with db.read() as s:
        warnings = {r.warning_id: (r.case_number, r.rule, r.severity, r.status,
                                   r.explanation, [e["action"] for e in json.loads(r.history)])
                    for r in s.execute(select(t.warnings).where(
                        t.warnings.c.case_number.startswith(prefix)))}
        views = {r.case_number: (r.state, r.attention_on, r.closed)
                 for r in s.execute(select(t.case_watches).where(
                     t.case_watches.c.case_number.startswith(prefix)))}
        records = {r.case_number: r.last_sequence for r in s.execute(select(t.case_records).where(
            t.case_records.c.case_number.startswith(prefix)))}
    return {"warnings": warnings, "views": views, "records": records}


def test_two_partitions_apply_every_event_once_in_case_order_and_lose_nothing(
        pg_settings, own_amqp_uri, tmp_path) -> None:
    # a vhost of its own: in the session's, other tests' case events reach the partition
    # queues this test counts (a CI run found 148 waiting in partition 0 as it began)
    url = pg_settings.database_url.replace("postgresql://", "postgresql+psycopg://")
    db = Database(url, "monitoring")
    node = LocalNode.on_free_ports(tmp_path, DATABASE_URL=pg_settings.database_url,
                                   AMQP_URI=own_amqp_uri,
                                   SUNLIGHT_SUPERVISION_WORKERS="2",
                                   SUNLIGHT_SUPERVISION_SWEEP_INTERVAL_S="1")
    prefix = f"5116022026P{uuid.uuid4().hex[:6].upper()}"
    by_case = case_events(prefix, 48)
    numbers = sorted(by_case)
    first, second = numbers[:24], numbers[24:]
    everything = [e for n in numbers for e in by_case[n]]
    rebuilt_schema = f"monitoring_parts_{key()[:6].lower()}"
    try:
        node.start(["monitoring-worker"])
        assert {"monitoring-worker", "monitoring-worker-1"} <= node.started
        node.wait_healthy()
        assert queued(own_amqp_uri) == {case_partition_queue(0): (0, 1),
                                        case_partition_queue(1): (0, 1)}

        # partition 1's worker stopped: its cases wait whole in its queue, partition 0's are
        # applied whole — a case is never split between the two
        node.stop_process("monitoring-worker-1")
        wait_for(lambda: queued(own_amqp_uri)[case_partition_queue(1)][1] == 0,
                 what="partition 1 without its consumer")
        events = [e for n in first for e in by_case[n]]
        publish(own_amqp_uri, events)
        ids = [e.event_id for e in events]
        waiting = wait_for(lambda: (lambda q: q if q + len(applied(db, ids)) == len(ids)
                                    else 0)(queued(own_amqp_uri)[case_partition_queue(1)][0]),
                           timeout_s=30, what="partition 0's events applied")
        done = applied(db, ids)
        whole = {n: {e.event_id in done for e in by_case[n]} for n in first}
        assert all(len(v) == 1 for v in whole.values()), whole  # all or nothing of a case
        assert 0 < waiting < len(ids)  # both partitions had cases

        node.start_process("monitoring-worker-1")  # it catches up
        wait_for(lambda: len(applied(db, ids)) == len(ids), timeout_s=30,
                 what="partition 1's events applied once its worker is back")

        # partition 1's worker killed outright while it applies: restarted, it loses nothing
        events = [e for n in second for e in by_case[n]]
        publish(own_amqp_uri, events)
        node.kill("monitoring-worker-1")
        ids = [e.event_id for e in everything]
        done = wait_for(lambda: (lambda a: a if len(a) == len(ids) else None)(applied(db, ids)),
                        timeout_s=45, what="every event applied after the kill")
        for number in numbers:  # each case's events applied in their order
            times = [done[e.event_id] for e in by_case[number]]
            assert times == sorted(times), number
        live = state(db, prefix)
        refused = [n for i, n in enumerate(numbers) if i % 3 == 1]
        red = [w for w in live["warnings"].values()
               if w[1] == "COMPLETE_APPLICATION_REJECTED"]
        assert sorted(w[0] for w in red) == refused  # once per case, not twice
        assert all(w[5] == ["raised"] for w in red)
        assert live["records"] == {n: max(int(e.data["sequence"]) for e in by_case[n])
                                   for n in numbers}
        assert node.wait_healthy() is None and "partition 1 of 2" in node.log(
            "monitoring-worker-1")
    finally:
        node.stop()

    # what a single process replaying the same events rebuilds is the same
    upgrade(MIGRATIONS, pg_settings.database_url, rebuilt_schema)
    rebuilt_db = Database(url, rebuilt_schema, pool_size=2)
    try:
        # until the events' own day, as the live workers had it (their sweep's timer never
        # fired in this test): a rebuild until a later day adds that day's sweep, which is
        # what happened when this test crossed midnight in Asia/Shanghai (16:00 UTC)
        rebuild(Projection(rebuilt_db, Supervision(rebuilt_db, CALENDAR, "510000")),
                everything, local_day(everything[-1].occurred_at))
        assert state(rebuilt_db, prefix) == live
    finally:
        rebuilt_db.dispose()
        db.dispose()


def test_changing_the_number_of_partitions_moves_what_the_retired_queues_held(
        amqp_uri) -> None:
    def count(connection: Any, name: str) -> int:
        return connection.channel().queue_declare(name, passive=True).method.message_count

    # enough cases that each of three partitions gets some (with 12, one in 40 runs left a
    # partition empty: the ring's hash of the numbers decides)
    by_case = case_events(f"5116022026R{uuid.uuid4().hex[:6].upper()}", 60)
    events = [e for n in sorted(by_case) for e in by_case[n]]
    with pika.BlockingConnection(pika.URLParameters(amqp_uri)) as connection:
        channel = connection.channel()
        # a broker as before partitioning (another test of the session may have set it up)
        channel.exchange_delete(CASE_PARTITION_EXCHANGE)
        for p in range(4):
            channel.queue_delete(case_partition_queue(p))
        # the single queue of before partitioning, holding events not applied yet, some
        # without the partition header (published before the case service set it)
        channel.exchange_declare("cases.events", "topic", durable=True)
        channel.queue_declare(UNPARTITIONED_CASE_QUEUE, durable=True)
        channel.queue_bind(UNPARTITIONED_CASE_QUEUE, "cases.events", "case.#")
        channel.confirm_delivery()
        for i, event in enumerate(events):
            headers = {PARTITION_HEADER: event.data["case_number"]} if i % 2 else {}
            channel.basic_publish("cases.events", event.type, event.to_json().encode(),
                                  pika.BasicProperties(message_id=event.event_id,
                                                       delivery_mode=2, headers=headers))
        assert count(connection, UNPARTITIONED_CASE_QUEUE) == len(events)

        retired = partitions.prepare(amqp_uri, 3)
        assert retired == {UNPARTITIONED_CASE_QUEUE: len(events)}
        held = {p: count(connection, case_partition_queue(p)) for p in range(3)}
        assert sum(held.values()) == len(events) and all(held.values()), held

        # two partitions from now on: partition 2's events go to the other two
        assert partitions.prepare(amqp_uri, 2) == {case_partition_queue(2): held[2]}
        after = {q.name: q.messages for q in partitions.queues(amqp_uri)}
        assert set(after) == {case_partition_queue(0), case_partition_queue(1)}
        assert sum(after.values()) == len(events)
        # every event of a case in one queue, whatever queue it was in before
        where: dict[str, set[str]] = {}
        for name in after:
            probe = connection.channel()
            while (got := probe.basic_get(name, auto_ack=True))[0] is not None:
                number = json.loads(got[2])["data"]["case_number"]
                assert got[1].headers[PARTITION_HEADER] == number
                where.setdefault(number, set()).add(name)
        assert all(len(queues) == 1 for queues in where.values()), where
        assert len(where) == len(by_case)
        # new events go to the two partitions only
        publish(amqp_uri, events[:4])
        assert sum(count(connection, case_partition_queue(p)) for p in range(2)) == 4
        for p in range(2):
            channel = connection.channel()
            channel.queue_purge(case_partition_queue(p))
