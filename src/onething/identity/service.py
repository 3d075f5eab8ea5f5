"""Regions, orgs and users: reads anyone may make, administration within a region, the caller's own
profile. Each operation takes a session and a Principal and never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.identity.audit import record
from onething.identity.orgs import org_credit_code
from onething.identity.passwords import hash_password
from onething.identity.principal import ROLE_NAMES, ROLES, Principal, region_prefix
from onething.identity.schemas import (
    HallOut,
    MeOut,
    OrgCreate,
    OrgDetail,
    OrgOut,
    RegionOut,
    RoleIn,
    RoleOut,
    UserCreate,
    UserOut,
    UserPatch,
    WindowOut,
)
from onething.kit import validators
from onething.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onething.kit.masking import mask_id_number, mask_phone
from onething.kit.pagination import Page, page
from onething.models import Org, RoleGrant, User
from onething.models.identity import WINDOW_KINDS

ADMIN = "system_admin"

# --- regions and orgs: the public directory ---------------------------------------------------


def list_regions(session: Session, parent: str | None = None, level: str | None = None) -> list[RegionOut]:
    return [RegionOut.model_validate(r) for r in repo.regions(session, parent, level)]


def get_region(session: Session, code: str) -> RegionOut:
    region = repo.region(session, code)
    if region is None:
        raise NotFound("找不到该行政区划", field="code")
    return RegionOut.model_validate(region)


def list_orgs(
    session: Session,
    region: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[OrgOut]:
    prefix = None
    if region:
        found = repo.region(session, region)
        if found is None:
            raise ValidationFailed("没有这个行政区划", field="region")
        prefix = region_prefix(found.code, found.level)
    rows, nxt = page(session, repo.orgs_stmt(prefix, kind, q), Org.id, after, limit)
    return Page([OrgOut.model_validate(o) for o in rows], nxt)


def get_org(session: Session, org_id: int) -> OrgDetail:
    org = repo.org(session, org_id, with_windows=True)
    if org is None or not org.active:
        raise NotFound("找不到该机构", field="id")
    halls = [
        HallOut(
            id=h.id,
            name=h.name,
            address=h.address,
            hours=h.hours,
            windows=[
                WindowOut(id=w.id, number=w.number, kind=w.kind, kind_name=WINDOW_KINDS[w.kind], domain=w.domain)
                for w in h.windows
                if w.active
            ],
        )
        for h in org.halls
    ]
    return OrgDetail(**OrgOut.model_validate(org).model_dump(), halls=halls)


def create_org(session: Session, principal: Principal, data: OrgCreate) -> OrgOut:
    principal.require(ADMIN)
    region = repo.region(session, data.region_code)
    if region is None:
        raise ValidationFailed("没有这个行政区划", field="region_code")
    if not principal.reaches(region.code, ADMIN):
        raise Forbidden("只能在本辖区内设立机构", field="region_code")
    if data.kind not in repo.org_kinds(session):
        raise ValidationFailed("目录中没有这个机构类别", field="kind")
    code = f"{region.code}-{data.kind}"
    if repo.org_by_code(session, code) is not None:
        raise Conflict("该区划已有同类机构", field="kind")
    org = Org(
        code=code,
        credit_code=org_credit_code(region.code, data.kind),
        name=data.name,
        kind=data.kind,
        region_code=region.code,
        level=region.level,
        phone=data.phone,
        address=data.address,
    )
    repo.add(session, org)
    session.flush()
    record(session, principal, "org.create", "org", org.id, region_code=region.code)
    return OrgOut.model_validate(org)


# --- users ------------------------------------------------------------------------------------


def _user_out(user: User, grants: list[RoleGrant], names: dict[int, str]) -> UserOut:
    return UserOut(
        id=user.id,
        kind=user.kind,
        username=user.username,
        name=user.name,
        id_number=mask_id_number(user.id_number) if user.id_number else None,
        phone=mask_phone(user.phone) if user.phone else None,
        org_id=user.org_id,
        active=user.active,
        roles=[
            RoleOut(id=g.id, role=g.role, role_name=ROLE_NAMES[g.role], org_id=g.org_id, org_name=names[g.org_id])
            for g in grants
        ],
    )


def _users_out(session: Session, users: Sequence[User]) -> list[UserOut]:
    """Users with their roles and org names in two queries, however many users."""
    grants = repo.grants_by_user(session, [u.id for u in users])
    names = repo.org_names(session, [g.org_id for gs in grants.values() for g in gs])
    return [_user_out(u, grants.get(u.id, []), names) for u in users]


def _readable_user(session: Session, principal: Principal, user_id: int) -> User:
    principal.require_login()
    user = session.scalar(repo.readable_users(principal).where(User.id == user_id))
    if user is None:
        raise NotFound("找不到该用户", field="id")  # outside your scope looks the same as absent
    return user


def _administrable_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user this admin may change: in its region, not itself, and holding no role the admin's
    region does not cover (a county admin cannot touch a city supervisor who lives in the county)."""
    principal.require(ADMIN)
    user = session.scalar(repo.administrable_users(principal).where(User.id == user_id))
    if user is None:
        if user_id == principal.user_id:
            raise Forbidden("不能修改自己的账号与角色，请由其他管理员办理", field="id")
        raise NotFound("找不到该用户", field="id")
    if not all(principal.reaches(region, ADMIN) for region in repo.grant_regions(session, user.id)):
        raise Forbidden("该人员在本辖区以外担任角色，须由上级管理员办理", field="id")
    return user


