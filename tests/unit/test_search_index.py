"""The catalogue's in-memory search index over the real Guang'an catalogue (SQLite)."""

from __future__ import annotations

import csv
import functools
import json
import threading
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from services.catalogue import storage as t
from services.catalogue.domain.items import ItemContent
from services.catalogue.domain.search_terms import index_terms, query_terms, score
from services.catalogue.search import SearchFilters, SearchIndex
from services.catalogue.search import index as index_module
from services.shared.collation import pinyin_key
from services.shared.db import Database
from services.shared.departments import code_in_implementation_code
from services.shared.errors import InvalidArgument
from services.shared.regions import covers
from tests.support.data import GUANG_AN

CATALOGUE = GUANG_AN
PROJECT = "企业投资项目备案（技术改造）（市级/县级）"
HOME = "511602"  # 广安区
# a second county of the same city, and a county of another city (first rows only)
NEIGHBOUR, ELSEWHERE = "511621", "510104"
ALL = frozenset({"published", "draft", "submitted", "returned"})


# --- the data set: real rows inserted straight into the tables ------------------------------


def guang_an_rows() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def item_id_of(region: str, line: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sunlight-test/{region}/{line}"))


def department_code_of(row: dict[str, str]) -> str:
    """The department's code as the catalogue states it for the row's implementation code
    (its credit code, when it names one)."""
    return code_in_implementation_code(row["item_code"].upper())


def catalogue_records(rows: list[dict[str, str]], regions: Iterable[str], now: datetime
                      ) -> Iterator[tuple[dict[str, object], dict[str, object]]]:
    """(items row, item_versions row) for each CSV row in each region: version 1 published."""
    for region in regions:
        for line, row in enumerate(rows, start=2):
            item_type = row["task_type"].zfill(2)
            item_id = item_id_of(region, line)
            code = department_code_of(row)
            yield ({
                "item_id": item_id, "code": row["item_code"].replace("511602", region, 1),
                "region": region, "department": row["department"],
                "department_code": code, "current_version": 1,
                "latest_version": 1, "created_at": now, "updated_at": now, "state": "active",
                "successor": "",
            }, {
                "item_id": item_id, "version": 1, "status": "published", "name": row["name"],
                "item_type": item_type, "region": region, "department": row["department"],
                "department_code": code,
                "list_kind": "public_service" if item_type == "20" else "power",
                "exercise_level": "4", "created_at": now,
                "content": json.dumps(ItemContent(
                    name=row["name"], code=row["item_code"].replace("511602", region, 1),
                    item_type=item_type, region=region, department=row["department"],
                ).to_dict(), ensure_ascii=False),
                "created_by": "import", "published_at": now, "published_by": "import",
            })


def insert_catalogue(db: Database, rows: list[dict[str, str]], regions: Iterable[str],
                     *, batch: int = 5000) -> int:
    now = datetime.now(UTC) - timedelta(minutes=5)
    count = 0
    items: list[dict[str, object]] = []
    versions: list[dict[str, object]] = []

    def flush() -> None:
        with db.transaction() as s:
            s.execute(insert(t.items), items)
            s.execute(insert(t.item_versions), versions)
        items.clear()
        versions.clear()

    for item, version in catalogue_records(rows, regions, now):
        items.append(item)
        versions.append(version)
        count += 1
        if len(items) >= batch:
            flush()
    if items:
        flush()
    return count


def sqlite_db(path: Path) -> Database:
    db = Database(f"sqlite:///{path}", "catalogue")
    t.metadata.create_all(db.engine)
    return db


def build(db: Database) -> None:
    rows = guang_an_rows()
    insert_catalogue(db, rows, [HOME])
    insert_catalogue(db, rows[:200], [NEIGHBOUR, ELSEWHERE])


# --- changing items the way the service does --------------------------------------------------


def touch(s, item_id: str, **values: object) -> None:  # type: ignore[no-untyped-def]
    s.execute(update(t.items).where(t.items.c.item_id == item_id).values(
        updated_at=datetime.now(UTC), **values))


def rename(db: Database, item_id: str, version: int, name: str) -> None:
    with db.transaction() as s:
        v = t.item_versions.c
        s.execute(update(t.item_versions).where(v.item_id == item_id, v.version == version)
                  .values(name=name))
        touch(s, item_id)


def add_draft(db: Database, item_id: str, version: int, name: str) -> None:
    now = datetime.now(UTC)
    with db.transaction() as s:
        v = t.item_versions.c
        base = s.execute(t.item_versions.select().where(
            v.item_id == item_id, v.version == version - 1)).one()._asdict()
        base.update(version=version, status="draft", name=name, created_at=now,
                    published_at=None, published_by=None)
        s.execute(insert(t.item_versions).values(**base))
        touch(s, item_id, latest_version=version)


def publish(db: Database, item_id: str, version: int) -> None:
    with db.transaction() as s:
        v = t.item_versions.c
        s.execute(update(t.item_versions).where(v.item_id == item_id, v.version < version,
                                                v.status == "published")
                  .values(status="superseded"))
        s.execute(update(t.item_versions).where(v.item_id == item_id, v.version == version)
                  .values(status="published", published_at=datetime.now(UTC)))
        touch(s, item_id, current_version=version)


def set_state(db: Database, item_id: str, state: str) -> None:
    with db.transaction() as s:
        touch(s, item_id, state=state)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = sqlite_db(tmp_path_factory.mktemp("search") / "catalogue.db")
    build(db)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def index(shared_db: Database) -> SearchIndex:
    """Read-only tests share this one."""
    idx = SearchIndex(shared_db)
    idx.load()
    return idx


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A database of its own, for tests that change items."""
    db = sqlite_db(tmp_path / "catalogue.db")
    build(db)
    yield db
    db.dispose()


@pytest.fixture
def fresh(db: Database) -> SearchIndex:
    idx = SearchIndex(db)
    idx.load()
    return idx


def project_id(region: str = HOME) -> str:
    line = next(n for n, row in enumerate(guang_an_rows(), start=2) if row["name"] == PROJECT)
    return item_id_of(region, line)


def names_of(db: Database, hits: list[tuple[str, int, float]]) -> list[str]:
    with db.transaction() as s:
        v = t.item_versions.c
        out = []
        for item_id, version, _ in hits:
            out.append(s.execute(t.item_versions.select().where(
                v.item_id == item_id, v.version == version)).one().name)
        return out


def search(idx: SearchIndex, query: str, offset: int = 0, limit: int = 20, **filters: object
           ) -> tuple[list[tuple[str, int, float]], int]:
    return idx.search(query, SearchFilters(**filters), offset, limit)  # type: ignore[arg-type]


# --- what citizens type -----------------------------------------------------------------------


def test_initials_find_the_project(index: SearchIndex, shared_db: Database) -> None:
    hits, total = search(index, "qyba", region=HOME)
    assert (project_id(), 1) in [(i, v) for i, v, _ in hits]
    assert total >= 1
    assert all(score > 0 for _, _, score in hits)


def test_a_word_finds_every_name_with_it(index: SearchIndex, shared_db: Database) -> None:
    with_word = [r for r in guang_an_rows() if "备案" in r["name"]]
    hits, total = search(index, "备案", region=HOME, limit=500)
    assert total == len(with_word)
    assert (project_id(), 1) in [(i, v) for i, v, _ in hits]
    assert sorted(names_of(shared_db, hits)) == sorted(r["name"] for r in with_word)


def test_pinyin_from_the_start_ranks_the_project_high(index: SearchIndex,
                                                     shared_db: Database) -> None:
    hits, total = search(index, "qiyetouzi", region=HOME)
    # the shorter 企业投资项目备案 covers more of its name, then the project
    assert names_of(shared_db, hits[:2]) == ["企业投资项目备案", PROJECT]
    assert hits[1][0] == project_id() and total == 3


def test_the_exact_name_ranks_first(index: SearchIndex, shared_db: Database) -> None:
    for name in (PROJECT, "旧货业备案", "抵押备案"):
        hits, total = search(index, name)
        assert names_of(shared_db, hits[:1]) == [name]
        assert hits[0][2] == 100.0
        assert total >= 1
    # the same name in three counties: all three at 100, then by item id
    name = guang_an_rows()[0]["name"]
    hits, _ = search(index, name)
    top = [h for h in hits if h[2] == 100.0]
    assert len(top) == 3 and [h[0] for h in top] == sorted(h[0] for h in top)


def test_nothing_matches_nonsense(index: SearchIndex) -> None:
    assert search(index, "vvvv") == ([], 0)  # no syllable begins with v
    assert search(index, "鑫鑫鑫") == ([], 0)


def test_results_are_those_of_the_scoring_function(index: SearchIndex,
                                                   shared_db: Database) -> None:
    """The postings never lose a name the score accepts: compare with scoring every entry."""
    rows = guang_an_rows()
    everything = [(r["name"], item_id_of(HOME, n)) for n, r in enumerate(rows, start=2)]
    memo = {name: index_terms(name) for name, _ in everything}
    for query in ("备案", "建筑", "企业投资项目备案", "qyba", "qiyetouzi", "sj", "xk", "jsgz",
                  "qiyeba", "行政许可", "许可证", "icp", "d", "的", "城市建筑垃圾处置核准",
                  "xiangmu beian", "zhongzi", "touzixiangmu", "beian", "tzxm", "qytouzi",
                  "ba", "xkz", "jsgzsj", "shenpi", "sp", "nongcun", "ncjt", "yaopin jingying",
                  "ICP", "A级", "2", "（县级）", "消防", "个人", "gr", "guo"):
        q = query_terms(query)
        expected = []
        for name, item_id in everything:
            if (s := score(q, memo[name])) > 0:
                expected.append((-s, pinyin_key(name), item_id))
        expected.sort()
        hits, total = search(index, query, region=HOME, limit=len(rows))
        assert total == len(expected), query
        assert [(i, -s) for s, _, i in expected] == [(i, s) for i, _, s in hits], query


# --- filters ----------------------------------------------------------------------------------


def test_a_region_covers_the_regions_under_it(index: SearchIndex) -> None:
    def regions(**filters: object) -> tuple[set[str], int]:
        hits, total = search(index, "", limit=5000, **filters)
        return {i for i, _, _ in hits}, total

    home, n_home = regions(region=HOME)
    assert n_home == 1135 and project_id() in home
    city, n_city = regions(region="511600")
    assert n_city == 1335 and home < city and project_id(NEIGHBOUR) in city
    assert project_id(ELSEWHERE) not in city
    _, n_province = regions(region="510000")
    assert n_province == 1535
    assert regions(region="520000") == (set(), 0)
    with pytest.raises(InvalidArgument):
        search(index, "", region="5116")


def test_type_department_kind_and_level_filters(index: SearchIndex) -> None:
    rows = guang_an_rows()
    licences = sum(1 for r in rows if r["task_type"] == "1")
    assert search(index, "", region=HOME, item_type="01")[1] == licences
    services_ = sum(1 for r in rows if r["task_type"] == "20")
    assert search(index, "", region=HOME, list_kind="public_service")[1] == services_
    dept = "区经信局"
    dept_rows = [r for r in rows if r["department"] == dept]
    hits, total = search(index, "", region=HOME, department=dept, limit=100)
    assert total == len(dept_rows) and len(hits) == total
    assert project_id() in {i for i, _, _ in hits}
    # text and filters together
    hits, total = search(index, "备案", department=dept, region=HOME)
    assert [h[0] for h in hits] == [project_id()] and total == 1
    assert search(index, "备案", department="没有这个部门")[1] == 0
    # by the department's credit code: exactly its items, whatever their department's name
    code = "11511301008778386B"  # 区交通运输局
    by_code = [r for r in rows if department_code_of(r) == code]
    assert {r["department"] for r in by_code} == {"区交通运输局"} and len(by_code) == 95
    hits, total = search(index, "", region=HOME, department_code=code, limit=200)
    assert total == len(by_code) == len(hits)
    assert search(index, "", region=HOME, department="区交通运输局")[1] == 107  # by name
    assert search(index, "", region=HOME, department_code="没有")[1] == 0
    assert search(index, "", exercise_level="4")[1] == 1535
    assert search(index, "", exercise_level="3")[1] == 0


def test_empty_query_lists_by_region_then_name(index: SearchIndex, shared_db: Database
                                              ) -> None:
    """Names in pinyin order (汉语拼音排序), not by code point: 阿 before 被 before 一."""
    hits, total = search(index, "", limit=2000)
    assert total == 1535
    assert [h[2] for h in hits] == [0.0] * len(hits)
    names = names_of(shared_db, hits)
    with shared_db.transaction() as s:
        regions = dict(s.execute(t.items.select().with_only_columns(
            t.items.c.item_id, t.items.c.region)).all())
    keys = [(regions[h[0]], pinyin_key(n), h[0]) for h, n in zip(hits, names, strict=True)]
    assert keys == sorted(keys)
    assert keys[0][0] == ELSEWHERE and keys[-1][0] == NEIGHBOUR
    home = [n for h, n in zip(hits, names, strict=True) if regions[h[0]] == HOME]
    assert home != sorted(home)  # code-point order would differ
    initials = [pinyin_key(n)[0][0][1][0] for n in home]
    assert initials == sorted(initials) and initials[-1] in "yz"  # digits (80后…) first


@pytest.mark.parametrize(("query", "filters"), [
    ("", {}), ("", {"item_type": "01"}), ("备案", {}), ("qyba", {}), ("xk", {}),
    ("许可", {"region": "511600"}),
])
def test_paging_is_stable_and_the_total_right(index: SearchIndex, query: str,
                                              filters: dict[str, str]) -> None:
    everything, total = search(index, query, 0, 5000, **filters)
    assert len(everything) == total > 20
    pages: list[tuple[str, int, float]] = []
    for offset in range(0, total, 7):
        page, page_total = search(index, query, offset, 7, **filters)
        assert page_total == total
        pages.extend(page)
    assert pages == everything
    assert len({(i, v) for i, v, _ in pages}) == total
    assert search(index, query, total, 20, **filters) == ([], total)
    assert search(index, query, 3, 0, **filters) == ([], total)


# --- statuses, states, changes ----------------------------------------------------------------


def test_drafts_are_found_only_when_asked_for(db: Database, fresh: SearchIndex) -> None:
    item = project_id()
    add_draft(db, item, 2, "企业投资项目备案（新版）")
    fresh.items_changed([item])
    # published-only searches still see version 1 under its old name
    hits, _ = search(fresh, "技术改造", region=HOME)
    assert (item, 1) in [(i, v) for i, v, _ in hits]
    assert search(fresh, "新版")[1] == 0
    hits, total = search(fresh, "新版", statuses=frozenset({"draft"}))
    assert [(i, v) for i, v, _ in hits] == [(item, 2)] and total == 1
    both, _ = search(fresh, "企业投资项目备案", statuses=ALL, region=HOME)
    assert {(item, 1), (item, 2)} <= {(i, v) for i, v, _ in both}
    # publishing version 2 supersedes version 1: only the new name remains
    publish(db, item, 2)
    fresh.items_changed([item])
    assert [(i, v) for i, v, _ in search(fresh, "新版")[0]] == [(item, 2)]
    assert item not in {i for i, _, _ in search(fresh, "技术改造", statuses=ALL)[0]}
    assert search(fresh, "", region=HOME)[1] == 1135


def test_items_changed_picks_up_a_rename_and_a_state(db: Database, fresh: SearchIndex
                                                    ) -> None:
    item = project_id()
    rename(db, item, 1, "企业投资项目登记")
    assert all(h[2] < 100 for h in search(fresh, "企业投资项目登记")[0])  # not told yet
    fresh.items_changed([item])
    assert [h[0] for h in search(fresh, "企业投资项目登记")[0]][:1] == [item]
    assert item not in {h[0] for h in search(fresh, "技术改造", limit=100)[0]}
    assert item in {h[0] for h in search(fresh, "qytzxmdj")[0]}
    set_state(db, item, "suspended")
    fresh.items_changed([item])
    assert item not in {h[0] for h in search(fresh, "企业投资项目登记")[0]}
    assert search(fresh, "", region=HOME)[1] == 1134
    hits, _ = search(fresh, "企业投资项目登记", active_only=False)
    assert hits[0][0] == item
    # an item removed from the database leaves the index
    with db.transaction() as s:
        s.execute(t.item_versions.delete().where(t.item_versions.c.item_id == item))
        s.execute(t.items.delete().where(t.items.c.item_id == item))
    fresh.items_changed([item, item])
    hits, _ = search(fresh, "企业投资项目登记", active_only=False, limit=1000)
    assert item not in {h[0] for h in hits}
    fresh.items_changed([])


def test_refresh_picks_up_what_another_process_wrote(db: Database, fresh: SearchIndex,
                                                     tmp_path: Path) -> None:
    other = Database(db.url, "catalogue")  # another process's connection
    item = project_id()
    rename(other, item, 1, "企业投资项目核准")
    set_state(other, project_id(NEIGHBOUR), "cancelled")
    assert search(fresh, "核准", department="区经信局")[1] == 0
    fresh.refresh()
    assert [h[0] for h in search(fresh, "企业投资项目核准")[0]][:1] == [item]
    assert project_id(NEIGHBOUR) not in {h[0] for h in search(fresh, "qyba", limit=500)[0]}
    slots = fresh.stats()["slots"]
    fresh.refresh()  # idempotent: the overlap re-reads the same items, nothing changes
    fresh.refresh()
    assert fresh.stats()["slots"] == slots
    other.dispose()


def test_refresh_before_load_loads(db: Database) -> None:
    idx = SearchIndex(db)
    assert search(idx, "备案") == ([], 0)
    idx.items_changed([project_id()])  # not loaded: nothing to do
    idx.refresh()
    assert search(idx, "", region=HOME)[1] == 1135


def test_many_changes_rebuild_the_index_and_keep_it_right(
        db: Database, fresh: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "COMPACT_MIN", 50)
    monkeypatch.setattr(index_module, "COMPACT_RATIO", 0.02)
    rows = guang_an_rows()
    changed = [item_id_of(NEIGHBOUR, n) for n in range(2, 202)]
    for n, item in enumerate(changed[:120]):
        rename(db, item, 1, f"{rows[n]['name']}（调整）")
        fresh.items_changed([item])
    stats = fresh.stats()
    assert stats["tail"] < 120 and stats["entries"] == 1535  # rebuilt at least once
    hits, total = search(fresh, "调整", limit=500, region=NEIGHBOUR)
    assert total == 120 and {h[0] for h in hits} == set(changed[:120])
    everything, total = search(fresh, "", 0, 5000)
    pages = [h for o in range(0, total, 50) for h in search(fresh, "", o, 50)[0]]
    assert pages == everything and total == 1535


def test_searches_while_items_change(db: Database, fresh: SearchIndex) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                for q in ("备案", "qyba", ""):
                    hits, total = search(fresh, q, region="511600")
                    assert len(hits) <= 20 and total >= len(hits)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for th in threads:
        th.start()
    try:
        for n in range(2, 60):
            item = item_id_of(HOME, n)
            rename(db, item, 1, f"并发测试事项{n}")
            fresh.items_changed([item])
    finally:
        stop.set()
        for th in threads:
            th.join()
    assert not errors
    hits, _ = search(fresh, "并发测试事项", limit=200)
    assert {item_id_of(HOME, n) for n in range(2, 60)} <= {h[0] for h in hits}


# --- against brute force, with entries changed since the build --------------------------------


_terms = functools.lru_cache(maxsize=None)(index_terms)


def brute_force(db: Database, query: str, f: SearchFilters) -> list[tuple[str, int, float]]:
    """Every visible entry, scored and ordered the slow way, straight from the tables."""
    with db.transaction() as s:
        states = dict(s.execute(t.items.select().with_only_columns(
            t.items.c.item_id, t.items.c.state)).all())
        versions = s.execute(t.item_versions.select()).all()
    q = query_terms(query)
    keyed = []
    for v in versions:
        if v.status not in f.statuses or v.status not in ALL:
            continue
        if f.active_only and states[v.item_id] != "active":
            continue
        if any(want and want != have for want, have in (
                (f.department, v.department), (f.item_type, v.item_type),
                (f.list_kind, v.list_kind), (f.exercise_level, v.exercise_level))):
            continue
        if f.region and not covers(f.region, v.region):
            continue
        if q.empty:
            keyed.append(((v.region, pinyin_key(v.name), v.item_id, v.version), 0.0))
        elif (s_ := score(q, _terms(v.name))) > 0:
            keyed.append(((-s_, pinyin_key(v.name), v.item_id, v.version), s_))
    keyed.sort()
    return [(k[2], k[3], s_) for k, s_ in keyed]


def test_changed_entries_keep_their_place(db: Database, fresh: SearchIndex) -> None:
    rows = guang_an_rows()
    for n in range(2, 32):  # renamed: to the front, to the back, to a word many names have
        item = item_id_of(HOME if n % 2 else NEIGHBOUR, n)
        rename(db, item, 1, ("阿坝" if n % 3 == 0 else "龥" if n % 3 == 1 else "备案调整")
               + rows[n - 2]["name"])
        fresh.items_changed([item])
    for n in range(40, 50):  # drafts, some published, some items suspended
        item = item_id_of(HOME, n)
        add_draft(db, item, 2, f"企业备案{n}")
        if n % 2:
            publish(db, item, 2)
        if n % 5 == 0:
            set_state(db, item, "suspended")
        fresh.items_changed([item])
    assert fresh.stats()["tail"] > 0  # no rebuild: the merge paths are exercised
    for query in ("", "备案", "qyba", "阿坝", "龥", "ab", "企业备案"):
        for filters in (SearchFilters(), SearchFilters(statuses=ALL),
                        SearchFilters(region="511600", active_only=False),
                        SearchFilters(region=HOME, statuses=frozenset({"draft"})),
                        SearchFilters(item_type="01")):
            expected = brute_force(db, query, filters)
            hits, total = fresh.search(query, filters, 0, 5000)
            assert total == len(expected), (query, filters)
            assert [(i, v) for i, v, _ in hits] == [(i, v) for i, v, _ in expected]
            assert [s for *_, s in hits] == pytest.approx([s for *_, s in expected])
            pages = [h for o in range(0, min(total, 120), 9)
                     for h in fresh.search(query, filters, o, 9)[0]]
            assert pages == hits[:len(pages)]


def test_many_items_at_once_reload_everything(db: Database, fresh: SearchIndex,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "COMPACT_MIN", 10)
    monkeypatch.setattr(index_module, "BULK_RATIO", 0.1)
    other = Database(db.url, "catalogue")
    changed = [item_id_of(ELSEWHERE, n) for n in range(2, 202)]
    with other.transaction() as s:  # another process suspends a whole county
        s.execute(update(t.items).where(t.items.c.item_id.in_(changed)).values(
            state="suspended", updated_at=datetime.now(UTC)))
    other.dispose()
    fresh.refresh()
    assert search(fresh, "", region=ELSEWHERE)[1] == 0
    assert search(fresh, "", region=ELSEWHERE, active_only=False)[1] == 200
    with db.transaction() as s:
        s.execute(update(t.items).where(t.items.c.item_id.in_(changed)).values(
            state="active", updated_at=datetime.now(UTC)))
    fresh.items_changed(changed)
    assert search(fresh, "", region=ELSEWHERE)[1] == 200
    assert fresh.stats() == {"entries": 1535, "slots": 1535, "tail": 0, "names": 1133}


def test_a_failed_reload_is_retried_by_refresh(db: Database, fresh: SearchIndex,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    item = project_id()
    rename(db, item, 1, "企业投资项目备案（重试）")

    def broken(_ids: object) -> object:
        raise RuntimeError("database went away")

    monkeypatch.setattr(fresh, "_read_items", broken)
    fresh.items_changed([item])  # logged, not raised: the commit already happened
    monkeypatch.undo()
    assert search(fresh, "重试")[1] == 0
    fresh.refresh()
    assert [h[0] for h in search(fresh, "企业投资项目备案（重试）")[0]][:1] == [item]
