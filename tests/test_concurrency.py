"""Concurrent requests against committed data on separate connections, as several processes would
make them: login throttling holds under parallel guesses, and read-then-write transactions (session
touches) do not fail with "database is locked" on SQLite."""

from __future__ import annotations

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, delete, select, update

from onething.identity import auth
from onething.identity import repository as repo
from onething.kit.db import session_scope
from onething.kit.errors import AppError
from onething.models import AuthSession, LoginFailure
from onething.models.base import utcnow


def _attempt(engine: Engine, login: str) -> int:
    try:
        with session_scope(engine) as session:
            try:
                auth.authenticate(session, login, "Wrong@2026", "10.9.8.7")
            except auth.LoginRefused as refused:
                return refused.status  # committed on the way out, like the route does
    except AppError as exc:
        return exc.status
    return 200


def test_parallel_guesses_cannot_outrun_the_lock(fresh_engine: Engine) -> None:
    login = f"race_{uuid.uuid4().hex[:8]}"
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: _attempt(fresh_engine, login), range(16)))
        assert statuses.count(401) == 5, statuses
        assert statuses.count(429) == 11, statuses
    finally:
        with session_scope(fresh_engine) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.ip == "10.9.8.7"))


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
