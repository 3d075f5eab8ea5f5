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


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# A pinned "today" for demos and tests that replay a timeline across holidays (see ``pinned``).
_pinned: ContextVar[dt.date | None] = ContextVar("pinned_today", default=None)


def today() -> dt.date:
    return _pinned.get() or now().astimezone(zone()).date()


@contextmanager
def pinned(day: dt.date) -> Iterator[None]:
    """Within the block, ``today()`` is ``day``: working-day clocks run on a chosen calendar."""
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
