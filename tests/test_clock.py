"""One clock: production code reads the time only through ``kit.clock``, so moving that clock moves
"today" and every timestamp together (the suite must pass on any date)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from onething.kit import clock
from onething.models.base import utcnow

SOURCE = Path(__file__).resolve().parents[1] / "src" / "onething"
# Calls that read the wall clock: ``datetime.now()``, ``date.today()`` and their relatives.
WALL = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time")}


def wall_clock_reads(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in WALL:
                lines.append(node.lineno)
    return lines


def test_the_detector_finds_each_way_of_reading_the_wall_clock() -> None:
    code = "import datetime as dt, time\ndt.datetime.now(dt.UTC)\ndt.date.today()\ntime.time()\nx.now()\n"
    assert wall_clock_reads(ast.parse(code)) == [2, 3, 4]


def test_only_the_clock_reads_the_wall_clock() -> None:
    found = {
        str(path.relative_to(SOURCE)): lines
        for path in SOURCE.rglob("*.py")
        if path.name != "clock.py" and (lines := wall_clock_reads(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}, f"read the time through onething.kit.clock instead: {found}"


def test_moving_the_clock_moves_today_and_every_timestamp(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = dt.datetime(2031, 2, 28, 23, 59, 59, tzinfo=clock.zone())
    monkeypatch.setattr(clock, "_shift", clock.shift_to(moment))
    stamped = utcnow()  # what column defaults write
    assert abs(stamped - moment) < dt.timedelta(seconds=5)
    assert clock.local(stamped).date() in (dt.date(2031, 2, 28), dt.date(2031, 3, 1))
    assert clock.today() == clock.local(clock.now()).date()


def test_a_pinned_day_moves_now_too_and_keeps_time_running() -> None:
    day = dt.date(2027, 1, 4)
    with clock.pinned(day):
        first = clock.now()
        second = clock.now()
        assert clock.today() == day and clock.local(first).date() == day
        assert second >= first
    assert clock.today() != day or clock.now() - first < dt.timedelta(seconds=5)


def test_travel_and_back() -> None:
    try:
        clock.travel(dt.datetime(2030, 6, 1, 9, tzinfo=clock.zone()))
        assert clock.today() == dt.date(2030, 6, 1)
    finally:
        clock.travel(None)
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
