"""Health and small reference endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from onething.catalog import holidays
from onething.catalog import service as catalog_service
from onething.kit.web import SessionDep

router = APIRouter()


@router.get("/healthz", tags=["system"], summary="健康检查")
def healthz(session: SessionDep) -> dict[str, Any]:
    return {"status": "ok", "catalog_version": catalog_service.current_number(session)}


@router.get("/api/v1/calendar/add-days", tags=["calendar"], summary="工作日推算")
def add_days(
    session: SessionDep,
    date: Annotated[dt.date, Query(description="起算日期")],
    days: Annotated[int, Query(ge=0, le=3650, description="工作日数")],
) -> dict[str, Any]:
    cal = holidays.calendar(session)
    result = cal.add_working_days(date, days)
    return {"date": date, "days": days, "result": result, "estimated_years": sorted(cal.estimated_years)}
