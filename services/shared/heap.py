"""The serving process's heap and the garbage collector."""

from __future__ import annotations

import gc

#: allocations (less deallocations) between two collections of the youngest generation;
#: CPython's default is 700 — about one collection per hall page, each walking every young
#: object. A serving process makes its cycles of garbage at a small rate; its young objects
#: are mostly freed by reference counting before a collection would see them.
YOUNG_THRESHOLD = 10_000


def freeze_start_up_objects() -> None:
    """Leave what the process made to start (modules, settings, compiled statements: most of
    its objects) out of the garbage collector's full collections from now on (``gc.freeze``),
    once its garbage is collected: a full collection then walks what serving made alone.
    Called by each serving process once it has started, before it serves. Measured in the
    case service's servicer, one process, status reads over a million cases turning over its
    cache of decoded cases, 8,000 calls: full collections of 160–275 ms before, 25–80 ms
    after.

    The youngest generation is collected every ``YOUNG_THRESHOLD`` allocations instead of
    700: the hall's inbox page, in one process under callgrind (``bench.hall_calls``), 2 %
    fewer instructions (10.32 → 10.12 million a page; a collection every 50 pages instead of
    about one a page). The middle generation, still collected every 10 young collections,
    then walks up to ten times more objects a collection (1–18 ms, at most 61 ms, seen in the
    case service and the gateway under the status reads; their p99 did not move)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
