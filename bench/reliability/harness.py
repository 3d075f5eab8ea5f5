"""What every reliability part shares: a throwaway PostgreSQL cluster, demo databases copied from a
template, the real server (`onething serve --workers 2`), locust runs and their figures."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
RESULTS = ROOT / "bench" / "results"
# Samples, acks, locust logs and schemathesis' HAR/ndjson of the last run: kept for digging, never committed.
WORK = Path(os.environ.get("RELIABILITY_WORK", Path(tempfile.gettempdir()) / "onething-reliability"))

SECONDS = int(os.environ.get("RELIABILITY_SECONDS", "300"))
USERS = int(os.environ.get("RELIABILITY_USERS", "120"))  # each makes one request a second
SPAWN_RATE = float(os.environ.get("RELIABILITY_SPAWN_RATE", "20"))
WRITES = ("case:", "window:accept", "department:claim", "department:approve", "rating:rate")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine(pg_url: str | None = None) -> dict[str, Any]:
    import platform

    facts: dict[str, Any] = {"cpu": "unknown", "cores": os.cpu_count(), "python": platform.python_version()}
    with contextlib.suppress(OSError, StopIteration):
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        facts["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    with contextlib.suppress(OSError, ValueError):
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
        facts["ram_gib"] = round(kib / 1024 / 1024, 1)
    with contextlib.suppress(OSError, ValueError, IndexError):
        facts["load_average"] = [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    if pg_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(pg_url)
        with engine.connect() as conn:
            facts["postgresql"] = conn.scalar(text("SHOW server_version"))
        engine.dispose()
    return facts


@dataclass
class Cluster:
    """A throwaway cluster (scripts/pg-cluster.sh) and a work dir for files, seals and the secret key."""

    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="onething-pg.", dir="/tmp")))
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="onething-rel.", dir="/tmp")))
    port: int = 0

    def start(self) -> Cluster:
        out = subprocess.run(
            ["bash", str(ROOT / "scripts/pg-cluster.sh"), "start", str(self.dir)],
            check=True,
            capture_output=True,
            text=True,
        )
        self.port = int(out.stdout.strip())
        return self

    @classmethod
    def kept(cls, spec: str) -> Cluster:
        """A cluster left running by an earlier run, as DIR:PORT:WORK."""
        folder, port, work = spec.split(":")
        return cls(dir=Path(folder), work=Path(work), port=int(port))

    def has(self, db: str) -> bool:
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts/pg-cluster.sh"), "stop", str(self.dir)], check=False)
        shutil.rmtree(self.work, ignore_errors=True)

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db: str = "postgres") -> str:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db, "-Atc", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def env(self, db: str, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "ONETHING_DATABASE_URL": self.url(db),
            "ONETHING_FILES_DIR": str(self.work / "files"),
            "ONETHING_SEALS_DIR": str(self.work / "seals"),
            "ONETHING_SECRET_KEY_FILE": str(self.work / "secret.key"),
            "ONETHING_POLICY_RUNS_DIR": str(self.work / "policy-runs"),
            "ONETHING_LOG_LEVEL": "warning",
        }
        env.update(extra)
        return env

    def onething(self, db: str, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "onething"), *args],
            env=self.env(db, **extra),
            cwd=self.work,
            check=check,
            capture_output=True,
            text=True,
        )

    def demo_template(self) -> str:
        """The demo database every part copies (CREATE DATABASE … TEMPLATE): set up once."""
        self.psql("CREATE DATABASE demo")
        self.onething("demo", "setup", "--demo")
        return "demo"

    def copy(self, name: str, template: str = "demo") -> str:
        self.psql(f"DROP DATABASE IF EXISTS {name}")
        self.psql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name

    def postmaster_pid(self) -> int:
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def pg_start(self) -> None:
        """Start the cluster again on the same port (after a kill -9 of the postmaster)."""
        as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        pg_ctl = (
            subprocess.run(
                ["bash", "-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"], capture_output=True, text=True
            ).stdout.strip()
            + "/pg_ctl"
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        # Retried: until the killed postmaster's last backend is gone its shared memory is "still in use".
        command = [*as_owner, pg_ctl, "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log")]
        command += ["-w", "-t", "120", "-o", opts, "start"]
        for attempt in range(5):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode == 0:
                return
            time.sleep(2 * (attempt + 1))
        log = (self.dir / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL did not start again: {done.stderr.strip()} {log}")


class Server:
    """`onething serve --workers 2` on a free loopback port, started and stopped as a process group."""

    def __init__(self, cluster: Cluster, db: str, **extra: str) -> None:
        self.cluster, self.db, self.extra = cluster, db, extra
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = cluster.work / f"serve-{db}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = self.cluster.env(self.db, ONETHING_PORT=str(self.port), ONETHING_WORKERS="2", **self.extra)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "onething"), "serve", "--workers", "2"],
                env=env,
                cwd=self.cluster.work,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return self
            time.sleep(0.5)
        raise RuntimeError(f"the server did not come up: see {self.log}")

    def workers(self) -> list[int]:
        """The worker processes (children of uvicorn's supervisor)."""
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill9(self) -> None:
        """kill -9 the whole server: the supervisor and every worker, mid-request."""
        assert self.proc is not None
        for pid in [*self.workers(), self.proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@contextlib.contextmanager
def serving(cluster: Cluster, db: str, **extra: str) -> Iterator[Server]:
    server = Server(cluster, db, **extra).start()
    try:
        yield server
    finally:
        server.stop()


def locust(
    host: str, seconds: int, users: int = USERS, spawn_rate: float = SPAWN_RATE, tag: str = "run"
) -> subprocess.Popen[bytes]:
    """Start locust headless (one process: the case queues live in it); samples and acks land in the
    work files named after ``tag``."""
    out = WORK
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "RELIABILITY_SAMPLES": str(out / f"{tag}.samples"),
        "RELIABILITY_ACKS": str(out / f"{tag}.acks"),
    }
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    log = (out / f"{tag}.locust.log").open("wb")
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=log)


