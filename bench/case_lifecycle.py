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

from common import machine

BRANCHES = 5  # the restaurant's parallel tasks with the benchmark's answers


def _prepare(url: str) -> None:
    from onething.catalog.service import active_catalog, load
    from onething.demo.seed import seed_accounts, seed_orgs
    from onething.kit.db import make_engine, session_scope
    from onething.kit.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load(session)
    with session_scope(engine) as session:
        seed_orgs(session, active_catalog(session))
        seed_accounts(session)
    engine.dispose()


def _worker(url: str, seconds: float, seed: int, out: Any) -> None:
    from onething.cases import department, intake, views, window
    from onething.cases.schemas import AcceptIn, CaseCreate, ClaimIn, DecisionIn, DeliverIn
    from onething.demo.accounts import ENTERPRISE
    from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, cast, fill_missing, png
    from onething.kit.db import make_engine, session_scope

    engine = make_engine(url)
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
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        with session_scope(engine) as s:
            number = intake.create_draft(s, people.agent, body).number
        with session_scope(engine) as s:
            for code in materials:
                intake.add_material(s, people.agent, number, code, f"{code}.png", scan)
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
    out.put(times)


def _first_case(session: Any, people: Any, thing: str) -> str:
    from onething.cases import intake
    from onething.cases.schemas import CaseCreate
    from onething.demo.accounts import ENTERPRISE
    from onething.demo.cases import RESTAURANT_ANSWERS

    body = CaseCreate(thing=thing, answers=RESTAURANT_ANSWERS, enterprise=str(ENTERPRISE["credit_code"]))
    return intake.create_draft(session, people.agent, body).number


def measure(url: str, processes: int, seconds: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(url, seconds, n, out)) for n in range(processes)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    samples = [out.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    times = [t for sample in samples for t in sample]
    return {
        "processes": processes,
        "lifecycles": len(times),
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
        _prepare(sqlite)
        results["sqlite"] = measure(sqlite, processes, seconds)
        if pg_url:
            _prepare(pg_url)
            results["postgresql"] = measure(pg_url, processes, seconds)
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
        "steps_per_lifecycle": "create+form, 14 uploads, submit, accept+dispatch, 5 claims, 5 approvals, deliver+close",
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
