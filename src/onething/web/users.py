"""人员与角色: a system administrator (or a department head, for their department) looks at one
person, grants and revokes roles at that person's org, and suspends or restores the account. Thin: the
identity service decides who may do what, as it does for the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from onething.identity import service
from onething.identity.deps import PrincipalDep, current_principal
from onething.identity.principal import ROLE_NAMES, Principal
from onething.identity.schemas import RoleIn, UserPatch
from onething.kit.errors import AppError
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.web.cases import CsrfField
from onething.web.render import form_post, login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _page(
    request: Request, session: Session, principal: Principal, user_id: int, error: AppError | None = None
) -> Response:
    user = service.get_user(session, principal, user_id)
    status = error.status if error else 200
    return render(request, "admin/user.html", status, user=user, roles=ROLE_NAMES, error=error)


def _act(
    request: Request, session: Session, principal: Principal, user_id: int, csrf: str | None, action: Callable[[], Any]
) -> Response:
    def refused(exc: AppError) -> Response:
        return _page(request, session, principal, user_id, exc)

    return form_post(request, session, principal, csrf, action, done=f"/admin/users/{user_id}", refused=refused)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(user_id: Id, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _page(request, session, principal, user_id)


@router.post("/admin/users/{user_id}/roles")
def grant(
    user_id: Id,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    role: str = Form(""),
    org_id: Id = Form(0),
    csrf_token: CsrfField = None,
) -> Response:
    return _act(
        request,
        session,
        principal,
        user_id,
        csrf_token,
        lambda: service.grant_role(session, principal, user_id, RoleIn(role=role, org_id=org_id)),
    )


@router.post("/admin/users/{user_id}/roles/{grant_id}/revoke")
def revoke(
    user_id: Id,
    grant_id: Id,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    csrf_token: CsrfField = None,
) -> Response:
    return _act(
        request,
        session,
        principal,
        user_id,
        csrf_token,
        lambda: service.revoke_role(session, principal, user_id, grant_id),
    )


@router.post("/admin/users/{user_id}/active")
def set_active(
    user_id: Id,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    active: bool = Form(),
    csrf_token: CsrfField = None,
) -> Response:
    return _act(
        request,
        session,
        principal,
        user_id,
        csrf_token,
        lambda: service.update_user(session, principal, user_id, UserPatch(active=active)),
    )
