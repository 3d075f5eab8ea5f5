"""办件进度查询 without login: the page (``/progress``, a plain POST form, no JavaScript needed) and the
API (``POST /api/v1/progress``). POST, so neither the number nor the ID tail lands in access logs.

A failed check is recorded for throttling, so the routes return refusals rather than raise them: the
request's transaction commits either way (as the login routes do)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from onething.cases import progress
from onething.cases.progress import MAX_TYPED, ProgressIn, ProgressOut
from onething.identity.deps import client_ip, current_principal, require_csrf
from onething.kit.errors import AppError
from onething.kit.web import SessionDep, json_error, json_response
from onething.web.render import render

router = APIRouter()
NO_STORE = {"Cache-Control": "private, no-store"}  # an answer about someone's case: never kept by a proxy
PAGE = [Depends(current_principal)]  # the header shows who is looking


def _limits() -> dict[str, int]:
    return {"limit": progress.CLIENT_FAILURES, "minutes": progress.window_minutes()}


@router.post(
    "/api/v1/progress",
    response_model=ProgressOut,
    tags=["办件进度"],
    summary="办件进度查询（无需登录）",
    responses={
        404: {"description": "未查到：办件编号或证件号码后 6 位不符（两者不加区分）"},
        422: {"description": "办件编号不是 20 位数字，或证件号码后 6 位格式不对"},
        429: {"description": "同一客户端（或同一办件编号）查询失败次数过多，请稍后再试"},
    },
)
def progress_api(body: ProgressIn, request: Request, session: SessionDep) -> Response:
    try:
        found = progress.look_up(session, body.number, body.code, client_ip(request))
    except AppError as exc:
        refused = json_error(exc)
        refused.headers.update(NO_STORE)
        return refused
    response = json_response(found.model_dump(mode="json"))
    response.headers.update(NO_STORE)
    return response


@router.get("/progress", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
def progress_page(request: Request) -> HTMLResponse:
    return render(request, "progress.html", result=None, error=None, number="", **_limits())


@router.post("/progress", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
def progress_check(
    request: Request,
    session: SessionDep,
    number: Annotated[str, Form(max_length=MAX_TYPED)] = "",
    code: Annotated[str, Form(max_length=MAX_TYPED)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    context: dict[str, Any]
    try:
        require_csrf(request, csrf_token)
        found = progress.look_up(session, number, code, client_ip(request))
    except AppError as exc:
        # The number stays in its field; the code is never echoed back, like a password.
        context, status = {"result": None, "error": exc, "number": number.strip()}, exc.status
    else:
        context, status = {"result": found, "error": None, "number": found.number}, 200
    page = render(request, "progress.html", status, **context, **_limits())
    page.headers.update(NO_STORE)
    return page
