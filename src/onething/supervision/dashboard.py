"""The supervisor's picture of a region: open cases and tasks, warnings, on-time conclusion,
working days per thing against the promise, the slowest orgs, the bad-review backlog, weekly trends.

Counts are SQL aggregates; working days need the calendar, so they are worked out here over the
period's concluded cases (capped at ``MAX_ROWS``, said on the page when reached)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.cases.workflow import CASE_STATUS_NAMES, OPEN_TASK, TASK_STATUS_NAMES
from onething.evaluations.rules import OPEN_STEPS, current_due
from onething.evaluations.rules import STEP_NAMES as RECT_STEP_NAMES
from onething.identity.repository import in_scopes
from onething.kit.calendar import WorkCalendar
from onething.kit.clock import day_start, local
from onething.models import Case, DeadlineWarning, Org, Rectification, Task
from onething.supervision.stats import Scope

OPEN_CASE = ("submitted", "correction_requested", "accepted", "processing")
MAX_ROWS = 200_000
WEEKS = 12


@dataclass
class CaseStats:
    region: str
    region_name: str
    start: dt.date
    end: dt.date
    open_cases: dict[str, int] = field(default_factory=dict)
    open_tasks: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    concluded: int = 0
    on_time: int = 0
    on_time_rate: float | None = None
    capped: bool = False
    things: list[dict[str, Any]] = field(default_factory=list)
    slowest_orgs: list[dict[str, Any]] = field(default_factory=list)
    weeks: list[dict[str, Any]] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)
    backlog_overdue: int = 0


def _in_region(scope: Scope) -> Any:
    return in_scopes(Case.region_code, [scope.prefix])


def _named(counts: dict[str, int], names: dict[str, str]) -> dict[str, int]:
    return {names.get(k, k): v for k, v in counts.items()}


def case_stats(session: Session, scope: Scope, cal: WorkCalendar, today: dt.date) -> CaseStats:
    out = CaseStats(scope.region.code, scope.region.name, scope.start, scope.end)
    stmt = select(Case.status, func.count()).where(_in_region(scope), Case.status.in_(OPEN_CASE)).group_by(Case.status)
    out.open_cases = _named(dict(session.execute(stmt).all()), CASE_STATUS_NAMES)
    stmt = (
        select(Task.status, func.count())
        .join(Case, Case.id == Task.case_id)
        .where(_in_region(scope), Task.status.in_(tuple(OPEN_TASK)))
        .group_by(Task.status)
    )
    out.open_tasks = _named(dict(session.execute(stmt).all()), TASK_STATUS_NAMES)
    W = DeadlineWarning
    stmt = (
        select(W.level, func.count())
        .where(in_scopes(W.region_code, [scope.prefix]), W.resolved_at.is_(None))
        .group_by(W.level)
    )
    out.warnings = dict(session.execute(stmt).all())
    _conclusions(session, scope, cal, out)
    _orgs(session, scope, cal, out)
    _backlog(session, scope, today, out)
    return out


def _period_bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    return day_start(scope.start), day_start(scope.end + dt.timedelta(days=1))


def _conclusions(session: Session, scope: Scope, cal: WorkCalendar, out: CaseStats) -> None:
    begin, end = _period_bounds(scope)
    stmt = (
        select(Case.thing_code, Case.thing_name, Case.accepted_at, Case.concluded_at, Case.deadline, Case.promised_days)
        .where(_in_region(scope), Case.concluded_at >= begin, Case.concluded_at < end, Case.accepted_at.is_not(None))
        .limit(MAX_ROWS)
    )
    rows = session.execute(stmt).all()
    out.capped = len(rows) >= MAX_ROWS
    per_thing: dict[str, list[tuple[int, int]]] = defaultdict(list)
    names: dict[str, str] = {}
    weeks: dict[dt.date, list[bool]] = defaultdict(list)
    for code, name, accepted_at, concluded_at, deadline, promised in rows:
        if accepted_at is None or concluded_at is None:
            continue
        done = local(concluded_at).date()
        used = max(0, cal.working_days_between(local(accepted_at).date(), done))
        on_time = deadline is None or done <= deadline
        out.concluded += 1
        out.on_time += on_time
        per_thing[code].append((used, promised))
        names[code] = name
        weeks[done - dt.timedelta(days=done.weekday())].append(on_time)
    out.on_time_rate = round(100.0 * out.on_time / out.concluded, 2) if out.concluded else None
    for code, pairs in sorted(per_thing.items(), key=lambda kv: -len(kv[1])):
        out.things.append(
            {
                "thing": code,
                "name": names[code],
                "concluded": len(pairs),
                "average_days": round(sum(u for u, _ in pairs) / len(pairs), 2),
                "promised_days": round(sum(p for _, p in pairs) / len(pairs), 2),
            }
        )
    recent = sorted(weeks)[-WEEKS:]
    out.weeks = [
        {
            "week": f"{w:%m-%d}",
            "concluded": len(weeks[w]),
            "on_time_rate": round(100.0 * sum(weeks[w]) / len(weeks[w]), 2),
        }
        for w in recent
    ]


def _orgs(session: Session, scope: Scope, cal: WorkCalendar, out: CaseStats) -> None:
    """The slowest orgs: average working days from dispatch to decision over the period."""
    begin, end = _period_bounds(scope)
    stmt = (
        select(Task.org_id, Task.dispatched_on, Task.decided_at, Task.promised_days)
        .join(Case, Case.id == Task.case_id)
        .where(
            _in_region(scope),
            Task.decided_at >= begin,
            Task.decided_at < end,
            Task.dispatched_on.is_not(None),
        )
        .limit(MAX_ROWS)
    )
    used: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for org_id, dispatched_on, decided_at, promised in session.execute(stmt):
        if dispatched_on is None or decided_at is None:
            continue
        used[org_id].append((max(0, cal.working_days_between(dispatched_on, local(decided_at).date())), promised))
    names = dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(list(used)))).all())
    ranked = sorted(used.items(), key=lambda kv: -sum(u for u, _ in kv[1]) / len(kv[1]))[:10]
    out.slowest_orgs = [
        {
            "org": names.get(org_id, str(org_id)),
            "decided": len(pairs),
            "average_days": round(sum(u for u, _ in pairs) / len(pairs), 2),
            "promised_days": round(sum(p for _, p in pairs) / len(pairs), 2),
        }
        for org_id, pairs in ranked
    ]


def _backlog(session: Session, scope: Scope, today: dt.date, out: CaseStats) -> None:
    stmt = select(Rectification).where(
        in_scopes(Rectification.region_code, [scope.prefix]), Rectification.status.in_(tuple(OPEN_STEPS))
    )
    counts: dict[str, int] = defaultdict(int)
    for r in session.scalars(stmt):
        counts[RECT_STEP_NAMES.get(r.status, r.status)] += 1
        due = current_due(r.status, r.callback_due, r.rectify_due)
        out.backlog_overdue += bool(due and due.due < today)
    out.backlog = dict(counts)
