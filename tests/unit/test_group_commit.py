"""Group commit: callers that arrive while a flush runs share the next one, each gets its own
outcome, and a failed flush fails exactly the callers in it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from services.monitoring.projection import GroupCommit
from services.shared.events import Event
from tests.support.wait import wait_for


def ev(n: int) -> Event:
    return Event(event_id=f"e{n}", type="case.step_completed",
                 occurred_at=datetime(2026, 11, 20, tzinfo=UTC), node="510000",
                 region="511602", schema="sunlight.cases.v1.CaseEvent", data={"n": n})


class Flusher:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, events):  # type: ignore[no-untyped-def]
        self.batches.append([e.event_id for e in events])
        if len(self.batches) == 1:
            self.release.wait(10)  # hold the first flush while others queue up
        if self.fail_on is not None and any(e.data["n"] == self.fail_on for e in events):
            raise RuntimeError("database down")
        return [e.data["n"] % 2 == 0 for e in events]


def run(group: GroupCommit, flusher: Flusher, count: int) -> dict[int, object]:
    outcomes: dict[int, object] = {}
    flusher.queued = []  # type: ignore[attr-defined]

    def call(n: int) -> None:
        try:
            outcomes[n] = group.submit(ev(n))
        except RuntimeError as exc:
            outcomes[n] = exc

    first = threading.Thread(target=call, args=(0,))
    first.start()
    wait_for(lambda: flusher.batches, timeout_s=10, what="the first flush to start")
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, count)]
    for thread in others:
        thread.start()
    wait_for(lambda: len(group._queue) == count - 1, timeout_s=10,
             what="the other callers to queue")
    flusher.queued = [s.event.event_id for s in group._queue]  # type: ignore[attr-defined]
    flusher.release.set()
    for thread in [first, *others]:
        thread.join(10)
    return outcomes


def test_callers_queued_during_a_flush_share_the_next_one() -> None:
    flusher = Flusher()
    group = GroupCommit(flusher, max_batch=64)
    outcomes = run(group, flusher, 6)
    assert flusher.batches[0] == ["e0"]
    assert sorted(flusher.batches[1]) == ["e1", "e2", "e3", "e4", "e5"]
    assert len(flusher.batches) == 2
    assert outcomes == {n: n % 2 == 0 for n in range(6)}


def test_batches_are_bounded_and_in_arrival_order() -> None:
    flusher = Flusher()
    group = GroupCommit(flusher, max_batch=2)
    run(group, flusher, 6)
    assert [len(b) for b in flusher.batches] == [1, 2, 2, 1]
    assert sum(flusher.batches[1:], []) == flusher.queued  # type: ignore[attr-defined]


def test_a_failed_flush_fails_its_callers_only() -> None:
    flusher = Flusher(fail_on=3)
    group = GroupCommit(flusher, max_batch=64)
    outcomes = run(group, flusher, 5)
    assert outcomes[0] is True
    assert all(isinstance(outcomes[n], RuntimeError) for n in range(1, 5))
    # the next caller is served by a new flush
    assert group.submit(ev(8)) is True


def test_an_error_outcome_is_raised_to_its_caller() -> None:
    group = GroupCommit(lambda events: [ValueError("no case_number") for _ in events])
    with pytest.raises(ValueError):
        group.submit(ev(1))
