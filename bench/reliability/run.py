"""`make reliability`: every part in turn on one throwaway PostgreSQL cluster, each on its own copy of
the demo database; prints one JSON document and writes bench/results/reliability.json.

Bounded by environment variables (defaults in brackets): RELIABILITY_SECONDS [300] per load run,
RELIABILITY_USERS [120] (one request a second each), RELIABILITY_HISTORY [1000000] historical cases,
RELIABILITY_FAULT_SECONDS [90], RELIABILITY_FUZZ_EXAMPLES [25], RELIABILITY_FUZZ_SECONDS [150] per
role, RELIABILITY_PARTS [load,history,flood,faults,fuzz]. A smoke run:
RELIABILITY_SECONDS=30 RELIABILITY_HISTORY=20000 RELIABILITY_FAULT_SECONDS=30 RELIABILITY_FUZZ_SECONDS=30
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import faults
import fuzz
import history
import load
from harness import RESULTS, ROOT, SECONDS, USERS, Cluster, check, machine, serving
from sqlalchemy import create_engine

PARTS = os.environ.get("RELIABILITY_PARTS", "load,history,flood,faults,fuzz").split(",")
HISTORY = int(os.environ.get("RELIABILITY_HISTORY", "1000000"))
CHECK_SAMPLE = int(os.environ.get("RELIABILITY_CHECK_SAMPLE", "200000"))
# DIR:PORT:WORK of a cluster kept from an earlier run (loading a million cases takes most of an hour):
# it is migrated to the current code and used as it is, and left running afterwards.
REUSE = os.environ.get("RELIABILITY_CLUSTER", "")


def ratios(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """p50 and p99 with history over without, per endpoint group."""
    out: dict[str, Any] = {}
    for group, b in before.get("groups", {}).items():
        a = after.get("groups", {}).get(group)
        if a and b.get("p50") and b.get("p99"):
            out[group] = {"p50": round(a["p50"] / b["p50"], 2), "p99": round(a["p99"] / b["p99"], 2)}
    out["none_slower_than_2x"] = all(v["p99"] <= 2 for k, v in out.items() if isinstance(v, dict))
    return out


def _load(cluster: Cluster, result: dict[str, Any]) -> None:
    result["load"] = load.run_mix(cluster, cluster.copy("load"), tag="load")


def _history(cluster: Cluster, result: dict[str, Any]) -> None:
    """Load the history first (the long, unmeasured part), then the mix without and with it back to
    back, so the two runs that make the ratio share the machine's state. On a kept cluster
    (RELIABILITY_CLUSTER) whose "history" database is loaded already, it is measured as it is."""
    engine = create_engine(cluster.url("history")) if REUSE and cluster.has("history") else None
    if engine is not None:
        db = "history"
        with engine.connect() as conn:
            cases = conn.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()
        result["history_load"] = {"reused": True, "cases": cases}
    else:
        db = cluster.copy("history")
        engine = create_engine(cluster.url(db))
        result["history_load"] = history.load(engine, HISTORY, seals_dir=cluster.work / "seals")
    engine.dispose()
    _load(cluster, result)
    result["load_with_history"] = load.run_mix(cluster, db, tag="history")
    result["history_ratio"] = ratios(result["load"], result["load_with_history"])
    # After the measured runs (their cases included). Every structural check on every row; the seals
    # of a random CHECK_SAMPLE licenses (verifying millions one by one takes longer than loading them).
    result["history_check"] = check(cluster, db, sample=CHECK_SAMPLE if HISTORY > CHECK_SAMPLE else None)


def _flood(cluster: Cluster, result: dict[str, Any]) -> None:
    result["flood"] = load.run_mix(cluster, cluster.copy("flood"), tag="flood", flood=True)


def _faults(cluster: Cluster, result: dict[str, Any]) -> None:
    result["faults"] = faults.faults(cluster)


def _fuzz(cluster: Cluster, result: dict[str, Any]) -> None:
    with serving(cluster, cluster.copy("fuzz")) as server:
        result["fuzz"] = fuzz.fuzz(server.url)


PART_RUNNERS = {"load": _load, "history": _history, "flood": _flood, "faults": _faults, "fuzz": _fuzz}


def main() -> dict[str, Any]:
    started = time.perf_counter()
    cluster = Cluster.kept(REUSE) if REUSE else Cluster().start()
    result: dict[str, Any] = {
        "benchmark": "reliability",
        "settings": {
            "seconds": SECONDS,
            "users": USERS,
            "history": HISTORY,
            "parts": PARTS,
            "fault_seconds": faults.SECONDS,
            "fuzz_examples": fuzz.MAX_EXAMPLES,
            "fuzz_seconds": fuzz.BUDGET,
        },
    }
    try:
        if REUSE:
            for db in ("demo", "history"):
                if cluster.has(db):
                    cluster.onething(db, "db", "upgrade")
        else:
            cluster.demo_template()
        result["machine"] = machine(cluster.url("demo"))
        for part in ("history", "load", "flood", "faults", "fuzz"):
            if part in PARTS and not (part == "load" and "history" in PARTS):  # history runs the load itself
                try:
                    PART_RUNNERS[part](cluster, result)
                except Exception as exc:  # one broken part must not hide the others' figures
                    result.setdefault("errors", {})[part] = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        result["minutes"] = round((time.perf_counter() - started) / 60, 1)
        if not REUSE:
            cluster.stop()
        print(json.dumps(result, ensure_ascii=False, indent=2))
        _keep(result)
    return result


def _keep(result: dict[str, Any]) -> None:
    """bench/results/reliability.json keeps the latest figures of every part: a run of some parts
    replaces those parts and leaves the others, each part stamped with the run it came from."""
    path = RESULTS / "reliability.json"
    kept: dict[str, Any] = {}
    if path.exists():
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            kept = {}
    runs = kept.get("runs", {})
    if "settings" in kept and not runs:  # a file from before parts were kept separately
        runs = {
            part: {k: kept[k] for k in ("settings", "machine", "minutes") if k in kept}
            for part in kept["settings"]["parts"]
        }
    stamp = {
        "settings": result["settings"],
        "machine": result.get("machine"),
        "minutes": result.get("minutes"),
        "commit": _commit(),
        "at": time.strftime("%Y-%m-%d %H:%M %Z"),
    }
    for part in {*PARTS, *(["load"] if "history" in PARTS else [])}:  # history runs the load too
        runs[part] = stamp
    figures = {k: v for k, v in kept.items() if k not in ("benchmark", "runs", "settings", "machine", "minutes")}
    for key in list(figures):
        if _part_of(key) in PARTS:
            del figures[key]
    figures.update({k: v for k, v in result.items() if k not in ("benchmark", "settings", "machine", "minutes")})
    RESULTS.mkdir(exist_ok=True)
    out = {"benchmark": "reliability", "runs": runs, **figures}
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _part_of(key: str) -> str:
    if key.startswith("history") or key == "load_with_history":
        return "history"
    if key == "errors":
        return ""
    return key


def _commit() -> str | None:
    import subprocess

    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return (out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")) or None


if __name__ == "__main__":
    main()
