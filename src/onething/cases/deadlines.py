"""Working-day clocks of tasks and cases. Pure: the calendar and "today" are passed in.

A task's clock starts the day it is dispatched: its deadline is ``promised_days`` working days
later. While it is stopped (special procedure, correction) the deadline stands still, and on restart
it moves by the working days that passed while stopped. A case's promised deadline is the critical
path: the latest projected deadline of its tasks, waiting tasks starting when their prerequisites'
deadlines fall.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from onething.kit.calendar import WorkCalendar


@dataclass(frozen=True, slots=True)
class Clock:
    promised_days: int
    dispatched_on: dt.date | None
    deadline: dt.date | None
    stopped_on: dt.date | None


def start(cal: WorkCalendar, day: dt.date, promised_days: int) -> dt.date:
    return cal.add_working_days(day, promised_days)


def restarted(cal: WorkCalendar, deadline: dt.date, stopped_on: dt.date, today: dt.date) -> tuple[dt.date, int]:
    """The moved deadline after a stop from ``stopped_on`` to ``today``, and the working days stopped."""
    stopped = max(0, cal.working_days_between(stopped_on, today))
    return cal.add_working_days(deadline, stopped), stopped


def remaining(cal: WorkCalendar, deadline: dt.date | None, today: dt.date, stopped_on: dt.date | None) -> int | None:
    """Working days left (negative when overdue); frozen at the stop while the clock is stopped."""
    if deadline is None:
        return None
    return cal.working_days_between(stopped_on or today, deadline)


def projected(
    cal: WorkCalendar,
    clocks: Mapping[str, Clock],
    after: Mapping[str, Sequence[str]],
    today: dt.date,
    counted: frozenset[str],
) -> dict[str, dt.date]:
    """Each task's expected deadline: its own once dispatched (pushed on by a running stop); a waiting
    task's counted from the latest projected deadline of its prerequisites. Only ``counted`` items
    take part (the caller leaves out cancelled ones: they hold nothing up)."""
    out: dict[str, dt.date] = {}

    def of(item: str, seen: frozenset[str]) -> dt.date:
        if item in out:
            return out[item]
        c = clocks[item]
        if c.deadline is not None:
            found = c.deadline
            if c.stopped_on is not None:
                found, _ = restarted(cal, c.deadline, c.stopped_on, today)
        else:
            deps = [d for d in after.get(item, ()) if d in clocks and d in counted and d not in seen]
            begin = max((of(d, seen | {item}) for d in deps), default=today)
            found = cal.add_working_days(max(begin, today), c.promised_days)
        out[item] = found
        return found

    for item in clocks:
        if item in counted:
            of(item, frozenset())
    return out
