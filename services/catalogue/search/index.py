"""The catalogue process's in-memory search index.

One *entry* per (item, version) that is published or an open draft (draft, submitted,
returned); superseded versions are not indexed. Filters decide which entries a search sees:
by default the published versions of active items, never a classified (涉密) one unless the
filters say whose eyes may see it (``SearchFilters.classified_visible``).

Layout (see ``names.py`` for the text side):

* entries have dense ids. At a (re)build they are sorted by (name in pinyin order, 汉语拼音
  排序: ``services.shared.collation``; item id, version), so the entries of one name form
  a contiguous *range* and, within any region, id order is (name, item id) order. Entries
  changed later are appended after the ranges (the *tail*; the old entry is only marked
  dead) until the tail outgrows half the sorted part (and 4096), when the index is rebuilt
  from memory.
* every filter value (status, item state, type, list kind, exercise level, region at province,
  city and county length, department, classified) has a bitset of its entries (``bitsets.py``):
  a search's filter is a few integer ``&`` over 18 KB integers. Classified entries (few) are
  then checked one by one against the caller's access.
* a text search ranks the matching *distinct names* (cached per query), then walks them best
  first counting each name's visible entries in its range (a slice of the filter's bytes) and
  its tail; only the names on the requested page are expanded into entries. Ties: name (in
  pinyin order), item id, version. An empty query walks the regions in code order, counting
  each region's bitset until the page is filled; the total is the filter's ``bit_count``.
* facets (分面计数, :meth:`SearchIndex.facets`): the matching entries counted by type, level
  and region (``&`` with each value's bitset) and by department (one pass over the members);
  each count leaves out its own filter. Kept per query and filters until the entries change.

Thread safety: searches and the in-place changes of a few entries (64 items at a time) run
under one lock; DB reads and full rebuilds happen outside it (writers are serialised by a
second lock) and the new state is swapped in. ``items_changed`` is called after each commit of
this process; ``refresh`` picks up what other processes wrote: items whose ``updated_at`` is
above max(newest stamp seen, time of the last read) less a 10 s overlap for transactions that
committed late, skipping stamps already applied. Applying an unchanged item is a no-op, so
both are idempotent. Many items at once (a quarter of the index, at least 4096) trigger a full
load instead.
"""

from __future__ import annotations

import heapq
import logging
import sys
import threading
from array import array
from bisect import insort
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate, islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, select

from services.catalogue import storage as t
from services.catalogue.domain.search_terms import QueryTerms, query_terms
from services.catalogue.search import bitsets
from services.catalogue.search.names import NameIndex, TermsMemo
from services.shared.collation import pinyin_key
from services.shared.db import Database
from services.shared.regions import CITY, PROVINCE, level, validate_region

log = logging.getLogger(__name__)

INDEXED_STATUSES = ("published", "draft", "submitted", "returned")
OVERLAP = timedelta(seconds=10)
COMPACT_MIN = 4096  # changed entries tolerated before a rebuild: at least this many,
COMPACT_RATIO = 0.5  # and at least this fraction of the entries sorted at the last build
BULK_RATIO = 0.25  # items changed at once, as a fraction of all, that call for a full load
_FILTER_CACHE = 64
_DEPARTMENT_CACHE = 256
_READ_CHUNK = 500
_APPLY_CHUNK = 64

Hit = tuple[str, int, float]
# An entry is a plain tuple (the garbage collector stops tracking tuples of strings and ints):
# item id, version, name, department (its name and its code), then the filtered attributes,
# grouped at the end (classified: "1" or "").
Entry = tuple[str, int, str, str, str, str, str, str, str, str, str, str]
(ITEM, VERSION, NAME, DEPARTMENT, DEPARTMENT_CODE, STATUS, STATE, TYPE, KIND, LEVEL, REGION,
 CLASSIFIED) = range(12)
_FACET_CACHE = 128


def _by_name(e: Entry) -> tuple[object, str, int]:
    """Browse order within a region: the name in pinyin order, item id, version."""
    return pinyin_key(e[NAME]), e[ITEM], e[VERSION]


