"""Every subject × every endpoint in tests/permissions.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from cases_support import AGENT, accepted, draft, task_id
from evaluations_support import bad_review, concluded
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from permissions import ROWS, SUBJECTS, Row
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from onething.demo.cases import png
from onething.kit.db import make_engine
from onething.licenses import throttle
from onething.models import Case, Enterprise, EnterpriseMandate, License, Org, Person, RoleGrant, User
from onething.policies import runs
from onething.web.app import create_app


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


CASES = [(row, subject) for row in ROWS if not row.given for subject in SUBJECTS]


def _marks(row: Row) -> list[pytest.MarkDecorator]:
    """A suspect row states the intended statuses and must fail until the code is fixed (then it passes
    and strict xfail fails, telling whoever fixed it to drop the mark)."""
    return [pytest.mark.xfail(reason=row.suspect, strict=True)] if row.suspect else []


def _check(row: Row, subject: str, response: Any) -> str | None:
    """What is wrong with ``response`` to ``row`` as ``subject``, or None."""
    expected = row.status_for(subject)
    if response.status_code != expected:
        return f"{row.method} {row.path} as {subject}: {response.status_code}, not {expected}: {response.text[:200]}"
    is_json = response.headers.get("content-type", "").startswith("application/json")
    if expected >= 400 and (is_json or row.path.startswith("/api/")):  # a page may answer with its own page
        if not is_json:
            return f"{row.method} {row.path} as {subject}: {expected} but not JSON: {response.text[:100]}"
        error = response.json()["error"]
        if not (error["code"] and error["message"]):
            return f"{row.method} {row.path} as {subject}: no code or message in {error}"
    if expected in (404, 403) and "/people" in row.path and "430" in json.dumps(response.json()):
        return f"{row.method} {row.path} as {subject}: a refusal leaks the record"
    return None


def _send(client: TestClient, row: Row, names: dict[str, Any], headers: dict[str, str]) -> Any:
    # The public license check is rate-limited per address; this matrix is not what it counts.
    throttle.VERIFY.clear()
    path = _fill(row.path, names)
    if row.form is not None:
        files = [("file", ("a.png", png(1), "image/png"))] if "material" in row.form else None
        return client.request(row.method, path, headers=headers, data=row.form, files=files)
    body = _fill(row.body, names) if row.body is not None else None
    return client.request(row.method, path, headers=headers, json=body)


@pytest.mark.parametrize(
    ("row", "subject"),
    [
        pytest.param(r, s, id=f"{r.method} {r.path} as {s}", marks=_marks(r) if r.status_for(s) >= 400 else [])
        for r, s in CASES
    ],
)
def test_permission(
    row: Row, subject: str, client: TestClient, db: Session, login: Callable[[str], dict[str, str]]
) -> None:
    account = SUBJECTS[subject]
    response = _send(client, row, _placeholders(db), login(account) if account else {})
    problem = _check(row, subject, response)
    assert problem is None, problem


def _given(name: str, client: TestClient, db: Session, login: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    """The objects a scenario's rows act on, made through the API by the people who would make them:
    王磊's restaurant case at 株洲荷塘 (another city for every Changsha subject; his own as the agent)."""
    if name == "draft":
        return {"case": draft(client, login(AGENT))["number"]}
    if name == "accepted":
        number, detail = accepted(client, login)
        material = next(m["id"] for m in detail["materials"])
        return {"case": number, "task": task_id(detail, "food_business_permit"), "material": material}
    if name == "run":
        run = runs.start(db, None, dt.date(2026, 3, 2))  # queued, never executed: enough to be looked at
        db.flush()
        return {"run": run.id}
    assert name == "concluded", name
    number = concluded(client, login)
    review = bad_review(client, login, number)
    license_ = db.scalar(
        select(License.identifier).where(
            License.case_id == select(Case.id).where(Case.number == number).scalar_subquery()
        )
    )
    token = db.scalar(select(License.verify_token).where(License.identifier == license_))
    return {"case": number, "evaluation": review["id"], "license": license_, "license_token": token}


GIVEN = sorted({row.given for row in ROWS if row.given})


@pytest.mark.parametrize("given", GIVEN)
def test_permission_given(
    given: str, client: TestClient, db: Session, connection: Connection, login: Callable[[str], dict[str, str]]
) -> None:
    """Rows that need a real case, task, license or evaluation: made once, and every request (each row
    as each subject) undone after it by a savepoint, so each one meets the same objects."""
    names = {**_placeholders(db), **_given(given, client, db, login)}
    headers = {subject: login(account) if account else {} for subject, account in SUBJECTS.items()}
    wrong: list[str] = []
    suspects: list[str] = []
    fixed: list[str] = []
    for row in (r for r in ROWS if r.given == given):
        problems = []
        for subject in SUBJECTS:
            point = connection.begin_nested()
            try:
                response = _send(client, row, names, headers[subject])
            finally:
                point.rollback()
            problems.append(_check(row, subject, response))
        found = [p for p in problems if p]
        if not row.suspect:
            wrong += found
        elif found:
            suspects.append(f"{row.method} {row.path}: {row.suspect}")
        else:
            fixed.append(f"{row.method} {row.path}")
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)
    assert not fixed, f"suspect rows that now pass (drop their ``suspect``): {fixed}"
    if suspects:
        pytest.xfail("; ".join(suspects))


def test_every_subject_is_covered() -> None:
    """A matrix with a role missing would silently test nothing for it."""
    from onething.identity.principal import ROLES

    assert set(ROLES) <= set(SUBJECTS)


# Routes that decide nothing about who may do what: static files, the health check, the API's own
# description and its viewer. Everything else needs at least one row above.
NOT_PERMISSION_RELEVANT = {
    ("GET", "/static/{path}"),
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/static/swagger-ui/{path}"),  # the viewer's pinned files (web.docs)
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}


def _routes() -> list[tuple[str, str, re.Pattern[str]]]:
    """(method, path template, its pattern) of every route the app serves, in matching order."""
    app = create_app(make_engine("sqlite://"))
    found = []
    for context in iter_route_contexts(app.routes):
        template = str(context.path_format)
        methods = context.methods or {"GET"}  # a mount: static files are read
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        found += [(m, template, pattern) for m in sorted(methods) if m != "HEAD"]
    return found


def _route_of(method: str, path: str, routes: list[tuple[str, str, re.Pattern[str]]]) -> str | None:
    """The template a request would reach: the first route matching both method and path, as Starlette picks."""
    bare = path.split("?")[0]
    return next((t for m, t, p in routes if m == method and p.match(bare)), None)


def test_every_route_is_in_the_matrix() -> None:
    routes = _routes()
    covered = {(row.method, _route_of(row.method, row.path, routes)) for row in ROWS}
    missing = sorted({(m, t) for m, t, _ in routes} - covered - NOT_PERMISSION_RELEVANT, key=lambda r: (r[1], r[0]))
    assert not missing, f"{len(missing)} routes have no row in tests/permissions.py:\n" + "\n".join(
        f"  {m} {t}" for m, t in missing
    )


def test_every_row_reaches_a_route() -> None:
    routes = _routes()
    lost = [f"{row.method} {row.path}" for row in ROWS if _route_of(row.method, row.path, routes) is None]
    assert not lost, lost
