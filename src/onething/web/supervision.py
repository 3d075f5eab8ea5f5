"""Supervision pages: the dashboard of a region with server-drawn SVG charts, the 红黄牌 list, the
好差评 statistics with their definitions, and their CSV/XLSX exports for a browser session."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from onething.identity.deps import PrincipalDep, current_principal
from onething.kit import charts
from onething.kit.errors import ValidationFailed
from onething.kit.export import content_disposition, to_csv, to_xlsx
from onething.kit.web import SessionDep
from onething.supervision import stats, views
from onething.supervision.api import XLSX
from onething.supervision.dashboard import CaseStats
from onething.web.render import login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
Day = Annotated[str | None, Query()]


def _day(text: str | None) -> dt.date | None:
    """An empty date field means "not given"; a bad one is the user's mistake (422)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"日期格式应为 YYYY-MM-DD：{text}", field="from", code="bad_date") from None


NO_DATA = "本期暂无数据"


def _said(values: list[float | None], rows_zero: str) -> str:
    """What a chart says when it has nothing to draw: no rows in the period, or rows whose every
    value is zero (``rows_zero``, worded for the figure at hand)."""
    return rows_zero if values else NO_DATA


def _charts(cases: CaseStats, by_region: stats.StatTable, by_week: stats.StatTable) -> dict[str, Markup]:
    """Every chart is our own SVG text with escaped labels: safe to place in the page as is. A chart
    with nothing to draw says so in words (never a row of flat bars)."""
    things = cases.things[:8]
    thing_days: list[float | None] = [t["average_days"] for t in things]
    org_days: list[float | None] = [o["average_days"] for o in cases.slowest_orgs]
    region_rates: list[float | None] = [r["rating_rate"] for r in by_region.rows]  # None: nothing to rate
    drawn = {
        "things": charts.bar_chart(
            "各一件事平均办理用时（工作日）",
            [t["name"] for t in things],
            thing_days,
            unit="天",
            reference=max((t["promised_days"] for t in things), default=None),
            reference_label="承诺时限",
            empty=_said(thing_days, "期内办结的办件均在受理当日办结（即办），见下表"),
        ),
        "orgs": charts.hbar_chart(
            "办理最慢的部门（平均工作日）",
            [o["org"] for o in cases.slowest_orgs],
            org_days,
            unit="天",
            empty=_said(org_days, "期内各部门均在收到子件当日办结（即办），见下表"),
        ),
        "weeks": charts.line_chart(
            "每周按期办结率",
            [w["week"] for w in cases.weeks],
            {"按期办结率": [w["on_time_rate"] for w in cases.weeks]},
            unit="%",
            y_min=0,
            y_max=100,
            empty=NO_DATA,
        ),
        "good": charts.line_chart(
            "每周好评率与实际评价率",
            [r["name"][5:] for r in by_week.rows],  # the Monday of each week, as MM-DD
            {
                "好评率": [r["good_rate"] for r in by_week.rows],
                "实际评价率": [r["rating_rate"] for r in by_week.rows],
            },
            unit="%",
            y_min=0,
            y_max=100,
            empty=NO_DATA,
        ),
        "regions": charts.bar_chart(
            "各地区实际评价率",
            [r["name"] for r in by_region.rows],
            region_rates,
            unit="%",
            empty=_said([r for r in region_rates if r is not None], "期内的服务均未获评价（实际评价率 0%）"),
        ),
        "open": charts.bar_chart(
            "在办办件（按状态）",
            list(cases.open_cases),
            [float(v) for v in cases.open_cases.values()],
            unit="件",
            empty="目前没有在办办件",
        ),
    }
    return {k: Markup(v) for k, v in drawn.items()}


@router.get("/supervision", response_class=HTMLResponse)
def dashboard(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    region: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Day = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    cases, by_region, by_week = views.dashboard(session, principal, region or None, _day(from_), _day(to))
    return render(
        request,
        "supervision/dashboard.html",
        cases=cases,
        by_region=by_region,
        by_week=by_week,
        charts=_charts(cases, by_region, by_week),
        figures=views.figures(cases, by_region),
        regions=views.region_choices(session, principal),
        measures={m.key: m for m in by_region.measures},
    )


@router.get("/supervision/warnings", response_class=HTMLResponse)
def warnings(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    level: Literal["yellow", "red", ""] = "",
    resolved: bool = False,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    page = views.warnings(session, principal, level=level or None, include_resolved=resolved, limit=200)
    return render(request, "supervision/warnings.html", items=page.items, level=level, resolved=resolved)


@router.get("/supervision/stats", response_class=HTMLResponse)
def statistics(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    region: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Day = None,
    by: str = "region",
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    table = views.evaluation_table(session, principal, region or None, _day(from_), _day(to), by)
    query = f"region={table.region}&from={table.start}&to={table.end}&by={table.by}"
    return render(
        request,
        "supervision/stats.html",
        table=table,
        by_names=stats.BY_NAMES,
        query=query,
        regions=views.region_choices(session, principal),
    )


@router.get("/supervision/stats/export")
def export(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    format: Literal["csv", "xlsx"],
    region: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Day = None,
    by: str = "region",
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    table = views.as_export(views.evaluation_table(session, principal, region or None, _day(from_), _day(to), by))
    data: Any
    data, media = (to_csv(table), "text/csv; charset=utf-8") if format == "csv" else (to_xlsx(table), XLSX)
    headers = {"Content-Disposition": content_disposition(f"{table.title}.{format}")}
    return Response(data, media_type=media, headers=headers)
