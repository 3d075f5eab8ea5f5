"""Browser tests: the real server, Debian's Chromium driven by Playwright, a person's clicks.

One server for the session (uvicorn in a thread over a SQLite file prepared like every other test's
database) and one Chromium; each test opens its own contexts: desktop, phone (375 px) and phone with
JavaScript off. Playwright's own browser download is never used: Chromium comes from Debian
(`scripts/ensure-system.sh browser`), axe-core from the npm registry (`tests/browser/package.json`).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from seeding import prepare
from sqlalchemy import Engine

from browser.support import CHROMIUM, DESKTOP, Person
from onething.catalog.service import active_catalog
from onething.demo.wallets import seed_wallets
from onething.kit.db import make_engine, session_scope
from onething.web.app import create_app

# As the machine's probe found: without these, Chromium keeps dialling Google on a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("ONETHING_REQUIRE_BROWSER"):
        raise RuntimeError(
            f"ONETHING_REQUIRE_BROWSER is set but {CHROMIUM} is missing: run scripts/ensure-system.sh browser"
        )
    collect_ignore_glob = ["test_*.py"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Site:
    url: str
    engine: Engine

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="package")
def site() -> Iterator[Site]:
    workdir = Path(tempfile.mkdtemp(prefix="onething-browser-"))
    engine = make_engine(f"sqlite:///{workdir / 'site.db'}")
    prepare(engine)
    with session_scope(engine) as session:
        seed_wallets(session, active_catalog(session))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="browser-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", engine)
    server.should_exit = True
    thread.join(10)
    engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread while it
# is open, and tests after the browser tests call asyncio.run().
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def people(browser: Any, site: Site) -> Iterator[Any]:
    opened: list[Person] = []

    def open_(device: dict[str, Any] = DESKTOP, *, javascript: bool = True) -> Person:
        person = Person(browser, site, device, javascript=javascript)
        opened.append(person)
        return person

    yield open_
    for person in opened:
        person.close()
