"""Supervision routes: warnings, 好差评 statistics (JSON, CSV, XLSX) and case statistics."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from onething.identity.deps import PrincipalDep
from onething.kit.export import content_disposition, to_csv, to_xlsx
from onething.kit.pagination import PageOut
from onething.kit.validators import Id, Limit
from onething.kit.web import SessionDep
from onething.supervision import views

router = APIRouter(prefix="/api/v1", tags=["电子监察"])
Day = Annotated[dt.date | None, Query()]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/supervision/warnings", response_model=PageOut[dict[str, Any]])
def warnings(
    principal: PrincipalDep,
    session: SessionDep,
    level: Literal["yellow", "red"] | None = None,
    resolved: bool = False,
    org: Id | None = None,
    after: Id | None = None,
    limit: Limit = 50,
) -> Any:
    """红黄牌预警：监察人员看本地区，部门和窗口人员看本机构。"""
    page = views.warnings(
        session, principal, level=level, include_resolved=resolved, org_id=org, after=after, limit=limit
    )
    return PageOut.of(page)


# What the export formats answer, for OpenAPI (json is the default body).
EXPORTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "统计表：默认 JSON；format=csv 或 xlsx 时为下载文件",
        "content": {"application/json": {}, "text/csv": {}, XLSX: {}},
    }
}


@router.get("/stats/evaluations", responses=EXPORTS)
def evaluation_stats(
    principal: PrincipalDep,
    session: SessionDep,
    region: str | None = None,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: Day = None,
    by: str = "region",
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Any:
    """好差评“五率”等指标：按下级区划、承办机构、一件事、事项、窗口、窗口人员、办理渠道、评价渠道或周/月/日统计，
    附口径说明。format=csv/xlsx 导出。"""
    table = views.evaluation_table(session, principal, region, from_, to, by)
    if format == "json":
        body = dataclasses.asdict(table)
        body["measures"] = [dataclasses.asdict(m) for m in table.measures]
        return body
    export = views.as_export(table)
    data, media = (to_csv(export), "text/csv; charset=utf-8") if format == "csv" else (to_xlsx(export), XLSX)
    name = f"{export.title}.{format}"
    return Response(data, media_type=media, headers={"Content-Disposition": content_disposition(name)})


@router.get("/stats/cases")
def case_stats(
    principal: PrincipalDep,
    session: SessionDep,
    region: str | None = None,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: Day = None,
) -> Any:
    """办件监察：在办办件与子件、预警、按期办结率、各一件事平均用时与承诺时限、最慢机构、差评整改积压、周趋势。"""
    return dataclasses.asdict(views.case_summary(session, principal, region, from_, to))