def list_users(
    session: Session,
    principal: Principal,
    q: str | None = None,
    org_id: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[UserOut]:
    principal.require(ADMIN, "dept_head")
    stmt = repo.readable_users(principal)
    if q:
        stmt = stmt.where(or_(User.name.contains(q, autoescape=True), User.username.contains(q, autoescape=True)))
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    rows, nxt = page(session, stmt, User.id, after, limit)
    return Page(_users_out(session, rows), nxt)


def get_user(session: Session, principal: Principal, user_id: int) -> UserOut:
    return _users_out(session, [_readable_user(session, principal, user_id)])[0]


def _admin_org(session: Session, principal: Principal, org_id: int, field: str) -> Org:
    principal.require(ADMIN)
    org = repo.org(session, org_id)
    if org is None or not org.active:
        raise ValidationFailed("没有这个机构", field=field)
    if not principal.reaches(org.region_code, ADMIN):
        raise Forbidden("只能管理本辖区内机构的人员", field=field)
    return org


def create_user(session: Session, principal: Principal, data: UserCreate) -> UserOut:
    org = _admin_org(session, principal, data.org_id, "org_id")
    for role in data.roles:
        check_role(role)
    phone = validators.checked(validators.mobile, data.phone, "phone") if data.phone else None
    if repo.user_by_login(session, data.username) is not None:
        raise Conflict("用户名已被占用", field="username")
    user = User(
        kind="staff",
        username=data.username,
        name=data.name,
        phone=phone,
        password_hash=hash_password(data.password),
        org_id=org.id,
    )
    repo.add(session, user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("用户名已被占用", field="username") from None
    for role in dict.fromkeys(data.roles):
        repo.add(session, RoleGrant(user_id=user.id, role=role, org_id=org.id, granted_by=principal.user_id))
    session.flush()
    record(
        session, principal, "user.create", "user", user.id, region_code=org.region_code, detail={"roles": data.roles}
    )
    return get_user(session, principal, user.id)


def _user_region(session: Session, user: User) -> str | None:
    org = repo.org(session, user.org_id) if user.org_id is not None else None
    return org.region_code if org else None


def update_user(session: Session, principal: Principal, user_id: int, data: UserPatch) -> UserOut:
    user = _administrable_user(session, principal, user_id)
    changes = data.model_dump(exclude_none=True)
    for key, value in changes.items():
        setattr(user, key, value)
    region = _user_region(session, user)
    record(session, principal, "user.update", "user", user.id, region_code=region, detail={"fields": sorted(changes)})
    return get_user(session, principal, user.id)


def grant_role(session: Session, principal: Principal, user_id: int, data: RoleIn) -> UserOut:
    principal.require(ADMIN)
    check_role(data.role)
    org = _admin_org(session, principal, data.org_id, "org_id")
    user = _administrable_user(session, principal, user_id)
    if user.kind != "staff":
        raise ValidationFailed("只能给工作人员授予角色", field="role")
    if repo.role_exists(session, user.id, data.role, org.id):
        raise Conflict("该用户已在此机构担任该角色", field="role")
    repo.add(session, RoleGrant(user_id=user.id, role=data.role, org_id=org.id, granted_by=principal.user_id))
    session.flush()
    record(session, principal, "role.grant", "user", user.id, region_code=org.region_code, detail={"role": data.role})
    return get_user(session, principal, user.id)


def revoke_role(session: Session, principal: Principal, user_id: int, grant_id: int) -> UserOut:
    user = _administrable_user(session, principal, user_id)
    grant = repo.role_grant(session, grant_id)
    if grant is None or grant.user_id != user.id:
        raise NotFound("找不到该角色授权", field="grant_id")
    org = _admin_org(session, principal, grant.org_id, "grant_id")
    repo.remove(session, grant)
    session.flush()
    record(session, principal, "role.revoke", "user", user.id, region_code=org.region_code, detail={"role": grant.role})
    return get_user(session, principal, user.id)


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"没有这个角色，可选：{'、'.join(ROLES)}", field="role")


# --- the caller -------------------------------------------------------------------------------


def me(session: Session, principal: Principal) -> MeOut:
    principal.require_login()
    assert principal.user_id is not None
    out = get_user(session, principal, principal.user_id)
    scopes: dict[str, list[str]] = {}
    for role in sorted(principal.roles):
        scopes[role] = list(principal.scopes(role))
    return MeOut(**out.model_dump(), enterprises=sorted(principal.enterprises), scopes=scopes)
