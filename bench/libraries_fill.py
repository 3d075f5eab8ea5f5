"""Filling the base libraries: 1,000,000 people (and 200,000 enterprises) generated and inserted,
on SQLite and, when ONETHING_BENCH_PG_URL is set, on PostgreSQL (COPY). One run each: a run is long.

Run: .venv/bin/python bench/libraries_fill.py  (prints one JSON document)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from catalog_load import fresh_pg
from common import machine

from onething.catalog.service import load
from onething.demo.libraries import add_enterprises, add_people
from onething.kit.db import make_engine, session_scope
from onething.kit.migrate import upgrade

PEOPLE = 1_000_000
ENTERPRISES = 200_000


def _fill(url: str) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load(session, None)
    timings: dict[str, float] = {}
    for name, adder, count in (
        ("people_1m_s", add_people, PEOPLE),
        ("enterprises_200k_s", add_enterprises, ENTERPRISES),
    ):
        started = time.perf_counter()
        with session_scope(engine) as session:
            adder(session, count)
        timings[name] = round(time.perf_counter() - started, 1)
    engine.dispose()
    return timings


def main() -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": "libraries_fill", "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = _fill(f"sqlite:///{Path(tmp) / 'fill.db'}")
    pg = os.environ.get("ONETHING_BENCH_PG_URL")
    if pg:
        result["postgresql"] = _fill(fresh_pg(pg, "bench_fill"))
    return result


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
