"""The shipped catalog: every required thing is there, and its guides are right.

Expectations come from the published bundles (e.g. 开办餐饮店: form 100 -> 58 fields, materials 35 -> 17,
time 48 -> 13 working days; 开办民宿's fire thresholds at 50 m², 300 m² and 300,000 yuan) and from
what each answer obviously implies, not from the engine's own output.
"""

from __future__ import annotations

from typing import Any

import pytest

from onething.catalog.model import Catalog
from onething.guide.engine import generate
from onething.guide.model import Guide

REQUIRED = (
    "新生儿出生",
    "教育入学",
    "社会保障卡居民服务",
    "残疾人服务",
    "退休",
    "身后",
    "结婚生育",
    "农村村民建房",
    "退役军人服务",
    "就业创业",
    "买房落户",
    "二手房转移登记及水电气网过户",
    "教师资格认定",
    "工伤认定",
    "家庭困难学生资助",
    "企业开办",
    "开办餐饮店",
    "开便利店",
    "开药店",
    "开办民宿",
    "开办运输企业",
    "企业信息变更",
    "经营主体注销登记",
    "水电气网联合报装",
    "信用修复",
    "企业破产信息核查",
)


def items(g: Guide) -> set[str]:
    return {i.code for i in g.items}


def material(g: Guide, code: str) -> Any:
    return next(m for m in g.materials if m.code == code)


def test_every_required_thing_is_in_the_catalog(seed_catalog: Catalog) -> None:
    names = {t.spec.name for t in seed_catalog.things.values()}
    assert [n for n in REQUIRED if n not in names] == []
    assert any("社会投资一般工业项目" in n for n in names)
    assert len(seed_catalog.items) >= 90


def test_regions_are_hunan_with_all_cities_and_counties(seed_catalog: Catalog) -> None:
    levels: dict[str, int] = {}
    for r in seed_catalog.regions.values():
        levels[r.level.value] = levels.get(r.level.value, 0) + 1
    assert seed_catalog.regions["430000"].name == "湖南省"
    assert levels["city"] == 14 and levels["county"] == 122
    assert seed_catalog.regions["431200"].name == "怀化市"
    assert seed_catalog.regions["430182"].name == "宁乡市"


def _fill(catalog: Catalog, code: str, choose: Any) -> dict[str, Any]:
    thing = catalog.things[code]
    answers: dict[str, Any] = {}
    for q in thing.questions:
        if q.when is not None and not q.when.holds({"answers": answers}):
            continue
        answers[q.spec.code] = choose(q.spec)
    return answers


def _answer_sets(catalog: Catalog, code: str) -> list[dict[str, Any]]:
    """Three different situations: first options, last options (every option of a multiple choice),
    and the first options with one question flipped — the first flip that changes the bundle."""

    def first(q: Any) -> Any:
        return [q.options[0].code] if q.multiple else q.options[0].code

    def last(q: Any) -> Any:
        return [o.code for o in q.options] if q.multiple else q.options[-1].code

    sets = [_fill(catalog, code, first), _fill(catalog, code, last)]
    base = items(generate(catalog, code, sets[0]))
    for question in catalog.things[code].spec.questions:
        flipped = _fill(catalog, code, lambda q, flip=question.code: last(q) if q.code == flip else first(q))
        if items(generate(catalog, code, flipped)) != base:
            sets.append(flipped)
            break
    return sets


@pytest.mark.parametrize("name", REQUIRED)
def test_every_thing_gives_a_consistent_guide_for_three_situations(seed_catalog: Catalog, name: str) -> None:
    code = next(t.code for t in seed_catalog.things.values() if t.spec.name == name)
    thing = seed_catalog.things[code]
    seen = set()
    situations = _answer_sets(seed_catalog, code)
    assert len(situations) == 3
    for answers in situations:
        g = generate(seed_catalog, code, answers)
        seen.add(frozenset(items(g)))
        assert g.items, answers
        assert items(g) | {e.code for e in g.excluded} == {c.spec.item for c in thing.components}
        if g.published_promise is not None:
            assert g.promised_days <= g.published_promise
        finish = {i.code: i.finish_day for i in g.items}
        for i in g.items:
            assert all(i.start_day >= finish[a] for a in i.after)
        assert len({m.code for m in g.materials}) == len(g.materials)
        s = g.saving
        assert s.materials_bundled <= s.materials_alone and s.fields_bundled <= s.fields_alone
        assert s.days_bundled <= s.days_alone and s.visits_bundled <= 1
        assert s.materials_to_submit == sum(1 for m in g.materials if m.exempt is None)
    assert len(seen) >= 2, f"{name}: no single answer changes the bundle"


RESTAURANT_ALL = {
    "has_license": "no",
    "premises": "leased",
    "area": "gt300",
    "extras": ["signboard", "alcohol", "tobacco"],
}


def test_restaurant_bundle_matches_the_published_reform_figures(seed_catalog: Catalog) -> None:
    g = generate(seed_catalog, "open_restaurant", RESTAURANT_ALL)
    s = g.saving
    assert s.fields_alone >= 95 and s.fields_bundled <= 60  # published: 100 -> 58
    assert s.materials_alone >= 33 and s.materials_bundled <= 18  # published: 35 -> 17
    assert s.days_alone >= 40 and g.promised_days <= 13  # published: 48 -> 13
    assert {"business_registration", "food_business_permit", "tobacco_retail_license"} <= items(g)
    assert material(g, "business_license").exempt == "bundle"  # issued by this very bundle


