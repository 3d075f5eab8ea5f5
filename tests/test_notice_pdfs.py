"""The window's printed papers of 开办餐饮店: the one-time correction notice while the case waits for
corrections, then the acceptance receipt after 容缺受理 — who may print them, when, and what they say."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from typing import Any

import pypdf
import pytest
import zxingcpp
from cases_support import AGENT, TOLERABLE, ok, snapshot, submitted, upload
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from onething.cases import notices, printing
from onething.cases.notices import CORRECTION_RULE, PLATFORM
from onething.demo.cases import png
from onething.kit.masking import mask_id_number

MASKED_AGENT = mask_id_number(AGENT)
OTHER_CITIZEN = "430104199003070023"  # 李娜, nothing to do with the restaurant
NOTICE = {
    "items": [
        {"kind": "material", "code": "storefront_photo", "reason": "门头照片不清晰，请重新拍摄"},
        {"kind": "field", "code": "signboard_text", "reason": "招牌文字与企业名称不一致"},
    ],
    "note": "请一次补齐以下内容",
}
COMMITMENT = "本企业承诺在 5 个工作日内补齐容缺材料"
SHORTFALL = {"materials": list(TOLERABLE), "due_days": 5, "commitment": COMMITMENT}


def _login(client: TestClient, login: str) -> None:
    """A browser's session cookie, through the login form."""
    client.cookies.clear()
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    form = {"login": login, "password": "Demo@2026", "csrf_token": found.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _pdf(client: TestClient, path: str) -> pypdf.PdfReader:
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("inline; filename=") and path.rsplit("/", 2)[1] in disposition
    assert r.headers["cache-control"] == "private, no-store"
    return pypdf.PdfReader(io.BytesIO(r.content))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    """Line breaks fall anywhere in a long paragraph: compare without them."""
    return re.sub(r"\s+", "", text)


def _refused(client: TestClient, db: Session, path: str, status: int, code: str) -> None:
    """Refused, as JSON to a program and as a page to a browser, and nothing written."""
    before = snapshot(db)
    r = client.get(path)
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert snapshot(db) == before


def test_correction_notice_then_receipt_after_shortfall(client: TestClient, login: Any, db: Session) -> None:
    agent, clerk = login(AGENT), login("ht_clerk")
    number = submitted(client, agent, skip=TOLERABLE)
    receipt, notice = f"/cases/{number}/receipt.pdf", f"/cases/{number}/correction-notice.pdf"

    # Submitted, not yet looked at: neither paper exists.
    _login(client, "ht_clerk")
    _refused(client, db, receipt, 409, "not_accepted")
    _refused(client, db, notice, 409, "no_correction")

    # One correction notice; the clerk prints it, and so does the applicant's agent.
    ok(client.post(f"/api/v1/cases/{number}/request-correction", json=NOTICE, headers=clerk))
    for account in ("ht_clerk", AGENT):
        _login(client, account)
        text = _text(_pdf(client, notice))
        flat = _flat(text)
        assert "一次性补正告知书" in text and number in text and PLATFORM in text
        assert "株洲市荷塘区敏记餐饮有限公司" in text and "开办餐饮店" in text
        assert MASKED_AGENT in text and AGENT not in flat
        assert "1.【材料】经营场所门头和内部现状照片：门头照片不清晰，请重新拍摄" in flat
        assert "2.【表单】招牌文字内容：招牌文字与企业名称不一致" in flat
        assert "请一次补齐以下内容" in text and _flat(CORRECTION_RULE) in flat
        assert "承办人：黄荷塘窗口" in text  # the clerk who asked
    _refused(client, db, receipt, 409, "not_accepted")  # waiting for corrections is not accepted

    # Corrected and resubmitted: the notice is spent.
    ok(upload(client, agent, number, "storefront_photo", png(99)), 201)
    ok(client.put(f"/api/v1/cases/{number}", json={"form": {"signboard_text": "敏记餐饮"}}, headers=agent))
    ok(client.post(f"/api/v1/cases/{number}/submit", headers=agent))
    _refused(client, db, notice, 409, "no_correction")

    case = ok(client.post(f"/api/v1/cases/{number}/accept-with-shortfall", json=SHORTFALL, headers=clerk))
    names = {m["code"]: m["name"] for m in case["needed_materials"]}
    received = [names[m["material"]] for m in case["materials"]]
    due = case["shortfall"]["due"]
    assert received and case["tasks"] and case["receiving_org"]

    for account in ("ht_clerk", AGENT):
        _login(client, account)
        reader = _pdf(client, receipt)
        text = _text(reader)
        flat = _flat(text)
        assert "受理回执" in text and PLATFORM in text and number in text and "开办餐饮店" in text
        assert "株洲市荷塘区敏记餐饮有限公司" in text
        assert MASKED_AGENT in text and AGENT not in flat
        assert case["receiving_org"] in text
        for task in case["tasks"]:
            if task["kind"] == "approval":
                assert task["item_name"] in flat and task["org"] in flat
        for name in received:
            assert name in flat
        for code in TOLERABLE:  # the shortfall, its due date and the applicant's commitment
            assert names[code] in flat
        year, month, day = (int(part) for part in due.split("-"))
        assert f"应于{year}年{month}月{day}日前补齐" in flat
        assert _flat(COMMITMENT) in flat
        assert f"承诺办理时限：{case['promised_days']}个工作日" in flat
        deadline = case["deadline"].split("-")
        assert f"承诺办结日：{int(deadline[0])}年{int(deadline[1])}月{int(deadline[2])}日" in flat
        # The QR code leads to the case page.
        [image] = reader.pages[0].images
        assert image.image is not None
        scanned = [b.text for b in zxingcpp.read_barcodes(image.image.convert("L"))]
        assert scanned == [printing.case_url(number)] and scanned[0].endswith(f"/cases/{number}")
        assert _flat(scanned[0]) in flat
    _refused(client, db, notice, 409, "no_correction")


def test_only_the_applicant_and_the_receiving_clerk_may_print(client: TestClient, login: Any, db: Session) -> None:
    agent, clerk = login(AGENT), login("ht_clerk")
    number = submitted(client, agent)
    ok(client.post(f"/api/v1/cases/{number}/accept", json={}, headers=clerk))
    receipt = f"/cases/{number}/receipt.pdf"

    # A browser that is not logged in goes to the login page and comes back.
    client.cookies.clear()
    r = client.get(receipt, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={receipt}"

    # Someone else, and another hall's clerk, do not learn that the case exists.
    for account in (OTHER_CITIZEN, "cs_clerk"):
        _login(client, account)
        _refused(client, db, receipt, 404, "case_not_found")
        _refused(client, db, f"/cases/{number}/correction-notice.pdf", 404, "case_not_found")
    # A department reads the case to decide its item; printing the applicant's papers is not its part.
    _login(client, "ht_market")
    _refused(client, db, receipt, 403, "not_applicant_or_clerk")

    _login(client, AGENT)
    text = _text(_pdf(client, receipt))
    assert number in text and "容缺" not in text  # a plain acceptance has no shortfall section
    assert MASKED_AGENT in text and AGENT not in _flat(text)
    _refused(client, db, "/cases/43020220260101999999/receipt.pdf", 404, "case_not_found")


def test_long_papers_run_onto_more_pages_and_every_glyph_is_in_the_font(caplog: pytest.LogCaptureFixture) -> None:
    applicant = notices.Applicant("person", "欧阳䶮", mask_id_number("430104199003070023"))
    paper = notices.Receipt(
        number="43020220260928000001",
        thing_name="开办餐饮店",
        applicant=applicant,
        receiving_org="株洲市荷塘区政务服务中心",
        window=None,
        accepted_on=dt.date(2026, 9, 29),
        promised_days=10,
        promised_date=dt.date(2026, 10, 19),
        items=tuple(notices.Item(f"第{n}项许可", "株洲市荷塘区市场监督管理局", 7) for n in range(12)),
        materials=tuple(f"第{n}份材料（经营场所门头和内部现状照片，复印件一份）" for n in range(60)),
        shortfall=None,
        case_url="http://127.0.0.1:8000/cases/43020220260928000001",
        printed_on=dt.date(2026, 9, 29),
    )
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        reader = pypdf.PdfReader(io.BytesIO(notices.receipt_pdf(paper)))
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    pages = len(reader.pages)
    assert pages >= 2
    text = _text(reader)
    assert "欧阳䶮" in text and "4301**********0023" in text and "430104199003070023" not in _flat(text)
    assert all(f"第{n}份材料" in text for n in range(60))  # nothing lost at a page break
    assert all(f"第 {n} 页 共 {pages} 页" in text for n in range(1, pages + 1))
    assert "容缺" not in text and "经办人" not in text
