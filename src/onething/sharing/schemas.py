"""Base-library shapes: rows for lists (masked) and records for audited detail views (full)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class PersonRow(BaseModel):
    id: int
    name: str
    gender: str
    id_number: str  # masked
    region_code: str
    address: str  # masked
    phone: str | None  # masked


class PersonRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    region_code: str
    address: str
    phone: str | None


class EnterpriseRow(BaseModel):
    id: int
    credit_code: str
    name: str
    type: str
    legal_rep_name: str
    legal_rep_id_number: str  # masked
    region_code: str
    industry_code: str
    status: str


class EnterpriseRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    credit_code: str
    name: str
    type: str
    legal_rep_id_number: str
    legal_rep_name: str
    region_code: str
    address: str
    industry_code: str
    registered_capital: Decimal
    founded_on: dt.date
    staff_count: int
    status: str


Reason = Annotated[str | None, Field(max_length=200, description="查阅事由")]
CaseNumber = Annotated[str | None, Field(pattern=r"^\d{20}$", description="相关办件编号")]


class PersonLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str
    reason: Reason = None
    case_number: CaseNumber = None


class EnterpriseLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credit_code: str
    reason: Reason = None
    case_number: CaseNumber = None


class MandateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id_number: str
    valid_until: dt.date | None = None
    scope: Annotated[str, Field(min_length=1, max_length=100)] = "全部事项"


class MandateOut(BaseModel):
    id: int
    credit_code: str
    agent_name: str
    agent_id_number: str  # masked
    scope: str
    valid_from: dt.date
    valid_until: dt.date | None
