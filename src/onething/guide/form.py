"""The one form: every data element once, grouped, with the items that need it; and its JSON Schema."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jsonschema

from onething.catalog import spec
from onething.catalog.model import Catalog, CompiledItem
from onething.guide.model import FormField, FormGroup
from onething.guide.prepared import prepared
from onething.kit import validators
from onething.kit.validators import FORMATS, InvalidValue, money


def merge_form(catalog: Catalog, items: Sequence[CompiledItem]) -> tuple[tuple[FormGroup, ...], int]:
    """The merged form and the number of fields the items would ask one by one."""
    ready = prepared(catalog)
    views = ready.fields
    askers: dict[str, list[str]] = {}
    alone = 0
    for item in items:
        alone += len(item.spec.fields) + len(item.spec.extra_fields)
        for code in item.spec.fields:
            askers.setdefault(code, []).append(item.code)
    buckets: dict[spec.FormGroup, list[FormField]] = {}
    for code, users in askers.items():
        view = views[code]
        buckets.setdefault(view.group, []).append(
            FormField(**view.static, required=not view.optional, items=tuple(users))
        )
    groups = [
        FormGroup(group.value, spec.FORM_GROUP_NAMES[group], tuple(buckets[group]))
        for group in spec.FormGroup
        if group in buckets
    ]
    groups.extend(ready.extras[item.code] for item in items if item.code in ready.extras)
    return tuple(groups), alone


# What a date field means, until the catalog can say it on the data element: these happened already
# (a birth, a decision, a registration), and each pair is a period whose end cannot come before its start.
PAST_DATES = frozenset(
    {
        "applicant_birth_date",
        "newborn_birth_date",
        "death_date",
        "established_date",
        "enlistment_date",
        "discharge_date",
        "work_start_date",
        "employment_start_date",
        "unemployment_date",
        "injury_date",
        "driving_license_first_date",
        "house_completion_date",
        "completion_acceptance_date",
        "penalty_decision_date",
        "abnormal_listed_date",
        "serious_listed_date",
        "bankruptcy_accepted_date",
        "creditor_notice_date",
    }
)
DATE_PERIODS = (
    ("guarantee_loan_start_date", "guarantee_loan_end_date"),
    ("interest_period_start", "interest_period_end"),
    ("planned_start_date", "planned_completion_date"),
    ("road_occupation_start", "road_occupation_end"),
    ("enlistment_date", "discharge_date"),
)

_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "money": {"type": "number", "minimum": 0, "format": "money"},  # two decimals: checked as Decimal
    "area": {"type": "number", "minimum": 0},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}


def field_schema(f: FormField) -> dict[str, Any]:
    if f.type == "enum":
        schema: dict[str, Any] = {"type": "string", "enum": [c for c, _ in f.options]}
    elif f.type == "multi_enum":
        schema = {"type": "array", "items": {"enum": [c for c, _ in f.options]}, "uniqueItems": True}
    else:
        schema = dict(_TYPES[f.type])
    if f.type == "date" and f.code in PAST_DATES:
        schema["format"] = "past_date"
    schema["title"] = f.label
    if f.format:
        schema["format"] = f.format
    if f.max_length:
        schema["maxLength"] = f.max_length
    if f.minimum is not None:
        schema["minimum"] = f.minimum
    if f.maximum is not None:
        schema["maximum"] = f.maximum
    return schema


def json_schema(form: Sequence[FormGroup]) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for the whole form, flat by field code."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for group in form:
        for f in group.fields:
            properties[f.code] = field_schema(f)
            if f.required:
                required.append(f.code)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def format_checker() -> jsonschema.FormatChecker:
    """jsonschema's checker taught our data-element formats (ID number, credit code, phone…)."""
    checker = jsonschema.FormatChecker()
    for name, check in FORMATS.items():
        checker.checks(name, raises=InvalidValue)(_string_format(check))
    checker.checks("money", raises=InvalidValue)(_money_format)
    checker.checks("date", raises=InvalidValue)(_string_format(validators.date))
    checker.checks("past_date", raises=InvalidValue)(_string_format(lambda v: validators.date(v, past=True)))
    return checker


def _money_format(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    money(value)
    return True


def _string_format(check: Callable[[str], object]) -> Callable[[object], bool]:
    # Formats constrain strings only; a wrong type is the "type" keyword's business.
    def checked(value: object) -> bool:
        return not isinstance(value, str) or check(value) is not None

    return checked
