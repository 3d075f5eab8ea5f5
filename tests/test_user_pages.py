"""人员与角色 through the pages: grant and revoke a role, suspend an account; refusals change nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_case_pages import _as, _csrf

from onething.models import AuditEntry, RoleGrant, User


def _user(db: Session, username: str) -> User:
    db.expire_all()
    return db.scalars(select(User).where(User.username == username)).one()


def _roles(db: Session, user: User) -> list[str]:
    return sorted(db.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user.id)))


def test_an_admin_grants_revokes_and_suspends(client: TestClient, db: Session) -> None:
    target = _user(db, "ht_police")
    _as(client, "hn_admin")
    listing = client.get("/admin/users?q=黄荷塘公安").text
    assert f'href="/admin/users/{target.id}"' in listing
    page = client.get(f"/admin/users/{target.id}").text
    assert "审批人员" in page and "授予" in page
    r = client.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "supervisor", "org_id": str(target.org_id), "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _roles(db, target) == ["approver", "supervisor"]
    page = client.get(f"/admin/users/{target.id}").text
    grant = re.search(
        rf'action="/admin/users/{target.id}/roles/(\d+)/revoke"[^>]*>\s*<input[^>]+>\s*<button[^>]+监察', page
    )
    assert grant, page
    r = client.post(
        f"/admin/users/{target.id}/roles/{grant[1]}/revoke", data={"csrf_token": _csrf(page)}, follow_redirects=False
    )
    assert r.status_code == 303 and _roles(db, target) == ["approver"]
    r = client.post(
        f"/admin/users/{target.id}/active", data={"active": "false", "csrf_token": _csrf(page)}, follow_redirects=False
    )
    assert r.status_code == 303 and not _user(db, "ht_police").active
    actions = set(
        db.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "user", AuditEntry.object_id == str(target.id))
        )
    )
    assert {"role.grant", "role.revoke", "user.update"} <= actions
    # A suspended account cannot log in.
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    login = client.post("/login", data={"login": "ht_police", "password": "Demo@2026", "csrf_token": token})
    assert login.status_code in (401, 403, 422) and "/login" in str(login.url)


def test_refusals_are_shown_beside_the_form_and_change_nothing(client: TestClient, db: Session) -> None:
    target = _user(db, "ht_police")
    _as(client, "hn_admin")
    page = client.get(f"/admin/users/{target.id}").text
    bad = client.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "emperor", "org_id": str(target.org_id), "csrf_token": _csrf(page)},
    )
    assert 400 <= bad.status_code < 500 and 'role="alert"' in bad.text and "授予角色" in bad.text
    again = client.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "approver", "org_id": str(target.org_id), "csrf_token": _csrf(page)},
    )
    assert again.status_code == 409 and "已在此机构担任该角色" in again.text
    forged = client.post(f"/admin/users/{target.id}/active", data={"active": "false", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert _roles(db, target) == ["approver"] and _user(db, "ht_police").active


def test_citizens_and_clerks_cannot_manage_people(client: TestClient, db: Session) -> None:
    target = _user(db, "ht_police")
    for login in ("430202197809210244", "ht_clerk"):
        _as(client, login)
        assert client.get(f"/admin/users/{target.id}").status_code in (403, 404)
        page = client.get("/").text
        r = client.post(
            f"/admin/users/{target.id}/roles",
            data={"role": "system_admin", "org_id": str(target.org_id), "csrf_token": _csrf(page)},
        )
        assert r.status_code in (403, 404)
    assert _roles(db, target) == ["approver"]
