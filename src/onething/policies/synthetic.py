"""Synthetic enterprises for the benefit-policy matcher (免申即享): millions of rows in seconds, column by column.

``base_frame`` makes the legal-person library (法人库) columns, ``facts_frame`` the departments' yearly facts
(统计、税务、人社 ...), ``licenses_column`` the license types each enterprise holds, and ``enterprises`` all
three side by side: every attribute of ``onething.policies.attributes`` except the derived ``years_operating``,
plus ``founded_on``. Everything is vectorised (numpy + polars, no loop over rows) and deterministic for a seed;
each function draws from its own random streams, keyed by ``(seed, function, column)``, so the same seed may be
passed to all three.

Industry codes, legal forms and their weights are those of the row-by-row generator
(``onething.sharing.generate.vocabulary``). Credit codes are unique within a frame and valid (GB 32100 check
character, GB 11714 organisation-code check character): the 8-character body encodes a bijective scramble of the
row number below 10**8, as 8 digits for bodies founded before the 2015-10 reform and ``MA`` + 6 base-31
characters after it. The sizes (revenue per head, tax rates, thresholds, shares) are rough impressions, not
statistics; scale follows 统计上大中小微型企业划分办法（2017）and "above scale" the 四上 thresholds, simplified.
The vocabulary has two manufacturing classes (C1431, C1392), no lodging (H61) and no research (M): the rules for
those sections are here and apply to frames that have them, but ``base_frame`` never produces H61 or M.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from onething.kit.validators import CREDIT_CHARS, ORG_CODE_WEIGHTS
from onething.policies.attributes import ATTRIBUTES, BOOL, DOUBLE, INT, STRING, STRINGS
from onething.sharing.generate.vocabulary import (
    _COOP,
    _INDIVIDUAL,
    _INDUSTRIES,
    _JSC,
    _MA_START,
    _TYPE_CODE_PREFIX,
    _TYPE_FROM,
    _TYPE_WEIGHTS,
    _TYPES,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Idx = npt.NDArray[np.integer[Any]]
Mask = npt.NDArray[np.bool_]

# The polars dtype of each attribute type (list<int> and list<double> are not produced here).
DTYPES: Final[dict[str, pl.DataType]] = {
    INT: pl.Int64(),
    DOUBLE: pl.Float64(),
    STRING: pl.String(),
    BOOL: pl.Boolean(),
    STRINGS: pl.List(pl.String()),
}
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


# ---------------------------------------------------------------------------------------------------------------
# 法人库


def _regions(regions: Sequence[str]) -> list[str]:
    if isinstance(regions, str):
        raise TypeError("regions is a sequence of region codes, not one string")
    out = sorted(set(regions))
    bad = [r for r in out if len(r) != 6 or not r.isascii() or not r.isdigit()]
    if not out or bad:
        raise ValueError(f"regions must be 6-digit codes, got {bad or 'none'}")
    return out


def _region_weights(regions: Sequence[str], rng: np.random.Generator) -> F64:
    """Districts (01-20) weigh most, county-level cities (81-) next, counties least; each times a random size."""
    kind = np.array([3.0 if "01" <= r[4:] <= "20" else 2.0 if r[4:] >= "81" else 1.0 for r in regions])
    weights: F64 = kind * rng.lognormal(0.0, 0.5, len(regions))
    return weights


def _founded(rng: np.random.Generator, kind: Idx, as_of: dt.date) -> I64:
    """Founding dates as ordinals, at most ``as_of``, not before the legal form existed; recent years likelier.

    Foundings per year grow as (t - 1989)**2 (the vocabulary's weights), individual businesses' as
    (t - 1989)**3: their boom is recent and old ones have mostly closed. Inverse transform of the truncated
    power law, so each row's lower bound costs nothing.
    """
    power = np.where(kind == _INDIVIDUAL, 4.0, 3.0)
    span = float(as_of.toordinal() + 1 - _GROWTH_ORIGIN)
    lower = np.asarray(_TYPE_FROM, dtype=np.float64)[kind]
    floor = ((lower - _GROWTH_ORIGIN) / span) ** power
    u = floor + (1.0 - floor) * rng.random(len(kind))
    ordinal = np.floor(_GROWTH_ORIGIN + span * u ** (1.0 / power)).astype(np.int64)
    return np.clip(ordinal, lower.astype(np.int64), as_of.toordinal())


def _scramble(rng: np.random.Generator, n: int) -> I64:
    """A bijection of 0..n-1 into 0..10**8-1: multiply, shift, then two keyed Feistel rounds on the halves."""
    mult = int(rng.integers(10**7, 10**8)) | 1
    while mult % 5 == 0:
        mult += 2
    offset = int(rng.integers(0, MAX_ROWS))
    mix_low, mix_high = rng.integers(0, 10**4, 10**4), rng.integers(0, 10**4, 10**4)
    p = (np.arange(n, dtype=np.int64) * mult + offset) % MAX_ROWS
    high, low = np.divmod(p, 10**4)
    low = (low + mix_low[high]) % 10**4
    high = (high + mix_high[low]) % 10**4
    out: I64 = high * 10**4 + low
    return out


def _credit_codes(rng: np.random.Generator, kind: Idx, region_idx: Idx, regions: Sequence[str], ma: Mask) -> pl.Series:
    """Valid unified social credit codes: prefix by type, region, scrambled body, GB 11714 and GB 32100 checks."""
    n = len(kind)
    v = np.empty((n, 18), dtype=np.uint8)  # character values (indexes into CREDIT_CHARS)
    # The first 8 characters depend on (type, region) only: one small table, with its share of the check sum.
    heads = [[_CREDIT_VALUE[c] for c in prefix + region] for prefix in _TYPE_CODE_PREFIX for region in regions]
    head_table = np.array(heads, dtype=np.uint8).reshape(-1, 8)
    head_sums = (head_table.astype(np.int32) @ np.array(_CREDIT_WEIGHTS[:8], dtype=np.int32)).astype(np.int32)
    head = kind.astype(np.int32) * len(regions) + region_idx.astype(np.int32)
    v[:, 0:8] = head_table[head]
    total = head_sums[head]
    del head
    body = _scramble(rng, n).astype(np.int32)
    org = np.zeros(n, dtype=np.int32)
    for k in range(8):
        decimal = body // 10 ** (7 - k) % 10
        if k < 2:
            char: Any = _CREDIT_VALUE["MA"[k]]
        else:
            char = body // 31 ** (7 - k) % 31
        column = np.where(ma, char, decimal).astype(np.int32)
        v[:, 8 + k] = column
        org += ORG_CODE_WEIGHTS[k] * _ORG_VALUE.astype(np.int32)[column]
        total += _CREDIT_WEIGHTS[8 + k] * column
    org_check = 11 - org % 11
    column = np.where(org_check == 10, _CREDIT_VALUE["X"], np.where(org_check == 11, 0, org_check)).astype(np.int32)
    v[:, 16] = column
    total += _CREDIT_WEIGHTS[16] * column
    v[:, 17] = (31 - total % 31) % 31
    text = _CREDIT_ASCII[v].view("S18").ravel()
    return pl.Series("credit_code", text).cast(pl.String)


def base_frame(n: int, *, seed: int, regions: Sequence[str], as_of: dt.date) -> pl.DataFrame:
    """The legal-person library columns (``BASE_COLUMNS``) of ``n`` enterprises registered in ``regions``.

    Credit codes are unique within the frame. Founding dates are at most ``as_of``. The order of ``regions``
    does not matter (they are sorted first); adding or removing one changes every row.
    """
    if not 0 <= n <= MAX_ROWS:
        raise ValueError(f"n must be between 0 and {MAX_ROWS}, not {n}")
    _check_seed(seed)
    if as_of < _EARLIEST_AS_OF:
        raise ValueError(f"as_of must be {_EARLIEST_AS_OF} or later")
    regs = _regions(regions)

    kind = _categorical(_rng(seed, _BASE, 1), n, _TYPE_WEIGHTS)
    region_idx = _categorical(_rng(seed, _BASE, 2), n, _region_weights(regs, _rng(seed, _BASE, 3)))
    by_type = [[ind.weights[k] for ind in _INDUSTRIES] for k in range(len(_TYPES))]
    industry_idx = _grouped(_rng(seed, _BASE, 4), kind, by_type)
    status_idx = _categorical(_rng(seed, _BASE, 5), n, _STATUS_WEIGHTS)
    founded = _founded(_rng(seed, _BASE, 6), kind, as_of)

    # One latent size per enterprise drives both capital and staff.
    size = _rng(seed, _BASE, 7).standard_normal(n)
    rng = _rng(seed, _BASE, 8)
    cap_median, cap_sigma = (np.asarray(c, dtype=np.float64)[kind] for c in zip(*_CAPITAL_LOGNORMAL, strict=True))
    capital = _lognormal(rng, cap_median, cap_sigma, 0.6 * size + 0.8 * rng.standard_normal(n))
    del cap_median, cap_sigma
    magnitude = 10.0 ** (np.floor(np.log10(capital)) - 1.0)  # two significant digits, as registered
    capital = np.round(np.round(capital / magnitude) * magnitude, 2)
    capital = np.clip(capital, 0.1, 1e6)
    del magnitude

    rng = _rng(seed, _BASE, 9)
    med, sig, low, high = (np.asarray(c, dtype=np.float64)[kind] for c in zip(*_STAFF_LOGNORMAL, strict=True))
    staff_f = _lognormal(rng, med, sig, 0.8 * size + 0.6 * rng.standard_normal(n))
    tail = rng.random(n) < np.asarray(_STAFF_TAIL)[kind]
    staff_f = np.where(tail, staff_f * (1.0 - rng.random(n)) ** (-1.0 / 1.3), staff_f)
    staff = np.clip(np.round(staff_f), low, high).astype(np.int64)
    del med, sig, low, high, staff_f, tail, size

    codes = _credit_codes(_rng(seed, _BASE, 10), kind, region_idx, regs, founded >= _MA_START)
    founded_on = pl.Series("founded_on", (founded - _EPOCH).astype(np.int32)).cast(pl.Date)
    return pl.DataFrame(
        [
            codes,
            pl.Series("region", regs, dtype=pl.String).gather(region_idx),
            pl.Series("industry", [ind.code for ind in _INDUSTRIES], dtype=pl.String).gather(industry_idx),
            pl.Series("enterprise_type", _TYPES, dtype=pl.String).gather(kind),
            pl.Series("status", STATUSES, dtype=pl.String).gather(status_idx),
            pl.Series("registered_capital", capital, dtype=pl.Float64),
            founded_on.dt.year().cast(pl.Int64).alias("founded_year"),
            founded_on,
            pl.Series("staff_count", staff, dtype=pl.Int64),
        ]
    )


# ---------------------------------------------------------------------------------------------------------------
# The departments' yearly facts


@dataclass(frozen=True, slots=True)
class _Profile:
    """What an industry code implies, for the yearly facts."""

    revenue_per_head: float  # 万元 a year
    tax_rate: float  # taxes / revenue
    staff_bounds: tuple[int, int, int]  # lower bounds of 大型 / 中型 / 小型 by staff (0: no condition)
    revenue_bounds: tuple[float, float, float]  # ... by revenue, 万元
    above_scale_from: float  # revenue that puts an enterprise in the 四上 statistics (inf: never)
    high_tech: float  # chance of a high-tech certificate, for an eligible enterprise
    research: float  # chance of some R&D spending for an ordinary enterprise
    export: float  # chance of exporting
    industrial: float  # 1.0 for 工业 (B, C, D), else 0.0


_Size = tuple[float, float, tuple[int, int, int], tuple[float, float, float], float]
_OTHERS: Final = ((300, 100, 10), (0.0, 0.0, 0.0))  # 其他未列明行业: staff only


def _size(code: str) -> _Size:
    """Revenue per head, tax rate, the scale bounds and the 四上 threshold of an industry code."""
    section, division = code[:1], code[:3]
    if section == "A":
        return 12.0, 0.005, (0, 0, 0), (20000.0, 500.0, 50.0), float("inf")
    if section in ("B", "C", "D"):
        return 60.0, 0.045, (1000, 300, 20), (40000.0, 2000.0, 300.0), 2000.0
    if section == "E":
        return 45.0, 0.03, (0, 0, 0), (80000.0, 6000.0, 300.0), 2000.0
    if division == "F51":
        return 100.0, 0.012, (200, 20, 5), (40000.0, 5000.0, 1000.0), 2000.0
    if division == "F52":
        return 30.0, 0.02, (300, 50, 10), (20000.0, 500.0, 100.0), 500.0
    if section == "G":
        return 40.0, 0.03, (1000, 300, 20), (30000.0, 3000.0, 200.0), 2000.0
    if section == "H":
        return 12.0, 0.03, (300, 100, 10), (10000.0, 2000.0, 100.0), 200.0
    if division == "I65":
        return 45.0, 0.05, (300, 100, 10), (10000.0, 1000.0, 50.0), 2000.0
    if section == "I":
        return 45.0, 0.05, (2000, 100, 10), (100000.0, 1000.0, 100.0), 2000.0
    if code.startswith("K701"):
        return 60.0, 0.08, (0, 0, 0), (200000.0, 1000.0, 100.0), 1000.0
    if code.startswith("K702"):
        return 15.0, 0.05, (1000, 300, 100), (5000.0, 1000.0, 500.0), 1000.0
    if section == "K":
        return 30.0, 0.05, *_OTHERS, 1000.0
    if section in ("L", "M", "N", "P", "Q"):
        return 35.0, 0.05, *_OTHERS, 1000.0
    if section in ("O", "R", "S"):
        return 10.0, 0.02, *_OTHERS, 500.0
    return 25.0, 0.03, *_OTHERS, float("inf")


def _profile(code: str) -> _Profile:
    section = code[:1]
    return _Profile(
        *_size(code),
        high_tech={"C": 0.25, "I": 0.25, "M": 0.25}.get(section, 0.04),
        research=0.3 if section in ("C", "I", "M") else 0.03,
        export=0.05 if code.startswith("F5292") else {"C": 0.12, "F": 0.02, "I": 0.03}.get(section, 0.003),
        industrial=1.0 if section in ("B", "C", "D") else 0.0,
    )


def _tiers(values: F64 | I64, bounds: F64) -> I64:
    """How many of the three lower bounds (大型, 中型, 小型) each value reaches."""
    return (
        (values >= bounds[:, 0]).astype(np.int64)
        + (values >= bounds[:, 1]).astype(np.int64)
        + (values >= bounds[:, 2]).astype(np.int64)
    )


def facts_frame(base: pl.DataFrame, *, year: int, seed: int, missing: float = 0.03) -> pl.DataFrame:
    """The yearly facts (``FACT_COLUMNS``) of ``base``'s enterprises for ``year``, one row each, in ``base``'s order.

    ``base`` needs credit_code, industry, enterprise_type, registered_capital, founded_on and staff_count.
    Each fact is null with probability ``missing``, independently (the department did not supply it);
    above_scale_year is also null for an enterprise never above scale. Enterprises founded after ``year``
    have no activity that year.
    """
    _check_frame(
        base, ("credit_code", "industry", "enterprise_type", "registered_capital", "founded_on", "staff_count")
    )
    _check_seed(seed)
    if not 0.0 <= missing <= 1.0:
        raise ValueError(f"missing must be a share between 0 and 1, not {missing}")
    arrays = _fact_arrays(base, year=year, seed=seed)
    never = ~arrays["above_scale"]
    labels = {"scale": SCALES, "tax_credit": TAX_CREDITS}
    out = [base["credit_code"]]
    # One column at a time, so that at most one column exists twice (numpy's and polars' with nulls).
    for k, name in enumerate(FACT_COLUMNS):
        values = arrays.pop(name)
        if name in labels:
            series = pl.Series(name, labels[name], dtype=pl.String).gather(values)
        else:
            series = pl.Series(name, values, dtype=DTYPES[ATTRIBUTES[name].type])
        del values
        nulls = _rng(seed, _FACTS, year, 100 + k).random(base.height) < missing
        if name == "above_scale_year":
            nulls |= never
        if nulls.any():
            series.scatter(np.flatnonzero(nulls), None)
        out.append(series)
    return pl.DataFrame(out)


def _fact_arrays(base: pl.DataFrame, *, year: int, seed: int) -> dict[str, npt.NDArray[Any]]:
    """The facts, all known, as numpy arrays (scale and tax_credit as indexes into SCALES and TAX_CREDITS)."""
    n = base.height
    key = (seed, _FACTS, year)

    def rng(column: int) -> np.random.Generator:
        return _rng(*key, column)

    codes, ind = _index(base["industry"])
    profiles = [_profile(c) for c in codes]
    type_names, type_idx = _index(base["enterprise_type"])
    kind = np.array([_TYPE_INDEX.get(t, 0) for t in type_names], dtype=np.int8)[type_idx]
    del type_idx
    individual = kind == _INDIVIDUAL
    company = ~individual & (kind != _COOP)
    staff = base["staff_count"].fill_null(1).cast(pl.Int64).to_numpy().astype(np.int64)
    founded_on = base["founded_on"].cast(pl.Date)  # a null reads as long established
    founded = _days(founded_on)
    start, end = (dt.date(y, 1, 1).toordinal() - _EPOCH for y in (year, year + 1))
    active = np.clip((end - founded) / float(end - start), 0.0, 1.0)  # share of the year in business
    founded_year = (founded_on.fill_null(dt.date(1970, 1, 1)).dt.year().cast(pl.Int64).to_numpy()).astype(np.int64)
    new = founded >= start  # founded during the year (or after)

    def per_code(values: Sequence[float]) -> F64:
        return np.asarray(values, dtype=np.float64)[ind]

    # Revenue grows with staff, a little with capital (relative to the type's usual); some enterprises are dormant.
    r = rng(1)
    revenue_per_head = per_code([p.revenue_per_head for p in profiles]) * np.asarray(_TYPE_REVENUE)[kind]
    capital = base["registered_capital"].fill_null(0.0).cast(pl.Float64).to_numpy()
    usual = np.asarray([median for median, _ in _CAPITAL_LOGNORMAL])[kind]
    capital_factor = np.clip(capital / usual, 0.05, 50.0) ** 0.15
    del capital, usual
    revenue = staff * revenue_per_head * capital_factor * np.exp(0.7 * r.standard_normal(n)) * active
    revenue = _money(np.where(r.random(n) < 0.08, 0.0, revenue))
    del revenue_per_head, capital_factor

    # 企业规模: each of staff and revenue must reach a tier's lower bound; the lower of the two tiers counts.
    staff_bounds = np.asarray([p.staff_bounds for p in profiles], dtype=np.float64).reshape(-1, 3)[ind]
    revenue_bounds = np.asarray([p.revenue_bounds for p in profiles], dtype=np.float64).reshape(-1, 3)[ind]
    tier = np.minimum(_tiers(staff, staff_bounds), _tiers(revenue, revenue_bounds))
    del staff_bounds, revenue_bounds

    r = rng(2)
    # 四上: reaching the threshold; the statistics catch all industrial enterprises, fewer of the others.
    caught = np.where(per_code([p.industrial for p in profiles]) > 0, 1.0, 0.4)
    reaches = (revenue >= per_code([p.above_scale_from for p in profiles])) & (revenue > 0)
    above = ~individual & reaches & (r.random(n) < caught)
    del caught, reaches
    first_year = founded_year + np.floor(r.random(n) * (year - founded_year + 1)).astype(np.int64)
    first_year = np.clip(first_year, founded_year, year)

    r = rng(3)
    dishonest = r.random(n) < 0.01
    violation = r.random(n) < np.where(dishonest, 0.25, 0.008)

    # 高新技术企业: companies in business for a year or more, with a few staff; 专精特新: SMEs, often high-tech.
    r = rng(4)
    eligible = company & (founded < start - 365) & (staff >= 3) & (revenue > 0)
    high_tech_odds = per_code([p.high_tech for p in profiles]) * np.where(kind == _JSC, 2.0, 1.0)
    high_tech = eligible & (r.random(n) < high_tech_odds)
    specialized_odds = np.where(high_tech, 0.22, np.where(per_code([p.high_tech for p in profiles]) > 0.1, 0.02, 0.003))
    specialized = eligible & (tier < 3) & (r.random(n) < specialized_odds)
    del high_tech_odds, specialized_odds, eligible

    # R&D: high-tech enterprises spend at least the certificate's share (5% / 4% / 3% by revenue).
    r = rng(5)
    required = np.where(revenue < 5000, 0.05, np.where(revenue < 20000, 0.04, 0.03))
    ratio = np.where(r.random(n) < per_code([p.research for p in profiles]), 0.002 + 0.04 * r.random(n) ** 2, 0.0)
    ratio = np.where(specialized, 0.03 + 0.04 * r.random(n), ratio)
    ratio = np.where(high_tech, required + 0.05 * r.random(n), ratio)
    rd = _money(np.where(individual, 0.0, revenue * ratio))
    del required, ratio

    # Taxes: a share of revenue by industry; small taxpayers mostly exempt; some pay nothing at all.
    r = rng(6)
    rate = per_code([p.tax_rate for p in profiles]) * np.exp(0.5 * r.standard_normal(n))
    rate = np.where(revenue < 120, rate * 0.25, rate)
    tax = _money(np.where(r.random(n) < 0.1, 0.0, np.minimum(revenue * rate, revenue)))
    del rate

    # 纳税信用: new taxpayers M, big ones more often A, the dishonest D.
    r = rng(7)
    group = np.where(new, 0, np.where(individual, 3, np.where(revenue >= 1000, 1, 2)))
    credit_weights = ((2, 3, 95, 0, 0), (30, 60, 2, 5, 3), (10, 60, 20, 6, 4), (3, 55, 35, 4, 3))
    credit = _grouped(r, group.astype(np.int8), credit_weights)
    credit = np.where(dishonest & (r.random(n) < 0.8), TAX_CREDITS.index("D"), credit)
    del group

    # Social insurance: a share of the staff, on a wage base of 4.8-6.15 万元 a year each (1.22-1.6 万元 paid).
    r = rng(8)
    insured = r.binomial(staff, np.asarray(_INSURED_SHARE)[kind]).astype(np.int64)
    insured = np.where(company & (r.random(n) < 0.08), 0, insured)  # insure nobody
    wage_base = insured * (4.8 + 1.35 * r.random(n)) * active
    social = _money(wage_base * (0.255 + 0.005 * r.random(n)))
    unemployment = _money(wage_base * (0.005 + 0.002 * r.random(n)))
    del wage_base

    r = rng(9)
    hires = np.where(new, insured, r.binomial(insured, 0.18)).astype(np.int64)
    hires = np.where(founded >= end, 0, hires)
    key_hires = r.binomial(hires, 0.12).astype(np.int64)
    layoffs = (insured > 0) & ~new & (r.random(n) < 0.12)
    layoff_rate = np.where(layoffs, np.round(30.0 * r.random(n) ** 2, 2), 0.0)
    del layoffs

    # 创业担保贷款: young small businesses; individuals up to 30 万元, small enterprises up to 300 万元.
    r = rng(10)
    young_small = (tier <= 1) & (founded_year >= year - 4) & (founded < end)
    borrows = r.random(n) < np.where(young_small, np.where(individual, 0.04, 0.02), 0.002) * (tier <= 1)
    amount = np.where(
        individual, np.array([10.0, 15.0, 20.0, 30.0])[r.integers(0, 4, n)], 50.0 + 10.0 * r.integers(0, 26, n)
    )
    loan = np.where(borrows, amount, 0.0)
    del young_small, borrows, amount

    # Exports (万美元): a share of revenue for a few, mostly manufacturers.
    r = rng(11)
    exports = r.random(n) < per_code([p.export for p in profiles]) * np.where(individual, 0.2, 1.0)
    export = _money(np.where(exports, revenue / 7.1 * (0.05 + 0.65 * r.random(n)), 0.0))
    del exports

    return {
        "scale": tier,
        "revenue": revenue,
        "above_scale": above,
        "above_scale_year": first_year,
        "tax_paid": tax,
        "tax_credit": credit,
        "rd_expense": rd,
        "insured_staff": insured,
        "social_insurance_paid": social,
        "unemployment_insurance_paid": unemployment,
        "new_hires": hires,
        "key_group_hires": key_hires,
        "layoff_rate": layoff_rate,
        "guaranteed_loan": loan,
        "high_tech": high_tech,
        "specialized": specialized,
        "export_value": export,
        "dishonest": dishonest,
        "major_violation": violation,
    }


# ---------------------------------------------------------------------------------------------------------------
# 电子证照


def _license_odds(code: str) -> dict[str, tuple[float, float]]:
    """Chance of holding each license type beyond the business license: (fewer than 10 staff, 10 or more)."""
    if code.startswith("H62"):  # restaurants, tea houses, snack bars
        return {"food_business_permit": (0.95, 0.98), "fire_safety_check_certificate": (0.3, 0.85)}
    if code.startswith("H61"):  # lodging
        return {
            "special_trade_permit_hotel": (0.95, 0.97),
            "public_place_health_permit": (0.9, 0.95),
            "fire_safety_check_certificate": (0.6, 0.9),
            "food_business_permit": (0.1, 0.4),
        }
    if code.startswith("F5251"):  # pharmacies
        return {
            "drug_retail_license": (0.95, 0.97),
            "medical_device_filing_certificate": (0.5, 0.8),
            "food_business_permit": (0.3, 0.5),
        }
    if code.startswith("F521"):  # supermarkets, convenience stores
        return {
            "food_business_permit": (0.9, 0.95),
            "tobacco_retail_license": (0.6, 0.7),
            "fire_safety_check_certificate": (0.05, 0.5),
        }
    if code.startswith("F522"):  # food, fruit and drink shops
        return {"food_business_permit": (0.6, 0.7), "tobacco_retail_license": (0.15, 0.2)}
    if code.startswith("F52"):
        return {"food_business_permit": (0.05, 0.05), "tobacco_retail_license": (0.03, 0.03)}
    if code.startswith("F512"):  # food wholesale
        return {"food_business_permit": (0.4, 0.6)}
    if code.startswith("G54"):  # road transport
        return {
            "road_transport_permit": (0.9, 0.95),
            "road_transport_certificate": (0.85, 0.95),
            "vehicle_license": (0.9, 0.95),
        }
    if code.startswith("O804"):  # hairdressers, beauty parlours
        return {"public_place_health_permit": (0.7, 0.85)}
    if code.startswith("E"):
        return {"vehicle_license": (0.1, 0.4)}
    return {}


def licenses_column(base: pl.DataFrame, *, seed: int) -> pl.Series:
    """The license types (``LICENSES`` codes) each enterprise of ``base`` holds, by industry: a List(String).

    ``base`` needs industry; status and staff_count are used when present. Every active (存续) enterprise
    holds a business license; enterprises no longer active hold nothing; a missing status reads as active.
    """
    _check_frame(base, ("industry",))
    _check_seed(seed)
    n = base.height
    codes, ind = _index(base["industry"])
    odds = np.zeros((len(codes), len(LICENSES), 2), dtype=np.float64)
    for i, code in enumerate(codes):
        for name, pair in _license_odds(code).items():
            odds[i, LICENSES.index(name)] = pair
    big: Idx = np.zeros(n, dtype=np.int8)  # 1: ten staff or more
    if "staff_count" in base.columns:
        big = (base["staff_count"].fill_null(0).to_numpy() >= 10).astype(np.int8)
    if "status" in base.columns:
        active = (base["status"].fill_null(ACTIVE) == ACTIVE).to_numpy()
    else:
        active = np.ones(n, dtype=np.bool_)

    held = np.where(active, 1, 0).astype(np.int64)  # bit k: holds LICENSES[k]
    for k in range(1, len(LICENSES)):
        if odds[:, k].any():
            rng = _rng(seed, _LICENSE_STREAM, k)
            held |= (active & (rng.random(n) < odds[ind, k, big])).astype(np.int64) << k
    # Few distinct sets: build each once, then gather (strings are shared, not copied, per row).
    counts = np.bincount(held, minlength=1 << len(LICENSES))
    present = np.flatnonzero(counts)
    slot = np.zeros(len(counts), dtype=np.int64)
    slot[present] = np.arange(len(present))
    sets = [[name for k, name in enumerate(LICENSES) if mask >> k & 1] for mask in present.tolist()]
    return pl.Series("licenses", sets, dtype=pl.List(pl.String)).gather(slot[held])


# ---------------------------------------------------------------------------------------------------------------
# All together


def enterprises(n: int, *, seed: int, regions: Sequence[str], as_of: dt.date, missing: float = 0.03) -> pl.DataFrame:
    """``n`` enterprises with every attribute but the derived years_operating, plus founded_on.

    The facts are those of the year before ``as_of`` (上年度); ``missing`` is the share of unknown facts.
    """
    base = base_frame(n, seed=seed, regions=regions, as_of=as_of)
    facts = facts_frame(base, year=as_of.year - 1, seed=seed, missing=missing)
    licenses = licenses_column(base, seed=seed)
    return base.hstack(facts.drop("credit_code")).with_columns(licenses)
