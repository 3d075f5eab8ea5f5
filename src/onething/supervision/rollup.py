"""The daily rollup of 好差评 (``evaluation_daily``): per occasion day, region, handling org and
service channel, every counter the rates need. A day is always rebuilt whole from the facts, so a
refresh is idempotent and may overlap; the job refreshes the days whose occasions changed since its
watermark (``evaluations.updated_at``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, delete, func, insert, select
from sqlalchemy.orm import Session

from onething.models import Evaluation, EvaluationDaily
from onething.supervision.rules import COUNTERS

E = Evaluation
DAYS_PER_STATEMENT = 31


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(cast(condition, Integer))


def counters() -> list[ColumnElement[Any]]:
    """The counters of ``supervision.rules.COUNTERS`` as SQL aggregates over evaluations."""
    rated = E.state == "rated"
    bad = rated & E.bad
    return [
        func.count().label("occasions"),
        _count(rated).label("rated"),
        _count(rated & ~E.bad).label("good"),
        _count(bad).label("bad"),
        func.coalesce(func.sum(E.level).filter(rated), 0).label("level_sum"),
        _count(E.state == "default_good").label("default_good"),
        _count(bad & E.real_name).label("real_name_bad"),
        _count(bad & E.real_name & E.called_back).label("called_back"),
        _count(bad & E.appeal_upheld).label("appeal_upheld"),
        _count(bad & E.rectified).label("rectified"),
    ]


def _rebuild_days(session: Session, days: Sequence[dt.date] | None) -> None:
    org = func.coalesce(E.org_id, 0)
    source = select(E.concluded_on, E.region_code, org, E.channel, *counters()).group_by(
        E.concluded_on, E.region_code, org, E.channel
    )
    wipe = delete(EvaluationDaily)
    if days is not None:
        source = source.where(E.concluded_on.in_(days))
        wipe = wipe.where(EvaluationDaily.day.in_(days))
    session.execute(wipe)
    columns = ["day", "region_code", "org_id", "channel", *COUNTERS]
    session.execute(insert(EvaluationDaily).from_select(columns, source))


def rebuild(session: Session) -> None:
    """Everything from scratch (after a bulk import)."""
    _rebuild_days(session, None)


def refresh(session: Session, since: dt.datetime | None) -> tuple[int, dt.datetime | None]:
    """Rebuild the days touched since ``since`` (all days when None); (days rebuilt, newest change seen)."""
    changed = select(E.concluded_on).distinct()
    newest = select(func.max(E.updated_at))
    if since is not None:
        changed = changed.where(E.updated_at > since)
        newest = newest.where(E.updated_at > since)
    seen = session.scalar(newest)
    days = sorted(session.scalars(changed))
    for i in range(0, len(days), DAYS_PER_STATEMENT):
        _rebuild_days(session, days[i : i + DAYS_PER_STATEMENT])
    return len(days), seen
