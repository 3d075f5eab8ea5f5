"""Electronic licenses in Chromium, as their people meet them: 王磊 opens 我的证照 and finds his own cards
and, under 敏记餐饮, the restaurant's business licence; its page shows the licence, not the application;
he downloads the signed file. A stranger checks it at /verify three ways — typing the identifier,
uploading the file, following the QR code's link — and sees the enterprise's public facts; of a natural
person's document the identifier shows only its type, issuer and status, the QR code's link a masked name.
On a 375 px phone without JavaScript and on a desktop."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.support import DESKTOP, PHONE, Person, overflow, serious_violations
from onething.demo.accounts import ENTERPRISE
from onething.kit.db import session_scope
from onething.licenses import throttle
from onething.models import License

AGENT = "430202198506150138"  # 王磊, acts for 敏记餐饮
MOTHER = "430202197809210244"  # 赵敏
MINJI = str(ENTERPRISE["credit_code"])
MINJI_NAME = str(ENTERPRISE["name"])
ENGLISH = re.compile(r"\b(issue|valid|revoked?|cancel(?:led)?|expired?|penalty_revoked?|person|enterprise)\b")
DEVICES = [pytest.param(PHONE, False, id="phone-no-js"), pytest.param(DESKTOP, True, id="desktop-js")]


@pytest.fixture(autouse=True)
def _fresh_verify_limit() -> Iterator[None]:
    """Each test starts with no checks counted against this machine's address (the server runs in this
    process); a person's whole visit stays within the real limit."""
    throttle.VERIFY.clear()
    yield
    throttle.VERIFY.clear()


def _identifier(site: Any, holder: str, license_type: str) -> str:
    return _first(site, holder, license_type)[0]


def _first(site: Any, holder: str, license_type: str) -> tuple[str, str]:
    """The identifier and the verification token of the holder's first license of the type."""
    with session_scope(site.engine) as session:
        found = session.execute(
            select(License.identifier, License.verify_token)
            .where(License.holder_code == holder, License.license_type == license_type)
            .order_by(License.id)
            .limit(1)
        ).first()
    assert found is not None, (holder, license_type)
    return str(found[0]), str(found[1])


def _laid_out(person: Person, javascript: bool = True) -> None:
    """On a phone nothing scrolls sideways; axe (it needs scripting) finds nothing serious."""
    problems = serious_violations(person.page) if javascript else []
    if person.device == "phone" and (wider := overflow(person.page)) > 0:
        problems.append(f"{person.page.url} is {wider} px wider than the phone")
    assert not problems, problems


@pytest.mark.parametrize(("device", "javascript"), DEVICES)
def test_wallet_cards_by_holder_with_the_enterprises_licence(people: Any, device: Any, javascript: bool) -> None:
    agent: Person = people(device, javascript=javascript)
    agent.login(AGENT)
    page = agent.go("/wallet")
    expect(page.locator("main table")).to_have_count(0)
    headings = page.locator("main h2")
    expect(headings.first).to_have_text("本人（王磊）")
    expect(headings.nth(1)).to_have_text(MINJI_NAME)
    own = page.locator("section", has=page.get_by_role("heading", name="本人（王磊）"))
    expect(own.get_by_role("link", name="居民身份证")).to_have_count(1)
    expect(own).not_to_contain_text(AGENT)  # the ID number masked
    firm = page.locator("section", has=page.get_by_role("heading", name=MINJI_NAME))
    expect(firm).to_contain_text(MINJI)
    card = firm.locator("li.license-card").first
    expect(card.get_by_role("link", name="营业执照")).to_be_visible()
    expect(card).to_contain_text("有效")
    expect(card).to_contain_text("市场监督管理局")
    _laid_out(agent, javascript)
    if device is PHONE:
        agent.shot("wallet-cards")


