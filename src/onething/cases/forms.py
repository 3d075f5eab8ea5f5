"""The one form of a case: auto-fill with sources, validation in Chinese, what must be uploaded.

Pure: the base-library records and licenses come in as plain mappings, the guide from the engine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jsonschema

from onething.guide.form import DATE_PERIODS, format_checker, json_schema
from onething.guide.model import FormField, FormGroup, Guide, GuideMaterial
from onething.kit import validators
from onething.kit.errors import ValidationFailed
from onething.kit.validators import InvalidValue

SOURCE_NAMES = {
    "population": "人口基础信息库",
    "legal_person": "法人基础信息库",
    "derived": "由公民身份号码推算",
    "license": "电子证照",
    "applicant": "申请人填写",
    "answers": "您在智能导办中的回答",
}

# Base-library column behind each auto-fill name (the catalog's data elements use these names).
_PERSON = {
    "name": "name",
    "id_number": "id_number",
    "mobile": "phone",
    "address": "address",
    "household_address": "address",
    "region_code": "region_code",
}
_ENTERPRISE = {
    "name": "name",
    "credit_code": "credit_code",
    "entity_type": "type",
    "legal_representative": "legal_rep_name",
    "legal_representative_id": "legal_rep_id_number",
    "registered_capital": "registered_capital",
    "address": "address",
    "industry_code": "industry_code",
    "established_date": "founded_on",
}


@dataclass(frozen=True, slots=True)
class Filled:
    value: Any
    source: str  # population | legal_person | derived | license


def fields(form: Sequence[FormGroup]) -> dict[str, FormField]:
    return {f.code: f for group in form for f in group.fields}


def autofill(
    form: Sequence[FormGroup],
    person: Mapping[str, Any] | None,
    enterprise: Mapping[str, Any] | None,
    licenses: Mapping[str, Mapping[str, Any]],
) -> dict[str, Filled]:
    """Values the government already holds, per field, with where each came from. ``licenses`` maps
    a license type to the data of the applicant's valid license of that type."""
    out: dict[str, Filled] = {}
    for f in fields(form).values():
        if not f.autofill:
            continue
        source, _, name = f.autofill.partition(".")
        value = _lookup(source, name, person, enterprise, licenses)
        if value is None or value == "":
            continue
        value = _as_field_value(f, value)
        if value is not None:
            out[f.code] = Filled(value, source)
    return out


def _lookup(
    source: str,
    name: str,
    person: Mapping[str, Any] | None,
    enterprise: Mapping[str, Any] | None,
    licenses: Mapping[str, Mapping[str, Any]],
) -> Any:
    if source == "population" and person is not None and name in _PERSON:
        return person.get(_PERSON[name])
    if source == "legal_person" and enterprise is not None and name in _ENTERPRISE:
        return enterprise.get(_ENTERPRISE[name])
    if source == "derived" and person is not None:
        derive = {"birth_date_from_id": validators.birth_date_from_id, "gender_from_id": validators.gender_from_id}
        try:
            return derive[name](str(person["id_number"])) if name in derive else None
        except (KeyError, InvalidValue):
            return None  # no usable ID number (a foreigner's card…): the applicant fills it in
    if source == "license":
        license_type, _, key = name.partition(".")
        return licenses.get(license_type, {}).get(key)
    return None


def _as_field_value(f: FormField, value: Any) -> Any:
    """The library's value in the form's terms: dates as ISO text, money as a number, an enum by
    its code (the library may hold the label)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if f.type in ("enum", "multi_enum") and f.options:
        by_label = {label: code for code, label in f.options}
        codes = {code for code, _ in f.options}

        def one(v: Any) -> str | None:
            return str(v) if str(v) in codes else by_label.get(str(v))

        if isinstance(value, list | tuple):
            found = [c for c in map(one, value) if c is not None]
            return found if f.type == "multi_enum" and found else None
        return one(value)
    return value


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


def validate(
    form: Sequence[FormGroup], data: Mapping[str, Any], *, complete: bool, optional: Iterable[str] = ()
) -> list[Problem]:
    """Every problem with the form data, each naming the field. A draft (``complete=False``) only
    checks what was given; a submission also requires every required field."""
    schema = json_schema(form)
    if not complete:
        schema["required"] = []
    else:
        relaxed = set(optional)
        schema["required"] = [code for code in schema["required"] if code not in relaxed]
    labels = {code: f.label for code, f in fields(form).items()}
    checker = jsonschema.Draft202012Validator(schema, format_checker=format_checker())
    problems: dict[str, Problem] = {}
    for code, value in data.items():
        if isinstance(value, float) and not math.isfinite(value):
            problems[code] = Problem(code, f"「{labels.get(code, code)}」应填写有效的数字")
    for error in checker.iter_errors({k: v for k, v in data.items() if k not in problems}):
        for p in _problems(error, labels):
            problems.setdefault(p.field, p)  # one message per field: the first rule it breaks
    for p in _periods_out_of_order(data, labels, problems):
        problems.setdefault(p.field, p)
    order = list(labels)
    return sorted(problems.values(), key=lambda p: order.index(p.field) if p.field in labels else len(order))


def _periods_out_of_order(
    data: Mapping[str, Any], labels: Mapping[str, str], problems: Mapping[str, Problem]
) -> list[Problem]:
    """A period's end before its start, told on the end (each date alone was valid)."""
    found = []
    for start, end in DATE_PERIODS:
        if start in problems or end in problems or start not in labels or end not in labels:
            continue
        first, last = data.get(start), data.get(end)
        if isinstance(first, str) and isinstance(last, str) and last < first:  # ISO dates order as text
            found.append(Problem(end, f"「{labels[end]}」不能早于「{labels[start]}」"))
    return found


