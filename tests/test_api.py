"""The REST API: lists, search, details, the guide, and errors in one JSON shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.models import CatalogVersion


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "catalog_version": 1}


def test_things_list_filters_by_audience(client: TestClient) -> None:
    everyone = client.get("/api/v1/things").json()
    people = client.get("/api/v1/things", params={"audience": "individual"}).json()
    firms = client.get("/api/v1/things", params={"audience": "enterprise"}).json()
    assert everyone["total"] == people["total"] + firms["total"]
    assert {t["audience"] for t in people["items"]} == {"individual"}
    assert people["total"] > 0 and firms["total"] > 0


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("孩子出生了", "新生儿出生"),
        ("开个饭馆", "开办餐饮店"),
        ("老人去世", "身后"),
        ("开超市", "开便利店"),
        ("办民宿", "开办民宿"),
        ("我要退休", "退休"),
        ("注销公司", "经营主体注销登记"),
        ("盖厂房", "社会投资一般工业项目"),
    ],
)
def test_search_finds_things_by_everyday_words(client: TestClient, q: str, expected: str) -> None:
    r = client.get("/api/v1/things", params={"q": q})
    assert r.status_code == 200
    names = [t["name"] for t in r.json()["items"]]
    assert names, f"nothing found for {q}"
    assert expected in names[0], f"{q}: {names[:3]}"


def test_thing_detail_has_questions_and_components(client: TestClient) -> None:
    r = client.get("/api/v1/things/open_restaurant")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "开办餐饮店"
    assert body["questions"] and all(q["options"] for q in body["questions"])
    assert body["components"]


def test_guide_endpoint_returns_the_whole_guide(client: TestClient) -> None:
    detail = client.get("/api/v1/things/open_restaurant").json()
    answers = {
        q["code"]: ([q["options"][0]["code"]] if q["multiple"] else q["options"][0]["code"])
        for q in detail["questions"]
        if q["when"] is None
    }
    r = client.post("/api/v1/things/open_restaurant/guide", json={"answers": answers, "region": "430102"})
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["thing_code"] == "open_restaurant" and g["catalog_version"] == 1
    assert g["items"] and g["materials"] and g["form"] and g["steps"]
    assert g["region_name"] == "芙蓉区"
    assert g["saving"]["forms_bundled"] == 1


def test_item_detail(client: TestClient) -> None:
    r = client.get("/api/v1/items/business_registration")
    assert r.status_code == 200
    body = r.json()
    assert body["legal_basis"] and body["materials"]
    assert "open_restaurant" in body["things"]


def _assert_error(r, status: int, code: str, field: str | None) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert err["field"] == field
    assert err["message"]


def test_errors_have_one_shape(client: TestClient, db: Session) -> None:
    versions = db.scalar(select(func.count()).select_from(CatalogVersion))
    _assert_error(client.get("/api/v1/things/nope"), 404, "thing_not_found", "code")
    _assert_error(client.get("/api/v1/items/nope"), 404, "item_not_found", "code")
    _assert_error(client.post("/api/v1/things/nope/guide", json={"answers": {}}), 404, "thing_not_found", "code")
    _assert_error(
        client.post("/api/v1/things/open_restaurant/guide", json={"answers": {"nope": "x"}}),
        422,
        "unknown_question",
        "answers.nope",
    )
    _assert_error(
        client.post("/api/v1/things/open_restaurant/guide", json={"answers": {}, "region": "12"}),
        422,
        "invalid_request",
        "region",
    )
    _assert_error(client.post("/api/v1/things/open_restaurant/guide", content=b"{"), 422, "invalid_request", None)
    _assert_error(client.get("/api/v1/things", params={"audience": "alien"}), 422, "invalid_audience", "audience")
    _assert_error(client.get("/no/such/page"), 404, "not_found", None)
    assert db.scalar(select(func.count()).select_from(CatalogVersion)) == versions


def test_required_question_unanswered_names_it(client: TestClient) -> None:
    detail = client.get("/api/v1/things/open_restaurant").json()
    first = next(q for q in detail["questions"] if q["required"] and q["when"] is None)
    r = client.post("/api/v1/things/open_restaurant/guide", json={"answers": {}})
    _assert_error(r, 422, "answer_required", f"answers.{first['code']}")
    assert first["text"] in r.json()["error"]["message"]


def test_calendar_endpoint(client: TestClient) -> None:
    r = client.get("/api/v1/calendar/add-days", params={"date": "2026-09-30", "days": 1})
    assert r.status_code == 200
    assert r.json()["result"] == "2026-10-08"
    _assert_error(
        client.get("/api/v1/calendar/add-days", params={"date": "x", "days": 1}), 422, "invalid_request", "date"
    )


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/things/{code}/guide" in spec["paths"]
