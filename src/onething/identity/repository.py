"""Every identity query. ``readable_*`` statements filter rows by the principal in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from onething.identity.principal import Principal
from onething.models import (
    AuditEntry,
    AuthSession,
    CatalogEntry,
    CatalogVersion,
    Enterprise,
    EnterpriseMandate,
    Hall,
    LoginFailure,
    Org,
    Region,
    RoleGrant,
    User,
)


def _after(prefix: str) -> str | None:
    """The smallest digit string of the same length above every code starting with ``prefix``."""
    bumped = str(int(prefix) + 1).zfill(len(prefix))
    return bumped if len(bumped) == len(prefix) else None


def in_scopes(column: InstrumentedAttribute[Any], prefixes: Sequence[str]) -> ColumnElement[bool]:
    """``column`` lies in one of the region prefixes (a region and everything below it).

    Written as ranges, not LIKE: a btree index serves a range under any collation, on both databases.
    """
    if not prefixes:
        return false()
    if any(p == "" for p in prefixes):
        return true()
    ranges: list[ColumnElement[bool]] = []
    for p in prefixes:
        upper = _after(p)
        ranges.append(and_(column >= p, column < upper) if upper else column >= p)
    return or_(*ranges)


# --- users and principals ---------------------------------------------------------------------


def user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_login(session: Session, login: str) -> User | None:
    column = User.id_number if len(login) == 18 and login[:17].isdigit() else User.username
    return session.scalar(select(User).where(column == login))


# What a principal is made of, read on every request: plain rows on the connection (no ORM objects).
_USER_FACTS = (
    User.id.label("user_id"),
    User.name,
    User.kind.label("user_kind"),
    User.id_number,
    User.org_id,
    User.active,
)


# Built once: these run on every request, and building a statement (and its cache key) costs more
# than running it. Parameters: token_hash; user_id; user_id and today.
_LIVE_TOKEN = (
    select(
        AuthSession.id,
        AuthSession.kind,
        AuthSession.revoked_at,
        AuthSession.expires_at,
        AuthSession.last_seen_at,
        *_USER_FACTS,
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)
_USER = select(*_USER_FACTS).where(User.id == bindparam("user_id"))


def _live_mandates(user_id: Any, today: Any) -> Select[int]:
    """Mandates granted by the enterprise's current legal representative while it exists."""
    return (
        select(EnterpriseMandate.id)
        .join(Enterprise, Enterprise.credit_code == EnterpriseMandate.credit_code)
        .where(
            EnterpriseMandate.user_id == user_id,
            EnterpriseMandate.granted_by_id_number == Enterprise.legal_rep_id_number,
            Enterprise.status == "存续",
            EnterpriseMandate.revoked_at.is_(None),
            EnterpriseMandate.valid_from <= today,
            or_(EnterpriseMandate.valid_until.is_(None), EnterpriseMandate.valid_until >= today),
        )
    )


_ACTS_FOR: CompoundSelect[*tuple[Any, ...]] = union_all(
    select(
        literal("grant").label("what"),
        RoleGrant.id.label("seq"),
        RoleGrant.role.label("code"),
        Org.id.label("org_id"),
        Org.region_code,
        Org.level,
    )
    .join(Org, RoleGrant.org_id == Org.id)
    .where(RoleGrant.user_id == bindparam("user_id"), Org.active),
    select(literal("mandate"), literal(0), EnterpriseMandate.credit_code, null(), null(), null()).where(
        EnterpriseMandate.id.in_(_live_mandates(bindparam("user_id"), bindparam("today", type_=Date)))
    ),
).order_by("what", "seq")


def live_token(session: Session, token_hash: str) -> Row[*tuple[Any, ...]] | None:
    """The token (id, kind, revoked_at, expires_at, last_seen_at) with its user's facts."""
    return session.connection().execute(_LIVE_TOKEN, {"token_hash": token_hash}).first()


def user_facts(session: Session, user_id: int) -> Row[*tuple[Any, ...]] | None:
    return session.connection().execute(_USER, {"user_id": user_id}).first()


def touch_token(session: Session, session_id: int, now: dt.datetime) -> None:
    session.connection().execute(update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now))


def acts_for(session: Session, user_id: int, today: dt.date) -> tuple[list[tuple[str, int, str, str]], list[str]]:
    """(role grants as (role, org id, region code, org level), live mandates' credit codes) in one
    round trip."""
    rows: Sequence[Any] = session.connection().execute(_ACTS_FOR, {"user_id": user_id, "today": today}).all()
    return (
        [(r.code, r.org_id, r.region_code, r.level) for r in rows if r.what == "grant"],
        [r.code for r in rows if r.what == "mandate"],
    )


def readable_users(principal: Principal) -> Select[User]:
    """Yourself; staff of your org as its head; staff in your region as a system admin (and citizens'
    accounts when that region is the whole province)."""
    admin = principal.scopes("system_admin")
    heads = principal.orgs("dept_head")
    conditions: list[ColumnElement[bool]] = [User.id == principal.user_id]
    if admin:
        conditions.append(User.org_id.in_(select(Org.id).where(in_scopes(Org.region_code, admin))))
        if principal.province_wide("system_admin"):
            conditions.append(User.kind == "citizen")
    if heads:
        conditions.append(User.org_id.in_(heads))
    return select(User).where(or_(*conditions))


def grants_by_user(session: Session, user_ids: Sequence[int]) -> dict[int, list[RoleGrant]]:
    found: dict[int, list[RoleGrant]] = {}
    if user_ids:
        stmt = select(RoleGrant).where(RoleGrant.user_id.in_(set(user_ids))).order_by(RoleGrant.id)
        for grant in session.scalars(stmt):
            found.setdefault(grant.user_id, []).append(grant)
    return found


