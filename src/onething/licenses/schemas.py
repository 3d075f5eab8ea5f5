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
    holder_label: str = Field(description="持证主体的称谓：名称（企业）或持证人（个人）")
    holder_name: str
    holder_code_label: str = Field(description="统一社会信用代码或公民身份号码")
    holder_code: str  # masked in lists
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    status: str
    status_name: str
    badge: str = Field(description="状态的中文说法：有效、已过期、已注销、已吊销…")
    status_reason: str | None
    verify_url: str


class HistoryEntry(BaseModel):
    at: dt.datetime
    actor: str
    action: str  # issue | revoke | cancel | expire | penalty_revoke
    action_name: str  # 签发 …
    to_status: str
    to_status_name: str  # 有效 …
    reason: str | None


class LicenseDetail(LicenseOut):
    fields: list[LicenseField]  # what the license prints, never the application's own fields
    seal_key_id: str
    signature: str
    history: list[HistoryEntry]


class PublicLicense(BaseModel):
    """What anyone may see of a license. By its identifier (guessable: sequential serials, public credit
    codes) a natural person's document shows only that it exists, its type, issuer and status; by its QR
    code's token or its signed file, also the masked name and the dates. An enterprise's public
    registration facts are shown in full either way (《企业信息公示暂行条例》)."""

    shown: Literal["status", "masked", "public"] = Field(
        description="status：仅证照存在与状态（个人证照按标识核验）；masked：另有脱敏姓名与日期；public：企业公示信息"
    )
    identifier: str
    license_type: str
    type_name: str
    holder_kind: str
    holder_label: str | None
    holder_name: str | None  # masked for a natural person; none when only the status is shown
    holder_code_label: str | None
    holder_code: str | None  # an enterprise's credit code; never a person's ID number
    number: str | None  # an enterprise's license number; none for a natural person's document
    issuer: str
    issued_on: dt.date | None  # none when only the status is shown
    valid_until: dt.date | None  # none: 长期有效 (or not shown)
    status: str
    status_name: str
    badge: str
    status_reason: str | None  # enterprises only (administrative decisions on them are public)
    fields: list[LicenseField]  # the type's public fields
    verify_url: str  # the check this answer came from (by token only when the token was presented)


class VerifyOut(BaseModel):
    authentic: bool = Field(description="电子印章签名与证照内容一致")
    valid: bool = Field(description="真实，且状态有效、在有效期内")
    status: str | None
    status_name: str | None
    conclusion: str = Field(description="核验结论：真实有效、已注销、已吊销、已过期、核验未通过…")
    reasons: list[str]
    license: PublicLicense | None = None


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
