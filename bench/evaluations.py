"""好差评 and 电子监察 at the scale of a province, on PostgreSQL.

a. Generate ``count`` synthetic occasions (``onething.demo.evaluations.generate``; Hunan collected
   21,326,808): time, rows/s, rollup rebuild, table and index sizes.
b. 好差评 statistics through the real code path (``supervision.stats.evaluation_stats``) as a
   province supervisor, over the whole generated period (three years): median of 7 runs after one
   warm-up. Goals: province by city ≤ 2 s, one county by township / by channel ≤ 200 ms.
c. The deadline scan (红黄牌, ``supervision.scan.scan``) over ``tasks`` open tasks (100 per case),
   a few percent of them at or past their yellow line. Goal: ≤ 1 s.

Prints one JSON document. Without a PostgreSQL URL it prints a note and measures nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, prepare_db
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

TOWNSHIPS_COUNTY = "430121"  # 长沙县: 18 townships in the seed regions
STATS_RUNS = 7
SCAN_RUNS = 5
GOALS = {
    "province_by_region": 2.0,
    "county_by_region": 0.2,
    "county_by_channel": 0.2,
    "county_with_townships_by_region": 0.2,
    "scan": 1.0,
}
# Shown in the JSON: the server settings the figures were measured with.
SHOWN_SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "max_parallel_maintenance_workers",
    "jit",
    "random_page_cost",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "max_wal_size",
)


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, list[float], Any]:
    """One warm-up, then ``runs`` timed calls: (median seconds, all seconds, last result)."""
    result = fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), samples, result


def _figure(seconds: float, goal: float | None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": round(seconds, 4), **extra}
    if goal is not None:
        out |= {"goal_s": goal, "met": seconds <= goal}
    return out


def _settings(session: Session) -> dict[str, str]:
    return {name: str(session.scalar(text(f"SHOW {name}"))) for name in SHOWN_SETTINGS}


def _size(session: Session, relation: str) -> dict[str, Any]:
    row = session.execute(
        text(
            "SELECT pg_total_relation_size(CAST(:r AS regclass)), pg_relation_size(CAST(:r AS regclass)),"
            " pg_indexes_size(CAST(:r AS regclass))"
        ),
        {"r": relation},
    ).one()
    indexes = session.execute(
        text(
            "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index"
            " WHERE indrelid = CAST(:r AS regclass) ORDER BY 1"
        ),
        {"r": relation},
    ).all()
    mb = 1024 * 1024
    return {
        "total_mb": round(row[0] / mb, 1),
        "table_mb": round(row[1] / mb, 1),
        "indexes_mb": round(row[2] / mb, 1),
        "index_mb": {name: round(size / mb, 1) for name, size in indexes},
    }


# --- a. generation ---------------------------------------------------------------------------


def generation(engine: Engine, count: int) -> dict[str, Any]:
    from onething.demo.evaluations import generate

    t0 = time.perf_counter()
    done = generate(engine, count, seed=0)
    elapsed = time.perf_counter() - t0
    with Session(engine) as session:
        sizes = {"evaluations": _size(session, "evaluations"), "evaluation_daily": _size(session, "evaluation_daily")}
    table = done["table"]
    return {
        "occasions": count,
        "rated": table["rated"],
        "rating_rate_pct": round(100 * table["rated"] / table["occasions"], 2) if table["occasions"] else None,
        "good_rate_pct": round(100 * table["good"] / table["rated"], 4) if table["rated"] else None,
        "bad": table["bad"],
        "daily_rows": done["daily_rows"],
        "workers": done["workers"],
        "indexes_rebuilt": done["indexes_rebuilt"],
        "seconds": done["seconds"] | {"wall": round(elapsed, 2)},
        "insert_rows_per_s": round(count / done["seconds"]["insert"]) if done["seconds"].get("insert") else None,
        "overall_rows_per_s": round(count / elapsed) if elapsed else None,
        "sizes": sizes,
    }


# --- b. statistics ---------------------------------------------------------------------------


def _principal(session: Session) -> Any:
    from onething.identity.principal import Grant, Principal
    from onething.models import Org

    org_id = session.scalar(select(Org.id).where(Org.code == "430000-service_center"))
    assert org_id is not None, "seed_orgs made no provincial service centre"
    return Principal(user_id=1, name="bench", kind="staff", grants=(Grant("supervisor", org_id, "430000", "province"),))


def busiest_county(session: Session) -> str:
    from onething.models import EvaluationDaily, Region

    D = EvaluationDaily
    county = func.substr(D.region_code, 1, 6)
    stmt = (
        select(county, func.sum(D.occasions))
        .where(county.in_(select(Region.code).where(Region.level == "county")))
        .group_by(county)
        .order_by(func.sum(D.occasions).desc())
        .limit(1)
    )
    return str(session.execute(stmt).one()[0])


def statistics_figures(engine: Engine, days: int, today: dt.date) -> dict[str, Any]:
    from onething.supervision import stats

    start, end = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    with Session(engine) as session:
        principal = _principal(session)
        county = busiest_county(session)
    cases = (
        ("province_by_region", "430000", "region"),
        ("county_by_region", county, "region"),
        ("county_by_channel", county, "channel"),
        ("county_with_townships_by_region", TOWNSHIPS_COUNTY, "region"),
        ("province_by_month", "430000", "month"),
        ("county_by_thing", county, "thing"),
        ("province_by_thing", "430000", "thing"),
    )
    out: dict[str, Any] = {"period": {"from": start.isoformat(), "to": end.isoformat()}, "county": county}
    for name, region, by in cases:
        with Session(engine) as session:
            scope = stats.scope_of(session, principal, region, start, end, today)

            def run(scope: Any = scope, by: str = by, session: Session = session) -> Any:
                table = stats.evaluation_stats(session, scope, by)
                session.rollback()  # every call reads afresh, as one request would
                return table

            median, samples, table = _timed(run, STATS_RUNS)
        out[name] = _figure(
            median,
            GOALS.get(name),
            source=table.source,
            groups=len(table.rows),
            occasions=table.total["occasions"],
            samples=[round(s, 4) for s in samples],
        )
    return out


# --- c. the deadline scan --------------------------------------------------------------------

_CASES_SQL = """
INSERT INTO cases (number, thing_code, thing_name, catalog_version, region_code, channel, status,
    applicant_kind, applicant_name, created_by, answers, form, sources, commitments, receiving_org_id,
    promised_days, deadline, created_at, submitted_at, accepted_at, updated_at, version)
