"""Fixtures: every database test runs on SQLite and on PostgreSQL.

``make test`` starts a throwaway PostgreSQL cluster and passes its port in ONETHING_TEST_PG_PORT;
pytest-postgresql's no-process fixture points at it and its janitor makes one fresh database per
run. Each test runs inside a transaction that is rolled back, so tests never see each other.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pytest_postgresql import factories
from pytest_postgresql.janitor import DatabaseJanitor
from seeding import MINI, SEED, prepare
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.catalog.service import validate_path
from onething.identity import auth
from onething.identity import repository as identity_repo
from onething.kit.db import make_engine
from onething.web.app import create_app

PG_PORT = os.environ.get("ONETHING_TEST_PG_PORT")
# Tests load catalogs and read them back at once: no caching of the active version.
os.environ["ONETHING_CATALOG_CHECK_SECONDS"] = "0"
os.environ["ONETHING_STATS_CACHE_SECONDS"] = "0"  # tests see every change at once; tests/test_memo.py covers the cache
# Cheap argon2 and a fixed signing key: tests log in hundreds of times.
os.environ["ONETHING_PASSWORD_TIME_COST"] = "1"
os.environ["ONETHING_PASSWORD_MEMORY_KIB"] = "8192"
os.environ["ONETHING_SECRET_KEY"] = "test-secret-key-not-for-production"
# The supervision job runs when a test runs it (on its chosen day), never from a background thread.
os.environ["ONETHING_SUPERVISION_INTERVAL_SECONDS"] = "0"
# A throttled login is answered at once: the hold (identity.login_gate) has its own test.
os.environ["ONETHING_LOGIN_REFUSAL_HOLD_SECONDS"] = "0"


def _scratch(variable: str, prefix: str) -> None:
    """Uploaded materials, seals and policy runs go to a scratch directory, never the working tree's
    var/; the process that made it (pytest's controller under xdist, whose workers inherit the variable)
    removes it when it exits."""
    if variable not in os.environ:
        os.environ[variable] = made = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, made, True)


_scratch("ONETHING_FILES_DIR", "onething-files-")
_scratch("ONETHING_SEALS_DIR", "onething-seals-")
_scratch("ONETHING_POLICY_RUNS_DIR", "onething-runs-")

pg_server = factories.postgresql_noproc(host="127.0.0.1", port=PG_PORT or 5432, user="postgres")


def _compiled(path: Path) -> Catalog:
    catalog, problems, _ = validate_path(path)
    assert catalog is not None, "\n".join(str(p) for p in problems)
    return catalog


@pytest.fixture(scope="session")
def seed_catalog() -> Catalog:
    return _compiled(SEED)


@pytest.fixture(scope="session")
def mini_catalog() -> Catalog:
    return _compiled(MINI)


# How to make a database of one's own from the pristine copy of each shared engine (see ``fresh_engine``).
_FRESH: dict[int, Callable[[Path], Engine]] = {}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("db")
        eng = make_engine(f"sqlite:///{folder / 'test.db'}")
        prepare(eng)
        eng.dispose()
        pristine = folder / "pristine.db"
        shutil.copyfile(folder / "test.db", pristine)

        def fresh_sqlite(where: Path) -> Engine:
            shutil.copyfile(pristine, where / "own.db")
            return make_engine(f"sqlite:///{where / 'own.db'}")

        _FRESH[id(eng)] = fresh_sqlite
        yield eng
        eng.dispose()
        return
    if not PG_PORT:
        if os.environ.get("ONETHING_REQUIRE_PG"):
            pytest.fail("ONETHING_REQUIRE_PG is set but no PostgreSQL port was given")
        pytest.skip("PostgreSQL not configured: run `make test`, or set ONETHING_TEST_PG_PORT")
    server = request.getfixturevalue("pg_server")
    dbname = f"onething_test_{os.getpid()}"
    admin = f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/postgres"
    template = f"{dbname}_pristine"
    with DatabaseJanitor(user=server.user, host=server.host, port=server.port, dbname=dbname):
        eng = make_engine(f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/{dbname}")
        prepare(eng)
        eng.dispose()
        _create_database(admin, template, template=dbname)
        made = itertools.count()

        def fresh_pg(_where: Path) -> Engine:
            name = f"{dbname}_own_{next(made)}"
            _create_database(admin, name, template=template)
            return make_engine(f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/{name}")

        _FRESH[id(eng)] = fresh_pg
        yield eng
        eng.dispose()
        _drop_databases(admin, f"{dbname}_%")


def _create_database(admin: str, name: str, template: str) -> None:
    eng = make_engine(admin)
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    eng.dispose()


def _drop_databases(admin: str, like: str) -> None:
    eng = make_engine(admin)
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        names = conn.exec_driver_sql("SELECT datname FROM pg_database WHERE datname LIKE %s", (like,)).scalars()
        for name in list(names):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    eng.dispose()


@pytest.fixture
def fresh_engine(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A database of the test's own, as prepared and untouched by other tests: for tests whose code
    commits (concurrency, jobs in several processes). Committed rows in the shared database would
    leak into later tests — a job's watermark from today hides a later test's ratings dated in the past."""
    eng = _FRESH[id(engine)](tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


def _session(conn: Connection) -> Session:
    # Commits inside the code under test release a SAVEPOINT; the outer transaction is rolled back.
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    session = _session(connection)
    yield session
    session.close()


@pytest.fixture(scope="session")
def started(engine: Engine) -> Iterator[TestClient]:
    """One app per engine for the whole run, its lifespan entered once: each start pays a full
    ``gc.collect(); gc.freeze()`` (web.app._warm_up), and frozen objects would pile up test after test."""
    with TestClient(create_app(engine)) as c:
        yield c


@pytest.fixture
def client(started: TestClient, connection: Connection) -> Iterator[TestClient]:
    """A client of its own (cookies) on the shared app, whose requests see only this test's transaction.

    Settings are read per request (``get_settings``), so a test's monkeypatched setting still applies;
    what a test sets on ``app.state`` (a stand-in OIDC provider) is put back afterwards."""
    app: FastAPI = started.app  # type: ignore[assignment]
    before = dict(app.state._state)
    app.state.sessions = lambda: _session(connection)
    c = TestClient(app)
    c.portal = started.portal  # the started app's event loop: no new loop per request
    try:
        yield c
    finally:
        c.close()
        app.state._state.clear()
        app.state._state.update(before)


@pytest.fixture
def login(db: Session) -> Callable[[str], dict[str, str]]:
    """Bearer headers for a demo account, the token issued directly (the login route has its own tests)."""

    def headers(name: str) -> dict[str, str]:
        user = identity_repo.user_by_login(db, auth.normalise_login(name))
        assert user is not None, name
        issued = auth.open_session(db, user, auth.API, "127.0.0.1")
        return {"Authorization": f"Bearer {issued.token}"}

    return headers


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Each test starts with nothing remembered in memory by the per-process limits: failed logins
    (identity.login's gate) and public license checks (licenses.throttle)."""
    from onething.identity import login as login_flow
    from onething.licenses import throttle

    login_flow.gate.cache_clear()
    throttle.VERIFY.clear()
    yield
    login_flow.gate.cache_clear()
    throttle.VERIFY.clear()


@pytest.fixture
def roomy_verify_limit() -> Iterator[None]:
    """For tests that check many licenses from one client: a rate limit they never reach (the limit itself
    is tested in test_verify_enumeration). Undone before the settings are read again."""
    from onething.kit.settings import get_settings
    from onething.licenses import throttle

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONETHING_VERIFY_BURST", "1000")
        get_settings.cache_clear()
        throttle.VERIFY.clear()
        yield
    get_settings.cache_clear()
    throttle.VERIFY.clear()
