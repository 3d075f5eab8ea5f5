"""Identity slot spaces and their tables (per set of regions and per ``today``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import gcd

from onething.kit.validators import (
    region_code,
)
from onething.sharing.generate.checks import _ID_ALPHABET, _id_sum
from onething.sharing.generate.model import RegionSeed
from onething.sharing.generate.vocabulary import _AGE_BANDS

_BODIES = 100_000_000  # organisation-code bodies: enterprise indexes 0 .. 10**8-1


@dataclass(frozen=True, slots=True)
class _Space:
    name: str
    seq_base: int  # first 3-digit sequence number (even, so parity = gender)
    seq_count: int
    days: int  # length of the birth-date window
    youngest: int  # days between `today` and the latest birth date of the window
    tries: int  # candidate slots per row (age-pyramid shaping by rejection)


_PEOPLE = _Space("people", 0, 900, 35_040, 0, 4)  # ages 0-95
_REPS = _Space("reps", 900, 100, 19_710, 8_036, 1)  # ages 22-75, uniform


@dataclass(frozen=True, slots=True)
class _Ids:
    nreg: int
    days: int
    size: int  # nreg * days * seq_count
    mult: int  # permutation multiplier, coprime with size
    offset: int
    codes: list[str]
    region_sums: list[int]  # ID-number check contribution of the region code, mod 11
    prefixes: list[str]  # address prefixes
    cities: list[str]  # address prefix without the province, for enterprise names
    residue_shift: list[int]  # by sequence index: added to the residue (mod days)
    region_shift: list[int]  # by residue: added to the region index (mod nreg)
    # By residue (birth ordinal mod days):
    dates: list[dt.date]
    date_strs: list[str]
    date_sums: list[int]
    name_pool: list[int]  # era * 2
    accept: list[int]  # 0..64: accepted when 6 random bits are below
    adult: list[int]  # ordinal of the 18th birthday (or later)
    tails: list[str]  # [seq * 22 + region_sum + date_sum] -> sequence digits + check character


def _multiplier(m: int) -> int:
    a = int(m * 0.6180339887498949) | 1
    while gcd(a, m) != 1:
        a += 2
    return a % m


def _age_weight(age: int) -> float:
    return _AGE_BANDS[min(age // 5, len(_AGE_BANDS) - 1)]


def _era(year: int) -> int:
    return 0 if year < 1960 else 1 if year < 1980 else 2 if year < 2000 else 3


@lru_cache(maxsize=8)
def _ids(regions: tuple[RegionSeed, ...], today: dt.date, space: _Space) -> _Ids:
    nreg, days, nseq = len(regions), space.days, space.seq_count
    size = nreg * days * nseq
    rng = random.Random(f"{space.name}:{nreg}")  # keyed shifts depend on the space and region count only
    t = today.toordinal()
    latest = t - space.youngest
    first = dt.date.fromordinal(latest - days + 1)
    dates = [first] * days
    date_strs = [""] * days
    date_sums = [0] * days
    name_pool = [0] * days
    accept = [64] * days
    adult = [0] * days
    year_sums: dict[int, int] = {}
    md_sums: dict[tuple[int, int], int] = {}
    day = first
    one = dt.timedelta(days=1)
    for o in range(latest - days + 1, latest + 1):
        k = o % days
        y, m, d = day.year, day.month, day.day
        if y not in year_sums:
            year_sums[y] = _id_sum(f"{y:04d}", 6)
        if (m, d) not in md_sums:
            md_sums[m, d] = _id_sum(f"{m:02d}{d:02d}", 10)
        dates[k] = day
        date_strs[k] = f"{y:04d}{m:02d}{d:02d}"
        date_sums[k] = (year_sums[y] + md_sums[m, d]) % 11
        name_pool[k] = _era(y) * 2
        if space.tries > 1:
            accept[k] = round(64 * _age_weight((t - o) * 4 // 1461))
        adult[k] = o + 6575  # 18 years hold at most 5 leap days
        day += one
    tails: list[str] = []
    for s in range(nseq):
        digits = f"{space.seq_base + s:03d}"
        own = _id_sum(digits, 14)
        tails.extend(digits + _ID_ALPHABET[(k + own) % 11] for k in range(22))
    return _Ids(
        nreg=nreg,
        days=days,
        size=size,
        mult=_multiplier(size),
        offset=size // 3,
        codes=[r.code for r in regions],
        region_sums=[_id_sum(r.code, 0) for r in regions],
        prefixes=[r.address_prefix for r in regions],
        cities=[r.address_prefix.split("省", 1)[-1] for r in regions],
        residue_shift=[rng.randrange(days) for _ in range(nseq)],
        region_shift=[rng.randrange(nreg) for _ in range(days)],
        dates=dates,
        date_strs=date_strs,
        date_sums=date_sums,
        name_pool=name_pool,
        accept=accept,
        adult=adult,
        tails=tails,
    )


def _regions(regions: Sequence[RegionSeed]) -> tuple[RegionSeed, ...]:
    if not regions:
        raise ValueError("at least one region is needed")
    ordered = tuple(sorted(regions, key=lambda r: r.code))
    for r in ordered:
        region_code(r.code)
        if len(r.code) != 6 or not r.address_prefix:
            raise ValueError(f"bad region seed {r!r}")
    if len({r.code for r in ordered}) != len(ordered):
        raise ValueError("region codes must be distinct")
    return ordered


def _check_range(count: int, start: int) -> None:
    if count < 0 or start < 0:
        raise ValueError("count and start must not be negative")


def capacity(regions: Sequence[RegionSeed]) -> tuple[int, int]:
    """How many people and how many enterprises these regions can hold (rows ``0 .. n-1``)."""
    n = len(_regions(regions))
    people_max = n * _PEOPLE.days * _PEOPLE.seq_count // _PEOPLE.tries
    return people_max, min(n * _REPS.days * _REPS.seq_count, _BODIES)


def _rng(seed: int, stream: int, chunk: int) -> random.Random:
    return random.Random(((seed & 0xFFFF_FFFF_FFFF_FFFF) << 72) | (stream << 64) | chunk)


_CHUNK_BITS = 12  # rows share one random.Random per chunk of 4096; row i's bits depend on i only
_GENDERS = ("female", "male")
