"""FastAPI dependencies: who is asking (bearer token or session cookie) and CSRF protection.

A bearer token is sent deliberately by a program, so it needs no CSRF token; a cookie is sent by the
browser on its own, so every page POST and every API request made with one must prove it came from
our page.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from onething.identity import auth
from onething.identity.principal import ANONYMOUS, Principal
from onething.kit import signing
from onething.kit.errors import Forbidden, Unauthorized
from onething.kit.settings import get_settings
from onething.kit.web import SessionDep

SESSION_COOKIE = "onething_session"
ANON_COOKIE = "onething_anon"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def session_token(request: Request) -> str | None:
    return signing.unsign(request.cookies.get(SESSION_COOKIE), "session")


def current_principal(request: Request, session: SessionDep) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = _from_bearer(request, session) or _from_cookie(request, session) or ANONYMOUS
    request.state.principal = principal
    return principal


def _from_bearer(request: Request, session: SessionDep) -> Principal | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization 头应为 Bearer <令牌>", code="invalid_token")
    principal = auth.resolve(session, token.strip(), auth.API, client_ip(request))
    if principal is None:
        raise Unauthorized("令牌无效、已过期或已撤销，请重新获取", code="invalid_token")
    return principal


def _from_cookie(request: Request, session: SessionDep) -> Principal | None:
    token = session_token(request)
    if token is None:
        return None
    principal = auth.resolve(session, token, auth.WEB, client_ip(request))
    if principal is not None and request.url.path.startswith("/api/"):
        # Even GETs: some reads write an audit row in the reader's name, and a link on another
        # site must not be able to make one. Programs use bearer tokens; our pages send the header.
        require_csrf(request, request.headers.get(CSRF_HEADER))
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


# --- CSRF -------------------------------------------------------------------------------------


def _binding(request: Request) -> str | None:
    """What a CSRF token is tied to: the session, or before login the anonymous browser nonce."""
    return session_token(request) or getattr(request.state, "anon_nonce", None) or request.cookies.get(ANON_COOKIE)


def csrf_token(request: Request) -> str:
    binding = _binding(request)
    if binding is None:
        binding = secrets.token_urlsafe(16)
        request.state.anon_nonce = binding  # set_anon_cookie() hands it to the browser
    return signing.digest(binding, "csrf")[:32]


def set_anon_cookie(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "anon_nonce", None)
    if nonce and not request.cookies.get(ANON_COOKIE):
        response.set_cookie(ANON_COOKIE, nonce, httponly=True, samesite="lax", secure=get_settings().cookie_secure)


def require_csrf(request: Request, supplied: str | None) -> None:
    binding = _binding(request)
    expected = signing.digest(binding, "csrf")[:32] if binding else None
    if not supplied or expected is None or not hmac.compare_digest(supplied, expected):
        raise Forbidden("页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试", code="csrf_failed")


def set_session_cookie(response: Response, token: str) -> None:
    s = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        signing.sign(token, "session"),
        max_age=int(s.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=s.cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().cookie_secure)
