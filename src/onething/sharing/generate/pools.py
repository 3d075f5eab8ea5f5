"""Pools: flat lists indexed by random bits, built once (they do not depend on the seed)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from onething.sharing.generate.vocabulary import (
    _BUILDINGS,
    _CAPITAL,
    _DOUBLED,
    _ESTATE_SUFFIXES,
    _ESTATES,
    _GIVEN,
    _INDIVIDUAL,
    _INDUSTRIES,
    _JSC,
    _LLC,
    _NEUTRAL_SECONDS,
    _PARTNER,
    _PHONE_PREFIXES,
    _ROAD_SUFFIXES,
    _ROADS,
    _SOLE,
    _STAFF,
    _STATUS,
    _SURNAMES,
    _TOWNS,
    _TRADE_CHARS,
    _TYPE_WEIGHTS,
    _TYPES,
    _VILLAGES,
    _Industry,
)


def _weighted(items: Sequence[tuple[str, int]], size: int) -> list[str]:
    """Exactly ``size`` entries in proportion to the weights (largest remainder), interleaved."""
    total = sum(w for _, w in items)
    counts = [w * size // total for _, w in items]
    rest = sorted(range(len(items)), key=lambda k: -(items[k][1] * size % total))
    for k in rest[: size - sum(counts)]:
        counts[k] += 1
    out = [v for (v, _), n in zip(items, counts, strict=True) for _ in range(n)]
    random.Random(size).shuffle(out)
    return out


def _weighted_ints(weights: Sequence[int], size: int) -> list[int]:
    return [int(v) for v in _weighted([(str(k), w) for k, w in enumerate(weights)], size)]


@dataclass(frozen=True, slots=True)
class _Pools:
    surnames: list[str]  # 1024
    given: list[list[str]]  # [era * 2 + (1 if male else 0)] -> 4096
    phones: list[str]  # 16384 first 7 digits of mobile numbers
    four_digits: list[str]  # 16384, "0000".."9999" repeated
    home_tails: list[str]  # 8192 street parts of home addresses
    business_tails: list[str]  # 8192 street parts of business addresses
    rural_tails: list[str]  # 8192 village addresses
    trades: list[str]  # 8192 trade names of 2-3 characters
    types: list[int]  # 1024
    industries: list[list[int]]  # by type -> 1024 indexes into _INDUSTRIES
    suffixes: list[list[tuple[str, str, str, str]]]  # [type][industry] -> 4 name endings
    capital: list[list[Decimal]]  # by type -> 64
    staff: list[list[int]]  # by type -> 256
    status: list[str]  # 64


def _given_pool(rng: random.Random, era: int, gender: str) -> list[str]:
    singles, firsts, seconds, single_share = _GIVEN[(era, gender)]
    seconds += _NEUTRAL_SECONDS[: len(_NEUTRAL_SECONDS) // 2]
    out = []
    for _ in range(4096):
        if rng.random() < single_share:
            out.append(rng.choice(singles))
        else:
            if gender == "female" and era >= 2 and rng.random() < 0.05:
                out.append(rng.choice(_DOUBLED) * 2)  # 婷婷, 丹丹
            else:
                out.append(rng.choice(firsts) + rng.choice(seconds))
    return out


def _house_number(rng: random.Random, top: int) -> int:
    return 1 + int((top - 1) * rng.random() ** 2)


def _road(rng: random.Random, suffixes: list[str]) -> str:
    return rng.choice(_ROADS) + rng.choice(suffixes)


def _home_tail(rng: random.Random, road_suffixes: list[str], estate_suffixes: list[str]) -> str:
    street = f"{_road(rng, road_suffixes)}{_house_number(rng, 600)}号"
    if rng.random() < 0.45:
        return street
    floor = 1 + int(32 * rng.random() ** 1.3)
    room = f"{floor}{rng.randint(1, 4):02d}"
    estate = rng.choice(_ESTATES) + rng.choice(estate_suffixes)
    return f"{street}{estate}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{room}室"


def _business_tail(rng: random.Random, road_suffixes: list[str]) -> str:
    street = f"{_road(rng, road_suffixes)}{_house_number(rng, 800)}号"
    u = rng.random()
    if u < 0.45:
        return street
    if u < 0.70:
        return f"{street}{rng.choice(_ESTATES)}{rng.choice(_BUILDINGS)}{rng.randint(2, 28)}楼"
    if u < 0.85:
        return f"{street}{rng.randint(1, 30)}号门面"
    room = f"{rng.randint(1, 26)}{rng.randint(1, 20):02d}"
    return f"{street}{rng.choice(_ESTATES)}{rng.choice(_BUILDINGS)}{rng.randint(1, 9)}栋{room}室"


def _rural_tail(rng: random.Random) -> str:
    town = rng.choice(_TOWNS) + ("镇" if rng.random() < 0.75 else "乡")
    return f"{town}{rng.choice(_VILLAGES)}村{rng.randint(1, 15)}组{_house_number(rng, 120)}号"


def _trade(rng: random.Random) -> str:
    a, b, c = rng.sample(_TRADE_CHARS, 3)
    return a + b + c if rng.random() < 0.25 else a + b


def _suffixes(kind: int, ind: _Industry) -> tuple[str, str, str, str]:
    w = ind.words
    if kind == _LLC:
        ends = [w[k % len(w)] + "有限公司" for k in range(3)] + [w[0] + "有限责任公司"]
    elif kind == _JSC:
        ends = [w[k % len(w)] + "股份有限公司" for k in range(4)]
    elif kind == _SOLE:
        ends = [ind.shops[k % len(ind.shops)] for k in range(3)] if ind.shops else [w[0] + "中心"] * 3
        ends.append(w[0] + "经营部")
    elif kind == _PARTNER:
        ends = [
            w[0] + "中心（有限合伙）",
            w[-1] + "合伙企业（有限合伙）",
            w[0] + "中心（普通合伙）",
            w[0] + "合伙企业（有限合伙）",
        ]
    elif kind == _INDIVIDUAL:
        ends = [ind.shops[k % len(ind.shops)] if ind.shops else "" for k in range(4)]
    else:
        ends = [ind.coop] * 4
    return ends[0], ends[1], ends[2], ends[3]


def _staff_pool(rng: random.Random, low: int, high: int, skew: float) -> list[int]:
    return [low + int((high - low) * rng.random() ** skew) for _ in range(256)]


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    rng = random.Random("onething.sharing.generate")
    surnames = _weighted(_parse_weights(_SURNAMES), 1024)
    given = [_given_pool(rng, era, g) for era in range(4) for g in ("female", "male")]
    road_suffixes = _weighted(_ROAD_SUFFIXES, 100)
    estate_suffixes = _weighted(_ESTATE_SUFFIXES, 100)
    home = [
        _home_tail(rng, road_suffixes, estate_suffixes) if rng.random() < 0.68 else _rural_tail(rng)
        for _ in range(8192)
    ]
    business = [_business_tail(rng, road_suffixes) for _ in range(8192)]
    rural = [_rural_tail(rng) for _ in range(8192)]
    industries = []
    suffixes = []
    for kind in range(6):
        industries.append(_weighted_ints([ind.weights[kind] for ind in _INDUSTRIES], 1024))
        suffixes.append([_suffixes(kind, ind) for ind in _INDUSTRIES])
        assert all(all(suffixes[kind][k]) for k in set(industries[kind])), _TYPES[kind]
    return _Pools(
        surnames=surnames,
        given=given,
        phones=[rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10000):04d}" for _ in range(16384)],
        four_digits=[f"{k % 10000:04d}" for k in range(16384)],
        home_tails=home,
        business_tails=business,
        rural_tails=rural,
        trades=[_trade(rng) for _ in range(8192)],
        types=_weighted_ints(_TYPE_WEIGHTS, 1024),
        industries=industries,
        suffixes=suffixes,
        capital=[[Decimal(v) for v in _weighted(items, 64)] for items in _CAPITAL],
        staff=[_staff_pool(rng, *params) for params in _STAFF],
        status=_weighted(_STATUS, 64),
    )


def _parse_weights(text: str) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for item in text.split():
        name = item.rstrip("0123456789")
        out[name] = out.get(name, 0) + int(item[len(name) :])
    return list(out.items())
