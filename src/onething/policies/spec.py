"""The source format of a policy file under ``policies/`` (see docs/policy-format.md).

These models check each policy's shape; ``policies.source`` reports their errors as ``file:line`` and then
compiles every rule (unknown attribute, unknown function, type mismatch) with the line of the rule.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Value = bool | int | float | str | list[str] | list[int] | list[float]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mode(StrEnum):
    exempt = "免申即享"  # the department confirms a list; paid with no application
    instant = "即申即享"  # the enterprise confirms through a case and gets it at once
    approval = "审批即享"  # apply, approve, pay: a case through the normal workflow


class ParamSpec(Strict):
    label: Text
    unit: str = ""
    values: Annotated[dict[dt.date, Value], Field(min_length=1)]  # in effect from each date on
    # The last day the latest value holds. A yearly figure (the year a firm must have been founded in) has
    # no value for a year nobody has dated yet: after ``until`` the policy cannot be applied (已截止).
    until: dt.date | None = None

    @model_validator(mode="after")
    def _until_after_values(self) -> ParamSpec:
        if self.until is not None and self.until < max(self.values):
            raise ValueError("until 早于最后一个取值的起始日期")
        return self


class ConditionSpec(Strict):
    name: Annotated[str, Field(min_length=1, max_length=60)]  # a short handle: 参保缴费正常 (examples name it)
    when: Annotated[str, Field(min_length=1, max_length=1000)]  # CEL over the enterprise's attributes
    # The condition in plain Chinese, the only form the public reads: 上年度营业收入不超过 {max_revenue} 万元.
    # Required in every file (``policies.source`` reports its absence at the condition's line); optional
    # here only so versions stored before words existed still read.
    words: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class BenefitSpec(Strict):
    amount: Annotated[str, Field(min_length=1, max_length=1000)] | Annotated[float, Field(ge=0)]  # yuan, or CEL
    text: Text  # the benefit in words: 按上年度实缴失业保险费的 60% 返还，最高 200 万元


class Expected(Strict):
    eligible: bool | None  # null: cannot be decided (missing data)
    amount: float | None = None
    failed: list[str] | None = None  # names of the conditions expected false, when given


class PolicyTest(Strict):
    name: Text
    as_of: dt.date | None = None  # default: the policy's effective_from
    given: dict[str, Any]  # attributes; any not given is unknown (licenses: none)
    expect: Expected


class PolicySpec(Strict):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=100)]
    department: Code  # the issuing org's kind (org_kinds), e.g. human_resources
    region: Annotated[str, Field(pattern=r"^\d{6}$")]  # where it applies: enterprises registered there or below
    basis: Text  # the document: 湘人社规〔2023〕5号
    summary: Text
    effective_from: dt.date
    effective_until: dt.date | None = None
    mode: Mode
    thing: Code | None = None  # the thing to apply through (即申即享, 审批即享)
    params: dict[Code, ParamSpec] = {}
    conditions: Annotated[list[ConditionSpec], Field(min_length=1, max_length=30)]
    benefit: BenefitSpec
    tests: list[PolicyTest] = []

    @model_validator(mode="after")
    def _consistent(self) -> PolicySpec:
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError("effective_until 早于 effective_from")
        if self.mode is not Mode.exempt and self.thing is None:
            raise ValueError(f"{self.mode.value}的政策必须用 thing 指明申请的“一件事”")
        names = [c.name for c in self.conditions]
        if len(set(names)) != len(names):
            raise ValueError("条件名称重复")
        return self


class PolicyFile(Strict):
    policies: list[PolicySpec]
