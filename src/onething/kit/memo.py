"""Compute-once maps for values derived from immutable inputs (a catalog version, its index).

Each value is built at most once per process even when requests race for it; readers that find
it pay one dict look-up and no lock.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, MutableMapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class OnceMap(Generic[K, V]):
    """``limit``: keep at most this many values, dropping the oldest built (weak keys need none)."""

    def __init__(self, *, weak_keys: bool = False, limit: int | None = None) -> None:
        self._values: MutableMapping[K, V] = weakref.WeakKeyDictionary() if weak_keys else {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, key: K, build: Callable[[], V]) -> V:
        found = self._values.get(key)
        if found is None:
            with self._lock:
                found = self._values.get(key)
                if found is None:
                    found = build()
                    if self._limit is not None and len(self._values) >= self._limit:
                        del self._values[next(iter(self._values))]
                    self._values[key] = found
        return found

    def peek(self, key: K) -> V | None:
        return self._values.get(key)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class Fresh(Generic[K, V]):
    """Values a process may trust for ``seconds()`` after reading them from a source other processes
    can change (the active catalog version, the holiday table). ``seconds() <= 0`` keeps nothing."""

    def __init__(self, seconds: Callable[[], float]) -> None:
        self._seconds = seconds
        self._values: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        known = self._values.get(key)
        if known is None or time.monotonic() - known[0] >= self._seconds():
            return None
        return known[1]

    def put(self, key: K, value: V) -> None:
        if self._seconds() > 0:
            self._values[key] = (time.monotonic(), value)

    def clear(self) -> None:
        self._values.clear()
