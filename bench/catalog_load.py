"""Catalog validation and load time for the whole seed catalog (SQLite, and PostgreSQL if given)."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from common import machine
from sqlalchemy import text

from onething.catalog.service import load, validate_path
from onething.kit.db import make_engine, session_scope
from onething.kit.migrate import upgrade


def _validate_ms() -> float:
    t0 = time.perf_counter()
    catalog, problems, _ = validate_path()
    assert catalog is not None, problems
    return (time.perf_counter() - t0) * 1000


def _load_ms(url: str) -> float:
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        result = load(session)
    elapsed = (time.perf_counter() - t0) * 1000
    assert result.created
    engine.dispose()
    return elapsed


def fresh_pg(base: str, name: str) -> str:
    admin = make_engine(base.rsplit("/", 1)[0] + "/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


def main(repeats: int = 5) -> dict[str, object]:
    validate = [_validate_ms() for _ in range(repeats)]
    sqlite = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            sqlite.append(_load_ms(f"sqlite:///{Path(tmp) / f'load{i}.db'}"))
    result: dict[str, object] = {
        "benchmark": "catalog_load",
        "validate_ms_median": round(statistics.median(validate), 1),
        "load_sqlite_ms_median": round(statistics.median(sqlite), 1),
        "machine": machine(),
    }
    pg = os.environ.get("ONETHING_BENCH_PG_URL")
    if pg:
        result["load_postgresql_ms_median"] = round(
            statistics.median(_load_ms(fresh_pg(pg, f"bench_load_{i}")) for i in range(repeats)), 1
        )
    return result


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
