"""Part 5: schemathesis over the real server's /openapi.json, anonymous and as a citizen, a clerk and
an approver, stateful phase included, each bounded by --max-examples and a time budget. Counts 5xx
responses (from the HAR of every exchange) and failed checks per operation (from the JSON report).

    python bench/reliability/fuzz.py [--max-examples 25] [--budget 150]   # own cluster, prints JSON
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from harness import BIN, WORK, Cluster, serving

ROLES = {"anonymous": None, "citizen": "430104199003070023", "clerk": "ht_clerk", "approver": "ht_market"}
MAX_EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "25"))
BUDGET = int(os.environ.get("RELIABILITY_FUZZ_SECONDS", "150"))  # per role


def token(url: str, login: str) -> str:
    r = httpx.post(f"{url}/api/v1/auth/token", json={"login": login, "password": "Demo@2026"}, timeout=30)
    r.raise_for_status()
    return str(r.json()["token"])


def har_statuses(path: Path) -> tuple[Counter[str], Counter[str]]:
    """Responses by status class, and the 5xx by operation (method + path template as requested)."""
    classes: Counter[str] = Counter()
    server_errors: Counter[str] = Counter()
    if not path.exists():
        return classes, server_errors
    for entry in json.loads(path.read_text(encoding="utf-8")).get("log", {}).get("entries", []):
        status = int(entry.get("response", {}).get("status", 0))
        classes[f"{status // 100}xx"] += 1
        if status >= 500:
            req = entry.get("request", {})
            template = re.sub(r"/\d+(?=/|$)", "/{id}", httpx.URL(req.get("url", "")).path)
            server_errors[f"{req.get('method')} {template}"] += 1
    return classes, server_errors


def failed_checks(path: Path) -> dict[str, Counter[str]]:
    """Failed check title -> operations (each distinct failure once per scenario), from schemathesis'
    ndjson events: every check result carries ``failure_info.failure`` with its operation and title."""
    out: dict[str, Counter[str]] = {}
    if not path.exists():
        return out

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            failure = node.get("failure_info", {}).get("failure") if node.get("status") == "failure" else None
            if isinstance(failure, dict):
                title = f"{node.get('name')}: {failure.get('title')}"
                out.setdefault(title, Counter())[str(failure.get("operation"))] += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            walk(json.loads(line))
        except ValueError:
            continue
    return out


def transitions(path: Path) -> int | None:
    """How many stateful links schemathesis found in the document (0: the stateful phase has nothing to do)."""
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if '"LoadingFinished"' in line:
            stat = json.loads(line)["LoadingFinished"].get("statistic") or {}
            return int((stat.get("transitions") or {}).get("total", 0))
    return None


def fuzz(url: str, max_examples: int = MAX_EXAMPLES, budget: int = BUDGET) -> dict[str, Any]:
    work = WORK
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"max_examples": max_examples, "budget_s_per_role": budget, "roles": {}}
    # Every token first: the anonymous run posts to /auth/token too, and may trip the login limit.
    tokens = {role: token(url, login) for role, login in ROLES.items() if login}
    for role in ROLES:
        har, events = work / f"fuzz-{role}.har", work / f"fuzz-{role}.ndjson"
        cmd = [
            str(BIN / "st"),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            # A schema-valid request may still break a business rule (an unknown thing, a case in the wrong
            # state): its documented 4xx is the right answer, not a failure.
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(max_examples),
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-time",
            str(budget),
            "--workers",
            "2",
            "--report",
            "har,ndjson",
            "--report-har-path",
            str(har),
            "--report-ndjson-path",
            str(events),
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--continue-on-failure",
        ]
        if role in tokens:
            # Revoking its own token (DELETE /auth/token, /auth/tokens/{id}) would leave the rest of the run
            # anonymous.
            cmd += ["-H", f"Authorization: Bearer {tokens[role]}", "--exclude-path-regex", "^/api/v1/auth/tokens?"]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=budget * 2 + 120, check=False)
            exit_code, tail = out.returncode, out.stdout[-3000:]
        except subprocess.TimeoutExpired:
            exit_code, tail = -1, "timed out"
        classes, errors5 = har_statuses(har)
        checks = failed_checks(events)
        result["roles"][role] = {
            "exit": exit_code,
            "responses": dict(classes),
            "server_errors": sum(errors5.values()),
            "server_errors_by_operation": dict(errors5.most_common()),
            "failed_checks": {name: dict(ops.most_common()) for name, ops in sorted(checks.items())},
            "failed_operations": len({op for ops in checks.values() for op in ops}),
            "stateful_links": transitions(events),
            "summary": tail.strip().splitlines()[-15:],
        }
    result["server_errors"] = sum(r["server_errors"] for r in result["roles"].values())
    return result


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="schemathesis over the real server")
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES)
    parser.add_argument("--budget", type=int, default=BUDGET)
    args = parser.parse_args()
    cluster = Cluster().start()
    try:
        cluster.demo_template()
        with serving(cluster, cluster.copy("fuzz")) as server:
            result = fuzz(server.url, args.max_examples, args.budget)
    finally:
        cluster.stop()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
