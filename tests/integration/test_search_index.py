"""The search index on PostgreSQL: loading, text, filters, paging, changes, refresh.

Runs in the session's database (the ``catalogue`` schema, migrated), which other integration
tests also write to: our items live in counties nobody else uses (甘孜 513301/513322 and
凉山 513401), and every count is taken within them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.catalogue.search import SearchFilters, SearchIndex
from services.shared.db import Database
from services.shared.migrations import upgrade
from tests.unit.test_search_index import (
    ALL,
    PROJECT,
    add_draft,
    brute_force,
    guang_an_rows,
    insert_catalogue,
    item_id_of,
    publish,
    rename,
    set_state,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HOME, NEIGHBOUR, ELSEWHERE, CITY = "513301", "513322", "513401", "513300"


@pytest.fixture(scope="module")
def db(pg_database) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    upgrade(ROOT / "services" / "catalogue" / "migrations", pg_database.url, "catalogue")
    db = Database(pg_database.url, "catalogue")
    rows = guang_an_rows()
    insert_catalogue(db, rows, [HOME])
    insert_catalogue(db, rows[:200], [NEIGHBOUR, ELSEWHERE])
    yield db
    db.dispose()


@pytest.fixture
def index(db: Database) -> SearchIndex:
    idx = SearchIndex(db)
    idx.load()
    return idx


def project(region: str = HOME) -> str:
    line = next(n for n, row in enumerate(guang_an_rows(), start=2) if row["name"] == PROJECT)
    return item_id_of(region, line)


def ids(hits: list[tuple[str, int, float]]) -> list[str]:
    return [i for i, _, _ in hits]


def test_text_pinyin_and_initials(index: SearchIndex) -> None:
    f = SearchFilters(region=HOME)
    assert project() in ids(index.search("qyba", f, 0, 20)[0])
    assert project() in ids(index.search("qiyetouzi", f, 0, 20)[0][:2])
    with_word = sum(1 for r in guang_an_rows() if "备案" in r["name"])
    hits, total = index.search("备案", f, 0, 500)
    assert total == with_word and project() in ids(hits)
    hits, _ = index.search(PROJECT, f, 0, 5)
    assert hits[0] == (project(), 1, 100.0)


def test_filters_and_paging(index: SearchIndex) -> None:
    rows = guang_an_rows()
    assert index.search("", SearchFilters(region=HOME), 0, 1)[1] == 1135
    assert index.search("", SearchFilters(region=CITY), 0, 1)[1] == 1335
    province, _ = index.search("", SearchFilters(region="510000"), 0, 1)[1], None
    assert province >= 1535
    licences = sum(1 for r in rows if r["task_type"] == "1")
    assert index.search("", SearchFilters(region=HOME, item_type="01"), 0, 1)[1] == licences
    dept = [r for r in rows if r["department"] == "区经信局"]
    assert index.search("", SearchFilters(region=HOME, department="区经信局"), 0, 1)[1] == len(
        dept)
    for query in ("", "许可"):
        f = SearchFilters(region=CITY)
        everything, total = index.search(query, f, 0, 5000)
        pages = [h for o in range(0, total, 11) for h in index.search(query, f, o, 11)[0]]
        assert pages == everything and len(everything) == total
        assert everything == brute_force(index.db, query, f)


def test_changes_drafts_and_refresh(db: Database, index: SearchIndex) -> None:
    renamed, drafted, suspended = (item_id_of(ELSEWHERE, n) for n in (2, 3, 4))
    rename(db, renamed, 1, "高原特色农产品认定")
    add_draft(db, drafted, 2, "高原草场承包备案")
    set_state(db, suspended, "suspended")
    index.items_changed([renamed, drafted, suspended])
    f = SearchFilters(region=ELSEWHERE)
    assert ids(index.search("高原特色农产品认定", f, 0, 1)[0]) == [renamed]
    assert drafted not in ids(index.search("高原草场", f, 0, 50)[0])  # a draft: not public
    drafts = SearchFilters(region=ELSEWHERE, statuses=frozenset({"draft"}))
    assert index.search("gycc", drafts, 0, 5)[0][0][:2] == (drafted, 2)
    assert suspended not in ids(index.search("", f, 0, 500)[0])
    assert index.search("", f, 0, 1)[1] == 199

    # another process publishes the draft and renames an item: refresh() picks both up
    other = Database(db.url, "catalogue")
    publish(other, drafted, 2)
    rename(other, item_id_of(ELSEWHERE, 5), 1, "高原牧区草原防火检查")
    other.dispose()
    assert item_id_of(ELSEWHERE, 5) not in ids(index.search("gymqcyfh", f, 0, 50)[0])
    index.refresh()
    assert index.search("高原草场", f, 0, 5)[0][0][:2] == (drafted, 2)
    assert ids(index.search("gymqcyfh", f, 0, 5)[0]) == [item_id_of(ELSEWHERE, 5)]
    slots = index.stats()["slots"]
    index.refresh()
    assert index.stats()["slots"] == slots
    for query in ("", "高原", "gy"):
        for filters in (f, SearchFilters(region=ELSEWHERE, statuses=ALL, active_only=False)):
            assert index.search(query, filters, 0, 500)[0] == brute_force(db, query, filters)
