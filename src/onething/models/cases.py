"""Cases (办件), their tasks (子件), materials, and the append-only events of both.

A case's and a task's current state live on their rows; every change of state writes a
``case_events`` / ``task_events`` row in the same transaction. Timelines and statistics read events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onething.models.base import Base, JSONType, utcnow


class CaseSequence(Base):
    """The last daily sequence number given out per region: case numbers are gap-free per day."""

    __tablename__ = "case_sequences"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # yyyymmdd, local date
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key"),
        Index("ix_cases_status_deadline", "status", "deadline"),
        Index("ix_cases_org_status", "receiving_org_id", "status"),
        Index("ix_cases_region_status", "region_code", "status"),
        # Supervision reads the cases concluded in a period (its statistics), not the province's history.
        Index("ix_cases_concluded_at", "concluded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # <region 6><yyyymmdd><seq 6>
    thing_code: Mapped[str] = mapped_column(String(60), index=True)
    thing_name: Mapped[str] = mapped_column(String(100))
    catalog_version: Mapped[int] = mapped_column(Integer)  # pinned again at submission
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # where the applicant is served
    channel: Mapped[str] = mapped_column(String(12))  # online | window | kiosk | mobile | helper
    status: Mapped[str] = mapped_column(String(24))

    applicant_kind: Mapped[str] = mapped_column(String(12))  # person | enterprise
    applicant_name: Mapped[str] = mapped_column(String(120))
    applicant_id_number: Mapped[str | None] = mapped_column(String(18), index=True)  # person applicant
    applicant_credit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # enterprise applicant
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # applicant, agent or helper clerk

    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    form: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    sources: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # field -> where its value came from
    commitments: Mapped[list[str]] = mapped_column(JSONType, default=list)  # items under 告知承诺制

    receiving_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # the hall's service centre
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))  # where it was accepted
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    promised_days: Mapped[int] = mapped_column(Integer, default=0)  # critical path, working days
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # projected from the tasks once accepted
    outcome: Mapped[str | None] = mapped_column(String(20))  # approved | partly_approved | rejected
    shortfall: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # 容缺受理
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # the open 一次性补正告知
    refusal: Mapped[str | None] = mapped_column(Text)
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    submit_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    concluded_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    tasks: Mapped[list[Task]] = relationship(back_populates="case", lazy="raise", order_by="Task.id")
    materials: Mapped[list[CaseMaterial]] = relationship(lazy="raise", order_by="CaseMaterial.id")


class Task(Base):
    """One department's share of a case: one item, routed to the org that carries it out."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "item_code", "kind"),
        Index("ix_tasks_org_status", "org_id", "status"),
        Index("ix_tasks_status_deadline", "status", "deadline"),
        Index("ix_tasks_decided_at", "decided_at"),  # decisions in a period (supervision)
        # The deadline scan reads only running tasks, and only their id and deadline (electronic supervision).
        Index(
            "ix_tasks_running_deadline",
            "deadline",
            postgresql_include=["id"],
            postgresql_where=text("status IN ('pending', 'claimed')"),
            sqlite_where=text("status IN ('pending', 'claimed')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(60))
    item_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12), default="approval")  # approval | verification (核查)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    after: Mapped[list[str]] = mapped_column(JSONType, default=list)  # prerequisite item codes
    promised_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    commitment: Mapped[bool] = mapped_column(Boolean, default=False)  # applicant signed 告知承诺
    decision: Mapped[str | None] = mapped_column(String(12))  # approved | rejected
    opinion: Mapped[str | None] = mapped_column(Text)
    suspension: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # the open special procedure
    dispatched_on: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    clock_stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    stopped_days: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    case: Mapped[Case] = relationship(back_populates="tasks", lazy="raise")


class CaseMaterial(Base):
    """A material of a case: an uploaded file (by content hash), an e-license reference, or a
    signed commitment standing in for it."""

    __tablename__ = "case_materials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(12))  # upload | license
    digest: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None] = mapped_column(Integer)
    license_ref: Mapped[str | None] = mapped_column(String(100))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None]


class CaseEvent(Base):
    """Append-only: who did what to a case, from which state to which, when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class TaskEvent(Base):
    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
