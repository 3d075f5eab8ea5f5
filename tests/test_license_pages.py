"""The e-license pages as their people use them: the public check at /verify (typed identifier, uploaded
signed file, the QR code's link) showing what the law makes public and nothing more; the holder's
license page showing the license, not the application; the wallet as cards grouped by holder, the
enterprise's own business licence included. Bad input gets a Chinese message and changes nothing."""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.cases.context import SYSTEM
from onething.catalog.service import active_catalog, validate_path
from onething.demo.accounts import ENTERPRISE
from onething.demo.wallets import seed_wallets
from onething.kit.masking import mask_id_number
from onething.licenses import disclosure, identifier
from onething.licenses import repository as repo
from onething.licenses import service as licenses
from onething.licenses.stock import import_business_license
from onething.models import License, LicenseEvent, Org

MOTHER = "430202197809210244"  # 赵敏: a citizen, legal representative of 敏记餐饮
AGENT = "430202198506150138"  # 王磊: acts for 敏记餐饮
MINJI = str(ENTERPRISE["credit_code"])
SCOPE = "餐饮服务；食品销售（仅销售预包装食品）"
ENGLISH = re.compile(r"\b(issue|valid|revoke[d]?|cancel(?:led)?|expired?|penalty_revoke[d]?|person|enterprise)\b")


pytestmark = pytest.mark.usefixtures("roomy_verify_limit")  # many checks from one client


def text_of(page: str) -> str:
    """What a person reads in <main>: tags, attributes and class names dropped."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", main.split(">", 1)[1]))


def csrf(client: TestClient) -> str:
    """The anonymous visitor's form token (the GET also sets the cookie it is bound to)."""
    page = client.get("/verify")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def minji_licence(db: Session) -> License:
    row = import_business_license(db, SYSTEM, active_catalog(db), MINJI, scope=SCOPE)
    assert row is not None
    db.flush()
    return row


def id_card(db: Session, *, today: dt.date | None = None) -> License:
    catalog = active_catalog(db)
    bureau = repo.org_by_code(db, "430202-public_security")
    assert bureau is not None
    fields = [
        ("name", "姓名", "赵敏"),
        ("gender", "性别", "女"),
        ("birth_date", "出生", "1978年9月21日"),
        ("address", "住址", "湖南省株洲市荷塘区红旗北路 16 号"),
    ]
    row = licenses.issue(
        db, SYSTEM, catalog.license_types["resident_id_card"], bureau, ("person", "赵敏", MOTHER), fields, today=today
    )
    db.flush()
    return row


def counts(db: Session) -> tuple[int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(License)) or 0,
        db.scalar(select(func.count()).select_from(LicenseEvent)) or 0,
    )


# --- /verify: the three ways in -----------------------------------------------------------------------


def test_verify_page_is_public_with_both_forms(client: TestClient) -> None:
    page = client.get("/verify")
    assert page.status_code == 200, page.text
    assert 'action="/verify"' in page.text and 'name="identifier"' in page.text
    assert 'type="file"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert "二维码" in page.text


