"""A small bounded cache whose entries expire, for what is costly to compute and safe to reuse
for a while (verified tokens, signed assertions: ``services.shared.auth``, ``gateway``).

Each entry has its own deadline (``time.time()`` seconds) and, optionally, the *generation*
it was made under — any object, compared by identity: the node registry in force, for
instance, so that an entry made under one registry is never served under the next. An entry
past its deadline, or of another generation than the caller's, is dropped when looked up and
never returned. At most ``size`` entries are kept; the least recently used goes first. Safe to
share between threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringCache(Generic[V]):
    """key → value until its deadline, within one generation; least recently used evicted."""

    def __init__(self, size: int, clock: Callable[[], float] | None = None) -> None:
        """``clock``: now, in the deadlines' seconds (``time.time()`` unless said)."""
        if size < 1:
            raise ValueError("size: at least 1")
        self.size, self._clock = size, clock or (lambda: time.time())
        self._entries: OrderedDict[Hashable, tuple[V, float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, generation: object = None) -> V | None:
        """The value of ``key`` while before its deadline and made under ``generation``
        (the very object), else None (and the entry dropped)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            value, deadline, made_under = found
            if self._clock() >= deadline or made_under is not generation:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V, deadline: float, generation: object = None) -> None:
        """Keep ``value`` for ``key`` until ``deadline`` (``time.time()`` seconds), for
        ``generation``; the least recently used entry goes when the cache is full."""
        with self._lock:
            self._entries[key] = (value, deadline, generation)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
