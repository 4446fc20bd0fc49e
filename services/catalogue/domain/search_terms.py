"""The text side of Chinese catalogue search: index terms of a name, query terms, a score.

A citizen looks for 企业投资项目备案（技术改造）（市级/县级） by typing 备案, 企业备案, the full
pinyin ``qiyetouzi`` or just initials ``qyba`` on a phone. :func:`index_terms` computes, once per
item name, the words (jieba), their pinyin and initials (pypinyin, the default reading of
heteronyms); :func:`query_terms` classifies what the user typed; :func:`score` ranks, in bands::

    exact name                                   100
    name contains the query                       70 .. 95
    every query word found in the name            50 .. 70
    full pinyin from the start of the name        45 .. 55
    full pinyin from a syllable of the name       40 .. 50
    initials from the start of the name           30 .. 40
    initials from the start of a word             25 .. 35
    word by word: each piece the pinyin or the
      initials of the start of a later word       20 .. 25
    some query words found in the name            0 .. 20
    initials scattered over the syllables (3+)    10 .. 15
    no match                                      0

Within a band a match that covers more of the name scores higher, so short names matching the
whole query come first. Pure: no I/O beyond jieba's dictionary, which is loaded once, quietly.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jieba
from pypinyin import lazy_pinyin

EXACT = 100.0
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_QUERY = re.compile(r"^[a-z' ]+$")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """The shared jieba tokenizer, initialised once and without its log chatter."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                _tokenizer = tk
    return _tokenizer


def warm() -> None:
    """Load jieba's and pypinyin's dictionaries now (about a second of CPU) rather than in the
    first request that names an item, which would otherwise wait for them."""
    index_terms("企业投资项目核准")
    query_terms("qytz")


