"""Login flood: 64 connections posting wrong passwords to POST /api/v1/auth/token for N seconds.

    python bench/reliability/flood.py http://127.0.0.1:8000 --seconds 60 --connections 64
Prints JSON: attempts, answers by status, timeouts, attempts/s.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from typing import Any

import httpx

LOGINS = ["ht_clerk", "cs_clerk", "hn_admin", "nobody", "430202198506150138"]


def flood(url: str, seconds: float, connections: int = 64, timeout: float = 10.0) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=url, timeout=timeout) as client:
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
    threads = [threading.Thread(target=one, daemon=True) for _ in range(connections)]
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
    args = parser.parse_args()
    print(json.dumps(flood(args.url, args.seconds, args.connections)))


if __name__ == "__main__":
    main()
