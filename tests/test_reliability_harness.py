"""The reliability harness's own pieces (no load runs here): the figures it reports, and the bulk
history loader on a small N against PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "reliability"))

import harness  # noqa: E402
import history  # noqa: E402

from onething.licenses import identifier, tokens  # noqa: E402


def test_figures_split_reads_writes_and_leave_out_logins() -> None:
    rows = [(1000.0 + i, "guide:search", 10.0 + i, True) for i in range(60)]
    rows += [(1000.0 + i, "case:submit", 100.0, i != 3) for i in range(20)]
    rows += [(1000.0, "login:token", 9999.0, False), (1001.0, "flood:token", 9999.0, True)]
    f = harness.figures(rows)
    assert f["requests"] == 80 and f["errors"] == 1 and f["logins_failed"] == 1
    assert f["reads_ms"]["max"] == 69.0 and f["writes_ms"]["p50"] == 100.0
    assert set(f["groups"]) == {"guide", "case"} and f["groups"]["guide"]["share"] == 0.75
    assert harness.goals(f, 300)["zero_errors"] is False
    assert harness.figures(rows, since=1030.0)["requests"] == 30


@pytest.mark.skipif(not os.environ.get("ONETHING_TEST_PG_PORT"), reason="needs PostgreSQL (ONETHING_TEST_PG_PORT)")
def test_history_copies_closed_cases_whole(tmp_path: Path) -> None:
    port = os.environ["ONETHING_TEST_PG_PORT"]
    name = f"reliability_history_{os.getpid()}"
    admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"
    env = {
        **os.environ,
        "ONETHING_DATABASE_URL": url,
        "ONETHING_FILES_DIR": str(tmp_path / "files"),
        "ONETHING_SEALS_DIR": str(tmp_path / "seals"),
        "ONETHING_SECRET_KEY_FILE": str(tmp_path / "key"),
    }
    onething = str(Path(sys.executable).parent / "onething")
    try:
        subprocess.run([onething, "setup", "--demo"], env=env, cwd=tmp_path, check=True, capture_output=True)
        engine = create_engine(url)
        with engine.connect() as conn:
            before = conn.scalar(text("SELECT count(*) FROM cases"))
        done = history.load(engine, 2500, progress=False, seals_dir=tmp_path / "seals")
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM cases")) == before + 2500
            assert conn.scalar(text("SELECT count(DISTINCT number) FROM cases")) == before + 2500
            orphans = conn.scalar(
                text("SELECT count(*) FROM task_events e LEFT JOIN tasks t ON t.id = e.task_id WHERE t.id IS NULL")
            )
            assert orphans == 0
            # Every copy's tasks belong to its own case, and its events to its own tasks.
            crossed = conn.scalar(
                text("SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id WHERE t.case_id <> e.case_id")
            )
            assert crossed == 0
            assert done["rows"]["tasks"] == 2500 * conn.scalar(
                text("SELECT count(*) FROM tasks WHERE case_id = :t"), {"t": done["template_case"]}
            )
            # Every copied license is re-sealed as issuing would have sealed it: its own GB/T 36904
            # identifier, whose serial its issuer's sequence has moved past (a later issue takes the next).
            copied = conn.scalar(text("SELECT count(*) FROM licenses WHERE case_id = :t"), {"t": done["template_case"]})
            assert done["rows"]["licenses"] == 2500 * copied > 0
            assert done["resign"]["licenses_resigned"] == done["rows"]["licenses"]
            rows = conn.execute(
                text(
                    "SELECT l.identifier, l.verify_token, l.number, l.issued_on, l.payload, q.last FROM licenses l "
                    "JOIN license_sequences q ON q.org_id = l.issuer_org_id AND q.license_type = l.license_type "
                    "AND q.year = extract(year FROM l.issued_on)"
                )
            ).all()
            assert len(rows) == conn.scalar(text("SELECT count(*) FROM licenses"))
            assert len({r.verify_token for r in rows}) == len(rows)
            for ident, token, number, issued_on, payload, last in rows:
                assert tokens.well_formed(token)
                year, sequence = identifier.split_serial(identifier.parse(ident).serial)
                assert year == issued_on.year and sequence <= last
                assert number.endswith(identifier.serial(year, sequence)) and payload["identifier"] == ident
        engine.dispose()
        # `onething check` verifies every license's seal and that its signed content names its row.
        result = subprocess.run([onething, "check", "--json"], env=env, cwd=tmp_path, capture_output=True)
        assert result.returncode == 0, result.stdout[-2000:]
        report = json.loads(result.stdout)
        assert report["checked"]["licenses_verified"] == len(rows)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
