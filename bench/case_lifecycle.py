"""Full case lifecycles per second for 开办餐饮店, persisted: create (form + materials) → submit →
accept → five departments claim and approve in parallel → concluded → delivered and closed.

Two app processes drive lifecycles at once through the services the API calls (one transaction per
step, as one request each would be), on SQLite and on PostgreSQL. The same parallel-approval process
runs in SpiffWorkflow in memory (no database) in the same run, and the ratio is printed.
Goal: >= 200 lifecycles/s on PostgreSQL.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, prepare_db

BRANCHES = 5  # the restaurant's parallel tasks with the benchmark's answers


def _worker(url: str, seconds: float, seed: int, out: Any) -> None:
    from onething.cases import department, intake, views, window
    from onething.cases.schemas import AcceptIn, CaseCreate, ClaimIn, DecisionIn, DeliverIn
    from onething.demo.accounts import ENTERPRISE
    from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, cast, fill_missing, png
    from onething.kit.db import make_engine, session_scope

    engine = make_engine(url)
    statements = _count_statements(engine)
    rng = random.Random(seed)
    with session_scope(engine) as session:
        people = cast(session)
        template = views.case_detail(session, people.agent, _first_case(session, people, RESTAURANT)).model_dump()
    materials = [m["code"] for m in template["needed_materials"] if m["exempt"] != "bundle"]
    scan = png(1)  # the same scan every time: stored once (content-addressed), as re-used documents are
    body = CaseCreate(
        thing=RESTAURANT,
        answers=RESTAURANT_ANSWERS,
        enterprise=str(ENTERPRISE["credit_code"]),
        form=fill_missing(template, rng),
    )
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    statements[0] = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        with session_scope(engine) as s:
            number = intake.create_draft(s, people.agent, body).number
        with session_scope(engine) as s:  # the form's upload step: every file in one request
            intake.add_materials(s, people.agent, number, [intake.Upload(c, f"{c}.png", scan) for c in materials])
        with session_scope(engine) as s:
            intake.submit(s, people.agent, number)
        with session_scope(engine) as s:
            window.accept(s, people.clerk, number, AcceptIn())
            tasks = [(t.id, t.org_id) for t in views.tasks_of_case(s, people.clerk, number)]
        for task_id, org in tasks:
            with session_scope(engine) as s:
                department.claim(s, people.approvers[org], task_id, ClaimIn())
        for task_id, org in tasks:
            with session_scope(engine) as s:
                department.approve(s, people.approvers[org], task_id, DecisionIn(opinion="符合法定条件，准予"))
        with session_scope(engine) as s:
            closed = window.deliver(s, people.clerk, number, DeliverIn(method="window"))
            assert closed.status == "closed"
        times.append(time.perf_counter() - started)
    engine.dispose()
    out.put((times, statements[0]))


def _count_statements(engine: Any) -> list[int]:
    from sqlalchemy import event

    counter = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        counter[0] += 1

    return counter


TRANSACTIONS = 15  # create, upload, submit, accept, 5 claims, 5 approvals, deliver


def _floor_worker(url: str, seconds: float, per_lifecycle: int, n: int, out: Any) -> None:
    """The same number of transactions and round trips straight through the driver: lock a row, read
    its children, write an event, update the row. What PostgreSQL and psycopg alone cost here."""
    import psycopg

    per_transaction = max(3, round(per_lifecycle / TRANSACTIONS))
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        times: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            case_id = conn.execute(
                "INSERT INTO floor_cases (status, version, form) VALUES ('draft', 1, %s) RETURNING id",
                ('{"a": 1}',),
            ).fetchone()[0]  # type: ignore[index]
            conn.commit()
            for _ in range(TRANSACTIONS - 1):
                conn.execute("SELECT * FROM floor_cases WHERE id = %s FOR UPDATE", (case_id,)).fetchall()
                for k in range(per_transaction - 2):
                    if k % 2:
                        conn.execute("SELECT * FROM floor_events WHERE case_id = %s", (case_id,)).fetchall()
                    else:
                        conn.execute(
                            "INSERT INTO floor_events (case_id, action, comment) VALUES (%s, 'x', 'y')", (case_id,)
                        )
                conn.execute("UPDATE floor_cases SET version = version + 1 WHERE id = %s", (case_id,))
                conn.commit()
            times.append(time.perf_counter() - started)
    out.put((times, per_transaction * TRANSACTIONS * len(times)))


def floor(url: str, processes: int, seconds: float, per_lifecycle: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS floor_events, floor_cases")
        conn.execute("CREATE TABLE floor_cases (id serial PRIMARY KEY, status text, version int, form jsonb)")
        conn.execute(
            "CREATE TABLE floor_events (id serial PRIMARY KEY, case_id int REFERENCES floor_cases, "
            "action text, comment text)"
        )
        conn.execute("CREATE INDEX ON floor_events (case_id)")
    return _run(_floor_worker, (url, seconds, per_lifecycle), processes, seconds)


def _first_case(session: Any, people: Any, thing: str) -> str:
    from onething.cases import intake
    from onething.cases.schemas import CaseCreate
    from onething.demo.accounts import ENTERPRISE
    from onething.demo.cases import RESTAURANT_ANSWERS

    body = CaseCreate(thing=thing, answers=RESTAURANT_ANSWERS, enterprise=str(ENTERPRISE["credit_code"]))
    return intake.create_draft(session, people.agent, body).number


def measure(url: str, processes: int, seconds: float) -> dict[str, Any]:
    return _run(_worker, (url, seconds), processes, seconds)


def _run(target: Any, args: tuple[Any, ...], processes: int, seconds: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=target, args=(*args, n, out)) for n in range(processes)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    samples = [out.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    times = [t for sample, _ in samples for t in sample]
    statements = sum(n for _, n in samples)
    return {
        "processes": processes,
        "lifecycles": len(times),
        "statements_per_lifecycle": round(statements / max(1, len(times))),
        "seconds": round(seconds, 1),
        "lifecycles_per_s": round(len(times) / seconds, 1),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "wall_s": round(elapsed, 1),
    }


def main(seconds: float = 10.0, processes: int = 2, pg_url: str | None = None) -> dict[str, Any]:
    import spiff_parallel

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ONETHING_FILES_DIR"] = f"{tmp}/files"
        sqlite = f"sqlite:///{tmp}/bench.db"
        prepare_db(sqlite, seals=True)
        results["sqlite"] = measure(sqlite, processes, seconds)
        if pg_url:
            prepare_db(pg_url, seals=True)
            results["postgresql"] = measure(pg_url, processes, seconds)
            per_lifecycle = results["postgresql"]["statements_per_lifecycle"]
            results["postgresql_driver_floor"] = floor(pg_url, processes, seconds, per_lifecycle)
    spiff = spiff_parallel.run(BRANCHES, seconds=min(seconds, 5.0))
    results["spiffworkflow_in_memory"] = spiff
    for name in ("sqlite", "postgresql"):
        if name in results:
            results[name]["ratio_to_spiffworkflow"] = round(
                results[name]["lifecycles_per_s"] / spiff["lifecycles_per_s"], 2
            )
    return {
        "benchmark": "case_lifecycle",
        "thing": "open_restaurant",
        "parallel_tasks": BRANCHES,
        "steps_per_lifecycle": "create+form, 14 files in one upload, submit, accept+dispatch, "
        "5 claims, 5 approvals, deliver+close",
        **results,
        "goal": ">= 200 lifecycles/s on PostgreSQL with 2 processes",
        "machine": machine(),
    }


if __name__ == "__main__":
    import catalog_load

    pg = os.environ.get("ONETHING_BENCH_PG_URL")
    print(
        json.dumps(main(pg_url=catalog_load.fresh_pg(pg, "bench_cases") if pg else None), ensure_ascii=False, indent=2)
    )
