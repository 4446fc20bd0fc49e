"""How fast a CPU second of this machine is right now: ``speed_index()``.

On a shared virtual machine a CPU second does not buy the same work from one minute to the
next: here a fixed loop of Python ran at 4.2, then 6.5, then 4.2 million steps per CPU second
(each the median of five rounds) within 15 seconds (2026-12-02; process time and wall time
alike, no steal time reported). A
benchmark's throughput and its CPU per transition move with it, so the benchmarks record the
index beside their figures: two runs compare for what the machine gave them, not only for
what the code did.

The index: a fixed single-threaded workload (dictionary stores, string formatting, integer
arithmetic: what a service's Python does), timed by the thread's own CPU time (other threads
and processes, even a fully loaded machine, do not count), the median of ``rounds``; millions
of steps per CPU second.
"""

from __future__ import annotations

import statistics
import time

STEPS = 200_000


def _round() -> float:
    store: dict[int, str] = {}
    total = 0
    began = time.thread_time()
    for i in range(STEPS):
        store[i & 1023] = str(i)
        total += len(store[i & 1023])
    spent = time.thread_time() - began
    assert total > 0
    return STEPS / spent / 1e6


def speed_index(rounds: int = 5) -> float:
    """Millions of the workload's steps per CPU second, now (median of ``rounds``, ~0.25 s)."""
    return round(statistics.median(_round() for _ in range(rounds)), 2)
