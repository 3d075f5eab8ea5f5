"""A committed demo world for ``onething check`` and backup tests: cases along every path (with their tasks,
materials, licenses and ratings, one bad), wallet licenses, imported occasions, a policy run whose list was
worked by hand, confirmed and partly paid. Built once per database kind, copied for each test."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import _FRESH  # the pristine copy of each shared engine
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from onething.catalog.service import active_catalog
from onething.demo.cases import cast, drive
from onething.demo.evaluations import generate
from onething.demo.libraries import add_enterprises
from onething.demo.policies import add_facts
from onething.demo.ratings import rate_demo_cases
from onething.demo.wallets import seed_wallets
from onething.identity import auth
from onething.identity.principal import Principal
from onething.kit.db import make_engine, session_factory, session_scope
from onething.kit.settings import get_settings
from onething.models import Payment, Policy, PolicyMatch, User
from onething.policies import fulfil, runs

DAY = dt.date(2026, 11, 22)
REFUND = "hn_unemployment_insurance_refund"  # 免申即享, 省人社厅
PATHS = ["approved", "corrected", "shortfall", "suspended", "rejected", "approved", "waiting", "in_progress"]
runner = CliRunner()


def build_world(engine: Engine) -> None:
    with session_scope(engine) as s:
        seed_wallets(s, active_catalog(s))
        add_enterprises(s, 120, seed=7)
        add_facts(s, DAY.year - 1, seed=7)
    with session_scope(engine) as s:
        drive(s, cast(s), len(PATHS), random.Random(0), s.commit, PATHS)
    with session_scope(engine) as s:
        rate_demo_cases(s, cast(s))
    generate(engine, 300, seed=0, days=30)  # imported occasions: no events, no rectification here
    with session_scope(engine) as s:
        run_id = runs.start(s, None, DAY).id
    runs.execute(session_factory(engine), run_id)
    with session_scope(engine) as s:
        head, clerk = _principal(s, "hn_hr_head"), _principal(s, "hn_hr")
        policy_id = s.scalar(select(Policy.id).where(Policy.code == REFUND))
        matches = s.scalars(
            select(PolicyMatch).where(PolicyMatch.run_id == run_id, PolicyMatch.policy_id == policy_id)
        ).all()
        assert len(matches) >= 3
        fulfil.remove(s, clerk, matches[0].id, "已注销待核实")
        fulfil.remove(s, clerk, matches[1].id, "核实中")
        fulfil.restore(s, clerk, matches[1].id)
        fulfil.confirm(s, head, run_id, REFUND)
    with session_scope(engine) as s:
        first = s.scalar(select(func.min(Payment.id)))
        assert first is not None
        fulfil.mark_paid(s, _principal(s, "hn_hr_head"), first, "GK2026112200017")


def _principal(s: Session, login: str) -> Principal:
    user_id = s.scalar(select(User.id).where(User.username == login))
    assert user_id is not None, login
    found = auth.principal_for(s, user_id, "test")
    assert found is not None
    return found


@dataclass
class World:
    """How to make a private copy of the built world (``copy(where)``) and its database kind."""

    kind: str
    copy: Callable[[Path], Engine]


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _sqlite_copy(source: str, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _admin(engine_url: str) -> str:
    return make_url(engine_url).set(database="postgres").render_as_string(hide_password=False)


def _create(admin: str, name: str, template: str) -> None:
    eng = make_engine(admin)
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    eng.dispose()


def drop_database(engine_url: str) -> None:
    url = make_url(engine_url)
    eng = make_engine(_admin(engine_url))
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    eng.dispose()


def world_fixture(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Build the world once in a pristine copy of ``engine``, then hand out copies of it."""
    where = tmp_path_factory.mktemp("world")
    built = _FRESH[id(engine)](where)
    build_world(built)
    url = url_of(built)
    built.dispose()
    if engine.dialect.name == "sqlite":
        source = make_url(url).database
        assert source is not None

        def sqlite_copy(target_dir: Path) -> Engine:
            _sqlite_copy(source, target_dir / "world.db")
            return make_engine(f"sqlite:///{target_dir / 'world.db'}")

        yield World("sqlite", sqlite_copy)
        return
    template = make_url(url).database
    assert template is not None
    made = itertools.count()

    def pg_copy(_target_dir: Path) -> Engine:
        name = f"{template}_w{next(made)}"
        _create(_admin(url), name, template)
        return make_engine(make_url(url).set(database=name).render_as_string(hide_password=False))

    yield World("postgresql", pg_copy)


def use_database(monkeypatch: pytest.MonkeyPatch, engine: Engine, files_dir: Path | None = None) -> None:
    """Point the command line (settings) at ``engine``'s database, and optionally at another file store."""
    monkeypatch.setenv("ONETHING_DATABASE_URL", url_of(engine))
    if files_dir is not None:
        monkeypatch.setenv("ONETHING_FILES_DIR", str(files_dir))
    get_settings.cache_clear()


def row_counts(engine: Engine) -> dict[str, int]:
    tables = (
        "cases",
        "tasks",
        "case_events",
        "task_events",
        "case_materials",
        "licenses",
        "license_events",
        "evaluations",
        "evaluation_events",
        "rectifications",
        "policy_matches",
        "payment_batches",
        "payments",
        "policy_events",
        "audit_log",
        "users",
        "orgs",
    )
    with engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}
