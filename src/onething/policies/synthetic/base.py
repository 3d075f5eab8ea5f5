"""法人库 columns: credit codes, regions, industries, legal forms, capital, founding, staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from onething.kit.validators import ORG_CODE_WEIGHTS
from onething.policies.synthetic.common import (
    _BASE,
    _CAPITAL_LOGNORMAL,
    _CREDIT_ASCII,
    _CREDIT_VALUE,
    _CREDIT_WEIGHTS,
    _EARLIEST_AS_OF,
    _EPOCH,
    _GROWTH_ORIGIN,
    _ORG_VALUE,
    _STAFF_LOGNORMAL,
    _STAFF_TAIL,
    _STATUS_WEIGHTS,
    F64,
    I64,
    MAX_ROWS,
    STATUSES,
    Idx,
    Mask,
    _categorical,
    _check_seed,
    _grouped,
    _lognormal,
    _rng,
)
from onething.sharing.generate.vocabulary import (
    _INDIVIDUAL,
    _INDUSTRIES,
    _MA_START,
    _TYPE_CODE_PREFIX,
    _TYPE_FROM,
    _TYPE_WEIGHTS,
    _TYPES,
)


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
