"""Guide generation latency in-process for the largest thing (goal: p99 <= 2 ms)."""

from __future__ import annotations

import gc
import json
import time

from common import answer_sets, largest, machine, percentiles

from onething.catalog.service import validate_path
from onething.guide.engine import generate
from onething.guide.prepared import prepared


def main(runs: int = 3000) -> dict[str, object]:
    catalog, problems, _ = validate_path()
    assert catalog is not None, problems
    thing, answers, n_items = largest(catalog)
    gc.collect()
    gc.freeze()  # as the server does after warming up: the catalog is permanent
    for _ in range(200):
        generate(catalog, thing.code, answers)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        generate(catalog, thing.code, answers)
        samples.append((time.perf_counter() - t0) * 1000)
    bundles = prepared(catalog).bundles
    cold = []
    for _ in range(runs):
        bundles.clear()  # as if this situation had never been seen by this process
        t0 = time.perf_counter()
        generate(catalog, thing.code, answers)
        cold.append((time.perf_counter() - t0) * 1000)
    every = []
    for t in catalog.things.values():
        for a in answer_sets(t, limit=8):
            t0 = time.perf_counter()
            generate(catalog, t.code, a)
            every.append((time.perf_counter() - t0) * 1000)
    return {
        "benchmark": "guide_latency_in_process",
        "thing": thing.code,
        "items_in_guide": n_items,
        "runs": runs,
        "ms": {k: round(v, 4) for k, v in percentiles(samples).items()},
        "cold_ms": {k: round(v, 4) for k, v in percentiles(cold).items()},
        "cold_means": "materials and form recomputed on every call (first time a process sees this situation)",
        "all_things_ms": {k: round(v, 4) for k, v in percentiles(every).items()},
        "goal": "p99 <= 2 ms",
        "machine": machine(),
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
