"""Part 1 and 3: the mix against the real server on PostgreSQL; with --flood, the login flood joins
halfway so the same run gives the other requests' p99 without and with it, side by side.

    python bench/reliability/load.py [--seconds 300] [--flood]      # own cluster, prints JSON
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BIN, HERE, SECONDS, USERS, Cluster, figures, goals, locust, samples, serving


def run_mix(
    cluster: Cluster, db: str, seconds: int = SECONDS, tag: str = "load", flood: bool = False, users: int = USERS
) -> dict[str, Any]:
    with serving(cluster, db) as server:
        started = time.time()
        proc = locust(server.url, seconds, users=users, tag=tag)
        result: dict[str, Any] = {"seconds": seconds, "users": users}
        flood_from = None
        if flood:
            # Started early and told when to begin: its own start-up is over when the flood starts.
            flood_from = started + seconds / 2
            time.sleep(max(0.0, flood_from - 15 - time.time()))
            command = [str(BIN / "python"), str(HERE / "flood.py"), server.url, "--seconds", str(seconds / 2 - 5)]
            out = subprocess.run([*command, "--start-at", str(flood_from)], capture_output=True, text=True, check=False)
            result["flood"] = json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-1000:]}
        proc.wait()
    rows = samples(tag)
    if flood_from is None:
        result.update(figures(rows))
        result["goals"] = goals(result, seconds)
    else:
        # The first half minus the ramp-up against the second half, same users, same run.
        ramp = started + min(30.0, seconds / 6)
        result["without_flood"] = figures(rows, since=ramp, until=flood_from)
        result["with_flood"] = figures(rows, since=flood_from + 2)
        for key in ("reads_ms", "writes_ms"):
            before, during = result["without_flood"].get(key, {}), result["with_flood"].get(key, {})
            if before.get("p99") and during.get("p99"):
                result[f"{key[:-3]}_p99_ratio"] = round(during["p99"] / before["p99"], 2)
    return result


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="the reliability mix")
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--flood", action="store_true")
    args = parser.parse_args()
    cluster = Cluster().start()
    try:
        cluster.demo_template()
        result = run_mix(cluster, cluster.copy("load"), args.seconds, "flood" if args.flood else "load", args.flood)
    finally:
        cluster.stop()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
