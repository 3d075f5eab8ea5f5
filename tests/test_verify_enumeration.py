"""The public license check cannot be enumerated (issue 18): 120 guessed identifiers once found every
citizen's ID card and household register with a masked surname. Now the identifier alone says only that a
license exists, its type, issuer and status; the masked holder takes the license's random token (its QR
code's link) or its signed file; and every public check is rate limited per client address before any
database work, without slowing anyone else."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pypdf
import pytest
import zxingcpp
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, func, inspect, select, text
from sqlalchemy.orm import Session

from onething.cases.context import SYSTEM
from onething.catalog.service import active_catalog
from onething.kit.db import session_scope
from onething.kit.masking import mask_id_number
from onething.kit.migrate import alembic_config
from onething.kit.settings import get_settings
from onething.licenses import identifier, throttle, tokens
from onething.licenses import repository as repo
from onething.licenses import service as licenses
from onething.models import License, LicenseEvent

MOTHER = "430202197809210244"  # 赵敏, a demo citizen
ADDRESS = "湖南省株洲市荷塘区红旗北路 16 号"
BURST = 10
ELSEWHERE = ("198.51.100.7", 50000)  # another client address (TEST-NET-2)


@pytest.fixture(autouse=True)
def _verify_limit() -> Iterator[None]:
    """A burst of ten and one more check a minute: no test here runs long enough to earn a second."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONETHING_VERIFY_BURST", str(BURST))
        patch.setenv("ONETHING_VERIFY_PER_MINUTE", "1")
        get_settings.cache_clear()
        throttle.VERIFY.clear()
        yield
    get_settings.cache_clear()
    throttle.VERIFY.clear()


def issue_person(db: Session, license_type: str, fields: list[tuple[str, str, str]]) -> License:
    bureau = repo.org_by_code(db, "430202-public_security")
    assert bureau is not None
    kind = active_catalog(db).license_types[license_type]
    row = licenses.issue(db, SYSTEM, kind, bureau, ("person", "赵敏", MOTHER), fields)
    db.flush()
    return row


def id_card(db: Session) -> License:
    return issue_person(db, "resident_id_card", [("name", "姓名", "赵敏"), ("address", "住址", ADDRESS)])


def household_register(db: Session) -> License:
    return issue_person(db, "household_register", [("newborn_name", "新生儿姓名", "王小满")])


def counts(db: Session) -> tuple[int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(License)) or 0,
        db.scalar(select(func.count()).select_from(LicenseEvent)) or 0,
    )


def elsewhere(client: TestClient) -> TestClient:
    """A second client, on the same app (and this test's transaction), from another address."""
    return TestClient(client.app, client=ELSEWHERE)


def personal(row: License) -> tuple[str, ...]:
    issued = f"{row.issued_on.year}年{row.issued_on.month}月{row.issued_on.day}日"
    return ("赵敏", "赵*", MOTHER, mask_id_number(MOTHER), "红旗北路", "王小满", issued, row.issued_on.isoformat())


# --- the rate limit -----------------------------------------------------------------------------------


def test_guessing_identifiers_is_cut_off_early_and_no_one_else_is_slowed(
    client: TestClient, db: Session, connection: Connection
) -> None:
    card = id_card(db)
    register = household_register(db)
    parts = identifier.parse(card.identifier)
    year = int(parts.serial[:4])
    guesses = [identifier.make(parts.type_code, parts.issuer_code, identifier.serial(year, n)) for n in range(1, 151)]
    assert card.identifier in guesses  # what the attacker did: sequential serials of a public issuer

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    answers: list[Any] = []
    for guess in guesses:
        if (
            answers
            and answers[-1].status_code == 429
            and not statements
            and not event.contains(connection, "before_cursor_execute", record)
        ):
            event.listen(connection, "before_cursor_execute", record)  # from the first refusal on
        answers.append(client.get(f"/api/v1/licenses/{guess}/verify"))
    event.remove(connection, "before_cursor_execute", record)
    statuses = [a.status_code for a in answers]
    first_refusal = statuses.index(429)
    assert BURST <= first_refusal <= BURST + 1, statuses[:20]  # long before the end of 150
    assert set(statuses[first_refusal:]) == {429}, statuses
    refused = answers[-1]
    assert refused.json() == {
        "error": {"code": "too_many_requests", "message": refused.json()["error"]["message"], "field": None}
    }
    assert "核验过于频繁" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert statements == []  # refused before any database work
    # Whatever the few answered guesses found, no one's name or number.
    for answer in answers[:first_refusal]:
        for secret in personal(card):
            assert secret not in answer.text, secret

    # Every other public check from that address is refused too (one bucket per address)…
    assert client.get(f"/api/v1/licenses/verify/{card.verify_token}").status_code == 429
    assert client.post("/api/v1/licenses/verify", json={"license": {}, "signature": ""}).status_code == 429
    page = client.get(f"/verify/{card.identifier}", headers={"accept": "text/html"})
    assert page.status_code == 429 and "核验过于频繁" in page.text and int(page.headers["Retry-After"]) >= 1
    assert page.headers["content-type"].startswith("text/html")
    assert client.get(f"/verify/t/{card.verify_token}").status_code == 429
    # … while the form itself (no look-up) still opens, and another address is not slowed at all.
    assert client.get("/verify").status_code == 200
    other = elsewhere(client)
    assert other.get(f"/api/v1/licenses/{card.identifier}/verify").status_code == 200
    assert other.get(f"/api/v1/licenses/{register.identifier}/verify").status_code == 200
    assert other.get(f"/verify/t/{card.verify_token}").status_code == 200


