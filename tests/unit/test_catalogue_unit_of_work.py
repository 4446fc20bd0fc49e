"""The catalogue's unit of work on SQLite: state, trace and events commit together or not at
all; listeners hear of committed changes only; a key acts once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.unit_of_work import OUTBOX_COLUMNS, CatalogueUnitOfWork, Work
from services.shared.db import Database
from services.shared.errors import AlreadyExists, Conflict
from services.shared.events import parse_event


class Heard:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def items_changed(self, item_ids: list[str]) -> None:
        self.log.append("heard " + ",".join(item_ids))


@pytest.fixture
def log() -> list[str]:
    return []


@pytest.fixture
def uow(tmp_path: Path, log: list[str]) -> Iterator[CatalogueUnitOfWork]:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}", "catalogue")
    t.metadata.create_all(db.engine)
    yield CatalogueUnitOfWork(db, "510000", [Heard(log)])
    db.dispose()


def history(w: Work, item_id: str) -> None:
    w.s.execute(insert(t.item_history).values(item_id=item_id, version=1, action="created",
                                              actor="ann", at=w.now))


def rows(uow: CatalogueUnitOfWork, table) -> int:  # type: ignore[no-untyped-def]
    with uow.db.read() as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def test_state_trace_and_event_commit_together_then_listeners_hear(
        uow: CatalogueUnitOfWork, log: list[str]) -> None:
    with uow.begin() as w:
        history(w, "i-1")
        w.emit("item.adjusted", pb.ItemEvent(action="suspend"), "511602")
        w.changed("i-1", "i-1")
        w.after_commit(lambda: log.append("after commit"))
        assert log == []
    assert log == ["after commit", "heard i-1"]
    assert (rows(uow, t.item_history), rows(uow, t.outbox)) == (1, 1)
    with uow.db.read() as s:
        event = parse_event(s.execute(select(t.outbox.c.body)).scalar_one())
    assert (event.type, event.node, event.region) == ("item.adjusted", "510000", "511602")


def test_a_failed_work_leaves_nothing_and_tells_nobody(uow: CatalogueUnitOfWork,
                                                       log: list[str]) -> None:
    with pytest.raises(RuntimeError), uow.begin() as w:
        history(w, "i-1")
        w.emit("item.adjusted", pb.ItemEvent(action="suspend"), "511602")
        w.changed("i-1")
        w.after_commit(lambda: log.append("after commit"))
        raise RuntimeError("the domain refused")
    assert log == []
    assert (rows(uow, t.item_history), rows(uow, t.outbox)) == (0, 0)


def test_bulk_rows_and_events_go_in_the_same_transaction(uow: CatalogueUnitOfWork) -> None:
    at = uow.db_time(datetime.now(UTC))
    event_row = uow.event_row()
    with uow.begin() as w:
        w.bulk_mode()
        w.bulk_insert(t.item_history, ("item_id", "version", "action", "from_state",
                                       "to_state", "actor", "reason", "target", "at"),
                      [(f"i-{n}", 1, "imported", "", "", "ann", "", "", at)
                       for n in range(50)])
        w.add_event_rows([event_row(f"e-{n}", "item.drafted", "{}", at) for n in range(50)])
    assert (rows(uow, t.item_history), rows(uow, t.outbox)) == (50, 50)
    assert len(OUTBOX_COLUMNS) == len(event_row("e", "item.drafted", "{}", at))
    with pytest.raises(KeyError), uow.begin() as w:
        w.bulk_insert(t.item_history, ("item_id", "no_such_column"), [("i", 1)])


def test_a_key_acts_once_and_replays_its_answer(uow: CatalogueUnitOfWork,
                                               log: list[str]) -> None:
    acted: list[int] = []

    def act(w: Work) -> tuple[str, bytes]:
        acted.append(1)
        history(w, "i-1")
        w.changed("i-1")
        return "first", b"stored answer"

    def replay(w: Work, stored: bytes) -> str:
        return stored.decode()

    assert uow.once("ann", "k-1", "Op", "print", act, replay) == "first"
    assert uow.once("ann", "k-1", "Op", "print", act, replay) == "stored answer"
    assert acted == [1] and rows(uow, t.item_history) == 1
    assert log == ["heard i-1"]  # a replay changes nothing
    with pytest.raises(Conflict, match="already used for a different request"):
        uow.once("ann", "k-1", "Op", "another print", act, replay)


def test_the_check_runs_before_a_replay_too(uow: CatalogueUnitOfWork) -> None:
    def act(w: Work) -> tuple[str, bytes]:
        return "done", b"done"

    uow.once("ann", "k-1", "Op", "print", act, lambda w, b: b.decode())

    def refuse(w: Work) -> None:
        raise PermissionError("no longer allowed")

    with pytest.raises(PermissionError):
        uow.once("ann", "k-1", "Op", "print", act, lambda w, b: b.decode(), check=refuse)


def test_a_race_is_tried_again_once_then_refused(uow: CatalogueUnitOfWork) -> None:
    attempts: list[int] = []

    def collide(w: Work) -> tuple[str, bytes]:
        attempts.append(1)
        raise IntegrityError("INSERT", None, Exception("duplicate key"))

    with pytest.raises(Conflict, match="try later"):
        uow.once("ann", "k-2", "Op", "print", collide, lambda w, b: "",
                 conflict=lambda: Conflict("try later"))
    assert len(attempts) == 2
    with pytest.raises(IntegrityError):
        uow.once("ann", "k-3", "Op", "print", collide, lambda w, b: "")


def test_rows_found_made_by_a_concurrent_request_are_looked_up_again(
        uow: CatalogueUnitOfWork) -> None:
    """The work finds the rows it would make already there (made by a request with the same
    key that committed after this one looked the key up): once more, then it replays — or,
    when the rows are another request's, it is refused as the work said."""
    attempts: list[int] = []

    def taken_once(w: Work) -> tuple[str, bytes]:
        attempts.append(1)
        if len(attempts) == 1:
            raise AlreadyExists("the code is taken", code="ITEM_CODE_TAKEN")
        return "made", b"made"

    assert uow.once("ann", "k-4", "Op", "print", taken_once, lambda w, b: "") == "made"
    assert len(attempts) == 2

    def taken(w: Work) -> tuple[str, bytes]:
        attempts.append(1)
        raise AlreadyExists("the code is taken", code="ITEM_CODE_TAKEN")

    with pytest.raises(AlreadyExists):
        uow.once("ann", "k-5", "Op", "print", taken, lambda w, b: "")
    assert len(attempts) == 4
