"""Read side of supervision: warnings in a region, statistics tables as exports, the dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from onething.catalog.holidays import calendar
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.db import session_scope
from onething.kit.export import Table
from onething.kit.memo import Snapshots
from onething.kit.pagination import Page, page
from onething.kit.settings import get_settings
from onething.models import DeadlineWarning
from onething.supervision import repository as repo
from onething.supervision import stats
from onething.supervision.dashboard import CaseStats, case_stats
from onething.supervision.rules import LEVEL_NAMES, STEP_NAMES

W = DeadlineWarning


def warnings(
    session: Session,
    principal: Principal,
    *,
    level: str | None = None,
    include_resolved: bool = False,
    org_id: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[dict[str, Any]]:
    """Supervisors see their region's cards; department and window staff their own org's."""
    principal.require("supervisor", *repo.CARD_READERS)
    stmt = repo.readable_cards(principal)
    if level:
        stmt = stmt.where(W.level == level)
    if not include_resolved:
        stmt = stmt.where(W.resolved_at.is_(None))
    if org_id is not None:
        stmt = stmt.where(W.org_id == org_id)
    rows, next_after = page(session, stmt, W.id, after, limit, descending=True)
    names = repo.org_names(session, {w.org_id for w in rows})
    cal, today = calendar(session), clock.today()
    return Page([_warning_out(w, names, cal.working_days_between(today, w.due)) for w in rows], next_after)


def _warning_out(w: DeadlineWarning, names: dict[int, str], remaining: int) -> dict[str, Any]:
    return {
        "id": w.id,
        "level": w.level,
        "level_name": LEVEL_NAMES[w.level],
        "subject": w.subject,
        "subject_id": w.subject_id,
        "step": w.step,
        "step_name": STEP_NAMES.get(w.step, w.step),
        "due": w.due,
        "remaining": remaining,
        "case_number": w.case_number,
        "title": w.title,
        "org_id": w.org_id,
        "org_name": names.get(w.org_id) if w.org_id else None,
        "raised_on": w.raised_on,
        "resolved_at": w.resolved_at,
    }


def evaluation_table(
    session: Session,
    principal: Principal,
    region: str | None,
    start: dt.date | None,
    end: dt.date | None,
    by: str,
) -> stats.StatTable:
    scope = stats.scope_of(session, principal, region, start, end, clock.today())
    return stats.evaluation_stats(session, scope, by)


def as_export(t: stats.StatTable) -> Table:
    columns = [
        ("name", stats.BY_NAMES[t.by]),
        *((m.key, f"{m.name}{'（%）' if m.unit == '%' else ''}") for m in t.measures),
    ]
    notes = [f"{m.name}：{m.definition}" for m in t.measures]
    notes.append(f"范围：{t.region_name}，{t.start:%Y-%m-%d} 至 {t.end:%Y-%m-%d}，按办结日统计")
    title = f"好差评统计 {t.region_name} 按{stats.BY_NAMES[t.by]}"
    return Table(title=title, columns=columns, rows=[*t.rows, t.total], notes=notes)


def _recent_scope(
    session: Session, principal: Principal, region: str | None, start: dt.date | None, end: dt.date | None
) -> stats.Scope:
    """The dashboard's period: as asked, else the last twelve weeks."""
    today = clock.today()
    if start is None and end is None:
        start = today - dt.timedelta(weeks=12)
    return stats.scope_of(session, principal, region, start, end, today)


# Over a province's twelve weeks the figures read hundreds of thousands of rows: computed at most once a
# minute per scope and process (``stats_cache_seconds``), each answer saying when (``as_of``).
_case_stats: Snapshots[tuple[str, str, dt.date, dt.date, dt.date], CaseStats] = Snapshots(
    lambda: get_settings().stats_cache_seconds
)


