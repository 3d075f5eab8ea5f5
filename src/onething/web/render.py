"""Rendering pages: one Jinja2 environment, and the context every page gets (who is looking, the
CSRF token for its forms)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onething.identity.deps import csrf_token, require_csrf, set_anon_cookie
from onething.identity.principal import ANONYMOUS, Principal
from onething.kit import clock
from onething.kit.calendar import workdays
from onething.kit.errors import AppError, ValidationFailed

T = TypeVar("T")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["local"] = clock.local  # timestamps are stored in UTC, shown in local time


def checked(action: Callable[[], T]) -> T:
    """Form text that does not fit a request model is the user's mistake (422), not a crash."""
    try:
        return action()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        raise ValidationFailed(f"填写的内容不符合要求（{field or '表单'}）：长度或格式不对", field=field) from None


def form_post(
    request: Request,
    session: Session,
    principal: Principal,
    csrf: str | None,
    action: Callable[[], Any],
    *,
    done: str,
    refused: Callable[[AppError], Response],
) -> Response:
    """A page form's POST: logged in, CSRF checked, the action run (see ``checked``); then a redirect to
    ``done``, or, when refused, the change rolled back and ``refused(error)`` shown."""
    if not principal.authenticated:
        return login_redirect(request)
    try:
        require_csrf(request, csrf)
        checked(action)
    except AppError as exc:
        session.rollback()
        return refused(exc)
    return RedirectResponse(done, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    """Not logged in: to the login page, and back here afterwards."""
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


# What a page says after the action that led to it (``?ok=<code>`` on the redirect): a fixed text per
# code, so nothing from the address is ever shown as typed.
FLASH = {
    "saved": "已保存。",
    "uploaded": "文件已上传。",
    "removed": "文件已删除。",
    "accepted": "已受理，各部门将并联审批。",
    "correction_sent": "一次性补正告知已发出。",
    "refused": "已作出不予受理决定，并告知申请人。",
    "approved": "已作出准予决定。",
    "rejected": "已作出不予许可决定。",
    "returned": "已退回综合窗口补正。",
    "withdrawn": "申请已撤回。",
    "delivered": "结果已交付。",
    "claimed": "已认领，请在时限内办理。",
    "received": "已确认收到办理结果。",
}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", getattr(request.state, "principal", ANONYMOUS))
    context.setdefault("flash", FLASH.get(request.query_params.get("ok", "")) if status_code < 400 else None)
    context.setdefault("csrf", lambda: csrf_token(request))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if context["principal"].authenticated:
        # Signed-in pages show personal data: never kept by a shared counter PC's browser or a proxy.
        response.headers["Cache-Control"] = "private, no-store"
    set_anon_cookie(request, response)
    return response


# -- times in plain words (Jinja filters ``workdays`` and ``workday_span``) ----------------------------


def workday_span(start_day: int, finish_day: int) -> str:
    """When an item is worked on, counted from acceptance: "第 1 个工作日", "第 2–4 个工作日", "受理当天"."""
    if finish_day > start_day:
        first = start_day + 1
        return f"第 {first} 个工作日" if first == finish_day else f"第 {first}–{finish_day} 个工作日"
    return "受理当天" if start_day == 0 else f"第 {start_day} 个工作日当天"


templates.env.filters["workdays"] = workdays  # kit.calendar: the PDFs and the guide say it the same way
templates.env.filters["workday_span"] = workday_span
