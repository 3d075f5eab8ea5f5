"""Validators of the standard data elements (GB 11643, GB 32100, phones…)."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

from onething.catalog.model import Catalog
from onething.guide.engine import generate
from onething.guide.form import format_checker, json_schema
from onething.kit import validators as v

# The worked example of GB 11643 and two published credit codes.
GOOD_ID = "11010519491231002X"
GOOD_CREDIT = ("91350100M000100Y43", "91110000600037341L")


def test_id_number_accepts_the_standard_example_and_normalises_x() -> None:
    assert v.id_number(GOOD_ID.lower()) == GOOD_ID
    assert v.birth_date_from_id(GOOD_ID) == dt.date(1949, 12, 31)
    assert v.gender_from_id(GOOD_ID) == "female"  # 17th digit 2 is even


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "应为 18 位"),
        ("11010519491231002Y", "最后一位为数字或 X"),
        ("99010519491231002X", "地址码"),
        ("110105194902300021", "出生日期不存在"),
        ("110105210001010011", "出生日期不合理"),
        ("110105194912310021", "校验码不正确"),
    ],
)
def test_id_number_rejections_say_why_without_echoing_it(value: str, reason: str) -> None:
    with pytest.raises(v.InvalidValue) as err:
        v.id_number(value, today=dt.date(2026, 11, 22))
    assert reason in str(err.value)
    assert value not in str(err.value)


def test_check_characters_are_computed_not_looked_up() -> None:
    body = "43010219900307123"
    full = body + v.id_number_check_char(body)
    assert v.id_number(full) == full
    wrong = body + ("0" if full[-1] != "0" else "1")
    with pytest.raises(v.InvalidValue):
        v.id_number(wrong)


@pytest.mark.parametrize("code", GOOD_CREDIT)
def test_credit_code_accepts_published_codes(code: str) -> None:
    assert v.credit_code(code.lower()) == code


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000100YI3", "不允许的字符 I"),
        ("9135A100M000100Y43", "行政区划码"),
        ("91350100M000100Y44", "校验码不正确"),
    ],
)
def test_credit_code_rejections(value: str, reason: str) -> None:
    with pytest.raises(v.InvalidValue) as err:
        v.credit_code(value)
    assert reason in str(err.value)


def test_phones_postal_codes_and_emails() -> None:
    assert v.mobile("+86 138-0731-0000") == "13807310000"
    assert v.phone("0731-88888888") == "0731-88888888"
    for bad, check in (("12807310000", v.mobile), ("88888888", v.phone), ("41000", v.postal_code), ("a@b", v.email)):
        with pytest.raises(v.InvalidValue):
            check(bad)


def test_the_merged_form_checks_formats(mini_catalog: Catalog) -> None:
    schema = json_schema(
        generate(mini_catalog, "open_shop", {"has_license": "no", "premises": "owned", "area": "small"}).form
    )
    validator = jsonschema.Draft202012Validator(schema, format_checker=format_checker())
    good = {
        "applicant_name": "张三",
        "applicant_id_number": GOOD_ID,
        "enterprise_name": "某某小吃店",
        "premises_area": 30,
        "seats": 8,
    }
    assert list(validator.iter_errors(good)) == []
    errors = list(validator.iter_errors({**good, "applicant_id_number": "110105194912310021"}))
    assert [e.path[0] for e in errors] == ["applicant_id_number"]
