"""Password login that no single client can use to stall everyone or to lock an owner out.

One attempt, in order; each step refuses before the next, dearer one runs:
1. In memory, no database: has this address (or this known device) failed too often lately
   (a token bucket: ``login_ip_failure_burst`` at once, then ``login_ip_failures_per_minute``; each
   attempt takes a token up front and gives it back unless it fails)? Then 429 at once
   (``identity.login_gate`` refuses these in front of the app, after a hold). Attempts at one
   account take turns within a process (a queue of 8, then 429), so parallel guesses cannot all slip
   past the count below.
2. A short read transaction: the account and its recent failures. Nothing is ever locked: after
   ``login_free_failures`` failures each further attempt must wait twice as long as the last one did
   (2 s, 4 s … up to ``login_max_delay_seconds``) since the latest failure; an attempt inside the wait is
   refused (429 with Retry-After) without hashing and without being recorded, so hammering does not
   lengthen it, but it counts against the address in step 1. A device that has signed in to this
   account before (a signed device token: the ``onething_device`` cookie, or ``device`` in the API)
   skips the wait: the owner gets in at once while a stranger guessing elsewhere is slowed.
3. The argon2 check, outside any transaction, in the bounded ``passwords.hash_pool``; an unknown
   account costs the same (no oracle).
4. A short write transaction: a failure row (account as a keyed hash, never the login), or on success
   the failures made from the same address cleared (those from elsewhere keep slowing whoever made
   them) and the hash upgraded if its cost changed (hashed in the pool first).

Counts in memory are per process, so N workers allow N times the burst; the database keeps the delay
exact across processes and restarts. A deployment that wants a second factor or a captcha for
strangers under delay adds it at step 2, where the refusal is decided.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from anyio import to_thread
from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.identity.auth import BAD_CREDENTIALS, account_key, normalise_login
from onething.identity.passwords import hash_pool, needs_rehash, rehash, verify_password
from onething.kit import clock, signing
from onething.kit.db import unit_of_work
from onething.kit.errors import TooManyRequests, Unauthorized
from onething.kit.ratelimit import Buckets
from onething.kit.settings import get_settings
from onething.models import LoginFailure

DEVICE_COOKIE = "onething_device"
DEVICE_DAYS = 180
_DEVICE_PURPOSE = "login-device"
T = TypeVar("T")
Sessions = Callable[[], Session]


@dataclass(frozen=True, slots=True)
class Verified:
    user_id: int
    device: str  # a signed token naming this device for this account: give it back next time


@dataclass(frozen=True, slots=True)
class _Account:
    user_id: int | None
    stored_hash: str | None
    active: bool
    wait: float  # seconds this attempt must still wait (0: may go on)


class Gate:
    """This process's memory of failures per address or device, and its queue of attempts per account."""

    def __init__(self, burst: int, per_minute: float, queue: int = 8) -> None:
        self.failures = Buckets(per_minute, burst)
        self.queue = queue
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Attempts at one account take turns, so each sees the failures of the one before it (a program
        that signs in from several threads at once just waits a moment). Beyond ``queue``, 429 at once."""
        lock, waiting = self._turns.get(key) or (asyncio.Lock(), 0)
        if waiting >= self.queue:
            raise TooManyRequests("该账号正在验证，请稍候再试", field="login", retry_after=1)
        self._turns[key] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._turns[key]
            if waiting <= 1:
                del self._turns[key]
            else:
                self._turns[key] = (lock, waiting - 1)


@lru_cache(maxsize=1)
def gate() -> Gate:
    s = get_settings()
    return Gate(s.login_ip_failure_burst, s.login_ip_failures_per_minute)


def device_token(key: str, device_id: str | None = None) -> str:
    return signing.sign(f"{key[:32]}.{device_id or secrets.token_urlsafe(12)}", _DEVICE_PURPOSE)


def known_device(token: str | None, key: str) -> str | None:
    """The device's id when ``token`` is ours and was given for this account, else None."""
    value = signing.unsign(token[:200] if token else None, _DEVICE_PURPOSE)
    if value is None:
        return None
    account, _, device_id = value.partition(".")
    return device_id if account == key[:32] and device_id else None


def _wait_text(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"


def throttled(seconds: float) -> TooManyRequests:
    return TooManyRequests(
        f"登录失败次数较多，请 {_wait_text(seconds)}后再试；在常用设备上登录不受此限制",
        field="login",
        retry_after=seconds,
    )


async def check_password(sessions: Sessions, login: str, password: str, ip: str, device: str | None) -> Verified:
    """The account behind ``login`` and ``password``, or an ``AppError`` (401, 429 or 503)."""
    key = account_key(login)
    device_id = known_device(device, key)
    bucket = f"device:{device_id}" if device_id else f"ip:{ip}"
    g = gate()
    # Taken up front and given back unless the attempt fails: parallel attempts cannot all slip through
    # on the one token an address has just earned back.
    wait = g.failures.take(bucket)
    if wait > 0:
        raise throttled(wait)
    spent = False
    try:
        async with g.turn(key):
            account = await _in_thread(_look_up, sessions, login, key, device_id is not None)
            if account.wait > 0:
                # Knocking at a slowed account counts against the knocker too: an address that keeps
                # at it is soon refused in front of the app (identity.login_gate), without this read.
                spent = True
                raise throttled(account.wait)
            pool = hash_pool()
            ok = await pool.run(verify_password, account.stored_hash, password)
            if ok and account.active and account.user_id is not None:
                stored = account.stored_hash
                upgraded = await pool.run(rehash, password) if stored and needs_rehash(stored) else None
                await _in_thread(_succeeded, sessions, key, ip, account.user_id, upgraded)
                return Verified(account.user_id, device_token(key, device_id))
            spent = True
            await _in_thread(_failed, sessions, key, ip)
            raise Unauthorized(BAD_CREDENTIALS, field="login", code="bad_credentials")
    finally:
        if not spent:
            g.failures.give_back(bucket)


async def _in_thread(fn: Callable[..., T], *args: object) -> T:
    return await to_thread.run_sync(fn, *args)


def _look_up(sessions: Sessions, login: str, key: str, known: bool) -> _Account:
    s = get_settings()
    now = clock.now()
    with unit_of_work(sessions) as session:
        user = repo.user_by_login(session, normalise_login(login))
        wait = 0.0
        if not known:
            since = now - dt.timedelta(hours=s.login_failure_memory_hours)
            count, latest = repo.account_failures_since(session, key, since)
            if count >= s.login_free_failures and latest is not None:
                delay = min(2.0 ** (count - s.login_free_failures + 1), s.login_max_delay_seconds)
                wait = delay - (now - latest).total_seconds()
        if user is None:
            return _Account(None, None, False, wait)
        return _Account(user.id, user.password_hash, user.active, wait)


def _succeeded(sessions: Sessions, key: str, ip: str, user_id: int, upgraded: str | None) -> None:
    now = clock.now()
    with unit_of_work(sessions) as session:
        # The owner's own typos are forgotten; failures from elsewhere keep slowing whoever made them.
        repo.clear_failures(session, key, ip[:45])
        memory = dt.timedelta(hours=max(24.0, get_settings().login_failure_memory_hours))
        repo.prune(session, now - memory, now - dt.timedelta(days=30))
        if upgraded is not None:
            repo.set_password_hash(session, user_id, upgraded)


def _failed(sessions: Sessions, key: str, ip: str) -> None:
    with unit_of_work(sessions) as session:
        repo.add(session, LoginFailure(account_key=key, ip=ip[:45], at=clock.now()))