SELECT 'BENCH' || lpad(g::text, 12, '0'), 'open_restaurant', '开办餐饮店', :version, r.region_code, 'window',
    'processing', 'person', '压测申请人' || g, :user_id, '{}', '{}', '{}', '[]', r.centre,
    20, CAST(:today AS date) + 30, now(), now(), now(), now(), 1
FROM generate_series(1, :n) AS g
JOIN bench_regions AS r ON r.k = g % :regions
"""

# Deadlines: 1 % overdue (1–10 days), 2 % due today or the next day (yellow line: 1 working day),
# the rest 4–30 days ahead. dispatched_on: the promised working days (as calendar days ×1.4) before.
_TASKS_SQL = """
INSERT INTO tasks (case_id, item_code, item_name, kind, org_id, after, promised_days, status, assignee_id,
    commitment, dispatched_on, deadline, stopped_days, created_at, version)
SELECT x.case_id, 'bench_item_' || lpad(x.j::text, 3, '0'), '压测事项 ' || x.j, 'approval', o.org_id, '[]',
    x.promised, CASE WHEN x.u_status < 0.7 THEN 'pending' ELSE 'claimed' END, NULL, false,
    x.deadline - CAST(round(x.promised * 1.4) AS int), x.deadline, 0, now(), 1
FROM (
    SELECT y.case_id, y.region_code, y.j,
        1 + (hashint8extended(y.key, 1) & 1048575) % 20 AS promised,
        (hashint8extended(y.key, 2) & 1048575) / 1048576.0 AS u_status,
        hashint8extended(y.key, 3) & 1048575 AS h_org,
        CASE
            WHEN (hashint8extended(y.key, 4) & 1048575) < 10486
                THEN CAST(:today AS date) - 1 - CAST((hashint8extended(y.key, 5) & 1048575) % 10 AS int)
            WHEN (hashint8extended(y.key, 4) & 1048575) < 31457
                THEN CAST(:today AS date) + CAST((hashint8extended(y.key, 5) & 1048575) % 2 AS int)
            ELSE CAST(:today AS date) + 4 + CAST((hashint8extended(y.key, 5) & 1048575) % 27 AS int)
        END AS deadline
    FROM (
        SELECT c.id AS case_id, c.region_code, j, CAST(c.id AS bigint) * 1000 + j AS key
        FROM cases AS c CROSS JOIN generate_series(1, :per_case) AS j
        WHERE c.number LIKE 'BENCH%'
        OFFSET 0
    ) AS y
) AS x
JOIN bench_region_orgs AS n ON n.region_code = x.region_code
JOIN bench_orgs AS o ON o.region_code = x.region_code AND o.k = x.h_org % n.orgs
"""


def make_tasks(engine: Engine, tasks: int, per_case: int, today: dt.date) -> dict[str, Any]:
    """``tasks`` open tasks in ``tasks / per_case`` processing cases of the seeded regions."""
    from onething.catalog.service import active_catalog
    from onething.models import Org, User

    n_cases = max(1, tasks // per_case)
    with Session(engine) as session:
        version = active_catalog(session).version
        user_id = session.scalar(select(func.min(User.id)))
        regions = session.execute(
            select(Org.region_code, Org.id).where(Org.kind == "service_center").order_by(Org.region_code)
        ).all()
        session.execute(
            text("CREATE TEMP TABLE bench_regions (k int, region_code varchar(12), centre int) ON COMMIT DROP")
        )
        session.execute(
            text("INSERT INTO bench_regions VALUES (:k, :r, :c)"),
            [{"k": k, "r": r, "c": c} for k, (r, c) in enumerate(regions)],
        )
        session.execute(
            text(
                "CREATE TEMP TABLE bench_orgs ON COMMIT DROP AS SELECT region_code, org_id,"
                " CAST(row_number() OVER (PARTITION BY region_code ORDER BY org_id) - 1 AS int) AS k"
                " FROM (SELECT region_code, id AS org_id FROM orgs) AS o"
            )
        )
        session.execute(
            text(
                "CREATE TEMP TABLE bench_region_orgs ON COMMIT DROP AS"
                " SELECT region_code, count(*) AS orgs FROM bench_orgs GROUP BY region_code"
            )
        )
        for temp in ("bench_regions", "bench_orgs", "bench_region_orgs"):
            session.execute(text(f"ANALYZE {temp}"))
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        t0 = time.perf_counter()
        session.execute(
            text(_CASES_SQL),
            {"version": version, "user_id": user_id, "today": today, "n": n_cases, "regions": len(regions)},
        )
        cases_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        made = session.execute(text(_TASKS_SQL), {"today": today, "per_case": per_case}).rowcount  # type: ignore[attr-defined]
        tasks_s = time.perf_counter() - t0
        session.commit()
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.execute(text("VACUUM ANALYZE cases"))
        auto.execute(text("VACUUM ANALYZE tasks"))
    return {
        "cases": n_cases,
        "tasks": made,
        "seconds": {
            "cases": round(cases_s, 2),
            "tasks": round(tasks_s, 2),
            "vacuum": round(time.perf_counter() - t0, 2),
        },
    }


def _detect(session: Session, cal: Any, today: dt.date, levels: dict[str, int]) -> int:
    """How many running tasks are at or past their yellow line: the scan's own predicates."""
    from onething.models import Case, Org, Task
    from onething.supervision import scan

    total = 0
    for days, org_levels in scan._by_threshold(levels).items():
        line = cal.add_working_days(today, days)
        stmt = (
            select(func.count())
            .select_from(Task)
            .join(Case, Case.id == Task.case_id)
            .where(
                Task.status.in_(scan.RUNNING_TASK),
                Task.deadline <= line,
                Task.org_id.in_(select(Org.id).where(Org.level.in_(org_levels))),
            )
        )
        total += int(session.scalar(stmt) or 0)
    return total


