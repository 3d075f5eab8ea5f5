"""The defects outside testers met in their first minutes, each clicked through in Chromium: what was
typed survives a wrong value, an upload and a reload; a fresh form is not red; every problem is
listed and linked; an optional field stays optional; what the guide asked is not asked again; legal
acts say what they do before they are done; a phone shows the case's progress first; each person
lands on their work; a wrong password keeps the ID number typed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.support import DESKTOP, PHONE, Person
from onething.demo.cases import png

AGENT = "430202198506150138"  # 王磊, acts for 敏记餐饮
GUIDE = "/things/open_restaurant/guide?has_license=yes&premises=leased&area=gt300&extras=signboard"


def _apply(person: Person) -> str:
    page = person.go(GUIDE)
    page.get_by_role("button", name="按以上情形填写一张表单").click()
    found = re.search(r"/cases/(\d+)$", page.url)
    assert found, page.url
    return found.group(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_nothing_typed_is_lost(people: Any, javascript: bool) -> None:
    person: Person = people(PHONE, javascript=javascript)
    person.login(AGENT)
    number = _apply(person)
    page = person.page
    # A fresh form: nothing red, the optional field says so, the guide's answer is not asked again.
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator("main .field small.error:visible")).to_have_count(0)
    expect(page.locator("label[for=f_storage_address]")).to_contain_text("选填")
    expect(page.locator("#f_premises_property_right")).to_have_count(0)
    expect(page.locator("#form")).to_contain_text("您在智能导办中的回答")

    page.get_by_label("食品安全管理人员姓名").fill("李小红")
    page.get_by_label("从业人数").fill("12")
    page.get_by_label("建筑面积（平方米）").fill("约120平")
    if javascript:
        page.get_by_label("仓库地址").focus()  # leaving the field saves it
        expect(page.locator("#e_premises_area")).to_contain_text("应填写")
        expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存")
    # A file goes up with what was typed still on the page.
    field = page.get_by_label("上传经营场所门头和内部现状照片")
    field.set_input_files({"name": "door.png", "mimeType": "image/png", "buffer": png(3)})
    if not javascript:
        page.locator("tr", has=field).get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#materials")).to_contain_text("door.png")
    expect(page.get_by_label("食品安全管理人员姓名")).to_have_value("李小红")
    expect(page.get_by_label("建筑面积（平方米）")).to_have_value("约120平")  # kept as typed, beside its message
    expect(page.get_by_label("建筑面积（平方米）")).to_have_attribute("aria-invalid", "true")
    person.shot("20-typed-kept" + ("" if javascript else "-nojs"))

    # Gone and back: what was valid is stored.
    page = person.go(f"/cases/{number}")
    expect(page.get_by_label("食品安全管理人员姓名")).to_have_value("李小红")
    expect(page.get_by_label("从业人数")).to_have_value("12")

    # Submitting early lists every problem, each a link to its field or material.
    page.get_by_role("button", name="提交申请").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    count = int(re.search(r"还有 (\d+) 处", summary.inner_text()).group(1))  # type: ignore[union-attr]
    assert count == summary.locator("li a").count() > 10
    summary.locator("li a").first.click()
    assert re.search(r"#[fm]_", page.url)
    expect(page.locator("#problems")).not_to_contain_text("仓库地址")


def test_approving_states_what_it_will_do_and_needs_reasons(people: Any, site: Any) -> None:
    """准予 with no opinion is refused; with one, a confirmation says a permit will be issued —
    as a dialog with scripting and as a page without."""
    import random

    from onething.cases import intake, window
    from onething.cases.schemas import AcceptIn
    from onething.demo.cases import cast, new_restaurant_case
    from onething.kit.db import session_scope

    with session_scope(site.engine) as session:  # a case accepted at the window, as the demo makes them
        who = cast(session)
        number = new_restaurant_case(session, who, random.Random(17))
        intake.submit(session, who.agent, number)
        window.accept(session, who.clerk, number, AcceptIn())

    for javascript in (True, False):
        market: Person = people(DESKTOP, javascript=javascript)
        market.login("ht_market")
        page = market.go("/inbox")
        page.get_by_role("button", name=re.compile(f"认领 .*{number}")).first.click()
        page = market.go("/inbox?state=claimed")
        page.get_by_role("link", name=re.compile("食品经营许可")).first.click()
        page.get_by_role("button", name="准予").click()  # no opinion: refused beside the box
        expect(page.get_by_role("alert").first).to_contain_text("请填写审批意见")
        page.get_by_label("意见范本").first.select_option(index=1)
        page.get_by_role("button", name="准予").click()
        if javascript:
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("将签发《食品经营许可证》电子证照")
            market.shot("21-approve-dialog", full=False)
            dialog.get_by_role("button", name="取消").click()
            expect(page.locator("main")).not_to_contain_text("已作出准予决定")
            break  # the no-JS person approves it
        expect(page.locator("h1")).to_have_text("确认准予")
        expect(page.locator("main")).to_contain_text("将签发《食品经营许可证》电子证照并推送至申请人证照夹")
        market.shot("22-approve-confirm-page")
        page.get_by_role("button", name="确认准予").click()
        expect(page.locator("main")).to_contain_text("已作出准予决定")


def test_a_phone_shows_progress_first_and_my_cases_fit(people: Any) -> None:
    person: Person = people(PHONE)
    person.login(AGENT)
    page = person.page
    assert page.url.endswith("/cases")  # a citizen lands on 我的办件
    number = _apply(person)
    page = person.go(f"/cases/{number}")
    progress = page.locator("ol.progress")
    expect(progress).to_be_visible()
    box = progress.bounding_box()
    assert box is not None and box["y"] + box["height"] < 812  # on the first screen
    expect(progress.locator("li[aria-current=step]")).to_contain_text("提交")
    person.shot("23-case-progress", full=False)
    page = person.go("/cases")
    status = page.get_by_text("草稿").first
    expect(status).to_be_visible()
    sbox = status.bounding_box()
    assert sbox is not None and sbox["x"] + sbox["width"] <= 375  # 状态 is on screen, not off to the right
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The guide keeps 在线申请 in reach at the bottom of the screen.
    page = person.go(GUIDE)
    bar = page.locator(".apply-bar")
    bbox = bar.bounding_box()
    assert bbox is not None and bbox["y"] + bbox["height"] <= 812 + 1
    bar.get_by_role("link", name="在线申请").click()
    expect(page.locator("#apply")).to_be_in_viewport()


@pytest.mark.parametrize(
    ("login", "lands"), [("ht_clerk", "/workbench"), ("ht_market", "/inbox"), ("ht_supervisor", "/supervision")]
)
def test_each_person_lands_on_their_work(people: Any, login: str, lands: str) -> None:
    person: Person = people(DESKTOP)
    person.login(login)
    assert person.page.url.endswith(lands)


def test_a_wrong_password_keeps_the_id_number(people: Any) -> None:
    person: Person = people(PHONE, javascript=False)
    page = person.go("/login")
    page.get_by_label("身份证号或用户名").fill(AGENT)
    page.get_by_label("密码").fill("Wrong@2026")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("不正确")
    expect(page.get_by_label("身份证号或用户名")).to_have_value(AGENT)


def test_the_window_reviews_on_one_screen(people: Any, site: Any) -> None:
    """The data beside the chosen file, the 补正 boxes beside what they concern, the decisions always
    in view, and a resubmission shown as what changed since it was sent back."""
    import random

    from onething.cases import intake
    from onething.cases.schemas import CaseUpdate
    from onething.demo.cases import cast, new_restaurant_case
    from onething.kit.db import session_scope

    with session_scope(site.engine) as session:
        who = cast(session)
        number = new_restaurant_case(session, who, random.Random(29))
        intake.submit(session, who.agent, number)
    clerk: Person = people(DESKTOP)
    clerk.login("ht_clerk")
    page = clerk.go(f"/workbench?q={number}")
    expect(page.locator("main")).to_contain_text("已等待")
    page.get_by_role("link", name=number).click()
    table, preview = page.locator("#checks"), page.locator(".review-preview iframe")
    tbox, pbox = table.bounding_box(), preview.bounding_box()
    assert tbox and pbox and pbox["x"] >= tbox["x"] + tbox["width"] - 1  # side by side
    bar = page.get_by_role("navigation", name="审核决定")
    bbox = bar.bounding_box()
    assert bbox is not None and bbox["y"] + bbox["height"] <= 900 + 1  # in view without scrolling
    link = table.locator("a[target=preview]").filter(has_text=".png").first
    with page.expect_response(lambda r: "inline=1" in r.url) as shown:
        link.click()
    assert shown.value.status == 200 and shown.value.headers["content-type"] == "image/png"
    page.get_by_label("表单：从业人数").check()
    page.get_by_label("从业人数的补正说明").fill("与社保参保人数不一致")
    page.get_by_role("button", name="发出一次性补正告知").click()
    expect(page.locator("main")).to_contain_text("待补正")

    with session_scope(site.engine) as session:
        intake.update_draft(session, who.agent, number, CaseUpdate(form={"employee_count": 31}))
        intake.submit(session, who.agent, number)
    page = clerk.go(f"/cases/{number}")
    changes = page.locator("#changes")
    expect(changes).to_contain_text("从业人数")
    expect(changes.locator("ins")).to_contain_text("31")
    clerk.shot("24-window-review-changes", full=False)
    # The same screen on a phone: cards, the decisions in one row, nothing wider than the screen.
    from browser.support import overflow

    phone: Person = people(PHONE)
    phone.login("ht_clerk")
    page = phone.go(f"/cases/{number}")
    assert overflow(page) <= 0
    bar = page.get_by_role("navigation", name="审核决定").bounding_box()
    assert bar is not None and bar["height"] < 80  # one row of buttons


def test_the_elder_mode_is_larger_remembered_and_fits_a_phone(people: Any) -> None:
    from browser.support import overflow, serious_violations

    person: Person = people(PHONE)  # axe needs scripting; the switch itself is a plain link
    person.login(AGENT)
    number = _apply(person)
    page = person.go(GUIDE)
    standard = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("link", name="长辈版（大字）").click()
    assert "/things/open_restaurant/guide?" in page.url  # back where it was asked from
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= 20 > standard
    assert overflow(page) <= 0 and not serious_violations(page)
    page = person.go(f"/cases/{number}")  # remembered on the next page
    assert page.evaluate("document.body.classList.contains('elder')")
    expect(page.locator("ol.progress li[aria-current=step]")).to_be_visible()
    assert overflow(page) <= 0 and not serious_violations(page)
    person.shot("25-elder-case", full=False)
    page.get_by_role("link", name="返回标准版").click()
    assert not page.evaluate("document.body.classList.contains('elder')")


def test_a_waiting_correction_is_marked_unread_and_on_the_home_page(people: Any, site: Any) -> None:
    import random

    from onething.cases import intake, window
    from onething.cases.schemas import CorrectionIn, CorrectionItem
    from onething.demo.cases import cast, new_restaurant_case
    from onething.kit.db import session_scope

    with session_scope(site.engine) as session:
        who = cast(session)
        number = new_restaurant_case(session, who, random.Random(53))
        intake.submit(session, who.agent, number)
        item = CorrectionItem(kind="material", code="storefront_photo", reason="门头照片看不清店名")
        window.request_correction(session, who.clerk, number, CorrectionIn(items=[item]))
    person: Person = people(PHONE)
    person.login(AGENT)
    page = person.go("/")
    todo = page.get_by_role("region", name=re.compile("我的待办"))
    expect(todo).to_contain_text("补正")
    expect(todo.get_by_role("link", name="开办餐饮店").first).to_be_visible()
    page.get_by_text("菜单").click()  # on a phone the links are behind 菜单
    expect(page.locator("details.menu nav .unread")).to_be_visible()
    page = person.go("/notices")
    expect(page.locator(".badge-new").first).to_have_text("未读")
    page = person.go("/notices")
    expect(page.locator(".badge-new")).to_have_count(0)  # seen now


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_withdrawing_and_refusing_say_what_they_do_first(people: Any, site: Any, javascript: bool) -> None:
    """撤回 (the applicant) and 不予受理 (the window): nothing happens on the first click."""
    import random

    from onething.cases import intake
    from onething.demo.cases import cast, new_restaurant_case
    from onething.kit.db import session_scope

    with session_scope(site.engine) as session:
        who = cast(session)
        mine, theirs = (new_restaurant_case(session, who, random.Random(61 + n)) for n in (0, 1))
        intake.submit(session, who.agent, theirs)
    agent: Person = people(PHONE, javascript=javascript)
    agent.login(AGENT)
    page = agent.go(f"/cases/{mine}")
    page.get_by_role("button", name="撤回申请").click()
    if javascript:
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("本次申请终止")
        dialog.get_by_role("button", name="确认撤回申请").click()
    else:
        expect(page.locator("h1")).to_have_text("确认撤回申请")
        page.get_by_role("button", name="确认撤回").click()
    expect(page.locator("main")).to_contain_text("申请已撤回")
    expect(page.get_by_role("button", name="撤回申请")).to_have_count(0)  # not offered any more

    clerk: Person = people(DESKTOP, javascript=javascript)
    clerk.login("ht_clerk")
    page = clerk.go(f"/cases/{theirs}")
    page.get_by_label("不予受理理由").fill("经营场所位于居民住宅楼内，不符合要求")
    page.locator("form#refuse").get_by_role("button", name="不予受理").click()
    if javascript:
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("不予受理决定")
        dialog.get_by_role("button", name="取消").click()
        expect(page.locator("main")).to_contain_text("待受理")  # nothing done
    else:
        expect(page.locator("h1")).to_have_text("确认不予受理")
        expect(page.locator("main")).to_contain_text("经营场所位于居民住宅楼内")
        page.get_by_role("button", name="确认不予受理").click()
        expect(page.locator("main")).to_contain_text("已作出不予受理决定")


def test_the_agents_own_card_and_times_in_plain_words(people: Any) -> None:
    person: Person = people(PHONE)
    person.login(AGENT)
    _apply(person)
    row = person.page.locator("tr[data-material=agent_id_card]")
    expect(row).to_contain_text("电子证照（免提交）")  # 王磊's own ID card stands in for 经办人居民身份证
    page = person.go("/items/tax_info_change")
    expect(page.locator("main")).to_contain_text("即办")
    expect(page.locator("main")).not_to_contain_text("0 个工作日")
    page = person.go(GUIDE)
    expect(page.locator("main")).not_to_contain_text("目录版本")
    assert not re.search(r"第 (\d+)–\1 个工作日", page.inner_text("main"))