# --- what each way in shows ---------------------------------------------------------------------------


def test_identifier_alone_shows_existence_type_issuer_and_status_only(client: TestClient, db: Session) -> None:
    for row in (id_card(db), household_register(db)):
        body = client.get(f"/api/v1/licenses/{row.identifier}/verify").json()
        assert body["valid"] is True and body["conclusion"] == "真实有效"
        shown = body["license"]
        assert shown["shown"] == "status" and shown["identifier"] == row.identifier
        assert shown["type_name"] == row.type_name and shown["issuer"] == row.issuer_name
        assert shown["status"] == "valid" and shown["badge"] == "有效"
        for key in ("holder_label", "holder_name", "holder_code", "number", "issued_on", "valid_until"):
            assert shown[key] is None, key
        assert shown["fields"] == [] and "/verify/t/" not in shown["verify_url"]
        answer = orjson.dumps(body).decode()
        for secret in (*personal(row), row.verify_token, row.number):
            assert secret not in answer, secret
        page = client.get(f"/verify/{row.identifier}")
        assert page.status_code == 200 and row.type_name in page.text and "真实有效" in page.text
        for secret in (*personal(row), row.verify_token, "发证日期"):
            assert secret not in page.text, secret


def test_token_shows_the_masked_holder_and_the_dates(
    client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    row = id_card(db)
    assert tokens.well_formed(row.verify_token) and len(row.verify_token) == 22  # 128 random bits
    caplog.set_level(logging.DEBUG)
    body = client.get(f"/api/v1/licenses/verify/{row.verify_token}").json()
    shown = body["license"]
    assert body["valid"] is True and shown["shown"] == "masked"
    assert shown["holder_label"] == "持证人" and shown["holder_name"] == "赵*"
    assert shown["issued_on"] == row.issued_on.isoformat() and shown["holder_code"] is None
    assert shown["verify_url"].endswith(f"/verify/t/{row.verify_token}")
    answer = orjson.dumps(body).decode()
    for secret in ("赵敏", MOTHER, mask_id_number(MOTHER), "红旗北路", row.number):
        assert secret not in answer, secret
    page = client.get(f"/verify/t/{row.verify_token}")
    assert page.status_code == 200 and "赵*" in page.text and "扫码核验" in page.text and "发证日期" in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and "no-store" in page.headers["cache-control"]
    for secret in ("赵敏", MOTHER, "红旗北路"):
        assert secret not in page.text, secret
    # Never in the server's logs (its access line included). Not counted: this test's own HTTP client, and
    # SQL echo, a debugging switch that prints every parameter of every query.
    logged = [r for r in caplog.records if not r.name.startswith(("sqlalchemy", "httpx"))]
    assert logged is not None and not [r for r in logged if row.verify_token in r.getMessage()]


def test_unknown_or_malformed_token_is_not_found(client: TestClient, db: Session) -> None:
    row = id_card(db)
    before = counts(db)
    flipped = ("A" if row.verify_token[0] != "A" else "B") + row.verify_token[1:]
    for token in (flipped, tokens.new(), "x", "-" * 500, row.identifier):
        api = client.get(f"/api/v1/licenses/verify/{token}")
        assert api.status_code == 404, token
        assert api.json()["error"]["code"] == "license_not_found" and api.json()["error"]["field"] == "token"
        assert token not in api.text
        throttle.VERIFY.clear()
        page = client.get(f"/verify/t/{token}")
        assert page.status_code == 404 and "没有与该核验码对应的证照" in page.text, token
        throttle.VERIFY.clear()
    assert counts(db) == before


def test_token_of_a_revoked_licence_shows_revoked(client: TestClient, db: Session, login: Any) -> None:
    row = id_card(db)
    change = {"action": "revoke", "reason": "经核查赵敏证件信息有误"}
    r = client.post(f"/api/v1/licenses/{row.identifier}/status", json=change, headers=login("ht_police"))
    assert r.status_code == 200, r.text
    body = client.get(f"/api/v1/licenses/verify/{row.verify_token}").json()
    assert body["authentic"] is True and body["valid"] is False and body["conclusion"] == "已撤销"
    assert body["license"]["badge"] == "已撤销" and "有误" not in orjson.dumps(body).decode()
    page = client.get(f"/verify/t/{row.verify_token}")
    assert page.status_code == 200 and "已撤销" in page.text and "真实有效" not in page.text
    assert "赵敏" not in page.text and "有误" not in page.text


def test_the_signed_file_still_shows_what_it_proves(client: TestClient, db: Session, login: Any) -> None:
    row = id_card(db)
    doc = client.get(f"/api/v1/licenses/{row.identifier}/document", headers=login(MOTHER)).json()
    body = client.post("/api/v1/licenses/verify", json=doc).json()
    assert body["valid"] is True and body["license"]["shown"] == "masked" and body["license"]["holder_name"] == "赵*"
    assert row.verify_token not in orjson.dumps(body).decode()  # the file does not hand out the token


def test_multipart_without_a_file_part_is_a_422_naming_the_field(client: TestClient, db: Session) -> None:
    before = counts(db)
    bodies: list[dict[str, Any]] = [
        {"data": {"note": "没有文件"}, "files": {"other": ("x.txt", b"abc", "text/plain")}},
        {"data": {"note": "没有文件"}},  # urlencoded: the same, without a part at all
    ]
    for kwargs in bodies:
        r = client.post("/api/v1/licenses/verify", **kwargs)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == "file" and r.json()["error"]["code"] == "file_required"
    raw = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--b--\r\n'
    r = client.post("/api/v1/licenses/verify", content=raw, headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "file", r.text
    assert counts(db) == before


# --- the QR code --------------------------------------------------------------------------------------


def test_qr_code_of_an_issued_licence_pdf_decodes_to_the_token_url(client: TestClient, db: Session, login: Any) -> None:
    row = id_card(db)
    pdf = client.get(f"/api/v1/licenses/{row.identifier}/pdf", headers=login(MOTHER))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0]
    [image] = page.images
    assert image.image is not None
    scanned = [b.text for b in zxingcpp.read_barcodes(image.image.convert("L"))]
    want = f"{get_settings().public_url.rstrip('/')}/verify/t/{row.verify_token}"
    assert scanned == [want]
    assert want in re.sub(r"\s+", "", page.extract_text())  # the printed check address, for typing
    # What it opens is the token's page, with the masked holder.
    opened = client.get(want.removeprefix(get_settings().public_url.rstrip("/")))
    assert opened.status_code == 200 and "赵*" in opened.text
    # The license page's QR code and its link are the token's too.
    shown = client.get(f"/licenses/{row.identifier}", headers=login(MOTHER))
    assert f'href="/verify/t/{row.verify_token}"' in shown.text


# --- the migration ------------------------------------------------------------------------------------


def test_migration_gives_every_existing_licence_its_own_token(fresh_engine: Engine) -> None:
    with session_scope(fresh_engine) as session:
        for _ in range(3):
            id_card(session)
        before = counts(session)
    config = alembic_config()
    with fresh_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")
    assert "verify_token" not in {c["name"] for c in inspect(fresh_engine).get_columns("licenses")}
    with fresh_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
    with session_scope(fresh_engine) as session:
        assert counts(session) == before
        found = list(session.scalars(select(License.verify_token)))
        if fresh_engine.dialect.name == "sqlite":
            assert list(session.execute(text("PRAGMA foreign_key_check"))) == []
    assert len(found) == before[0] >= 3 and len(set(found)) == len(found)
    assert all(tokens.well_formed(t) for t in found)
    column = next(c for c in inspect(fresh_engine).get_columns("licenses") if c["name"] == "verify_token")
    assert column["nullable"] is False
    unique = [i for i in inspect(fresh_engine).get_indexes("licenses") if i["column_names"] == ["verify_token"]]
    assert unique and unique[0]["unique"]
