"""What the catalog API says, in and out."""

from __future__ import annotations

from pydantic import BaseModel


class OptionOut(BaseModel):
    code: str
    label: str


class QuestionOut(BaseModel):
    code: str
    text: str
    multiple: bool
    required: bool
    when: str | None
    help: str | None
    options: list[OptionOut]


class ComponentOut(BaseModel):
    item: str
    item_name: str
    org_name: str
    promised_days: int
    when: str | None
    after: list[str]
    stage: int | None


class ThingSummary(BaseModel):
    code: str
    name: str
    audience: str
    stage: str
    description: str
    items: int
    promised_days: int | None
    score: float | None = None
    matched: list[str] = []


class ThingList(BaseModel):
    catalog_version: int | None
    total: int
    items: list[ThingSummary]


class ThingDetail(ThingSummary):
    keywords: list[str]
    lead_org: str
    hall: str | None
    stages: list[str]
    questions: list[QuestionOut]
    components: list[ComponentOut]
    catalog_version: int | None


class MaterialOut(BaseModel):
    code: str
    name: str
    form: str
    copies: int
    necessity: str
    license_type: str | None
    when: str | None
    note: str | None


class FieldOut(BaseModel):
    code: str
    label: str
    type: str
    format: str | None
    group: str
    autofill: str | None


class ItemDetail(BaseModel):
    code: str
    name: str
    type: str
    type_name: str
    basic_code: str | None
    legal_basis: list[str]
    org_kind: str
    org_name: str
    level: str
    conditions: list[str]
    materials: list[MaterialOut]
    fields: list[FieldOut]
    legal_days: int
    promised_days: int
    kind: str
    fee_yuan: float
    fee_basis: str | None
    result: str | None
    license_type: str | None
    visits: int
    online_depth: int
    onsite_inspection: bool
    notice_commitment: bool
    things: list[str]
    catalog_version: int | None


class VersionOut(BaseModel):
    number: int
    digest: str
    created_at: str
    counts: dict[str, int]