def administrable_users(principal: Principal) -> Select[User]:
    """Users a system admin may change: staff whose org lies in its region (and citizens' accounts for
    a province-wide admin) — never itself. Being a department head adds nothing here."""
    admin = principal.scopes("system_admin")
    conditions: list[ColumnElement[bool]] = [User.org_id.in_(select(Org.id).where(in_scopes(Org.region_code, admin)))]
    if principal.province_wide("system_admin"):
        conditions.append(User.kind == "citizen")
    return select(User).where(or_(*conditions), User.id != principal.user_id)


def grant_regions(session: Session, user_id: int) -> Sequence[str]:
    stmt = select(Org.region_code).join(RoleGrant, RoleGrant.org_id == Org.id).where(RoleGrant.user_id == user_id)
    return session.scalars(stmt).all()


def role_grant(session: Session, grant_id: int) -> RoleGrant | None:
    return session.get(RoleGrant, grant_id)


def role_exists(session: Session, user_id: int, role: str, org_id: int) -> bool:
    stmt = select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.role == role, RoleGrant.org_id == org_id)
    return session.scalar(stmt) is not None


# --- sessions and tokens ----------------------------------------------------------------------


def auth_session(session: Session, token_hash: str) -> AuthSession | None:
    return session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash))


def auth_session_by_id(session: Session, session_id: int) -> AuthSession | None:
    return session.get(AuthSession, session_id)


def tokens_of(session: Session, user_id: int, now: dt.datetime) -> Sequence[AuthSession]:
    stmt = select(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None), AuthSession.expires_at > now
    )
    return session.scalars(stmt.order_by(AuthSession.id)).all()


def failures_since(session: Session, account_key: str, ip: str, since: dt.datetime) -> tuple[int, int, Any]:
    """(failures of this account, failures from this IP, the account's latest failure) since ``since``."""
    account = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.account_key == account_key, LoginFailure.at >= since
        )
    ).one()
    from_ip = session.scalar(select(func.count()).where(LoginFailure.ip == ip, LoginFailure.at >= since))
    return int(account[0]), int(from_ip or 0), account[1]


def account_failures_since(session: Session, account_key: str, since: dt.datetime) -> tuple[int, Any]:
    """(failures of this account since ``since``, the latest of them)."""
    row = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.account_key == account_key, LoginFailure.at >= since
        )
    ).one()
    return int(row[0]), row[1]


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def lock_login(session: Session, account_key: str) -> None:
    """Serialise attempts at one account until this transaction ends (PostgreSQL advisory lock;
    SQLite transactions already hold the database's write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int(account_key[:15], 16)  # 60 bits: fits a bigint
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def clear_failures(session: Session, account_key: str, ip: str | None = None) -> None:
    """Forget an account's failures (only those made from ``ip`` when given)."""
    stmt = delete(LoginFailure).where(LoginFailure.account_key == account_key)
    session.execute(stmt.where(LoginFailure.ip == ip) if ip is not None else stmt)


def prune(session: Session, failures_before: dt.datetime, sessions_before: dt.datetime) -> None:
    """Forget old failed logins and long-expired sessions (both tables are indexed for it)."""
    session.execute(delete(LoginFailure).where(LoginFailure.at < failures_before))
    session.execute(delete(AuthSession).where(AuthSession.expires_at < sessions_before))


# --- regions and orgs -------------------------------------------------------------------------


def regions(session: Session, parent: str | None, level: str | None) -> Sequence[Region]:
    stmt = select(Region)
    if parent:
        stmt = stmt.where(Region.parent_code == parent)
    if level:
        stmt = stmt.where(Region.level == level)
    return session.scalars(stmt.order_by(Region.code)).all()


def region(session: Session, code: str) -> Region | None:
    return session.get(Region, code)


def orgs_stmt(region_prefix: str | None, kind: str | None, q: str | None) -> Select[Org]:
    stmt = select(Org).where(Org.active)
    if region_prefix:
        stmt = stmt.where(Org.region_code.startswith(region_prefix, autoescape=True))
    if kind:
        stmt = stmt.where(Org.kind == kind)
    if q:
        stmt = stmt.where(Org.name.contains(q, autoescape=True))
    return stmt


def org(session: Session, org_id: int, *, with_windows: bool = False) -> Org | None:
    stmt = select(Org).where(Org.id == org_id)
    if with_windows:
        stmt = stmt.options(selectinload(Org.halls).selectinload(Hall.windows))
    return session.scalar(stmt)


def org_by_code(session: Session, code: str) -> Org | None:
    return session.scalar(select(Org).where(Org.code == code))


def org_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(set(ids)))).all())


# --- audit ------------------------------------------------------------------------------------


def readable_audit(principal: Principal) -> Select[AuditEntry]:
    roles = ("supervisor", "system_admin")
    if principal.province_wide(*roles):
        return select(AuditEntry)
    return select(AuditEntry).where(in_scopes(AuditEntry.region_code, principal.scopes(*roles)))


def org_kinds(session: Session) -> frozenset[str]:
    """Org kind codes of the newest catalog version (identity sits below the catalog package)."""
    latest = select(CatalogVersion.id).order_by(CatalogVersion.number.desc()).limit(1).scalar_subquery()
    stmt = select(CatalogEntry.code).where(CatalogEntry.version_id == latest, CatalogEntry.section == "org_kinds")
    return frozenset(session.scalars(stmt))


def add(session: Session, obj: object) -> None:
    session.add(obj)


def remove(session: Session, obj: object) -> None:
    session.delete(obj)
