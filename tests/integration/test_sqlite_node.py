"""The default storage of ``make run`` (SQLite files): the case service's transitions, the
relay (watching the file between its reads of the outbox) and the supervision worker still
carry every event across, applied once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from infra.localnode import LocalNode
from services.cases import storage as cases_storage
from services.cases.domain.engine import Complete, PublishResult
from services.cases.domain.flow import ItemSnapshot
from services.cases.service import CaseService
from services.monitoring import storage as mon
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support.cases import CLERK, decide, item, key, run_to_decision
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ITEM = item("item-sqlite")
#: events of one case carried to completion: submitted, acceptance started, accepted, the
#: review and its branch started and completed, joined, decision started, decided, result
#: published, completed
EVENTS_PER_CASE = 12


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


def test_transitions_reach_supervision_on_sqlite(tmp_path, own_amqp_uri, monkeypatch) -> None:
    """On a vhost of its own: the session's holds other tests' case events, whose case
    numbers (region, day, counter) are the very numbers this test's fresh counter gives."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    files = tmp_path / "var" / "510000"
    files.mkdir(parents=True)
    urls = {s: f"sqlite:///{files / f'{s}.db'}" for s in ("cases", "monitoring")}
    for service, url in urls.items():
        upgrade(ROOT / "services" / service / "migrations", url, service)
    cases_db, mon_db = Database(urls["cases"], "cases"), Database(urls["monitoring"],
                                                                  "monitoring")
    service = CaseService(cases_db, Items(), WorkingCalendar.official(), "510000")
    numbers = []
    for _ in range(5):
        case = decide(service, run_to_decision(service, ITEM))
        service.act(CLERK, case.number, PublishResult(), key())
        service.act(CLERK, case.number, Complete(), key())
        numbers.append(case.number)
    node = LocalNode.on_free_ports(tmp_path / "logs", AMQP_URI=own_amqp_uri,
                                   SUNLIGHT_VAR_DIR=str(tmp_path / "var"))
    try:
        node.start(["monitoring-worker"])
        node.wait_healthy()  # its queues are bound before the relay publishes
        node.start(["cases-relay"])

        def applied() -> list[int]:
            with mon_db.begin() as c:
                return c.execute(select(mon.case_records.c.events_applied).where(
                    mon.case_records.c.case_number.in_(numbers))).scalars().all()

        wait_for(lambda: sorted(applied()) == [EVENTS_PER_CASE] * 5, timeout_s=60,
                 what=f"every case's {EVENTS_PER_CASE} events applied")
        with cases_db.begin() as c:
            ours = c.execute(select(cases_storage.outbox.c.event_id)).scalars().all()
        with mon_db.begin() as c:
            assert set(c.execute(select(mon.inbox.c.event_id)).scalars()) == set(ours)
            assert len(ours) == 5 * EVENTS_PER_CASE
            assert set(c.execute(select(mon.case_records.c.status)).scalars()) == {
                "completed"}
    finally:
        node.stop()
        cases_db.dispose()
        mon_db.dispose()
