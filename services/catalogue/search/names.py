"""The name side of the index: distinct item names, their postings, and which match a query.

A catalogue repeats names a lot (the same 企业投资项目备案 in every county), so everything
textual is done once per *distinct* name and cached; documents come in afterwards through
the name's id. Postings (all over name ids):

* ``grams``: every character and every character bigram of the normalised name. A text
  query's candidates are the names containing the whole query or one of its jieba tokens:
  the intersection of the postings of the string's bigrams (a single character: its own).
* ``initials``: letter → names with a syllable beginning with it; ``start_initials`` the
  same for the syllables where a word or search token of the name begins (its *starts*).
* sorted lists of ``(key, name id)`` for prefix look-ups by bisection: the full pinyin from
  every syllable on (``py``), the full pinyin from every start on (``py_starts``), and the
  initials from every start on (``ini``); keys are cut to :data:`KEY_CAP` letters (look-ups
  cut the same way, so they may return more, never fewer).

A Latin query (pinyin or initials: ``qiyetouzi``, ``qyba``, ``qiyeba``) matches a name as a
whole (the pinyin from some syllable, the initials from some start) or cut into pieces, each
the prefix of the pinyin or of the initials from some start of the name: the names where
every piece matches (:meth:`NameIndex._pieces`, dynamic programming over the cut points),
plus, for three letters or more, the names whose initials hold every letter of the query,
plus the names containing the letters literally (ICP…) are the candidates. Candidates are then
scored with :func:`~services.catalogue.domain.search_terms.score`, which verifies order and
bands; postings only have to never miss a name the score would accept.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable

from services.catalogue.domain.search_terms import (
    QueryTerms,
    SearchTerms,
    index_terms,
    score,
)
from services.shared.collation import pinyin_key

KEY_CAP = 24
RANK_CACHE = 512
_EMPTY: frozenset[int] = frozenset()
_AFTER = "\x7f"  # sorts after every letter and digit


class TermsMemo:
    """``index_terms`` once per distinct name, kept across rebuilds of the index."""

    def __init__(self) -> None:
        self._terms: dict[str, SearchTerms] = {}

    def __call__(self, name: str) -> SearchTerms:
        terms = self._terms.get(name)
        if terms is None:
            terms = self._terms[name] = index_terms(name)
        return terms

    def keep_only(self, names: Iterable[str]) -> None:
        keep = set(names)
        self._terms = {n: t for n, t in self._terms.items() if n in keep}

    def __len__(self) -> int:
        return len(self._terms)


class NameIndex:
    """Distinct names (append-only ids), their postings, and a cache of ranked queries.

    Not thread-safe by itself: the owner serialises access."""

    def __init__(self, memo: TermsMemo | None = None) -> None:
        self.memo = memo if memo is not None else TermsMemo()
        self.names: list[str] = []
        self.terms: list[SearchTerms] = []
        self.ids: dict[str, int] = {}
        self.grams: dict[str, set[int]] = {}
        self.initials: dict[str, set[int]] = {}
        self.start_initials: dict[str, set[int]] = {}
        # (keys, name ids) sorted by key: pinyin from every syllable, from every start,
        # initials from every start
        self._prefixes: tuple[tuple[list[str], list[int]], ...] = (
            ([], []), ([], []), ([], []))
        self._ranked: OrderedDict[tuple[str, str], list[tuple[int, float]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.names)

    # --- adding names -------------------------------------------------------------------
    def add_many(self, names: Iterable[str]) -> None:
        """Bulk add (ids in the order given); prefix lists are sorted once at the end."""
        pairs: list[list[tuple[str, int]]] = [
            list(zip(keys, ids, strict=True)) for keys, ids in self._prefixes]
        for name in names:
            if name not in self.ids:
                self._add(name, pairs)
        for found in pairs:
            found.sort()
        self._prefixes = tuple(([k for k, _ in found], [i for _, i in found])
                               for found in pairs)

    def add(self, name: str) -> int:
        """The id of ``name``, adding it (and its postings) when new."""
        nid = self.ids.get(name)
        if nid is not None:
            return nid
        pairs: list[list[tuple[str, int]]] = [[], [], []]
        nid = self._add(name, pairs)
        for (keys, ids), found in zip(self._prefixes, pairs, strict=True):
            for key, i in found:
                at = bisect.bisect_right(keys, key)
                keys.insert(at, key)
                ids.insert(at, i)
        return nid

    def _add(self, name: str, pairs: list[list[tuple[str, int]]]) -> int:
        nid = len(self.names)
        terms = self.memo(name)
        self.names.append(name)
        self.terms.append(terms)
        self.ids[name] = nid
        self._ranked.clear()
        text = terms.name
        grams = self.grams
        for gram in {*text, *(text[i:i + 2] for i in range(len(text) - 1))}:
            grams.setdefault(gram, set()).add(nid)
        for letter in {s[0] for s in terms.syllables}:
            self.initials.setdefault(letter, set()).add(nid)
        py, py_starts, ini = pairs
        starts = set(terms.starts)
        at = 0
        for k, syllable in enumerate(terms.syllables):
            key = (terms.pinyin[at:at + KEY_CAP], nid)
            py.append(key)
            if k in starts:
                py_starts.append(key)
                ini.append((terms.initials[k:k + KEY_CAP], nid))
                self.start_initials.setdefault(syllable[0], set()).add(nid)
            at += len(syllable)
        return nid

    # --- matching -----------------------------------------------------------------------
    def ranked(self, query: QueryTerms) -> list[tuple[int, float]]:
        """Names matching ``query`` as ``(name id, score)``, best first, ties by name (pinyin).

        Cached per query until a name is added."""
        key = (query.kind, query.text)
        hit = self._ranked.get(key)
        if hit is not None:
            self._ranked.move_to_end(key)
            return hit
        terms, names = self.terms, self.names
        scored = [(nid, s) for nid in self.candidates(query)
                  if (s := score(query, terms[nid])) > 0]
        scored.sort(key=lambda pair: (-pair[1], pinyin_key(names[pair[0]])))
        self._ranked[key] = scored
        if len(self._ranked) > RANK_CACHE:
            self._ranked.popitem(last=False)
        return scored

    def candidates(self, query: QueryTerms) -> set[int]:
        """Every name :func:`score` could give more than 0 (and some it gives 0)."""
        if query.empty:
            return set()
        found = set(self.containing(query.text))
        for token in query.tokens:
            found |= self.containing(token)
        if query.kind == "latin" and query.letters:
            letters = query.letters
            if len(letters) >= 3:  # the full pinyin from any syllable
                found |= self._prefixed(letters, 0)
            found |= self._pieces(letters)
            if len(letters) >= 3:  # initials scattered over the syllables
                postings = [self.initials.get(ch, _EMPTY) for ch in set(letters)]
                postings.sort(key=len)
                if postings[0]:
                    found |= set(postings[0]).intersection(*postings[1:])
        return found

    def containing(self, text: str) -> set[int] | frozenset[int]:
        """Names whose normalised form may contain ``text`` (all that do)."""
        if not text:
            return _EMPTY
        if len(text) == 1:
            return self.grams.get(text, _EMPTY)
        postings = [self.grams.get(text[i:i + 2], _EMPTY) for i in range(len(text) - 1)]
        postings.sort(key=len)
        if not postings[0]:
            return _EMPTY
        return set(postings[0]).intersection(*postings[1:])

    def _prefixed(self, piece: str, *lists: int) -> set[int]:
        """Names where ``piece`` begins the keys of the given prefix lists (0: pinyin from
        any syllable, 1: pinyin from a start, 2: initials from a start)."""
        piece = piece[:KEY_CAP]
        out: set[int] = set()
        for which in lists:
            keys, ids = self._prefixes[which]
            lo = bisect.bisect_left(keys, piece)
            hi = bisect.bisect_left(keys, piece + _AFTER, lo)
            out.update(ids[lo:hi])
        return out

    def _pieces(self, letters: str) -> set[int]:
        """Names where ``letters`` cut into pieces, each the beginning of the pinyin or of the
        initials from a start of the name (``score``'s word-by-word band; also covers the
        whole query from the first syllable and the initials from a start).

        ``reach[i]`` = names that can match ``letters[i:]``; the order of the pieces in the
        name is left to the score to check."""
        n = len(letters)
        reach: list[set[int] | frozenset[int]] = [_EMPTY] * (n + 1)
        for i in range(n - 1, -1, -1):
            acc: set[int] = set()
            for j in range(i + 1, n + 1):
                names = (self.start_initials.get(letters[i], _EMPTY) if j == i + 1
                         else self._prefixed(letters[i:j], 1, 2))
                if not names:
                    break  # a longer piece has no more names than a shorter one
                if j == n:
                    acc |= names
                elif reach[j]:
                    acc |= names & reach[j] if len(names) < len(reach[j]) else reach[j] & names
            reach[i] = acc
        return set(reach[0])