def normalised(form: Sequence[FormGroup], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The applicant's values as they are stored: a mobile typed "+86 138 0731 0021" is kept as
    "13807310021", an ID number or credit code in capitals. A value its format refuses is left as typed
    for ``validate`` to explain."""
    known = fields(form)
    out = dict(changes)
    for code, value in changes.items():
        f = known.get(code)
        check = validators.FORMATS.get(f.format or "") if f is not None else None
        if check is None or not isinstance(value, str) or not value.strip():
            continue
        with contextlib.suppress(InvalidValue):  # refused by validate, with its reason
            out[code] = check(value)
    return out


def _problems(error: jsonschema.ValidationError, labels: Mapping[str, str]) -> list[Problem]:
    kind = error.validator
    if kind == "required":
        code = str(error.message).split("'")[1]
        return [Problem(code, f"请填写「{labels.get(code, code)}」")]
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(labels)) if isinstance(error.instance, dict) else []
        return [Problem(code, f"表单中没有「{code}」这一项") for code in extra]
    return [_problem(error, labels)]


def _problem(error: jsonschema.ValidationError, labels: Mapping[str, str]) -> Problem:
    kind = error.validator
    code = str(error.absolute_path[0]) if error.absolute_path else ""
    label = labels.get(code, code)
    if kind == "format":
        # Our validators explain themselves in Chinese; jsonschema's own (date) do not.
        cause = error.cause
        if isinstance(cause, InvalidValue):
            return Problem(code, f"「{label}」{cause}")
        if error.validator_value == "date":
            return Problem(code, f"「{label}」应为有效日期，格式 YYYY-MM-DD")
        return Problem(code, f"「{label}」格式不正确")
    messages = {
        "type": "填写的类型不正确",
        "enum": "请从给定选项中选择",
        "maxLength": f"不能超过 {error.validator_value} 个字",
        "minimum": f"不能小于 {error.validator_value}",
        "maximum": f"不能大于 {error.validator_value}",
        "uniqueItems": "选项不能重复",
    }
    return Problem(code, f"「{label}」{messages.get(str(kind), '填写不正确')}")


def raise_problems(problems: Sequence[Problem], code: str = "form_invalid") -> None:
    """The first problem, with how many there are; its field is ``form.<code>`` or ``materials.<code>``."""
    if not problems:
        return
    first = problems[0]
    more = f"（共 {len(problems)} 处需要修改）" if len(problems) > 1 else ""
    field = first.field if first.field.startswith("materials.") else f"form.{first.field}"
    raise ValidationFailed(first.message + more, field=field, code=code)


def produced_in_bundle(guide: Guide) -> set[str]:
    """Fields the bundle itself produces, so not asked before submission: a new enterprise's credit
    code comes from the business licence issued by an item of the same case."""
    makes_licence = any(i.license_type == "business_license" for i in guide.items)
    return {"enterprise_credit_code"} if makes_licence else set()


def to_upload(guide: Guide, commitments: Iterable[str]) -> list[GuideMaterial]:
    """Materials the applicant must provide: not produced by the bundle, and not needed only by
    items the applicant has chosen to handle under 告知承诺制 (their commitment stands in)."""
    committed = set(commitments)
    return [m for m in guide.materials if m.exempt != "bundle" and not set(m.items) <= committed]


def committable(guide: Guide) -> list[str]:
    return [i.code for i in guide.items if i.notice_commitment]
