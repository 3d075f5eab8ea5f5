"""Pages for signing in (the form; its POST is web.login) and out, one's own account, user
administration and the audit log.

Every POST checks the CSRF token first; a refusal renders the page again with the message next to
the form."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onething.identity import audit, auth, service
from onething.identity.deps import (
    PrincipalDep,
    clear_session_cookie,
    client_ip,
    current_principal,
    require_csrf,
    set_session_cookie,
)
from onething.identity.principal import Principal
from onething.kit import signing
from onething.kit.errors import Forbidden, NotFound, ValidationFailed
from onething.kit.settings import get_settings
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.sharing import service as sharing
from onething.web.render import login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect ("" when there is none: see ``landing``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def landing(principal: Principal | None) -> str:
    """Where a person lands after signing in without a page to go back to: their work."""
    if principal is None:
        return "/me"
    for roles, page in (
        (("window_clerk",), "/workbench"),
        (("approver", "dept_head"), "/inbox"),
        (("supervisor",), "/supervision"),
        (("catalog_admin", "system_admin"), "/admin/catalog"),
    ):
        if principal.has(*roles):
            return page
    return "/cases" if principal.kind == "citizen" else "/me"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None, login="", oidc=request.app.state.oidc)


@router.get("/display")
def display(request: Request, mode: str = "standard", next: str | None = None) -> Response:
    """长辈版 on or off, remembered for a year on this browser; back to the page it was asked from."""
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if mode == "elder":
        response.set_cookie("display", "elder", max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    else:
        response.delete_cookie("display")
    return response


OIDC_STATE = "onething_oidc_state"


@router.get("/login/oidc")
def oidc_start(request: Request) -> Response:
    """Off to the province's unified identity service; back at /login/oidc/callback."""
    provider = request.app.state.oidc
    if provider is None:
        raise NotFound("未配置统一身份认证")
    state = secrets.token_urlsafe(24)
    url = provider.login_url(state, str(request.url_for("oidc_callback")))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_STATE,
        signing.sign(state, "oidc-state"),
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
    )
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request, session: SessionDep, code: str = "", state: str = "") -> Response:
    provider = request.app.state.oidc
    if provider is None:
        raise NotFound("未配置统一身份认证")
    expected = signing.unsign(request.cookies.get(OIDC_STATE), "oidc-state")
    if not state or expected is None or not secrets.compare_digest(state, expected):
        raise Forbidden("登录请求已过期或来源不明，请重新登录", code="oidc_state")
    params = {"code": code, "redirect_uri": str(request.url_for("oidc_callback"))}
    user = provider.identify(session, params, client_ip(request))
    _end_previous(request, session)
    issued = auth.open_session(session, user, auth.WEB, client_ip(request))
    response = RedirectResponse(landing(auth.principal_for(session, user.id, client_ip(request))), status_code=303)
    set_session_cookie(response, issued.token)
    response.delete_cookie(OIDC_STATE)
    return response


def _end_previous(request: Request, session: SessionDep) -> None:
    """Logging in again in the same browser ends the session it had."""
    previous = getattr(request.state, "principal", None)
    if previous is not None and previous.session_id is not None:
        auth.revoke(session, previous, previous.session_id)


@router.post("/logout")
def logout(request: Request, session: SessionDep, csrf_token: CsrfField = None) -> Response:
    require_csrf(request, csrf_token)
    _end_previous(request, session)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return render(request, "me.html", me=service.me(session, principal), person=None)


@router.post("/me/person", response_class=HTMLResponse)
def reveal_person(
    request: Request, principal: PrincipalDep, session: SessionDep, csrf_token: CsrfField = None
) -> Response:
    """The full record of oneself, on request, with an audit row."""
    if not principal.authenticated:
        return login_redirect(request)
    require_csrf(request, csrf_token)
    return render(request, "me.html", me=service.me(session, principal), person=sharing.my_person(session, principal))


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    q: str | None = None,
    after: Id | None = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    found = service.list_users(session, principal, q or None, None, after, 50)
    return render(request, "users.html", page=found, q=q or "")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    action: str | None = None,
    case_number: str | None = None,
    since: str | None = None,
    until: str | None = None,
    after: Id | None = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    found = audit.search(
        session,
        principal,
        action=action or None,
        case_number=case_number or None,
        since=_date(since, "since"),
        until=_date(until, "until"),
        after=after,
    )
    filters = {"action": action or "", "case_number": case_number or "", "since": since or "", "until": until or ""}
    return render(request, "audit.html", page=found, filters=filters)


def _date(text: str | None, field: str) -> dt.date | None:
    """Empty date inputs arrive as empty strings: no filter."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", field=field) from None


@router.get("/orgs", response_class=HTMLResponse)
def orgs_page(request: Request, session: SessionDep, region: str | None = None, q: str | None = None) -> Response:
    found = service.list_orgs(session, region or None, None, q or None, None, 200)
    return render(request, "orgs.html", page=found, region=region or "", q=q or "")
