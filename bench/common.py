"""Shared helpers for the benchmarks: answer sets that exercise a thing, machine facts, stats."""

from __future__ import annotations

import itertools
import os
import platform
import statistics
from pathlib import Path
from typing import Any

from onething.catalog.model import Catalog, CompiledThing
from onething.guide.engine import generate
from onething.kit.errors import ValidationFailed


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": ordered[len(ordered) // 2], "p90": q[89], "p99": q[98], "max": ordered[-1]}


def answer_sets(thing: CompiledThing, limit: int = 64) -> list[dict[str, Any]]:
    """Valid answer sets, trying combinations of the first questions' options."""
    choices: list[list[Any]] = []
    for q in thing.questions:
        opts = [o.code for o in q.spec.options]
        choices.append([[o] for o in opts] + [opts] if q.spec.multiple else opts)
    out: list[dict[str, Any]] = []
    for combo in itertools.product(*choices):
        raw = {q.spec.code: v for q, v in zip(thing.questions, combo, strict=True)}
        for _ in range(len(thing.questions) + 1):  # drop answers to questions that do not apply
            try:
                out.append(_valid(thing, raw))
                break
            except ValidationFailed as exc:
                if exc.code != "question_not_applicable" or not exc.field:
                    break
                raw.pop(exc.field.split(".", 1)[1], None)
        if len(out) >= limit:
            break
    return out


def _valid(thing: CompiledThing, raw: dict[str, Any]) -> dict[str, Any]:
    from onething.guide.answers import normalise_answers

    normalise_answers(thing, raw)
    return raw


def largest(catalog: Catalog) -> tuple[CompiledThing, dict[str, Any], int]:
    """The thing and answers that make the biggest guide (most items applying)."""
    best: tuple[CompiledThing, dict[str, Any], int] | None = None
    for thing in catalog.things.values():
        for answers in answer_sets(thing):
            n = len(generate(catalog, thing.code, answers).items)
            if best is None or n > best[2]:
                best = (thing, answers, n)
    assert best is not None
    return best


def prepare_db(url: str, seal_orgs: list[str] | None = None, *, seals: bool = False) -> None:
    """A migrated database with the seed catalog, the orgs and the demo accounts; seal keys for
    ``seal_orgs`` (or every org when ``seals``)."""
    from onething.catalog.service import active_catalog, load
    from onething.demo.seed import seed_accounts, seed_orgs
    from onething.kit.db import make_engine, session_scope
    from onething.kit.migrate import upgrade
    from onething.licenses.service import init_seals

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load(session)
    with session_scope(engine) as session:
        catalog = active_catalog(session)
        seed_orgs(session, catalog)
        seed_accounts(session)
        if seals or seal_orgs:
            init_seals(session, catalog, seal_orgs or ())
    engine.dispose()
