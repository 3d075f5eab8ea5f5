"""Signing in with a password on the page (POST /login).

Its own router because it must not hold a database session while the password is checked: the other
account pages resolve the visitor first (a transaction that lasts the whole request), this one checks
the password outside any transaction (``identity.login``) and then opens the session in a short one.
A failed attempt re-renders the form with what was typed in the login field (only to that person,
never cached), so a wrong password costs one retype of the password, not of an 18-digit ID number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from onething.identity import auth, login
from onething.identity.deps import client_ip, require_csrf, session_token, set_session_cookie
from onething.kit.db import unit_of_work
from onething.kit.errors import AppError
from onething.kit.settings import get_settings
from onething.web.account import landing, safe_next
from onething.web.render import render

router = APIRouter(include_in_schema=False)


@router.post("/login", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    login_field: Annotated[str, Form(alias="login", max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str | None, Form(max_length=500)] = None,
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    target = safe_next(next)
    ip = client_ip(request)
    sessions = request.app.state.sessions
    try:
        require_csrf(request, csrf_token)
        verified = await login.check_password(
            sessions, login_field, password, ip, request.cookies.get(login.DEVICE_COOKIE)
        )
    except AppError as exc:
        return await run_in_threadpool(_refused, request, exc, target, login_field.strip())
    token, work = await run_in_threadpool(_open, request, verified.user_id, ip)
    response = RedirectResponse(target or work, status_code=303)
    set_session_cookie(response, token)
    # Only /login ever reads it: this browser has signed in to this account before (see identity.login).
    response.set_cookie(
        login.DEVICE_COOKIE,
        verified.device,
        max_age=login.DEVICE_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
        path="/login",
    )
    return response


def _open(request: Request, user_id: int, ip: str) -> tuple[str, str]:
    with unit_of_work(request.app.state.sessions) as session:
        # Logging in again in the same browser ends the session it had.
        previous = session_token(request)
        if previous is not None:
            auth.end(session, previous)
        issued = auth.open_session_for(session, user_id, auth.WEB, ip)
        return issued.token, landing(auth.principal_for(session, user_id, ip))


def _refused(request: Request, exc: AppError, target: str, typed: str) -> Response:
    oidc = request.app.state.oidc
    page = render(request, "login.html", exc.status, next=target, error=exc, login=typed, oidc=oidc)
    page.headers["Cache-Control"] = "private, no-store"
    page.headers.update(exc.headers)
    return page
