"""``onething check``: every domain's invariants against one read-only snapshot of the database.

Safe in production: on PostgreSQL the check runs in REPEATABLE READ READ ONLY transactions (one consistent
snapshot, no writes possible); on SQLite in a deferred read transaction with ``PRAGMA query_only`` — never the
app's BEGIN IMMEDIATE, which would hold the write lock for the whole check.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from onething.kit.db import is_sqlite
from onething.kit.invariants import Invariant, Report, run_all

out = Console()
err = Console(stderr=True)


def invariants() -> list[Invariant]:
    """Every domain's invariants, in the order of the layers (a later domain adds its list here)."""
    from onething.cases import invariants as cases
    from onething.evaluations import invariants as evaluations
    from onething.identity import invariants as identity
    from onething.licenses import invariants as licenses
    from onething.policies import invariants as policies

    return [
        *identity.INVARIANTS,
        *cases.INVARIANTS,
        *licenses.INVARIANTS,
        *evaluations.INVARIANTS,
        *policies.INVARIANTS,
    ]


class NoDatabase(Exception):
    """The SQLite file named by the settings is not there (the check must not create it)."""


def readonly_engine(url: str) -> Engine:
    """An engine whose every transaction is read-only and sees one snapshot."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).is_file():
            raise NoDatabase(database)
        engine = create_engine(url, poolclass=NullPool, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN below, not the sqlite3 module's
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")  # deferred: a WAL reader neither waits for writers nor blocks them

        return engine
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "begin")
    def _begin_pg(conn: Any) -> None:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    return engine


def run_checks(url: str, sample: int | None = None, only: list[str] | None = None) -> Report:
    chosen = [i for i in invariants() if not only or i.code in only]
    engine = readonly_engine(url)
    try:
        with Session(engine) as session:
            report = run_all(session, chosen, sample)
            session.rollback()
        return report
    finally:
        engine.dispose()


def _print_table(report: Report, titles: dict[str, str]) -> None:
    found: dict[str, int] = {}
    for v in report.violations:
        found[v.check] = found.get(v.check, 0) + 1
    table = Table(title="一致性检查")
    for column in ("检查项", "说明", "结果"):
        table.add_column(column)
    for code in report.ran:
        n = found.pop(code, 0)
        table.add_row(code, titles.get(code, ""), f"[red]{n} 处违例[/red]" if n else "[green]通过[/green]")
    for code, n in found.items():  # a check that reported under another code
        table.add_row(code, titles.get(code, ""), f"[red]{n} 处违例[/red]")
    out.print(table)
    if report.violations:
        listed = Table(title="违例")
        for column in ("检查项", "对象", "说明"):
            listed.add_column(column)
        for v in report.violations:
            listed.add_row(v.check, v.subject, v.detail)
        out.print(listed)
    out.print("已检查：" + "，".join(f"{k} {v:,}" for k, v in sorted(report.checked.items())))
    if report.ok:
        out.print("[green]一致性检查通过，未发现违例。[/green]")
    else:
        out.print(f"[red]发现 {len(report.violations)} 处违例。[/red]")


def check(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    sample: Annotated[
        int | None,
        typer.Option(min=0, help="逐行核验（证照签名、材料文件哈希）最多抽查的条数；默认全部"),
    ] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="只运行指定检查项（可重复）")] = None,
) -> None:
    """只读的一致性检查（可在生产库运行）：状态与流程记录一致、子件与受理、编号唯一、证照签发与签名、
    差评整改、材料文件与哈希、只追加触发器。发现违例时退出码为 1。"""
    from onething.kit.settings import get_settings

    known = {i.code: i.title for i in invariants()}
    unknown = sorted(set(only or ()) - set(known))
    if unknown:
        err.print(f"[red]错误：[/red]没有检查项 {'、'.join(unknown)}；可选：{'、'.join(known)}")
        raise typer.Exit(2)
    try:
        report = run_checks(get_settings().database_url, sample, only)
    except NoDatabase as exc:
        err.print(f"[red]错误：[/red]数据库文件 {exc} 不存在")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_table(report, known)
    raise typer.Exit(0 if report.ok else 1)
