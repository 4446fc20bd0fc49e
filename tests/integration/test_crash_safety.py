"""Kill the relay (SIGKILL) in the middle of a burst: after a restart every event arrives,
and the supervision worker (nameko, its own process) applies each exactly once."""

from __future__ import annotations

import signal
import uuid

import pytest
from sqlalchemy import MetaData, func, select, update
from sunlight.cases.v1 import cases_pb2

from infra.localnode import LocalNode
from services.monitoring import storage as mon
from services.shared.db import Database
from services.shared.events import make_event
from services.shared.outbox import Outbox, outbox_table
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
BURST = 3000


def _pg(settings, schema: str) -> Database:
    return Database(settings.database_url.replace("postgresql://", "postgresql+psycopg://"),
                    schema)


def test_relay_killed_mid_burst_loses_nothing_and_applies_nothing_twice(pg_settings,
                                                                        tmp_path):
    cases_db, mon_db = _pg(pg_settings, "cases"), _pg(pg_settings, "monitoring")
    outbox = Outbox(outbox_table(MetaData()), "cases")
    t = outbox.table
    with cases_db.transaction() as s:  # nothing else pending from other tests
        s.execute(update(t).where(t.c.published_at.is_(None)).values(
            published_at=func.now()))
    prefix = f"CRASH{uuid.uuid4().hex[:6]}"
    numbers = [f"{prefix}{i:06d}" for i in range(BURST)]
    with cases_db.transaction() as s:
        for number in numbers:
            outbox.add(s, make_event(
                "case.accepted", cases_pb2.CaseEvent(
                    case_number=number, region="511602", item_id="i", item_version=1,
                    sequence=1, status=cases_pb2.CASE_STATUS_IN_PROGRESS, step_count=2),
                node="510000", region="511602"))
    ours = t.c.body.contains(prefix)

    def published() -> int:
        with cases_db.transaction() as s:
            return s.execute(select(func.count()).where(
                ours, t.c.published_at.is_not(None))).scalar_one()

    node = LocalNode.on_free_ports(tmp_path, DATABASE_URL=pg_settings.database_url,
                                   AMQP_URI=pg_settings.amqp_uri,
                                   SUNLIGHT_RELAY_BATCH_SIZE="50")
    try:
        node.start(["monitoring-worker"])
        node.wait_healthy()  # its queues are bound: every event is routable
        node.start(["cases-relay"])
        wait_for(lambda: published() >= BURST // 10, timeout_s=60, interval_s=0.005,
                 what="the relay to publish part of the burst")
        node.kill("cases-relay", signal.SIGKILL)
        at_kill = published()
        assert at_kill < BURST, "the relay finished before it was killed: grow the burst"

        node.start(["cases-relay"])
        wait_for(lambda: published() == BURST, timeout_s=120, what="every event published")

        def records() -> int:
            with mon_db.transaction() as s:
                return s.execute(select(func.count()).select_from(mon.case_records).where(
                    mon.case_records.c.case_number.like(f"{prefix}%"))).scalar_one()

        wait_for(lambda: records() == BURST, timeout_s=120, what="every record applied")

        # Deliver a slice of the burst again, as a relay killed before marking would.
        replay = ours & t.c.body.contains(f"{prefix}000")
        with cases_db.transaction() as s:
            replayed = s.execute(select(func.count()).where(replay)).scalar_one()
            s.execute(update(t).where(replay).values(published_at=None))
        assert replayed == 1000
        wait_for(lambda: published() == BURST, timeout_s=60, what="the replay published")
        wait_for(lambda: node.log("monitoring-worker").count("duplicate event") >= replayed,
                 timeout_s=60, what="every replayed event seen again by the worker")
        with mon_db.transaction() as s:
            rows = s.execute(select(mon.case_records.c.events_applied).where(
                mon.case_records.c.case_number.like(f"{prefix}%"))).scalars().all()
            inbox = s.execute(select(func.count()).select_from(mon.inbox).where(
                mon.inbox.c.consumer == "monitoring")).scalar_one()
        assert len(rows) == BURST and set(rows) == {1}
        assert inbox >= BURST
    finally:
        node.stop()
        cases_db.dispose()
        mon_db.dispose()
