"""The journeys of the issue, clicked through in Chromium: a mother registers her newborn from her phone,
the window clerk asks for one correction, she fixes it, the clerk accepts, two departments approve in
parallel, the household register lands in her wallet and verifies, she leaves a bad review and the
service centre answers it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from browser.support import DESKTOP, PHONE, Person
from onething.demo.cases import png

MOTHER = "430202197809210244"  # 赵敏, 株洲市荷塘区
FATHER_ID = "430202198506150138"  # 王磊
EMPLOYER = "91430202MA4L8Q2R15"  # 敏记餐饮, where she works
ANSWERS = (
    "在省外出生，已经拿到出生医学证明",
    "已经办了",
    "暂不参加",
    "暂不申领",
    "是，可以申请生育医疗费用和生育津贴",
)
UPLOADS = {
    "出生医学证明": 1,
    "配偶（另一方）居民身份证": 2,
    "结婚证": 3,
    "医疗费用票据及费用明细清单": 4,
    "本人银行卡（存折）": 5,
}


def _upload(person: Person, material: str, seed: int) -> None:
    """Choose a file in the material's row: with scripting it goes up at once (no reload); without,
    the row's 上传 button posts the whole one form."""
    page = person.page
    field = page.get_by_label(f"上传{material}")
    field.set_input_files({"name": f"scan-{seed}.png", "mimeType": "image/png", "buffer": png(seed)})
    if not person.javascript:
        page.locator("tr", has=field).get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#materials")).to_contain_text(f"scan-{seed}.png")


def _pdf(person: Person, link: str) -> None:
    """The printable document behind a link, fetched with the person's own session."""
    href = person.page.get_by_role("link", name=link).get_attribute("href")
    response = person.context.request.get(person.site(str(href)))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def _find_and_apply(mother: Person) -> str:
    page = mother.go("/")
    page.get_by_label("用日常用语描述您要办的事").fill("孩子出生了")
    page.get_by_label("用日常用语描述您要办的事").press("Enter")
    expect(page.locator("h2")).to_contain_text("孩子出生了")
    mother.shot("01-search")
    page.get_by_role("link", name="新生儿出生").first.click()
    expect(page.locator("h1")).to_have_text("新生儿出生")
    for n, answer in enumerate(ANSWERS, start=1):
        expect(page.locator("#wizard legend")).to_contain_text(f"第 {n} 步")
        if n > 1:  # after htmx swapped the question in, focus is on it, not lost at the top
            expect(page.locator("#wizard legend")).to_be_focused()
        page.get_by_label(answer).check()
        if n == 3:
            mother.shot("02-guided-questions")
        page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="生成办事指南（一次告知书）").click()
    expect(page.locator("h1")).to_contain_text("一次告知书")
    expect(page.get_by_text("出生登记（新生儿户口登记）").first).to_be_visible()
    mother.shot("03-one-time-notice")
    page.get_by_role("button", name="按以上情形填写一张表单").click()
    found = re.search(r"/cases/([0-9A-Za-z-]+)$", page.url)
    assert found, page.url
    return found.group(1)


def _fill_the_one_form(mother: Person) -> None:
    page = mother.page
    form = page.locator("#form")
    # Auto-filled from the population library and from her e-licenses, each value marked with its source.
    expect(page.get_by_label("申请人姓名")).to_have_value("赵敏")
    expect(form).to_contain_text("来源：人口基础信息库")
    materials = page.locator("#materials")
    expect(materials).to_contain_text("电子证照（免提交）")
    for label, value in {
        "本人银行账号（社保卡金融账户）": "6217002870012345678",
        "开户银行": "中国建设银行株洲荷塘支行",
        "配偶姓名": "王磊",
        "配偶公民身份号码": FATHER_ID,
        "新生儿姓名": "王小满",
        "新生儿出生日期": "2026-11-06",
        "出生地点（助产机构名称）": "广东省妇幼保健院",
        "工作单位名称": "株洲市荷塘区敏记餐饮有限公司",
        "工作单位统一社会信用代码": EMPLOYER,
        "新生儿与户主关系": "女",
    }.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("新生儿性别").select_option(label="女")
    page.get_by_label("新生儿随父或随母落户").select_option(label="随母落户")
    page.get_by_label("分娩方式").select_option(label="顺产")
    page.get_by_role("button", name="保存表单").click()
    expect(page.get_by_label("新生儿姓名")).to_have_value("王小满")
    for material, seed in UPLOADS.items():
        _upload(mother, material, seed)
    mother.shot("04-one-form")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("h1")).to_have_text("提交成功")
    page.get_by_role("link", name="查看办件进度").click()
    expect(page.locator("main")).to_contain_text("待受理")