def _cards(session: Session) -> int:
    return int(session.scalar(text("SELECT count(*) FROM warnings")) or 0)


def scan_figures(engine: Engine, today: dt.date) -> dict[str, Any]:
    from onething.catalog.holidays import calendar
    from onething.kit.settings import get_settings
    from onething.models import Task
    from onething.supervision import scan

    settings = get_settings()
    levels, steps = dict(settings.warning_yellow_days), dict(settings.rectification_yellow_days)
    with Session(engine) as session:
        cal = calendar(session)
        open_tasks = session.scalar(select(func.count()).select_from(Task).where(Task.status.in_(scan.RUNNING_TASK)))
        session.rollback()

        def detect() -> int:
            found = _detect(session, cal, today, levels)
            session.rollback()
            return found

        detect_s, detect_samples, due = _timed(detect, SCAN_RUNS)

        t0 = time.perf_counter()
        first = scan.scan(session, cal, today, levels, steps)
        session.commit()
        first_s = time.perf_counter() - t0
        first_cards = _cards(session)
        session.execute(text("ANALYZE warnings"))  # as autovacuum would after 150k new rows
        session.commit()

        def rescan() -> tuple[Any, int]:
            result = scan.scan(session, cal, today, levels, steps)
            added = _cards(session) - first_cards
            session.rollback()
            return result, added

        steady_s, steady_samples, (steady, steady_added) = _timed(rescan, SCAN_RUNS)
        cards = session.execute(text("SELECT level, count(*) FROM warnings GROUP BY level ORDER BY level")).all()
        sizes = {"tasks": _size(session, "tasks"), "warnings": _size(session, "warnings")}
    return {
        "open_tasks": open_tasks,
        "yellow_line_working_days": levels,
        "detection": _figure(detect_s, GOALS["scan"], due_tasks=due, samples=[round(s, 4) for s in detect_samples]),
        "first_scan": _figure(
            first_s, GOALS["scan"], cards_raised=first_cards, reported_raised=first.raised, resolved=first.resolved
        ),
        "steady_rescan": _figure(
            steady_s,
            GOALS["scan"],
            cards_raised=steady_added,
            reported_raised=steady.raised,
            resolved=steady.resolved,
            samples=[round(s, 4) for s in steady_samples],
        ),
        "cards": {str(level): int(n) for level, n in cards},
        "note": (
            "warnings is ANALYZEd after the first scan; cards_raised counts the warnings rows;"
            " reported_raised is ScanResult.raised (the job's own count), which must agree"
        ),
        "sizes": sizes,
    }


