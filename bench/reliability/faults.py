"""Part 4: faults. kill -9 the server mid-load and restart it; kill -9 PostgreSQL mid-load and
restart it; after each, `onething check --json` and every write acknowledged (2xx) before the kill
looked up in the database. Two supervision jobs at once against a webhook recorder: nothing
delivered twice. The upload store full (a tmpfs of 1 MB) and read-only: a clear error, no half
case. Backup and restore round trip, then `check` on the restored database.

    python bench/reliability/faults.py [--seconds 90]     # own cluster, prints JSON
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from harness import BIN, Cluster, Server, acks, check, figures, free_port, locust, samples

SECONDS = int(os.environ.get("RELIABILITY_FAULT_SECONDS", "90"))
FOUND = {  # how an acknowledged write shows in the database
    "create": "SELECT count(*) FROM cases WHERE number = :n",
    "submit": "SELECT count(*) FROM cases WHERE number = :n AND status <> 'draft'",
    "accept": "SELECT count(*) FROM cases WHERE number = :n AND status NOT IN ('draft', 'submitted')",
    "approve": "SELECT count(*) FROM tasks WHERE id = :t AND decision = 'approved'",
    "rate": "SELECT count(*) FROM evaluations e JOIN cases c ON c.id = e.case_id "
    "WHERE c.number = :n AND e.level IS NOT NULL",
}


def lost(cluster: Cluster, db: str, acked: list[dict[str, Any]], before: float) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.url(db))
    missing: list[dict[str, Any]] = []
    counted: Counter[str] = Counter()
    with engine.connect() as conn:
        for a in acked:
            if a["at"] >= before:
                continue
            counted[a["kind"]] += 1
            if not conn.scalar(text(FOUND[a["kind"]]), {"n": a.get("number"), "t": a.get("task")}):
                missing.append(a)
    engine.dispose()
    return {"acknowledged_before_kill": dict(counted), "missing": missing[:20], "missing_count": len(missing)}


def kill_run(cluster: Cluster, db: str, seconds: int, what: str) -> dict[str, Any]:
    """The mix for ``seconds``; at half time kill -9 the server (what="app") or PostgreSQL ("db")."""
    server = Server(cluster, db, ONETHING_SUPERVISION_INTERVAL_SECONDS="0").start()
    tag = f"fault-{what}"
    proc = locust(server.url, seconds, tag=tag)
    try:  # whatever happens, no server or load process outlives the run
        time.sleep(seconds / 2)
        killed_at = time.time()
        if what == "app":
            server.kill9()
            server.start()
        else:
            postmaster = cluster.postmaster_pid()
            children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
            pids = [postmaster, *map(int, children)]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for _ in range(60):  # every killed process gone (reaped), so the shared memory is free again
                if not any(Path(f"/proc/{pid}").exists() for pid in pids):
                    break
                time.sleep(0.5)
            cluster.pg_start()
        recovered = time.time() - killed_at
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        server.stop()
    rows = samples(tag)
    return {
        "killed": "onething serve (supervisor and workers)" if what == "app" else "postgres postmaster and backends",
        "recovered_in_s": round(recovered, 1),
        "load": {k: v for k, v in figures(rows).items() if k in ("requests", "requests_per_s", "errors")},
        "errors_after_recovery": figures(rows, since=killed_at + recovered + 5).get("errors"),
        **lost(cluster, db, acks(tag), killed_at),
        "check": check(cluster, db),
    }


class _Recorder(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers.get("content-length", 0))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def two_supervisors(cluster: Cluster, db: str) -> dict[str, Any]:
    """Two `onething supervise --once` at the same time, sending to one webhook: each message once."""
    port = free_port()
    httpd = HTTPServer(("127.0.0.1", port), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    pending = cluster.psql("SELECT count(*) FROM outbox WHERE sent_at IS NULL", db)
    extra = {"ONETHING_NOTIFY_SENDER": "webhook", "ONETHING_NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{port}/"}
    procs = [
        subprocess.Popen(
            [str(BIN / "onething"), "supervise", "--once"],
            env=cluster.env(db, **extra),
            cwd=cluster.work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600)[0].decode(errors="replace")[-500:] for p in procs]
    httpd.shutdown()
    bodies = Counter(_Recorder.bodies)
    return {
        "outbox_pending_before": int(pending or 0),
        "outbox_sent_after": int(cluster.psql("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL", db) or 0),
        "webhook_received": sum(bodies.values()),
        "delivered_twice": sum(1 for n in bodies.values() if n > 1),
        "exits": [p.returncode for p in procs],
        "outputs": outputs,
    }


def _mount(path: Path, options: str) -> str | None:
    path.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    return None if out.returncode == 0 else out.stderr.strip()


def store_broken(cluster: Cluster, db: str, kind: str) -> dict[str, Any]:
    """Uploads into a full (1 MB tmpfs, filled) or read-only file store: the answer, and no half case."""
    from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, png

    store = cluster.work / f"store-{kind}"
    error = _mount(store, "size=1m" if kind == "full" else "size=1m,ro")
    if error:
        return {"skipped": f"cannot mount a tmpfs here: {error}"}
    try:
        if kind == "full":
            subprocess.run(["dd", "if=/dev/zero", f"of={store}/filler", "bs=64k", "count=100"], capture_output=True)
        before = (
            cluster.psql("SELECT count(*) FROM cases", db)
            + "/"
            + cluster.psql("SELECT count(*) FROM case_materials", db)
        )
        server = Server(cluster, db, ONETHING_FILES_DIR=str(store), ONETHING_SUPERVISION_INTERVAL_SECONDS="0").start()
        try:
            with httpx.Client(base_url=server.url, timeout=30) as c:
                tok = c.post("/api/v1/auth/token", json={"login": "430202198506150138", "password": "Demo@2026"}).json()
                auth = {"Authorization": f"Bearer {tok['token']}"}
                body = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": "91430202MA4L8Q2R15"}
                case = c.post("/api/v1/cases", json=body, headers=auth).json()
                files = {"file": ("p.png", png(7) + os.urandom(200_000), "image/png")}
                code = case["needed_materials"][0]["code"]
                r = c.post(
                    f"/api/v1/cases/{case['number']}/materials", data={"material": code}, files=files, headers=auth
                )
                answer = {"status": r.status_code, "content_type": r.headers.get("content-type"), "body": r.text[:300]}
        finally:
            server.stop()
        after = (
            cluster.psql("SELECT count(*) FROM cases", db)
            + "/"
            + cluster.psql("SELECT count(*) FROM case_materials", db)
        )
    finally:
        subprocess.run(["umount", str(store)], capture_output=True)
    return {
        "upload": answer,
        "clear_error": answer["status"] in (503, 507) and "error" in answer["body"],
        "cases_materials_before": before,
        "after": after,
        "check": check(cluster, db),
    }


def backup_round_trip(cluster: Cluster, db: str) -> dict[str, Any]:
    dump = cluster.work / "backup.dump"
    made = cluster.onething(db, "backup", str(dump), check=False)
    result: dict[str, Any] = {"backup_exit": made.returncode, "backup_output": (made.stdout + made.stderr)[-500:]}
    if made.returncode != 0:
        return result
    cluster.psql("DROP DATABASE IF EXISTS restored")
    cluster.psql("CREATE DATABASE restored")
    back = cluster.onething("restored", "restore", str(dump), check=False)
    result.update(restore_exit=back.returncode, restore_output=(back.stdout + back.stderr)[-500:])
    result["cases"] = [cluster.psql("SELECT count(*) FROM cases", d) for d in (db, "restored")]
    result["check"] = check(cluster, "restored")
    return result


def faults(cluster: Cluster, seconds: int = SECONDS) -> dict[str, Any]:
    db = cluster.copy("faults")
    out: dict[str, Any] = {"kill_app": kill_run(cluster, db, seconds, "app")}
    out["kill_postgres"] = kill_run(cluster, db, seconds, "db")
    out["two_supervisors"] = two_supervisors(cluster, db)
    for kind in ("full", "read_only"):
        out[f"store_{kind}"] = store_broken(cluster, db, kind)
    out["backup"] = backup_round_trip(cluster, db)
    return out


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="faults")
    parser.add_argument("--seconds", type=int, default=SECONDS)
    args = parser.parse_args()
    cluster = Cluster().start()
    try:
        cluster.demo_template()
        result = faults(cluster, args.seconds)
    finally:
        cluster.stop()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
