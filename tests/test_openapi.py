"""/openapi.json documents every error status an operation can return, with our error body; and real
error responses match what it documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import schemathesis
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from schemathesis.core.result import Ok
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.kit.db import make_engine
from onething.kit.openapi import EXTRA
from onething.kit.openapi_links import LINKS
from onething.licenses import throttle
from onething.models import Org
from onething.web.app import create_app

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    document: dict[str, Any] = create_app(make_engine("sqlite://")).openapi()
    return document


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), path, op) for path, ops in doc["paths"].items() for m, op in ops.items()]


def test_the_document_is_valid_openapi_that_schemathesis_loads(doc: dict[str, Any]) -> None:
    validate(doc)
    schema = schemathesis.openapi.from_dict(doc)
    results = list(schema.get_all_operations())
    assert [r for r in results if not isinstance(r, Ok)] == []
    assert len(results) == len(_operations(doc)) > 80


def test_every_operation_documents_its_errors_with_our_schema(doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in json.dumps(doc)
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]
    for method, path, op in _operations(doc):
        responses = op["responses"]
        assert {"422", "500", "503"} <= set(responses), f"{method} {path}"
        if "{" in path:
            assert "404" in responses, f"{method} {path}"
        if method != "GET":
            assert "413" in responses, f"{method} {path}"
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, f"{method} {path}"
                assert response["description"] and response["description"] != "Validation Error"


def test_login_and_rate_limits_are_documented_where_they_apply(doc: dict[str, Any]) -> None:
    ops = {(m, p): op["responses"] for m, p, op in _operations(doc)}
    # Who is asking: a bad token is refused even on routes open to everyone that ask it.
    assert {"401", "403"} <= set(ops[("GET", "/api/v1/me")])
    assert {"401", "403"} <= set(ops[("POST", "/api/v1/cases/{number}/submit")])
    # Routes that never ask who is calling cannot answer 401.
    assert "401" not in ops[("GET", "/api/v1/things")]
    assert "401" not in ops[("GET", "/api/v1/regions/{code}")]
    # Rate-limited: the login, the public license check and the progress look-up.
    for rate_limited in [
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/licenses/verify"),
        ("GET", "/api/v1/licenses/{identifier}/verify"),
        ("POST", "/api/v1/progress"),
    ]:
        assert "429" in ops[rate_limited], rate_limited
    assert "429" not in ops[("GET", "/api/v1/cases")]
    # Writes can conflict; reads cannot.
    assert "409" in ops[("POST", "/api/v1/cases/{number}/accept")]
    assert "409" not in ops[("GET", "/api/v1/cases/{number}")]


def test_every_extra_names_a_real_operation(doc: dict[str, Any]) -> None:
    ops = {(m, p) for m, p, _ in _operations(doc)}
    assert set(EXTRA) <= ops, set(EXTRA) - ops


def _documented(doc: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The response's status is documented for the operation and its body matches the schema given."""
    responses = doc["paths"][path][method.lower()]["responses"]
    assert str(response.status_code) in responses, f"{method} {path}: {response.status_code} undocumented"
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    resolved = {**doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]}
    jsonschema.validate(response.json(), resolved)


def test_downloads_document_what_they_answer(doc: dict[str, Any]) -> None:
    """A client (or schemathesis) reads the media types of a 200 from the document."""
    kinds = {
        ("get", "/api/v1/licenses/{identifier}/pdf"): {"application/pdf"},
        ("get", "/api/v1/cases/{number}/materials/{material_id}/file"): {"application/pdf", "image/jpeg", "image/png"},
        ("get", "/api/v1/stats/evaluations"): {
            "application/json",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    }
    for (method, path), expected in kinds.items():
        assert set(doc["paths"][path][method]["responses"]["200"]["content"]) == expected, path


def test_real_errors_match_the_documented_schema(
    client: TestClient, db: Session, login: Callable[[str], dict[str, str]]
) -> None:
    doc = client.get("/openapi.json").json()
    orgs = db.scalar(select(func.count()).select_from(Org))

    anonymous = client.get("/api/v1/me")
    assert anonymous.status_code == 401
    _documented(doc, "GET", "/api/v1/me", anonymous)

    missing = client.get("/api/v1/cases/00000000000000000000", headers=login("cs_clerk"))
    assert missing.status_code == 404
    _documented(doc, "GET", "/api/v1/cases/{number}", missing)

    invalid = client.post("/api/v1/orgs", json={"name": 1}, headers=login("cs_admin"))
    assert invalid.status_code == 422 and invalid.json()["error"]["field"]
    _documented(doc, "POST", "/api/v1/orgs", invalid)
    assert db.scalar(select(func.count()).select_from(Org)) == orgs

    forbidden = client.get("/api/v1/audit", headers=login("430104199003070023"))
    assert forbidden.status_code == 403
    _documented(doc, "GET", "/api/v1/audit", forbidden)

    throttle.VERIFY.clear()
    try:
        path = "/api/v1/licenses/{identifier}/verify"
        answers: list[Any] = []
        while len(answers) < 1000 and (not answers or answers[-1].status_code != 429):
            answers.append(client.get(path.format(identifier="no-such-license")))
        assert answers[-1].status_code == 429, "the public check was never rate-limited"
        for answer in (answers[0], answers[-1]):  # before the limit an unknown identifier is an error too
            _documented(doc, "GET", path, answer)
    finally:
        throttle.VERIFY.clear()


def test_links_lead_from_an_answer_to_the_next_step(doc: dict[str, Any]) -> None:
    """Every link names a real operation and fills exactly that operation's path parameters from a
    field its source answer has (schemathesis' stateful phase follows them)."""
    operations = {op["operationId"]: (path, op) for path, ops in doc["paths"].items() for op in ops.values()}
    walked = 0
    for (method, path, status), links in LINKS.items():
        response = doc["paths"][path][method.lower()]["responses"][status]
        schema = _resolved(doc, response["content"]["application/json"]["schema"])
        assert set(response["links"]) == set(links)
        for link in response["links"].values():
            target_path, target = operations[link["operationId"]]
            wanted = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            assert set(link["parameters"]) == wanted, (path, target_path)
            for source in link["parameters"].values():
                if source.startswith("$response.body#/"):
                    first = source.removeprefix("$response.body#/").split("/")[0]
                    assert first in schema.get("properties", {}), (path, source)
                else:
                    assert source.removeprefix("$request.path.") in path, (path, source)
                walked += 1
    assert walked >= 20


def _resolved(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema
