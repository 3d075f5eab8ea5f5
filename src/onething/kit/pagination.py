"""Keyset pagination: ``?after=<last id>&limit=n``. Stable under inserts and cheap on large tables
(no OFFSET scans, no COUNT)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next: int | None  # pass as ``after`` for the next page; None on the last page


def page(
    session: Session,
    stmt: Select[Any],
    key: InstrumentedAttribute[int],
    after: int | None,
    limit: int,
    descending: bool = False,
) -> tuple[Sequence[Any], int | None]:
    limit = max(1, min(limit, MAX_LIMIT))
    if after is not None:
        stmt = stmt.where(key < after if descending else key > after)
    stmt = stmt.order_by(key.desc() if descending else key).limit(limit + 1)
    rows = session.scalars(stmt).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, getattr(rows[-1], key.key)
    return rows, None


class PageOut(BaseModel, Generic[T]):
    """A page in the API: ``items`` and the ``next`` cursor (null on the last page)."""

    items: list[T]
    next: int | None

    @classmethod
    def of(cls, p: Page[Any]) -> dict[str, Any]:
        return {"items": p.items, "next": p.next}
