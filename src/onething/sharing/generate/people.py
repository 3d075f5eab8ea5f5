"""Synthetic people (人口库)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from onething.kit import clock
from onething.sharing.generate.model import PersonRow, RegionSeed
from onething.sharing.generate.pools import _Pools, _pools
from onething.sharing.generate.slots import _CHUNK_BITS, _GENDERS, _PEOPLE, _check_range, _Ids, _ids, _regions, _rng


def people(
    regions: Sequence[RegionSeed], count: int, *, seed: int = 0, start: int = 0, today: dt.date | None = None
) -> Iterator[PersonRow]:
    """Rows ``start .. start+count-1`` of the population library, in ``PERSON_COLUMNS`` order."""
    regs = _regions(regions)
    _check_range(count, start)
    day = today or clock.today()
    if day.toordinal() - _PEOPLE.days < dt.date(1900, 1, 1).toordinal():
        raise ValueError("today is too early: birth dates would fall before 1900")
    ids = _ids(regs, day, _PEOPLE)
    if (start + count) * _PEOPLE.tries > ids.size:
        raise ValueError(f"{len(regs)} regions hold at most {ids.size // _PEOPLE.tries} people")
    return _people(ids, _pools(), seed, start, start + count)


def _people(ids: _Ids, pools: _Pools, seed: int, start: int, stop: int) -> Iterator[PersonRow]:
    # Hot loop: everything is bound to locals, random draws are 30-bit (one-digit) ints.
    nreg, days, size, mult = ids.nreg, ids.days, ids.size, ids.mult
    stride = mult * _PEOPLE.tries % size
    last_try = _PEOPLE.tries - 1
    codes, region_sums, prefixes = ids.codes, ids.region_sums, ids.prefixes
    residue_shift, region_shift = ids.residue_shift, ids.region_shift
    dates, date_strs, date_sums, name_pool, accept, tails = (
        ids.dates,
        ids.date_strs,
        ids.date_sums,
        ids.name_pool,
        ids.accept,
        ids.tails,
    )
    surnames, given, phones, four, home = pools.surnames, pools.given, pools.phones, pools.four_digits, pools.home_tails
    genders = _GENDERS
    i = start
    while i < stop:
        chunk = i >> _CHUNK_BITS
        bits = _rng(seed, 1, chunk).getrandbits
        for _ in range(3 * (i - (chunk << _CHUNK_BITS))):
            bits(30)
        end = min(stop, (chunk + 1) << _CHUNK_BITS)
        # First candidate slot of row j: (j * K * mult + offset) mod size, advanced by `stride` per row.
        base = ((i - 1) * stride + ids.offset) % size
        for _ in range(i, end):
            r1 = bits(30)  # 3 x 6 bits for the age test, 12 bits given name
            r2 = bits(30)  # 10 bits surname, 13 bits address
            r3 = bits(30)  # 14 + 14 bits phone
            base += stride
            if base >= size:
                base -= size
            x = base
            q = x // nreg
            s = q // days
            res = q - s * days + residue_shift[s]  # keyed shift of the residue by the sequence: bijective
            if res >= days:
                res -= days
            if r1 & 63 >= accept[res]:  # rejected by the age pyramid: next candidate slot of this row
                k = 1
                while True:
                    x += mult
                    if x >= size:
                        x -= size
                    q = x // nreg
                    s = q // days
                    res = q - s * days + residue_shift[s]
                    if res >= days:
                        res -= days
                    if k == last_try or (r1 >> (6 * k)) & 63 < accept[res]:
                        break
                    k += 1
            reg = x - q * nreg + region_shift[res]  # keyed shift of the region by the residue: bijective
            if reg >= nreg:
                reg -= nreg
            male = s & 1
            code = codes[reg]
            yield (
                code + date_strs[res] + tails[s * 22 + region_sums[reg] + date_sums[res]],
                surnames[r2 & 1023] + given[name_pool[res] + male][r1 >> 18],
                genders[male],
                dates[res],
                code,
                prefixes[reg] + home[r2 >> 10 & 8191],
                phones[r3 & 16383] + four[r3 >> 14 & 16383],
            )
        i = end
