"""Benefit policies (惠企政策) and their fulfilment (免申即享).

A ``Policy`` is identified by its code; its text lives in numbered ``PolicyVersion`` rows, never edited in
place. A ``PolicyRun`` evaluates the versions current at its start against one data snapshot; its per-condition
flags are a Parquet file keyed by credit code (``result_path``), its 免申即享 lists are ``PolicyMatch`` rows.
A confirmed list becomes a ``PaymentBatch`` of ``Payment`` rows that name the version and run they came from,
so a later rule change never rewrites them. ``PolicyEvent`` is the append-only trail of all of it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from onething.models.base import Base, JSONType, utcnow


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(64))  # the issuing org's kind
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    mode: Mapped[str] = mapped_column(String(8))  # 免申即享 | 即申即享 | 审批即享
    thing_code: Mapped[str | None] = mapped_column(String(64))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_until: Mapped[dt.date | None] = mapped_column(Date)
    current_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)  # this policy's YAML, exactly as validated
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: loaded from files
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PolicyRun(Base):
    __tablename__ = "policy_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)  # parameters and periods of effect on this day
    data_year: Mapped[int] = mapped_column(Integer)  # "上年度" facts
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued running done failed
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    stage: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(Text)
    versions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # code -> version id
    enterprises: Mapped[int | None] = mapped_column(Integer)
    snapshot_digest: Mapped[str | None] = mapped_column(String(64))
    snapshot_path: Mapped[str | None] = mapped_column(String(300))  # the attributes it read (Parquet)
    result_path: Mapped[str | None] = mapped_column(String(300))  # a directory of result parts (Arrow IPC)
    part_keys: Mapped[list[str] | None] = mapped_column(JSONType)  # first credit code of each part
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # code -> {eligible, not, unknown}
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class PolicyMatch(Base):
    """One enterprise on a run's 免申即享 list of one policy, for the issuing department to review."""

    __tablename__ = "policy_matches"
    __table_args__ = (
        UniqueConstraint("run_id", "policy_id", "credit_code"),
        Index("ix_policy_matches_credit_code", "credit_code"),
        # One 免申即享 payment per enterprise, policy and data year, whatever run listed it.
        Index(
            "uq_policy_matches_paid_once",
            "policy_id",
            "credit_code",
            "data_year",
            unique=True,
            postgresql_where=text("status = 'confirmed'"),
            sqlite_where=text("status = 'confirmed'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("policy_runs.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    credit_code: Mapped[str] = mapped_column(String(18))
    data_year: Mapped[int] = mapped_column(Integer)  # the benefit's period: the run's "上年度"
    enterprise_name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # None: no sound amount (data lacking)
    status: Mapped[str] = mapped_column(String(10), default="proposed")  # proposed removed confirmed
    reason: Mapped[str | None] = mapped_column(String(200))  # why removed
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))


class PaymentBatch(Base):
    __tablename__ = "payment_batches"
    __table_args__ = (UniqueConstraint("run_id", "policy_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # 批次号
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("policy_runs.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_credit_code", "credit_code"), UniqueConstraint("case_id", "policy_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))  # 免申即享
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # 即申即享 / 审批即享
    credit_code: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending paid failed
    reference: Mapped[str | None] = mapped_column(String(60))  # the treasury's transfer number
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[dt.datetime | None]


class PolicyEvent(Base):
    """Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "policy_events"
    __table_args__ = (Index("ix_policy_events_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    subject: Mapped[str] = mapped_column(String(12))  # policy run match batch payment
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
