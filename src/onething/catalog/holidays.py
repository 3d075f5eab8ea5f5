"""The holiday override table: loaded from the catalog's ``holidays`` section or edited by an
administrator, and turned into the working-day calendar every deadline is computed with.

Each day records where it came from. Loading a catalog replaces the days it loaded before, never
the ones an administrator set: a person's correction outlives the next catalog version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from onething.catalog import repository, spec
from onething.kit.calendar import WorkCalendar, build_calendar
from onething.kit.errors import ValidationFailed
from onething.kit.memo import Fresh
from onething.kit.settings import get_settings
from onething.models import HolidayDay, HolidayYear

FROM_CATALOG = "catalog"
FROM_ADMIN = "admin"


# Every deadline reads the calendar; the table changes a few times a year. A process trusts what it
# read for ``catalog_check_seconds`` (like the catalog version), and forgets it at once on its own edits.
_calendars: Fresh[str, WorkCalendar] = Fresh(lambda: get_settings().catalog_check_seconds)


def calendar(session: Session) -> WorkCalendar:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    known = _calendars.get(key)
    if known is not None:
        return known
    built = build_calendar(
        repository.holiday_overrides(session),
        repository.complete_holiday_years(session),
        get_settings().calendar_fallback,
    )
    _calendars.put(key, built)
    return built


def _forget() -> None:
    _calendars.clear()


def _year(session: Session, year: int) -> HolidayYear:
    row = repository.holiday_year(session, year)
    if row is None:
        row = repository.add(session, HolidayYear(year=year, complete=False))
    return row


def set_day(session: Session, day: dt.date, workday: bool, name: str | None = None) -> HolidayDay:
    """Declare one date a working day or a day off, overriding the bundled data."""
    _forget()
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed("日期超出可设置的范围（2000–2100 年）", field="date")
    _year(session, day.year)
    row = repository.holiday_day(session, day)
    if row is None:
        return repository.add(
            session, HolidayDay(day=day, year=day.year, workday=workday, name=name, source=FROM_ADMIN)
        )
    row.workday, row.name, row.source = workday, name, FROM_ADMIN
    session.flush()
    return row


def remove_day(session: Session, day: dt.date) -> bool:
    _forget()
    row = repository.holiday_day(session, day)
    if row is None:
        return False
    repository.delete(session, row)
    return True


def mark_complete(session: Session, year: int, complete: bool, source: str | None) -> HolidayYear:
    _forget()
    row = _year(session, year)
    row.complete, row.source = complete, source
    session.flush()
    return row


def apply_catalog_years(session: Session, years: Iterable[spec.HolidayYear]) -> None:
    """Store the catalog's holiday years, replacing what earlier catalogs loaded for those years."""
    _forget()
    for year in years:
        row = _year(session, year.year)
        row.complete, row.source = year.complete, year.source
        kept: set[dt.date] = set()
        for old in repository.holiday_days(session, year.year):
            if old.source == FROM_CATALOG:
                repository.delete(session, old)
            else:
                kept.add(old.day)
        for day in year.days:
            date = dt.date.fromisoformat(day.date)
            if date not in kept:
                session.add(
                    HolidayDay(day=date, year=year.year, workday=day.workday, name=day.name, source=FROM_CATALOG)
                )
    session.flush()


def list_overrides(session: Session, year: int | None = None) -> list[HolidayDay]:
    return list(repository.holiday_days(session, year))
