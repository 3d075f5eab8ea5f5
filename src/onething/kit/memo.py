"""Compute-once maps for values derived from immutable inputs (a catalog version, its index).

Each value is built at most once per process even when requests race for it; readers that find
it pay one dict look-up and no lock.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, MutableMapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
log = logging.getLogger(__name__)


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


class Snapshots(Generic[K, V]):
    """Values dear to compute that may be up to ``seconds()`` old (a supervisor's statistics over a
    province's quarter). The first caller of a key computes it while others wait; once it is older than
    that, one caller recomputes while the others get the previous value at once, so a refresh never
    queues a crowd. Given ``detached`` (the same value built on its own, e.g. with its own database
    session), the refresh runs in a thread of its own and no caller waits for it at all; if it fails the
    old value stays and the next caller tries again. ``seconds() <= 0`` computes every time. At most
    ``limit`` keys are kept."""

    def __init__(self, seconds: Callable[[], float], limit: int = 256) -> None:
        self._seconds, self._limit = seconds, limit
        self._values: dict[K, tuple[float, V]] = {}
        self._refreshing: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V], detached: Callable[[], V] | None = None) -> V:
        seconds = self._seconds()
        if seconds <= 0:
            return build()
        with self._lock:
            known = self._values.get(key)
            refreshing = self._refreshing.setdefault(key, threading.Lock())
        if known is not None and time.monotonic() - known[0] < seconds:
            return known[1]
        if known is not None and not refreshing.acquire(blocking=False):
            return known[1]  # another caller is refreshing it
        if known is not None and detached is not None:
            threading.Thread(target=self._refresh, args=(key, detached, refreshing), daemon=True).start()
            return known[1]
        if known is None:
            refreshing.acquire()  # nothing to give yet: wait for whoever computes it first
            with self._lock:
                known = self._values.get(key)
            if known is not None and time.monotonic() - known[0] < seconds:
                refreshing.release()
                return known[1]
        try:
            value = build()
            self._keep(key, value)
            return value
        finally:
            refreshing.release()

    def _refresh(self, key: K, detached: Callable[[], V], refreshing: threading.Lock) -> None:
        try:
            self._keep(key, detached())
        except Exception:  # the old value stays; the next caller after it tries again
            log.exception("refreshing a snapshot failed")
        finally:
            refreshing.release()

    def _keep(self, key: K, value: V) -> None:
        with self._lock:
            if key not in self._values and len(self._values) >= self._limit:
                oldest = min(self._values, key=lambda k: self._values[k][0])
                del self._values[oldest]
                self._refreshing.pop(oldest, None)
            self._values[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
