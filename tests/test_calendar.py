"""Working days around 2026's Spring Festival and National Day, overrides and the gap policy.

Expected dates come from the State Council's 2026 holiday notice: Spring Festival off 15–23 Feb
with Saturdays 14 and 28 Feb worked; National Day off 1–7 Oct with Sun 20 Sep and Sat 10 Oct worked.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from onething.catalog import holidays
from onething.kit.calendar import CalendarGap, WorkCalendar
from onething.kit.errors import ValidationFailed

D = dt.date
cal = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (D(2026, 2, 13), True),  # Friday before the holiday
        (D(2026, 2, 14), True),  # Saturday worked in lieu
        (D(2026, 2, 16), False),  # 除夕 eve period, a Monday off
        (D(2026, 2, 23), False),  # last day off
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday worked in lieu
        (D(2026, 9, 20), True),  # Sunday worked in lieu
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday worked in lieu
        (D(2026, 10, 11), False),  # ordinary Sunday
    ],
)
def test_is_workday_2026(day: dt.date, workday: bool) -> None:
    assert cal.is_workday(day) is workday


def test_add_working_days_across_national_day() -> None:
    assert cal.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)  # the Sunday worked in lieu
    assert cal.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)
    # 10 working days from 29 Sep: 30 Sep, 8, 9, 10 (Sat), 12, 13, 14, 15, 16, 19 Oct
    assert cal.add_working_days(D(2026, 9, 29), 10) == D(2026, 10, 19)


def test_add_working_days_across_spring_festival() -> None:
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # 20 working days after 1 Feb 2026 (a Sunday): 10 in early Feb (2–6, 9–13), 14 Feb,
    # then 24–27 Feb, 28 Feb, 2–5 Mar -> the 20th is 5 March.
    assert cal.add_working_days(D(2026, 2, 1), 20) == D(2026, 3, 5)


def test_between_is_the_inverse_of_add() -> None:
    start = D(2026, 9, 25)
    for n in (0, 1, 3, 7, 15, 30):
        end = cal.add_working_days(start, n)
        assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1
    assert cal.working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        cal.add_working_days(D(2026, 1, 5), -1)
    assert err.value.field == "days"


def test_year_without_data_is_an_error_when_so_configured() -> None:
    strict = WorkCalendar(fallback="error")
    with pytest.raises(CalendarGap) as err:
        strict.add_working_days(D(2031, 3, 1), 5)
    assert "2031" in err.value.message


def test_year_without_data_falls_back_to_weekends_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    lenient = WorkCalendar(fallback="weekends")
    with caplog.at_level(logging.WARNING):
        assert lenient.add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)  # Friday -> Monday
    assert lenient.estimated_years == {2031}
    assert any("2031" in r.getMessage() for r in caplog.records)


def test_overrides_beat_bundled_data_and_complete_years_need_no_fallback() -> None:
    custom = WorkCalendar(
        overrides={D(2026, 10, 8): False, D(2031, 1, 1): False}, complete_years=frozenset({2031}), fallback="error"
    )
    assert custom.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 9)
    assert custom.is_workday(D(2031, 1, 1)) is False
    assert custom.is_workday(D(2031, 1, 2)) is True  # complete year: no error
    assert custom.estimated_years == set()


def test_override_table_feeds_the_calendar(db) -> None:
    holidays.set_day(db, D(2031, 1, 2), workday=False, name="测试假日")
    holidays.mark_complete(db, 2031, True, "测试")
    cal2 = holidays.calendar(db)
    assert cal2.is_workday(D(2031, 1, 2)) is False
    assert cal2.add_working_days(D(2031, 1, 1), 1) == D(2031, 1, 3)
    assert holidays.remove_day(db, D(2031, 1, 2)) is True
    assert holidays.calendar(db).is_workday(D(2031, 1, 2)) is True


def test_override_out_of_range_is_refused(db) -> None:
    with pytest.raises(ValidationFailed):
        holidays.set_day(db, D(1999, 1, 1), workday=False)
    assert holidays.list_overrides(db, 1999) == []
