"""The ``onething`` command line. Thin: parse, call a service inside one transaction, print."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from onething.cli.backup import backup, restore
from onething.cli.check import check
from onething.cli.policies import load as load_policies
from onething.cli.policies import policies_app
from onething.cli.policies import run as run_policies
from onething.kit.errors import AppError

app = typer.Typer(help="一件事一次办 OneThing", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
catalog_app = typer.Typer(help="标准目录（事项、材料、一件事）", no_args_is_help=True)
things_app = typer.Typer(help="一件事", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据", no_args_is_help=True)
seals_app = typer.Typer(help="电子印章（SM2 密钥）", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(things_app, name="things")
app.add_typer(calendar_app, name="calendar")
app.add_typer(demo_app, name="demo")
app.add_typer(seals_app, name="seals")
app.add_typer(policies_app, name="policies")
app.command("check")(check)
app.command("backup")(backup)
app.command("restore")(restore)

out = Console()
err = Console(stderr=True)


@app.callback()
def _logging() -> None:
    """Every command logs through kit.logs (JSON lines on stderr, personal data masked)."""
    from onething.kit.logs import configure_logging
    from onething.kit.settings import get_settings

    configure_logging(get_settings())


def _engine() -> Any:
    from onething.kit.db import engine_for
    from onething.kit.settings import get_settings

    s = get_settings()
    return engine_for(s.database_url, s.db_pool_size)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
    workers: Annotated[int | None, typer.Option(help="工作进程数")] = None,
) -> None:
    """启动网站与接口服务。"""
    import uvicorn

    from onething.kit.logs import logging_config
    from onething.kit.settings import get_settings

    s = get_settings()
    host, port, workers = host or s.host, port or s.port, workers or s.workers
    # The worker processes read their settings from the environment: tell them how many share the cores.
    os.environ["ONETHING_WORKERS"] = str(workers)
    out.print(f"OneThing 已启动：http://{host}:{port}  （接口文档 http://{host}:{port}/docs，{workers} 个工作进程）")
    uvicorn.run(
        "onething.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=s.log_level,
        log_config=logging_config(s),  # applied again in each worker process before the app is built
        access_log=False,  # kit.logs.RequestId writes one line a request, with its id and no query string
        # X-Forwarded-For only from the proxies named in the settings; never from anyone else, loopback included.
        proxy_headers=bool(s.trusted_proxies),
        forwarded_allow_ips=",".join(s.trusted_proxies) or "",
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库迁移到最新结构。"""
    from onething.kit.migrate import upgrade

    upgrade(_engine())
    out.print("数据库已是最新结构。")


@catalog_app.command("validate")
def catalog_validate(path: Annotated[Path | None, typer.Argument(help="目录文件或文件夹")] = None) -> None:
    """检查目录 YAML，逐条列出 文件:行号: 错误。"""
    from onething.catalog.service import default_catalog_path, validate_path

    root = path or default_catalog_path()
    if not root.exists():
        _fail(f"{root} 不存在")
    catalog, problems, sources = validate_path(root)
    for p in problems:
        sys.stdout.write(f"{p}\n")
    if catalog is None:
        _fail(f"共 {len(problems)} 处错误（{sources.files} 个文件）")
        return
    out.print(
        f"目录无误：{sources.files} 个文件，{len(catalog.things)} 件事，{len(catalog.items)} 个事项，"
        f"{len(catalog.materials)} 种材料，{len(catalog.data_elements)} 个数据元，{len(catalog.regions)} 个区划。"
    )


@catalog_app.command("load")
def catalog_load(path: Annotated[Path | None, typer.Argument(help="目录文件或文件夹")] = None) -> None:
    """校验并载入目录，生成新的目录版本（内容未变则不新建）。"""
    from onething.catalog.service import CatalogInvalid, load
    from onething.kit.db import session_scope

    try:
        with session_scope(_engine()) as session:
            result = load(session, path)
    except CatalogInvalid as exc:
        for p in exc.problems:
            sys.stdout.write(f"{p}\n")
        _fail(exc.message)
        return
    if result.created:
        out.print(f"已载入目录版本 {result.number}：{result.counts}")
    else:
        out.print(f"目录未变化，当前版本仍为 {result.number}。")


