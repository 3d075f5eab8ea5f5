"""Electronic supervision (电子监察): 红黄牌 warnings, the notification outbox, and the leases that
let several processes run the periodic job without doing its work twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from onething.models.base import Base, JSONType, utcnow


class DeadlineWarning(Base):
    """A yellow or red card on one deadline of one subject. The unique key makes raising idempotent;
    a new deadline (after a clock stop) is a new card. Resolved when the step is done."""

    __tablename__ = "warnings"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "step", "level", "due"),
        Index("ix_warnings_region_open", "region_code", "resolved_at"),
        Index("ix_warnings_org_open", "org_id", "resolved_at"),
        # The scan's resolve step reads the open cards of one kind of subject.
        Index(
            "ix_warnings_open_subject",
            "subject",
            "subject_id",
            postgresql_where=text("resolved_at IS NULL"),
            sqlite_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # task | case | rectification
    subject_id: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(16))  # approve | conclude | callback | rectify
    level: Mapped[str] = mapped_column(String(8))  # yellow | red
    due: Mapped[dt.date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(12))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_number: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    raised_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    notified: Mapped[bool] = mapped_column(default=False)
    resolved_at: Mapped[dt.datetime | None]


class OutboxMessage(Base):
    """A notification to send. Written in the transaction that raised it; a sender (log, webhook,
    SMTP) delivers it later, retrying with back-off. Claimed with SKIP LOCKED on PostgreSQL."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))  # warning.yellow | warning.red | rectification.answered …
    recipient_kind: Mapped[str] = mapped_column(String(12))  # user | org | supervisors
    recipient: Mapped[str] = mapped_column(String(40))  # user id, org id, or a region code
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class JobLease(Base):
    """Who runs a periodic step now, until when; and how far it got (its watermark)."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]
    watermark: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
