"""Guide endpoint throughput over HTTP: `onething serve --workers 2` measured by wrk (goal >= 1,000 req/s).

wrk runs on the same 2-core machine, so the figure includes its own share of the CPU. Requests
rotate through several answer sets of the largest thing, so no single cached answer is measured.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import answer_sets, largest, machine

from onething.catalog.model import Catalog
from onething.catalog.service import validate_path

LUA = """
local paths = {%s}
local bodies = {%s}
local n = 0
request = function()
  n = n + 1
  local i = (n %% #bodies) + 1
  return wrk.format("POST", paths[i], {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "requests_per_s": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


Request = tuple[str, str]  # path, JSON body


def _workloads(catalog: Catalog) -> dict[str, list[Request]]:
    """`mixed`: every thing, up to 8 situations each (what a province's traffic looks like);
    `largest`: 16 situations of the thing with the biggest guide (the worst case)."""
    thing, _, _ = largest(catalog)
    mixed = [
        (f"/api/v1/things/{t.code}/guide", json.dumps({"answers": a}, ensure_ascii=False))
        for t in catalog.things.values()
        for a in answer_sets(t, limit=8)
    ]
    biggest = [
        (f"/api/v1/things/{thing.code}/guide", json.dumps({"answers": a}, ensure_ascii=False))
        for a in answer_sets(thing, limit=16)
    ]
    return {"mixed": mixed, "largest": biggest}


def _script(tmp: str, name: str, requests: list[Request]) -> Path:
    script = Path(tmp) / f"{name}.lua"
    paths = ", ".join(json.dumps(p) for p, _ in requests)
    bodies = ", ".join(json.dumps(b) for _, b in requests)
    script.write_text(LUA % (paths, bodies), encoding="utf-8")
    return script


def main(
    seconds: int = 10, workers: int = 2, connections: int = 32, db_url: str | None = None, only: str | None = None
) -> dict[str, object]:
    if shutil.which("wrk") is None:
        return {"benchmark": "guide_http", "skipped": "wrk not installed (scripts/ensure-system.sh wrk)"}
    catalog, problems, _ = validate_path()
    assert catalog is not None, problems
    workloads = {k: v for k, v in _workloads(catalog).items() if only is None or k == only}
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ONETHING_DATABASE_URL": db_url or f"sqlite:///{tmp}/bench.db"}
        onething = str(Path(sys.executable).with_name("onething"))
        subprocess.run([onething, "setup"], env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [onething, "serve", "--port", str(port), "--workers", str(workers)],
            env={**env, "ONETHING_LOG_LEVEL": "warning"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            for name, requests in workloads.items():
                for path, body in requests:  # every request must be a valid one
                    r = httpx.post(base + path, content=body, headers={"content-type": "application/json"}, timeout=10)
                    assert r.status_code == 200, r.text
                script = _script(tmp, name, requests)
                _run_wrk(base + requests[0][0], script, 3, connections)  # warm every worker up
                results[name] = {
                    "requests": len(requests),
                    **_run_wrk(base + requests[0][0], script, seconds, connections),
                }
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {
        "benchmark": "guide_http",
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "database": "postgresql" if db_url and db_url.startswith("postgresql") else "sqlite",
        **results,
        "goal": ">= 1000 requests/s with 2 workers",
        "note": "wrk runs on the same 2 cores as the server",
        "machine": machine(),
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
