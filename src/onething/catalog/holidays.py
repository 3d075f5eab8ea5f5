"""The holiday override table: loaded from the catalog's ``holidays`` section or edited by an
administrator, and turned into the working-day calendar every deadline is computed with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from onething.catalog import repository, spec
from onething.kit.calendar import WorkCalendar, build_calendar
from onething.kit.errors import ValidationFailed
from onething.kit.settings import get_settings
from onething.models import HolidayDay, HolidayYear


def calendar(session: Session) -> WorkCalendar:
    return build_calendar(
        repository.holiday_overrides(session),
        repository.complete_holiday_years(session),
        get_settings().calendar_fallback,
    )


def _year(session: Session, year: int) -> HolidayYear:
    row = session.get(HolidayYear, year)
    if row is None:
        row = HolidayYear(year=year, complete=False)
        session.add(row)
        session.flush()
    return row


def set_day(session: Session, day: dt.date, workday: bool, name: str | None = None) -> HolidayDay:
    """Declare one date a working day or a day off, overriding the bundled data."""
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed("日期超出可设置的范围（2000–2100 年）", field="date")
    _year(session, day.year)
    row = session.get(HolidayDay, day)
    if row is None:
        row = HolidayDay(day=day, year=day.year, workday=workday, name=name)
        session.add(row)
    else:
        row.workday, row.name = workday, name
    session.flush()
    return row


def remove_day(session: Session, day: dt.date) -> bool:
    row = session.get(HolidayDay, day)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def mark_complete(session: Session, year: int, complete: bool, source: str | None) -> HolidayYear:
    row = _year(session, year)
    row.complete, row.source = complete, source
    session.flush()
    return row


def apply_catalog_years(session: Session, years: Iterable[spec.HolidayYear]) -> None:
    """Store the catalog's holiday years: each replaces that year's overrides."""
    for year in years:
        row = _year(session, year.year)
        row.complete, row.source = year.complete, year.source
        for old in repository.holiday_days(session, year.year):
            session.delete(old)
        session.flush()
        for day in year.days:
            session.add(
                HolidayDay(day=dt.date.fromisoformat(day.date), year=year.year, workday=day.workday, name=day.name)
            )
    session.flush()


def list_overrides(session: Session, year: int | None = None) -> list[HolidayDay]:
    return list(repository.holiday_days(session, year))
