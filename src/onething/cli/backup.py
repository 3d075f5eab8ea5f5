"""``onething backup PATH`` / ``onething restore PATH``: the database and the stored files, consistent while the
service runs.

PATH is a directory: ``database.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``database.sqlite`` (SQLite, through
the online backup API), ``files/`` (the local file store), and ``manifest.json``. The database is copied
first and the files after: files are content-addressed and never deleted, and a material's file is stored
before its row commits, so every file the copied database names is in the copy.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from onething.kit import clock
from onething.kit.db import is_sqlite
from onething.kit.settings import Settings, get_settings

out = Console()
err = Console(stderr=True)

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.dump"
FILES = "files"


class BackupError(Exception):
    """What went wrong, in Chinese, for the person at the terminal."""


def pg_tool(name: str) -> str:
    """The newest PostgreSQL's ``name`` (pg_dump, pg_restore): under /usr/lib/postgresql like
    scripts/pg-cluster.sh, else on PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}，请安装 PostgreSQL 客户端工具")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI for the tools, and the environment carrying the password (never on the command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败：{done.stderr.strip()[-1000:]}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page by page through SQLite's online backup API: a consistent copy even while others write."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _files_dir(settings: Settings) -> Path | None:
    return None if settings.files_backend == "s3" else Path(settings.files_dir).resolve()


def _copy_files(source: Path, target: Path) -> int:
    """Every stored file (``ab/cd/<digest>``), skipping half-written temporaries and files already there."""
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.glob("*/*/*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        dest = target / path.relative_to(source)
        if dest.is_file() and dest.stat().st_size == path.stat().st_size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        copied += 1
    return copied


def make_backup(settings: Settings, path: Path) -> dict[str, Any]:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} 已存在且不是空目录，请指定新的备份目录")
    url = make_url(settings.database_url)
    path.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"format": "onething-backup/1", "created_at": clock.now().isoformat()}
    if is_sqlite(settings.database_url):
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"数据库文件 {source} 不存在")
        _sqlite_copy(source, path / SQLITE_FILE)
        manifest["database"] = {"kind": "sqlite", "file": SQLITE_FILE}
    else:
        conninfo, env = _libpq(url)
        _run([pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(path / PG_FILE), "--dbname", conninfo], env)
        manifest["database"] = {"kind": "postgresql", "file": PG_FILE}
    files = _files_dir(settings)
    if files is None:
        manifest["files"] = {"backend": "s3", "bucket": settings.s3_bucket, "note": "由存储桶的版本控制与复制保护"}
    else:
        manifest["files"] = {"backend": "local", "dir": FILES, "count": _copy_files(files, path / FILES)}
    (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _has_tables(database_url: str) -> bool:
    if is_sqlite(database_url) and not _sqlite_path(make_url(database_url)).is_file():
        return False
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def restore_backup(settings: Settings, path: Path, force: bool = False) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{path} 不是 onething 备份（缺少 {MANIFEST}）") from None
    kind = manifest["database"]["kind"]
    here = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
    if kind != here:
        raise BackupError(f"备份来自 {kind} 数据库，当前配置的是 {here}")
    if _has_tables(settings.database_url) and not force:
        raise BackupError("目标数据库不是空库；确认要覆盖请加 --force")
    url = make_url(settings.database_url)
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy((path / SQLITE_FILE).resolve(), target)
    else:
        conninfo, env = _libpq(url)
        _run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                conninfo,
                str(path / PG_FILE),
            ],
            env,
        )
    restored = 0
    files = _files_dir(settings)
    if manifest.get("files", {}).get("backend") == "local" and files is not None:
        restored = _copy_files(path / FILES, files)
    return {"database": kind, "files": restored}


def backup(path: Annotated[Path, typer.Argument(help="备份目录（新建或空目录）")]) -> None:
    """备份数据库与材料文件，服务运行中也可执行（一致的快照）。

    PostgreSQL 用 pg_dump -Fc，SQLite 用在线备份接口；本地文件库（ONETHING_FILES_DIR）的文件一并复制到
    PATH/files。文件库为 S3 时不复制文件：由存储桶自身的版本控制与跨区域复制保护。"""
    try:
        manifest = make_backup(get_settings(), path)
    except BackupError as exc:
        err.print(f"[red]错误：[/red]{exc}")
        raise typer.Exit(1) from None
    files = manifest["files"]
    told = f"文件 {files['count']} 个" if files["backend"] == "local" else "文件在 S3 存储桶中，未复制"
    out.print(f"已备份到 {path}：{manifest['database']['kind']} 数据库，{told}。")


def restore(
    path: Annotated[Path, typer.Argument(help="onething backup 生成的备份目录")],
    force: Annotated[bool, typer.Option("--force", help="目标数据库非空时仍然覆盖")] = False,
) -> None:
    """从备份恢复数据库与材料文件到当前配置的数据库（ONETHING_DATABASE_URL）。目标库非空时拒绝，除非 --force。
    恢复前请停止服务；恢复后可运行 onething check 核对。"""
    try:
        done = restore_backup(get_settings(), path, force)
    except BackupError as exc:
        err.print(f"[red]错误：[/red]{exc}")
        raise typer.Exit(1) from None
    out.print(f"已从 {path} 恢复 {done['database']} 数据库，复制文件 {done['files']} 个。")
