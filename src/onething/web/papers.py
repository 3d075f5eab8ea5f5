"""The window's printed papers of a case, as PDFs a browser opens in place: the acceptance receipt and
the one-time correction notice. Errors are pages for a browser, JSON otherwise (see ``pages.error_page``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onething.cases import printing
from onething.identity.deps import PrincipalDep, current_principal
from onething.identity.principal import Principal
from onething.kit.web import SessionDep
from onething.licenses.api import PRIVATE  # personal papers: never cached, never sniffed
from onething.web.render import login_redirect

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _pdf(
    request: Request,
    principal: Principal,
    session: Session,
    number: str,
    make: Callable[[Session, Principal, str], bytes],
    name: str,
    ascii_name: str,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    body = make(session, principal, number)
    # The number is the case's own once make() found it; the Chinese name goes in RFC 5987 form.
    disposition = f"inline; filename=\"{ascii_name}-{number}.pdf\"; filename*=UTF-8''{quote(f'{name}-{number}.pdf')}"
    return Response(body, media_type="application/pdf", headers={**PRIVATE, "Content-Disposition": disposition})


@router.get("/cases/{number}/receipt.pdf")
def receipt(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    return _pdf(request, principal, session, number, printing.receipt, "受理回执", "receipt")


@router.get("/cases/{number}/correction-notice.pdf")
def correction_notice(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    return _pdf(
        request, principal, session, number, printing.correction_notice, "一次性补正告知书", "correction-notice"
    )
