"""Login, throttling, tokens, web sessions and CSRF."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.demo.accounts import DEMO_PASSWORD
from onething.identity import auth
from onething.identity import repository as repo
from onething.models import AuditEntry, AuthSession, LoginFailure, Person
from onething.models.base import utcnow

CITIZEN = "430104199003070023"


def _token(client: TestClient, login: str, password: str = DEMO_PASSWORD, **extra: object) -> httpx.Response:
    return client.post("/api/v1/auth/token", json={"login": login, "password": password, **extra})


def test_token_login_for_staff_and_citizen(client: TestClient) -> None:
    for login in ("cs_clerk", " CS_Clerk ", CITIZEN, f" {CITIZEN}\t"):
        r = _token(client, login)
        assert r.status_code == 201, r.text
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
        assert me.status_code == 200
    assert me.json()["id_number"] == "4301**********0023"  # masked even to its owner in /me


def test_lowercase_x_in_id_number_is_the_same_login(client: TestClient, db: Session) -> None:
    user = repo.user_by_login(db, CITIZEN)
    assert user is not None
    user.id_number = "43010419900307001X"  # the check char does not matter for this lookup
    db.flush()
    assert _token(client, "43010419900307001x").status_code == 201


def test_token_is_stored_hashed(client: TestClient, db: Session) -> None:
    token = _token(client, "cs_clerk").json()["token"]
    stored = db.scalars(select(AuthSession.token_hash)).all()
    assert token not in stored
    assert auth.signing.sha256(token) in stored


def test_wrong_password_and_unknown_account_say_the_same(client: TestClient) -> None:
    wrong = _token(client, "cs_clerk", "Wrong@2026")
    unknown = _token(client, "no_such_user", "Wrong@2026")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "bad_credentials"


def test_account_lockout_after_repeated_failures(client: TestClient, db: Session) -> None:
    for _ in range(5):
        assert _token(client, "cs_clerk", "Wrong@2026").status_code == 401
    locked = _token(client, "cs_clerk")  # the right password no longer helps
    assert locked.status_code == 429
    assert "分钟后再试" in locked.json()["error"]["message"]
    # Another account from the same IP is not locked by it.
    assert _token(client, "cs_approver").status_code == 201
    # An unknown account locks the same way (no enumeration through the lock).
    for _ in range(5):
        _token(client, "ghost_user", "Wrong@2026")
    assert _token(client, "ghost_user", "Wrong@2026").status_code == 429
    assert (db.scalar(select(func.count()).select_from(LoginFailure)) or 0) >= 11


def test_lock_expires_after_the_window(client: TestClient, db: Session) -> None:
    long_ago = utcnow() - dt.timedelta(hours=1)
    key = auth.account_key("cs_clerk")
    for _ in range(5):
        db.add(LoginFailure(account_key=key, ip="10.0.0.1", at=long_ago))
    db.flush()
    assert _token(client, "cs_clerk").status_code == 201
    assert db.scalar(select(func.count()).where(LoginFailure.account_key == key)) == 0  # success clears


def test_ip_throttle(client: TestClient, db: Session) -> None:
    now = utcnow()
    for n in range(30):
        db.add(LoginFailure(account_key=f"k{n}", ip="testclient", at=now))
    db.flush()
    assert _token(client, "cs_clerk").status_code == 429


def test_failure_rows_hold_no_login_names(client: TestClient, db: Session) -> None:
    _token(client, CITIZEN, "Wrong@2026")
    keys = db.scalars(select(LoginFailure.account_key)).all()
    assert keys and all(CITIZEN not in k and len(k) == 64 for k in keys)


def test_expired_token_is_refused(client: TestClient, db: Session) -> None:
    user = repo.user_by_login(db, "cs_clerk")
    assert user is not None
    issued = auth.open_session(db, user, auth.API, "127.0.0.1", now=utcnow() - dt.timedelta(days=2))
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.token}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


def test_token_lifetime_is_capped(client: TestClient) -> None:
    r = _token(client, "cs_clerk", hours=720)
    expires = dt.datetime.fromisoformat(r.json()["expires_at"])
    assert expires - utcnow() <= dt.timedelta(hours=24, minutes=1)


def test_revoked_token_is_refused(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {_token(client, 'cs_clerk').json()['token']}"}
    other = _token(client, "cs_clerk").json()
    assert client.get("/api/v1/auth/tokens", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{other['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other['token']}"}).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cannot_revoke_someone_elses_token(client: TestClient, login: Callable[[str], dict[str, str]]) -> None:
    theirs = _token(client, "cs_approver").json()
    r = client.delete(f"/api/v1/auth/tokens/{theirs['id']}", headers=login("cs_clerk"))
    assert r.status_code == 404
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {theirs['token']}"}).status_code == 200


@pytest.mark.parametrize("header", ["Basic abc", "Bearer ", "Bearer not-a-token"])
def test_bad_authorization_header(client: TestClient, header: str) -> None:
    r = client.get("/api/v1/me", headers={"Authorization": header})
    assert r.status_code == 401


def test_inactive_user_cannot_log_in_or_use_tokens(client: TestClient, db: Session) -> None:
    headers = {"Authorization": f"Bearer {_token(client, 'cs_clerk').json()['token']}"}
    user = repo.user_by_login(db, "cs_clerk")
    assert user is not None
    user.active = False
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert _token(client, "cs_clerk").status_code == 401


# --- web sessions and CSRF --------------------------------------------------------------------


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _web_login(client: TestClient, login: str = "cs_admin") -> str:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"login": login, "password": DEMO_PASSWORD, "csrf_token": _csrf(page.text), "next": "/me"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["set-cookie"]


def test_web_login_sets_a_safe_cookie_and_shows_the_account(client: TestClient) -> None:
    cookie = _web_login(client)
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Max-Age" in cookie
    me = client.get("/me")
    assert me.status_code == 200 and "陈长沙管理" in me.text


def test_login_form_without_csrf_is_refused(client: TestClient, db: Session) -> None:
    client.get("/login")
    r = client.post("/login", data={"login": "cs_admin", "password": DEMO_PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert "CSRF" in r.text
    assert db.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_csrf_token_from_another_browser_is_refused(client: TestClient, engine: object) -> None:
    token = _csrf(client.get("/login").text)
    client.cookies.clear()
    client.get("/login")  # a new anonymous browser
    r = client.post("/login", data={"login": "cs_admin", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 403


def test_logout_needs_csrf_and_ends_the_session(client: TestClient, db: Session) -> None:
    _web_login(client)
    page = client.get("/me")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/me", follow_redirects=False).status_code == 200  # still logged in
    r = client.post("/logout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert db.scalar(select(func.count()).where(AuthSession.revoked_at.is_not(None))) == 1
    assert client.get("/me", follow_redirects=False).status_code == 303  # back to the login page


def test_api_post_with_cookie_needs_the_csrf_header(client: TestClient, db: Session) -> None:
    _web_login(client)
    page = client.get("/me")
    body = {"name": "长沙市天心区政务服务中心", "kind": "service_center", "region_code": "430103"}
    refused = client.post("/api/v1/orgs", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    ok = client.post("/api/v1/orgs", json=body, headers={"X-CSRF-Token": _csrf(page.text)})
    assert ok.status_code == 201, ok.text


def test_api_read_with_cookie_needs_the_csrf_header(client: TestClient, db: Session) -> None:
    """Some reads write an audit row in the reader's name: a cross-site link must not cause one."""
    _web_login(client, "cs_clerk")
    page = client.get("/me")
    person = db.scalar(select(Person.id).where(Person.id_number == CITIZEN))
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    refused = client.get(f"/api/v1/people/{person}?reason=forged")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before
    ok = client.get(f"/api/v1/people/{person}", headers={"X-CSRF-Token": _csrf(page.text)})
    assert ok.status_code == 200


