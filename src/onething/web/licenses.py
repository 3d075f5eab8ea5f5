"""License pages: the wallet, one license with its QR code, the PDF, the public verification page (no
login), and the issuing org's status change. No JavaScript."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit.errors import AppError
from onething.kit.web import SessionDep
from onething.licenses import document, render, views
from onething.licenses import service as licenses
from onething.licenses.api import download
from onething.models import License
from onething.web.render import login_redirect
from onething.web.render import render as page

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


@router.get("/wallet", response_class=HTMLResponse)
def wallet(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return page(request, "licenses/wallet.html", items=views.wallet(session, principal))


@router.get("/licenses/{identifier}", response_class=HTMLResponse)
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
    """One license with its QR code; the status form when the viewer is its issuer."""
    item = views.detail_of(session, row)
    return page(
        request,
        "licenses/license.html",
        error.status if error else 200,
        item=item,
        qr=Markup(render.qr_svg(item.verify_url)),  # segno's own SVG: no user text in it
        issuer=issuer,
        changes=document.CHANGE_NAMES,
        error=error,
    )


@router.get("/licenses/{identifier}/{kind}")
def license_download(
    identifier: str, kind: Literal["pdf", "json"], request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """The PDF or the signed file, for a browser (the API's routes want a CSRF header with a cookie)."""
    if not principal.authenticated:
        return login_redirect(request)
    return download(licenses.get(session, principal, identifier), kind)


@router.post("/licenses/{identifier}/status")
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


@router.get("/verify/{identifier}", response_class=HTMLResponse)
def verify_page(identifier: str, request: Request, session: SessionDep) -> Response:
    """Public: anyone who scans the QR code sees whether the license is authentic and valid."""
    out, row = views.public_check(session, identifier)
    fields = views.fields_of(row, full=False) if row is not None else []
    seal = row.seal_key_id if row is not None else None
    return page(request, "licenses/verify.html", 200 if row is not None else 404, result=out, fields=fields, seal=seal)
