"""Identity's shapes in and out of the API. Personal data leaves masked unless a detail view says so."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from onething.kit.validators import Id

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionOut(Out):
    code: str
    name: str
    level: str
    parent_code: str | None


class OrgOut(Out):
    id: int
    code: str
    credit_code: str
    name: str
    kind: str
    region_code: str
    level: str
    phone: str | None
    address: str | None


class WindowOut(Out):
    id: int
    number: str
    kind: str
    kind_name: str
    domain: str | None


class HallOut(Out):
    id: int
    name: str
    address: str | None
    hours: str | None
    windows: list[WindowOut]


class OrgDetail(OrgOut):
    halls: list[HallOut]


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=2, max_length=100)]
    kind: Code
    region_code: Annotated[str, Field(pattern=r"^\d{6}$|^\d{9}$|^\d{12}$")]
    phone: Annotated[str | None, Field(max_length=20)] = None
    address: Annotated[str | None, Field(max_length=200)] = None


class RoleOut(BaseModel):
    id: int
    role: str
    role_name: str
    org_id: int
    org_name: str


class UserOut(BaseModel):
    id: int
    kind: str
    username: str | None
    name: str
    id_number: str | None  # masked
    phone: str | None  # masked
    org_id: int | None
    active: bool
    roles: list[RoleOut]


class MeOut(UserOut):
    enterprises: list[str]
    scopes: dict[str, list[str]]  # role -> region prefixes it reaches


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{2,59}$")]
    name: Annotated[str, Field(min_length=1, max_length=60)]
    password: Annotated[str, Field(min_length=1, max_length=200)]
    org_id: int
    phone: str | None = None
    roles: list[str] = []


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = None
    name: Annotated[str | None, Field(min_length=1, max_length=60)] = None


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    org_id: Id


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: Annotated[str, Field(min_length=1, max_length=60)]  # ID number or username
    password: Annotated[str, Field(min_length=1, max_length=200)]
    hours: Annotated[float | None, Field(gt=0, le=720)] = None
    label: Annotated[str | None, Field(max_length=60)] = None
    # The device token a previous login returned: this device skips the wait after failed attempts.
    device: Annotated[str | None, Field(max_length=200)] = None


class TokenOut(BaseModel):
    id: int
    token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    device: str  # keep it and send it with the next login (see TokenIn.device)


class TokenInfo(Out):
    id: int
    kind: str
    label: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


class AuditOut(Out):
    id: int
    at: dt.datetime
    user_id: int | None
    user_name: str | None
    org_id: int | None
    ip: str | None
    action: str
    object_type: str
    object_id: str | None
    region_code: str | None
    case_number: str | None
    reason: str | None
    detail: dict[str, Any] | None
