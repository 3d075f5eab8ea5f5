"""Administration pages: the stored catalog versions (browse, compare) and the holiday override table,
with a small JSON API for the table. Thin: parse, call the service, render; a POST that fails renders
the page again with the message next to the field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from onething.catalog import holidays, service
from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit.errors import AppError, ValidationFailed
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.models import HolidayDay
from onething.web.render import login_redirect, render

pages = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
api = APIRouter(prefix="/api/v1/holidays", tags=["calendar"])
router = APIRouter()  # app.py includes this one; it carries both

TAB_ORDER = tuple(service.SECTION_NAMES)  # things, items and materials first: what people look for
KINDS = (("false", "休息日（放假）"), ("true", "工作日（调休上班）"))
WEEKDAYS = "一二三四五六日"


# ---------------------------------------------------------------- catalog versions


@pages.get("/admin/catalog", response_class=HTMLResponse)
def catalog_versions(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return render(request, "admin/catalog.html", versions=service.stored_versions(session, principal))


@pages.get("/admin/catalog/diff", response_class=HTMLResponse)
def catalog_diff(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    before: Annotated[str | None, Query(alias="from")] = None,
    after: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    versions = service.stored_versions(session, principal)
    numbers = [v.number for v in versions]
    # With nothing chosen, the active version against the one before it.
    chosen = {
        "from": before if before is not None else str(numbers[1]) if len(numbers) > 1 else "",
        "to": after if after is not None else str(numbers[0]) if numbers else "",
    }
    diff, error = None, None
    if chosen["from"] and chosen["to"]:
        try:
            diff = service.compare_versions(
                session, principal, _number(chosen["from"], "from"), _number(chosen["to"], "to")
            )
        except ValidationFailed as exc:
            error = exc
    return render(
        request,
        "admin/catalog_diff.html",
        error.status if error else 200,
        versions=versions,
        chosen=chosen,
        diff=diff,
        error=error,
        section_names=service.SECTION_NAMES,
    )


@pages.get("/admin/catalog/{number}", response_class=HTMLResponse)
def catalog_version(
    number: Id, request: Request, principal: PrincipalDep, session: SessionDep, section: str = "things"
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    found = service.version_section(session, principal, number, section)
    return render(
        request, "admin/catalog_version.html", found=found, tabs=TAB_ORDER, section_names=service.SECTION_NAMES
    )


@pages.get("/admin/catalog/{number}/{section}/{code}", response_class=HTMLResponse)
def catalog_entry(
    number: Id, section: str, code: str, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    found = service.stored_entry(session, principal, number, section, code)
    return render(request, "admin/catalog_entry.html", found=found, section_names=service.SECTION_NAMES)


def _number(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed("请选择一个目录版本", field=field) from None


# ---------------------------------------------------------------- holiday overrides: pages


def _holidays_page(
    request: Request,
    session: Session,
    principal: Principal,
    error: AppError | None = None,
    form: dict[str, str] | None = None,
    removing: bool = False,
) -> Response:
    return render(
        request,
        "admin/holidays.html",
        error.status if error else 200,
        years=holidays.overview(session, principal),
        error=error,
        removing=removing,
        form=form or {"date": "", "workday": "false", "name": ""},
        kinds=KINDS,
        weekdays=WEEKDAYS,
        admin_source=holidays.FROM_ADMIN,
        saved=request.query_params.get("saved"),
        removed=request.query_params.get("removed"),
    )


@pages.get("/admin/holidays", response_class=HTMLResponse)
def holidays_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _holidays_page(request, session, principal)


@pages.post("/admin/holidays", response_class=HTMLResponse)
def add_holiday(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    date: Annotated[str, Form()] = "",
    workday: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    form = {"date": date, "workday": workday, "name": name}
    try:
        require_csrf(request, csrf_token)
        day = _day(date)
        holidays.add_override(session, principal, day, _workday(workday), name)
    except AppError as exc:
        session.rollback()
        return _holidays_page(request, session, principal, exc, form)
    _commit(session)
    return RedirectResponse(f"/admin/holidays?saved={day.isoformat()}", status_code=303)


@pages.post("/admin/holidays/{date}/delete", response_class=HTMLResponse)
def remove_holiday(
    date: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    try:
        require_csrf(request, csrf_token)
        day = _day(date)
        holidays.remove_override(session, principal, day)
    except AppError as exc:
        session.rollback()
        return _holidays_page(request, session, principal, exc, removing=True)
    _commit(session)
    return RedirectResponse(f"/admin/holidays?removed={day.isoformat()}", status_code=303)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD，且须是真实存在的日期", field="date") from None


def _workday(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValidationFailed("请选择放假或调休上班", field="workday")
    return text == "true"


def _commit(session: Session) -> None:
    """Commit here rather than after the response, so this process forgets its calendar only once the
    change is visible: deadlines computed from the next request on count the new day."""
    session.commit()
    holidays.forget()


# ---------------------------------------------------------------- holiday overrides: API


class HolidayIn(BaseModel):
    date: dt.date
    workday: bool = Field(description="true：调休上班日；false：放假日")
    name: str | None = Field(default=None, max_length=holidays.NAME_MAX)


class HolidayOut(BaseModel):
    date: dt.date
    workday: bool
    name: str | None
    source: str = Field(description="catalog（目录载入）或 admin（管理员设置）")


class HolidayYearOut(BaseModel):
    year: int
    complete: bool
    source: str | None
    days: list[HolidayOut]


def _out(row: HolidayDay) -> HolidayOut:
    return HolidayOut(date=row.day, workday=row.workday, name=row.name, source=row.source)


@api.get("", response_model=list[HolidayYearOut], summary="节假日覆盖表")
def list_holidays(principal: PrincipalDep, session: SessionDep) -> Any:
    return [
        HolidayYearOut(year=y.year, complete=y.complete, source=y.source, days=[_out(d) for d in y.days])
        for y in holidays.overview(session, principal)
    ]


@api.post("", response_model=HolidayOut, status_code=201, summary="添加放假日或调休上班日")
def create_holiday(body: HolidayIn, principal: PrincipalDep, session: SessionDep) -> Any:
    row = _out(holidays.add_override(session, principal, body.date, body.workday, body.name))
    _commit(session)
    return row


@api.delete("/{date}", status_code=204, summary="删除管理员设置的覆盖日")
def delete_holiday(date: dt.date, principal: PrincipalDep, session: SessionDep) -> Response:
    holidays.remove_override(session, principal, date)
    _commit(session)
    return Response(status_code=204)


router.include_router(pages)
router.include_router(api)
