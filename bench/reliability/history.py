"""Bulk history: ~1M closed cases copied, set-based, from the shape of one real closed demo case.

Every row that belongs to the template case — the case, its tasks, case and task events, materials,
licenses and their events, rating occasions and their events — is copied N times with
``INSERT … SELECT … FROM generate_series``: ids allocated in blocks past the current maximum, foreign
keys remapped inside each copy, every timestamp and date moved back by the copy's age (1,000 cases a
day, so 1M cases span about three years), case numbers ``<region><day><seq>`` with the day's sequence
recorded in ``case_sequences``. Files are content-addressed, so copied materials point at the
template's stored files. Licenses are copied under placeholder identifiers, then re-sealed one by one
as the issuing code would have sealed them (``resign.py``: own serial, identifier, number and signed
content, signed with the issuer's seal key from the seals directory, by a pool of processes).

    python bench/reliability/history.py --count 1000000        # uses ONETHING_DATABASE_URL (PostgreSQL)
                                                               # and ONETHING_SEALS_DIR (the seal keys)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import resign
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from onething.kit.settings import get_settings

NUMBER = "{region} || to_char(h.day, 'YYYYMMDD') || lpad(h.seq::text, 6, '0')"
PER_DAY = 1000  # historical cases per day: 1M cases reach back ~2.7 years
CHUNK = 50_000


@dataclass
class Table:
    name: str
    where: str  # selects the template's rows (":t" is the template case id)
    remap: dict[str, str] = field(default_factory=dict)  # fk column -> mapped table


# Copy order: parents before children. The template's rows are ranked by id inside each table.
TABLES = [
    Table("cases", "id = :t"),
    Table("tasks", "case_id = :t", {"case_id": "cases"}),
    Table("case_events", "case_id = :t", {"case_id": "cases"}),
    Table("task_events", "case_id = :t", {"case_id": "cases", "task_id": "tasks"}),
    Table("case_materials", "case_id = :t", {"case_id": "cases"}),
    Table("licenses", "case_id = :t", {"case_id": "cases", "task_id": "tasks"}),
    Table(
        "license_events",
        "license_id IN (SELECT id FROM licenses WHERE case_id = :t)",
        {"license_id": "licenses"},
    ),
    Table("evaluations", "case_id = :t", {"case_id": "cases"}),
    Table(
        "evaluation_events",
        "evaluation_id IN (SELECT id FROM evaluations WHERE case_id = :t)",
        {"evaluation_id": "evaluations"},
    ),
]


def template_case(conn: Connection) -> int:
    """A closed, approved demo case, rated well (no rectification to copy)."""
    found = conn.scalar(
        text(
            "SELECT c.id FROM cases c WHERE c.status = 'closed' AND c.outcome = 'approved' "
            "AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.case_id = c.id AND e.bad) "
            "ORDER BY c.id LIMIT 1"
        )
    )
    if found is None:
        raise SystemExit("no closed approved case to copy: run `onething setup --demo` first")
    return int(found)


def columns(conn: Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [(r[0], r[1]) for r in rows]


def _expr(table: str, col: str, kind: str, spec: Table) -> str:
    """The copied value of one column for copy h.g of template row s (rank s_rank.rn)."""
    if col == "id":
        return f"b_{table}.base + (h.g - 1) * b_{table}.k + s.rn"
    if col in spec.remap:
        parent = spec.remap[col]
        return f"b_{parent}.base + (h.g - 1) * b_{parent}.k + m_{col}.rn"
    if table == "cases" and col == "number":
        return NUMBER.format(region="s.region_code")
    if col == "case_number":  # evaluations, license events: the copy's case number
        return NUMBER.format(region="tc.region_code")
    if table == "cases" and col in ("idempotency_key", "submit_key"):
        return "NULL"
    if table == "licenses" and col == "identifier":  # a placeholder until resign.py seals the copy
        return "s.identifier || '.H' || h.g"
    if table == "licenses" and col == "verify_token":  # placeholders too: resign.py draws real tokens
        return "substr(md5(random()::text || h.g::text || s.id::text), 1, 22)"
    if table == "licenses" and col == "number":
        return "s.number || 'H' || h.g"
    if kind.startswith("timestamp"):
        return f"s.{col} - make_interval(days => h.age)"
    if kind == "date":
        return f"s.{col} - h.age"
    return f"s.{col}"


def _statement(conn: Connection, spec: Table) -> str:
    cols = columns(conn, spec.name)
    names = ", ".join(f'"{c}"' for c, _ in cols)
    values = ", ".join(_expr(spec.name, c, k, spec) for c, k in cols)
    joins = [f"CROSS JOIN base_{spec.name} b_{spec.name}"]
    for col, parent in spec.remap.items():
        joins.append(f"JOIN rank_{parent} m_{col} ON m_{col}.id = s.{col}")
        if parent != spec.name:
            joins.append(f"CROSS JOIN base_{parent} b_{parent}")
    if any(c == "case_number" for c, _ in cols):
        joins.append("CROSS JOIN rank_cases tc")
    # Only small tables (the template's rows, one row of ids) meet the series: no plan can go wrong.
    return (
        f"INSERT INTO {spec.name} ({names}) SELECT {values} FROM hist h CROSS JOIN rank_{spec.name} s {' '.join(joins)}"
    )


def _fast(conn: Connection) -> None:
    # The copies' foreign keys are right by construction (remapped inside each copy) and
    # `onething check` proves the result, so the per-row FK triggers are skipped (superuser only;
    # inserts only — the append-only triggers guard updates and deletes, which this never does).
    # JIT compiles for longer than these simple plans run.
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text("SET LOCAL jit = off"))


def load(
    engine: Engine, count: int, progress: bool = True, seals_dir: Path | str | None = None, workers: int = 2
) -> dict[str, Any]:
    """Copy the template case ``count`` times, then re-seal the copied licenses with the keys in
    ``seals_dir`` (default: the settings', ``ONETHING_SEALS_DIR``) using ``workers`` processes."""
    started = time.perf_counter()
    inserted: dict[str, int] = {}
    spent: dict[str, float] = {}
    with engine.begin() as conn:
        _fast(conn)
        t = template_case(conn)
        day0 = conn.scalar(
            text("SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date FROM cases WHERE id = :t"), {"t": t}
        )
        for spec in TABLES:
            # The template's rows ranked, and the block of ids the copies take past today's maximum.
            conn.execute(text(f"DROP TABLE IF EXISTS rank_{spec.name}, base_{spec.name}"))
            where = spec.where.replace(":t", str(t))
            conn.execute(
                text(
                    f"CREATE UNLOGGED TABLE rank_{spec.name} AS "
                    f"SELECT *, row_number() OVER (ORDER BY id) AS rn FROM {spec.name} WHERE {where}"
                )
            )
            conn.execute(
                text(
                    f"CREATE UNLOGGED TABLE base_{spec.name} AS SELECT "
                    f"(SELECT coalesce(max(id), 0) FROM {spec.name}) AS base, "
                    f"(SELECT count(*) FROM rank_{spec.name}) AS k"
                )
            )
            conn.execute(text(f"ANALYZE rank_{spec.name}, base_{spec.name}"))
        first_license, per_copy = conn.execute(text("SELECT base + 1, k FROM base_licenses")).one()
        statements = [(spec.name, _statement(conn, spec)) for spec in TABLES]
    for first in range(1, count + 1, CHUNK):
        last = min(count, first + CHUNK - 1)
        with engine.begin() as conn:
            _fast(conn)
            conn.execute(text("DROP TABLE IF EXISTS hist"))
            # Copy g is `age` days older than the template: PER_DAY copies a day, numbered 1..PER_DAY.
            conn.execute(
                text(
                    "CREATE TEMP TABLE hist AS SELECT g, (1 + (g - 1) / CAST(:per AS int)) AS age, "
                    "CAST(:day0 AS date) - (1 + (g - 1) / CAST(:per AS int)) AS day, "
                    "1 + (g - 1) % CAST(:per AS int) AS seq "
                    "FROM generate_series(CAST(:a AS int), CAST(:b AS int)) g"
                ),
                {"per": PER_DAY, "day0": day0, "a": first, "b": last},
            )
            conn.execute(text("ANALYZE hist"))
            for name, sql in statements:
                t0 = time.perf_counter()
                n = conn.execute(text(sql)).rowcount
                inserted[name] = inserted.get(name, 0) + n
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        if progress:
            print(f"history: {last:,}/{count:,} cases, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    last_license = first_license + count * per_copy - 1
    keys = seals_dir or get_settings().seals_dir
    resealed = resign.resign(engine, first_license, last_license, keys, workers, progress)
    if progress:
        print(
            f"history: {resealed['licenses_resigned']:,} licenses re-sealed, {resealed['seconds']} s", file=sys.stderr
        )
    with engine.begin() as conn:
        _finish(conn, count, day0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Every copied license was written twice, and millions of rows are new: vacuum (visibility map,
        # frozen rows) and analyse all of it now, as an operator would after a bulk import, rather than
        # leave autovacuum to do it in the middle of the measured runs.
        conn.execute(text("VACUUM (ANALYZE)"))
        conn.execute(text("CHECKPOINT"))
    seconds = time.perf_counter() - started
    return {
        "cases": count,
        "rows": inserted,
        "seconds": round(seconds, 1),
        "seconds_by_table": {k: round(v, 1) for k, v in spent.items()},
        "resign": resealed,
        "template_case": t,
    }


def _finish(conn: Connection, count: int, day0: Any) -> None:
    for spec in TABLES:
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{spec.name}', 'id'), (SELECT max(id) FROM {spec.name}))")
        )
        conn.execute(text(f"DROP TABLE IF EXISTS rank_{spec.name}, base_{spec.name}"))
    # Each day's numbering continues after the copies (a later case that day would take the next number).
    conn.execute(
        text(
            "INSERT INTO case_sequences (region_code, day, last) "
            "SELECT substr(number, 1, 6), substr(number, 7, 8), max(substr(number, 15)::int) FROM cases "
            "WHERE substr(number, 7, 8) < to_char(CAST(:day0 AS date), 'YYYYMMDD') GROUP BY 1, 2 "
            "ON CONFLICT (region_code, day) DO UPDATE SET last = greatest(case_sequences.last, excluded.last)"
        ),
        {"day0": day0},
    )
    # History arrives already enrolled for rating (its occasions are copied): the enrolment job's
    # watermark moves past the copied events instead of re-reading millions of old ones.
    conn.execute(
        text(
            "UPDATE job_leases SET watermark = jsonb_build_object('after_event', (SELECT max(id) FROM case_events)) "
            "WHERE name = 'evaluations.enrol'"
        )
    )
    conn.execute(text("ANALYZE"))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("RELIABILITY_HISTORY", 1_000_000)))
    parser.add_argument("--url", default=os.environ.get("ONETHING_DATABASE_URL", ""))
    parser.add_argument("--seals-dir", default=None, help="the seal keys (default: ONETHING_SEALS_DIR)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="signing processes")
    args = parser.parse_args(argv)
    if not args.url.startswith("postgresql"):
        raise SystemExit("history.py needs PostgreSQL: set ONETHING_DATABASE_URL or pass --url")
    engine = create_engine(args.url)
    try:
        result = load(engine, args.count, seals_dir=args.seals_dir, workers=args.workers)
    finally:
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
