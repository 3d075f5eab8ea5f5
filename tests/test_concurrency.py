"""Concurrent requests against committed data on separate connections, as several processes would
make them: login throttling holds under parallel guesses, and read-then-write transactions (session
touches) do not fail with "database is locked" on SQLite."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import Engine, delete, func, select, update

from onething.demo.accounts import DEMO_PASSWORD
from onething.identity import auth
from onething.identity import login as login_flow
from onething.identity import repository as repo
from onething.identity.passwords import HashPool, thread_priority
from onething.kit.db import make_engine, session_factory, session_scope
from onething.kit.errors import AppError, ServiceUnavailable
from onething.kit.web import RequestSlots
from onething.models import AuthSession, LoginFailure
from onething.models.base import utcnow
from onething.web.app import create_app


def _attempts(engine: Engine, login: str, n: int, password: str = "Wrong@2026") -> list[int]:
    """``n`` attempts at once on one event loop, as one worker process receives them."""
    sessions = session_factory(engine)

    async def one() -> int:
        try:
            await login_flow.check_password(sessions, login, password, "10.9.8.7", None)
        except AppError as exc:
            return exc.status
        return 200

    async def all_of_them() -> list[int]:
        return list(await asyncio.gather(*(one() for _ in range(n))))

    return asyncio.run(all_of_them())


def test_parallel_guesses_cannot_outrun_the_delay(fresh_engine: Engine) -> None:
    login = f"race_{uuid.uuid4().hex[:8]}"
    statuses = [s for _ in range(4) for s in _attempts(fresh_engine, login, 8)]
    # Attempts at one account take turns in a process, then the database's delay holds: the five free
    # failures reach argon2, plus at most one more each time a doubled wait (2 s, 4 s) passes meanwhile.
    assert set(statuses) <= {401, 429} and 5 <= statuses.count(401) <= 7, statuses
    with session_scope(fresh_engine) as session:
        rows = session.scalar(select(func.count()).where(LoginFailure.account_key == auth.account_key(login)))
    assert rows == statuses.count(401)


def test_one_account_signing_in_from_several_threads_at_once_just_waits_its_turn(fresh_engine: Engine) -> None:
    # A program (or a load test) logging in its workers together: every one gets in, none is refused.
    assert _attempts(fresh_engine, "zz_clerk", 6, DEMO_PASSWORD) == [200] * 6


def test_no_connection_is_held_while_a_password_is_hashed(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[int] = []
    real = login_flow.verify_password

    def spy(stored: str | None, password: str) -> bool:
        held.append(fresh_engine.pool.checkedout())  # type: ignore[attr-defined]
        return real(stored, password)

    monkeypatch.setattr(login_flow, "verify_password", spy)
    assert _attempts(fresh_engine, "zz_clerk", 1, DEMO_PASSWORD) == [200]
    assert _attempts(fresh_engine, "zz_clerk", 1) == [401]
    assert held == [0, 0]  # on SQLite a held transaction would be the database's write lock


def test_the_hash_pool_refuses_at_once_beyond_its_queue() -> None:
    pool = HashPool(threads=1, queue=1)
    gate = threading.Event()

    async def crowd() -> list[object]:
        waiting = [asyncio.ensure_future(pool.run(gate.wait, 5)) for _ in range(2)]
        await asyncio.sleep(0)
        try:
            await pool.run(gate.wait, 5)
        except ServiceUnavailable as exc:
            refused: object = (exc.status, exc.code, exc.headers)
        else:
            refused = None
        gate.set()
        return [refused, *(await asyncio.gather(*waiting))]

    refused, *done = asyncio.run(crowd())
    assert refused == (503, "busy", {"Retry-After": "2"})
    assert done == [True, True] and pool.pending == 0


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own priority is a Linux feature")
def test_the_hash_pool_threads_yield_the_cpu_to_requests() -> None:
    async def niceness(pool: HashPool) -> int:
        return await pool.run(thread_priority)

    mine = thread_priority()
    assert asyncio.run(niceness(HashPool(threads=1, queue=1, nice=10))) == min(19, mine + 10)
    assert asyncio.run(niceness(HashPool(threads=1, queue=1))) == mine
    assert thread_priority() == mine  # the caller's own thread is left as it was


def test_parallel_session_touches_all_succeed(fresh_engine: Engine) -> None:
    with session_scope(fresh_engine) as session:
        user = repo.user_by_login(session, "zz_clerk")
        assert user is not None
        tokens = [auth.open_session(session, user, auth.API, "10.9.8.6").token for _ in range(12)]
        session.execute(
            update(AuthSession)
            .where(AuthSession.ip == "10.9.8.6")
            .values(last_seen_at=utcnow() - dt.timedelta(minutes=10))
        )

    def resolve(token: str) -> bool:
        with session_scope(fresh_engine) as session:
            return auth.resolve(session, token, auth.API, "10.9.8.6") is not None

    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert all(pool.map(resolve, tokens * 2))
        with session_scope(fresh_engine) as session:
            seen = session.scalars(select(AuthSession.last_seen_at).where(AuthSession.ip == "10.9.8.6")).all()
        assert all(utcnow() - s < dt.timedelta(minutes=1) for s in seen)
    finally:
        with session_scope(fresh_engine) as session:
            session.execute(delete(AuthSession).where(AuthSession.ip == "10.9.8.6"))


def _burst(app: Any, token: str, n: int) -> list[int]:
    """``n`` requests at once on one event loop whose thread pool has two threads, as a busy worker
    process's pool is full: each needs a connection for who is asking, then again for the route."""

    async def run() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=120) as client:
            answers = await asyncio.gather(
                *(client.get("/api/v1/cases", params={"limit": 1}, headers=headers) for _ in range(n))
            )
        return [a.status_code for a in answers]

    return asyncio.run(run())


def test_a_burst_never_stalls_on_the_connection_pool(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four connections, two threads, twelve requests: unbounded, the threads end up waiting for
    connections held by requests that wait for a thread, until the pool's 30 s timeout turns them into
    503s. Two request slots (kit.web.RequestSlots) keep every request moving."""
    if fresh_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's pool is not the one a province runs on")
    small = make_engine(fresh_engine.url.render_as_string(hide_password=False), pool_size=2)
    try:
        with session_scope(small) as session:
            user = repo.user_by_login(session, "zz_clerk")
            assert user is not None
            token = auth.open_session(session, user, auth.API, "10.1.2.3").token
        app = create_app(small)
        app.state.request_slots = RequestSlots(2, 60)
        assert _burst(app, token, 12) == [200] * 12
        assert small.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        small.dispose()


def test_past_its_wait_a_queued_request_is_a_503_busy() -> None:
    slots = RequestSlots(1, 0.05)

    async def crowd() -> tuple[object, bool]:
        async with slots.hold():
            try:
                async with slots.hold():
                    pass
            except ServiceUnavailable as exc:
                refused: object = (exc.status, exc.code, exc.headers)
            else:
                refused = None
        async with slots.hold():  # the slot came back
            free = True
        return refused, free

    assert asyncio.run(crowd()) == ((503, "busy", {"Retry-After": "1"}), True)
