"""The base libraries: population (人口库) and legal persons (法人库)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, Numeric, String
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


class EnterpriseFacts(Base):
    """What departments report about an enterprise for one calendar year (统计, 税务, 人社, 科技, 信用…).

    A column is NULL when its department has not supplied the figure: benefit rules treat that as unknown,
    never as zero or false.
    """

    __tablename__ = "enterprise_facts"

    credit_code: Mapped[str] = mapped_column(ForeignKey("enterprises.credit_code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    scale: Mapped[str | None] = mapped_column(String(4))  # 大型 中型 小型 微型
    revenue: Mapped[float | None] = mapped_column(Float)  # 万元
    above_scale: Mapped[bool | None] = mapped_column(Boolean)
    above_scale_year: Mapped[int | None] = mapped_column(Integer)
    tax_paid: Mapped[float | None] = mapped_column(Float)  # 万元
    tax_credit: Mapped[str | None] = mapped_column(String(1))  # A B M C D
    rd_expense: Mapped[float | None] = mapped_column(Float)  # 万元
    insured_staff: Mapped[int | None] = mapped_column(Integer)
    social_insurance_paid: Mapped[float | None] = mapped_column(Float)  # 万元
    unemployment_insurance_paid: Mapped[float | None] = mapped_column(Float)  # 万元
    new_hires: Mapped[int | None] = mapped_column(Integer)
    key_group_hires: Mapped[int | None] = mapped_column(Integer)
    layoff_rate: Mapped[float | None] = mapped_column(Float)  # %
    guaranteed_loan: Mapped[float | None] = mapped_column(Float)  # 万元
    high_tech: Mapped[bool | None] = mapped_column(Boolean)
    specialized: Mapped[bool | None] = mapped_column(Boolean)
    export_value: Mapped[float | None] = mapped_column(Float)  # 万美元
    dishonest: Mapped[bool | None] = mapped_column(Boolean)
    major_violation: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
