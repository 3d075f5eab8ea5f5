"""Every catalog query. The catalog is public reference data: no row filter by principal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.models import CatalogEntry, CatalogVersion, HolidayDay, HolidayYear, Region


def latest_version(session: Session) -> CatalogVersion | None:
    return session.scalars(select(CatalogVersion).order_by(CatalogVersion.number.desc()).limit(1)).first()


def latest_key(session: Session) -> tuple[int, str] | None:
    row = session.execute(
        select(CatalogVersion.number, CatalogVersion.digest).order_by(CatalogVersion.number.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def version_by_number(session: Session, number: int) -> CatalogVersion | None:
    return session.scalars(select(CatalogVersion).where(CatalogVersion.number == number)).first()


def list_versions(session: Session) -> Sequence[CatalogVersion]:
    return session.scalars(select(CatalogVersion).order_by(CatalogVersion.number.desc())).all()


def entries(session: Session, version_id: int) -> Sequence[tuple[str, dict[str, Any]]]:
    rows = session.execute(
        select(CatalogEntry.section, CatalogEntry.body)
        .where(CatalogEntry.version_id == version_id)
        .order_by(CatalogEntry.id)
    )
    return [(section, body) for section, body in rows]


def entry_names(session: Session, version_id: int, section: str) -> Sequence[tuple[str, str]]:
    """(code, name) of one section of a version, in the order they were written."""
    rows = session.execute(
        select(CatalogEntry.code, CatalogEntry.name)
        .where(CatalogEntry.version_id == version_id, CatalogEntry.section == section)
        .order_by(CatalogEntry.id)
    )
    return [(code, name) for code, name in rows]


def entry(session: Session, version_id: int, section: str, code: str) -> CatalogEntry | None:
    return session.scalars(
        select(CatalogEntry).where(
            CatalogEntry.version_id == version_id, CatalogEntry.section == section, CatalogEntry.code == code
        )
    ).first()


def keyed_entries(session: Session, version_id: int) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """Every entry of a version as (section, code) -> (name, body): what two versions are compared on."""
    rows = session.execute(
        select(CatalogEntry.section, CatalogEntry.code, CatalogEntry.name, CatalogEntry.body).where(
            CatalogEntry.version_id == version_id
        )
    )
    return {(section, code): (name, body) for section, code, name, body in rows}


def add_version(session: Session, version: CatalogVersion, rows: Iterable[CatalogEntry]) -> None:
    session.add(version)
    session.flush()
    entries = list(rows)
    for row in entries:
        row.version_id = version.id
    session.add_all(entries)
    session.flush()


def upsert_regions(session: Session, regions: Iterable[tuple[str, str, str, str | None]]) -> int:
    """Insert or update regions, parents before children. Returns how many changed."""
    existing = {r.code: r for r in session.scalars(select(Region))}
    changed = 0
    for code, name, level, parent in regions:
        row = existing.get(code)
        if row is None:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
            changed += 1
        elif (row.name, row.level, row.parent_code) != (name, level, parent):
            row.name, row.level, row.parent_code = name, level, parent
            changed += 1
    session.flush()
    return changed


def holiday_overrides(session: Session) -> list[tuple[dt.date, bool]]:
    return [(day, workday) for day, workday in session.execute(select(HolidayDay.day, HolidayDay.workday))]


def complete_holiday_years(session: Session) -> Sequence[int]:
    return session.scalars(select(HolidayYear.year).where(HolidayYear.complete)).all()


def holiday_days(session: Session, year: int | None = None) -> Sequence[HolidayDay]:
    stmt = select(HolidayDay).order_by(HolidayDay.day)
    if year is not None:
        stmt = stmt.where(HolidayDay.year == year)
    return session.scalars(stmt).all()


def holiday_years(session: Session) -> Sequence[HolidayYear]:
    return session.scalars(select(HolidayYear).order_by(HolidayYear.year.desc())).all()


def holiday_year(session: Session, year: int) -> HolidayYear | None:
    return session.get(HolidayYear, year)


def holiday_day(session: Session, day: dt.date) -> HolidayDay | None:
    return session.get(HolidayDay, day)


T = TypeVar("T")


def add(session: Session, row: T) -> T:
    session.add(row)
    session.flush()
    return row


def delete(session: Session, row: object) -> None:
    session.delete(row)
    session.flush()