def test_newborn_journey(people: Any) -> None:
    mother: Person = people(PHONE)
    mother.login(MOTHER)
    number = _find_and_apply(mother)
    _fill_the_one_form(mother)

    # The comprehensive window: one screen to review, one correction notice listing everything.
    clerk: Person = people(DESKTOP)
    clerk.login("ht_clerk")
    page = clerk.go("/workbench")
    page.get_by_role("link", name=number).click()
    expect(page.locator("#review")).to_be_visible()
    # The system's pre-checks on the same screen: the form passes, every material is there.
    expect(page.locator("#checks")).to_contain_text("✓ 通过")
    expect(page.locator("#checks")).not_to_contain_text("✗")
    expect(page.locator("#form")).to_contain_text("随母落户")  # options read as words, not codes
    clerk.shot("05-window-review")
    page.get_by_label("材料：医疗费用票据及费用明细清单").check()
    page.get_by_label("医疗费用票据及费用明细清单的补正说明").fill("票据缺少费用明细清单，请补充上传")
    page.get_by_role("button", name="发出一次性补正告知").click()
    expect(page.locator("main")).to_contain_text("待补正")

    page = mother.go("/notices")  # 消息: the correction reached her
    expect(page.locator("main")).to_contain_text("需要补正")
    page.get_by_role("link", name=number).first.click()
    expect(page.locator("#correction")).to_contain_text("票据缺少费用明细清单")
    mother.shot("06-correction-notice")
    _pdf(mother, "一次性补正告知书（PDF）")
    _upload(mother, "医疗费用票据及费用明细清单", 14)
    page.get_by_role("button", name="补正完毕，重新提交").click()
    expect(page.locator("h1")).to_have_text("提交成功")

    page = clerk.go(f"/cases/{number}")
    page.get_by_role("button", name="材料齐全，受理").click()
    expect(page.locator("main")).to_contain_text("已受理")
    _pdf(clerk, "受理回执（PDF）")

    # Two departments, each from its own inbox, both with the case open at once: parallel approval.
    police: Person = people(DESKTOP)
    police.login("ht_police")
    medical: Person = people(PHONE)
    medical.login("ht_medical")
    for approver in (police, medical):
        page = approver.go("/inbox")
        expect(page.locator("main")).to_contain_text(number)
        page.get_by_role("button", name=re.compile(f"认领 .*{number}")).click()
        expect(page.locator("main")).to_contain_text("办理中")
    police.shot("07-department-inbox")
    for approver, item in ((police, "出生登记"), (medical, "生育")):
        page = approver.go("/inbox?state=claimed")
        page.get_by_role("link", name=re.compile(item)).first.click()
        expect(page.locator("#others, main")).to_contain_text("并联")
    police.page.get_by_label("意见范本").first.select_option(index=1)
    police.shot("08-department-decision")
    for approver in (police, medical):
        approver.page.get_by_label("意见范本").first.select_option(index=1)
        approver.page.get_by_role("button", name="准予").click()
        dialog = approver.page.get_by_role("dialog")  # 准予 issues a license: said first, then confirmed
        expect(dialog).to_contain_text("准予「")
        dialog.get_by_role("button", name="确认准予").click()
        expect(approver.page.locator("main")).to_contain_text("已作出准予决定")

    # The household register is in her wallet, sealed, and the public check says it is genuine.
    page = mother.go("/notices")
    expect(page.locator("main")).to_contain_text("已办结（全部准予）")
    page = mother.go(f"/cases/{number}")
    expect(page.locator("main")).to_contain_text("已办结")
    expect(page.locator("ol.progress li[aria-current=step]")).to_contain_text("领证")
    mother.shot("09-case-progress", full=False)
    page = mother.go("/wallet")
    mother.shot("09-wallet", full=False)
    registers = page.get_by_role("link", name="居民户口簿")
    # One card per kind: the register this case issued replaces the one she had (newest first).
    expect(registers).to_have_count(1)
    assert "王小满" in mother.go(str(registers.get_attribute("href"))).inner_text("main"), (
        "the household register this case issued is not the wallet's card"
    )
    page.get_by_role("link", name="公开核验页").click()
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    mother.shot("10-verified")

    # A bad review, and the service centre answers it to the end.
    page = mother.go(f"/cases/{number}/evaluation")
    page.get_by_label("不满意", exact=True).check()
    for select in page.locator("select[name^=score_]").all():
        select.select_option("2")
    page.get_by_label("多次跑动").check()
    page.get_by_label("意见建议").fill("补正时才告知要费用明细清单，希望第一次就说清楚")
    mother.shot("11-bad-review")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_contain_text("不满意")

    page = clerk.go("/rectifications")
    page.get_by_role("link", name=number).click()
    page.get_by_label("核实情况").fill("已电话回访，申请人反映属实")
    page.get_by_role("button", name="提交回访核实").click()
    page.get_by_label("有效差评").check()
    page.get_by_label("依据").fill("一次告知书未写明须附费用明细清单")
    page.get_by_role("button", name="提交分类").click()
    page.get_by_label("整改措施").fill("在一次告知书中写明费用明细清单的要求")
    page.get_by_role("button", name="登记整改").click()
    page.get_by_label("反馈评价人").fill("已在告知书中补充说明，感谢您的意见")
    page.get_by_role("button", name="反馈评价人").click()
    expect(page.locator("main")).to_contain_text("已反馈")
    clerk.shot("12-rectification")

    page = mother.go(f"/cases/{number}/evaluation")
    page.get_by_role("link", name=re.compile("查看整改反馈")).click()
    expect(page.locator("main")).to_contain_text("已在告知书中补充说明")
    mother.shot("13-answered")


