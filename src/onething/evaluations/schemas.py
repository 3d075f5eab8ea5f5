"""好差评 in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Note = Annotated[str, Field(min_length=1, max_length=1000)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateIn(In):
    level: int = Field(description="5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意")
    scores: dict[str, int] = Field(default_factory=dict, description="各评价维度 1–5 分（总体评价即 level）")
    tags: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=10)
    comment: Annotated[str | None, Field(max_length=2000)] = None
    channel: Literal["web", "mobile", "pad", "kiosk", "hotline"] = "web"
    occasion: Annotated[str | None, Field(max_length=24, description="服务场次（不填为唯一待评价的一次）")] = None


class RerateIn(In):
    level: int
    comment: Annotated[str | None, Field(max_length=2000)] = None


class CallbackIn(In):
    contacted: bool = Field(description="是否联系上评价人")
    note: Note


class ClassifyIn(In):
    classification: Literal["valid", "unfounded", "malicious"]
    note: Note


class AppealIn(In):
    decision: Literal["upheld", "rejected"] = Field(description="监察人员审核：申诉成立 / 不成立")
    opinion: Note


class RectifyIn(In):
    measures: Note


class AnswerIn(In):
    answer: Note


class EventOut(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    action_name: str
    to_status: str | None
    comment: str | None


class RectificationOut(BaseModel):
    id: int
    evaluation_id: int
    case_number: str
    org_id: int
    org_name: str | None = None
    status: str
    status_name: str
    opened_on: dt.date
    callback_due: dt.date
    rectify_due: dt.date
    due_step: str | None
    due: dt.date | None
    remaining: int | None = Field(description="当前环节剩余工作日，负数为已超期")
    contacted: bool | None
    callback_note: str | None
    classification: str | None
    classify_note: str | None
    appeal_decision: str | None
    appeal_opinion: str | None
    measures: str | None
    answer: str | None
    rerate_closes_on: dt.date | None


class EvaluationOut(BaseModel):
    id: int
    case_number: str
    occasion_key: str
    service_kind: str
    thing_name: str
    region_code: str
    concluded_on: dt.date
    closes_on: dt.date
    state: str
    state_name: str
    level: int | None
    level_name: str | None
    bad: bool
    scores: dict[str, int] | None
    tags: list[str] | None
    comment: str | None
    rating_channel: str | None
    rated_at: dt.datetime | None
    rerate_level: int | None
    rerate_comment: str | None
    rectification: RectificationOut | None = None


class EvaluationDetail(EvaluationOut):
    events: list[EventOut]
