"""Electronic licenses (电子证照): the issued, sealed documents, their status history, the serial
counters behind their identifiers, and the published seal public keys.

The signed document is ``payload`` (canonical JSON, see ``licenses.document``) with ``signature``;
the other columns copy what lists and look-ups need. Private seal keys never enter the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onething.models.base import Base, JSONType, utcnow


class LicenseSequence(Base):
    """The last serial given out per issuing org, license type and year."""

    __tablename__ = "license_sequences"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    license_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SealKey(Base):
    """An org's seal public key (SM2, 65-byte uncompressed point as hex). Rotation retires a key but
    keeps it, so licenses sealed before still verify."""

    __tablename__ = "seal_keys"
    __table_args__ = (Index("ix_seal_keys_org", "org_id", "retired_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(80), unique=True)  # <org code>.<n>
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    public_key: Mapped[str] = mapped_column(String(130))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]


class License(Base):
    __tablename__ = "licenses"
    __table_args__ = (
        Index("ix_licenses_holder", "holder_code", "license_type", "status", "issued_on", "id"),
        Index("ix_licenses_issuer_status", "issuer_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(100), unique=True)  # GB/T 36904
    # What the QR code carries (``/verify/t/<token>``): random, so the public check by it cannot be
    # enumerated the way identifiers (sequential serials, public credit codes) can. Not signed content.
    verify_token: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    number: Mapped[str] = mapped_column(String(40))  # 证照编号 printed on the document
    license_type: Mapped[str] = mapped_column(String(60))
    type_name: Mapped[str] = mapped_column(String(60))
    holder_kind: Mapped[str] = mapped_column(String(12))  # person | enterprise
    holder_name: Mapped[str] = mapped_column(String(120))
    holder_code: Mapped[str] = mapped_column(String(18))  # ID number or credit code
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    issuer_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the issuer's
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # None: 长期有效
    status: Mapped[str] = mapped_column(String(16))  # valid | revoked | cancelled | expired | penalty_revoked
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)  # a decision's result
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)  # exactly what was signed
    seal_key_id: Mapped[str] = mapped_column(String(80))
    signature: Mapped[str] = mapped_column(String(128))  # r||s hex
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LicenseEvent(Base):
    """Append-only: issue and every change of status, with who and why."""

    __tablename__ = "license_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))  # issue | revoke | cancel | expire | penalty_revoke
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(20))
