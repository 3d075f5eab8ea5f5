"""Database engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL in production.

Services receive a ``Session`` and never commit; ``session_scope`` (CLI) and the web dependency
(requests) own the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Engine, cast, create_engine, event, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker


def insert_ignoring(session: Session, entity: Any) -> Any:
    """An INSERT for ``entity`` that skips rows whose unique key is taken (ON CONFLICT DO NOTHING), in
    the dialect of the session's database. Add ``.values(...)`` or ``.from_select(...)``."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(entity).on_conflict_do_nothing()
    return sqlite_insert(entity).on_conflict_do_nothing()


def local_day(session: Session, column: Any, zone: ZoneInfo, at: dt.datetime) -> Any:
    """SQL for the local calendar day of a UTC timestamp column, so statistics can group by day in the
    database instead of loading every row. PostgreSQL converts with the zone itself; SQLite shifts by the
    zone's offset at ``at`` (exact for zones without daylight saving, such as China's)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(zone.key, column), Date)
    offset = zone.utcoffset(at.replace(tzinfo=None)) or dt.timedelta(0)
    return func.date(column, f"{int(offset.total_seconds()):+d} seconds")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    if is_sqlite(url):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # SAVEPOINTs work and isolation is what the code says.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: a transaction that reads and then writes (audit rows, failed logins, session
        # touches) would otherwise fail at once with "database is locked" when another writer
        # committed in between; taking the write lock up front makes it wait (busy_timeout) instead.
        # Readers in WAL mode never wait for it; SQLite is the one-machine store, PostgreSQL scales.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=4)
def engine_for(url: str, pool_size: int = 10) -> Engine:
    return make_engine(url, pool_size=pool_size)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back when it raises."""
    with unit_of_work(session_factory(engine)) as session:
        yield session


@contextmanager
def unit_of_work(sessions: Callable[[], Session]) -> Iterator[Session]:
    """``session_scope`` for a session factory (a job that commits between its steps)."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