# --- d. prototypes of the proposed changes (measured after the figures above, then removed) ----

_COUNTS = """count(*) AS occasions,
    count(*) FILTER (WHERE state = 'rated') AS rated,
    count(*) FILTER (WHERE state = 'rated' AND NOT bad) AS good,
    count(*) FILTER (WHERE state = 'rated' AND bad) AS bad,
    coalesce(sum(level) FILTER (WHERE state = 'rated'), 0) AS level_sum,
    count(*) FILTER (WHERE state = 'default_good') AS default_good,
    count(*) FILTER (WHERE state = 'rated' AND bad AND real_name) AS real_name_bad,
    count(*) FILTER (WHERE state = 'rated' AND bad AND real_name AND called_back) AS called_back,
    count(*) FILTER (WHERE state = 'rated' AND bad AND appeal_upheld) AS appeal_upheld,
    count(*) FILTER (WHERE state = 'rated' AND bad AND rectified) AS rectified"""
_SUMS = ", ".join(f"sum({k})" for k in ("occasions", "rated", "good", "bad", "level_sum", "default_good"))
_THING_ROLLUPS = {
    "daily_thing": "concluded_on",  # (day, region, thing): any period, day-exact
    "monthly_thing": "CAST(date_trunc('month', concluded_on) AS date)",  # whole months only
}


