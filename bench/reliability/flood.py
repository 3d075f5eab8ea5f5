"""Login flood: 64 connections posting wrong passwords to POST /api/v1/auth/token for N seconds.

    python bench/reliability/flood.py http://127.0.0.1:8000 --seconds 60 --connections 64
Prints JSON: attempts, answers by status, timeouts, attempts/s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import threading
import time
from collections import Counter
from typing import Any

import httpx

LOGINS = ["ht_clerk", "cs_clerk", "hn_admin", "nobody", "430202198506150138"]


def flood(
    url: str, seconds: float, connections: int = 64, timeout: float = 10.0, start_at: float | None = None
) -> dict[str, Any]:
    """``start_at`` (a time.time()): open every connection first and begin then, so this process's own
    start-up (imports, 64 clients) is not counted against the server it shares the machine with."""
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    clients = [httpx.Client(base_url=url, timeout=timeout) for _ in range(connections)]
    for client in clients:
        with contextlib.suppress(httpx.HTTPError):
            client.get("/healthz")  # the connection is open and kept
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    stop = time.monotonic() + seconds

    def one(client: httpx.Client) -> None:
        with contextlib.closing(client):  # already open (not `with client`: it cannot be opened twice)
            while time.monotonic() < stop:
                body = {"login": random.choice(LOGINS), "password": f"wrong-{random.randrange(10**6)}"}
                try:
                    key = str(client.post("/api/v1/auth/token", json=body).status_code)
                except httpx.TimeoutException:
                    key = "timeout"
                except httpx.HTTPError:
                    key = "error"
                with lock:
                    statuses[key] += 1

    started, cpu = time.monotonic(), time.process_time()
    threads = [threading.Thread(target=one, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + timeout + 5)
    span, cpu = time.monotonic() - started, time.process_time() - cpu
    attempts = sum(statuses.values())
    return {
        "connections": connections,
        "seconds": round(span, 1),
        "attempts": attempts,
        "attempts_per_s": round(attempts / span, 1),
        "answers": dict(statuses),
        # The flooder shares the machine with the server: what it burns itself is not the server's doing.
        "client_cpu_seconds": round(cpu, 1),
        "client_cpu_ms_per_attempt": round(1000 * cpu / attempts, 2) if attempts else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="login flood")
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--start-at", type=float, default=None, help="a Unix time to begin at")
    args = parser.parse_args()
    print(json.dumps(flood(args.url, args.seconds, args.connections, start_at=args.start_at)))


if __name__ == "__main__":
    main()
