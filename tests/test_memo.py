"""kit.memo.Snapshots: dear figures computed at most every so often, and a refresh never queues a crowd."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

from onething.kit.memo import Snapshots


def _counting(values: list[str]) -> tuple[Callable[[], str], list[int]]:
    calls = [0]

    def build() -> str:
        calls[0] += 1
        return values[min(calls[0], len(values)) - 1]

    return build, calls


def test_a_fresh_value_is_computed_once() -> None:
    snapshots: Snapshots[str, str] = Snapshots(lambda: 60)
    build, calls = _counting(["v1", "v2"])
    assert [snapshots.get("k", build) for _ in range(5)] == ["v1"] * 5
    assert calls == [1]


def test_zero_seconds_computes_every_time() -> None:
    snapshots: Snapshots[str, str] = Snapshots(lambda: 0)
    build, calls = _counting(["v1", "v2", "v3"])
    assert [snapshots.get("k", build) for _ in range(3)] == ["v1", "v2", "v3"]
    assert calls == [3]


def test_a_stale_value_is_served_while_one_caller_refreshes_it() -> None:
    seconds = [60.0]
    snapshots: Snapshots[str, str] = Snapshots(lambda: seconds[0])
    assert snapshots.get("k", lambda: "old") == "old"
    seconds[0] = 0.01
    time.sleep(0.02)  # now stale
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "new"

    refreshed: list[str] = []
    refresher = threading.Thread(target=lambda: refreshed.append(snapshots.get("k", slow)))
    refresher.start()
    assert started.wait(10)
    # While the refresh runs, others get the previous value at once and compute nothing.
    assert snapshots.get("k", lambda: "must not be built") == "old"
    release.set()
    refresher.join(10)
    seconds[0] = 60.0
    assert refreshed == ["new"] and snapshots.get("k", lambda: "unused") == "new"


def test_the_first_value_is_computed_once_however_many_ask_at_once() -> None:
    snapshots: Snapshots[str, str] = Snapshots(lambda: 60)
    calls = [0]
    gate = threading.Barrier(8)

    def build() -> str:
        calls[0] += 1
        time.sleep(0.05)
        return "v"

    answers: list[str] = []

    def ask() -> None:
        gate.wait(10)
        answers.append(snapshots.get("k", build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert answers == ["v"] * 8 and calls == [1]


def test_at_most_limit_keys_are_kept() -> None:
    snapshots: Snapshots[int, str] = Snapshots(lambda: 60, limit=3)
    for key in range(5):
        snapshots.get(key, partial(str, key))
    build, calls = _counting(["again"])
    assert snapshots.get(0, build) == "again" and calls == [1]  # the oldest went
    assert snapshots.get(4, lambda: "unused") == "4"


def test_with_a_detached_build_nobody_waits_for_the_refresh() -> None:
    seconds = [60.0]
    snapshots: Snapshots[str, str] = Snapshots(lambda: seconds[0])
    assert snapshots.get("k", lambda: "old", lambda: "unused") == "old"  # the first value: built in place
    seconds[0] = 0.01
    time.sleep(0.02)
    started, release = threading.Event(), threading.Event()

    def detached() -> str:
        started.set()
        release.wait(10)
        return "new"

    # The caller that finds it stale gets the old value at once; the refresh runs in its own thread.
    assert snapshots.get("k", lambda: "must not be built here", detached) == "old"
    assert started.wait(10)
    assert snapshots.get("k", lambda: "nor here", lambda: "nor a second refresh") == "old"
    release.set()
    deadline = time.monotonic() + 10
    seconds[0] = 60.0
    while snapshots.get("k", lambda: "unused") != "new" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert snapshots.get("k", lambda: "unused") == "new"


def test_a_failed_detached_refresh_keeps_the_old_value_and_is_tried_again() -> None:
    seconds = [60.0]
    snapshots: Snapshots[str, str] = Snapshots(lambda: seconds[0])
    snapshots.get("k", lambda: "old")
    seconds[0] = 0.01
    time.sleep(0.02)
    tried = threading.Event()

    def broken() -> str:
        tried.set()
        raise RuntimeError("database gone")

    assert snapshots.get("k", lambda: "unused", broken) == "old" and tried.wait(10)
    deadline = time.monotonic() + 10
    answer = "old"
    while answer == "old" and time.monotonic() < deadline:  # the lock is released: a new refresh runs
        answer = snapshots.get("k", lambda: "unused", lambda: "again")
        time.sleep(0.01)
    assert answer == "again"
