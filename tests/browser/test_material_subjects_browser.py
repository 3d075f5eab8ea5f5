"""On her phone, a mother's 新生儿出生 draft never shows the father's ID card as provided by her own
e-license (免提交); once she types the father's ID number, his own card stands in."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from browser.support import PHONE, Person, overflow

MOTHER = "430202197809210244"  # 赵敏, holds a 居民身份证 e-license (demo wallet)
FATHER_ID = "430202198506150138"  # 王磊, holds one too
ANSWERS = {
    "birth_place": "hunan_hospital",
    "has_vaccination_card": "yes",
    "join_medical": "no",
    "need_ssc": "no",
    "maternity_insured": "no",
}


def _row(person: Person, material: str) -> Any:
    return person.page.locator("#materials tbody tr").filter(
        # the row's header is the material's name, then whose document it is (配偶的材料)
        has=person.page.get_by_role("rowheader", name=re.compile(f"^{re.escape(material)}"))
    )


def test_the_father_s_card_is_never_stood_in_for_by_the_mother_s_own(people: Any) -> None:
    mother: Person = people(PHONE)
    mother.login(MOTHER)
    page = mother.go("/things/newborn_birth/guide?" + "&".join(f"{k}={v}" for k, v in ANSWERS.items()))
    page.get_by_role("button", name="按以上情形填写一张表单").click()
    expect(page.locator("#materials")).to_be_visible()

    # Her own card stands in for her own ID card; the father's row asks for an upload instead.
    expect(_row(mother, "申请人居民身份证")).to_contain_text("电子证照（免提交）")
    spouse = _row(mother, "配偶（另一方）居民身份证")
    expect(spouse).to_have_count(1)
    expect(spouse).not_to_contain_text("电子证照（免提交")
    expect(spouse.get_by_label("上传配偶（另一方）居民身份证")).to_be_attached()
    assert overflow(page) == 0
    mother.shot("material-subjects-spouse-asked")

    # The father's ID number typed and saved: his own e-license stands in on the next view.
    page.get_by_label("配偶姓名").fill("王磊")
    page.get_by_label("配偶公民身份号码").fill(FATHER_ID)
    page.get_by_role("button", name="保存表单").click()
    expect(page.get_by_label("配偶公民身份号码")).to_have_value(FATHER_ID)
    # His card, not hers: she sees that it stands in, not its content.
    expect(_row(mother, "配偶（另一方）居民身份证")).to_contain_text("电子证照（免提交，由配偶持有）")
