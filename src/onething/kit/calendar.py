"""Working days: statutory holidays and adjusted working days of mainland China.

``chinese-calendar`` knows the years the State Council has published; an override table (edited
by an administrator or loaded from YAML) corrects or extends it. A year with neither is a gap:
by setting, either an error or a weekend-only estimate that is logged and reported as such.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import chinese_calendar

from onething.kit.errors import ValidationFailed

log = logging.getLogger(__name__)

Fallback = Literal["weekends", "error"]


class CalendarGap(ValidationFailed):
    code = "calendar_gap"


def _bundled_years() -> set[int]:
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return set(range(min(years), max(years) + 1))


_BUNDLED = frozenset(_bundled_years())


@dataclass
class WorkCalendar:
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)  # date -> is a working day
    complete_years: frozenset[int] = frozenset()
    fallback: Fallback = "weekends"
    estimated_years: set[int] = field(default_factory=set)  # years answered by the fallback
    # Answers already worked out: every deadline on every page counts days one by one. A calendar
    # lives as long as the holiday table it was built from (catalog.holidays), so this never goes stale.
    _known: dict[dt.date, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def covers(self, year: int) -> bool:
        return year in _BUNDLED or year in self.complete_years

    def is_workday(self, day: dt.date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: dt.date) -> bool:
        known = self.overrides.get(day)
        if known is not None:
            return known
        if day.year in _BUNDLED:
            return bool(chinese_calendar.is_workday(day))
        if day.year in self.complete_years:
            return day.weekday() < 5
        return self._fallback(day)

    def _fallback(self, day: dt.date) -> bool:
        if self.fallback == "error":
            raise CalendarGap(
                f"{day.year} 年的法定节假日安排尚未录入，无法计算工作日；请管理员在节假日表中补充",
                field="date",
            )
        if day.year not in self.estimated_years:
            self.estimated_years.add(day.year)
            log.warning("calendar: no holiday data for %s, counting weekends only (estimate)", day.year)
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 0:
            raise ValidationFailed("工作日数不能为负数", field="days")
        _in_range(start, "date")
        if days > MAX_DAYS:
            raise ValidationFailed(f"工作日数不能超过 {MAX_DAYS}", field="days")
        current = start
        remaining = days
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        _in_range(start, "start")
        _in_range(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def holidays_in(self, year: int) -> list[dt.date]:
        day = dt.date(year, 1, 1)
        out = []
        while day.year == year:
            if day.weekday() < 5 and not self.is_workday(day):
                out.append(day)
            day += dt.timedelta(days=1)
        return out


FIRST_YEAR, LAST_YEAR = 1949, 2100  # dates a government deadline can sensibly fall on
MAX_DAYS = 3650


def _in_range(day: dt.date, field: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR - 20:
        raise ValidationFailed(f"日期应在 {FIRST_YEAR} 至 {LAST_YEAR - 20} 年之间", field=field)


def build_calendar(
    overrides: Iterable[tuple[dt.date, bool]], complete_years: Iterable[int], fallback: Fallback
) -> WorkCalendar:
    return WorkCalendar(dict(overrides), frozenset(complete_years), fallback)


def workdays(days: float | None, zero: str = "即办") -> str:
    """A number of working days as people say it: ``0`` is 即办 (or ``zero``), ``2.5`` is "2.5 个工作日"."""
    if days is None:
        return "—"
    if days == 0:
        return zero
    shown = f"{days:.2f}".rstrip("0").rstrip(".") if isinstance(days, float) else str(days)
    return f"{shown} 个工作日"
