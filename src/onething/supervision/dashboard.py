"""The supervisor's picture of a region: open cases and tasks, warnings, on-time conclusion,
working days per thing against the promise, the slowest orgs, the bad-review backlog, weekly trends.

Counts are SQL aggregates; working days need the calendar, so they are worked out here over the
period's concluded cases (capped at ``MAX_ROWS``, said on the page when reached)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from onething.cases.workflow import CASE_STATUS_NAMES, TASK_STATUS_NAMES
from onething.evaluations.rules import STEP_NAMES as RECT_STEP_NAMES
from onething.evaluations.rules import current_due
from onething.kit.calendar import WorkCalendar
from onething.kit.clock import day_start, local
from onething.supervision import repository as repo
from onething.supervision.stats import Scope

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


def _named(counts: dict[str, int], names: dict[str, str]) -> dict[str, int]:
    return {names.get(k, k): v for k, v in counts.items()}


def case_stats(session: Session, scope: Scope, cal: WorkCalendar, today: dt.date) -> CaseStats:
    out = CaseStats(scope.region.code, scope.region.name, scope.start, scope.end)
    out.open_cases = _named(repo.open_case_counts(session, scope.prefix), CASE_STATUS_NAMES)
    out.open_tasks = _named(repo.open_task_counts(session, scope.prefix), TASK_STATUS_NAMES)
    out.warnings = repo.open_card_counts(session, scope.prefix)
    _conclusions(session, scope, cal, out)
    _orgs(session, scope, cal, out)
    _backlog(session, scope, today, out)
    return out


def _period_bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    return day_start(scope.start), day_start(scope.end + dt.timedelta(days=1))


def _conclusions(session: Session, scope: Scope, cal: WorkCalendar, out: CaseStats) -> None:
    begin, end = _period_bounds(scope)
    rows = repo.concluded_cases(session, scope.prefix, begin, end, MAX_ROWS)
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
    used: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for org_id, dispatched_on, decided_at, promised in repo.decided_tasks(session, scope.prefix, begin, end, MAX_ROWS):
        if dispatched_on is None or decided_at is None:
            continue
        used[org_id].append((max(0, cal.working_days_between(dispatched_on, local(decided_at).date())), promised))
    names = repo.org_names(session, used)
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
    counts: dict[str, int] = defaultdict(int)
    for r in repo.open_rectifications(session, scope.prefix):
        counts[RECT_STEP_NAMES.get(r.status, r.status)] += 1
        due = current_due(r.status, r.callback_due, r.rectify_due)
        out.backlog_overdue += bool(due and due.due < today)
    out.backlog = dict(counts)
