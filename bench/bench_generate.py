"""Generation speed of the synthetic base libraries: 1,000,000 people and 200,000 enterprises, no database.

Run: .venv/bin/python bench/bench_generate.py  (prints one JSON document; the median of a few runs)
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from onething.sharing.generate import RegionSeed, enterprises, people

PEOPLE = 1_000_000
ENTERPRISES = 200_000
RUNS = 3
TODAY = dt.date(2025, 6, 30)
# As many county-level regions as Hunan has (122); the codes only need to be well-formed.
REGIONS = [
    RegionSeed(f"43{city:02d}{county:02d}", f"湖南省第{city}市第{county}县")
    for city in range(1, 14)
    for county in range(1, 11)
][:122]


def _drain(rows: Iterator[Any]) -> float:
    t0 = time.perf_counter()
    deque(rows, maxlen=0)
    return time.perf_counter() - t0


def main() -> dict[str, Any]:
    t0 = time.perf_counter()
    deque(people(REGIONS, 1, today=TODAY), maxlen=0)  # builds the lookup tables once per process
    deque(enterprises(REGIONS, 1, today=TODAY), maxlen=0)
    setup = time.perf_counter() - t0
    people_s = statistics.median(_drain(people(REGIONS, PEOPLE, seed=run, today=TODAY)) for run in range(RUNS))
    ent_s = statistics.median(_drain(enterprises(REGIONS, ENTERPRISES, seed=run, today=TODAY)) for run in range(RUNS))
    return {
        "people_per_second": round(PEOPLE / people_s),
        "enterprises_per_second": round(ENTERPRISES / ent_s),
        "people_1m_seconds": round(people_s * 1_000_000 / PEOPLE, 3),
        "enterprises_200k_seconds": round(ent_s * 200_000 / ENTERPRISES, 3),
        "table_setup_seconds": round(setup, 3),
        "regions": len(REGIONS),
        "runs": RUNS,
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
