"""The holiday override table: loaded from the catalog's ``holidays`` section or edited by an
administrator, and turned into the working-day calendar every deadline is computed with.

Each day records where it came from. Loading a catalog replaces the days it loaded before, never
the ones an administrator set: a person's correction outlives the next catalog version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from onething.catalog import repository, spec
from onething.identity import audit
from onething.identity.principal import Principal
from onething.kit.calendar import WorkCalendar, build_calendar
from onething.kit.errors import Conflict, NotFound, ValidationFailed
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


def forget() -> None:
    """Drop this process's calendar after a change has committed. The services already drop it when
    they write, but a request reading in between could keep the old one until it expires."""
    _forget()


def _settable(day: dt.date) -> None:
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed("日期超出可设置的范围（2000–2100 年）", field="date")


def _year(session: Session, year: int) -> HolidayYear:
    row = repository.holiday_year(session, year)
    if row is None:
        row = repository.add(session, HolidayYear(year=year, complete=False))
    return row


def set_day(session: Session, day: dt.date, workday: bool, name: str | None = None) -> HolidayDay:
    """Declare one date a working day or a day off, overriding the bundled data."""
    _forget()
    _settable(day)
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


# ---------------------------------------------------------------- administrators' overrides (page and API)

# One table serves every region's deadlines, so only system administrators change it.
EDITORS = ("system_admin",)
NAME_MAX = 100


@dataclass(frozen=True)
class YearOverrides:
    year: int
    complete: bool
    source: str | None
    days: list[HolidayDay]


def overview(session: Session, principal: Principal) -> list[YearOverrides]:
    """Every year in the table with its days, newest year first."""
    principal.require(*EDITORS)
    days = list_overrides(session)
    return [
        YearOverrides(y.year, y.complete, y.source, [d for d in days if d.year == y.year])
        for y in repository.holiday_years(session)
    ]


def add_override(
    session: Session, principal: Principal, day: dt.date, workday: bool, name: str | None = None
) -> HolidayDay:
    """An administrator's day: a day off on a weekday or a make-up working day on a weekend.

    A day the table already sets the same way is a duplicate; a catalog day set the other way is
    corrected (and the correction outlives later catalog loads); a day the calendar already treats
    this way needs no override."""
    principal.require(*EDITORS)
    _settable(day)
    name = (name or "").strip() or None
    if name is not None and len(name) > NAME_MAX:
        raise ValidationFailed(f"名称不能超过 {NAME_MAX} 个字", field="name")
    existing = repository.holiday_day(session, day)
    if existing is not None and (existing.source == FROM_ADMIN or existing.workday == workday):
        if existing.source == FROM_ADMIN:
            message = f"{day.isoformat()} 已由管理员设为{_kind(existing.workday)}，不能重复添加；如需更改请先删除"
        else:
            message = f"{day.isoformat()} 已由目录设为{_kind(existing.workday)}，无需重复添加"
        raise Conflict(message, field="date", code="holiday_exists")
    if existing is None:
        cal = calendar(session)
        # Only where the answer is known: a year without data may be entered day by day.
        if cal.covers(day.year) and cal.is_workday(day) == workday:
            message = f"{day.isoformat()} 按现行日历本来就是{_kind(workday)}，无需覆盖"
            raise ValidationFailed(message, field="workday", code="holiday_no_change")
    detail = {"workday": workday, "name": name, "replaced": existing.source if existing else None}
    audit.record(session, principal, "holiday.set", "holiday_day", day.isoformat(), detail=detail)
    return set_day(session, day, workday, name)


def remove_override(session: Session, principal: Principal, day: dt.date) -> None:
    """Remove an administrator's day; the catalog's days change with the catalog."""
    principal.require(*EDITORS)
    existing = repository.holiday_day(session, day)
    if existing is None:
        raise NotFound(f"{day.isoformat()} 没有设置覆盖", field="date", code="holiday_not_found")
    if existing.source != FROM_ADMIN:
        raise Conflict(
            f"{day.isoformat()} 来自目录，下次载入目录时会恢复；请修改目录，或添加一个相反的覆盖",
            field="date",
            code="holiday_from_catalog",
        )
    audit.record(
        session, principal, "holiday.remove", "holiday_day", day.isoformat(), detail={"workday": existing.workday}
    )
    remove_day(session, day)


def _kind(workday: bool) -> str:
    return "工作日" if workday else "休息日"
