"""Chinese collation (汉语拼音排序): lists ordered the way Chinese readers expect.

Code-point order puts 北京 (U+5317) before 张 (U+5F20) before 重庆 (U+91CD) before 阿坝
(U+963F); a reader looks for 阿坝 first and 张 last. :func:`pinyin_key` orders text character
by character: by the character's pinyin in its context (pypinyin's phrase dictionary reads
重庆 as chóng qìng and 银行 as yín háng), syllables alphabetically, then by tone (ā á ǎ à,
neutral last), then by the character (a stable order for characters read alike). Digits come
before letters, Latin letters sort among the pinyin syllables (ICP next to 初); punctuation
(《》（）、…) is passed over at first, as a dictionary does (《出生医学证明》 files under 出),
and only breaks ties; a shorter text sorts before any text it begins.

Pure and cached: the same name is keyed once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")
_DIGIT, _LETTER, _OTHER = 0, 1, 2
CharKey = tuple[int, str, int, str]
Key = tuple[tuple[CharKey, ...], tuple[CharKey, ...]]


def _keep(text: str) -> list[str]:
    return list(text)  # characters without a reading stay one by one, as themselves


@functools.lru_cache(maxsize=65_536)
def pinyin_key(text: str) -> Key:
    """The sort key of ``text`` in pinyin order (see the module's docstring): the keys of its
    letters, digits and Han characters, then of every character (ties)."""
    readings = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=_keep)
    if len(readings) != len(text):  # not one reading per character: read each alone
        readings = [lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True,
                                errors=_keep)[0] for ch in text]
    key: list[CharKey] = []
    for ch, reading in zip(text, readings, strict=True):
        if reading != ch and reading[-1:].isdigit():  # a Han character: syllable + tone
            key.append((_LETTER, reading[:-1], int(reading[-1]), ch))
        elif ch.isdigit():
            key.append((_DIGIT, ch, 0, ch))
        elif ch.isascii() and ch.isalpha():
            key.append((_LETTER, ch.lower(), 0, ch))
        else:
            key.append((_OTHER, ch, 0, ch))
    return tuple(k for k in key if k[0] != _OTHER), tuple(key)


def sorted_by_pinyin(values: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """``values`` in pinyin order of their text (``key`` picks it, default the value)."""
    pick: Callable[[T], str] = key or (lambda v: v)  # type: ignore[assignment, return-value]
    return sorted(values, key=lambda v: pinyin_key(pick(v)))
