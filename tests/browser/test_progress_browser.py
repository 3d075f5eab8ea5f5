"""办件进度查询 in Chromium, as someone without an account would use it: on a 375 px phone and on a
desktop, with and without JavaScript, they type the case number and the last 6 characters of the ID
number and see the progress; a wrong tail gets 未查到 and nothing else."""

from __future__ import annotations

import random
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.support import DESKTOP, PHONE, Person, overflow, serious_violations
from onething.cases import intake, views, window
from onething.cases.schemas import AcceptIn, CaseCreate, CaseUpdate
from onething.demo.cases import cast, fill_missing, png
from onething.identity import auth
from onething.kit.db import session_scope
from onething.models import User

MOTHER = "430202197809210244"  # 赵敏, a citizen of 株洲市荷塘区
NEWBORN = {
    "birth_place": "elsewhere",
    "has_vaccination_card": "yes",
    "join_medical": "no",
    "need_ssc": "no",
    "maternity_insured": "yes",
}
WAYS = [(PHONE, True), (PHONE, False), (DESKTOP, True), (DESKTOP, False)]
IDS = ["phone", "phone-no-js", "desktop", "desktop-no-js"]


@pytest.fixture(scope="module")
def case(site: Any) -> dict[str, str]:
    """赵敏's newborn application, submitted and accepted at the window: its departments at work."""
    with session_scope(site.engine) as session:
        mother_id = session.scalar(select(User.id).where(User.id_number == MOTHER))
        assert mother_id is not None
        mother = auth.principal_for(session, mother_id, "browser-test")
        assert mother is not None
        number = intake.create_draft(session, mother, CaseCreate(thing="newborn_birth", answers=NEWBORN)).number
        detail = views.case_detail(session, mother, number).model_dump()
        intake.update_draft(session, mother, number, CaseUpdate(form=fill_missing(detail, random.Random(17))))
        for n, m in enumerate(detail["needed_materials"]):
            if m["exempt"] != "bundle":
                intake.add_material(session, mother, number, m["code"], f"{m['code']}.png", png(n))
        intake.submit(session, mother, number)
        window.accept(session, cast(session).clerk, number, AcceptIn())
        thing = str(detail["thing_name"])
    return {"number": number, "thing": thing}


def _ask(person: Person, number: str, code: str) -> Any:
    page = person.go("/progress")
    expect(page.locator("h1")).to_have_text("办件进度查询")
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("证件号码后 6 位").fill(code)
    page.get_by_role("button", name="查询进度").click()
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize(("device", "javascript"), WAYS, ids=IDS)
def test_anyone_sees_the_progress(people: Any, case: dict[str, str], device: dict[str, Any], javascript: bool) -> None:
    person = people(device, javascript=javascript)
    page = _ask(person, case["number"], MOTHER[-6:])
    main = page.locator("main")
    expect(main.get_by_role("heading", name=case["thing"])).to_be_visible()
    expect(main.get_by_role("status")).to_contain_text("已受理")
    departments = main.get_by_role("list", name="各部门办理情况")
    expect(departments.get_by_role("listitem").first).to_contain_text("审批中")
    expect(main).to_contain_text("承诺办结日")
    text = main.inner_text()
    for personal in ("赵敏", MOTHER, "红旗北路", "待认领"):
        assert personal not in text, personal
    assert page.get_by_label("证件号码后 6 位").input_value() == ""  # never echoed back
    if device is PHONE:
        assert overflow(page) <= 0, "the result scrolls sideways on a 375 px phone"
    if javascript:
        assert serious_violations(page) == []


@pytest.mark.parametrize(("device", "javascript"), WAYS, ids=IDS)
def test_a_wrong_tail_is_not_found(people: Any, case: dict[str, str], device: dict[str, Any], javascript: bool) -> None:
    person = people(device, javascript=javascript)
    page = _ask(person, case["number"], "000000")
    alert = page.locator("main").get_by_role("alert")
    expect(alert).to_contain_text("未查到")
    expect(page.locator("main").get_by_role("list", name="各部门办理情况")).to_have_count(0)
    assert case["thing"] not in page.locator("main").inner_text()
    expect(page.get_by_label("办件编号")).to_have_value(case["number"])  # kept, to correct a typo
    if device is PHONE:
        assert overflow(page) <= 0
    if javascript:
        assert serious_violations(page) == []
