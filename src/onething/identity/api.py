"""Identity routes: tokens, the caller, the directory of regions and orgs, users, the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from onething.identity import audit, auth, login, service
from onething.identity.deps import PrincipalDep, client_ip
from onething.identity.schemas import (
    AuditOut,
    MeOut,
    OrgCreate,
    OrgDetail,
    OrgOut,
    RegionOut,
    RoleIn,
    TokenIn,
    TokenInfo,
    TokenOut,
    UserCreate,
    UserOut,
    UserPatch,
)
from onething.kit.db import unit_of_work
from onething.kit.errors import Unauthorized
from onething.kit.pagination import PageOut
from onething.kit.validators import Id
from onething.kit.web import SessionDep

router = APIRouter(prefix="/api/v1")
After = Annotated[Id | None, Query(description="上一页最后一条的 id")]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.post("/auth/token", response_model=TokenOut, status_code=201, tags=["登录"])
async def issue_token(body: TokenIn, request: Request) -> Any:
    """用身份证号（公众）或用户名（工作人员）和密码换取访问令牌。

    连续输错后须等待的时间逐次加倍（不会锁定账号）；带上次登录返回的 device 可免等待。"""
    # No SessionDep: the password is checked outside any transaction (see identity.login).
    sessions = request.app.state.sessions
    ip = client_ip(request)
    verified = await login.check_password(sessions, body.login, body.password, ip, body.device)
    issued = await to_thread.run_sync(_open_token, sessions, verified.user_id, ip, body.hours, body.label)
    return TokenOut(id=issued.session_id, token=issued.token, expires_at=issued.expires_at, device=verified.device)


def _open_token(
    sessions: Callable[[], Session], user_id: int, ip: str, hours: float | None, label: str | None
) -> auth.Issued:
    with unit_of_work(sessions) as session:
        return auth.open_session_for(session, user_id, auth.API, ip, hours=hours, label=label)


@router.delete("/auth/token", status_code=204, tags=["登录"])
def revoke_current_token(principal: PrincipalDep, session: SessionDep) -> Response:
    """撤销本次请求所用的令牌。"""
    principal.require_login()
    if principal.session_id is None:
        raise Unauthorized("没有可撤销的令牌")
    auth.revoke(session, principal, principal.session_id)
    return Response(status_code=204)


@router.get("/auth/tokens", response_model=list[TokenInfo], tags=["登录"])
def my_tokens(principal: PrincipalDep, session: SessionDep) -> Any:
    """本人仍有效的登录会话与令牌。"""
    return auth.tokens(session, principal)


@router.delete("/auth/tokens/{token_id}", status_code=204, tags=["登录"])
def revoke_token(token_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    principal.require_login()
    auth.revoke(session, principal, token_id)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, tags=["用户"])
def me(principal: PrincipalDep, session: SessionDep) -> Any:
    """当前登录人：角色、所属机构、可见范围、可代办的企业。"""
    return service.me(session, principal)


@router.get("/regions", response_model=list[RegionOut], tags=["机构"])
def regions(session: SessionDep, parent: str | None = None, level: str | None = None) -> Any:
    return service.list_regions(session, parent, level)


@router.get("/regions/{code}", response_model=RegionOut, tags=["机构"])
def region(code: str, session: SessionDep) -> Any:
    return service.get_region(session, code)


@router.get("/orgs", response_model=PageOut[OrgOut], tags=["机构"])
def orgs(
    session: SessionDep,
    region: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    """机构名录（公开）：按区划（含下级）、类别、名称筛选。"""
    return PageOut.of(service.list_orgs(session, region, kind, q, after, limit))


@router.get("/orgs/{org_id}", response_model=OrgDetail, tags=["机构"])
def org(org_id: Id, session: SessionDep) -> Any:
    return service.get_org(session, org_id)


@router.post("/orgs", response_model=OrgOut, status_code=201, tags=["机构"])
def create_org(body: OrgCreate, principal: PrincipalDep, session: SessionDep) -> Any:
    """系统管理员在本辖区设立机构。"""
    return service.create_org(session, principal, body)


@router.get("/users", response_model=PageOut[UserOut], tags=["用户"])
def users(
    principal: PrincipalDep,
    session: SessionDep,
    q: str | None = None,
    org_id: Id | None = None,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    """系统管理员：本辖区人员；部门负责人：本部门人员。证件号、手机号脱敏。"""
    return PageOut.of(service.list_users(session, principal, q, org_id, after, limit))


@router.get("/users/{user_id}", response_model=UserOut, tags=["用户"])
def user(user_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.get_user(session, principal, user_id)


@router.post("/users", response_model=UserOut, status_code=201, tags=["用户"])
def create_user(body: UserCreate, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.create_user(session, principal, body)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["用户"])
def update_user(user_id: Id, body: UserPatch, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.update_user(session, principal, user_id, body)


@router.post("/users/{user_id}/roles", response_model=UserOut, status_code=201, tags=["用户"])
def grant_role(user_id: Id, body: RoleIn, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.grant_role(session, principal, user_id, body)


@router.delete("/users/{user_id}/roles/{grant_id}", response_model=UserOut, tags=["用户"])
def revoke_role(user_id: Id, grant_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.revoke_role(session, principal, user_id, grant_id)


@router.get("/audit", response_model=PageOut[AuditOut], tags=["审计"])
def audit_log(
    principal: PrincipalDep,
    session: SessionDep,
    action: str | None = None,
    user_id: Id | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    case_number: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    """审计日志检索（监察人员、系统管理员，限本辖区）。"""
    found = audit.search(
        session,
        principal,
        action=action,
        user_id=user_id,
        object_type=object_type,
        object_id=object_id,
        case_number=case_number,
        since=since,
        until=until,
        after=after,
        limit=limit,
    )
    return PageOut.of(found)
