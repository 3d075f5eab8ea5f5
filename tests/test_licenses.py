"""Electronic licenses end to end: a 开便利店 case that registers a new enterprise leaves three sealed
licenses in its wallet; each verifies on the public page and through the API; one altered byte fails;
a revoked one shows as revoked; a later 开办餐饮店 case asks for no business-licence upload."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from cases_support import AGENT, snapshot, task_id
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, fill_missing, png
from onething.kit import sm2
from onething.licenses import identifier
from onething.licenses.canonical import canonical_bytes
from onething.models import AuditEntry, Enterprise, License, LicenseEvent

pytestmark = pytest.mark.usefixtures("roomy_verify_limit")  # many checks from one client


def got(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


STORE_ANSWERS = {"has_license": "no", "premises": "leased", "food_scope": "with_bulk", "extras": ["tobacco"]}
STORE_APPROVERS = {
    "business_registration": "ht_market",
    "food_business_permit": "ht_market",
    "tobacco_retail_license": "ht_tobacco",
}


def _store_case(client: TestClient, login: Any) -> str:
    agent, clerk = login(AGENT), login("ht_clerk")
    detail = got(
        client.post("/api/v1/cases", json={"thing": "open_convenience_store", "answers": STORE_ANSWERS}, headers=agent),
        201,
    )
    number = detail["number"]
    form = fill_missing(detail, random.Random(7))
    form.update(
        enterprise_name="长沙荷塘鲜邻便利店有限公司",
        legal_representative_name="王磊",
        legal_representative_id_number=AGENT,
        industry_code="F5292",
    )
    got(client.put(f"/api/v1/cases/{number}", json={"form": form}, headers=agent))
    for m in detail["needed_materials"]:
        if m["exempt"] != "bundle":
            files = {"file": (f"{m['code']}.png", png(len(m["code"])), "image/png")}
            r = client.post(
                f"/api/v1/cases/{number}/materials", data={"material": m["code"]}, files=files, headers=agent
            )
            assert r.status_code == 201, r.text
    got(client.post(f"/api/v1/cases/{number}/submit", headers=agent))
    detail = got(client.post(f"/api/v1/cases/{number}/accept", headers=clerk))
    # Business registration first; the permits wait for it, then run in parallel.
    for item in ("business_registration", "food_business_permit", "tobacco_retail_license"):
        who = login(STORE_APPROVERS[item])
        tid = task_id(got(client.get(f"/api/v1/cases/{number}", headers=clerk)), item)
        got(client.post(f"/api/v1/tasks/{tid}/claim", json={}, headers=who))
        got(client.post(f"/api/v1/tasks/{tid}/approve", json={"opinion": "符合条件，准予"}, headers=who))
    final = got(client.get(f"/api/v1/cases/{number}", headers=agent))
    assert final["status"] == "concluded" and final["outcome"] == "approved"
    return number


def test_store_case_to_wallet_verify_revoke_and_reuse(client: TestClient, login: Any, db: Session) -> None:
    number = _store_case(client, login)
    agent = login(AGENT)

    # The enterprise now exists in the legal-person library, and its three licenses are in the wallet.
    enterprise = db.scalar(select(Enterprise).where(Enterprise.name == "长沙荷塘鲜邻便利店有限公司"))
    assert enterprise is not None and enterprise.status == "存续"
    wallet = got(client.get("/api/v1/me/licenses", headers=agent))
    mine = [w for w in wallet if w["holder_code"] == enterprise.credit_code]
    assert sorted(w["license_type"] for w in mine) == [
        "business_license",
        "food_business_permit",
        "tobacco_retail_license",
    ]
    for w in mine:
        assert identifier.is_valid(w["identifier"]) and w["status"] == "valid"
        # Public page (no login) and the API agree: authentic and valid.
        page = client.get(f"/verify/{w['identifier']}")
        assert page.status_code == 200 and "真实有效" in page.text and w["type_name"] in page.text
        assert got(client.get(f"/api/v1/licenses/{w['identifier']}/verify"))["valid"] is True
        # The wallet's check address (the QR code's) is the license's own random token.
        row = db.scalar(select(License).where(License.identifier == w["identifier"]))
        assert row is not None and w["verify_url"].endswith(f"/verify/t/{row.verify_token}")
        page = client.get(f"/verify/t/{row.verify_token}")
        assert page.status_code == 200 and "真实有效" in page.text and w["type_name"] in page.text

    # The signed file verifies through the API; any single changed byte of data or signature fails.
    licence = next(w for w in mine if w["license_type"] == "business_license")
    doc = got(client.get(f"/api/v1/licenses/{licence['identifier']}/document", headers=agent))
    assert got(client.post("/api/v1/licenses/verify", json=doc))["valid"] is True
    seal = got(client.get(f"/api/v1/seals/{doc['license']['seal']['key_id']}"))[0]
    assert sm2.verify(
        bytes.fromhex(seal["public_key"]), canonical_bytes(doc["license"]), bytes.fromhex(doc["signature"])
    )
    tampered = copy.deepcopy(doc)
    tampered["license"]["holder"]["name"] = tampered["license"]["holder"]["name"].replace("鲜", "新")
    bad = got(client.post("/api/v1/licenses/verify", json=tampered))
    assert bad["authentic"] is False and bad["valid"] is False and "改动" in bad["reasons"][0]
    flipped = copy.deepcopy(doc)
    sig = bytearray(bytes.fromhex(doc["signature"]))
    sig[5] ^= 0x01
    flipped["signature"] = sig.hex()
    assert got(client.post("/api/v1/licenses/verify", json=flipped))["authentic"] is False
    files = {"file": ("licence.json", repr(doc).encode(), "application/json")}
    refused = client.post("/api/v1/licenses/verify", files=files)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_json"

    # The PDF renders for the holder.
    pdf = client.get(f"/api/v1/licenses/{licence['identifier']}/pdf", headers=agent)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The same downloads from the license page (a browser has no CSRF header for /api/ GETs).
    assert client.get(f"/licenses/{licence['identifier']}/json", headers=agent).json() == doc
    assert client.get(f"/licenses/{licence['identifier']}/pdf", headers=agent).content.startswith(b"%PDF")

    # A later restaurant case for the new enterprise: the business licence is provided by the wallet.
    body = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": enterprise.credit_code}
    later = got(client.post("/api/v1/cases", json=body, headers=agent), 201)
    needed = {m["code"]: m for m in later["needed_materials"]}
    assert needed["business_license"]["provided"] is True
    by_licence = [m for m in later["materials"] if m["source"] == "license"]
    assert [m["license_ref"] for m in by_licence] == [licence["identifier"]]
    assert not any(p["field"] == "materials.business_license" for p in later["problems"])

    # The food permit is revoked by its issuer: verification says so at once; the holder cannot revoke.
    permit = next(w for w in mine if w["license_type"] == "food_business_permit")
    change = {"action": "revoke", "reason": "申请材料不实"}
    denied = client.post(f"/api/v1/licenses/{permit['identifier']}/status", json=change, headers=agent)
    assert denied.status_code == 403
    got(client.post(f"/api/v1/licenses/{permit['identifier']}/status", json=change, headers=login("ht_market")))
    after = got(client.get(f"/api/v1/licenses/{permit['identifier']}/verify"))
    assert after["authentic"] is True and after["valid"] is False and after["status_name"] == "撤销"
    assert "撤销" in client.get(f"/verify/{permit['identifier']}").text
    again = client.post(f"/api/v1/licenses/{permit['identifier']}/status", json=change, headers=login("ht_market"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    ident = str(permit["identifier"])
    events = db.scalars(select(LicenseEvent.action).join(License).where(License.identifier == ident))
    assert list(events) == ["issue", "revoke"]
    assert number


def test_revoked_licence_no_longer_stands_in(client: TestClient, login: Any, db: Session) -> None:
    _store_case(client, login)
    agent = login(AGENT)
    code = db.scalar(select(Enterprise.credit_code).where(Enterprise.name == "长沙荷塘鲜邻便利店有限公司"))
    licence = db.scalar(select(License).where(License.holder_code == code, License.license_type == "business_license"))
    assert licence is not None
    got(
        client.post(
            f"/api/v1/licenses/{licence.identifier}/status",
            json={"action": "cancel", "reason": "企业注销"},
            headers=login("ht_market"),
        )
    )
    # The enterprise still exists in the library for this test; its cancelled licence cannot stand in.
    body = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": code}
    later = got(client.post("/api/v1/cases", json=body, headers=agent), 201)
    assert {m["code"]: m for m in later["needed_materials"]}["business_license"]["provided"] is False
    assert any(p["field"] == "materials.business_license" for p in later["problems"])


def test_licence_refusals_change_nothing(client: TestClient, login: Any, db: Session) -> None:
    before = snapshot(db), db.scalar(select(func.count()).select_from(License))
    agent = login(AGENT)
    missing = "1.2.156.3005.2.11430000324388208M001.11430202MA4L8Q2R1X.202600000001.001.0"
    assert client.get(f"/api/v1/licenses/{missing}", headers=agent).status_code == 404
    page = client.get(f"/verify/{missing}")
    assert page.status_code == 404 and "没有该证照" in page.text
    r = client.post("/api/v1/licenses/verify", json={"license": {"format": "x"}, "signature": "00"})
    assert r.status_code == 200 and r.json()["valid"] is False
    r = client.post("/api/v1/licenses/verify", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_json"
    r = client.get("/api/v1/seals/no-such-org")
    assert r.status_code == 404 and r.json()["error"]["code"] == "seal_not_found"
    r = client.post(
        f"/api/v1/licenses/{missing}/status", json={"action": "explode", "reason": "x"}, headers=login("ht_market")
    )
    assert r.status_code == 422
    assert client.get("/api/v1/me/licenses").status_code == 401
    assert (snapshot(db), db.scalar(select(func.count()).select_from(License))) == before
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "license.read")) == 0


def test_reviewer_reads_a_stand_in_licence_on_the_record(client: TestClient, login: Any, db: Session) -> None:
    _store_case(client, login)
    agent, clerk = login(AGENT), login("ht_clerk")
    code = db.scalar(select(Enterprise.credit_code).where(Enterprise.name == "长沙荷塘鲜邻便利店有限公司"))
    later = got(
        client.post(
            "/api/v1/cases",
            json={"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": code},
            headers=agent,
        ),
        201,
    )
    material = next(m for m in later["materials"] if m["source"] == "license")
    url = f"/api/v1/cases/{later['number']}/materials/{material['id']}/license"
    # The applicant sees it without an audit row; the clerk cannot see a draft at all.
    assert got(client.get(url, headers=agent))["license_type"] == "business_license"
    assert client.get(url, headers=clerk).status_code == 404
    reads = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "license.read")
    assert db.scalar(reads) == 0
    # Once submitted, the clerk reviewing the case opens it: one audit row with the case number.
    detail = got(client.get(f"/api/v1/cases/{later['number']}", headers=agent))
    form = fill_missing(detail, random.Random(3))
    got(client.put(f"/api/v1/cases/{later['number']}", json={"form": form}, headers=agent))
    for m in detail["needed_materials"]:
        if m["exempt"] != "bundle" and not m["provided"]:
            files = {"file": (f"{m['code']}.png", png(len(m["code"])), "image/png")}
            client.post(
                f"/api/v1/cases/{later['number']}/materials", data={"material": m["code"]}, files=files, headers=agent
            )
    got(client.post(f"/api/v1/cases/{later['number']}/submit", headers=agent))
    page = client.get(f"/cases/{later['number']}/materials/{material['id']}/license", headers=clerk)
    assert page.status_code == 200 and "营业执照" in page.text
    rows = db.scalars(select(AuditEntry).where(AuditEntry.action == "license.read")).all()
    assert [(r.case_number, r.reason) for r in rows] == [(later["number"], "免提交材料核验")]


def test_the_wallet_shows_each_holders_newest_card_of_each_type(client: TestClient, login: Any, db: Session) -> None:
    """A renewed license replaces its card, however many came before (a busy enterprise gets one per
    case; loading them all once exhausted the machine's memory)."""
    _store_case(client, login)
    agent = login(AGENT)
    cards = got(client.get("/api/v1/me/licenses", headers=agent))
    licence = next(c for c in cards if c["license_type"] == "business_license" and c["holder_kind"] == "enterprise")
    old = db.scalar(select(License).where(License.identifier == licence["identifier"]))
    assert old is not None
    columns = {c.key: getattr(old, c.key) for c in License.__table__.columns if c.key != "id"}
    for n in range(3):  # three renewals, each issued a day later
        renewal = License(**columns)
        renewal.identifier = f"{old.identifier[:-4]}R{n:03d}"
        renewal.verify_token = f"{old.verify_token[:-4]}R{n:03d}"
        renewal.issued_on = old.issued_on.replace(year=old.issued_on.year + 1 + n)
        db.add(renewal)
    db.flush()
    after = got(client.get("/api/v1/me/licenses", headers=agent))
    kinds = [(c["holder_code"], c["license_type"]) for c in after]
    assert len(kinds) == len(set(kinds)) == len(cards)
    newest = next(c for c in after if c["license_type"] == "business_license" and c["holder_kind"] == "enterprise")
    assert newest["identifier"] == f"{old.identifier[:-4]}R002"