def test_typed_identifier_goes_to_its_result_page(client: TestClient, db: Session) -> None:
    row = minji_licence(db)
    # Typed with stray spaces and in lower case: the identifier's own page (the QR code opens the token's).
    typed = " " + row.identifier.lower().replace(".", ". ", 2) + " "
    found = client.get("/verify", params={"identifier": typed}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/verify/{row.identifier}"
    page = client.get(found.headers["location"])
    assert page.status_code == 200 and "真实有效" in page.text
    assert client.get(f"/verify/{row.identifier}").text == page.text


def test_wrong_identifiers_get_a_message_beside_the_field(client: TestClient, db: Session) -> None:
    row = minji_licence(db)
    before = counts(db)
    blank = client.get("/verify", params={"identifier": "  "})
    assert blank.status_code == 422 and "请输入证照标识" in blank.text
    one_off = row.identifier[:-1] + ("0" if row.identifier[-1] != "0" else "1")  # wrong check character
    for wrong in (one_off, "hello", "1" * 5000):
        page = client.get("/verify", params={"identifier": wrong})
        assert page.status_code == 422, wrong[:40]
        assert 'id="identifier-error"' in page.text and "校验位" in page.text
        assert 'aria-invalid="true"' in page.text
    assert client.get(f"/verify/{one_off}").status_code == 422
    # Well formed but never issued: a 404 saying so (after the typed form's redirect too).
    parts = identifier.parse(row.identifier)
    unknown = identifier.make(parts.type_code, parts.issuer_code, "209900000001")
    page = client.get("/verify", params={"identifier": unknown})
    assert page.status_code == 404 and "平台没有该证照的签发记录" in page.text
    # The API answers the same in JSON.
    bad = client.get(f"/api/v1/licenses/{one_off}/verify")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_identifier"
    missing = client.get(f"/api/v1/licenses/{unknown}/verify")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "identifier"
    assert counts(db) == before


def test_uploaded_signed_file_verifies_and_a_tampered_one_fails(client: TestClient, db: Session, login: Any) -> None:
    row = minji_licence(db)
    doc = client.get(f"/licenses/{row.identifier}/json", headers=login(AGENT)).json()
    token = csrf(client)
    before = counts(db)

    def upload(content: bytes, name: str = "licence.json", token: str | None = token) -> Any:
        data = {"csrf_token": token} if token else {}
        return client.post("/verify", data=data, files={"file": (name, content, "application/json")})

    good = upload(orjson.dumps(doc))
    assert good.status_code == 200 and "真实有效" in good.text and "证照文件" in good.text
    assert str(ENTERPRISE["name"]) in good.text and MINJI in good.text

    tampered = copy.deepcopy(doc)
    tampered["license"]["holder"]["name"] = "株洲市荷塘区别家餐饮有限公司"
    bad = upload(orjson.dumps(tampered))
    assert bad.status_code == 200 and "核验未通过" in bad.text and "改动" in bad.text
    assert 'class="verdict verdict-ok"' not in bad.text

    refusals = {
        b"not json at all": "不是有效的 JSON",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj": "PDF 打印件",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)): "不是有效的 JSON",
        b"": "请选择要核验的证照文件",
        b"[" * 400_000: "文件过大",
    }
    for content, message in refusals.items():
        page = upload(content)
        assert page.status_code == 422, (content[:10], page.text[:200])
        assert message in page.text and 'id="file-error"' in page.text
    # Well-formed JSON nested past all reason inside the signed content: a verdict, never a crash.
    deep = {**doc["license"], "fields": "@"}
    nested = orjson.dumps({"license": deep, "signature": doc["signature"]}).replace(b'"@"', b"[" * 1000 + b"]" * 1000)
    assert len(nested) < 256 * 1024
    odd = upload(nested)
    assert odd.status_code == 200 and "核验未通过" in odd.text
    not_a_file = client.post("/verify", data={"csrf_token": token, "file": "abc"})
    assert not_a_file.status_code == 422, not_a_file.text
    forged = upload(orjson.dumps(doc), token="forged")
    assert forged.status_code == 403 and "刷新页面" in forged.text
    # The API refuses the same in JSON.
    api = client.post("/api/v1/licenses/verify", files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")})
    assert api.status_code == 422 and api.json()["error"] == {
        "code": "pdf_not_signed",
        "message": api.json()["error"]["message"],
        "field": "file",
    }
    assert counts(db) == before


# --- what a verifier sees -----------------------------------------------------------------------------


def test_business_licence_public_facts_are_shown_in_full(client: TestClient, db: Session) -> None:
    row = minji_licence(db)
    page = client.get(f"/verify/{row.identifier}")
    shown = text_of(page.text)
    for fact in (str(ENTERPRISE["name"]), MINJI, "法定代表人", "赵敏", "住所", str(ENTERPRISE["address"]), SCOPE):
        assert fact in shown, fact
    assert "赵*" not in shown and "****" not in shown
    body = client.get(f"/api/v1/licenses/{row.identifier}/verify").json()
    assert body["valid"] is True and body["conclusion"] == "真实有效"
    public = {f["label"]: f["value"] for f in body["license"]["fields"]}
    assert public["法定代表人"] == "赵敏" and public["住所"] == ENTERPRISE["address"] and public["经营范围"] == SCOPE
    assert body["license"]["holder_code"] == MINJI and body["license"]["holder_name"] == ENTERPRISE["name"]


def test_a_persons_document_by_identifier_shows_only_type_issuer_status_by_token_the_masked_name(
    client: TestClient, db: Session, login: Any
) -> None:
    row = id_card(db)
    secrets = ("赵敏", MOTHER, mask_id_number(MOTHER), "红旗北路", "住址", "1978", "性别", row.number)
    issued = f"{row.issued_on.year}年{row.issued_on.month}月{row.issued_on.day}日"
    # By identifier (guessable): that it exists, its type, issuer and status, nothing of the person.
    page = client.get(f"/verify/{row.identifier}")
    assert page.status_code == 200
    shown = text_of(page.text)
    for fact in ("真实有效", "居民身份证", "公安", "有效"):
        assert fact in shown, fact
    for secret in (*secrets, "赵*", issued, "发证日期", row.verify_token):
        assert secret not in page.text, secret
    body = client.get(f"/api/v1/licenses/{row.identifier}/verify").json()
    assert body["valid"] is True and body["license"]["shown"] == "status"
    assert body["license"]["holder_name"] is None and body["license"]["holder_code"] is None
    assert body["license"]["issued_on"] is None and body["license"]["valid_until"] is None
    assert body["license"]["number"] is None and body["license"]["fields"] == []
    assert row.verify_token not in orjson.dumps(body).decode()
    # By the QR code's token: the masked name and the dates too, still no number, no address.
    page = client.get(f"/verify/t/{row.verify_token}")
    assert page.status_code == 200
    shown = text_of(page.text)
    for fact in ("真实有效", "居民身份证", "赵*", "公安", "有效期", issued):
        assert fact in shown, fact
    for secret in secrets:
        assert secret not in page.text, secret
    body = client.get(f"/api/v1/licenses/verify/{row.verify_token}").json()
    assert body["license"]["shown"] == "masked" and body["license"]["holder_name"] == "赵*"
    assert body["license"]["holder_code"] is None and body["license"]["number"] is None
    assert body["license"]["fields"] == [] and body["license"]["issued_on"] == row.issued_on.isoformat()
    public = orjson.dumps(body).decode()
    assert MOTHER not in public and mask_id_number(MOTHER) not in public and "红旗北路" not in public
    # Revoked with a reason that names her: the status is public, the reason is not.
    change = {"action": "revoke", "reason": "经核查赵敏证件信息有误"}
    r = client.post(f"/api/v1/licenses/{row.identifier}/status", json=change, headers=login("ht_police"))
    assert r.status_code == 200, r.text
    for path in (f"/verify/{row.identifier}", f"/verify/t/{row.verify_token}"):
        page = client.get(path)
        assert "已撤销" in text_of(page.text) and "赵敏" not in page.text and "有误" not in page.text, path
    for path in (f"/api/v1/licenses/{row.identifier}/verify", f"/api/v1/licenses/verify/{row.verify_token}"):
        body = client.get(path).json()
        assert body["conclusion"] == "已撤销" and "赵敏" not in orjson.dumps(body).decode(), path


def test_statuses_read_in_words(client: TestClient, db: Session, login: Any) -> None:
    cancelled = minji_licence(db)
    market = login("ht_market")
    r = client.post(
        f"/api/v1/licenses/{cancelled.identifier}/status",
        json={"action": "cancel", "reason": "企业申请注销"},
        headers=market,
    )
    assert r.status_code == 200, r.text
    page = client.get(f"/verify/{cancelled.identifier}")
    assert "已注销" in text_of(page.text) and "企业申请注销" in page.text
    revoked = minji_licence(db)  # the cancelled one no longer counts: a new one is issued
    client.post(
        f"/api/v1/licenses/{revoked.identifier}/status",
        json={"action": "penalty_revoke", "reason": "虚假登记"},
        headers=market,
    )
    assert "已吊销" in text_of(client.get(f"/verify/{revoked.identifier}").text)
    expired = id_card(db, today=dt.date(2000, 1, 3))  # 20 years: its last day was 2020-01-02
    shown = text_of(client.get(f"/verify/{expired.identifier}").text)
    assert "已过期" in shown and "真实有效" not in shown
    for row in (cancelled, revoked, expired):
        assert not ENGLISH.search(text_of(client.get(f"/verify/{row.identifier}").text)), row.identifier


# --- the holder's license page ------------------------------------------------------------------------


def test_license_page_shows_the_licence_not_the_application(client: TestClient, login: Any, db: Session) -> None:
    from test_licenses import _store_case  # a 开便利店 case that registers an enterprise: three licenses

    _store_case(client, login)
    agent = login(AGENT)
    wallet = client.get("/api/v1/me/licenses", headers=agent).json()
    licence = next(w for w in wallet if w["license_type"] == "business_license" and w["holder_kind"] == "enterprise")
    page = client.get(f"/licenses/{licence['identifier']}", headers=agent)
    assert page.status_code == 200
    shown = text_of(page.text)
    for fact in (
        "营业执照",
        "长沙荷塘鲜邻便利店有限公司",
        "统一社会信用代码",
        "法定代表人",
        "王磊",
        "住所",
        "经营范围",
    ):
        assert fact in shown, fact
    for fact in ("发证机构", "发证日期", "有效期", "状态", "扫码核验真伪"):
        assert fact in shown, fact
    # Nothing of the filing: no agent, no phone numbers, no ID number of the legal representative,
    # no demo placeholders of unprinted fields, no seal key, no English status words.
    row = db.scalar(select(License).where(License.identifier == licence["identifier"]))
    assert row is not None
    for absent in ("经办人", "手机", "联络员", "财务负责人", AGENT, "电子印章", row.seal_key_id, row.signature[:16]):
        assert absent not in shown, absent
    assert not ENGLISH.search(shown), ENGLISH.search(shown)
    assert "签发 → 有效" in shown
    # The signed file itself carries only what the licence prints.
    doc = client.get(f"/licenses/{licence['identifier']}/json", headers=agent).json()
    codes = [f[0] for f in doc["license"]["fields"]]
    assert "agent_mobile" not in codes and "legal_representative_id_number" not in codes
    assert "business_scope" in codes and "legal_representative_name" in codes

    # A food permit prints its own layout; a later status change reads in words.
    permit = next(w for w in wallet if w["license_type"] == "food_business_permit")
    client.post(
        f"/api/v1/licenses/{permit['identifier']}/status",
        json={"action": "revoke", "reason": "申请材料不实"},
        headers=login("ht_market"),
    )
    shown = text_of(client.get(f"/licenses/{permit['identifier']}", headers=agent).text)
    assert "经营场所" in shown and "撤销 → 已撤销" in shown and "已撤销" in shown
    assert "手机" not in shown and not ENGLISH.search(shown)


# --- the wallet ---------------------------------------------------------------------------------------


def test_wallet_is_cards_grouped_by_holder_with_the_enterprises_licence(
    client: TestClient, login: Any, db: Session
) -> None:
    issued = seed_wallets(db, active_catalog(db))
    assert issued >= 9  # two for each demo citizen, and 敏记餐饮's business licence
    assert seed_wallets(db, active_catalog(db)) == 0  # again: nothing more
    page = client.get("/wallet", headers=login(AGENT))
    assert page.status_code == 200 and "<table" not in page.text
    groups = re.findall(r"<h2 id=\"holder-\d+\">([^<]+)</h2>", page.text)
    assert groups == ["本人（王磊）", str(ENTERPRISE["name"])]
    own, firm = page.text.split(f">{ENTERPRISE['name']}</h2>")
    assert own.count('class="card license-card') == 2 and "居民身份证" in own and "营业执照" not in own
    assert firm.count('class="card license-card') == 1
    card = firm.split('class="card license-card', 1)[1]
    assert "营业执照" in card and "/licenses/1.2.156.3005.2." in card and "有效" in card
    assert "市场监督管理局" in card
    # Personal numbers masked; the enterprise's credit code is public.
    assert AGENT not in page.text and mask_id_number(AGENT) in page.text and MINJI in firm

    # 赵敏 acts for no enterprise (she authorised 王磊): her own cards only.
    mine = client.get("/wallet", headers=login(MOTHER))
    assert re.findall(r"<h2 id=\"holder-\d+\">([^<]+)</h2>", mine.text) == ["本人（赵敏）"]


# --- the tables that decide what is shown -------------------------------------------------------------


def test_disclosure_tables_agree_with_the_catalog() -> None:
    catalog, problems, _ = validate_path(Path(__file__).resolve().parents[1] / "catalog")
    assert catalog is not None, problems
    holders = {code: t.holder.value for code, t in catalog.license_types.items()}
    assert disclosure.problems(holders) == []
    # Every element of the filing (the agent, contact numbers and e-mail) is kept off every license.
    for code, element in catalog.data_elements.items():
        contact = element.format is not None and element.format.value in ("mobile", "phone", "email")
        if element.group.value == "agent" or contact:
            assert disclosure.application_only(code, "person"), code


def test_disclosure_problems_are_found() -> None:
    disclosure.PUBLIC["resident_id_card"] = ("name",)
    disclosure.PRINTED["no_such_type"] = (("a", "甲"), ("a", "甲"))
    try:
        found = disclosure.problems({"resident_id_card": "individual", "business_license": "enterprise"})
    finally:
        del disclosure.PUBLIC["resident_id_card"], disclosure.PRINTED["no_such_type"]
    assert any("自然人证照不得公开" in p for p in found)
    assert any(p.startswith("no_such_type: 目录中没有") for p in found)
    assert any("打印字段重复" in p for p in found)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("enterprise", ["legal_representative_name", "enterprise_address", "business_scope"]), ("person", [])],
)
def test_public_fields_by_holder(kind: str, expected: list[str]) -> None:
    fields = [
        ("legal_representative_name", "法定代表人（负责人、经营者）姓名", "赵敏"),
        ("legal_representative_id_number", "法定代表人公民身份号码", MOTHER),
        ("agent_mobile", "经办人手机号码", "13900000000"),
        ("enterprise_address", "住所（经营场所）", "湖南省株洲市荷塘区红旗北路 20 号"),
        ("business_scope", "经营范围", SCOPE),
    ]
    assert [f[0] for f in disclosure.public("business_license", kind, fields)] == expected


def test_a_household_register_prints_the_newborn_not_the_phone() -> None:
    """Types without a layout print every field of their item but the filing's own."""
    form = [
        ("applicant_name", "申请人姓名", "赵敏"),
        ("applicant_mobile", "联系电话（手机）", "15907330244"),
        ("newborn_name", "新生儿姓名", "王小满"),
        ("newborn_birth_date", "出生日期", "2026-03-01"),
        ("agent_name", "经办人姓名", "王磊"),
    ]
    printed = [f[0] for f in disclosure.printed("household_register", "person", form)]
    assert printed == ["applicant_name", "newborn_name", "newborn_birth_date"]


def test_org_lookup_for_the_stock_licence(db: Session) -> None:
    org = repo.org_of_kind(db, "market_regulation", "430202")
    assert isinstance(org, Org) and "市场监督管理局" in org.name
