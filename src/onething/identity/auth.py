"""Login, sessions and bearer tokens, and turning a token into a Principal.

A web session and an API token are the same row kind (``auth_sessions``): a random secret given to
the client once, stored only as its SHA-256, expiring and revocable. Checking a password is
``identity.login``'s work.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.identity.principal import Grant, Principal
from onething.kit import clock, signing
from onething.kit.errors import NotFound, Unauthorized
from onething.kit.settings import get_settings
from onething.models import AuthSession, User

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


def open_session_for(
    session: Session, user_id: int, kind: str, ip: str | None, *, hours: float | None = None, label: str | None = None
) -> Issued:
    """``open_session`` for an account just verified by ``identity.login`` (in an earlier transaction)."""
    user = repo.user(session, user_id)
    if user is None or not user.active:
        raise Unauthorized(BAD_CREDENTIALS, field="login", code="bad_credentials")
    return open_session(session, user, kind, ip, hours=hours, label=label)


def resolve(
    session: Session, token: str, kind: str, ip: str | None, now: dt.datetime | None = None
) -> Principal | None:
    """The principal behind a live token of ``kind``, or None (unknown, expired, idle, revoked).

    Every request pays this, so it is two plain statements (the token with its user, then what the
    user may act for) and a write only once a minute per session."""
    now = now or clock.now()
    row = repo.live_token(session, signing.sha256(token))
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        return None
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    if kind == WEB and now - row.last_seen_at > idle:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        repo.touch_token(session, row.id, now)
    if not row.active:
        return None
    return _principal(session, row, ip, session_id=row.id, today=now.astimezone(clock.zone()).date())


def principal_for(
    session: Session, user_id: int, ip: str | None, *, session_id: int | None = None, today: dt.date | None = None
) -> Principal | None:
    user = repo.user_facts(session, user_id)
    if user is None or not user.active:
        return None
    return _principal(session, user, ip, session_id=session_id, today=today)


def _principal(
    session: Session, user: Row[*tuple[Any, ...]], ip: str | None, *, session_id: int | None, today: dt.date | None
) -> Principal:
    """``user`` is a row of ``repo.live_token`` or ``repo.user_facts``."""
    grants, enterprises = repo.acts_for(session, user.user_id, today or clock.today())
    return Principal(
        user_id=user.user_id,
        name=user.name,
        kind=user.user_kind,
        id_number=user.id_number,
        org_id=user.org_id,
        grants=tuple(Grant(*g) for g in grants),
        enterprises=frozenset(enterprises),
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


def end(session: Session, token: str, now: dt.datetime | None = None) -> None:
    """End the web session behind ``token`` (logging in again in the same browser)."""
    row = repo.auth_session(session, signing.sha256(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or clock.now()


def tokens(session: Session, principal: Principal) -> list[AuthSession]:
    principal.require_login()
    assert principal.user_id is not None
    return list(repo.tokens_of(session, principal.user_id, clock.now()))
