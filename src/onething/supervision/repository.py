"""Every read query of supervision: statistics from the rollup or the facts, the dashboard's counts and
rows, the cards a principal may see, and the names that label them. Everything is filtered by region
range first (index-friendly). The job's set-based writes live with their steps (``scan``, ``rollup``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from onething.cases.workflow import OPEN_TASK
from onething.evaluations.repository import ORG_HANDLERS
from onething.evaluations.rules import OPEN_STEPS
from onething.identity.principal import Principal
from onething.identity.repository import in_scopes
from onething.kit import clock
from onething.kit.db import local_day
from onething.models import (
    Case,
    DeadlineWarning,
    Evaluation,
    EvaluationDaily,
    Hall,
    Org,
    Rectification,
    Region,
    Task,
    User,
    Window,
)
from onething.supervision.rollup import counters
from onething.supervision.rules import COUNTERS

W = DeadlineWarning
OPEN_CASE = ("submitted", "correction_requested", "accepted", "processing")
CARD_READERS = ORG_HANDLERS  # an org's staff see its cards as they handle its bad reviews


# -- regions and names -----------------------------------------------------------------------------


def region(session: Session, code: str) -> Region | None:
    return session.get(Region, code)


def region_codes_under(session: Session, prefix: str) -> Sequence[str]:
    return session.scalars(select(Region.code).where(in_scopes(Region.code, [prefix])).order_by(Region.code)).all()


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(list(codes)))).all())


def org_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    return dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(wanted))).all())


def window_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    stmt = select(Window.id, Hall.name, Window.number).join(Hall, Hall.id == Window.hall_id)
    rows = session.execute(stmt.where(Window.id.in_([i for i in ids if i is not None])))
    return {i: f"{hall} {num} 号窗口" for i, hall, num in rows}


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    stmt = select(User.id, User.name).where(User.id.in_([i for i in ids if i is not None]))
    return dict(session.execute(stmt).all())


def item_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    stmt = select(Task.item_code, func.max(Task.item_name)).where(Task.item_code.in_(list(codes)))
    return dict(session.execute(stmt.group_by(Task.item_code)).all())


# -- 好差评 statistics -------------------------------------------------------------------------------


def rollup_sums(session: Session, prefix: str, start: dt.date, end: dt.date, key: Any) -> Sequence[Row[Any]]:
    """The counters summed over the rollup, grouped by ``key`` (None: one row for everything)."""
    D = EvaluationDaily
    sums = [func.sum(getattr(D, k)).label(k) for k in COUNTERS]
    label = (key if key is not None else func.min("total")).label("key")
    stmt = select(label, *sums).where(in_scopes(D.region_code, [prefix]), D.day >= start, D.day <= end)
    if key is not None:
        stmt = stmt.group_by(label)
    return session.execute(stmt).all()


def facts_sums(session: Session, prefix: str, start: dt.date, end: dt.date, by: str) -> Sequence[Row[Any]]:
    """The counters over the facts, grouped by thing, window, clerk, rating channel or item."""
    E = Evaluation
    column = {
        "thing": E.thing_code,
        "window": E.window_id,
        "clerk": E.clerk_id,
        "rating_channel": E.rating_channel,
        "item": Task.item_code,
    }[by]
    key = column.label("key")
    stmt = select(key, *counters()).where(
        in_scopes(E.region_code, [prefix]), E.concluded_on >= start, E.concluded_on <= end
    )
    if by == "item":  # a case's rating counts for each item it held
        stmt = stmt.join(Task, and_(Task.case_id == E.case_id, Task.kind == "approval"))
    if by == "rating_channel":
        stmt = stmt.where(E.state == "rated")
    return session.execute(stmt.group_by(key)).all()


# -- the dashboard ---------------------------------------------------------------------------------


def open_case_counts(session: Session, prefix: str) -> dict[str, int]:
    stmt = select(Case.status, func.count()).where(in_scopes(Case.region_code, [prefix]), Case.status.in_(OPEN_CASE))
    return dict(session.execute(stmt.group_by(Case.status)).all())


def open_task_counts(session: Session, prefix: str) -> dict[str, int]:
    stmt = (
        select(Task.status, func.count())
        .join(Case, Case.id == Task.case_id)
        .where(in_scopes(Case.region_code, [prefix]), Task.status.in_(tuple(OPEN_TASK)))
    )
    return dict(session.execute(stmt.group_by(Task.status)).all())


def open_card_counts(session: Session, prefix: str) -> dict[str, int]:
    stmt = select(W.level, func.count()).where(in_scopes(W.region_code, [prefix]), W.resolved_at.is_(None))
    return dict(session.execute(stmt.group_by(W.level)).all())


def concluded_cases(session: Session, prefix: str, begin: dt.datetime, end: dt.datetime, limit: int) -> Sequence[Any]:
    """Cases concluded in [begin, end), counted per (thing, name, local day accepted, local day concluded,
    deadline, promised days): the statistics need no more, and a province concludes thousands a day."""
    accepted, concluded = (local_day(session, c, clock.zone(), begin) for c in (Case.accepted_at, Case.concluded_at))
    keys = (Case.thing_code, Case.thing_name, accepted, concluded, Case.deadline, Case.promised_days)
    stmt = (
        select(*keys, func.count())
        .where(
            in_scopes(Case.region_code, [prefix]),
            Case.concluded_at >= begin,
            Case.concluded_at < end,
            Case.accepted_at.is_not(None),
        )
        .group_by(*keys)
    )
    return session.execute(stmt.limit(limit)).all()


def decided_tasks(session: Session, prefix: str, begin: dt.datetime, end: dt.datetime, limit: int) -> Sequence[Any]:
    """Tasks decided in [begin, end), counted per (org, day dispatched, local day decided, promised days)."""
    decided = local_day(session, Task.decided_at, clock.zone(), begin)
    keys = (Task.org_id, Task.dispatched_on, decided, Task.promised_days)
    stmt = (
        select(*keys, func.count())
        .join(Case, Case.id == Task.case_id)
        .where(
            in_scopes(Case.region_code, [prefix]),
            Task.decided_at >= begin,
            Task.decided_at < end,
            Task.dispatched_on.is_not(None),
        )
        .group_by(*keys)
    )
    return session.execute(stmt.limit(limit)).all()


def open_rectifications(session: Session, prefix: str) -> Sequence[Rectification]:
    stmt = select(Rectification).where(
        in_scopes(Rectification.region_code, [prefix]), Rectification.status.in_(tuple(OPEN_STEPS))
    )
    return session.scalars(stmt).all()


# -- cards -----------------------------------------------------------------------------------------


def readable_cards(principal: Principal) -> Select[DeadlineWarning]:
    """Supervisors see their region's cards; department and window staff their own org's."""
    conditions = []
    if principal.has("supervisor"):
        conditions.append(in_scopes(W.region_code, principal.scopes("supervisor")))
    orgs = principal.orgs(*CARD_READERS)
    if orgs:
        conditions.append(W.org_id.in_(orgs))
    return select(W).where(or_(*conditions) if conditions else false())
