"""Local time: dates people mean (today, a day's start) are in the deployment's time zone
(Asia/Shanghai by default); timestamps are stored in UTC."""

from __future__ import annotations

import datetime as dt
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


def today() -> dt.date:
    return now().astimezone(zone()).date()


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(zone())


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in local time, as an aware datetime (comparable with UTC columns)."""
    return dt.datetime.combine(day, dt.time(), zone())
