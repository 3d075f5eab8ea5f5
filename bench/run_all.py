"""Run every benchmark and print one JSON document (also written to bench/results/latest.json)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_generate
import case_lifecycle
import catalog_load
import evaluations
import guide_http
import guide_latency
import libraries_fill
import licenses

import policies


def main() -> None:
    results = [guide_latency.main(), catalog_load.main(), guide_http.main()]
    pg = os.environ.get("ONETHING_BENCH_PG_URL")
    if pg:  # the same mixed load with PostgreSQL as the store
        results.append(guide_http.main(db_url=catalog_load.fresh_pg(pg, "bench_http"), only="mixed"))
    results += [bench_generate.main(), libraries_fill.main()]
    results.append(case_lifecycle.main(pg_url=catalog_load.fresh_pg(pg, "bench_cases") if pg else None))
    results.append(licenses.main(pg_url=catalog_load.fresh_pg(pg, "bench_licenses") if pg else None))
    # 好差评 statistics and the deadline scan at a moderate scale (the README's figure: 21,326,808 / 5 M).
    evaluations_url = catalog_load.fresh_pg(pg, "bench_evaluations") if pg else None
    results.append(evaluations.main(pg_url=evaluations_url, count=1_000_000, tasks=1_000_000))
    # 免申即享 matcher against OpenFisca at 1 M enterprises (6 M by hand: bench/policies.py --sizes 1000000 6000000).
    results.append(policies.main(sizes=[1_000_000]))
    text = json.dumps(results, ensure_ascii=False, indent=2)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
