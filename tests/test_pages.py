"""Plain pages that work without JavaScript: list, search, questionnaire step by step, guide."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi.testclient import TestClient

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


def test_questionnaire_page_has_labelled_inputs(client: TestClient) -> None:
    r = client.get("/things/open_restaurant", headers=HTML)
    assert r.status_code == 200
    ids = re.findall(r'<input type="(?:radio|checkbox)" id="([^"]+)"', r.text)
    assert ids
    for input_id in ids:
        assert f'<label for="{input_id}"' in r.text
    assert 'action="/things/open_restaurant/guide"' in r.text


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
