"""Local time: dates people mean (today, a day's start) are in the deployment's time zone
(Asia/Shanghai by default); timestamps are stored in UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from zoneinfo import ZoneInfo

from onething.kit.settings import get_settings


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone(get_settings().timezone)


# The one clock. Every "now" and "today" in the platform comes from here, never from
# ``datetime.now()`` or ``date.today()``: a timestamp and the day it belongs to must agree, or a
# statistic for a month misses the ratings made in it. ``_shift`` moves the whole process (tests and
# the demo's replays); ``_pinned`` moves one context (a job run "as of" a day).
_shift = dt.timedelta(0)
_pinned: ContextVar[dt.date | None] = ContextVar("pinned_today", default=None)


def _real() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    moment = _real() + _shift
    day = _pinned.get()
    if day is None:
        return moment
    # A pinned day keeps the time of day, so events within the block still come in order.
    there = moment.astimezone(zone())
    return dt.datetime.combine(day, there.timetz()).astimezone(dt.UTC)


def today() -> dt.date:
    return now().astimezone(zone()).date()


def shift_to(moment: dt.datetime) -> dt.timedelta:
    """The shift that makes ``now()`` read ``moment`` (aware) from this instant on."""
    return moment - _real()


def travel(moment: dt.datetime | None) -> None:
    """Move the whole process's clock to ``moment`` (time goes on from there); ``None`` returns to
    real time. For tests (``monkeypatch.setattr(clock, "_shift", shift_to(...))`` undoes itself)
    and demo replays; a running server never calls it."""
    global _shift
    _shift = dt.timedelta(0) if moment is None else shift_to(moment)


@contextmanager
def pinned(day: dt.date) -> Iterator[None]:
    """Within the block, ``today()`` is ``day`` and ``now()`` is that day at the current time of
    day: working-day clocks and the timestamps they compare with run on one chosen calendar."""
    token = _pinned.set(day)
    try:
        yield
    finally:
        _pinned.reset(token)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(zone())


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in local time, as an aware datetime (comparable with UTC columns)."""
    return dt.datetime.combine(day, dt.time(), zone())
