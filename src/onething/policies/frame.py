"""The attribute table both evaluators read: one row per enterprise, every attribute typed as declared.

Built in one place for both paths, so "years operating" or a missing figure means the same thing to the
single evaluator as to the bulk one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import polars as pl

from onething.policies.attributes import ATTRIBUTES
from onething.policies.bulk import DTYPES

SCHEMA: Final[dict[str, Any]] = {a.name: DTYPES[a.type] for a in ATTRIBUTES.values()}


def attributes_frame(raw: pl.DataFrame | pl.LazyFrame, as_of: dt.date, *, keep_founded: bool = False) -> pl.LazyFrame:
    """Cast the raw columns (with ``founded_on``) to the declared types and derive the date-dependent ones;
    ``keep_founded`` keeps ``founded_on`` too (a stored snapshot can be evaluated again)."""
    lazy = raw.lazy()
    founded = pl.col("founded_on")
    not_yet = (founded.dt.month() > as_of.month) | (
        (founded.dt.month() == as_of.month) & (founded.dt.day() > as_of.day)
    )
    derived = {
        "founded_year": founded.dt.year().cast(pl.Int64),
        "years_operating": (pl.lit(as_of.year) - founded.dt.year() - not_yet.cast(pl.Int32)).cast(pl.Int64),
    }
    names = lazy.collect_schema().names()
    columns = []
    for name, dtype in SCHEMA.items():
        if name in derived:
            columns.append(derived[name].alias(name))
        elif name == "licenses":
            licenses = pl.col(name).fill_null(pl.lit([], dtype=dtype)) if name in names else pl.lit([], dtype=dtype)
            columns.append(licenses.cast(dtype).alias(name))
        elif name in names and dtype == pl.Float64:
            columns.append(pl.col(name).cast(dtype).fill_nan(None).alias(name))  # NaN is no figure: missing
        elif name in names:
            columns.append(pl.col(name).cast(dtype).alias(name))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    if keep_founded:
        columns.append(founded)
    return lazy.select(columns)


def row_attributes(row: dict[str, Any]) -> dict[str, Any]:
    """A snapshot row as the attributes the rules read (without ``founded_on``)."""
    return {name: value for name, value in row.items() if name in SCHEMA}
