"""Row-level access: each principal sees only its own rows; full records are audited; personal data
is masked in lists and logs; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from onething.models import AuditEntry, Org, Person, RoleGrant, User
from onething.models.base import utcnow

Login = Callable[[str], dict[str, str]]
LI_NA = "430104199003070023"


def _all(client: TestClient, url: str, headers: dict[str, str]) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    after = None
    while True:
        sep = "&" if "?" in url else "?"
        r = client.get(url + (f"{sep}after={after}" if after else ""), headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        after = r.json()["next"]
        if after is None:
            return items


@pytest.mark.parametrize(("admin", "prefix"), [("cs_admin", "4301"), ("zz_admin", "4302"), ("yl_admin", "430104")])
def test_system_admins_see_users_of_their_region_only(
    client: TestClient, db: Session, login: Login, admin: str, prefix: str
) -> None:
    users = _all(client, "/api/v1/users", login(admin))
    assert users
    org_regions = dict(db.execute(select(Org.id, Org.region_code)).all())
    assert all(str(org_regions[u["org_id"]]).startswith(prefix) for u in users)  # type: ignore[index]
    visible = {u["username"] for u in users}
    assert admin in visible
    expected = set(
        db.scalars(select(User.username).join(Org, User.org_id == Org.id).where(Org.region_code.startswith(prefix)))
    )
    assert visible == expected


def test_province_admin_sees_every_region(client: TestClient, login: Login) -> None:
    names = {u["username"] for u in _all(client, "/api/v1/users", login("hn_admin"))}
    assert {"cs_clerk", "zz_clerk", "yl_clerk", "hn_admin"} <= names


def test_dept_head_sees_own_org_only(client: TestClient, db: Session, login: Login) -> None:
    head = db.scalars(select(User).where(User.username == "cs_head")).one()
    users = _all(client, "/api/v1/users", login("cs_head"))
    assert {u["org_id"] for u in users} == {head.org_id}


def test_people_list_is_scoped_and_masked(client: TestClient, db: Session, login: Login) -> None:
    db.add(
        Person(
            id_number="430202199912120017",
            name="株洲人",
            gender="male",
            birth_date=dt.date(1999, 12, 12),
            region_code="430202",
            address="湖南省株洲市荷塘区某路 1 号",
            phone="13900000017",
        )
    )
    db.flush()
    for account, prefix in (("yl_clerk", "430104"), ("cs_clerk", "4301"), ("zz_clerk", "4302")):
        people = _all(client, "/api/v1/people", login(account))
        assert people, account
        assert all(str(p["region_code"]).startswith(prefix) for p in people)
        for p in people:
            assert "*" in str(p["id_number"]) and len(str(p["id_number"])) == 18
            assert str(p["phone"]).count("*") == 4
            assert str(p["address"]).endswith("****")


def test_full_record_is_audited_with_reason_and_case(client: TestClient, db: Session, login: Login) -> None:
    person_id = db.scalar(select(Person.id).where(Person.id_number == LI_NA))
    before = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    r = client.get(
        f"/api/v1/people/{person_id}?reason=核验申请人信息&case_number=43010420261122000001",
        headers=login("cs_clerk"),
    )
    assert r.status_code == 200 and r.json()["id_number"] == LI_NA
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    assert (entry.action, entry.object_type, entry.object_id) == ("person.read", "person", str(person_id))
    assert entry.case_number == "43010420261122000001" and entry.reason == "核验申请人信息"
    assert entry.user_name == "陈长沙窗口" and entry.ip == "testclient" and entry.region_code == "430104"


def test_supervisor_searches_audit_of_their_region_only(client: TestClient, db: Session, login: Login) -> None:
    zz_person = db.scalar(select(Person.id).where(Person.id_number == "430202198506150138"))
    cs_person = db.scalar(select(Person.id).where(Person.id_number == LI_NA))
    assert client.get(f"/api/v1/people/{zz_person}", headers=login("zz_clerk")).status_code == 200
    assert client.get(f"/api/v1/people/{cs_person}", headers=login("cs_clerk")).status_code == 200
    cs = _all(client, "/api/v1/audit?action=person.read", login("cs_supervisor"))
    zz = _all(client, "/api/v1/audit?action=person.read", login("zz_supervisor"))
    hn = _all(client, "/api/v1/audit?action=person.read", login("hn_supervisor"))
    assert [e["object_id"] for e in cs] == [str(cs_person)]
    assert [e["object_id"] for e in zz] == [str(zz_person)]
    assert {e["object_id"] for e in hn} == {str(cs_person), str(zz_person)}


def test_audit_log_is_append_only(db: Session) -> None:
    db.add(AuditEntry(action="test", object_type="test", at=utcnow()))
    db.flush()
    with pytest.raises(Exception, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE audit_log SET action = 'changed'"))
    with pytest.raises(Exception, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM audit_log"))


def test_lookup_by_id_number_is_masked_in_logs(
    client: TestClient, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        r = client.post("/api/v1/people/lookup", json={"id_number": LI_NA}, headers=login("cs_clerk"))
    assert r.status_code == 200
    assert "person lookup" in caplog.text
    assert LI_NA not in caplog.text
    assert "4301**********0023" in caplog.text


def test_invalid_id_number_lookup_gives_the_reason_without_echo(client: TestClient, login: Login) -> None:
    r = client.post("/api/v1/people/lookup", json={"id_number": "430104199003070024"}, headers=login("cs_clerk"))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["field"] == "id_number" and "校验码" in error["message"]
    assert "430104199003070024" not in r.text


def _counts(db: Session) -> tuple[int, int, int, int]:
    return (
        db.scalar(select(func.count()).select_from(User)) or 0,
        db.scalar(select(func.count()).select_from(RoleGrant)) or 0,
        db.scalar(select(func.count()).select_from(Org)) or 0,
        db.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        (
            "POST",
            "/api/v1/users",
            {"username": "x", "name": "甲", "password": "Aa@12345", "org_id": 1},
            422,
            "username",
        ),
        (
            "POST",
            "/api/v1/users",
            {"username": "cs_new", "name": "甲", "password": "short", "org_id": "{cs}"},
            422,
            "password",
        ),
        (
            "POST",
            "/api/v1/users",
            {"username": "cs_clerk", "name": "甲", "password": "Aa@12345678", "org_id": "{cs}"},
            409,
            "username",
        ),
        (
            "POST",
            "/api/v1/users",
            {"username": "cs_new", "name": "甲", "password": "Aa@12345678", "org_id": "{cs}", "roles": ["king"]},
            422,
            "role",
        ),
        (
            "POST",
            "/api/v1/users",
            {"username": "cs_new", "name": "甲", "password": "Aa@12345678", "org_id": "{cs}", "phone": "1380000"},
            422,
            "phone",
        ),
        ("POST", "/api/v1/orgs", {"name": "某某中心", "kind": "no_such_kind", "region_code": "430103"}, 422, "kind"),
        (
            "POST",
            "/api/v1/orgs",
            {"name": "某某中心", "kind": "service_center", "region_code": "439999"},
            422,
            "region_code",
        ),
        (
            "POST",
            "/api/v1/orgs",
            {"name": "长沙市政务服务中心", "kind": "service_center", "region_code": "430100"},
            409,
            "kind",
        ),
        ("POST", "/api/v1/users/{clerk}/roles", {"role": "approver", "org_id": "{zz}"}, 403, "org_id"),
    ],
)
def test_refusals_change_nothing(
    client: TestClient,
    db: Session,
    login: Login,
    method: str,
    path: str,
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    ids = {
        "{cs}": db.scalar(select(Org.id).where(Org.code == "430100-service_center")),
        "{zz}": db.scalar(select(Org.id).where(Org.code == "430200-service_center")),
        "{clerk}": db.scalar(select(User.id).where(User.username == "cs_clerk")),
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    for k, v in ids.items():
        path = path.replace(k, str(v))
    headers = login("cs_admin")
    before = _counts(db)
    r = client.request(method, path, json=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field
    assert _counts(db) == before