def thing_proposals(engine: Engine, days: int, today: dt.date, county: str) -> dict[str, Any]:
    """Where the facts path's time goes (the thing namer scans the whole table), and by-thing
    statistics from a rollup that carries the thing."""
    from onething.supervision import stats

    start, end = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    out: dict[str, Any] = {}
    with Session(engine) as session:
        principal = _principal(session)
        for label, region in (("county", county), ("province", "430000")):
            scope = stats.scope_of(session, principal, region, start, end, today)

            def facts(scope: Any = scope) -> Any:
                grouped = stats._from_facts(session, scope, "thing")
                session.rollback()
                return grouped

            grouped = facts()

            def namer(keys: tuple[str, ...] = tuple(grouped)) -> Any:
                names = stats._namer(session, "thing")(keys)
                session.rollback()
                return names

            out[f"{label}_by_thing_facts_query_s"] = round(_timed(facts, STATS_RUNS)[0], 4)
            out[f"{label}_by_thing_namer_s"] = round(_timed(namer, STATS_RUNS)[0], 4)
        out["note"] = (
            "evaluation_stats(by=thing) = the facts query + the namer (names from the active catalog);"
            " the rollups below are a measured alternative for grouping by thing, not used by the code"
        )
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        for name, day in _THING_ROLLUPS.items():
            table = f"bench_{name}"
            t0 = time.perf_counter()
            session.execute(text(f"DROP TABLE IF EXISTS {table}"))
            session.execute(
                text(
                    f"CREATE TABLE {table} AS SELECT {day} AS day, region_code, thing_code, {_COUNTS}"
                    " FROM evaluations GROUP BY 1, 2, 3"
                )
            )
            session.execute(text(f"CREATE INDEX {table}_region_day ON {table} (region_code, day)"))
            session.execute(text(f"ANALYZE {table}"))
            session.commit()
            built = time.perf_counter() - t0
            rows = int(session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            figures: dict[str, Any] = {"build_s": round(built, 1), "rows": rows, "size": _size(session, table)}
            for label, lo, hi in (("province", "43", "44"), ("county", county, county[:-1] + chr(ord(county[-1]) + 1))):
                query = text(
                    f"SELECT thing_code, {_SUMS} FROM {table}"
                    " WHERE region_code >= :lo AND region_code < :hi AND day >= :a AND day <= :b GROUP BY thing_code"
                )

                def rollup_query(query: Any = query, lo: str = lo, hi: str = hi) -> Any:
                    rows = session.execute(query, {"lo": lo, "hi": hi, "a": start, "b": end}).all()
                    session.rollback()
                    return rows

                goal = GOALS["province_by_region"] if label == "province" else GOALS["county_by_region"]
                figures[f"{label}_by_thing"] = _figure(_timed(rollup_query, STATS_RUNS)[0], goal)
            out[name] = figures
            session.execute(text(f"DROP TABLE {table}"))
            session.commit()
    return out


# --- the whole run ---------------------------------------------------------------------------


def main(
    pg_url: str | None = None,
    count: int | None = None,
    tasks: int | None = None,
    skip_tasks: bool = False,
    days: int = 1095,
    proposals: bool = True,
) -> dict[str, Any]:
    count = 1_000_000 if count is None else count
    tasks = 5_000_000 if tasks is None else tasks
    result: dict[str, Any] = {"benchmark": "evaluations", "occasions": count, "open_tasks": tasks}
    if not pg_url:
        return result | {
            "skipped": "no PostgreSQL URL (--pg-url or ONETHING_BENCH_PG_URL): this benchmark is PostgreSQL only",
            "machine": machine(),
        }
    from onething.kit.db import make_engine

    prepare_db(pg_url)
    engine = make_engine(pg_url)
    today = dt.date.today()
    with Session(engine) as session:
        result["settings"] = _settings(session)
    result["settings_note"] = (
        "the server as scripts/pg-cluster.sh starts it; the statistics and the scan run with these settings"
        " unchanged (the generator sets work_mem 256MB and maintenance_work_mem 1GB locally for its own load)"
    )
    result["generation"] = generation(engine, count)
    result["statistics"] = statistics_figures(engine, days, today)
    if not skip_tasks:
        result["tasks_made"] = make_tasks(engine, tasks, 100, today)
        result["scan"] = scan_figures(engine, today)
    if proposals:
        result["proposals"] = {"thing": thing_proposals(engine, days, today, result["statistics"]["county"])}
    engine.dispose()
    result["machine"] = machine()
    return result


if __name__ == "__main__":
    import os

    import catalog_load

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("ONETHING_BENCH_PG_URL"), help="a PostgreSQL server URL")
    parser.add_argument("--count", type=int, default=1_000_000, help="occasions to generate (Hunan: 21326808)")
    parser.add_argument("--tasks", type=int, default=5_000_000, help="open tasks for the deadline scan")
    parser.add_argument("--skip-tasks", action="store_true", help="no deadline scan")
    parser.add_argument("--skip-proposals", action="store_true", help="no prototypes of the proposed changes")
    args = parser.parse_args()
    url = catalog_load.fresh_pg(args.pg_url, "bench_evaluations") if args.pg_url else None
    result = main(url, args.count, args.tasks, args.skip_tasks, proposals=not args.skip_proposals)
    print(json.dumps(result, ensure_ascii=False, indent=2))