def test_restaurant_with_a_license_and_a_small_owned_shop(seed_catalog: Catalog) -> None:
    g = generate(seed_catalog, "open_restaurant", {"has_license": "yes", "premises": "owned", "area": "lt50"})
    assert "business_registration" not in items(g)
    assert "public_gathering_fire_check" not in items(g)  # under 50 m²
    assert "tobacco_retail_license" not in items(g)
    assert material(g, "business_license").exempt == "license"  # held already: the e-license stands in
    assert "lease_contract" not in {m.code for m in g.materials}


def test_convenience_store_bundles_license_food_and_tobacco(seed_catalog: Catalog) -> None:
    base = {"has_license": "no", "premises": "leased", "extras": ["tobacco"]}
    packaged = generate(seed_catalog, "open_convenience_store", {**base, "food_scope": "prepackaged_only"})
    bulk = generate(seed_catalog, "open_convenience_store", {**base, "food_scope": "with_bulk"})
    assert {"business_registration", "prepackaged_food_filing", "tobacco_retail_license"} <= items(packaged)
    assert "food_business_permit" not in items(packaged)
    assert {"business_registration", "food_business_permit", "tobacco_retail_license"} <= items(bulk)
    no_tobacco = generate(seed_catalog, "open_convenience_store", {**base, "food_scope": "with_bulk", "extras": []})
    assert "tobacco_retail_license" not in items(no_tobacco)


@pytest.mark.parametrize(
    ("area", "investment", "design_review", "pre_opening_check"),
    [
        ("lt50", "lt30w", False, False),  # under 50 m²: neither
        ("m50_300", "ge30w", False, True),  # under 300 m²: no design review, but the pre-opening check
        ("gt300", "lt30w", False, True),  # under 300,000 yuan: no design review
        ("gt300", "ge30w", True, True),  # big and costly: both
    ],
)
def test_homestay_fire_thresholds(
    seed_catalog: Catalog, area: str, investment: str, design_review: bool, pre_opening_check: bool
) -> None:
    answers = {"premises": "owned", "location": "rural", "area": area, "investment": investment, "services": []}
    got = items(generate(seed_catalog, "open_homestay", answers))
    assert ("fire_design_review" in got) is design_review
    assert ("public_gathering_fire_check" in got) is pre_opening_check
    assert {"business_registration", "special_trade_hotel_permit"} <= got


def test_newborn_born_in_a_hunan_hospital(seed_catalog: Catalog) -> None:
    answers = {
        "birth_place": "hunan_hospital",
        "has_vaccination_card": "no",
        "join_medical": "yes",
        "need_ssc": "yes",
        "maternity_insured": "yes",
    }
    g = generate(seed_catalog, "newborn_birth", answers)
    by = {i.code: i for i in g.items}
    assert by["birth_household_registration"].start_day >= by["birth_medical_certificate_issue"].finish_day
    assert material(g, "birth_medical_certificate").exempt == "bundle"
    born_elsewhere = generate(seed_catalog, "newborn_birth", {**answers, "birth_place": "elsewhere"})
    assert "birth_medical_certificate_issue" not in items(born_elsewhere)
    assert material(born_elsewhere, "birth_medical_certificate").exempt == "license"


def test_after_death_depends_on_the_situation(seed_catalog: Catalog) -> None:
    base = {"death_place": "hospital", "pension_type": "employee", "employee_medical": "yes", "has_fund": "yes"}
    full = items(generate(seed_catalog, "after_death", base))
    assert {"death_household_deregistration", "insured_death_benefit", "housing_fund_withdrawal_death"} <= full
    unnatural = items(generate(seed_catalog, "after_death", {**base, "death_place": "unnatural"}))
    assert "death_medical_certificate_issue" not in unnatural  # issued by the police, outside this bundle
    no_pension = items(generate(seed_catalog, "after_death", {**base, "pension_type": "none", "has_fund": "no"}))
    assert "insured_death_benefit" not in no_pension and "housing_fund_withdrawal_death" not in no_pension


def test_enterprise_startup_is_done_within_a_working_day(seed_catalog: Catalog) -> None:
    answers = {"need_seal": "yes", "need_invoice": "yes", "hire_staff": "yes", "bank_account": "yes"}
    g = generate(seed_catalog, "enterprise_startup", answers)
    assert len(g.items) == 7 and g.promised_days <= 1


def test_industrial_project_runs_stage_by_stage(seed_catalog: Catalog) -> None:
    answers = {"land": "new_land", "in_park": "no", "eia_category": "table", "hazardous": "yes", "extras": []}
    g = generate(seed_catalog, "social_investment_industrial_project", answers)
    assert len(g.stages) == 4
    stages = {n: [i for i in g.items if i.stage == n] for n in range(1, 5)}
    assert all(stages.values())
    for n in (2, 3, 4):  # a stage starts when the whole previous stage is done
        assert min(i.start_day for i in stages[n]) >= max(i.finish_day for i in stages[n - 1])
    assert g.promised_days <= (g.published_promise or 0)
    assert next(s.name for s in g.steps if s.kind == "review").startswith("第1阶段")
    in_park = generate(seed_catalog, "social_investment_industrial_project", {**answers, "in_park": "yes"})
    assert "soil_water_conservation_plan_approval" not in items(in_park)  # covered by the park's area assessment


def test_copies_follow_the_item_not_the_materials_default(seed_catalog: Catalog) -> None:
    # 补换社保卡 asks for one photo although the photo's default is two
    g = generate(seed_catalog, "social_security_card_service", {"need": "replace", "e_card": "no"})
    assert material(g, "id_photo").copies == 1
    assert seed_catalog.materials["id_photo"].copies == 2
