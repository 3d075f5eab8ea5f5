"""``onething check`` on both databases: a clean demo world passes; each invariant, broken by raw SQL in a
committed private copy, is reported exactly (that check, that subject) with exit status 1."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from check_support import World, drop_database, url_of, use_database, world_fixture
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from onething.cli import app
from onething.cli.check import readonly_engine
from onething.kit.masking import mask_text
from onething.kit.settings import get_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from world_fixture(engine, tmp_path_factory)


@pytest.fixture
def mine(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A committed copy of the world of this test's own, which the command line is pointed at."""
    eng = world.copy(tmp_path)
    use_database(monkeypatch, eng)
    yield eng
    eng.dispose()
    get_settings.cache_clear()
    if world.kind == "postgresql":
        drop_database(url_of(eng))


def run_check(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["check", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def found(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(v["check"], v["subject"]) for v in report["violations"]}


def one(conn: Connection, sql: str) -> Any:
    return conn.execute(text(sql)).scalar_one()


def first(conn: Connection, sql: str) -> tuple[Any, ...]:
    row = conn.execute(text(sql)).first()
    assert row is not None, sql
    return tuple(row)


def test_a_clean_world_passes_and_says_what_it_checked(mine: Engine) -> None:
    code, report = run_check()
    assert report["violations"] == [] and report["ok"] is True and code == 0
    checked = report["checked"]
    with mine.connect() as conn:
        assert checked["cases"] == one(conn, "SELECT count(*) FROM cases") >= 8
        assert checked["licenses_verified"] == checked["licenses"] == one(conn, "SELECT count(*) FROM licenses")
        assert checked["files"] == one(
            conn, "SELECT count(DISTINCT digest) FROM case_materials WHERE source = 'upload' AND removed_at IS NULL"
        )
    assert checked["tasks"] > 0 and checked["rectifications"] >= 1 and checked["append_only_tables"] == 6
    assert checked["payment_batches"] == 1 and checked["payments"] >= 2 and checked["policy_matches"] >= 3
    human = runner.invoke(app, ["check"])
    assert human.exit_code == 0 and "一致性检查通过" in human.stdout and "case_state" in human.stdout


def test_sample_bounds_the_per_row_checks(mine: Engine) -> None:
    code, report = run_check("--sample", "3")
    assert code == 0 and report["checked"]["licenses_verified"] == 3 and report["checked"]["files"] == 3
    assert report["checked"]["licenses"] > 3


def test_the_check_cannot_write(mine: Engine) -> None:
    eng = readonly_engine(url_of(mine))
    try:
        with eng.connect() as conn, pytest.raises(Exception, match=r"(?i)read.only|readonly"):
            conn.execute(text("UPDATE cases SET status = 'closed'"))
    finally:
        eng.dispose()


# -- each invariant broken ------------------------------------------------------------------------------------


def _case_state(conn: Connection) -> set[tuple[str, str]]:
    number = one(conn, "SELECT min(number) FROM cases WHERE status = 'closed'")
    conn.execute(text("UPDATE cases SET status = 'processing' WHERE number = :n"), {"n": number})
    return {("case_state", f"case {number}")}


def _task_state(conn: Connection) -> set[tuple[str, str]]:
    task = one(conn, "SELECT min(id) FROM tasks WHERE status = 'approved'")
    conn.execute(text("UPDATE tasks SET status = 'claimed' WHERE id = :t"), {"t": task})
    return {("task_state", f"task {task}")}


def _stray_task(conn: Connection) -> set[tuple[str, str]]:
    """A dispatched task moved under a case not yet accepted."""
    task = one(
        conn,
        "SELECT min(id) FROM tasks WHERE status = 'pending' AND case_id IN "
        "(SELECT case_id FROM tasks GROUP BY case_id HAVING count(*) > 1)",
    )
    waiting = one(conn, "SELECT min(id) FROM cases WHERE status = 'submitted'")
    conn.execute(text("UPDATE tasks SET case_id = :c WHERE id = :t"), {"c": waiting, "t": task})
    return {("task_case", f"task {task}")}


def _accepted_without_tasks(conn: Connection) -> set[tuple[str, str]]:
    """Accepted, state and event both written, and no task made: the crash this invariant is for."""
    case_id, number = first(conn, "SELECT id, number FROM cases WHERE status = 'submitted' ORDER BY id")
    conn.execute(
        text("UPDATE cases SET status = 'accepted', accepted_at = '2026-12-01 02:00:00' WHERE id = :c"), {"c": case_id}
    )
    conn.execute(
        text(
            "INSERT INTO case_events (case_id, at, actor_name, action, from_status, to_status) "
            "VALUES (:c, '2026-12-01 02:00:00', '测试', 'accept', 'submitted', 'accepted')"
        ),
        {"c": case_id},
    )
    return {("task_case", f"case {number}")}


def _result_not_issued(conn: Connection) -> set[tuple[str, str]]:
    task = one(conn, "SELECT min(task_id) FROM licenses WHERE task_id IS NOT NULL")
    conn.execute(text("UPDATE licenses SET task_id = NULL WHERE task_id = :t"), {"t": task})
    return {("result_issued", f"task {task}")}


def _material_missing(conn: Connection) -> set[tuple[str, str]]:
    material = one(conn, "SELECT min(id) FROM case_materials WHERE source = 'upload'")
    conn.execute(text("UPDATE case_materials SET digest = :d WHERE id = :m"), {"d": "f" * 64, "m": material})
    return {("material_file", f"file {'f' * 16}")}


def _license_state(conn: Connection) -> set[tuple[str, str]]:
    ident = one(conn, "SELECT min(identifier) FROM licenses WHERE status = 'valid'")
    conn.execute(text("UPDATE licenses SET status = 'revoked' WHERE identifier = :i"), {"i": ident})
    return {("license_state", f"license {ident}")}


def _license_number_twice(conn: Connection) -> set[tuple[str, str]]:
    kind, a, b = first(
        conn,
        "SELECT license_type, min(id), max(id) FROM licenses GROUP BY license_type "
        "HAVING count(*) > 1 ORDER BY license_type",
    )
    number = one(conn, f"SELECT number FROM licenses WHERE id = {a}")
    conn.execute(text("UPDATE licenses SET number = :n WHERE id = :b"), {"n": number, "b": b})
    return {("license_unique", mask_text(f"license {kind} {number}"))}


def _license_seal(conn: Connection) -> set[tuple[str, str]]:
    first, second = conn.execute(text("SELECT id FROM licenses ORDER BY id LIMIT 2")).scalars().all()
    ident = one(conn, f"SELECT identifier FROM licenses WHERE id = {first}")
    conn.execute(
        text("UPDATE licenses SET signature = (SELECT signature FROM licenses WHERE id = :s) WHERE id = :f"),
        {"s": second, "f": first},
    )
    return {("license_seal", f"license {ident}")}


_GOOD_RATED = "SELECT min(id) FROM evaluations WHERE state = 'rated' AND case_id IS NOT NULL AND NOT bad"


def _evaluation_state(conn: Connection) -> set[tuple[str, str]]:
    ev = one(conn, _GOOD_RATED)
    conn.execute(text("UPDATE evaluations SET state = 'expired' WHERE id = :e"), {"e": ev})
    return {("evaluation_state", f"evaluation {ev}")}


def _rectification_state(conn: Connection) -> set[tuple[str, str]]:
    rect = one(conn, "SELECT min(id) FROM rectifications")
    conn.execute(text("UPDATE rectifications SET status = 'closed' WHERE id = :r"), {"r": rect})
    return {("evaluation_state", f"rectification {rect}")}


def _bad_review_unrectified(conn: Connection) -> set[tuple[str, str]]:
    ev = one(conn, _GOOD_RATED)
    conn.execute(text("UPDATE evaluations SET bad = true, level = 1 WHERE id = :e"), {"e": ev})
    return {("bad_review_rectification", f"evaluation {ev}")}


def _policy_list_state(conn: Connection) -> set[tuple[str, str]]:
    match = one(conn, "SELECT min(id) FROM policy_matches WHERE status = 'removed'")
    conn.execute(text("UPDATE policy_matches SET status = 'proposed' WHERE id = :m"), {"m": match})
    return {("policy_list_state", f"policy_match {match}")}


def _policy_batch(conn: Connection) -> set[tuple[str, str]]:
    number = one(conn, "SELECT number FROM payment_batches")
    conn.execute(text("UPDATE payment_batches SET total = total + 1"))
    return {("policy_batch", f"payment_batch {number}")}


def _payment_state(conn: Connection) -> set[tuple[str, str]]:
    payment = one(conn, "SELECT min(id) FROM payments WHERE status = 'pending'")
    conn.execute(text("UPDATE payments SET status = 'paid' WHERE id = :p"), {"p": payment})
    return {("policy_payment_state", f"payment {payment}")}


BREAKS: dict[str, Callable[[Connection], set[tuple[str, str]]]] = {
    "case_state": _case_state,
    "task_state": _task_state,
    "stray_task": _stray_task,
    "accepted_without_tasks": _accepted_without_tasks,
    "result_not_issued": _result_not_issued,
    "material_missing": _material_missing,
    "license_state": _license_state,
    "license_number_twice": _license_number_twice,
    "license_seal": _license_seal,
    "evaluation_state": _evaluation_state,
    "rectification_state": _rectification_state,
    "bad_review_unrectified": _bad_review_unrectified,
    "policy_list_state": _policy_list_state,
    "policy_batch": _policy_batch,
    "payment_state": _payment_state,
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_broken_invariant_is_reported_exactly(mine: Engine, name: str) -> None:
    with mine.begin() as conn:
        expected = BREAKS[name](conn)
    code, report = run_check()
    assert found(report) == expected
    assert code == 1 and report["ok"] is False
    assert all(v["detail"] for v in report["violations"])


APPEND_ONLY = {
    "audit_log": "audit_append_only",
    "case_events": "case_events_append_only",
    "task_events": "case_events_append_only",
    "license_events": "license_events_append_only",
    "evaluation_events": "evaluation_events_append_only",
    "policy_events": "policy_events_append_only",
}


@pytest.mark.parametrize("table", sorted(APPEND_ONLY))
def test_a_missing_append_only_trigger_is_reported(mine: Engine, table: str) -> None:
    with mine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
        else:
            conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
    code, report = run_check()
    assert found(report) == {(APPEND_ONLY[table], f"table {table}")}
    assert code == 1 and "DELETE" in report["violations"][0]["detail"]


def test_personal_data_is_masked_in_both_outputs(mine: Engine) -> None:
    """A license number is 18 digits, shaped like an ID number: it is never printed whole."""
    with mine.begin() as conn:
        (subject,) = _license_number_twice(conn)
    number = subject[1].rsplit(" ", 1)[1]
    assert "*" in number
    raw = one_value(mine, "SELECT number FROM licenses GROUP BY number, license_type HAVING count(*) > 1")
    as_json = runner.invoke(app, ["check", "--json"])
    human = runner.invoke(app, ["check"])
    assert as_json.exit_code == human.exit_code == 1
    assert number in as_json.stdout and raw not in as_json.stdout and raw not in human.stdout


def one_value(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return one(conn, sql)


def test_a_duplicate_case_number_is_reported(mine: Engine) -> None:
    """The unique constraint is dropped first, as a faulty migration might."""
    if mine.dialect.name == "postgresql":
        with mine.begin() as conn:
            conn.execute(text("ALTER TABLE cases DROP CONSTRAINT uq_cases_number"))
    else:
        _sqlite_drop_unique_number(mine)
    with mine.begin() as conn:
        first, second = conn.execute(text("SELECT number FROM cases ORDER BY id LIMIT 2")).scalars().all()
        conn.execute(text("UPDATE cases SET number = :a WHERE number = :b"), {"a": first, "b": second})
    code, report = run_check()
    assert found(report) == {("case_number_unique", f"case {first}")}
    assert code == 1 and "重复 2 次" in report["violations"][0]["detail"]


def _sqlite_drop_unique_number(engine: Engine) -> None:
    """SQLite cannot drop a table constraint: the table is rebuilt without it, foreign keys off meanwhile
    (which only works outside a transaction, so on a plain connection of the sqlite3 module)."""
    path = engine.url.database
    assert path is not None
    engine.dispose()
    con = sqlite3.connect(path, isolation_level=None)
    try:
        sql = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cases'").fetchone()[0]
        rebuilt = re.sub(r",\s*CONSTRAINT uq_cases_number UNIQUE \(number\)", "", sql)
        assert "uq_cases_number" not in rebuilt and rebuilt != sql
        con.execute("PRAGMA foreign_keys = OFF")
        con.executescript(
            "BEGIN;"
            + rebuilt.replace("CREATE TABLE cases", "CREATE TABLE cases_rebuilt", 1)
            + ";INSERT INTO cases_rebuilt SELECT * FROM cases; DROP TABLE cases;"
            "ALTER TABLE cases_rebuilt RENAME TO cases; COMMIT;"
        )
    finally:
        con.close()


def test_a_stored_file_whose_bytes_changed_is_reported(
    mine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = tmp_path / "files"
    shutil.copytree(get_settings().files_dir, files)
    use_database(monkeypatch, mine, files)
    assert run_check()[0] == 0  # the copy is complete
    with mine.connect() as conn:
        digest = one(conn, "SELECT min(digest) FROM case_materials WHERE source = 'upload'")
    (files / digest[:2] / digest[2:4] / digest).write_bytes(b"%PDF-1.4 not what was uploaded")
    code, report = run_check()
    assert found(report) == {("material_file", f"file {digest[:16]}")}
    assert code == 1 and "SHA-256" in report["violations"][0]["detail"]


def test_a_result_held_for_a_shortfall_is_not_missing(mine: Engine) -> None:
    with mine.begin() as conn:
        task, case_id = first(conn, "SELECT task_id, case_id FROM licenses WHERE task_id IS NOT NULL ORDER BY task_id")
        conn.execute(text("UPDATE licenses SET task_id = NULL WHERE task_id = :t"), {"t": task})
        held = json.dumps({"materials": ["lease_contract"], "supplied_on": None})
        conn.execute(text("UPDATE cases SET shortfall = :s WHERE id = :c"), {"s": held, "c": case_id})
    code, report = run_check()
    assert (code, report["violations"]) == (0, [])


def test_unknown_check_names_are_refused(mine: Engine) -> None:
    result = runner.invoke(app, ["check", "--only", "no_such_check"])
    assert result.exit_code == 2 and "no_such_check" in result.output
    code, report = run_check("--only", "case_state")
    assert code == 0 and set(report["checked"]) == {"cases"}