def test_logging_in_again_ends_the_previous_session(client: TestClient, db: Session) -> None:
    _web_login(client, "cs_clerk")
    _web_login(client, "cs_admin")
    rows = db.scalars(select(AuthSession).where(AuthSession.kind == "web").order_by(AuthSession.id)).all()
    assert [r.revoked_at is not None for r in rows] == [True, False]


def test_rehash_on_login_ignores_the_strength_rule(client: TestClient, db: Session) -> None:
    """An old hash with a weak password still logs in (and is upgraded), with no hint either way."""
    from argon2 import PasswordHasher

    user = repo.user_by_login(db, "cs_clerk")
    assert user is not None
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=1024).hash("weakpass")
    db.flush()
    assert _token(client, "cs_clerk", "weakpass").status_code == 201
    db.refresh(user)
    assert user.password_hash is not None and "m=1024" not in user.password_hash


def test_idle_web_session_expires(client: TestClient, db: Session) -> None:
    _web_login(client)
    row = db.scalars(select(AuthSession).where(AuthSession.kind == "web")).one()
    row.last_seen_at = utcnow() - dt.timedelta(hours=1)
    db.flush()
    assert client.get("/me", follow_redirects=False).status_code == 303


def test_forged_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set("onething_session", "forged.0123456789abcdef0123456789abcdef")
    assert client.get("/me", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_a_wrong_password_keeps_the_id_number_typed_but_never_says_it(client: TestClient) -> None:
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"login": CITIZEN, "password": "Wrong@2026", "csrf_token": token})
    assert r.status_code == 401 and "账号或密码不正确" in r.text
    # Back in the field it was typed into (one retype of the password, not of 18 digits), nowhere else,
    # and the page is never kept by a shared computer's browser.
    assert f'value="{CITIZEN}"' in r.text and r.text.count(CITIZEN) == 1
    assert r.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    ("login", "lands"),
    [
        (CITIZEN, "/cases"),
        ("cs_clerk", "/workbench"),
        ("cs_approver", "/inbox"),
        ("cs_head", "/inbox"),
        ("cs_supervisor", "/supervision"),
        ("cs_catalog", "/admin/catalog"),
        ("cs_admin", "/admin/catalog"),
    ],
)
def test_each_role_lands_on_its_work(client: TestClient, login: str, lands: str) -> None:
    token = _csrf(client.get("/login").text)
    data = {"login": login, "password": DEMO_PASSWORD, "csrf_token": token}
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == lands
    assert client.get(lands).status_code == 200
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={**data, "csrf_token": token, "next": "/policies"}, follow_redirects=False)
    assert r.headers["location"] == "/policies"  # a page to go back to wins


def test_open_redirect_is_not_followed(client: TestClient) -> None:
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"login": "cs_admin", "password": DEMO_PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/admin/catalog"  # their own landing, never the other site
