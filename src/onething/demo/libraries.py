"""Fill the base libraries with synthetic people and enterprises, fast enough for a million rows.

Rows come from the pure generator; PostgreSQL takes them through COPY, SQLite through executemany
on the raw connection, in batches, so memory stays flat whatever the count.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.models import Enterprise, Person, Region
from onething.sharing.generate import ENTERPRISE_COLUMNS, PERSON_COLUMNS, RegionSeed, enterprises, people

BATCH = 20_000
Progress = Callable[[int], None]


def region_seeds(session: Session) -> list[RegionSeed]:
    """Every county-level region with its full address prefix (湖南省长沙市岳麓区)."""
    rows = session.execute(select(Region.code, Region.name, Region.level, Region.parent_code)).all()
    by_code = {code: (name, parent) for code, name, _level, parent in rows}

    def prefix(code: str) -> str:
        parts: list[str] = []
        current: str | None = code
        while current is not None and current in by_code:
            name, parent = by_code[current]
            parts.append(name)
            current = parent
        return "".join(reversed(parts))

    return [RegionSeed(code, prefix(code)) for code, _n, level, _p in rows if level == "county"]


def _count(session: Session, model: type[Person] | type[Enterprise]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def add_people(session: Session, count: int, *, seed: int = 0, progress: Progress | None = None) -> int:
    regions = region_seeds(session)
    start = _count(session, Person)
    rows = people(regions, count, seed=seed, start=start)
    return _bulk(session, "people", PERSON_COLUMNS, rows, progress)


def add_enterprises(session: Session, count: int, *, seed: int = 0, progress: Progress | None = None) -> int:
    regions = region_seeds(session)
    start = _count(session, Enterprise)
    rows = enterprises(regions, count, seed=seed, start=start)
    return _bulk(session, "enterprises", ENTERPRISE_COLUMNS, rows, progress)


def _batches(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, BATCH)):
        yield batch


def _bulk(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], progress: Progress | None
) -> int:
    now = dt.datetime.now(dt.UTC)
    names = (*columns, "updated_at")
    raw = session.connection().connection.driver_connection
    done = 0
    if session.get_bind().dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for batch in _batches(rows):
                for row in batch:
                    copy.write_row((*row, now))
                done += len(batch)
                if progress:
                    progress(len(batch))
        return done
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")  # how SQLAlchemy stores UTC on SQLite
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    cur = raw.cursor()  # type: ignore[union-attr]
    for batch in _batches(rows):
        cur.executemany(sql, [(*_sqlite_row(row), stamp) for row in batch])
        done += len(batch)
        if progress:
            progress(len(batch))
    return done


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # The raw sqlite3 driver knows no Decimal or date adapters (deprecated in 3.12): store as text,
    # the same form SQLAlchemy writes.
    return tuple(v.isoformat() if isinstance(v, dt.date) else str(v) if hasattr(v, "as_tuple") else v for v in row)
