"""Read side of supervision: warnings in a region, statistics tables as exports, the dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from onething.catalog.holidays import calendar
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.export import Table
from onething.kit.pagination import Page, page
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
    notes.append(f"范围：{t.region_name}（{t.region}），{t.start:%Y-%m-%d} 至 {t.end:%Y-%m-%d}，按办结日统计")
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


def case_summary(
    session: Session, principal: Principal, region: str | None, start: dt.date | None, end: dt.date | None
) -> CaseStats:
    scope = _recent_scope(session, principal, region, start, end)
    return case_stats(session, scope, calendar(session), clock.today())


def dashboard(
    session: Session, principal: Principal, region: str | None, start: dt.date | None, end: dt.date | None
) -> tuple[CaseStats, stats.StatTable, stats.StatTable]:
    scope = _recent_scope(session, principal, region, start, end)
    cases = case_stats(session, scope, calendar(session), clock.today())
    by_region = stats.evaluation_stats(session, scope, "region")
    by_week = stats.evaluation_stats(session, scope, "week")
    return cases, by_region, by_week
