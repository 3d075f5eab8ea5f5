"""Benefit policies in and out of the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from onething.policies.engine import Verdict
from onething.policies.words import Line


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EditIn(In):
    source: Annotated[str, Field(min_length=1, max_length=50_000, description="该政策的 YAML（policies: 下一条）")]
    note: Annotated[str | None, Field(max_length=200)] = None


class CheckIn(In):
    credit_code: Annotated[str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="统一社会信用代码")]
    as_of: dt.date | None = Field(None, description="评估日（默认今天），决定参数取值与上年度数据")


class RunIn(In):
    as_of: dt.date | None = None


class RemoveIn(In):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class PaidIn(In):
    reference: Annotated[str, Field(min_length=1, max_length=60)]


class PolicyOut(BaseModel):
    code: str
    name: str
    department: str
    region_code: str
    mode: str
    thing_code: str | None
    effective_from: dt.date
    effective_until: dt.date | None
    current_version: int


class VersionOut(BaseModel):
    number: int
    digest: str
    note: str | None
    created_at: dt.datetime
    source: str


class ConditionOut(BaseModel):
    name: str
    words: str  # the condition in plain Chinese, with the day's parameter values: what to show people
    figures: list[str]  # the enterprise's own figures it read, labelled: 上年度营业收入 1,280 万元
    rule: str  # the rule itself, for policy staff and machines; never for display to the public
    outcome: str  # true | false | unknown
    values: dict[str, Any]
    missing: list[str]


class VerdictOut(BaseModel):
    policy: str
    outcome: str  # true: 符合 · false: 不符合 · unknown: 数据不全，无法判断
    amount: float | None
    conditions: list[ConditionOut]

    @classmethod
    def of(cls, verdict: Verdict, lines: list[Line]) -> VerdictOut:
        """``lines``: ``words.lines`` of the same verdict, one per condition."""
        return cls(
            policy=verdict.code,
            outcome=verdict.outcome.value,
            amount=verdict.amount,
            conditions=[
                ConditionOut(
                    name=c.name,
                    words=line.words,
                    figures=list(line.figures),
                    rule=c.text,
                    outcome=c.outcome.value,
                    values=dict(c.values),
                    missing=list(c.missing),
                )
                for c, line in zip(verdict.conditions, lines, strict=True)
            ],
        )


class RunOut(BaseModel):
    id: int
    as_of: dt.date
    data_year: int
    status: str
    progress: int
    stage: str | None
    error: str | None
    enterprises: int | None
    snapshot_digest: str | None
    versions: dict[str, int]
    summary: dict[str, dict[str, int]] | None


class MatchOut(BaseModel):
    id: int
    credit_code: str
    enterprise_name: str
    region_code: str
    amount: Decimal | None
    status: str
    reason: str | None


class ListOut(BaseModel):
    run_id: int
    policy: str
    counts: dict[str, int]
    total: int
    items: list[MatchOut]
    batch: str | None


class PaymentOut(BaseModel):
    id: int
    policy: str
    policy_name: str
    batch: str | None
    case_id: int | None
    amount: Decimal
    status: str
    reference: str | None
    created_at: dt.datetime
    paid_at: dt.datetime | None


class BatchOut(BaseModel):
    number: str
    policy: str
    run_id: int
    count: int
    total: Decimal
    confirmed_at: dt.datetime
