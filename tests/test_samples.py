"""样表: every letter the catalog asks for (承诺书, 委托书) as a blank PDF and a filled-in example marked
样表, saying what such a letter must say; the download route, its refusals, and the links' macro."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import pypdf
import pytest
from fastapi.testclient import TestClient

from onething.cases import samples
from onething.catalog.model import Catalog
from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS
from onething.guide.engine import generate
from onething.web import samples as sample_pages  # noqa: F401 - registers the template test the macro uses
from onething.web.render import templates

DAY = dt.date(2026, 3, 2)
# The letters the seed catalog asks for today; any other one gets a general text (tested below).
EXPECTED = {
    "power_of_attorney",
    "commitment_letter",
    "residence_declaration",
    "all_investors_commitment",
    "credit_repair_commitment",
    "construction_funds_commitment",
    "homestead_use_commitment",
}


def text_of(pdf: bytes) -> tuple[int, str]:
    """Page count and the text, line breaks and spaces dropped (a phrase may wrap)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def letters(catalog: Catalog) -> dict[str, tuple[str, str | None]]:
    return {c: (m.name, m.note) for c, m in catalog.materials.items() if samples.is_letter(m.name)}


def test_the_catalog_letters_are_found(seed_catalog: Catalog) -> None:
    found = letters(seed_catalog)
    assert set(found) >= EXPECTED
    # Forms and other templates (章程, 申请表, 名册) are not letters to sign.
    assert "articles_of_association" not in found and "id_card" not in found


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_letter_blank_and_filled(seed_catalog: Catalog, code: str) -> None:
    name, note = seed_catalog.materials[code].name, seed_catalog.materials[code].note
    letter = samples.letter(code, name, note, DAY)
    assert letter is not None
    blank_pages, blank = text_of(samples.pdf(letter, filled=False))
    filled_pages, filled = text_of(samples.pdf(letter, filled=True))
    assert blank_pages == filled_pages == 1  # one sheet to sign, however long the example's values
    assert name in blank and name in filled
    assert "样表" in filled and "填写示例" in filled
    assert "样表" not in blank and "示例" not in blank and "____" in blank
    assert "2026年3月2日" in filled and "2026年3月2日" not in blank
    if "承诺书" in name:  # every promise says what a false one costs
        assert "信用记录" in blank and "失信惩戒" in blank


def test_the_commitment_letter_follows_the_state_council_opinion() -> None:
    letter = samples.letter("commitment_letter", "告知承诺书", None, DAY)
    assert letter is not None
    _, text = text_of(samples.pdf(letter, filled=False))
    for phrase in ("国办发〔2020〕42号", "证明义务和证明内容", "核查", "撤销已作出的决定", "记入申请人的信用记录"):
        assert phrase in text, phrase
    assert "申请人（签字或盖章）" in text and "行政机关（盖章）" in text


def test_the_authorisation_names_both_parties_the_matter_the_scope_and_the_period() -> None:
    letter = samples.letter("power_of_attorney", "授权委托书", None, DAY)
    assert letter is not None
    _, blank = text_of(samples.pdf(letter, filled=False))
    _, filled = text_of(samples.pdf(letter, filled=True))
    for phrase in ("委托人", "受托人（经办人）", "委托事项", "委托权限", "委托期限", "受托人（签字）"):
        assert phrase in blank, phrase
    assert "□" in blank and "■" not in blank  # boxes to tick on the blank form, ticked on the example
    assert "■" in filled and "自2026年3月2日起至2026年5月31日止" in filled


def test_a_letter_new_to_the_catalog_gets_a_general_text() -> None:
    commitment = samples.letter("new_commitment", "安全生产承诺书", "承诺落实{安全}生产主体责任。", DAY)
    attorney = samples.letter("new_attorney", "代理记账委托书", None, DAY)
    assert commitment is not None and attorney is not None
    _, text = text_of(samples.pdf(commitment, filled=False))
    assert "安全生产承诺书" in text and "承诺落实{安全}生产主体责任；" in text and "信用记录" in text
    _, text = text_of(samples.pdf(attorney, filled=True))
    assert "代理记账委托书" in text and "受托人" in text and "样表" in text
    assert samples.letter("id_card", "申请人居民身份证", None, DAY) is None


def test_rendered_once_per_letter_form_and_day() -> None:
    first = samples.sample_pdf("power_of_attorney", "授权委托书", None, True, DAY)
    assert first is not None and samples.sample_pdf("power_of_attorney", "授权委托书", None, True, DAY) is first
    assert samples.sample_pdf("id_card", "申请人居民身份证", None, True, DAY) is None


# ---------------------------------------------------------------------------------------------- route


def test_download_blank_and_filled(client: TestClient) -> None:
    blank = client.get("/samples/power_of_attorney.pdf")
    assert blank.status_code == 200 and blank.headers["content-type"] == "application/pdf"
    assert blank.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''" in blank.headers["content-disposition"]
    _, text = text_of(blank.content)
    assert "授权委托书" in text and "样表" not in text
    filled = client.get("/samples/power_of_attorney.pdf?filled=1")
    assert filled.status_code == 200
    assert "样表" in text_of(filled.content)[1]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/samples/no_such_material.pdf", 404),
        ("/samples/id_card.pdf", 404),  # in the catalog, but not a letter
        ("/samples/power_of_attorney", 404),
        ("/samples/" + "x" * 61 + ".pdf", 422),
        ("/samples/power_of_attorney.pdf?filled=perhaps", 422),
    ],
)
def test_refusals_are_errors_not_crashes(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if path.endswith(".pdf") and status == 404:
        assert error["code"] == "sample_not_found"


def test_a_browser_gets_an_error_page(client: TestClient) -> None:
    response = client.get("/samples/no_such_material.pdf", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "没有这种材料的样表" in response.text and "<html" in response.text


def test_the_links_macro_shows_links_that_work(client: TestClient, seed_catalog: Catalog) -> None:
    macro = templates.env.get_template("_samples.html").module.sample_links  # type: ignore[attr-defined]
    assert str(macro(SimpleNamespace(code="id_card", name="申请人居民身份证"))).strip() == ""
    guide = generate(seed_catalog, RESTAURANT, {**RESTAURANT_ANSWERS, "premises": "leased"}, "430202")
    links = [href for m in guide.materials for href in re.findall(r'href="([^"]+)"', str(macro(m)))]
    assert "/samples/power_of_attorney.pdf" in links and "/samples/power_of_attorney.pdf?filled=1" in links
    for href in links:
        assert client.get(href).status_code == 200, href
