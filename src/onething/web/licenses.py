"""License pages: the wallet (cards by holder), one license with its QR code, the PDF and the signed file,
the issuing org's status change, and the public check (no login): ``/verify`` takes a typed identifier
or an uploaded signed file, ``/verify/t/{token}`` is where the QR code points (``/verify/{identifier}``
shows only existence and status). No JavaScript."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit.errors import AppError
from onething.kit.web import SessionDep
from onething.licenses import document, public, render, throttle, tokens, views
from onething.licenses import service as licenses
from onething.licenses import wallet as wallets
from onething.licenses.api import download
from onething.licenses.schemas import VerifyOut
from onething.models import License
from onething.web.render import login_redirect
from onething.web.render import render as page

# The holder's and the issuer's pages learn who is looking first; the public check does not (see below).
_holders = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
_public = APIRouter(include_in_schema=False)


@_holders.get("/wallet", response_class=HTMLResponse)
def wallet(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return page(request, "licenses/wallet.html", groups=wallets.groups(session, principal))


@_holders.get("/licenses/{identifier}", response_class=HTMLResponse)
def license_page(identifier: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _license(request, principal, session, identifier)


def _license(
    request: Request, principal: Principal, session: Session, identifier: str, error: AppError | None = None
) -> Response:
    row = licenses.get(session, principal, identifier)
    return show(request, session, row, issuer=licenses.is_issuer(principal, row), error=error)


def show(
    request: Request, session: Session, row: License, *, issuer: bool = False, error: AppError | None = None
) -> Response:
    """One license as it prints, with its QR code; the status form when the viewer is its issuer."""
    item = views.detail_of(session, row)
    return page(
        request,
        "licenses/license.html",
        error.status if error else 200,
        item=item,
        qr=Markup(render.qr_svg(item.verify_url)),  # segno's own SVG: no user text in it
        verify_path=tokens.path(row.verify_token),
        issuer=issuer,
        changes=document.CHANGE_NAMES,
        error=error,
    )


@_holders.get("/licenses/{identifier}/{kind}")
def license_download(
    identifier: str, kind: Literal["pdf", "json"], request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """The PDF or the signed file, for a browser (the API's routes want a CSRF header with a cookie)."""
    if not principal.authenticated:
        return login_redirect(request)
    return download(licenses.get(session, principal, identifier), kind)


@_holders.post("/licenses/{identifier}/status")
def change_status(
    identifier: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    try:
        require_csrf(request, csrf_token)
        licenses.change_status(session, principal, identifier, action, reason)
    except AppError as exc:
        session.rollback()
        return _license(request, principal, session, identifier, exc)
    return RedirectResponse(f"/licenses/{identifier}", status_code=303)


# --- the public check ---------------------------------------------------------------------------------
# No router-wide principal here: a check is counted against its client's rate limit before anything else
# (who is looking may need the database), and a refused one is answered without knowing who asks.

# The token's page is reached by a URL that is itself the credential: never sent on as a Referer, never cached.
_TOKEN_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "private, no-store"}


def _verify_page(
    request: Request,
    status: int = 200,
    *,
    result: VerifyOut | None = None,
    way: str | None = None,
    typed: str = "",
    error: AppError | None = None,
) -> Response:
    return page(request, "licenses/verify.html", status, result=result, way=way, typed=typed, error=error)


def _throttled(request: Request) -> Response | None:
    """The refusal page when this client has checked too often (anonymous header: nothing is read)."""
    wait = throttle.wait_of(request)
    if not wait:
        return None
    error = throttle.refusal(wait)
    refused = _verify_page(request, 429, error=error)
    refused.headers.update(error.headers)
    return refused


@_public.get("/verify", response_class=HTMLResponse, dependencies=[Depends(current_principal)])
def verify_form(request: Request, identifier: str | None = None) -> Response:
    """The three ways in. A typed identifier goes to its result page (nothing is looked up here)."""
    if identifier is None:
        return _verify_page(request)
    typed = identifier[: public.MAX_IDENTIFIER * 2]  # echoed back into the field, never unbounded
    try:
        tidy = public.well_formed(identifier)
    except AppError as exc:
        return _verify_page(request, exc.status, typed=typed, error=exc)
    return RedirectResponse(f"/verify/{tidy}", status_code=303)


@_public.post("/verify", response_class=HTMLResponse)
async def verify_upload(
    request: Request,
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A signed file checked against its seal and our record; nothing is stored. The file is the
    credential: it shows what the QR code's page shows."""
    if (refused := _throttled(request)) is not None:
        return refused
    await run_in_threadpool(current_principal, request, session)
    try:
        require_csrf(request, csrf_token)
        raw = await file.read(public.MAX_DOCUMENT + 1) if file is not None else b""
        doc = public.read_document(raw)
    except AppError as exc:
        return _verify_page(request, exc.status, error=exc)
    result = await run_in_threadpool(public.check_document, session, doc)
    return _verify_page(request, result=result, way="file")


@_public.get("/verify/t/{token}", response_class=HTMLResponse)
def verify_token_page(token: str, request: Request, session: SessionDep) -> Response:
    """Where the QR code points: whether the license is authentic and valid, and what the disclosure
    rules let anyone holding it see (a person's masked name, the dates)."""
    if (refused := _throttled(request)) is not None:
        return refused
    current_principal(request, session)
    result, row = public.check_token(session, token)
    answer = _verify_page(request, 200 if row is not None else 404, result=result, way="token")
    answer.headers.update(_TOKEN_HEADERS)
    return answer


@_public.get("/verify/{identifier}", response_class=HTMLResponse)
def verify_page(identifier: str, request: Request, session: SessionDep) -> Response:
    """A typed identifier: whether such a license exists and its status (an enterprise's public facts
    too); identifiers can be guessed, so a person's document shows nothing of the person."""
    if (refused := _throttled(request)) is not None:
        return refused
    current_principal(request, session)
    try:
        tidy = public.well_formed(identifier)
    except AppError as exc:
        return _verify_page(request, exc.status, typed=identifier[: public.MAX_IDENTIFIER * 2], error=exc)
    result, row = public.check_identifier(session, tidy)
    return _verify_page(request, 200 if row is not None else 404, result=result, way="identifier", typed=tidy)


router = APIRouter(include_in_schema=False)
router.include_router(_holders)
router.include_router(_public)
