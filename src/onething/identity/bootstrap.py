"""Accounts made from the command line, outside any principal: the first administrator of a
deployment has nobody to create it. The CLI is the trust boundary here (whoever runs it owns the
database), and the act is recorded in the audit log like any other."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.identity.audit import record
from onething.identity.passwords import hash_password
from onething.identity.principal import Principal
from onething.identity.service import check_role
from onething.kit.errors import Conflict, ValidationFailed
from onething.models import RoleGrant, User

CONSOLE = Principal(name="命令行", kind="system", ip="console")


def add_staff(session: Session, username: str, name: str, org_code: str, roles: list[str], password: str) -> User:
    org = repo.org_by_code(session, org_code)
    if org is None:
        raise ValidationFailed(f"没有编码为 {org_code} 的机构", field="org")
    if not roles:
        raise ValidationFailed("至少指定一个角色", field="role")
    for role in roles:
        check_role(role)
    if repo.user_by_login(session, username.lower()) is not None:
        raise Conflict("用户名已被占用", field="username")
    user = User(
        kind="staff", username=username.lower(), name=name, password_hash=hash_password(password), org_id=org.id
    )
    repo.add(session, user)
    session.flush()
    for role in dict.fromkeys(roles):
        repo.add(session, RoleGrant(user_id=user.id, role=role, org_id=org.id))
    record(session, CONSOLE, "user.create", "user", user.id, region_code=org.region_code, detail={"roles": roles})
    return user