def test_a_phone_without_javascript_finds_applies_and_uploads(people: Any) -> None:
    """The same pages with scripting off: plain GET steps, plain form posts, plain uploads."""
    father: Person = people(PHONE, javascript=False)
    father.login(FATHER_ID)
    page = father.go("/")
    page.get_by_label("用日常用语描述您要办的事").fill("孩子出生了")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="新生儿出生").first.click()
    page.get_by_role("button", name="下一步").click()  # nothing chosen: asked again, the error beside it
    expect(page.get_by_role("alert")).to_contain_text("请选择")
    for answer in ANSWERS:
        page.get_by_label(answer).check()
        page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="生成办事指南（一次告知书）").click()
    expect(page.get_by_role("button", name="打印一次告知书")).to_be_hidden()  # needs scripting; print menu works
    page.get_by_role("button", name="按以上情形填写一张表单").click()
    expect(page.get_by_label("申请人姓名")).to_have_value("王磊")
    _upload(father, "出生医学证明", 21)
    expect(page.locator("#materials progress").first).to_be_hidden()
    father.shot("14-no-javascript")


def test_an_upload_the_server_or_the_page_refuses_is_explained_beside_the_file(people: Any) -> None:
    person: Person = people(PHONE)
    person.login("430104199003070023")  # 李娜
    guide = "/things/newborn_birth/guide?" + "&".join(
        f"{k}={v}"
        for k, v in {
            "birth_place": "elsewhere",
            "has_vaccination_card": "yes",
            "join_medical": "no",
            "need_ssc": "no",
            "maternity_insured": "yes",
        }.items()
    )
    page = person.go(guide)
    page.get_by_role("button", name="按以上情形填写一张表单").click()
    field = page.get_by_label("上传出生医学证明")
    row = page.locator("tr", has=field)  # the file goes up as soon as it is chosen
    field.set_input_files({"name": "huge.png", "mimeType": "image/png", "buffer": b"\0" * (10 * 1024 * 1024 + 1)})
    expect(row.get_by_role("alert")).to_contain_text("超过 10 MB")
    field.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": "不是扫描件".encode()})
    expect(row.get_by_role("alert")).not_to_contain_text("超过 10 MB")
    expect(row.get_by_role("alert")).to_be_visible()
    expect(page.locator("#materials")).not_to_contain_text("notes.txt")
