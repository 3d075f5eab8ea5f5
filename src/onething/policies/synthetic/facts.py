"""The departments' yearly facts (统计、税务、人社、科技、信用…) of given enterprises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from onething.policies.attributes import ATTRIBUTES
from onething.policies.bulk import DTYPES
from onething.policies.synthetic.common import (
    _CAPITAL_LOGNORMAL,
    _EPOCH,
    _FACTS,
    _INSURED_SHARE,
    _TYPE_INDEX,
    _TYPE_REVENUE,
    F64,
    FACT_COLUMNS,
    I64,
    SCALES,
    TAX_CREDITS,
    _check_frame,
    _check_seed,
    _days,
    _grouped,
    _index,
    _money,
    _rng,
)
from onething.sharing.generate.vocabulary import (
    _COOP,
    _INDIVIDUAL,
    _JSC,
)


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
