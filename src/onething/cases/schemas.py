"""Cases in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onething.kit.files import display_name
from onething.kit.validators import Id

Channel = Literal["online", "window", "kiosk", "mobile", "helper"]
CHANNEL_NAMES = {"online": "网上办", "window": "窗口办", "kiosk": "自助办", "mobile": "掌上办", "helper": "帮代办"}
Short = Annotated[str, Field(min_length=1, max_length=500)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseCreate(In):
    thing: Annotated[str, Field(min_length=1, max_length=60)]
    answers: dict[str, Any] = Field(default_factory=dict)
    form: dict[str, Any] = Field(default_factory=dict)
    channel: Channel = "online"
    enterprise: Annotated[str | None, Field(description="代办企业的统一社会信用代码")] = None
    applicant_id_number: Annotated[str | None, Field(description="帮代办/窗口代录时申请人的公民身份号码")] = None
    region: Annotated[str | None, Field(description="办理地区划（默认取申请人户籍地或企业住所地）")] = None


class CaseUpdate(In):
    answers: dict[str, Any] | None = None
    form: dict[str, Any] | None = Field(default=None, description="要修改的字段；值为 null 表示清空")
    commitments: list[str] | None = Field(default=None, description="选择告知承诺制办理的事项编码")


class CorrectionItem(In):
    kind: Literal["material", "field"]
    code: Annotated[str, Field(min_length=1, max_length=60)]
    reason: Short


class CorrectionIn(In):
    items: Annotated[list[CorrectionItem], Field(min_length=1, max_length=100)]
    note: Annotated[str | None, Field(max_length=1000)] = None


class ShortfallIn(In):
    materials: Annotated[list[str], Field(min_length=1, max_length=50)]
    due_days: Annotated[int, Field(ge=1, le=60, description="补齐期限（工作日）")]
    commitment: Annotated[str, Field(min_length=4, max_length=1000, description="申请人承诺内容")]


class AcceptIn(In):
    comment: Annotated[str | None, Field(max_length=1000)] = None


class RefuseIn(In):
    reason: Annotated[str, Field(min_length=4, max_length=2000)]


class DeliverIn(In):
    method: Literal["window", "post"]
    address: Annotated[str | None, Field(max_length=200)] = None
    carrier: Annotated[str | None, Field(max_length=40)] = None
    tracking_number: Annotated[str | None, Field(max_length=40)] = None


class ClaimIn(In):
    assignee_id: Id | None = Field(default=None, description="部门负责人指派给本部门审批人员；不填为本人认领")


class DecisionIn(In):
    opinion: Annotated[str, Field(min_length=2, max_length=2000)]


class SuspendIn(In):
    kind: Literal["hearing", "testing", "expert_review", "site_inspection"]
    reason: Annotated[str, Field(min_length=2, max_length=1000)]


class ResumeIn(In):
    comment: Annotated[str | None, Field(max_length=1000)] = None


class EventOut(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    action_name: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    task: str | None = None  # item name for task events
    detail: dict[str, Any] | None = None


class MaterialOut(BaseModel):
    id: int
    material: str
    name: str
    source: str
    filename: str | None
    content_type: str | None
    size: int | None
    license_ref: str | None
    uploaded_at: dt.datetime

    @field_validator("filename")
    @classmethod
    def _shown(cls, value: str | None) -> str | None:
        # Rows stored before control characters were refused may hold "invoice\u202efdp.exe".
        return display_name(value)

    # A stand-in license held by someone else than the viewer (a spouse's card): the applicant sees that
    # it stands in, not its content (only reviewers open it, on the record).
    license_of_another: bool = False


class NeededMaterial(BaseModel):
    code: str
    name: str
    necessity: str
    exempt: str | None
    exempt_reason: str | None
    items: list[str]
    provided: bool
    committed: bool  # not needed: every item asking for it is under 告知承诺
    subject: str | None = None  # whose document: applicant, spouse, child, enterprise… (catalog.spec.Subject)
    subject_name: str | None = None  # the same in words: 配偶


class TaskOut(BaseModel):
    id: int
    case_number: str
    thing_name: str
    item: str
    item_name: str
    kind: str
    org: str
    status: str
    status_name: str
    assignee: str | None
    after: list[str]
    promised_days: int
    dispatched_on: dt.date | None
    deadline: dt.date | None
    remaining_working_days: int | None
    stopped_days: int
    commitment: bool
    decision: str | None
    opinion: str | None
    suspension: dict[str, Any] | None


class CaseOut(BaseModel):
    number: str
    thing: str
    thing_name: str
    status: str
    status_name: str
    channel: str
    applicant_kind: str
    applicant_name: str
    applicant_id: str | None  # masked
    region_code: str
    promised_days: int
    deadline: dt.date | None
    remaining_working_days: int | None
    outcome: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None


class FieldOut(BaseModel):
    code: str
    label: str
    type: str
    format: str | None
    required: bool
    options: list[tuple[str, str]]
    hint: str | None
    items: list[str]
    value: Any = None
    source: str | None = None
    source_name: str | None = None


class CaseDetail(CaseOut):
    catalog_version: int
    answers: dict[str, Any]
    form: list[dict[str, Any]]  # groups with their fields, values and sources
    commitments: list[str]
    committable: list[dict[str, str]]  # items that allow 告知承诺制: code, name
    materials: list[MaterialOut]
    needed_materials: list[NeededMaterial]
    tasks: list[TaskOut]
    correction: dict[str, Any] | None
    shortfall: dict[str, Any] | None
    refusal: str | None
    delivery: dict[str, Any] | None
    receiving_org: str | None
    timeline: list[EventOut]
    problems: list[dict[str, str]]  # what still stands between the draft and submission


class TaskDetail(TaskOut):
    case: CaseOut
    fields: list[FieldOut]  # the part of the one form this item needs
    materials: list[MaterialOut]
    others: list[TaskOut]  # the case's other tasks: the parallel approvals and their state
    timeline: list[EventOut]
