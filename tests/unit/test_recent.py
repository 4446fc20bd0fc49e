"""The map of what was used lately (``services.shared.recent``): a key answers only its own
value — a case decoded at event sequence 7 is not the case at 8 — and the least recently used
goes first when it is full."""

from __future__ import annotations

import pytest

from services.shared.recent import Recent


def test_a_value_is_answered_for_its_key_only_and_the_least_recently_used_goes() -> None:
    kept: Recent[str] = Recent(2)
    kept.put(("N1", 7), "first")
    assert kept.get(("N1", 7)) == "first"
    assert kept.get(("N1", 8)) is None  # a later event: decoded anew
    kept.put(("N1", 8), "second")
    assert kept.get(("N1", 7)) == "first"  # used: kept before the other
    kept.put(("N2", 1), "third")
    assert kept.get(("N1", 8)) is None  # the least recently used went
    assert kept.get(("N1", 7)) == "first" and len(kept) == 2


def test_putting_a_key_again_replaces_its_value_and_counts_as_a_use() -> None:
    kept: Recent[str] = Recent(2)
    kept.put("a", "1")
    kept.put("b", "2")
    kept.put("a", "3")
    kept.put("c", "4")  # "b" is now the least recently used
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("3", None, "4")


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        Recent(0)
