"""The trace nobody can erase (操作痕迹): a hash chain per case, a Merkle root per day.

Every action on a case appends an entry — who, in which role and department, when, what, the
opinion, the state before and after, and the event's data — to the case's chain: the entry's
hash is SHA-256 over the previous entry's hash and the entry's canonical encoding (RFC 8785
JSON canonicalization, so any implementation can recompute it). Changing, removing or
reordering any entry breaks every hash after it; ``verify`` names the first broken link.

Once a day the heads of all chains of a region are combined into one Merkle root (RFC 6962's
tree hash, as Certificate Transparency uses): publishing the root commits to every case's
trace of that day without revealing any of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

from services.cases.domain.frozen import replace

#: the "previous hash" of a chain's first entry
GENESIS = "0" * 64


@dataclass(frozen=True)
class TraceEntry:
    case_number: str
    seq: int                # 1, 2, … within the case
    at: datetime            # UTC
    actor: str              # subject of who acted
    role: str               # the role or position they acted in
    department: str
    action: str             # the event type, e.g. "case.accepted"
    opinion: str
    state_before: str
    state_after: str
    data: dict[str, Any]    # the event's own data (JSON values)
    prev_hash: str = GENESIS
    hash: str = ""

    def body(self) -> bytes:
        """The canonical encoding the hash covers: every field but the hash itself."""
        return canonical({
            "case_number": self.case_number, "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor, "role": self.role, "department": self.department,
            "action": self.action, "opinion": self.opinion,
            "state_before": self.state_before, "state_after": self.state_after,
            "data": self.data, "prev_hash": self.prev_hash})

    def sealed(self, prev_hash: str) -> TraceEntry:
        """This entry chained after ``prev_hash``, with its own hash."""
        entry = replace(self, prev_hash=prev_hash, hash="")
        return replace(entry, hash=link_hash(prev_hash, entry.body()))


#: integers JSON carries exactly (RFC 8785 refuses the others)
_INT_MIN, _INT_MAX = -(2**53) + 1, 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                            allow_nan=False)


def canonical(value: Any) -> bytes:
    """RFC 8785 (JSON canonicalization) of ``value``.

    For JSON made of strings, integers JSON carries exactly, booleans, nulls, lists and
    objects whose keys have no character beyond the Basic Multilingual Plane, the standard
    library's encoder with sorted keys writes exactly the canonical form (the same escapes;
    sorting by code point is sorting by UTF-16 code unit within the plane), in C. Anything
    else (floats, other keys, other types) goes through ``rfc8785``."""
    if _plain(value):
        try:
            return _ENCODER.encode(value).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 says what is wrong
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    """Whether ``value`` is made only of what the standard library's encoder writes exactly
    as RFC 8785 does (see ``canonical``); walked with a stack, not a call per value."""
    pending = [value]
    pop, push = pending.pop, pending.extend
    while pending:
        item = pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not _INT_MIN <= item <= _INT_MAX:
                return False
        elif kind is dict:
            for key in item:
                if type(key) is not str or not (key.isascii() or max(key) < "\U00010000"):
                    return False
            push(item.values())
        elif kind is list or kind is tuple:
            push(item)
        else:
            return False
    return True


def link_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def chain(entries: Sequence[TraceEntry], head: str = GENESIS) -> list[TraceEntry]:
    """Seal entries one after the other, starting after ``head``."""
    sealed: list[TraceEntry] = []
    for entry in entries:
        sealed.append(entry.sealed(head))
        head = sealed[-1].hash
    return sealed


@dataclass(frozen=True)
class Break:
    """The first link that does not hold, and why."""

    seq: int
    reason: str


def verify(entries: Sequence[TraceEntry]) -> Break | None:
    """None when the chain holds from its first entry to its last."""
    previous = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            return Break(entry.seq, f"entry {expected_seq} is missing (found {entry.seq})")
        if entry.prev_hash != previous:
            return Break(entry.seq, "does not follow the entry before it")
        if link_hash(previous, entry.body()) != entry.hash:
            return Break(entry.seq, "its content does not match its hash: changed after it "
                                    "was written")
        previous = entry.hash
    return None


def merkle_root(leaves: Sequence[str]) -> str:
    """RFC 6962 Merkle tree hash over hex leaves (chain heads, in case-number order)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _tree([bytes.fromhex(leaf) for leaf in leaves]).hex()


def _tree(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return hashlib.sha256(b"\x01" + _tree(leaves[:split]) + _tree(leaves[split:])).digest()
