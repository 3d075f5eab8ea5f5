"""Per-catalog views the engine needs on every call, computed once per catalog object.

A compiled catalog never changes, so anything derived from it alone (labels, enum values, names)
is worked out the first time a guide is made from it rather than on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onething.catalog import spec
from onething.catalog.model import Catalog
from onething.guide.model import FormField, FormGroup
from onething.kit.memo import OnceMap


@dataclass(frozen=True, slots=True)
class MaterialView:
    name: str
    form: str
    form_name: str
    copies: int
    key: bool
    license_type: str | None
    license_name: str | None
    note: str | None
    template: str | None


@dataclass(frozen=True, slots=True)
class FieldView:
    group: spec.FormGroup
    optional: bool
    static: dict[str, Any]  # FormField keyword arguments that do not depend on the answers


@dataclass(frozen=True, slots=True)
class Prepared:
    materials: dict[str, MaterialView]
    fields: dict[str, FieldView]
    item_names: dict[str, str]
    extras: dict[str, FormGroup]  # item code -> the group of fields only that item asks
    items: dict[str, dict[str, Any]]  # GuideItem keyword arguments that do not depend on the answers
    bundles: dict[Any, Any] = field(default_factory=dict)  # engine's per-item-set materials and form


_views: OnceMap[Catalog, Prepared] = OnceMap(weak_keys=True)

_OPTIONAL_GROUPS = {spec.FormGroup.agent}  # 经办人: only when someone applies on another's behalf


def field_static(element: spec.DataElement) -> dict[str, Any]:
    return {
        "code": element.code,
        "label": element.label,
        "type": element.type.value,
        "format": element.format.value if element.format else None,
        "options": tuple((o.code, o.label) for o in element.options),
        "autofill": element.autofill,
        "max_length": element.max_length,
        "minimum": element.minimum,
        "maximum": element.maximum,
        "hint": element.hint,
    }


def prepared(catalog: Catalog) -> Prepared:
    return _views.get(catalog, lambda: _prepare(catalog))


def _prepare(catalog: Catalog) -> Prepared:
    materials = {
        code: MaterialView(
            name=m.name,
            form=m.form.value,
            form_name=spec.MATERIAL_FORM_NAMES[m.form],
            copies=m.copies,
            key=m.necessity is spec.Necessity.key,
            license_type=m.license_type,
            license_name=catalog.license_types[m.license_type].name if m.license_type else None,
            note=m.note,
            template=m.template,
        )
        for code, m in catalog.materials.items()
    }
    fields = {
        code: FieldView(e.group, e.optional or e.group in _OPTIONAL_GROUPS, field_static(e))
        for code, e in catalog.data_elements.items()
    }
    extras = {
        code: FormGroup(
            f"item:{code}",
            f"{item.spec.name}专项信息",
            tuple(FormField(**field_static(e), required=not e.optional, items=(code,)) for e in item.spec.extra_fields),
        )
        for code, item in catalog.items.items()
        if item.spec.extra_fields
    }
    names = {code: item.spec.name for code, item in catalog.items.items()}
    items = {code: item_static(catalog, item.spec) for code, item in catalog.items.items()}
    return Prepared(materials, fields, names, extras, items)


def item_static(catalog: Catalog, s: spec.Item) -> dict[str, Any]:
    return {
        "code": s.code,
        "name": s.name,
        "type": s.type.value,
        "type_name": spec.ITEM_TYPE_NAMES[s.type],
        "org_kind": s.org_kind,
        "org_name": catalog.org_kinds[s.org_kind].name,
        "level": s.level.value,
        "legal_days": s.legal_days,
        "immediate": s.kind is spec.ServiceKind.immediate,
        "fee_basis": s.fee_basis,
        "result": s.result.name if s.result else None,
        "license_type": s.result.license_type if s.result else None,
        "online_depth": s.online_depth,
        "onsite_inspection": s.onsite_inspection,
        "notice_commitment": s.notice_commitment,
        "conditions": tuple(s.conditions),
        "legal_basis": tuple(s.legal_basis),
    }
