"""Logins against the real server (``onething serve``, two worker processes, loopback): a flood of
wrong passwords is answered without taking the service down, and X-Forwarded-For is believed only
from a configured proxy. Speed is measured by `make reliability`, not here."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import live_server
import pytest
from sqlalchemy import Engine, select

from onething.demo.accounts import DEMO_PASSWORD
from onething.kit.db import session_scope
from onething.models import LoginFailure


@pytest.fixture
def server(fresh_engine: Engine, tmp_path: Path) -> Iterator[str]:
    env = live_server.env_for(
        fresh_engine, tmp_path, ONETHING_SECRET_KEY="test-login-server", ONETHING_LOG_LEVEL="warning"
    )
    with live_server.running(env) as (base, _):
        yield base


def test_a_login_flood_leaves_the_service_answering_and_proxies_are_not_believed(
    server: str, fresh_engine: Engine
) -> None:
    # X-Forwarded-For from loopback is not a proxy's word: the failure is the connection's address.
    r = httpx.post(
        f"{server}/api/v1/auth/token",
        json={"login": "cs_clerk", "password": "Wrong@2026"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert r.status_code == 401
    with session_scope(fresh_engine) as session:
        assert session.scalars(select(LoginFailure.ip)).all() == ["127.0.0.1"]

    def guess(n: int) -> int:
        body = {"login": f"430104199003070{n % 1000:03d}", "password": "Wrong@2026"}
        return httpx.post(f"{server}/api/v1/auth/token", json=body, timeout=60).status_code

    def search(_: int) -> int:
        return httpx.get(f"{server}/api/v1/things", params={"q": "开办"}, timeout=60).status_code

    admin = {"login": "cs_admin", "password": DEMO_PASSWORD}
    device = httpx.post(f"{server}/api/v1/auth/token", json=admin).json()["device"]
    with ThreadPoolExecutor(max_workers=40) as pool:
        flood = [pool.submit(guess, n) for n in range(150)]
        others = list(pool.map(search, range(20)))
        statuses = [f.result() for f in flood]
    assert set(others) == {200}
    # Each guess is refused in a way a client understands: wrong (401), slow down (429) or busy (503).
    assert set(statuses) <= {401, 429, 503} and 429 in statuses, sorted(set(statuses))
    # The address is now slowed for strangers, but an owner on a device that signed in before gets in
    # at once, even from that same address.
    right = httpx.post(f"{server}/api/v1/auth/token", json={**admin, "device": device})
    assert right.status_code == 201, right.text
    with session_scope(fresh_engine) as session:
        recorded = len(session.scalars(select(LoginFailure.id)).all())
    assert recorded == 1 + statuses.count(401)  # every guess that was checked is on record, no other
