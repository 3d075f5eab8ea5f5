"""What the synthetic generators share: dtypes, vocabularies, random streams, small array helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from onething.kit.validators import CREDIT_CHARS
from onething.policies.attributes import ATTRIBUTES
from onething.sharing.generate.vocabulary import (
    _TYPES,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Idx = npt.NDArray[np.integer[Any]]
Mask = npt.NDArray[np.bool_]

BASE_COLUMNS: Final = (
    "credit_code",
    "region",
    "industry",
    "enterprise_type",
    "status",
    "registered_capital",
    "founded_year",
    "founded_on",
    "staff_count",
)
FACT_COLUMNS: Final = tuple(
    name for name in ATTRIBUTES if name not in BASE_COLUMNS and name not in {"years_operating", "licenses"}
)
LICENSES: Final = (  # the license types handed out, in the order they appear in a list
    "business_license",
    "food_business_permit",
    "tobacco_retail_license",
    "drug_retail_license",
    "medical_device_filing_certificate",
    "road_transport_permit",
    "road_transport_certificate",
    "vehicle_license",
    "special_trade_permit_hotel",
    "public_place_health_permit",
    "fire_safety_check_certificate",
)
MAX_ROWS: Final = 10**8  # credit-code bodies are a bijection of the row number below this
ACTIVE: Final = "存续"
STATUSES: Final = (ACTIVE, "注销", "吊销")
SCALES: Final = ("微型", "小型", "中型", "大型")
TAX_CREDITS: Final = ("A", "B", "M", "C", "D")

_BASE, _FACTS, _LICENSE_STREAM = 1, 2, 3  # random-stream tags, one per function
_EPOCH: Final = dt.date(1970, 1, 1).toordinal()  # polars dates count days from here
_EARLIEST_AS_OF: Final = dt.date(2008, 1, 1)  # the legal forms of the vocabulary all exist by then
_GROWTH_ORIGIN: Final = dt.date(1989, 1, 1).toordinal()  # foundings per year grow as (t - origin)**2
_STATUS_WEIGHTS: Final = (93, 5, 2)
_TYPE_INDEX: Final = {name: k for k, name in enumerate(_TYPES)}

# By type, in _TYPES order: registered capital (median 万元, sigma of its log) and staff (median, sigma, min, max).
_CAPITAL_LOGNORMAL: Final = ((50.0, 1.2), (2000.0, 0.9), (10.0, 1.0), (200.0, 1.3), (3.0, 0.9), (100.0, 0.9))
_STAFF_LOGNORMAL: Final = (
    (5.0, 1.1, 1, 100_000),
    (120.0, 1.0, 20, 200_000),
    (3.0, 0.8, 1, 5_000),
    (4.0, 0.9, 1, 5_000),
    (1.6, 0.7, 1, 8),
    (8.0, 0.6, 5, 2_000),
)
_STAFF_TAIL: Final = (0.03, 0.05, 0.01, 0.01, 0.0, 0.01)  # share with a Pareto multiplier on top
# By type: share of staff insured, revenue per head relative to the industry's.
_INSURED_SHARE: Final = (0.8, 0.95, 0.5, 0.6, 0.15, 0.2)
_TYPE_REVENUE: Final = (1.0, 1.3, 0.8, 0.9, 0.6, 0.7)

_CREDIT_VALUE: Final = {c: k for k, c in enumerate(CREDIT_CHARS)}
_CREDIT_ASCII: Final = np.frombuffer(CREDIT_CHARS.encode("ascii"), dtype=np.uint8)
_CREDIT_WEIGHTS: Final = tuple(pow(3, k, 31) for k in range(17))  # GB 32100: 3**i mod 31
# GB 11714 value of each credit-code character: digits 0-9, letters A=10 .. Z=35.
_ORG_VALUE: Final = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in CREDIT_CHARS], dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _rng(seed: int, *tags: int) -> np.random.Generator:
    return np.random.default_rng([seed, *tags])


def _check_seed(seed: int) -> None:
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")


def _categorical(rng: np.random.Generator, n: int, weights: Sequence[float] | F64) -> Idx:
    """Indexes into ``weights`` drawn in proportion to them."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    picked = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(picked, len(weights) - 1)


def _grouped(rng: np.random.Generator, group: Idx, table: Sequence[Sequence[int]]) -> Idx:
    """For each row, an index into ``table[group]`` drawn in proportion to its (integer) weights.

    One search for all groups: group g's cumulative weights are shifted by g * width, beyond every other group's.
    """
    weights = np.asarray(table, dtype=np.int64)
    cum = np.cumsum(weights, axis=1)
    totals = cum[:, -1]
    width = int(totals.max()) + 1
    shift = np.arange(len(weights), dtype=np.int64)[:, None] * width
    edges = (cum + shift).ravel()
    row_shift = group.astype(np.int64) * width
    picked = np.searchsorted(edges, rng.integers(0, totals[group]) + row_shift, side="right")
    within: Idx = picked - group.astype(np.int64) * weights.shape[1]
    return within


def _index(values: pl.Series) -> tuple[list[str], Idx]:
    """The distinct values (sorted, null read as "") and each row's index into them."""
    filled = values.fill_null("")
    distinct = filled.unique().sort()
    idx: Idx = filled.cast(pl.Enum(distinct)).to_physical().to_numpy()
    return distinct.to_list(), idx


def _lognormal(rng: np.random.Generator, median: F64, sigma: F64, z: F64 | None = None) -> F64:
    normal = rng.standard_normal(len(median)) if z is None else z
    return median * np.exp(sigma * normal)


def _money(values: F64) -> F64:
    """万元 to the yuan."""
    return np.round(values, 4)


def _days(values: pl.Series) -> I64:
    """Dates as days since 1970-01-01 (nulls as 0)."""
    return values.cast(pl.Int32).fill_null(0).to_numpy().astype(np.int64)


def _check_frame(frame: pl.DataFrame, needed: Sequence[str]) -> None:
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise ValueError(f"the frame lacks column(s) {', '.join(absent)}")
