"""Login, sessions and bearer tokens, and turning a token into a Principal.

A web session and an API token are the same row kind (``auth_sessions``): a random secret given to
the client once, stored only as its SHA-256, expiring and revocable. Failed logins are counted per
account (by a keyed hash of the login, so the table holds no ID numbers) and per IP.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.identity.passwords import needs_rehash, rehash, verify_password
from onething.identity.principal import Grant, Principal
from onething.kit import clock, signing
from onething.kit.errors import AppError, NotFound, TooManyRequests, Unauthorized
from onething.kit.settings import get_settings
from onething.models import AuthSession, LoginFailure, User

WEB, API = "web", "api"
# last_seen_at is written at most this often, so reading pages does not mean writing rows.
_TOUCH_EVERY = dt.timedelta(seconds=60)
BAD_CREDENTIALS = "账号或密码不正确"


@dataclass(frozen=True, slots=True)
class Issued:
    token: str  # shown to the client once
    session_id: int
    expires_at: dt.datetime


def normalise_login(login: str) -> str:
    text = login.strip()
    if len(text) == 18 and text[:17].isdigit():
        return text.upper()  # ID numbers: a lowercase x is the same number
    return text.lower()


def account_key(login: str) -> str:
    return signing.digest(normalise_login(login), "login-account")


def authenticate(session: Session, login: str, password: str, ip: str, now: dt.datetime | None = None) -> User:
    """The user, or an error. A refusal records the failure: the caller must commit even then
    (see ``LoginRefused``), otherwise throttling would forget it."""
    s = get_settings()
    now = now or clock.now()
    key = account_key(login)
    window = dt.timedelta(minutes=s.login_window_minutes)
    # Parallel guesses at one account queue here, so each sees the failures before it.
    repo.lock_login(session, key)
    by_account, by_ip, latest = repo.failures_since(session, key, ip, now - window)
    refusal: AppError | None = None
    if by_account >= s.login_max_failures_account or by_ip >= s.login_max_failures_ip:
        # Every attempt while locked counts too, so hammering keeps the lock on (back-off).
        wait = max(1, round((latest + window - now).total_seconds() / 60)) if latest else 1
        refusal = TooManyRequests(f"登录失败次数过多，请 {wait} 分钟后再试", field="login")
        verify_password(None, password)  # same cost as a real check
    else:
        user = repo.user_by_login(session, normalise_login(login))
        if verify_password(user.password_hash if user else None, password) and user is not None and user.active:
            repo.clear_failures(session, key)
            repo.prune(session, now - dt.timedelta(days=1), now - dt.timedelta(days=30))
            if user.password_hash and needs_rehash(user.password_hash):
                user.password_hash = rehash(password)
            return user
        refusal = Unauthorized(BAD_CREDENTIALS, field="login", code="bad_credentials")
    repo.add(session, LoginFailure(account_key=key, ip=ip, at=now))
    raise LoginRefused(refusal)


class LoginRefused(AppError):
    """Carries the refusal out while the failure row still has to be committed."""

    def __init__(self, refusal: AppError) -> None:
        super().__init__(refusal.message, field=refusal.field, code=refusal.code)
        self.status = refusal.status


def open_session(
    session: Session,
    user: User,
    kind: str,
    ip: str | None,
    *,
    hours: float | None = None,
    label: str | None = None,
    now: dt.datetime | None = None,
) -> Issued:
    s = get_settings()
    now = now or clock.now()
    limit = s.session_hours if kind == WEB else s.token_hours
    hours = min(hours, limit) if hours else limit
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        token_hash=signing.sha256(token),
        kind=kind,
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=hours),
        ip=ip,
        label=label,
    )
    repo.add(session, row)
    session.flush()
    return Issued(token, row.id, row.expires_at)


def resolve(
    session: Session, token: str, kind: str, ip: str | None, now: dt.datetime | None = None
) -> Principal | None:
    """The principal behind a live token of ``kind``, or None (unknown, expired, idle, revoked)."""
    now = now or clock.now()
    row = repo.auth_session(session, signing.sha256(token))
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        return None
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    if kind == WEB and now - row.last_seen_at > idle:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return principal_for(session, row.user_id, ip, session_id=row.id, today=now.astimezone(clock.zone()).date())


def principal_for(
    session: Session, user_id: int, ip: str | None, *, session_id: int | None = None, today: dt.date | None = None
) -> Principal | None:
    user = repo.user(session, user_id)
    if user is None or not user.active:
        return None
    grants = tuple(Grant(r, o, c, lvl) for r, o, c, lvl in repo.grants_of(session, user_id))
    enterprises = frozenset(repo.mandated_enterprises(session, user_id, today or clock.today()))
    return Principal(
        user_id=user.id,
        name=user.name,
        kind=user.kind,
        id_number=user.id_number,
        org_id=user.org_id,
        grants=grants,
        enterprises=enterprises,
        ip=ip,
        session_id=session_id,
    )


def revoke(session: Session, principal: Principal, session_id: int, now: dt.datetime | None = None) -> None:
    """End a session or token of one's own; someone else's is not found."""
    row = repo.auth_session_by_id(session, session_id)
    if row is None or row.user_id != principal.user_id:
        raise NotFound("找不到该令牌", field="id")
    if row.revoked_at is None:
        row.revoked_at = now or clock.now()


def tokens(session: Session, principal: Principal) -> list[AuthSession]:
    principal.require_login()
    assert principal.user_id is not None
    return list(repo.tokens_of(session, principal.user_id, clock.now()))
