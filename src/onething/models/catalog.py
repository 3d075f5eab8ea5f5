"""Catalog versions: every load that changes the catalog is a new numbered version, kept forever.

Entries of all sections share one table: the body is the validated YAML entry as JSON, and the
few columns beside it are what lists and look-ups filter on. Cases pin a version number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onething.models.base import Base, JSONType, utcnow


class CatalogVersion(Base):
    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(500))
    counts: Mapped[dict[str, int]] = mapped_column(JSONType)

    entries: Mapped[list[CatalogEntry]] = relationship(back_populates="version", lazy="raise")


class CatalogEntry(Base):
    __tablename__ = "catalog_entries"
    __table_args__ = (
        UniqueConstraint("version_id", "section", "code"),
        Index("ix_catalog_entries_section_code", "section", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)

    version: Mapped[CatalogVersion] = relationship(back_populates="entries", lazy="raise")
