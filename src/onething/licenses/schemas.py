"""Request and response bodies of the licenses API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LicenseField(BaseModel):
    code: str
    label: str
    value: str


class LicenseOut(BaseModel):
    identifier: str
    number: str
    license_type: str
    type_name: str
    holder_kind: str
    holder_name: str
    holder_code: str  # masked in lists and on the public page
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    status: str
    status_name: str
    status_reason: str | None
    verify_url: str


class LicenseDetail(LicenseOut):
    fields: list[LicenseField]
    seal_key_id: str
    signature: str
    history: list[dict[str, Any]]


class VerifyOut(BaseModel):
    authentic: bool = Field(description="电子印章签名与证照内容一致")
    valid: bool = Field(description="真实，且状态有效、在有效期内")
    status: str | None
    status_name: str | None
    reasons: list[str]
    license: LicenseOut | None = None


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: dict[str, Any] = Field(description="下载的电子证照文件（JSON）")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["revoke", "cancel", "expire", "penalty_revoke"]
    reason: str = Field(min_length=1, max_length=500)


class SealOut(BaseModel):
    key_id: str
    org: str
    algorithm: str = "SM2 (GB/T 32918), SM3 digest, default user ID 1234567812345678"
    public_key: str  # uncompressed point, hex
    public_key_pem: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
