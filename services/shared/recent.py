"""A bounded, thread-safe map of what was used lately: the least recently used entry goes
first. For values that never go stale under their key — a case decoded at an event sequence,
a queue entry built from one — where ``services.shared.expiring_cache`` is for those that do."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """key → value, at most ``size`` of them, least recently used evicted."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("size: at least 1")
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