_by_item = itemgetter(ITEM, VERSION)
_attrs = itemgetter(STATUS, STATE, TYPE, KIND, LEVEL, REGION, CLASSIFIED)
#: the department keys of an entry: ("n", its name), ("c", its code)
_NAME_KEY, _CODE_KEY = "n", "c"


def _department_keys(e: Entry) -> tuple[tuple[str, str], tuple[str, str]]:
    return (_NAME_KEY, e[DEPARTMENT]), (_CODE_KEY, e[DEPARTMENT_CODE])


@dataclass(frozen=True)
class SearchFilters:
    department: str = ""  # the name, exact
    department_code: str = ""  # the unified social credit code, exact
    item_type: str = ""  # "01".."10", "20"
    list_kind: str = ""  # power, duty, public_service, negative
    exercise_level: str = ""  # "1".."7"
    region: str = ""  # 6 digits: this region and every region under it
    statuses: frozenset[str] = field(default_factory=lambda: frozenset({"published"}))
    active_only: bool = True  # only items whose state is 'active'
    #: whether the caller may see a classified (涉密) entry of (region, department code);
    #: None: no classified entry is seen
    classified_visible: Callable[[str, str], bool] | None = field(default=None,
                                                                  compare=False)


def entry(item_id: str, version: int, name: str, department: str, status: str, state: str,
          item_type: str, list_kind: str, exercise_level: str, region: str,
          classified: bool = False, department_code: str = "") -> Entry:
    intern = sys.intern
    return (item_id, version, intern(name), intern(department), intern(department_code),
            intern(status),
            intern(state or "active"), intern(item_type), intern(list_kind or "power"),
            intern(exercise_level or ""), intern(region), "1" if classified else "")


def region_prefix(region: str) -> str:
    """The code prefix covering ``region`` and what lies under it (510000 → 51)."""
    validate_region(region, "filters.region")
    lvl = level(region)
    return region[:2] if lvl == PROVINCE else region[:4] if lvl == CITY else region


