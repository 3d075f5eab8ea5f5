"""``onething policies …``: validate and load the policy files, run the matcher, check one enterprise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

policies_app = typer.Typer(help="惠企政策（免申即享）", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _engine() -> Any:
    from onething.kit.db import engine_for
    from onething.kit.settings import get_settings

    s = get_settings()
    return engine_for(s.database_url, s.db_pool_size)


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]错误：[/red]日期格式应为 YYYY-MM-DD：{text}")
        raise typer.Exit(2) from None


@policies_app.command("validate")
def validate(
    path: Annotated[Path | None, typer.Argument(help="政策目录或文件（默认随代码发布的 policies/）")] = None,
) -> None:
    """校验政策文件：格式、条件（未知属性、不允许的函数、类型不符）、部门、事项与区划；逐条报告 文件:行号。"""
    from onething.catalog.service import validate_path
    from onething.policies.service import default_path
    from onething.policies.source import read_policies, references

    found = read_policies(path or default_path())
    catalog, catalog_problems, _ = validate_path()
    problems = list(found.problems)
    if catalog is None:
        problems += catalog_problems
    else:
        for written in found.policies:
            problems += references(written, org_kinds=catalog.org_kinds, things=catalog.things, regions=catalog.regions)
    for problem in problems:
        err.print(str(problem), soft_wrap=True, markup=False, highlight=False)
    if problems:
        err.print(f"[red]{len(problems)} 处错误[/red]")
        raise typer.Exit(1)
    tests = sum(len(w.policy.spec.tests) for w in found.policies)
    out.print(f"政策校验通过：{len(found.policies)} 项政策，{tests} 个样例。")


def load(path: Path | None = None) -> None:
    from onething.kit.db import session_scope
    from onething.policies.service import PoliciesInvalid, load_files

    try:
        with session_scope(_engine()) as session:
            total, changed = load_files(session, path)
    except PoliciesInvalid as exc:
        for problem in exc.problems:
            err.print(str(problem), soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1) from None
    out.print(f"政策已载入：{total} 项，其中新版本 {changed} 项。")


@policies_app.command("load")
def load_command(path: Annotated[Path | None, typer.Argument(help="政策目录或文件")] = None) -> None:
    """载入政策文件：新增或内容变化的政策生成新版本（已确认的兑现批次不受影响）。"""
    load(path)


def run(as_of: dt.date | None = None) -> int:
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    from onething.kit.db import session_factory, session_scope
    from onething.policies import runs

    engine = _engine()
    with session_scope(engine) as session:
        run_id = runs.start(session, None, as_of).id
    with Progress(
        "[progress.description]{task.description}", BarColumn(), TimeElapsedColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("政策匹配", total=100)
        done = runs.execute(
            session_factory(engine), run_id, lambda pct, stage: bar.update(task, completed=pct, description=stage)
        )
    summary = done.summary or {}
    eligible = sum(c.get("eligible", 0) for c in summary.values())
    out.print(f"匹配批次 #{run_id} 完成：{done.enterprises:,} 户企业 × {len(summary)} 项政策，符合 {eligible:,} 户次。")
    return run_id


@policies_app.command("run")
def run_command(as_of: Annotated[str | None, typer.Option(help="评估日 YYYY-MM-DD（默认今天）")] = None) -> None:
    """全量匹配：当日生效的全部政策 × 全部企业，逐条件留存结果，生成免申即享名单。"""
    from onething.kit.errors import AppError

    try:
        run(_day(as_of))
    except AppError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(1) from None


@policies_app.command("check")
def check(
    code: Annotated[str, typer.Argument(help="政策代码")],
    credit_code: Annotated[str, typer.Argument(help="统一社会信用代码")],
    as_of: Annotated[str | None, typer.Option(help="评估日 YYYY-MM-DD")] = None,
) -> None:
    """单户核对：按企业当前数据逐条件计算，列出实际值与结果。"""
    from onething.identity.principal import Grant, Principal
    from onething.kit.db import session_scope
    from onething.kit.errors import AppError
    from onething.policies.service import check_now

    # The command line holds the database already: it reads like a province-wide administrator.
    grant = Grant(role="system_admin", org_id=0, region_code="430000", level="province")
    operator = Principal(user_id=0, name="命令行", kind="staff", grants=(grant,))
    try:
        with session_scope(_engine()) as session:
            checked = check_now(session, operator, code, credit_code, _day(as_of))
    except AppError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(1) from None
    verdict = checked.verdict
    table = Table(title=f"{checked.policy.name}（第 {checked.version.number} 版）")
    for column in ("条件", "数据", "结果"):
        table.add_column(column)
    for c in verdict.conditions:
        table.add_row(c.name, "；".join(f"{k}={v}" for k, v in c.values), c.outcome.value)
    out.print(table)
    out.print(
        f"结论：{verdict.outcome.value}" + (f"，金额 {verdict.amount:.2f} 元" if verdict.amount is not None else "")
    )
