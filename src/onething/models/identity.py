"""Organisations, their halls and windows, users, the roles they hold and enterprise mandates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onething.models.base import Base, utcnow


class Org(Base):
    """A department or service centre in a region; ``kind`` is one of the catalog's org kinds."""

    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # <region>-<kind>, stable for seeds and URLs
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码 (11… for 机关)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    halls: Mapped[list[Hall]] = relationship(back_populates="org", lazy="raise", order_by="Hall.id")


class Hall(Base):
    """A service hall (政务服务大厅) run by a service-centre org."""

    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[str | None] = mapped_column(String(100))

    org: Mapped[Org] = relationship(back_populates="halls", lazy="raise")
    windows: Mapped[list[Window]] = relationship(back_populates="hall", lazy="raise", order_by="Window.number")


WINDOW_KINDS = {
    "comprehensive": "综合窗口",
    "domain": "分领域综合窗口",
    "delivery": "出件窗口",
    "helper": "帮办代办窗口",
}


class Window(Base):
    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    number: Mapped[str] = mapped_column(String(10))  # the number on the counter: A01
    kind: Mapped[str] = mapped_column(String(20))  # WINDOW_KINDS
    domain: Mapped[str | None] = mapped_column(String(40))  # 分领域: enterprise, social, construction…
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    hall: Mapped[Hall] = relationship(back_populates="windows", lazy="raise")


class User(Base):
    """A person who logs in. Citizens and enterprise agents log in with their ID number, staff with a
    username; an agent is a citizen holding a mandate for an enterprise."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    username: Mapped[str | None] = mapped_column(String(60), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: only the external provider
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)  # staff
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))  # clerk's usual counter
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The newest case event this person has seen in 消息: later ones are marked unread. An event id,
    # not a time, so a clock set back (or a replayed demo) never hides a message.
    messages_seen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    org: Mapped[Org | None] = relationship(lazy="raise")
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", lazy="raise", order_by="RoleGrant.id", foreign_keys="RoleGrant.user_id"
    )


class RoleGrant(Base):
    """A role held in an org: the org's region bounds what the role reaches."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise", foreign_keys=[user_id])
    org: Mapped[Org] = relationship(lazy="raise")


class EnterpriseMandate(Base):
    """The legal representative's authorisation for a person to act for an enterprise."""

    __tablename__ = "enterprise_mandates"
    __table_args__ = (Index("ix_enterprise_mandates_user_credit", "user_id", "credit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    credit_code: Mapped[str] = mapped_column(ForeignKey("enterprises.credit_code"), index=True)
    granted_by_id_number: Mapped[str] = mapped_column(String(18))  # the legal representative
    scope: Mapped[str] = mapped_column(String(100), default="全部事项")
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    revoked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
