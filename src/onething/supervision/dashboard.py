"""The supervisor's picture of a region: open cases and tasks, warnings, on-time conclusion,
working days per thing against the promise, the slowest orgs, the bad-review backlog, weekly trends.

Counts are SQL aggregates; working days need the calendar, so they are worked out here over the
period's concluded cases (capped at ``MAX_ROWS``, said on the page when reached)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from onething.cases.workflow import CASE_STATUS_NAMES, TASK_STATUS_NAMES
from onething.evaluations.rules import STEP_NAMES as RECT_STEP_NAMES
from onething.evaluations.rules import current_due
from onething.kit import clock
from onething.kit.calendar import WorkCalendar
from onething.kit.clock import day_start
from onething.kit.memo import OnceMap
from onething.kit.settings import get_settings
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
    as_of: dt.datetime | None = None  # when these figures were computed (they are kept a minute)


def _named(counts: dict[str, int], names: dict[str, str]) -> dict[str, int]:
    return {names.get(k, k): v for k, v in counts.items()}


def case_stats(session: Session, scope: Scope, cal: WorkCalendar, today: dt.date) -> CaseStats:
    out = CaseStats(scope.region.code, scope.region.name, scope.start, scope.end, as_of=clock.now())
    out.open_cases = _named(repo.open_case_counts(session, scope.prefix), CASE_STATUS_NAMES)
    out.open_tasks = _named(repo.open_task_counts(session, scope.prefix), TASK_STATUS_NAMES)
    out.warnings = repo.open_card_counts(session, scope.prefix)
    _conclusions(session, scope, cal, today, out)
    _orgs(session, scope, cal, today, out)
    _backlog(session, scope, today, out)
    return out


def _period_bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    return day_start(scope.start), day_start(scope.end + dt.timedelta(days=1))


Groups = Callable[[Session, str, dt.datetime, dt.datetime, int], Sequence[Any]]
# A conclusion or a decision is stamped once, so the groups of whole past days never change: each process
# keeps them until the day is over (when figures are cached at all) and reads only today's again. Over a
# province's twelve weeks that is the difference between a second of database work a minute and none.
_past_days: OnceMap[tuple[Any, ...], Sequence[Any]] = OnceMap(limit=64)


def _grouped(session: Session, fetch: Groups, scope: Scope, today: dt.date) -> tuple[list[Any], bool]:
    """``fetch``'s groups over the scope's period, and whether either part reached ``MAX_ROWS``."""
    begin, end = _period_bounds(scope)
    if get_settings().stats_cache_seconds <= 0:
        rows = list(fetch(session, scope.prefix, begin, end, MAX_ROWS))
        return rows, len(rows) >= MAX_ROWS
    past_end = min(end, day_start(today))
    key = (session.get_bind().engine.url.render_as_string(), fetch.__name__, scope.prefix, begin, past_end)
    past = (
        _past_days.get(key, lambda: fetch(session, scope.prefix, begin, past_end, MAX_ROWS)) if begin < past_end else []
    )
    current = fetch(session, scope.prefix, max(begin, past_end), end, MAX_ROWS) if past_end < end else []
    return [*past, *current], max(len(past), len(current)) >= MAX_ROWS


def _conclusions(session: Session, scope: Scope, cal: WorkCalendar, today: dt.date, out: CaseStats) -> None:
    groups, out.capped = _grouped(session, repo.concluded_cases, scope, today)
    per_thing: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # (days used, promised, cases)
    names: dict[str, str] = {}
    weeks: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])  # [concluded, on time]
    for code, name, accepted, done, deadline, promised, n in groups:
        accepted, done = _day(accepted), _day(done)
        used = max(0, cal.working_days_between(accepted, done))
        on_time = n if deadline is None or done <= deadline else 0
        out.concluded += n
        out.on_time += on_time
        per_thing[code].append((used, promised, n))
        names[code] = name
        week = weeks[done - dt.timedelta(days=done.weekday())]
        week[0] += n
        week[1] += on_time
    out.on_time_rate = round(100.0 * out.on_time / out.concluded, 2) if out.concluded else None
    for code, rows in sorted(per_thing.items(), key=lambda kv: -sum(n for *_, n in kv[1])):
        out.things.append({"thing": code, "name": names[code], **_averages(rows, "concluded")})
    recent = sorted(weeks)[-WEEKS:]
    out.weeks = [
        {
            "week": f"{w:%m-%d}",
            "concluded": weeks[w][0],
            "on_time_rate": round(100.0 * weeks[w][1] / weeks[w][0], 2),
        }
        for w in recent
    ]


def _day(value: dt.date | str) -> dt.date:
    """SQLite's date() answers text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _averages(rows: list[tuple[int, int, int]], counted: str) -> dict[str, Any]:
    """Weighted averages of (days used, promised days, how many) groups."""
    total = sum(n for *_, n in rows)
    return {
        counted: total,
        "average_days": round(sum(u * n for u, _, n in rows) / total, 2),
        "promised_days": round(sum(p * n for _, p, n in rows) / total, 2),
    }


def _orgs(session: Session, scope: Scope, cal: WorkCalendar, today: dt.date, out: CaseStats) -> None:
    """The slowest orgs: average working days from dispatch to decision over the period."""
    used: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    groups, capped = _grouped(session, repo.decided_tasks, scope, today)
    out.capped = out.capped or capped
    for org_id, dispatched_on, decided, promised, n in groups:
        used[org_id].append((max(0, cal.working_days_between(dispatched_on, _day(decided))), promised, n))
    names = repo.org_names(session, used)

    def average(rows: list[tuple[int, int, int]]) -> float:
        return sum(u * n for u, _, n in rows) / sum(n for *_, n in rows)

    ranked = sorted(used.items(), key=lambda kv: -average(kv[1]))[:10]
    out.slowest_orgs = [
        {"org": names.get(org_id, str(org_id)), **_averages(rows, "decided")} for org_id, rows in ranked
    ]


def _backlog(session: Session, scope: Scope, today: dt.date, out: CaseStats) -> None:
    counts: dict[str, int] = defaultdict(int)
    for r in repo.open_rectifications(session, scope.prefix):
        counts[RECT_STEP_NAMES.get(r.status, r.status)] += 1
        due = current_due(r.status, r.callback_due, r.rectify_due)
        out.backlog_overdue += bool(due and due.due < today)
    out.backlog = dict(counts)