def read_lines(path: Path) -> list[Any]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def samples(tag: str) -> list[tuple[float, str, float, bool]]:
    return [tuple(r) for r in read_lines(WORK / f"{tag}.samples")]


def acks(tag: str) -> list[dict[str, Any]]:
    return read_lines(WORK / f"{tag}.acks")


def pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else [ordered[0]] * 99
    return {"p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1), "max": round(ordered[-1], 1)}


def is_write(name: str) -> bool:
    return name.startswith(WRITES)


def figures(
    rows: list[tuple[float, str, float, bool]], since: float | None = None, until: float | None = None
) -> dict[str, Any]:
    """Requests/s, p50/p95/p99 for reads and writes and per group, errors — for the mix only (the
    start-up logins and the flood are not part of it)."""
    mix = [r for r in rows if not r[1].startswith(("login:", "flood:"))]
    if since is not None:
        mix = [r for r in mix if r[0] >= since]
    if until is not None:
        mix = [r for r in mix if r[0] < until]
    if not mix:
        return {"requests": 0}
    span = max(r[0] for r in mix) - min(r[0] for r in mix) or 1.0
    groups: dict[str, list[tuple[float, str, float, bool]]] = {}
    for r in mix:
        groups.setdefault(r[1].split(":", 1)[0], []).append(r)
    return {
        "requests": len(mix),
        "seconds": round(span, 1),
        "requests_per_s": round(len(mix) / span, 1),
        "errors": sum(1 for r in mix if not r[3]),
        "logins_failed": sum(1 for r in rows if r[1] == "login:token" and not r[3]),
        "reads_ms": pct([r[2] for r in mix if not is_write(r[1])]),
        "writes_ms": pct([r[2] for r in mix if is_write(r[1])]),
        "groups": {
            g: {
                "requests": len(rs),
                "share": round(len(rs) / len(mix), 3),
                "errors": sum(1 for r in rs if not r[3]),
                **pct([r[2] for r in rs]),
            }
            for g, rs in sorted(groups.items())
        },
        "endpoints": {
            n: {"requests": len(rs), "errors": sum(1 for r in rs if not r[3]), **pct([r[2] for r in rs])}
            for n, rs in sorted(_by_name(mix).items())
        },
    }


def _by_name(rows: list[tuple[float, str, float, bool]]) -> dict[str, list[tuple[float, str, float, bool]]]:
    out: dict[str, list[tuple[float, str, float, bool]]] = {}
    for r in rows:
        out.setdefault(r[1], []).append(r)
    return out


def goals(f: dict[str, Any], seconds: int) -> dict[str, bool]:
    return {
        "rps_at_least_100": f.get("requests_per_s", 0) >= 100,
        "reads_p99_under_500ms": f.get("reads_ms", {}).get("p99", 1e9) < 500,
        "writes_p99_under_1s": f.get("writes_ms", {}).get("p99", 1e9) < 1000,
        "zero_errors": f.get("errors", 1) == 0,
        "lasted_5_minutes": seconds >= 300,
    }


def failures(tag: str, limit: int = 10) -> list[str]:
    """The first distinct failure messages locust printed (for the report)."""
    log = WORK / f"{tag}.locust.log"
    if not log.exists():
        return []
    lines = [
        ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if "│" in ln or "|" in ln
    ]
    return [ln for ln in lines if "Error" in ln or "Failure" in ln or " 4" in ln or " 5" in ln][:limit]


def check(cluster: Cluster, db: str, sample: int | None = None) -> dict[str, Any]:
    """`onething check --json` (exit 0: no violation, 1: violations) on ``db``; ``sample`` bounds the
    per-row cryptography (seal verification) to that many random rows."""
    extra = ["--sample", str(sample)] if sample else []
    out = cluster.onething(db, "check", "--json", *extra, check=False)
    result: dict[str, Any] = {"exit": out.returncode, "sample": sample}
    try:
        report = json.loads(out.stdout)
        # A million-row report stays readable: counts by check, and the first few of each.
        violations = report.pop("violations", [])
        report["violations_by_check"] = dict(Counter(v.get("check") for v in violations))
        report["first_violations"] = violations[:10]
        result["report"] = report
    except ValueError:
        result["output"] = (out.stdout + out.stderr)[-2000:]
    result["passed"] = out.returncode == 0
    return result