@pytest.mark.parametrize(("device", "javascript"), DEVICES)
def test_licence_page_then_verify_three_ways(
    people: Any, tmp_path: Path, device: Any, javascript: bool, site: Any
) -> None:
    ident = _identifier(site, MINJI, "business_license")
    agent: Person = people(device, javascript=javascript)
    agent.login(AGENT)
    page = agent.go("/wallet")
    firm = page.locator("section", has=page.get_by_role("heading", name=MINJI_NAME))
    firm.get_by_role("link", name="营业执照").first.click()
    expect(page.locator("h1")).to_have_text("营业执照")

    # The licence as it prints: its facts, issuer, dates, status and QR code; nothing of a filing.
    main = page.locator("main")
    for fact in (MINJI_NAME, MINJI, "法定代表人", "赵敏", "住所", str(ENTERPRISE["address"]), "经营范围", "发证机构"):
        expect(main).to_contain_text(fact)
    expect(main.locator("figure.qr svg")).to_be_visible()
    expect(main).to_contain_text("签发 → 有效")
    shown = main.inner_text()
    for absent in ("经办人", "手机", "电子印章", "SM2"):
        assert absent not in shown, absent
    assert not ENGLISH.search(shown), ENGLISH.search(shown)
    _laid_out(agent, javascript)
    if device is PHONE:
        agent.shot("license-page")

    with page.expect_download() as fetched:
        page.get_by_role("link", name="下载证照文件（含签名）").click()
    signed = tmp_path / "licence.json"
    fetched.value.save_as(signed)
    doc = json.loads(signed.read_text(encoding="utf-8"))
    assert doc["license"]["identifier"] == ident

    # (c) The QR code's link (the same address it encodes: the license's random token) opens the result.
    page.get_by_role("link", name="公开核验页").click()
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    assert re.search(r"/verify/t/[A-Za-z0-9_-]{22}$", page.url), page.url

    # A stranger, no login.
    verifier: Person = people(device, javascript=javascript)
    page = verifier.go("/verify")
    expect(page.locator("h1")).to_have_text("电子证照核验")
    _laid_out(verifier, javascript)
    if device is PHONE:
        verifier.shot("verify")

    # (a) A mistyped identifier is explained beside the field; the right one shows the public facts.
    page.get_by_label("证照标识").fill(ident[:-1] + ("0" if ident[-1] != "0" else "1"))
    page.get_by_role("button", name="按标识核验").click()
    expect(page.locator("#identifier-error")).to_contain_text("校验位")
    page.get_by_label("证照标识").fill(ident)
    page.get_by_role("button", name="按标识核验").click()
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    main = page.locator("main")
    for fact in (MINJI_NAME, MINJI, "法定代表人", "赵敏", str(ENTERPRISE["address"]), "经营范围"):
        expect(main).to_contain_text(fact)
    assert not ENGLISH.search(main.inner_text())
    _laid_out(verifier, javascript)
    if device is PHONE:
        verifier.shot("verify-result")

    # (b) The signed file: genuine; altered, it fails; a PDF is explained, not crashed on.
    page.get_by_label("证照文件（含签名）").set_input_files(str(signed))
    page.get_by_role("button", name="上传并核验").click()
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    expect(page.locator("main h2").first).to_contain_text("证照文件")
    forged = copy.deepcopy(doc)
    forged["license"]["holder"]["name"] = "株洲市荷塘区别家餐饮有限公司"
    page.get_by_label("证照文件（含签名）").set_input_files(
        {"name": "licence.json", "mimeType": "application/json", "buffer": json.dumps(forged).encode()}
    )
    page.get_by_role("button", name="上传并核验").click()
    expect(page.locator("main .verdict-bad")).to_contain_text("核验未通过")
    page.get_by_label("证照文件（含签名）").set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n"}
    )
    page.get_by_role("button", name="上传并核验").click()
    expect(page.locator("#file-error")).to_contain_text("PDF 打印件")
    _laid_out(verifier, javascript)


def test_a_persons_document_by_identifier_shows_no_one_by_qr_link_a_masked_name(people: Any, site: Any) -> None:
    ident, token = _first(site, MOTHER, "resident_id_card")
    secrets = ("赵敏", MOTHER, "4302**********0244", "红旗北路", "住址", "性别")
    verifier: Person = people(PHONE, javascript=False)
    # The identifier can be guessed: that the card exists, its type, issuer and status; nothing of her.
    page = verifier.go(f"/verify/{ident}")
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    main = page.locator("main")
    for fact in ("居民身份证", "公安局", "扫描证照上的二维码"):
        expect(main).to_contain_text(fact)
    shown = main.inner_text()
    for secret in (*secrets, "赵*", "发证日期"):
        assert secret not in shown, secret
    _laid_out(verifier, javascript=False)
    # The QR code's link (its token): the masked name and the dates as well.
    page = verifier.go(f"/verify/t/{token}")
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    main = page.locator("main")
    for fact in ("居民身份证", "赵*", "公安局", "有效期", "扫码核验"):
        expect(main).to_contain_text(fact)
    shown = main.inner_text()
    for secret in secrets:
        assert secret not in shown, secret
    _laid_out(verifier, javascript=False)
