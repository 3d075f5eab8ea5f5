"""The guide engine on a small catalog where every figure can be checked by hand."""

from __future__ import annotations

import jsonschema
import pytest

from onething.catalog.model import Catalog
from onething.guide.engine import generate
from onething.guide.form import json_schema
from onething.kit.errors import NotFound, ValidationFailed

FULL = {"has_license": "no", "premises": "leased", "area": "large", "sells": ["tobacco"]}


def codes(seq) -> list[str]:
    return [x.code for x in seq]


def test_everything_applies_for_a_new_large_leased_shop(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    assert codes(g.items) == ["registration", "food_permit", "fire_check", "tobacco_license"]
    assert g.excluded == ()
    # registration (1) then the slowest of food 10 / fire 5 / tobacco 8 -> 11
    assert g.promised_days == 11
    assert g.legal_days == 3 + 20
    by = {i.code: i for i in g.items}
    assert (by["food_permit"].start_day, by["food_permit"].finish_day) == (1, 11)
    assert by["registration"].critical and by["food_permit"].critical
    assert not by["fire_check"].critical and not by["tobacco_license"].critical
    assert g.fee_yuan == 12.5


def test_items_left_out_carry_the_answer_that_left_them_out(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", {"has_license": "yes", "premises": "owned", "area": "small"})
    assert codes(g.items) == ["food_permit"]
    reasons = {e.code: e.reason for e in g.excluded}
    assert set(reasons) == {"registration", "fire_check", "tobacco_license"}
    assert "已有" in reasons["registration"] and "无需办理" in reasons["registration"]
    assert "50平方米以下" in reasons["fire_check"]
    assert reasons["tobacco_license"] == "因为「还卖什么？」没有选择「香烟」，无需办理"
    assert g.promised_days == 10


def test_reason_names_the_question_and_option(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    reason = {i.code: i.reason for i in g.items}
    assert reason["tobacco_license"] == "因为「还卖什么？」选择了「香烟」，需要办理"
    both = generate(mini_catalog, "open_shop", {**FULL, "sells": ["alcohol", "tobacco"]})
    # only the option the condition looks for is named, not everything chosen
    assert next(i.reason for i in both.items if i.code == "tobacco_license") == reason["tobacco_license"]
    assert reason["food_permit"] == "本一件事的必办事项"


def test_materials_are_merged_once_with_max_copies_and_key_wins(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    mats = {m.code: m for m in g.materials}
    assert set(mats) == {"id_card", "lease_contract", "business_license", "fire_plan"}
    assert mats["id_card"].items == ("registration", "food_permit", "tobacco_license")
    assert mats["lease_contract"].copies == 2  # food_permit asks for two
    assert mats["lease_contract"].necessity == "tolerable"
    assert g.saving.materials_alone == 2 + 3 + 2 + 2
    assert g.saving.materials_bundled == 4


def test_material_produced_inside_the_bundle_needs_no_submission(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    lic = next(m for m in g.materials if m.code == "business_license")
    assert lic.exempt == "bundle"
    assert "设立登记" in (lic.exempt_reason or "")


def test_material_an_e_license_stands_in_for_is_free_of_submission(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", {"has_license": "yes", "premises": "owned", "area": "small"})
    mats = {m.code: m for m in g.materials}
    assert mats["business_license"].exempt == "license"  # not produced here: held as an e-license
    assert mats["id_card"].exempt == "license"
    assert "lease_contract" not in mats  # owned premises: the `when` leaves it out
    assert g.saving.materials_to_submit == 0


def test_material_condition_includes_lease_only_when_leased(mini_catalog: Catalog) -> None:
    leased = generate(mini_catalog, "open_shop", {**FULL, "premises": "leased"})
    owned = generate(mini_catalog, "open_shop", {**FULL, "premises": "owned"})
    assert "lease_contract" in codes(leased.materials)
    assert "lease_contract" not in codes(owned.materials)


def test_one_form_each_field_once_with_extras_per_item(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    groups = {grp.code: [f.code for f in grp.fields] for grp in g.form}
    assert groups["applicant"] == ["applicant_name", "applicant_id_number"]
    assert groups["enterprise"] == ["enterprise_name"]
    assert groups["item:food_permit"] == ["seats"]
    enterprise_name = next(f for grp in g.form for f in grp.fields if f.code == "enterprise_name")
    assert enterprise_name.items == ("registration", "food_permit", "fire_check", "tobacco_license")
    # alone: registration 4, food 2+1, fire 2, tobacco 2 = 11; bundled: 6 distinct
    assert (g.saving.fields_alone, g.saving.fields_bundled) == (11, 6)


def test_saving_is_computed_from_the_items(mini_catalog: Catalog) -> None:
    s = generate(mini_catalog, "open_shop", FULL).saving
    assert (s.visits_alone, s.visits_bundled) == (2 + 2 + 1 + 1, 1)
    assert (s.days_alone, s.days_bundled) == (1 + 10 + 5 + 8, 11)
    assert (s.forms_alone, s.forms_bundled) == (4, 1)


def test_region_implementation_overrides_promised_days(mini_catalog: Catalog) -> None:
    here = generate(mini_catalog, "open_shop", FULL, region="430102")  # 芙蓉区 inherits 长沙市's 7 days
    food = next(i for i in here.items if i.code == "food_permit")
    assert food.promised_days == 7 and food.hall == "长沙市民之家"
    assert here.promised_days == 1 + 8  # tobacco (8) is now the longest
    assert here.region_name == "芙蓉区"


def test_steps_show_parallel_waves_and_onsite_check(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    kinds = [s.kind for s in g.steps]
    assert kinds[:2] == ["online", "window"]
    assert "onsite" in kinds and kinds[-1] == "delivery"
    later = next(s for s in g.steps if s.name == "后续办理")
    assert "食品经营许可" in later.detail and "烟草专卖零售许可" in later.detail


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({**FULL, "colour": "red"}, "unknown_question", "answers.colour"),
        ({**FULL, "area": "huge"}, "option_not_offered", "answers.area"),
        ({k: v for k, v in FULL.items() if k != "premises"}, "answer_required", "answers.premises"),
        ({**FULL, "area": ["large"]}, "answer_type", "answers.area"),
        ({**FULL, "sells": ["tobacco", "tobacco"]}, "answer_duplicate", "answers.sells"),
        ({**FULL, "sells": ["wine"]}, "option_not_offered", "answers.sells"),
    ],
)
def test_bad_answers_name_the_question(mini_catalog: Catalog, answers: dict, code: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        generate(mini_catalog, "open_shop", answers)
    assert err.value.code == code
    assert err.value.field == field
    assert err.value.message


def test_optional_multiple_question_may_be_left_out(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", {k: v for k, v in FULL.items() if k != "sells"})
    assert "tobacco_license" in codes(g.excluded)


def test_unknown_thing_and_region(mini_catalog: Catalog) -> None:
    with pytest.raises(NotFound):
        generate(mini_catalog, "no_such_thing", {})
    with pytest.raises(ValidationFailed) as err:
        generate(mini_catalog, "open_shop", FULL, region="999999")
    assert err.value.field == "region"


def test_form_json_schema_accepts_a_good_form_and_rejects_a_bad_one(mini_catalog: Catalog) -> None:
    schema = json_schema(generate(mini_catalog, "open_shop", FULL).form)
    jsonschema.Draft202012Validator.check_schema(schema)
    good = {
        "applicant_name": "张三",
        "applicant_id_number": "430102199001011234",
        "enterprise_name": "长沙市芙蓉区张三小吃店",
        "premises_area": 80.5,
        "seats": 20,
    }
    jsonschema.validate(good, schema)
    assert "agent_name" not in schema["required"]  # only when someone applies on another's behalf
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "seats": "twenty"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in good.items() if k != "enterprise_name"}, schema)


def test_order_passes_through_an_item_that_does_not_apply(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "shop_chain", {"food": "no", "premises": "owned"})
    fire = next(i for i in g.items if i.code == "fire_check")
    assert fire.after == ("registration",)  # fire_check waits for food_permit, which waits for registration
    assert fire.start_day == 1


def test_same_items_in_another_order_are_not_mixed_up(mini_catalog: Catalog) -> None:
    ordered = generate(mini_catalog, "open_shop", {**FULL, "premises": "owned"})
    unordered = generate(mini_catalog, "shop_chain", {"food": "yes", "premises": "owned"})
    assert codes(ordered.items) == codes(unordered.items)
    assert material_of(ordered, "business_license").exempt == "bundle"
    # tobacco_license does not wait for registration here, so the licence cannot come from the bundle
    assert material_of(unordered, "business_license").exempt == "license"
    assert (
        material_of(generate(mini_catalog, "open_shop", {**FULL, "premises": "owned"}), "business_license").exempt
        == "bundle"
    )


def test_copies_are_the_most_any_item_asks_for_not_the_default(mini_catalog: Catalog) -> None:
    g = generate(mini_catalog, "open_shop", FULL)
    assert material_of(g, "fire_plan").copies == 2  # the material's own default, asked by one item
    assert material_of(g, "id_card").copies == 1


def material_of(g, code: str):
    return next(m for m in g.materials if m.code == code)