def _cached_case_stats(session: Session, scope: stats.Scope) -> CaseStats:
    today = clock.today()
    engine = session.get_bind().engine
    key = (engine.url.render_as_string(), scope.prefix, scope.start, scope.end, today)

    def detached() -> CaseStats:
        # A refresh runs after the request that noticed it has gone: its own session, read-only.
        with session_scope(engine) as own:
            return case_stats(own, scope, calendar(own), today)

    return _case_stats.get(key, lambda: case_stats(session, scope, calendar(session), today), detached)


def case_summary(
    session: Session, principal: Principal, region: str | None, start: dt.date | None, end: dt.date | None
) -> CaseStats:
    scope = _recent_scope(session, principal, region, start, end)  # who may see it: every time
    return _cached_case_stats(session, scope)


def dashboard(
    session: Session, principal: Principal, region: str | None, start: dt.date | None, end: dt.date | None
) -> tuple[CaseStats, stats.StatTable, stats.StatTable]:
    scope = _recent_scope(session, principal, region, start, end)
    cases = _cached_case_stats(session, scope)
    by_region = stats.evaluation_stats(session, scope, "region")
    by_week = stats.evaluation_stats(session, scope, "week")
    return cases, by_region, by_week


# -- what the dashboard's people read ----------------------------------------------------------------


def region_choices(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """The regions a supervisor may look at, as (code, name) for a list to choose from: each region of
    their scope, the ones below it after it and indented by level. Codes stay in the address; people
    read names."""
    principal.require("supervisor")
    codes = sorted({c for prefix in principal.scopes("supervisor") for c in repo.region_codes_under(session, prefix)})
    names = repo.region_names(session, codes)
    top = min((_depth(c) for c in codes), default=0)
    return [(c, "\u3000" * (_depth(c) - top) + names.get(c, c)) for c in codes]


def _depth(code: str) -> int:
    """Province 0, city 1, county 2, township 3, village 4: GB/T 2260 codes pad a level's digits with zeros."""
    if len(code) > 6:
        return 3 if len(code) <= 9 else 4
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline figure of the dashboard: the number is the big thing, its label and unit small."""

    label: str
    value: str
    unit: str = ""
    note: str | None = None
    href: str | None = None
    tone: str | None = None  # "red" or "yellow": the colour of a card count, besides its words


def number(value: float | None) -> str:
    """A figure for people: at most two decimals, no trailing zeros; a dash when there is none."""
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _rate(value: float | None, unit: str = "%") -> tuple[str, str]:
    return number(value), unit if value is not None else ""


def figures(cases: CaseStats, evaluations: stats.StatTable) -> list[Figure]:
    """The dashboard's headline figures, each with its unit and what it counts."""
    total = evaluations.total
    on_time, on_time_unit = _rate(cases.on_time_rate)
    good, good_unit = _rate(total.get("good_rate"))
    rating_rate = total.get("rating_rate")
    return [
        Figure("在办办件", number(sum(cases.open_cases.values())), "件"),
        Figure("在办子件", number(sum(cases.open_tasks.values())), "件"),
        Figure(
            "红牌预警", number(cases.warnings.get("red", 0)), "张", "已超期", "/supervision/warnings?level=red", "red"
        ),
        Figure(
            "黄牌预警",
            number(cases.warnings.get("yellow", 0)),
            "张",
            "临近期限",
            "/supervision/warnings?level=yellow",
            "yellow",
        ),
        Figure(
            "按期办结率",
            on_time,
            on_time_unit,
            f"期内办结 {cases.concluded} 件，按期 {cases.on_time} 件" if cases.concluded else "本期暂无办结办件",
        ),
        Figure(
            "好评率",
            good,
            good_unit,
            f"实际评价率 {number(rating_rate)}%" if rating_rate is not None else "本期暂无评价",
        ),
        Figure(
            "差评整改积压",
            number(sum(cases.backlog.values())),
            "件",
            f"其中超期 {cases.backlog_overdue} 件",
            "/rectifications",
        ),
    ]
