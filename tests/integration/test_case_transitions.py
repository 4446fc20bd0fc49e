"""Step transitions through the case service on both databases: the PostgreSQL path sends
each transition as two pipelined round trips, SQLite runs the same unit statement by
statement. Both must keep the same guarantees: one transaction with its event, idempotency
keys, the row lock, the per-case sequence."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from services.cases import storage as t
from services.cases.domain.cases import Applicant, FlowStep, ItemSnapshot
from services.cases.service import CaseService
from services.shared.auth import Principal, permissions_of
from services.shared.db import Database
from services.shared.errors import Conflict, NotFound
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
ITEM = ItemSnapshot(item_id=f"item-{uuid.uuid4().hex[:8]}", version=1, code="C",
                    name="备案", region="511602", department="区发展改革局",
                    statutory_limit_days=20, promised_limit_days=5,
                    steps=tuple(FlowStep(f"s{i}", f"环节{i}", "clerk", 1) for i in range(4)))
CLERK = Principal(subject="clerk-1", roles=("admin",), regions=("510000",),
                  permissions=permissions_of(["admin"]))


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
        upgrade(MIGRATIONS, url, "cases")
    else:
        url = request.getfixturevalue("pg_settings").database_url
    database = Database(url, "cases", pool_size=1)
    yield database
    with database.begin() as c:  # no relay here: leave no pending events to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=func.now()))
    database.dispose()


@pytest.fixture()
def service(db):
    return CaseService(db, Items(), WorkingCalendar.official(), "510000")


def _open(service: CaseService) -> str:
    return service.open(CLERK, ITEM.item_id, 0, "511602",
                        Applicant("张三", "id_card", "511602199001011236"),
                        uuid.uuid4().hex).case_number


def _events(db: Database, number: str) -> list[dict]:
    with db.begin() as c:
        bodies = c.execute(select(t.outbox.c.body).where(t.outbox.c.body.contains(number))
                           .order_by(t.outbox.c.seq)).scalars().all()
    return [json.loads(b) for b in bodies]


def _keys(db: Database, key: str) -> int:
    with db.begin() as c:
        return c.execute(select(func.count()).select_from(t.idempotency_keys).where(
            t.idempotency_keys.c.key == key)).scalar_one()


def test_steps_complete_in_order_each_with_its_event(service, db) -> None:
    number = _open(service)
    for index in range(len(ITEM.steps)):
        case = service.complete(CLERK, number, index, f"意见{index}", uuid.uuid4().hex)
    assert case.status.value == "completed" and case.current_step == -1
    assert [s.opinion for s in case.steps] == [f"意见{i}" for i in range(4)]
    events = _events(db, number)
    assert [e["type"] for e in events] == (["case.accepted"] + ["case.step_completed"] * 3
                                           + ["case.completed"])
    assert [int(e["data"]["sequence"]) for e in events] == [1, 2, 3, 4, 5]
    stored = service.get(CLERK, number)
    assert stored.sequence == 5 and [s.status.value for s in stored.steps] == ["done"] * 4
    assert stored.item == ITEM


def test_a_repeated_request_acts_once_and_answers_with_the_case(service, db) -> None:
    number = _open(service)
    key = uuid.uuid4().hex
    first = service.complete(CLERK, number, 0, "同意", key)
    again = service.complete(CLERK, number, 0, "同意", key)
    assert first.current_step == again.current_step == 1
    assert again.sequence == first.sequence == 2
    assert [e["type"] for e in _events(db, number)] == ["case.accepted",
                                                        "case.step_completed"]


def test_a_key_used_for_another_request_is_refused(service, db) -> None:
    number = _open(service)
    key = uuid.uuid4().hex
    service.complete(CLERK, number, 0, "同意", key)
    with pytest.raises(Conflict) as refused:
        service.complete(CLERK, number, 1, "同意", key)
    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert service.get(CLERK, number).current_step == 1
    assert len(_events(db, number)) == 2


def test_a_refused_transition_leaves_nothing_behind(service, db) -> None:
    number = _open(service)
    key = uuid.uuid4().hex
    with pytest.raises(Conflict) as refused:
        service.complete(CLERK, number, 2, "", key)
    assert refused.value.code == "STEP_NOT_ACTIVE"
    assert _keys(db, key) == 0 and len(_events(db, number)) == 1
    with pytest.raises(NotFound) as missing:
        service.complete(CLERK, "511602209901010000001", 0, "", key)
    assert missing.value.code == "CASE_NOT_FOUND" and _keys(db, key) == 0
    # the key was never consumed, and the connection that failed works on
    assert service.complete(CLERK, number, 0, "", key).current_step == 1


def test_pooled_connections_stay_transactional_after_transitions(service, db) -> None:
    number = _open(service)
    service.complete(CLERK, number, 0, "", uuid.uuid4().hex)
    with pytest.raises(Conflict):
        service.complete(CLERK, number, 3, "", uuid.uuid4().hex)
    # the pool has one connection: the one the transitions used, handed back
    with pytest.raises(RuntimeError), db.begin() as c:
        c.execute(t.case_counters.insert().values(region="999999", day="20991231", value=7))
        raise RuntimeError("roll back")
    with db.begin() as c:
        assert c.execute(select(func.count()).select_from(t.case_counters).where(
            t.case_counters.c.region == "999999")).scalar_one() == 0


def test_concurrent_requests_with_one_key_act_once(service, db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    concurrent = Database(db.url, "cases", pool_size=8)
    racing = CaseService(concurrent, Items(), WorkingCalendar.official(), "510000")
    number = _open(racing)
    key = uuid.uuid4().hex
    start = threading.Barrier(8)

    def attempt(_):  # type: ignore[no-untyped-def]
        start.wait()
        return racing.complete(CLERK, number, 0, "同意", key)

    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(attempt, range(8)))
    finally:
        concurrent.dispose()
    assert {a.current_step for a in answers} == {1}
    assert [e["type"] for e in _events(db, number)] == ["case.accepted",
                                                        "case.step_completed"]


def test_the_case_row_is_locked_during_a_transition(service, db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite locks the whole file")
    number = _open(service)
    other = Database(db.url, "cases", pool_size=2)
    holder = other.engine.connect()
    holder.begin()
    holder.execute(text("SELECT 1 FROM cases WHERE case_number = :n FOR UPDATE"),
                   {"n": number})
    done = threading.Event()
    result = {}

    def transition() -> None:
        result["case"] = service.complete(CLERK, number, 0, "", uuid.uuid4().hex)
        done.set()

    worker = threading.Thread(target=transition)
    worker.start()
    try:
        def blocked() -> bool:
            with other.begin() as c:
                return c.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'")).scalar_one() > 0

        wait_for(blocked, timeout_s=10, what="the transition to wait for the row lock")
        assert not done.is_set()
    finally:
        holder.rollback()
        holder.close()
    worker.join(10)
    other.dispose()
    assert result["case"].current_step == 1
