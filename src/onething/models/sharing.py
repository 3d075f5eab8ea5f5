"""The base libraries: population (人口库) and legal persons (法人库)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from onething.models.base import Base, utcnow


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(6))  # male | female
    birth_date: Mapped[dt.date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # household (户籍)
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(30))
    legal_rep_id_number: Mapped[str] = mapped_column(String(18), index=True)
    legal_rep_name: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    industry_code: Mapped[str] = mapped_column(String(5), index=True)  # GB/T 4754-2017: H6210
    registered_capital: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # 万元
    founded_on: Mapped[dt.date] = mapped_column(Date)
    staff_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # 存续 注销 吊销
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