def normalise(text: str) -> str:
    """NFKC (full-width brackets and letters to half-width), lower case, no blanks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def _wordlike(token: str) -> bool:
    return bool(_WORDLIKE.search(token))


def _syllables(word: str) -> list[str]:
    """Pinyin per Chinese character; a run of letters/digits is one 'syllable'; the rest goes.

    Initials are the first letter of each syllable, the same as pypinyin's
    ``Style.FIRST_LETTER`` (zh → z), without converting the name twice."""
    out: list[str] = []
    for piece in lazy_pinyin(word, errors=lambda s: [s]):
        for part in re.findall(r"[0-9a-z]+", piece.lower()):
            out.append(part)
    return out


@dataclass(frozen=True)
class SearchTerms:
    """What an item name is found by.

    ``tokens`` are jieba's search-mode tokens (overlapping: 技术, 改造, 技术改造), with
    ``token_pinyin`` and ``token_initials`` aligned to them. ``syllables`` is the pinyin of the
    name, one entry per Chinese character (a run of letters or digits is one entry), and
    ``starts`` the indexes of the syllables where a word or a search token begins.
    """

    name: str  # normalised
    tokens: tuple[str, ...]
    pinyin: str  # qiyetouzixiangmubeian…
    initials: str  # qytzxmba…
    token_pinyin: tuple[str, ...]
    token_initials: tuple[str, ...]
    syllables: tuple[str, ...]
    starts: tuple[int, ...]


def index_terms(name: str) -> SearchTerms:
    text = normalise(name)
    tk = tokenizer()
    tokens = tuple(t for t in tk.lcut_for_search(text) if _wordlike(t))
    syllables: list[str] = []
    starts: set[int] = set()
    for word in tk.lcut(text):
        word_syll = _syllables(word)
        if not word_syll:
            continue
        offset = len(syllables)
        starts.add(offset)
        if len(word_syll) == len(word):  # one syllable per character: sub-tokens start too
            for token in tokens:
                at = word.find(token, 1)
                while at != -1:
                    starts.add(offset + at)
                    at = word.find(token, at + 1)
        syllables.extend(word_syll)
    token_syll = [_syllables(t) for t in tokens]
    return SearchTerms(
        name=text,
        tokens=tokens,
        pinyin="".join(syllables),
        initials="".join(s[0] for s in syllables),
        token_pinyin=tuple("".join(s) for s in token_syll),
        token_initials=tuple("".join(x[0] for x in s) for s in token_syll),
        syllables=tuple(syllables),
        starts=tuple(sorted(starts)),
    )


@dataclass(frozen=True)
class QueryTerms:
    text: str  # normalised
    kind: str  # 'empty', 'text' (Chinese or mixed), 'latin' (letters: pinyin or initials)
    tokens: tuple[str, ...]  # search-mode tokens of the text
    letters: str  # for 'latin': the letters without blanks and apostrophes

    @property
    def empty(self) -> bool:
        return self.kind == "empty"


def query_terms(query: str) -> QueryTerms:
    text = normalise(query)
    if not _wordlike(text):
        return QueryTerms(text, "empty", (), "")
    tokens = tuple(t for t in tokenizer().lcut_for_search(text) if _wordlike(t))
    # normalise() dropped blanks; an apostrophe separates syllables (xi'an)
    if _LATIN_QUERY.match(text):
        return QueryTerms(text, "latin", tokens, text.replace("'", "").replace(" ", ""))
    return QueryTerms(text, "text", tokens, "")


# --- scoring --------------------------------------------------------------------------------


def _coverage(part: int, whole: int) -> float:
    return min(1.0, part / whole) if whole else 0.0


def _text_score(q: QueryTerms, t: SearchTerms) -> float:
    if q.text == t.name:
        return EXACT
    if q.text and q.text in t.name:
        bonus = 1.0 if t.name.startswith(q.text) else 0.0
        return 70.0 + 20.0 * _coverage(len(q.text), len(t.name)) + 4.0 * bonus
    if not q.tokens:
        return 0.0
    index = set(t.tokens)
    # the query's own tokens overlap (技术, 改造, 技术改造): judge by the characters covered
    found = [tok for tok in q.tokens if tok in index or tok in t.name]
    covered = _covered_chars(q.text, found)
    if covered == len(q.text):
        return 50.0 + 20.0 * _coverage(len(q.text), len(t.name))
    if covered >= 2:
        return 20.0 * _coverage(covered, len(q.text))
    return 0.0


def _covered_chars(text: str, found: Iterable[str]) -> int:
    mask = [False] * len(text)
    for tok in found:
        start = text.find(tok)
        while start != -1:
            for i in range(start, start + len(tok)):
                mask[i] = True
            start = text.find(tok, start + 1)
    return sum(mask)


def _latin_score(q: QueryTerms, t: SearchTerms) -> float:
    letters = q.letters
    if not letters or not t.pinyin or not _subsequence(letters, t.pinyin):
        return 0.0
    if letters == t.pinyin:
        return 55.0
    if len(letters) >= 2 and t.pinyin.startswith(letters):
        return 45.0 + 10.0 * _coverage(len(letters), len(t.pinyin))
    offsets = _offsets(t.syllables)
    if len(letters) >= 3 and any(t.pinyin.startswith(letters, o) for o in offsets):
        return 40.0 + 10.0 * _coverage(len(letters), len(t.pinyin))
    if len(letters) < 2:
        return 0.0
    if t.initials.startswith(letters):
        return 30.0 + 10.0 * _coverage(len(letters), len(t.initials))
    if any(t.initials.startswith(letters, s) for s in t.starts):
        return 25.0 + 10.0 * _coverage(len(letters), len(t.initials))
    if _pieces(letters, t.syllables, t.starts):
        return 20.0 + 5.0 * _coverage(len(letters), len(t.initials))
    if len(letters) >= 3 and _subsequence(letters, t.initials):
        return 10.0 + 5.0 * _coverage(len(letters), len(t.initials))
    return 0.0


def _offsets(syllables: tuple[str, ...]) -> list[int]:
    """Where each syllable begins in the joined pinyin."""
    out, at = [], 0
    for s in syllables:
        out.append(at)
        at += len(s)
    return out


def _pieces(letters: str, syllables: tuple[str, ...], starts: tuple[int, ...]) -> bool:
    """Can ``letters`` be cut into pieces, each beginning where a word or token of the name
    begins, later pieces further right, where a piece spells syllables either as their
    initials or in full pinyin (the last one possibly cut short)?
    ``qyba`` = 企业 (qy) + 备案 (ba); ``qiyebeian`` and ``qiyeba`` likewise."""
    n = len(letters)
    memo: dict[tuple[int, int], bool] = {}

    def from_(pos: int, first: int) -> bool:
        if pos == n:
            return True
        key = (pos, first)
        if key not in memo:
            memo[key] = any(
                from_(end, after)
                for s in starts if s >= first
                for end, after in _piece_ends(letters, pos, syllables, s))
        return memo[key]

    return from_(0, 0)


def _piece_ends(letters: str, pos: int, syllables: tuple[str, ...], start: int
                ) -> list[tuple[int, int]]:
    """(end in ``letters``, next syllable) for each piece that starts at syllable ``start``."""
    ends: list[tuple[int, int]] = []
    i, k = pos, start
    while k < len(syllables) and i < len(letters) and letters[i] == syllables[k][0]:
        i, k = i + 1, k + 1
        ends.append((i, k))
    i, k = pos, start
    while k < len(syllables) and i < len(letters):
        s = syllables[k]
        common = 0
        while common < len(s) and i + common < len(letters) and letters[i + common] == s[common]:
            common += 1
        if common == 0:
            break
        i, k = i + common, k + 1
        ends.append((i, k))
        if common < len(s):
            break
    return ends


def _subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def score(query: QueryTerms, terms: SearchTerms) -> float:
    """How well an item name matches a query: 0 for no match, 100 for the exact name."""
    if query.empty:
        return 0.0
    if query.kind == "latin":
        # letters may also be literal text in the name (ICP, CT…)
        return max(_text_score(query, terms), _latin_score(query, terms))
    return _text_score(query, terms)


def rank(query: str | QueryTerms, candidates: Iterable[tuple[object, SearchTerms]],
         *, limit: int | None = None) -> list[tuple[object, float]]:
    """Candidates ``(key, terms)`` with a score above 0, best first; ties keep input order."""
    q = query if isinstance(query, QueryTerms) else query_terms(query)
    scored = [(key, s) for key, terms in candidates if (s := score(q, terms)) > 0]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit] if limit is not None else scored
