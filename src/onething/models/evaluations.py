"""好差评: one ``Evaluation`` row per service occasion (一事一评 for a case, 一次一评 for a window
visit), the ``Rectification`` of each bad review, and the append-only events of both.

An occasion exists before it is rated: it is enrolled when the service ends, so "concluded" and
"rated" come from one table and the actual rating rate needs no join. Occasions may also be imported
from other business systems (no ``case_id``); ``case_number`` + ``occasion_key`` identify them.
Statistics read ``evaluation_daily``, a rollup of this table refreshed incrementally by the
supervision job.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onething.models.base import Base, JSONType, utcnow


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("case_number", "occasion_key"),
        Index("ix_evaluations_region_day", "region_code", "concluded_on"),
        Index("ix_evaluations_org_day", "org_id", "concluded_on"),
        Index("ix_evaluations_state_closes", "state", "closes_on"),
        Index("ix_evaluations_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(32))
    occasion_key: Mapped[str] = mapped_column(String(24))  # "case" | "visit:<case event id>"
    service_kind: Mapped[str] = mapped_column(String(10))  # online | in_person: decides the dimensions
    channel: Mapped[str] = mapped_column(String(12))  # the service channel of the case
    region_code: Mapped[str] = mapped_column(String(12))  # where the applicant was served
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # who handles a bad review
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    thing_code: Mapped[str] = mapped_column(String(60))
    thing_name: Mapped[str] = mapped_column(String(100))
    applicant_code: Mapped[str | None] = mapped_column(String(18), index=True)  # ID number or credit code
    concluded_on: Mapped[dt.date] = mapped_column(Date)  # the occasion's day: the period of every rate
    closes_on: Mapped[dt.date] = mapped_column(Date)  # last day a rating is taken

    state: Mapped[str] = mapped_column(String(12), default="open")  # open | rated | expired | default_good
    level: Mapped[int | None] = mapped_column(SmallInteger)  # 5 非常满意 … 1 非常不满意
    bad: Mapped[bool] = mapped_column(Boolean, default=False)
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # dimension -> 1..5
    tags: Mapped[list[str] | None] = mapped_column(JSONType)
    comment: Mapped[str | None] = mapped_column(Text)
    rating_channel: Mapped[str | None] = mapped_column(String(12))  # web | pad | kiosk | mobile | hotline
    real_name: Mapped[bool] = mapped_column(Boolean, default=True)
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[dt.datetime | None]
    rerate_level: Mapped[int | None] = mapped_column(SmallInteger)  # 追评, once
    rerate_comment: Mapped[str | None] = mapped_column(Text)
    rerated_at: Mapped[dt.datetime | None]
    # The bad-review loop, copied here so every rate is one scan of one table (or its rollup).
    called_back: Mapped[bool] = mapped_column(Boolean, default=False)
    rectified: Mapped[bool] = mapped_column(Boolean, default=False)
    appeal_upheld: Mapped[bool] = mapped_column(Boolean, default=False)  # unfounded/malicious, approved

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Rectification(Base):
    """The handling of one bad review by the org that served the applicant (谁办理、谁整改)."""

    __tablename__ = "rectifications"
    __table_args__ = (
        Index("ix_rectifications_org_status", "org_id", "status"),
        Index("ix_rectifications_region_status", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    case_number: Mapped[str] = mapped_column(String(32))
    # callback | classify | appealing | rectifying | answering | answered | closed
    status: Mapped[str] = mapped_column(String(12))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    callback_due: Mapped[dt.date] = mapped_column(Date)
    rectify_due: Mapped[dt.date] = mapped_column(Date)
    contacted: Mapped[bool | None] = mapped_column(Boolean)
    callback_note: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str | None] = mapped_column(String(12))  # valid | unfounded | malicious
    classify_note: Mapped[str | None] = mapped_column(Text)
    appeal_decision: Mapped[str | None] = mapped_column(String(10))  # upheld | rejected
    appeal_opinion: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    rerate_closes_on: Mapped[dt.date | None] = mapped_column(Date)
    called_back_at: Mapped[dt.datetime | None]
    classified_at: Mapped[dt.datetime | None]
    rectified_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class EvaluationEvent(Base):
    """Append-only: enrolment, rating, expiry, re-rating and every step of a rectification."""

    __tablename__ = "evaluation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectifications.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class EvaluationDaily(Base):
    """Rollup of ``evaluations`` per occasion day, region, handling org and service channel.

    Rebuilt day by day from the facts (so a refresh is idempotent); the supervision job refreshes
    the days whose occasions changed since its last run."""

    __tablename__ = "evaluation_daily"
    __table_args__ = (Index("ix_evaluation_daily_region_day", "region_code", "day"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: none
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    occasions: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    good: Mapped[int] = mapped_column(Integer)
    bad: Mapped[int] = mapped_column(Integer)
    level_sum: Mapped[int] = mapped_column(Integer)
    default_good: Mapped[int] = mapped_column(Integer)
    real_name_bad: Mapped[int] = mapped_column(Integer)
    called_back: Mapped[int] = mapped_column(Integer)
    appeal_upheld: Mapped[int] = mapped_column(Integer)
    rectified: Mapped[int] = mapped_column(Integer)
