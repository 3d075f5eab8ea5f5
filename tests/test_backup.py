"""``onething backup`` / ``onething restore`` on both databases: a backup taken while a writer holds an open
transaction restores into another database with the same committed rows and files, and ``onething check``
passes there; restore refuses a non-empty database unless --force, and backup refuses a used directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from check_support import World, drop_database, row_counts, url_of, use_database, world_fixture
from sqlalchemy import Connection, Engine, RootTransaction, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from onething.cli import app
from onething.kit.db import make_engine
from onething.kit.settings import get_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from world_fixture(engine, tmp_path_factory)


@pytest.fixture
def source(world: World, tmp_path: Path) -> Iterator[Engine]:
    eng = world.copy(tmp_path)
    yield eng
    eng.dispose()
    if world.kind == "postgresql":
        drop_database(url_of(eng))


@pytest.fixture
def target(world: World, source: Engine, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the same kind (SQLite: a file not there yet)."""
    if world.kind == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'restored' / 'target.db'}")
        yield eng
        eng.dispose()
        return
    url = make_url(url_of(source))
    name = f"{url.database}_restored"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    eng = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield eng
    eng.dispose()
    drop_database(url_of(eng))


def _uncommitted_audit_row(engine: Engine) -> tuple[Connection, RootTransaction]:
    """A writer in the middle of its transaction: the backup must not see its row (nor wait for it)."""
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(
        text("INSERT INTO audit_log (at, action, object_type) VALUES ('2026-12-01 02:00:00', 'test.pending', 'x')")
    )
    return conn, trans


def test_round_trip_restores_every_row_and_file_and_check_passes(
    source: Engine, target: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = row_counts(source)
    files = Path(get_settings().files_dir)
    use_database(monkeypatch, source)
    conn, trans = _uncommitted_audit_row(source)
    try:
        made = runner.invoke(app, ["backup", str(tmp_path / "bk")])
    finally:
        trans.rollback()
        conn.close()
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["kind"] == source.dialect.name
    stored = {p.name for p in files.glob("*/*/*") if p.is_file()}
    copied = {p.name for p in (tmp_path / "bk" / "files").glob("*/*/*")}
    assert stored and copied == stored and manifest["files"]["count"] == len(stored)

    restored_files = tmp_path / "restored-files"
    use_database(monkeypatch, target, restored_files)
    done = runner.invoke(app, ["restore", str(tmp_path / "bk")])
    assert done.exit_code == 0, done.output
    assert row_counts(target) == before  # the uncommitted row is not there, every committed one is
    assert {p.name for p in restored_files.glob("*/*/*")} == stored
    checked = runner.invoke(app, ["check", "--json"])
    report = json.loads(checked.stdout)
    assert checked.exit_code == 0 and report["ok"] and report["checked"]["files"] > 0
    assert report["checked"]["cases"] == before["cases"]


def test_restore_refuses_a_database_in_use_unless_forced(
    source: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, source)
    assert runner.invoke(app, ["backup", str(tmp_path / "bk")]).exit_code == 0
    with source.begin() as conn:
        conn.execute(text("UPDATE users SET name = '改过的名字' WHERE id = (SELECT min(id) FROM users)"))
    changed = row_counts(source)
    refused = runner.invoke(app, ["restore", str(tmp_path / "bk")])
    assert refused.exit_code == 1 and "--force" in refused.output
    with source.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE name = '改过的名字'")).scalar_one() == 1
    assert row_counts(source) == changed
    source.dispose()
    forced = runner.invoke(app, ["restore", "--force", str(tmp_path / "bk")])
    assert forced.exit_code == 0, forced.output
    with source.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE name = '改过的名字'")).scalar_one() == 0


def test_backup_refuses_a_used_directory_and_restore_a_non_backup(
    source: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, source)
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("x", encoding="utf-8")
    refused = runner.invoke(app, ["backup", str(used)])
    assert refused.exit_code == 1 and "不是空目录" in refused.output
    assert [p.name for p in used.iterdir()] == ["keep.txt"]
    not_backup = runner.invoke(app, ["restore", "--force", str(used)])
    assert not_backup.exit_code == 1 and "manifest.json" in not_backup.output
