"""The one form: every data element once, grouped, with the items that need it; and its JSON Schema."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jsonschema

from onething.catalog import spec
from onething.catalog.model import Catalog, CompiledItem
from onething.guide.model import FormField, FormGroup
from onething.guide.prepared import prepared
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
    return checker


def _money_format(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    money(value)
    return True


def _string_format(check: Callable[[str], str]) -> Callable[[object], bool]:
    # Formats constrain strings only; a wrong type is the "type" keyword's business.
    def checked(value: object) -> bool:
        return not isinstance(value, str) or bool(check(value))

    return checked
