"""开办餐饮店 through the plain pages (no JavaScript): apply from the guide, fill the one form,
upload, submit; the window's correction notice and 容缺受理; the departments' inbox with a
suspension; results handed over at the window."""

from __future__ import annotations

import random
import re
from typing import Any

from cases_support import AGENT, APPROVERS, CREDIT_CODE, TOLERABLE
from fastapi.testclient import TestClient

from onething.demo.cases import RESTAURANT_ANSWERS, fill_missing, png


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _as(client: TestClient, login: str) -> None:
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login", data={"login": login, "password": "Demo@2026", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def _post(
    client: TestClient, path: str, data: dict[str, object] | None = None, page: str | None = None, **kw: object
) -> str:
    token = _csrf(client.get(page or path.rsplit("/", 1)[0]).text)
    r = client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=True, **kw)
    assert r.status_code == 200, r.text[:2000]
    return r.text


def _upload(client: TestClient, number: str, code: str, seed: int) -> str:
    page = f"/cases/{number}"
    return _post(
        client, f"{page}/materials", {"material": code}, page, files={"file": (f"{code}.png", png(seed), "image/png")}
    )


def _api(client: TestClient, number: str) -> dict[str, Any]:
    """The API from a logged-in browser: the session cookie plus the page's CSRF token."""
    token = _csrf(client.get(f"/cases/{number}").text)
    r = client.get(f"/api/v1/cases/{number}", headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_restaurant_through_the_pages(client: TestClient) -> None:
    _as(client, AGENT)
    query = "has_license=yes&premises=leased&area=gt300&extras=signboard"
    guide = client.get(f"/things/open_restaurant/guide?{query}")
    assert 'action="/things/open_restaurant/apply"' in guide.text
    hidden = dict(re.findall(r'name="(a_[a-z_\[\]]+)" value="([^"]+)"', guide.text))
    assert hidden == {"a_has_license": "yes", "a_premises": "leased", "a_area": "gt300", "a_extras[]": "signboard"}
    r = client.post(
        "/things/open_restaurant/apply",
        data={**hidden, "enterprise": CREDIT_CODE, "csrf_token": _csrf(guide.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    number = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/cases/{number}").text
    assert "来源：法人基础信息库" in page and "株洲市荷塘区敏记餐饮有限公司" in page
    assert RESTAURANT_ANSWERS["area"] == "gt300"

    # The one form, posted as a browser would (text), then every material but the tolerable ones.
    api = _api(client, number)
    values = fill_missing(api, random.Random(3))
    form = {k: ("true" if v is True else "false" if v is False else v) for k, v in values.items()}
    page = _post(client, f"/cases/{number}/form", form, f"/cases/{number}")
    assert "已保存" in page and "还有" not in page  # what blocks submission shows once they try
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    early = client.post(
        f"/cases/{number}/submit", data={"token": token.group(1), "csrf_token": _csrf(page)}, follow_redirects=True
    )
    assert early.status_code == 422 and "还有" in early.text  # materials still to upload, each linked
    linked = re.findall(r'<li><a href="#(m_[a-z0-9_]+)">请上传「', early.text)
    assert linked and all(f'id="{target}"' in early.text for target in linked)
    assert len(linked) == len(re.findall(r'class="error" id="e_m_', early.text))  # and beside each material
    for n, m in enumerate(api["needed_materials"]):
        if m["exempt"] != "bundle" and m["code"] not in TOLERABLE:
            _upload(client, number, m["code"], n)
    page = client.get(f"/cases/{number}").text
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    page = _post(client, f"/cases/{number}/submit", {"token": token.group(1)}, f"/cases/{number}")
    assert "提交成功" in page and number in page
    assert "待受理" in client.get(f"/cases/{number}").text

    # The clerk's workbench, and one correction notice.
    _as(client, "ht_clerk")
    assert number in client.get("/workbench").text
    page = client.get(f"/cases/{number}").text
    assert 'id="correction-editor"' in page and "容缺受理" in page
    page = _post(
        client,
        f"/cases/{number}/request-correction",
        {"pick": ["material:storefront_photo"], "reason:material:storefront_photo": "门头照片不清晰", "note": "请补正"},
        f"/cases/{number}",
    )
    assert "待补正" in page

    _as(client, AGENT)
    page = client.get(f"/cases/{number}").text
    assert "一次性补正告知" in page and "门头照片不清晰" in page
    _upload(client, number, "storefront_photo", 77)
    page = client.get(f"/cases/{number}").text
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    assert "提交成功" in _post(client, f"/cases/{number}/submit", {"token": token.group(1)}, f"/cases/{number}")

    _as(client, "ht_clerk")
    page = _post(
        client,
        f"/cases/{number}/accept-with-shortfall",
        {"materials": list(TOLERABLE), "due_days": "5", "commitment": "承诺五个工作日内补齐"},
        f"/cases/{number}",
    )
    assert "已受理" in page and "补齐前审批结果暂缓发放" in page

    # Each department works from its inbox; the fire check goes through a site inspection.
    tasks = {t["item"]: t["id"] for t in _api(client, number)["tasks"]}
    for item, account in APPROVERS.items():
        _as(client, account)
        assert f"/tasks/{tasks[item]}" in client.get("/inbox").text
        task = f"/tasks/{tasks[item]}"
        assert "办理中" in _post(client, f"{task}/claim", page=task)
        if item == "public_gathering_fire_check":
            assert "特别程序" in _post(
                client, f"{task}/suspend", {"kind": "site_inspection", "reason": "现场勘验"}, task
            )
            _post(client, f"{task}/resume", {"opinion": "勘验合格"}, task)
        page = _post(client, f"{task}/approve", {"opinion": "经审查，符合法定条件，准予许可。", "confirmed": "1"}, task)
        assert "准予" in page

    _as(client, AGENT)
    page = client.get(f"/cases/{number}").text
    assert "已办结" in page
    for n, code in enumerate(TOLERABLE):
        _upload(client, number, code, 100 + n)

    _as(client, "ht_clerk")
    page = _post(client, f"/cases/{number}/deliver", {"method": "window"}, f"/cases/{number}")
    assert "已归档" in page
    for step in ("一次性告知补正", "容缺受理", "进入特别程序", "特别程序结束", "办结", "补齐容缺材料", "出件", "归档"):
        assert step in page, step


def test_refused_page_action_shows_the_reason_and_changes_nothing(client: TestClient) -> None:
    _as(client, AGENT)
    r = client.post("/cases/43020220260101999999/submit", data={"csrf_token": "x"}, headers={"accept": "text/html"})
    assert r.status_code in (403, 404)
    _as(client, "ht_clerk")
    page = client.get("/workbench").text
    assert "综合窗口工作台" in page
