"""Issue 17 in Chromium, at 1280 px and at 375 px, with and without JavaScript: the supervisor's
dashboard (figures that read as numbers, regions chosen by name, an empty period said in words), a
signed-in person's 404 page with their own header, the 建房 tile, and a rating page that says why
there is nothing to rate yet. Each fails on the code as it was before the fix."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.support import DESKTOP, PHONE, Person, overflow, serious_violations
from onething.cases import intake
from onething.cases.schemas import CaseCreate
from onething.identity import auth
from onething.kit.db import session_scope
from onething.models import User

MOTHER = "430202197809210244"  # 赵敏, a citizen
NEWBORN = {
    "birth_place": "elsewhere",
    "has_vaccination_card": "yes",
    "join_medical": "no",
    "need_ssc": "no",
    "maternity_insured": "yes",
}
# Long before any data in any test: the period is empty on every date the suite runs.
EMPTY_PERIOD = "from=2001-01-01&to=2001-03-31"
DEVICES = [
    pytest.param(DESKTOP, True, id="desktop"),
    pytest.param(DESKTOP, False, id="desktop-no-js"),
    pytest.param(PHONE, True, id="phone"),
    pytest.param(PHONE, False, id="phone-no-js"),
]


def _font_px(locator: Any) -> float:
    size: str = locator.evaluate("e => getComputedStyle(e).fontSize")
    return float(size.removesuffix("px"))


@pytest.mark.parametrize(("device", "javascript"), DEVICES)
def test_the_dashboard_reads_as_numbers_names_and_words(people: Any, device: dict[str, Any], javascript: bool) -> None:
    supervisor: Person = people(device, javascript=javascript)
    supervisor.login("cs_supervisor")  # 长沙市: several regions to choose from
    page = supervisor.go(f"/supervision?{EMPTY_PERIOD}")
    expect(page.locator("h1")).to_contain_text("长沙市")

    # Each headline figure: its number is larger than its label, and its unit is beside it.
    figure = page.locator(".figure", has=page.locator("dt", has_text="在办办件"))
    expect(figure).to_be_visible()
    number, label = figure.locator(".figure-number"), figure.locator("dt")
    assert _font_px(number) > 1.5 * _font_px(label), "the label is as large as the number"
    expect(figure.locator(".figure-unit")).to_have_text("件")
    number_box, label_box = number.bounding_box(), label.bounding_box()
    assert number_box and label_box and number_box["y"] > label_box["y"], "the label is not above its number"

    # Nothing in the period: words, not bars.
    expect(page.locator("main svg text.chart-empty", has_text="本期暂无数据").first).to_be_visible()
    assert page.locator("main svg rect.bar").count() == 0

    # Regions by name; the code only in the address.
    region = page.get_by_label("区划")
    expect(region.locator("option:checked")).to_have_text("长沙市")
    region.select_option(label="\u3000芙蓉区")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"region=430102"))
    expect(page.locator("h1")).to_contain_text("芙蓉区")
    assert not re.search(r"43\d{4}", page.locator("main").inner_text()), "a region code is shown"

    assert overflow(page) == 0, "the page scrolls sideways"
    if javascript:
        assert serious_violations(page) == []


@pytest.mark.parametrize(("device", "javascript"), DEVICES)
def test_a_signed_in_person_keeps_their_header_on_a_missing_page(
    people: Any, device: dict[str, Any], javascript: bool
) -> None:
    mother: Person = people(device, javascript=javascript)
    mother.login(MOTHER)
    response = mother.page.goto(mother.site("/no-such-page"))
    assert response is not None and response.status == 404
    page = mother.page
    expect(page.locator("main")).to_contain_text("找不到该地址")
    if device is PHONE:
        page.locator("details.menu summary").click()  # the phone's 菜单, with or without scripting
        nav = page.locator("details.menu nav")
    else:
        nav = page.locator("nav.account")
    expect(nav.get_by_role("link", name="赵敏")).to_be_visible()
    expect(nav.get_by_role("link", name="我的办件")).to_be_visible()
    expect(nav.get_by_role("button", name="退出")).to_be_visible()
    expect(page.locator("header").get_by_role("link", name="登录")).to_have_count(0)


@pytest.mark.parametrize(("device", "javascript"), DEVICES)
def test_the_building_tile_opens_rural_house_building(people: Any, device: dict[str, Any], javascript: bool) -> None:
    person: Person = people(device, javascript=javascript)
    page = person.go("/")
    page.get_by_role("link", name=re.compile("^建房")).click()
    page.wait_for_load_state()
    main = page.locator("main")
    expect(main.get_by_role("link", name="农村村民建房")).to_be_visible()
    expect(main).not_to_contain_text("买房落户")
    expect(main).not_to_contain_text("二手房")
    assert overflow(page) == 0


@pytest.fixture(scope="module")
def draft(site: Any) -> str:
    """A newborn application 赵敏 has not submitted yet: nothing of it can be rated."""
    with session_scope(site.engine) as session:
        mother = session.scalar(select(User.id).where(User.id_number == MOTHER))
        assert mother is not None
        principal = auth.principal_for(session, mother, "test")
        assert principal is not None
        return intake.create_draft(session, principal, CaseCreate(thing="newborn_birth", answers=NEWBORN)).number


@pytest.mark.parametrize(("device", "javascript"), DEVICES)
def test_the_rating_page_says_why_there_is_nothing_to_rate(
    people: Any, draft: str, device: dict[str, Any], javascript: bool
) -> None:
    mother: Person = people(device, javascript=javascript)
    mother.login(MOTHER)
    page = mother.go(f"/cases/{draft}/evaluation")
    expect(page.locator("main")).to_contain_text("办结后可评价")
    expect(page.get_by_role("button", name="提交评价")).to_have_count(0)
    page.locator("#why").get_by_role("link", name="返回办件").click()  # not a dead end
    page.wait_for_url(re.compile(rf"/cases/{draft}$"))
    assert overflow(mother.page) == 0
