"""What the guide engine returns: the one-time notice (一次告知) for a thing and its answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AnsweredQuestion:
    code: str
    text: str
    answer: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GuideItem:
    code: str
    name: str
    type: str
    type_name: str
    org_kind: str
    org_name: str
    level: str
    legal_days: int
    promised_days: int
    immediate: bool
    fee_yuan: float
    fee_basis: str | None
    result: str | None
    license_type: str | None
    online_depth: int
    onsite_inspection: bool
    notice_commitment: bool
    after: tuple[str, ...]  # applicable prerequisites only
    stage: int | None
    start_day: int  # working days after acceptance when it can start
    finish_day: int
    critical: bool  # on the critical path
    reason: str
    hall: str | None
    conditions: tuple[str, ...]
    legal_basis: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExcludedItem:
    code: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class GuideMaterial:
    code: str
    name: str
    form: str
    form_name: str
    copies: int
    necessity: str  # key | tolerable
    items: tuple[str, ...]  # item codes that need it
    exempt: str | None  # None | "license" (an e-license stands in) | "bundle" (produced by an earlier item)
    exempt_reason: str | None
    license_type: str | None
    note: str | None
    template: str | None


@dataclass(frozen=True, slots=True)
class FormField:
    code: str
    label: str
    type: str
    format: str | None
    required: bool
    options: tuple[tuple[str, str], ...]
    autofill: str | None
    max_length: int | None
    minimum: float | None
    maximum: float | None
    hint: str | None
    items: tuple[str, ...]  # item codes whose forms ask it


@dataclass(frozen=True, slots=True)
class FormGroup:
    code: str
    name: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True, slots=True)
class Step:
    order: int
    kind: str
    name: str
    detail: str


@dataclass(frozen=True, slots=True)
class Saving:
    """Applying item by item (alone) against the bundle; computed, never typed in."""

    visits_alone: int
    visits_bundled: int
    materials_alone: int  # counted per item, duplicates included
    materials_bundled: int  # distinct materials
    materials_to_submit: int  # distinct, less those 免提交
    fields_alone: int
    fields_bundled: int
    days_alone: int  # sum of promised days, one after another
    days_bundled: int  # critical path
    forms_alone: int
    forms_bundled: int


@dataclass(frozen=True, slots=True)
class Guide:
    thing_code: str
    thing_name: str
    audience: str
    description: str
    catalog_version: int | None
    region: str | None
    region_name: str | None
    lead_org: str
    hall: str
    answers: tuple[AnsweredQuestion, ...]
    items: tuple[GuideItem, ...]
    excluded: tuple[ExcludedItem, ...]
    materials: tuple[GuideMaterial, ...]
    form: tuple[FormGroup, ...]
    steps: tuple[Step, ...]
    stages: tuple[str, ...]
    promised_days: int  # critical path through `after`
    published_promise: int | None
    legal_days: int  # critical path of statutory limits
    fee_yuan: float
    saving: Saving

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)
