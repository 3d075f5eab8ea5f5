"""Every subject × every endpoint in tests/permissions.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from permissions import ROWS, SUBJECTS, Row
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.models import Enterprise, EnterpriseMandate, Org, Person, RoleGrant, User


def _placeholders(db: Session) -> dict[str, Any]:
    def user(name: str) -> int:
        found = db.scalar(select(User.id).where(User.username == name))
        assert found is not None, name
        return found

    def person(id_number: str) -> int:
        found = db.scalar(select(Person.id).where(Person.id_number == id_number))
        assert found is not None
        return found

    return {
        "cs_center": db.scalar(select(Org.id).where(Org.code == "430100-service_center")),
        "zz_center": db.scalar(select(Org.id).where(Org.code == "430200-service_center")),
        "cs_admin": user("cs_admin"),
        "cs_approver_grant": db.scalar(select(RoleGrant.id).where(RoleGrant.user_id == user("cs_approver"))),
        "minji_mandate": db.scalar(select(EnterpriseMandate.id)),
        "cs_clerk": user("cs_clerk"),
        "cs_approver": user("cs_approver"),
        "cs_hotline": user("cs_hotline"),
        "zz_clerk": user("zz_clerk"),
        "li_na": person("430104199003070023"),
        "wang_lei": person("430202198506150138"),
        "minji": db.scalar(select(Enterprise.id).where(Enterprise.credit_code == "91430202MA4L8Q2R15")),
    }


def _fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]  # a whole placeholder keeps its type (ids are ints)
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


CASES = [(row, subject) for row in ROWS for subject in SUBJECTS]


@pytest.mark.parametrize(
    ("row", "subject"),
    CASES,
    ids=[f"{r.method} {r.path} as {s}" for r, s in CASES],
)
def test_permission(
    row: Row, subject: str, client: TestClient, db: Session, login: Callable[[str], dict[str, str]]
) -> None:
    names = _placeholders(db)
    account = SUBJECTS[subject]
    headers = login(account) if account else {}
    body = _fill(row.body, names) if row.body is not None else None
    response = client.request(row.method, _fill(row.path, names), headers=headers, json=body)
    expected = row.status_for(subject)
    assert response.status_code == expected, f"{row.method} {row.path} as {subject}: {response.text[:300]}"
    if expected >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"], error
    if expected in (404, 403) and "/people" in row.path:
        assert "430" not in json.dumps(response.json()), "a refusal must not leak the record"


def test_every_subject_is_covered() -> None:
    """A matrix with a role missing would silently test nothing for it."""
    from onething.identity.principal import ROLES

    assert set(ROLES) <= set(SUBJECTS)
