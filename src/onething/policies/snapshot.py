"""The data a run evaluates: enterprises (法人库), their facts for the year before, the licenses they hold —
read into one Polars frame in credit-code order (with ``founded_on``, so a stored snapshot can be evaluated
again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from onething.models import Enterprise, EnterpriseFacts, License
from onething.policies.bulk import KEY
from onething.policies.frame import attributes_frame

_BATCH = 100_000
_FACTS = [c for c in EnterpriseFacts.__table__.columns if c.name not in ("credit_code", "year", "updated_at")]


def _base_query(year: int) -> Select[Any]:
    e = Enterprise
    return select(
        e.credit_code,
        e.region_code.label("region"),
        e.industry_code.label("industry"),
        e.type.label("enterprise_type"),
        e.status,
        e.registered_capital,
        e.founded_on,
        e.staff_count,
        *_FACTS,
    ).outerjoin(EnterpriseFacts, and_(EnterpriseFacts.credit_code == e.credit_code, EnterpriseFacts.year == year))


def _frames(session: Session, query: Select[Any]) -> Iterator[pl.DataFrame]:
    result = session.execute(query.execution_options(yield_per=_BATCH))
    names = list(result.keys())
    for rows in result.partitions():
        yield pl.DataFrame([tuple(r) for r in rows], schema=names, orient="row", infer_schema_length=None)


def _byte_order(session: Session) -> Any:
    """Credit codes in byte order, as Polars compares them (PostgreSQL's collation might not be)."""
    column = Enterprise.credit_code
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def _licenses(session: Session, as_of: dt.date, first: str | None, last: str | None = None) -> pl.DataFrame:
    """The valid licenses of the enterprises whose codes lie in [first, last] (one enterprise: first only)."""
    query = select(License.holder_code.label(KEY), License.license_type).where(
        License.holder_kind == "enterprise",
        License.status == "valid",
        or_(License.valid_until.is_(None), License.valid_until >= as_of),
    )
    if first is not None:
        query = query.where(License.holder_code >= first, License.holder_code <= (last or first))
    rows = session.execute(query).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema={KEY: pl.String, "license_type": pl.String}, orient="row")
    return frame.group_by(KEY).agg(pl.col("license_type").unique().sort().alias("licenses"))


def load(session: Session, as_of: dt.date, credit_code: str | None = None) -> pl.DataFrame:
    """Every enterprise's attributes as of ``as_of`` (facts of the year before), or one enterprise's."""
    query = _base_query(as_of.year - 1)
    if credit_code is not None:
        query = query.where(Enterprise.credit_code == credit_code)
    frames = list(_frames(session, query.order_by(_byte_order(session))))
    if not frames:
        empty = pl.DataFrame(schema={KEY: pl.String, "founded_on": pl.Date})
        return attributes_frame(empty, as_of, keep_founded=True).collect()
    base = pl.concat(frames, how="diagonal_relaxed")
    joined = base.join(_licenses(session, as_of, credit_code), on=KEY, how="left", maintain_order="left")
    return attributes_frame(joined, as_of, keep_founded=True).collect()


def write(session: Session, as_of: dt.date, add: Callable[[pl.DataFrame], None]) -> int:
    """Every enterprise's attributes as of ``as_of``, batch by batch in credit-code order, to ``add`` (a
    ``store.SnapshotWriter``): memory holds one batch, not the province. Returns the number of enterprises."""
    rows = 0
    for base in _frames(session, _base_query(as_of.year - 1).order_by(_byte_order(session))):
        codes = base[KEY]
        licenses = _licenses(session, as_of, str(codes[0]), str(codes[-1]))
        joined = base.join(licenses, on=KEY, how="left", maintain_order="left")
        add(attributes_frame(joined, as_of, keep_founded=True).collect())
        rows += base.height
    if rows == 0:
        add(
            attributes_frame(
                pl.DataFrame(schema={KEY: pl.String, "founded_on": pl.Date}), as_of, keep_founded=True
            ).collect()
        )
    return rows
