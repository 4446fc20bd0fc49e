"""The case store's memory of decoded cases: by case number and event sequence, so a newer
state is never answered from an older decode; the least recently used goes first."""

from __future__ import annotations

from types import SimpleNamespace

from services.cases.repository import DecodedCases


def test_a_case_is_remembered_at_its_sequence_only(monkeypatch) -> None:
    monkeypatch.setattr(DecodedCases, "KEPT", 2)
    cases = DecodedCases()
    first, second = SimpleNamespace(step=1), SimpleNamespace(step=2)
    cases.put("N1", 7, first)  # type: ignore[arg-type]
    assert cases.get("N1", 7) is first
    assert cases.get("N1", 8) is None  # a later event: decoded anew
    cases.put("N1", 8, second)  # type: ignore[arg-type]
    assert cases.get("N1", 7) is first  # used: kept before the other
    cases.put("N2", 1, SimpleNamespace())  # type: ignore[arg-type]
    assert cases.get("N1", 8) is None  # the least recently used went
    assert cases.get("N1", 7) is first
