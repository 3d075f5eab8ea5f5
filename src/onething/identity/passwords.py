"""Passwords hashed with argon2id; the cost comes from the settings.

A hash costs ~230 ms of one core and 64 MiB (one lane: see the settings). Requests never hash on their
own threads: ``hash_pool()`` is a small executor per process (``password_hash_threads``, at a lower CPU
priority) with a bounded queue, so a flood of logins waits in that queue, or is refused at once when it
is full, while every other request keeps the rest of the machine. The argon2 binding releases the GIL
while it hashes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from onething.kit.errors import ServiceUnavailable, ValidationFailed
from onething.kit.settings import get_settings

MIN_LENGTH = 8
T = TypeVar("T")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(
        time_cost=s.password_time_cost, memory_cost=s.password_memory_kib, parallelism=s.password_parallelism
    )


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """False for a wrong password or no stored hash; the cost is paid either way (no timing oracle)."""
    try:
        return _hasher().verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy() -> str:
    return _hasher().hash("no such account: spend the same time")


def rehash(password: str) -> str:
    """A new hash for a password already accepted: no strength rule applies to it here."""
    return _hasher().hash(password)


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"密码至少 {MIN_LENGTH} 位", field="password")
    kinds = sum(
        (
            any(c.isdigit() for c in password),
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 3:
        raise ValidationFailed("密码须包含大写字母、小写字母、数字、符号中的至少三类", field="password")


class HashPool:
    """At most ``threads`` hashes at once and ``queue`` more waiting; beyond that, 503 straight away.

    Its threads run at a lower CPU priority (``nice``, Linux only): one thread per worker still makes
    as many hashing threads as cores on a small machine, and a burst of wrong passwords would otherwise
    take every core from the requests in flight. Logins get what the other requests leave."""

    def __init__(self, threads: int, queue: int, nice: int = 0) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="argon2", initializer=_lower_priority, initargs=(nice,)
        )
        self._limit = threads + queue
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        return self._pending

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._pending >= self._limit:
                raise ServiceUnavailable("登录的人较多，请稍候几秒再试", code="busy", retry_after=2)
            self._pending += 1
        future: Future[T] = self._executor.submit(fn, *args)
        # Released when the hash is done, even if the client went away and this coroutine was cancelled.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: Future[T]) -> None:
        with self._lock:
            self._pending -= 1


def _lower_priority(nice: int) -> None:
    if nice > 0 and sys.platform == "linux":  # there a thread has its own priority, set by its id
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + nice))


def thread_priority() -> int:
    """This thread's nice value (Linux), for the test that the pool's threads are lowered."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@lru_cache(maxsize=1)
def hash_pool() -> HashPool:
    s = get_settings()
    threads = s.password_hash_threads or max(1, (os.cpu_count() or 2) // (2 * max(1, s.workers)))
    return HashPool(threads, s.password_hash_queue, s.password_hash_nice)
