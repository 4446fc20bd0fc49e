"""Sets of document ids as Python integers: bit ``d`` set = document ``d`` is in the set.

A set over 146,000 documents is an 18 KB integer; ``&``, ``|`` and ``bit_count`` run in C
over it in microseconds, which is what makes filter combinations cheap in pure Python.
Reading members back goes through the integer's bytes (``to_bytes``), skipping zero bytes
with a regular expression and whole blocks with ``bit_count``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NONZERO = re.compile(rb"[^\x00]")
_BLOCK = 512  # bytes counted at once when skipping


def from_ids(ids: Iterable[int], size: int) -> int:
    """The set of ``ids`` (each < ``size``)."""
    buf = bytearray((size + 7) >> 3)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def to_bytes(bits: int, size: int) -> bytes:
    """Little-endian bytes of a set over ``size`` documents (test bit d: ``b[d>>3] >> (d&7)``)."""
    return bits.to_bytes(max((size + 7) >> 3, (bits.bit_length() + 7) >> 3), "little")


def has(data: bytes, d: int) -> bool:
    i = d >> 3
    return i < len(data) and bool((data[i] >> (d & 7)) & 1)


def range_bits(data: bytes, lo: int, hi: int) -> int:
    """Members of ``data`` in [lo, hi), shifted down by ``lo`` (a small integer)."""
    if hi <= lo:
        return 0
    chunk = int.from_bytes(data[lo >> 3:(hi + 7) >> 3], "little") >> (lo & 7)
    return chunk & ((1 << (hi - lo)) - 1)


def members(bits: int) -> list[int]:
    """Every member of a small set, ascending."""
    out: list[int] = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


def select(data: bytes, skip: int, take: int) -> list[int]:
    """Members number ``skip`` .. ``skip + take - 1`` (ascending order) of a set's bytes."""
    out: list[int] = []
    if take <= 0:
        return out
    start = 0
    while skip and start < len(data):
        count = int.from_bytes(data[start:start + _BLOCK], "little").bit_count()
        if count > skip:
            break
        skip -= count
        start += _BLOCK
    for match in _NONZERO.finditer(data, start):
        i = match.start()
        byte = data[i]
        while byte:
            low = byte & -byte
            byte ^= low
            if skip:
                skip -= 1
                continue
            out.append((i << 3) + low.bit_length() - 1)
            if len(out) == take:
                return out
    return out
