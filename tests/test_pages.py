"""Plain pages that work without JavaScript: list, search, questionnaire step by step, guide."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.models import AuditEntry

HTML = {"accept": "text/html"}


def test_home_lists_every_thing(client: TestClient) -> None:
    r = client.get("/", headers=HTML)
    assert r.status_code == 200
    total = client.get("/api/v1/things").json()["total"]
    assert r.text.count('class="card"') == total
    assert "新生儿出生" in r.text and "开办餐饮店" in r.text


def test_search_box_finds_by_everyday_words(client: TestClient) -> None:
    r = client.get("/", params={"q": "孩子出生了"}, headers=HTML)
    assert r.status_code == 200
    first = re.search(r'<li class="card"[^>]*>\s*<a href="/things/([a-z_]+)">', r.text)
    assert first is not None
    assert client.get(f"/api/v1/things/{first.group(1)}").json()["name"] == "新生儿出生"


def _first_options(client: TestClient, code: str) -> dict[str, str]:
    detail = client.get(f"/api/v1/things/{code}").json()
    return {q["code"]: q["options"][0]["code"] for q in detail["questions"] if q["when"] is None and q["required"]}


@pytest.mark.parametrize("query", ["", "?all=1"])
def test_questionnaire_page_has_labelled_inputs(client: TestClient, query: str) -> None:
    r = client.get(f"/things/open_restaurant{query}", headers=HTML)
    assert r.status_code == 200
    ids = re.findall(r'<input type="(?:radio|checkbox)" id="([^"]+)"', r.text)
    assert ids
    for input_id in ids:
        assert f'<label for="{input_id}"' in r.text
    # One question per step; every question on one page with ?all=1.
    target = "/things/open_restaurant/guide" if query else "/things/open_restaurant"
    assert f'action="{target}"' in r.text


def test_incomplete_answers_lead_back_to_the_next_question(client: TestClient) -> None:
    r = client.get("/things/open_restaurant/guide", headers=HTML)
    assert r.status_code == 200
    assert 'role="alert"' in r.text and "请回答" in r.text


def test_guide_page_shows_items_materials_and_saving(client: TestClient) -> None:
    answers = _first_options(client, "open_restaurant")
    api = client.post("/api/v1/things/open_restaurant/guide", json={"answers": answers}).json()
    r = client.get("/things/open_restaurant/guide?" + urlencode(answers), headers=HTML)
    assert r.status_code == 200, r.text[:500]
    assert "一次告知书" in r.text
    for item in api["items"]:
        assert item["name"] in r.text
    assert f"{api['saving']['fields_alone']} 项" in r.text
    exempt = [m for m in api["materials"] if m["exempt"]]
    assert exempt, "the applicant's ID card can always be read from the e-license"
    assert r.text.count("免提交</strong>") == len(exempt)


def test_invalid_option_on_a_page_is_an_error_page_not_a_crash(client: TestClient) -> None:
    answers = _first_options(client, "open_restaurant")
    key = next(iter(answers))
    r = client.get("/things/open_restaurant/guide?" + urlencode({**answers, key: "bogus"}), headers=HTML)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "没有选项 bogus" in r.text and 'role="alert"' in r.text


def test_unknown_thing_is_an_html_404_for_browsers(client: TestClient) -> None:
    r = client.get("/things/nope", headers=HTML)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "没有编码为 nope 的一件事" in r.text


def test_item_page(client: TestClient) -> None:
    r = client.get("/items/business_registration", headers=HTML)
    assert r.status_code == 200
    assert "设定依据" in r.text


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _page_login(client: TestClient, login: str) -> None:
    token = _csrf_of(client.get("/login").text)
    r = client.post("/login", data={"login": login, "password": "Demo@2026", "csrf_token": token})
    assert r.status_code == 200, r.text  # followed to /me


def test_citizen_sees_own_account_masked_until_asked_and_the_look_is_audited(client: TestClient, db: Session) -> None:
    _page_login(client, "430104199003070023")
    page = client.get("/me")
    assert "4301**********0023" in page.text and "430104199003070023" not in page.text
    assert 'href="/admin/users"' not in page.text and 'href="/audit"' not in page.text
    before = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    full = client.post("/me/person", data={"csrf_token": _csrf_of(page.text)})
    assert "430104199003070023" in full.text and "麓山南路" in full.text
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before + 1


def test_admin_pages_show_only_the_region(client: TestClient) -> None:
    _page_login(client, "zz_admin")
    users = client.get("/admin/users")
    assert users.status_code == 200 and "zz_clerk" in users.text and "cs_clerk" not in users.text
    audit = client.get("/audit?since=&until=")
    assert audit.status_code == 200 and "审计日志" in audit.text


def test_audit_page_refuses_a_citizen(client: TestClient) -> None:
    _page_login(client, "430104199003070023")
    r = client.get("/audit", headers={"accept": "text/html"})
    assert r.status_code == 403 and "权限" in r.text


def test_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    for path in ("/me", "/admin/users", "/audit"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_org_directory_is_public(client: TestClient) -> None:
    r = client.get("/orgs?region=430104")
    assert r.status_code == 200 and "长沙市岳麓区市场监督管理局" in r.text