def _keys(attrs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The bitsets an entry belongs to, from its status, state, type, kind, level, region
    and whether it is classified."""
    status, state, item_type, kind, lvl, region, classified = attrs
    return (("s", status), ("a", state), ("t", item_type), ("k", kind), ("l", lvl),
            ("r", region[:2]), ("r", region[:4]), ("r", region), ("c", classified))


def _docs(value: int | tuple[int, ...] | None) -> tuple[int, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


class _State:
    """Entries, postings and bitsets. Callers hold the index's lock around every call."""

    def __init__(self, entries: Iterable[Entry], memo: TermsMemo) -> None:
        # sort by (name, item id, version): distinct names first, then each name's entries
        # (entries begin with item id, version)
        by_name: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            by_name[e[NAME]].append(e)
        ordered: list[Entry] = []
        runs: list[int] = []
        for name in sorted(by_name, key=pinyin_key):
            group = by_name[name]
            group.sort()
            ordered.extend(group)
            runs.append(len(group))
        del by_name
        n = len(ordered)
        self.entries = ordered
        self.base = n
        self.names = NameIndex(memo)
        self.names.add_many(ordered[at][NAME] for at in accumulate(runs, initial=0)
                            if at < n)
        self.doc_name = array("i")
        self.name_lo = array("i")
        self.name_hi = array("i")
        at = 0
        for nid, run in enumerate(runs):
            self.doc_name.extend(array("i", [nid]) * run)
            self.name_lo.append(at)
            at += run
            self.name_hi.append(at)
        self.tail_of_name: dict[int, list[int]] = {}
        combos: dict[tuple[str, ...], list[int]] = defaultdict(list)
        departments: dict[tuple[str, str], list[int]] = defaultdict(list)
        for d, e in enumerate(ordered):
            combos[_attrs(e)].append(d)
            for key in _department_keys(e):
                departments[key].append(d)
        # item id → its entry (an int) or entries (a tuple): no list per item for the GC
        items = [e[ITEM] for e in ordered]
        self.item_docs: dict[str, int | tuple[int, ...]] = dict(zip(items, range(n), strict=True))
        if len(self.item_docs) < n:  # items with a draft besides the published version
            several: dict[str, list[int]] = defaultdict(list)
            for item, many in Counter(items).items():
                if many > 1:
                    several[item] = []
            for d, item in enumerate(items):
                if item in several:
                    several[item].append(d)
            self.item_docs.update((item, tuple(docs)) for item, docs in several.items())
        self.bits: dict[tuple[str, str], int] = {}
        for attrs, docs in combos.items():
            combo = bitsets.from_ids(docs, n)
            for key in _keys(attrs):
                self.bits[key] = self.bits.get(key, 0) | combo
        self.department_docs = {key: array("i", docs) for key, docs in departments.items()}
        self._department_bits: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.regions = sorted(key[1] for key in self.bits if key[0] == "r" and len(key[1]) == 6)
        self.alive = (1 << n) - 1
        self.live = n
        self._filters: OrderedDict[tuple[object, ...], int] = OrderedDict()
        self._facets: OrderedDict[tuple[object, ...], Facets] = OrderedDict()

    # --- changes ------------------------------------------------------------------------
    def replace_item(self, item_id: str, entries: Sequence[Entry]) -> bool:
        """Make ``entries`` the item's entries; False when nothing changed."""
        old = _docs(self.item_docs.get(item_id))
        if sorted(self.entries[d] for d in old) == sorted(entries):
            return False
        for d in old:
            self.alive &= ~(1 << d)
        self.live -= len(old)
        new: list[int] = []
        for e in entries:
            d = len(self.entries)
            bit = 1 << d
            self.entries.append(e)
            nid = self.names.add(e[NAME])
            self.doc_name.append(nid)
            self.tail_of_name.setdefault(nid, []).append(d)
            for key in _keys(_attrs(e)):
                self.bits[key] = self.bits.get(key, 0) | bit
            region = e[REGION]
            if region not in self.regions:
                insort(self.regions, region)
            for key in _department_keys(e):
                self.department_docs.setdefault(key, array("i")).append(d)
                if key in self._department_bits:
                    self._department_bits[key] |= bit
            new.append(d)
            self.alive |= bit
        self.live += len(new)
        if new:
            self.item_docs[item_id] = new[0] if len(new) == 1 else tuple(new)
        else:
            self.item_docs.pop(item_id, None)
        self._filters.clear()
        self._facets.clear()
        return True

    @property
    def tail(self) -> int:
        return len(self.entries) - self.base

    def needs_rebuild(self) -> bool:
        return self.tail > max(COMPACT_MIN, self.base * COMPACT_RATIO)

    def live_entries(self) -> list[Entry]:
        entries = self.entries
        return [entries[d] for docs in self.item_docs.values() for d in _docs(docs)]

    # --- filters ------------------------------------------------------------------------
    def filter_bits(self, f: SearchFilters, prefix: str) -> int:
        key = (f.department, f.department_code, f.item_type, f.list_kind, f.exercise_level,
               prefix, tuple(sorted(f.statuses)), f.active_only)
        cached = self._filters.get(key)
        if cached is not None:
            return cached
        bits = self.bits
        statuses = 0
        for status in f.statuses:
            statuses |= bits.get(("s", status), 0)
        selected = self.alive & statuses
        if f.active_only:
            selected &= bits.get(("a", "active"), 0)
        for name, value in (("r", prefix), ("t", f.item_type), ("k", f.list_kind),
                            ("l", f.exercise_level)):
            if value and selected:
                selected &= bits.get((name, value), 0)
        if f.department and selected:
            selected &= self._department((_NAME_KEY, f.department))
        if f.department_code and selected:
            selected &= self._department((_CODE_KEY, f.department_code))
        self._filters[key] = selected
        if len(self._filters) > _FILTER_CACHE:
            self._filters.popitem(last=False)
        return selected

    def _without_hidden(self, selected: int,
                        visible: Callable[[str, str], bool] | None) -> int:
        """``selected`` less the classified entries the caller may not see."""
        classified = selected & self.bits.get(("c", "1"), 0)
        if not classified:
            return selected
        if visible is None:
            return selected & ~classified
        entries = self.entries
        for d in bitsets.members(classified):
            if not visible(entries[d][REGION], entries[d][DEPARTMENT_CODE]):
                selected &= ~(1 << d)
        return selected

    def _department(self, key: tuple[str, str]) -> int:
        bits = self._department_bits.get(key)
        if bits is None:
            docs = self.department_docs.get(key)
            bits = bitsets.from_ids(docs, len(self.entries)) if docs else 0
            self._department_bits[key] = bits
            if len(self._department_bits) > _DEPARTMENT_CACHE:
                self._department_bits.popitem(last=False)
        else:
            self._department_bits.move_to_end(key)
        return bits

    # --- searching ----------------------------------------------------------------------
    def search(self, q: QueryTerms, f: SearchFilters, offset: int, limit: int
               ) -> tuple[list[Hit], int]:
        prefix = region_prefix(f.region) if f.region else ""
        selected = self._without_hidden(self.filter_bits(f, prefix), f.classified_visible)
        if q.empty:
            return self._browse(selected, prefix, offset, limit)
        return self._ranked(self.names.ranked(q), selected, offset, limit)

    def _ranked(self, ranked: list[tuple[int, float]], selected: int, offset: int,
                limit: int) -> tuple[list[Hit], int]:
        """Walk the ranked names; count each name's visible entries; expand the page's."""
        hits: list[Hit] = []
        total = 0
        if not selected:
            return hits, total
        end = offset + limit
        data = bitsets.to_bytes(selected, len(self.entries))
        lo_of, hi_of, based = self.name_lo, self.name_hi, len(self.name_lo)
        tails, entries = self.tail_of_name, self.entries
        has, range_bits = bitsets.has, bitsets.range_bits
        for nid, score in ranked:
            if nid < based:
                lo, hi = lo_of[nid], hi_of[nid]
                in_range = range_bits(data, lo, hi)
                count = in_range.bit_count()
            else:
                lo = hi = in_range = count = 0
            tail = tails.get(nid)
            matched = [d for d in tail if has(data, d)] if tail else []
            group = count + len(matched)
            if not group:
                continue
            if total + group > offset and total < end:
                skip = max(0, offset - total)
                take = min(group, end - total) - skip
                if matched:  # base entries are in (item, version) order: merge the tail in
                    def order(d: int) -> tuple[str, int]:
                        return _by_item(entries[d])
                    matched.sort(key=order)
                    base = _select_small(in_range, hi - lo, 0, skip + take)
                    docs = _merge([lo + i for i in base], matched, order, skip, take)
                else:
                    docs = [lo + i for i in _select_small(in_range, hi - lo, skip, take)]
                hits.extend((entries[d][ITEM], entries[d][VERSION], score) for d in docs)
            total += group
        return hits, total

    def _browse(self, selected: int, prefix: str, offset: int, limit: int
                ) -> tuple[list[Hit], int]:
        """Filters only: by region code, then name, item id, version."""
        total = selected.bit_count()
        hits: list[Hit] = []
        end = offset + limit
        if limit <= 0 or offset >= total:
            return hits, total
        entries, size, seen = self.entries, len(self.entries), 0

        def order(d: int) -> tuple[object, str, int]:
            return _by_name(entries[d])

        for region in self.regions:
            if prefix and not region.startswith(prefix):
                continue
            group = selected & self.bits[("r", region)]
            if not group:
                continue
            count = group.bit_count()
            if seen + count > offset:
                skip = max(0, offset - seen)
                take = min(count, end - seen) - skip
                data = bitsets.to_bytes(group, size)
                changed = group >> self.base
                if changed:  # entries changed since the build are out of order: merge them
                    tail = [self.base + i for i in bitsets.select(
                        bitsets.to_bytes(changed, size - self.base), 0, count)]
                    tail.sort(key=order)
                    base = bitsets.select(data, 0, min(count - len(tail), skip + take))
                    docs = _merge(base, tail, order, skip, take)
                else:
                    docs = bitsets.select(data, skip, take)
                hits.extend((entries[d][ITEM], entries[d][VERSION], 0.0) for d in docs)
            seen += count
            if seen >= end:
                break
        return hits, total


    # --- facets -------------------------------------------------------------------------
    def facets(self, q: QueryTerms, f: SearchFilters) -> Facets:
        key = (q.kind, q.text, f.department, f.item_type, f.list_kind, f.exercise_level,
               f.region, tuple(sorted(f.statuses)), f.active_only)
        public = f.classified_visible is None  # others' views depend on who asks
        if public and (cached := self._facets.get(key)) is not None:
            self._facets.move_to_end(key)
            return cached
        matched = self._matched(q)

        def selected(**without: str) -> int:
            g = replace(f, **without)
            prefix = region_prefix(g.region) if g.region else ""
            found = self._without_hidden(self.filter_bits(g, prefix), g.classified_visible)
            return found if matched is None else found & matched

        bits = self.bits
        of_type, of_level = selected(item_type=""), selected(exercise_level="")
        here = selected()
        facets = Facets(
            departments=self._count_departments(selected(department="")),
            item_types=_counts(of_type, bits, "t", lambda value: True),
            exercise_levels=_counts(of_level, bits, "l", lambda value: bool(value)),
            regions=self._count_regions(here, f.region))
        if public:
            self._facets[key] = facets
            if len(self._facets) > _FACET_CACHE:
                self._facets.popitem(last=False)
        return facets

    def _matched(self, q: QueryTerms) -> int | None:
        """The entries whose name matches ``q`` (None: no text, every entry)."""
        if q.empty:
            return None
        lo_of, hi_of, tails = self.name_lo, self.name_hi, self.tail_of_name
        based = len(lo_of)
        docs: list[Iterable[int]] = []
        for nid, _ in self.names.ranked(q):
            if nid < based:
                docs.append(range(lo_of[nid], hi_of[nid]))
            docs.extend([tails[nid]] if nid in tails else [])
        return bitsets.from_ids((d for group in docs for d in group),
                                len(self.entries)) & self.alive

    def _count_departments(self, selected: int) -> dict[str, int]:
        entries = self.entries
        data = bitsets.to_bytes(selected, len(entries))
        return dict(Counter(entries[d][DEPARTMENT]
                            for d in bitsets.select(data, 0, selected.bit_count())))

    def _count_regions(self, selected: int, region: str) -> dict[str, int]:
        """One level under ``region``: provinces, then cities, then the regions (counties
        and the city's own level) with items."""
        prefix = region_prefix(region) if region else ""
        if len(prefix) == 6:
            return {region: selected.bit_count()} if selected else {}
        width = {0: 2, 2: 4, 4: 6}[len(prefix)]
        counts: dict[str, int] = {}
        for kind, value in self.bits:
            if kind == "r" and len(value) == width and value.startswith(prefix):
                count = (selected & self.bits[(kind, value)]).bit_count()
                if count:
                    counts[value.ljust(6, "0")] = count
        return counts


@dataclass(frozen=True)
class Facets:
    """Matching entries counted by the values of each filter (value → count, counts > 0)."""

    departments: dict[str, int]
    item_types: dict[str, int]
    exercise_levels: dict[str, int]
    regions: dict[str, int]


def _counts(selected: int, bits: dict[tuple[str, str], int], kind: str,
            keep: Callable[[str], bool]) -> dict[str, int]:
    counts = {}
    for (k, value), members in bits.items():
        if k == kind and keep(value) and (count := (selected & members).bit_count()):
            counts[value] = count
    return counts


def _select_small(bits: int, width: int, skip: int, take: int) -> list[int]:
    if width <= 256:
        return bitsets.members(bits)[skip:skip + take]
    return bitsets.select(bitsets.to_bytes(bits, width), skip, take)


def _merge(first: list[int], second: list[int], key: Callable[[int], object], skip: int,
           take: int) -> list[int]:
    return list(islice(heapq.merge(first, second, key=key), skip, skip + take))


class SearchIndex:
    """Search over the catalogue's items, in memory, kept up to date by the service."""

    def __init__(self, db: Database, *, overlap: timedelta = OVERLAP) -> None:
        self.db = db
        self.overlap = overlap
        self._memo = TermsMemo()
        self._state = _State((), self._memo)
        self._loaded = False
        # refresh(): rows with updated_at above max(newest stamp seen, time of the last
        # read) - overlap; stamps already applied within that window are skipped
        self._watermark: datetime | None = None
        self._read_at: datetime | None = None
        self._seen: dict[str, datetime] = {}
        self._retry: set[str] = set()
        self._lock = threading.Lock()  # the state: searches and small changes
        self._writer = threading.RLock()  # one writer at a time (load, changes, refresh)

    # --- keeping up to date -------------------------------------------------------------
    def load(self) -> None:
        """Build the whole index from the database and swap it in."""
        with self._writer:
            started = datetime.now(UTC)
            entries, watermark = self._read_all()
            state = _State(entries, self._memo)
            self._memo.keep_only(state.names.names)
            with self._lock:
                self._state = state
            self._loaded = True
            self._watermark, self._read_at = watermark, started
            self._seen.clear()
            self._retry.clear()
            log.info("search index loaded: %d entries, %d distinct names",
                     len(state.entries), len(state.names))

    def items_changed(self, item_ids: list[str]) -> None:
        """Reload these items (after a commit of this process). Never raises: on a database
        error the items are retried by the next :meth:`refresh`."""
        ids = list(dict.fromkeys(item_ids))
        if not ids:
            return
        with self._writer:
            if not self._loaded:
                return
            try:
                if len(ids) > self._bulk():
                    self.load()
                    return
                rows, stamps = self._read_items(ids)
            except Exception:  # noqa: BLE001 - the commit succeeded; refresh() catches up
                log.exception("search index: could not reload %d items; retried on refresh",
                              len(ids))
                self._retry.update(ids)
                return
            self._apply(ids, rows)
            self._seen.update(stamps)

    def refresh(self) -> None:
        """Pick up changes written by other processes since the last load or refresh."""
        with self._writer:
            if not self._loaded:
                self.load()
                return
            started = datetime.now(UTC)
            since = self._since()
            stamps = self._read_stamps(since)
            ids = [i for i, at in stamps.items() if self._seen.get(i) != at]
            ids += [i for i in self._retry if i not in stamps]
            if len(ids) > self._bulk():  # e.g. another process imported a catalogue
                self.load()
                return
            rows, fresh = self._read_items(ids) if ids else ({}, {})
            self._apply(ids, rows)
            self._retry.clear()
            self._seen.update(stamps)
            self._seen.update(fresh)
            newest = max(stamps.values(), default=None)
            if newest is not None and (self._watermark is None or newest > self._watermark):
                self._watermark = newest
            self._read_at = started
            since = self._since()
            if since is not None:
                self._seen = {i: at for i, at in self._seen.items() if at > since}

    def _since(self) -> datetime | None:
        marks = [m for m in (self._watermark, self._read_at) if m is not None]
        return max(marks) - self.overlap if marks else None

    def _bulk(self) -> int:
        """More changed items than this: a full load is cheaper than one by one."""
        return max(COMPACT_MIN, int(self._state.live * BULK_RATIO))

    def _apply(self, ids: list[str], rows: dict[str, list[Entry]]) -> None:
        changed = 0
        state = self._state  # only writers swap it, and we are the writer
        for at in range(0, len(ids), _APPLY_CHUNK):  # let searches in between chunks
            with self._lock:
                for item_id in ids[at:at + _APPLY_CHUNK]:
                    changed += state.replace_item(item_id, rows.get(item_id, []))
        rebuild = state.needs_rebuild()
        if rebuild:  # searches go on with the old state while the new one is built
            fresh = _State(state.live_entries(), self._memo)
            self._memo.keep_only(fresh.names.names)
            with self._lock:
                self._state = fresh
            log.info("search index rebuilt: %d entries", len(fresh.entries))
        if changed:
            log.debug("search index: %d items changed", changed)

    # --- reading the database -----------------------------------------------------------
    def _read_all(self) -> tuple[list[Entry], datetime | None]:
        i, v = t.items.c, t.item_versions.c
        with self.db.read() as s:
            watermark = s.execute(select(i.updated_at).order_by(i.updated_at.desc())
                                  .where(i.updated_at.is_not(None)).limit(1)).scalar()
            states = dict(_fetch_all(s, select(i.item_id, i.state)))
            rows = _fetch_all(s, select(*_VERSION_COLUMNS).where(
                v.status.in_(INDEXED_STATUSES)))
        same: dict[object, object] = {}  # one string object per distinct value
        one = same.setdefault
        entries: list[Entry] = [
            (item, version, one(name, name), one(dept, dept), one(code, code),
             one(status, status), one(state, state), one(type_, type_), one(kind, kind),
             one(lvl, lvl), one(region, region), "1" if classified else "")
            for item, version, name, dept, status, type_, kind, lvl, region, classified, code
            in rows if (state := states.get(item)) is not None]
        return entries, watermark

    def _read_items(self, item_ids: Sequence[str]
                    ) -> tuple[dict[str, list[Entry]], dict[str, datetime]]:
        """The items' entries (an item missing from the result has none) and stamps: one
        statement (so one snapshot) per chunk of items. Superseded versions are dropped
        here, not in SQL, so the plan stays a primary-key look-up whatever the statistics."""
        i, v = t.items.c, t.item_versions.c
        joined = t.items.outerjoin(t.item_versions, v.item_id == i.item_id)
        query = select(i.item_id, i.state, i.updated_at, *_VERSION_COLUMNS[1:]
                       ).select_from(joined)
        by_item: dict[str, list[Entry]] = {}
        stamps: dict[str, datetime] = {}
        with self.db.read() as s:
            for at in range(0, len(item_ids), _READ_CHUNK):
                chunk = item_ids[at:at + _READ_CHUNK]
                for row in s.execute(query.where(i.item_id.in_(chunk))):
                    item_id, state, updated_at, version, *columns = row
                    if updated_at is not None:
                        stamps[item_id] = updated_at
                    (name, dept, status, item_type, kind, lvl, region, classified,
                     code) = columns
                    if version is not None and status in INDEXED_STATUSES:
                        by_item.setdefault(item_id, []).append(entry(
                            item_id, version, name, dept, status, state, item_type, kind,
                            lvl, region, bool(classified), code or ""))
        return by_item, stamps

    def _read_stamps(self, since: datetime | None) -> dict[str, datetime]:
        i = t.items.c
        query = select(i.item_id, i.updated_at).where(i.updated_at.is_not(None))
        if since is not None:
            query = query.where(i.updated_at > since)
        with self.db.read() as s:
            return dict(s.execute(query).all())

    # --- searching ----------------------------------------------------------------------
    def search(self, query: str, filters: SearchFilters, offset: int, limit: int
               ) -> tuple[list[Hit], int]:
        """Hits ``(item_id, version, score)`` best first for [offset, offset + limit), and
        how many entries match in all. An empty query lists by region code, then name;
        its hits score 0. Raises InvalidArgument for a malformed region filter."""
        q = query_terms(query)
        offset, limit = max(0, offset), max(0, limit)
        with self._lock:
            return self._state.search(q, filters, offset, limit)

    def facets(self, query: str, filters: SearchFilters) -> Facets:
        """The entries matching ``query`` and ``filters`` counted by department, type, level
        and region (see :class:`Facets`; each count without its own filter)."""
        q = query_terms(query)
        with self._lock:
            return self._state.facets(q, filters)

    def stats(self) -> dict[str, int]:
        """Live entries, entry slots (live and dead), changed entries since the last build,
        distinct names."""
        with self._lock:
            state = self._state
            return {"entries": state.live, "slots": len(state.entries), "tail": state.tail,
                    "names": len(state.names)}


_VERSION_COLUMNS = tuple(t.item_versions.c[name] for name in (
    "item_id", "version", "name", "department", "status", "item_type", "list_kind",
    "exercise_level", "region", "classified", "department_code"))


def _fetch_all(s: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row as a plain tuple, straight from the driver's cursor: a full load reads
    150,000 rows, and SQLAlchemy's row objects would add a third to the time. Only for
    queries whose parameters are literals of our own (statuses) and plain column types."""
    sql = str(query.compile(dialect=s.dialect, compile_kwargs={"literal_binds": True}))
    cursor = s.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()
