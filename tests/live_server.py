"""The real server (``onething serve --workers 2``) on a free loopback port, for tests that need real
processes: started, waited for (/healthz), and always stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlalchemy import Engine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(engine: Engine, tmp_path: Path, **more: str) -> dict[str, str]:
    """The server's settings: the test's own database and file store, no supervision job."""
    return {
        **os.environ,
        "ONETHING_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ONETHING_SUPERVISION_INTERVAL_SECONDS": "0",
        "ONETHING_FILES_DIR": str(tmp_path / "files"),
        **more,
    }


def stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def running(
    env: dict[str, str], stderr: int | IO[bytes] = subprocess.DEVNULL
) -> Iterator[tuple[str, subprocess.Popen[Any]]]:
    port = free_port()
    command = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "onething.cli", *command], env=env, stdout=subprocess.DEVNULL, stderr=stderr
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield base, proc
    finally:
        stop(proc)
