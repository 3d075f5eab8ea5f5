"""The Principal: who is asking, with which roles in which orgs, and how far each role reaches.

Every "may this principal read or act on this row" question is answered here or by a repository's
``readable(principal)`` built from these scopes. Pure: no database, no web.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onething.kit.errors import Forbidden, Unauthorized

ROLE_NAMES = {
    "window_clerk": "综合窗口人员",
    "approver": "审批人员",
    "dept_head": "部门负责人",
    "supervisor": "监察人员",
    "catalog_admin": "目录管理员",
    "hotline_agent": "12345 热线坐席",
    "system_admin": "系统管理员",
}
ROLES = tuple(ROLE_NAMES)
STAFF_READERS_OF_PEOPLE = ("window_clerk", "approver", "dept_head", "supervisor", "hotline_agent", "system_admin")

# Significant digits of a GB/T 2260 code at each level: a region covers every code with its prefix.
_PREFIX = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


def region_prefix(code: str, level: str) -> str:
    return code[: _PREFIX.get(level, len(code))]


def covers(prefix: str, region_code: str | None) -> bool:
    return region_code is not None and region_code.startswith(prefix)


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    org_id: int
    region_code: str
    level: str

    @property
    def scope(self) -> str:
        return region_prefix(self.region_code, self.level)


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None = None
    name: str = "访客"
    kind: str = "anonymous"  # anonymous | citizen | staff
    id_number: str | None = None
    org_id: int | None = None
    grants: tuple[Grant, ...] = ()
    enterprises: frozenset[str] = field(default_factory=frozenset)  # credit codes it may act for
    ip: str | None = None
    session_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def scopes(self, *roles: str) -> tuple[str, ...]:
        """Region prefixes where the principal holds any of ``roles``, without nested duplicates."""
        prefixes = sorted({g.scope for g in self.grants if g.role in roles}, key=len)
        kept: list[str] = []
        for p in prefixes:
            if not any(p.startswith(k) for k in kept):
                kept.append(p)
        return tuple(kept)

    def orgs(self, *roles: str) -> frozenset[int]:
        return frozenset(g.org_id for g in self.grants if g.role in roles)

    def reaches(self, region_code: str | None, *roles: str) -> bool:
        return any(covers(p, region_code) for p in self.scopes(*roles))

    def province_wide(self, *roles: str) -> bool:
        return any(len(p) <= 2 for p in self.scopes(*roles))

    def require_login(self) -> None:
        if not self.authenticated:
            raise Unauthorized("请先登录")

    def require(self, *roles: str) -> None:
        """Logged in and holding one of ``roles`` somewhere; the row-level check comes after."""
        self.require_login()
        if not self.has(*roles):
            raise Forbidden("您没有此项操作的权限")


ANONYMOUS = Principal()
