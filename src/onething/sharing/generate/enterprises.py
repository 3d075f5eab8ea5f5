"""Synthetic enterprises (法人库)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from onething.kit import clock
from onething.sharing.generate.checks import _CREDIT_ALPHABET, _credit_sum, _org_check, _org_sum
from onething.sharing.generate.model import EnterpriseRow, RegionSeed
from onething.sharing.generate.pools import _Pools, _pools
from onething.sharing.generate.slots import (
    _BODIES,
    _CHUNK_BITS,
    _REPS,
    _check_range,
    _Ids,
    _ids,
    _multiplier,
    _regions,
    _rng,
)
from onething.sharing.generate.vocabulary import (
    _FOUNDED_FROM,
    _INDIVIDUAL,
    _INDUSTRIES,
    _MA_START,
    _TYPE_CODE_PREFIX,
    _TYPE_FROM,
    _TYPES,
)

_B31_3 = 31**3


@dataclass(frozen=True, slots=True)
class _Bodies:
    mult: int
    offset: int
    mix: list[int]  # 10000 random values for the two-round scramble of the index halves
    four: list[str]  # "0000".."9999"
    four_org: tuple[list[int], list[int]]  # GB 11714 partial sums of 4 digits at positions 0-3 / 4-7
    four_credit: tuple[list[int], list[int]]  # GB 32100 partial sums at positions 8-11 / 12-15
    ma_high: list[str]  # "MA" + 3 base-31 characters, by p // 31**3
    ma_high_org: list[int]
    ma_high_credit: list[int]
    b31: list[str]  # 3 base-31 characters, by p % 31**3
    b31_org: list[int]
    b31_credit: list[int]
    org_check: list[str]  # by organisation sum mod 11
    org_check_credit: list[int]  # credit contribution of that check character at position 16
    credit_check: list[str]  # by credit sum mod 31
    type_sums: list[int]  # credit contribution of the 2-character prefix by type


@lru_cache(maxsize=1)
def _bodies() -> _Bodies:
    rng = random.Random("onething.sharing.generate:bodies")
    four = [f"{k:04d}" for k in range(10000)]
    alphabet = _CREDIT_ALPHABET
    b31 = [alphabet[k // 961] + alphabet[k // 31 % 31] + alphabet[k % 31] for k in range(_B31_3)]
    ma_high = ["MA" + b31[k] for k in range(_BODIES // _B31_3 + 1)]
    org_check = [_org_check(k) for k in range(11)]
    return _Bodies(
        mult=_multiplier(_BODIES),
        offset=_BODIES // 7,
        mix=[rng.randrange(10000) for _ in range(10000)],
        four=four,
        four_org=([_org_sum(f, 0) for f in four], [_org_sum(f, 4) for f in four]),
        four_credit=([_credit_sum(f, 8) for f in four], [_credit_sum(f, 12) for f in four]),
        ma_high=ma_high,
        ma_high_org=[_org_sum(h, 0) for h in ma_high],
        ma_high_credit=[_credit_sum(h, 8) for h in ma_high],
        b31=b31,
        b31_org=[_org_sum(b, 5) for b in b31],
        b31_credit=[_credit_sum(b, 13) for b in b31],
        org_check=org_check,
        org_check_credit=[_credit_sum(c, 16) for c in org_check],
        credit_check=[alphabet[(31 - k) % 31] for k in range(31)],
        type_sums=[_credit_sum(p, 0) for p in _TYPE_CODE_PREFIX],
    )


@dataclass(frozen=True, slots=True)
class _Founding:
    today: int
    first: int  # ordinal of _FOUNDED_FROM
    dates: list[dt.date]  # by ordinal - first
    pool: list[int]  # 8192 ordinals, more recent years more likely


@lru_cache(maxsize=4)
def _founding(today: dt.date) -> _Founding:
    rng = random.Random(f"founding:{today.isoformat()}")
    first, last = _FOUNDED_FROM.toordinal(), today.toordinal()
    years = range(_FOUNDED_FROM.year, today.year + 1)
    weights = [(y - _FOUNDED_FROM.year + 2) ** 2 for y in years]
    pool = []
    for y in rng.choices(years, weights, k=8192):
        lo = max(first, dt.date(y, 1, 1).toordinal())
        hi = min(last, dt.date(y, 12, 31).toordinal())
        pool.append(rng.randint(lo, hi))
    return _Founding(last, first, [dt.date.fromordinal(o) for o in range(first, last + 1)], pool)


def enterprises(
    regions: Sequence[RegionSeed], count: int, *, seed: int = 0, start: int = 0, today: dt.date | None = None
) -> Iterator[EnterpriseRow]:
    """Rows ``start .. start+count-1`` of the legal-person library, in ``ENTERPRISE_COLUMNS`` order.

    The legal representative of enterprise ``i`` is a person of their own slot space (sequence numbers
    900-999, ages 22-75): never equal to anyone from ``people()`` and one per enterprise.
    """
    regs = _regions(regions)
    _check_range(count, start)
    day = today or clock.today()
    if day < dt.date(2008, 1, 1):
        raise ValueError("today is too early for these legal forms")
    reps = _ids(regs, day, _REPS)
    if start + count > min(reps.size, _BODIES):
        raise ValueError(f"{len(regs)} regions hold at most {min(reps.size, _BODIES)} enterprises")
    return _enterprises(reps, _bodies(), _founding(day), _pools(), seed, start, start + count)


def _enterprises(
    reps: _Ids, b: _Bodies, f: _Founding, pools: _Pools, seed: int, start: int, stop: int
) -> Iterator[EnterpriseRow]:
    nreg, days, size, mult, offset = reps.nreg, reps.days, reps.size, reps.mult, reps.offset
    codes, region_sums, prefixes, cities = reps.codes, reps.region_sums, reps.prefixes, reps.cities
    residue_shift, region_shift = reps.residue_shift, reps.region_shift
    date_strs, date_sums, name_pool, adult, tails = (
        reps.date_strs,
        reps.date_sums,
        reps.name_pool,
        reps.adult,
        reps.tails,
    )
    body_mult, body_offset, mix, four = b.mult, b.offset, b.mix, b.four
    org_hi, org_lo = b.four_org
    cr_hi, cr_lo = b.four_credit
    ma_high, ma_high_org, ma_high_credit, b31, b31_org, b31_credit = (
        b.ma_high,
        b.ma_high_org,
        b.ma_high_credit,
        b.b31,
        b.b31_org,
        b.b31_credit,
    )
    org_check, org_check_credit, credit_check, type_sums = b.org_check, b.org_check_credit, b.credit_check, b.type_sums
    today, first, founded_dates, founded_pool = f.today, f.first, f.dates, f.pool
    recent = today - 365
    surnames, given, trades = pools.surnames, pools.given, pools.trades
    type_pool, industry_pools, suffixes = pools.types, pools.industries, pools.suffixes
    capital, staff, status = pools.capital, pools.staff, pools.status
    business, rural = pools.business_tails, pools.rural_tails
    region_sums_31 = [_credit_sum(c, 2) for c in codes]
    industries = [ind.code for ind in _INDUSTRIES]
    farming = [ind.code.startswith("A") for ind in _INDUSTRIES]
    type_names, type_prefixes, type_from = _TYPES, _TYPE_CODE_PREFIX, _TYPE_FROM
    i = start
    while i < stop:
        chunk = i >> _CHUNK_BITS
        bits = _rng(seed, 2, chunk).getrandbits
        for _ in range(5 * (i - (chunk << _CHUNK_BITS))):
            bits(30)
        end = min(stop, (chunk + 1) << _CHUNK_BITS)
        rep_base = ((i - 1) * mult + offset) % size
        body_base = ((i - 1) * body_mult + body_offset) % _BODIES
        for _ in range(i, end):
            r1 = bits(30)  # 10 bits type, 10 bits industry, 10 bits surname
            r2 = bits(30)  # 12 bits given name, 13 bits founding date, 2 bits name ending
            r3 = bits(30)  # 10 bits founding delay, 13 bits trade name, 6 bits status
            r4 = bits(30)  # 13 bits address, 15 bits region
            r5 = bits(30)  # 6 bits capital, 8 bits staff, 4 bits "X记"
            kind = type_pool[r1 & 1023]
            ind = industry_pools[kind][(r1 >> 10) & 1023]
            # The legal representative: slot j of the representatives' space (permuted, keyed shifts).
            rep_base += mult
            if rep_base >= size:
                rep_base -= size
            q = rep_base // nreg
            s = q // days
            res = q - s * days + residue_shift[s]
            if res >= days:
                res -= days
            rreg = rep_base - q * nreg + region_shift[res]
            if rreg >= nreg:
                rreg -= nreg
            rep_id = codes[rreg] + date_strs[res] + tails[s * 22 + region_sums[rreg] + date_sums[res]]
            surname = surnames[r1 >> 20]
            rep_name = surname + given[name_pool[res] + (s & 1)][r2 & 4095]
            # Founded once the legal form existed and the representative came of age, never in the future.
            founded = founded_pool[(r2 >> 12) & 8191]
            if founded < type_from[kind]:
                founded = type_from[kind] + (founded - first) % (today + 1 - type_from[kind])
            if founded < adult[res]:
                founded = adult[res] + (r3 & 1023)
                if founded > today:
                    founded = today
            # Organisation-code body: index j permuted below 10**8, then a two-round keyed mix of its halves.
            body_base += body_mult
            if body_base >= _BODIES:
                body_base -= _BODIES
            hi = body_base // 10000
            lo = body_base - hi * 10000 + mix[hi]
            if lo >= 10000:
                lo -= 10000
            hi += mix[lo]
            if hi >= 10000:
                hi -= 10000
            if founded >= _MA_START:
                p = hi * 10000 + lo
                h3 = p // _B31_3
                l3 = p - h3 * _B31_3
                body = ma_high[h3] + b31[l3]
                oc = (ma_high_org[h3] + b31_org[l3]) % 11
                csum = ma_high_credit[h3] + b31_credit[l3]
            else:
                body = four[hi] + four[lo]
                oc = (org_hi[hi] + org_lo[lo]) % 11
                csum = cr_hi[hi] + cr_lo[lo]
            reg = (r4 >> 15) % nreg
            code = codes[reg]
            credit = (
                type_prefixes[kind]
                + code
                + body
                + org_check[oc]
                + credit_check[(type_sums[kind] + region_sums_31[reg] + csum + org_check_credit[oc]) % 31]
            )
            trade = trades[(r3 >> 10) & 8191]
            if kind == _INDIVIDUAL and r5 >> 14 & 15 == 0:
                trade = surname + "记"
            yield (
                credit,
                cities[reg] + trade + suffixes[kind][ind][r2 >> 25 & 3],
                type_names[kind],
                rep_id,
                rep_name,
                code,
                prefixes[reg] + (rural if farming[ind] else business)[r4 & 8191],
                industries[ind],
                capital[kind][r5 & 63],
                founded_dates[founded - first],
                staff[kind][(r5 >> 6) & 255],
                status[r3 >> 23 & 63] if founded < recent else "存续",
            )
        i = end
