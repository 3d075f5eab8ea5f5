"""Every base-library query; ``readable_*`` filter by the principal in SQL."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from onething.identity.principal import STAFF_READERS_OF_PEOPLE, Principal
from onething.identity.repository import in_scopes
from onething.kit import clock
from onething.models import Enterprise, EnterpriseMandate, Person, Region


def readable_people(principal: Principal) -> Select[Person]:
    """Staff who serve the public, within their region; a citizen, their own record."""
    conditions: list[ColumnElement[bool]] = [in_scopes(Person.region_code, principal.scopes(*STAFF_READERS_OF_PEOPLE))]
    if principal.id_number:
        conditions.append(Person.id_number == principal.id_number)
    return select(Person).where(or_(*conditions))


def readable_enterprises(principal: Principal) -> Select[Enterprise]:
    """Staff within their region; an agent, the enterprises it holds a mandate for; the legal representative."""
    conditions: list[ColumnElement[bool]] = [
        in_scopes(Enterprise.region_code, principal.scopes(*STAFF_READERS_OF_PEOPLE))
    ]
    if principal.enterprises:
        conditions.append(Enterprise.credit_code.in_(principal.enterprises))
    if principal.id_number:
        conditions.append(Enterprise.legal_rep_id_number == principal.id_number)
    return select(Enterprise).where(or_(*conditions) if conditions else false())


def person_by_id_number(session: Session, principal: Principal, id_number: str) -> Person | None:
    return session.scalar(readable_people(principal).where(Person.id_number == id_number))


def person(session: Session, principal: Principal, person_id: int) -> Person | None:
    return session.scalar(readable_people(principal).where(Person.id == person_id))


def enterprise(session: Session, principal: Principal, enterprise_id: int) -> Enterprise | None:
    return session.scalar(readable_enterprises(principal).where(Enterprise.id == enterprise_id))


def enterprise_by_code(session: Session, principal: Principal, credit_code: str) -> Enterprise | None:
    return session.scalar(readable_enterprises(principal).where(Enterprise.credit_code == credit_code))


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def mandate(session: Session, mandate_id: int) -> EnterpriseMandate | None:
    return session.get(EnterpriseMandate, mandate_id)


def regions(session: Session) -> Sequence[tuple[str, str, str, str | None]]:
    """(code, name, level, parent) of every region: the generator builds address prefixes from them."""
    stmt = select(Region.code, Region.name, Region.level, Region.parent_code)
    return [(c, n, lvl, p) for c, n, lvl, p in session.execute(stmt)]


Progress = Callable[[int], None]
BATCH = 20_000


def _batches(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, BATCH)):
        yield batch


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], progress: Progress | None
) -> int:
    """Append rows (plus ``updated_at``) in batches: COPY on PostgreSQL, raw executemany on SQLite —
    the ORM's per-row work would dominate at a million rows. Memory stays flat whatever the count."""
    now = clock.now()
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