@catalog_app.command("versions")
def catalog_versions() -> None:
    """列出目录版本。"""
    from onething.catalog.service import versions
    from onething.kit.db import session_scope

    with session_scope(_engine()) as session:
        for v in versions(session):
            out.print(f"{v.number}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.digest[:12]}\t{v.counts}")


def _catalog() -> Any:
    from onething.catalog.service import active_catalog
    from onething.kit.db import session_scope

    with session_scope(_engine()) as session:
        return active_catalog(session)


@things_app.command("list")
def things_list(
    q: Annotated[str | None, typer.Option("--q", help="搜索")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出（或搜索）一件事。"""
    from onething.catalog.browse import list_things

    try:
        result = list_things(_catalog(), q, limit=200)
    except AppError as exc:
        _fail(exc.message)
        return
    if as_json:
        _print_json(result.model_dump())
        return
    table = Table("编码", "名称", "对象", "阶段", "事项数", "承诺时限")
    for t in result.items:
        table.add_row(
            t.code,
            t.name,
            "个人" if t.audience == "individual" else "法人",
            t.stage,
            str(t.items),
            f"{t.promised_days or '—'}",
        )
    out.print(table)


def _parse_answers(pairs: list[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            _fail(f"--answer 应写成 问题=选项，收到 {pair!r}", 2)
        key, value = pair.split("=", 1)
        values = [v for v in value.split(",") if v]
        answers[key.strip()] = values if len(values) > 1 or "," in value else value
    return answers


@app.command()
def guide(
    thing: Annotated[str, typer.Argument(help="一件事编码，如 open_restaurant")],
    answer: Annotated[list[str] | None, typer.Option("--answer", "-a", help="问题=选项，多选用逗号分隔")] = None,
    region: Annotated[str | None, typer.Option(help="办理地区划代码")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """生成一件事的一次告知办事指南。"""
    from onething.guide.service import guide_from

    try:
        result = guide_from(_catalog(), thing, _parse_answers(answer or []), region)
    except AppError as exc:
        if as_json:
            _print_json(exc.as_dict())
            raise typer.Exit(1) from None
        _fail(exc.message)
        return
    if as_json:
        _print_json(result)
        return
    from onething.cli.render import print_guide

    print_guide(out, result)


@calendar_app.command("add-days")
def calendar_add_days(
    date: Annotated[str, typer.Argument(help="起算日期 YYYY-MM-DD")],
    days: Annotated[int, typer.Argument(help="工作日数")],
) -> None:
    """起算日期之后第 N 个工作日。"""
    from onething.catalog.holidays import calendar
    from onething.kit.db import session_scope

    start = _date(date)
    try:
        with session_scope(_engine()) as session:
            cal = calendar(session)
            result = cal.add_working_days(start, days)
    except AppError as exc:
        _fail(exc.message)
        return
    sys.stdout.write(f"{result.isoformat()}\n")
    if cal.estimated_years:
        years = "、".join(str(y) for y in sorted(cal.estimated_years))
        err.print(f"[yellow]注意：[/yellow]{years} 年尚无法定节假日数据，仅按周末推算，结果为估算。")


@calendar_app.command("set")
def calendar_set(
    date: Annotated[str, typer.Argument(help="日期 YYYY-MM-DD")],
    workday: Annotated[bool, typer.Option("--workday/--off", help="调休上班日 / 放假日")],
    name: Annotated[str | None, typer.Option(help="名称，如 春节")] = None,
) -> None:
    """管理员覆盖某一天是否为工作日。"""
    from onething.catalog.holidays import set_day
    from onething.kit.db import session_scope

    with session_scope(_engine()) as session:
        try:
            set_day(session, _date(date), workday, name)
        except AppError as exc:
            _fail(exc.message)
    out.print(f"{date} 已设为{'工作日' if workday else '休息日'}。")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(f"日期格式应为 YYYY-MM-DD，收到 {text!r}", 2)
        raise


@app.command("add-user")
def add_user(
    username: Annotated[str, typer.Argument(help="用户名（小写字母开头）")],
    name: Annotated[str, typer.Option(help="姓名")],
    org: Annotated[str, typer.Option(help="机构编码，如 430000-service_center")],
    role: Annotated[list[str], typer.Option(help="角色，可重复")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="密码")],
) -> None:
    """建立工作人员账号（部署后建立第一个系统管理员用）。"""
    from onething.identity.bootstrap import add_staff
    from onething.kit.db import session_scope

    try:
        with session_scope(_engine()) as session:
            add_staff(session, username, name, org, role, password)
    except AppError as exc:
        _fail(exc.message)
    out.print(f"已建立账号 {username}（{'、'.join(role)}）。")


@seals_app.command("init")
def seals_init(
    org: Annotated[list[str] | None, typer.Option("--org", help="只为这些机构（机构编码）生成")] = None,
) -> None:
    """为每个发证机构生成 SM2 电子印章密钥：私钥写入密钥目录（ONETHING_SEALS_DIR），公钥入库公开。已有的不变。"""
    from onething.catalog.service import active_catalog
    from onething.kit.db import session_scope
    from onething.kit.errors import AppError
    from onething.kit.settings import get_settings
    from onething.licenses.service import init_seals

    try:
        with session_scope(_engine()) as session:
            created = [row.key_id for row in init_seals(session, active_catalog(session), org or ())]
    except AppError as exc:
        _fail(exc.message)
    if created:
        out.print(f"新生成电子印章 {len(created)} 枚，私钥保存在 {get_settings().seals_dir}。")
    else:
        out.print("各发证机构均已有电子印章。")


def seed_orgs() -> None:
    """建立省、市与若干县区的政务服务中心（大厅、窗口）和目录事项所需的各部门（可重复运行）。"""
    from onething.catalog.service import active_catalog
    from onething.demo.seed import seed_orgs as seed
    from onething.demo.seed import unroutable_items
    from onething.kit.db import session_scope

    with session_scope(_engine()) as session:
        catalog = active_catalog(session)
        orgs = seed(session, catalog)
        missing = unroutable_items(session, catalog)
    if missing:
        _fail(f"以下事项找不到实施机构：{'、'.join(missing)}")
    if orgs.orgs:
        out.print(f"新增机构 {orgs.orgs} 个、窗口 {orgs.windows} 个。")


@demo_app.command("seed")
def demo_seed() -> None:
    """建立各角色演示账号、演示群众与企业（密码均为 Demo@2026，勿用于生产）。"""
    from onething.demo.seed import seed_accounts
    from onething.kit.db import session_scope

    seed_orgs()
    with session_scope(_engine()) as session:
        accounts = seed_accounts(session)
    for note in accounts.notes:
        err.print(f"[yellow]{note}[/yellow]")
    out.print(f"演示账号新增 {accounts.users} 个；账号列表见 README（密码均为 Demo@2026）。")


def _progress() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _fill(kind: str, count: int, seed: int) -> None:
    import time

    from onething.demo.libraries import add_enterprises, add_people
    from onething.kit.db import session_scope

    adder = add_people if kind == "people" else add_enterprises
    label = "人口库" if kind == "people" else "法人库"
    started = time.perf_counter()
    with (
        _progress() as bar,
        session_scope(_engine()) as session,
    ):
        task = bar.add_task(f"生成{label}", total=count)
        done = adder(session, count, seed=seed, progress=lambda n: bar.advance(task, n))
    out.print(f"{label}新增 {done:,} 条，用时 {time.perf_counter() - started:.1f} 秒。")


@demo_app.command("people")
def demo_people(
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=50_000_000, help="条数")] = 1000,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
) -> None:
    """生成合成人口库记录（真实区划代码、正确校验位）。"""
    _fill("people", count, seed)


@demo_app.command("enterprises")
def demo_enterprises(
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=50_000_000, help="条数")] = 1000,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
) -> None:
    """生成合成法人库记录（统一社会信用代码校验位正确）。"""
    _fill("enterprises", count, seed)


@demo_app.command("evaluations")
def demo_evaluations(
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=100_000_000, help="服务量（场次数，其中约 78.74% 已评价）")
    ] = 100_000,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
    days: Annotated[int, typer.Option(min=1, max=3 * 366, help="办结日期分布在今天之前的天数")] = 1095,
) -> None:
    """生成合成好差评服务场次（按湖南公开数据的分布：实际评价率 78.74%、好评率 99.99%），并重建日汇总。"""
    import time

    from onething.demo.evaluations import generate

    started = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("生成好差评场次", total=count)
        try:
            done = generate(_engine(), count, seed=seed, days=days, progress=lambda n: bar.advance(task, n))
        except LookupError as exc:
            _fail(str(exc))
    added, table = done["added"], done["table"]
    out.print(
        f"新增服务场次 {added['occasions']:,} 条（{done['first_case_number']} — {done['last_case_number']}）；"
        f"全表服务量 {table['occasions']:,}、评价数 {table['rated']:,}、差评 {table['bad']:,}；"
        f"日汇总 {done['daily_rows']:,} 行；用时 {time.perf_counter() - started:.1f} 秒。"
    )


@demo_app.command("cases")
def demo_cases(
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=1_000_000, help="办件数")] = 20,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
    start: Annotated[
        str | None, typer.Option(help="以该日期为“今天”办理（YYYY-MM-DD），如 2026-09-29 可看到国庆假期顺延")
    ] = None,
) -> None:
    """以演示企业办理 N 件“开办餐饮店”：多数准予，部分补正、容缺、特别程序或不予。"""
    _drive_cases(count, seed, start)


def _drive_cases(count: int, seed: int, start: str | None, paths: list[str] | None = None) -> None:
    import contextlib
    import datetime as dt
    import random
    import time

    from onething.demo.cases import cast, drive
    from onething.kit import clock
    from onething.kit.db import session_scope

    day = None
    if start:
        try:
            day = dt.date.fromisoformat(start)
        except ValueError:
            _fail("--start 应为日期，格式 YYYY-MM-DD")
    started = time.perf_counter()
    with (
        _progress() as bar,
        session_scope(_engine()) as session,
        clock.pinned(day) if day else contextlib.nullcontext(),
    ):
        task = bar.add_task("办理演示办件", total=count)
        try:
            people = cast(session)
        except LookupError as exc:
            _fail(str(exc))

        def commit() -> None:
            session.commit()
            bar.advance(task)

        done = drive(session, people, count, random.Random(seed), commit, paths)
    names = {
        "approved": "准予",
        "corrected": "补正后准予",
        "shortfall": "容缺受理",
        "suspended": "特别程序",
        "rejected": "部分不予",
        "waiting": "待受理",
        "in_progress": "办理中",
    }
    parts = "、".join(f"{names.get(k, k)} {v}" for k, v in sorted(done.paths.items()))
    out.print(f"办件 {done.cases} 件（{parts}），用时 {time.perf_counter() - started:.1f} 秒。")


@app.command()
def supervise(
    once: Annotated[bool, typer.Option("--once", help="只运行一轮")] = False,
    today: Annotated[str | None, typer.Option(help="以该日期为“今天”（YYYY-MM-DD）")] = None,
) -> None:
    """电子监察定时任务：评价场次登记与到期、办件期限重算、红黄牌预警、通知发送、好差评汇总。
    可在多个进程或机器上同时运行（各步骤以租约协调，且可重复执行）。"""
    import time

    from onething.kit.db import session_factory
    from onething.kit.settings import get_settings
    from onething.supervision.jobs import tick

    day = _date(today) if today else None
    sessions = session_factory(_engine())
    interval = max(1.0, get_settings().supervision_interval_seconds)
    while True:
        report = tick(sessions, today=day)
        counts = "，".join(f"{k} {v}" for k, v in report.counts.items())
        skipped = f"（其他进程正在执行：{'、'.join(report.skipped)}）" if report.skipped else ""
        out.print(f"监察一轮完成：{counts}{skipped}")
        if once:
            return
        time.sleep(interval)


@app.command()
def setup(
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="同时建立演示机构、账号与基础库（勿用于生产）")
    ] = False,
) -> None:
    """迁移数据库并载入目录；--demo 另建演示数据（可重复运行）。"""
    from onething.kit.db import session_scope
    from onething.models import Case, Enterprise, Person, PolicyRun
    from onething.sharing.repository import count

    db_upgrade()
    catalog_load(None)
    seed_orgs()
    seals_init(None)
    load_policies(None)
    if not demo:
        return
    _demo_policy_orgs()
    demo_seed()
    _demo_wallets()
    with session_scope(_engine()) as session:
        people, firms = count(session, Person), count(session, Enterprise)
    if people < 1000:
        _fill("people", 1000, 0)
    if firms < 300:
        _fill("enterprises", 300, 0)
    demo_facts(None)
    with session_scope(_engine()) as session:
        cases, runs = count(session, Case), count(session, PolicyRun)
    if cases == 0:
        _drive_cases(12, 0, None, ["approved", "corrected", "shortfall", "suspended", "rejected", "approved"])
        _drive_cases(4, 1, None, ["waiting", "in_progress"])
        _demo_ratings()
    if runs == 0:
        run_policies()


def _demo_wallets() -> None:
    from onething.catalog.service import active_catalog
    from onething.demo.wallets import seed_wallets
    from onething.kit.db import session_scope

    with session_scope(_engine()) as session:
        issued = seed_wallets(session, active_catalog(session))
    if issued:
        out.print(f"演示群众的存量电子证照 {issued} 张已入库。")


def _demo_policy_orgs() -> None:
    from onething.catalog.service import active_catalog
    from onething.demo.policies import policy_orgs
    from onething.kit.db import session_scope

    with session_scope(_engine()) as session:
        added = policy_orgs(session, active_catalog(session))
    if added:
        out.print(f"新增政策发布部门 {added} 个。")


@demo_app.command("facts")
def demo_facts(
    year: Annotated[int | None, typer.Option(help="数据年度（默认上一年）")] = None,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
) -> None:
    """为法人库中尚无该年度数据的企业生成合成的部门数据（营收、纳税、参保、认定、信用等，约 3% 缺失）。"""
    from onething.demo.policies import add_facts
    from onething.kit import clock
    from onething.kit.db import session_scope
    from onething.models import Enterprise
    from onething.sharing.repository import count

    target = year or clock.today().year - 1
    with session_scope(_engine()) as session:
        total = count(session, Enterprise)
    with _progress() as bar, session_scope(_engine()) as session:
        task = bar.add_task(f"生成 {target} 年度部门数据", total=total)
        added = add_facts(session, target, seed=seed, progress=lambda n: bar.advance(task, n))
    if added:
        out.print(f"{target} 年度部门数据新增 {added:,} 户。")


def _demo_ratings() -> None:
    """Rate the demo cases that ended, then run the supervision job once (cards, rollup)."""
    from onething.demo.cases import cast
    from onething.demo.evaluations import generate
    from onething.demo.ratings import rate_demo_cases
    from onething.kit.db import session_factory, session_scope
    from onething.supervision.jobs import tick

    with session_scope(_engine()) as session:
        counts = rate_demo_cases(session, cast(session))
    # A year of history imported from other systems, so the statistics and trends have shape.
    generate(_engine(), 20_000, seed=0, days=365)
    tick(session_factory(_engine()))
    out.print(
        f"演示评价：好评 {counts['good']} 条，差评 {counts['bad']} 条（待承办机构回访核实）；"
        "另有近一年合成服务场次 2 万条。"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
