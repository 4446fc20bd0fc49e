"""The trace: a hash chain per case that names its first broken link; a daily Merkle root."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.cases.domain.trace import GENESIS, TraceEntry, chain, merkle_root, verify

AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def entries(n: int = 4) -> list[TraceEntry]:
    return chain([TraceEntry("5116022026111600001", i, AT + timedelta(minutes=i), f"u{i}",
                             "clerk", "区发展改革局", "case.step_completed", f"意见{i}",
                             "in_progress", "in_progress", {"instance_id": f"s{i}", "n": i})
                  for i in range(1, n + 1)])


def test_a_chain_links_every_entry_to_the_one_before() -> None:
    trace = entries()
    assert trace[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(trace, trace[1:], strict=False))
    assert verify(trace) is None
    assert trace == chain([replace(e, hash="", prev_hash=GENESIS) for e in trace])


def test_a_changed_entry_is_named() -> None:
    trace = entries()
    changed = [*trace[:2], replace(trace[2], opinion="改过的意见"), trace[3]]
    broken = verify(changed)
    assert broken is not None and broken.seq == 3 and "changed" in broken.reason
    relinked = chain(changed[2:], head=changed[1].hash)  # rehashing from there still shows
    assert verify([*changed[:2], *relinked]) is None  # …unless the heads are published:
    assert relinked[-1].hash != trace[-1].hash  # the head differs from the one published


def test_removed_or_reordered_entries_are_named() -> None:
    trace = entries()
    assert verify([trace[0], trace[2], trace[3]]).seq == 3
    assert verify([trace[1], trace[0]]).seq == 2


def test_the_hash_covers_a_canonical_encoding() -> None:
    entry = entries(1)[0]
    same_data_other_order = replace(entry, data={"n": 1, "instance_id": "s1"})
    assert same_data_other_order.sealed(GENESIS).hash == entry.hash
    assert b'"opinion":"\xe6\x84\x8f\xe8\xa7\x811"' in entry.body()


def test_merkle_root_follows_rfc_6962() -> None:
    leaf = hashlib.sha256(b"a").hexdigest()
    h = lambda data: hashlib.sha256(data).digest()  # noqa: E731
    assert merkle_root([leaf]) == h(b"\x00" + bytes.fromhex(leaf)).hex()
    leaves = [hashlib.sha256(bytes([i])).hexdigest() for i in range(3)]
    l0, l1, l2 = (h(b"\x00" + bytes.fromhex(x)) for x in leaves)
    assert merkle_root(leaves) == h(b"\x01" + h(b"\x01" + l0 + l1) + l2).hex()
    assert merkle_root([]) == hashlib.sha256(b"").hexdigest()
    assert merkle_root(leaves) != merkle_root(leaves[::-1])
