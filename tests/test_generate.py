"""The synthetic population and legal-person generator: valid, consistent, deterministic, unique."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest

from onething.kit import clock
from onething.kit import validators as v
from onething.sharing.generate import (
    ENTERPRISE_COLUMNS,
    PERSON_COLUMNS,
    RegionSeed,
    capacity,
    enterprises,
    people,
)

TODAY = dt.date(2025, 6, 30)
REGIONS = [
    RegionSeed("430102", "湖南省长沙市芙蓉区"),
    RegionSeed("430103", "湖南省长沙市天心区"),
    RegionSeed("430104", "湖南省长沙市岳麓区"),
    RegionSeed("430105", "湖南省长沙市开福区"),
    RegionSeed("430111", "湖南省长沙市雨花区"),
    RegionSeed("430112", "湖南省长沙市望城区"),
    RegionSeed("430121", "湖南省长沙市长沙县"),
    RegionSeed("430181", "湖南省长沙市浏阳市"),
    RegionSeed("430182", "湖南省长沙市宁乡市"),
    RegionSeed("430202", "湖南省株洲市荷塘区"),
    RegionSeed("430302", "湖南省湘潭市雨湖区"),
    RegionSeed("433101", "湖南省湘西土家族苗族自治州吉首市"),
]
PREFIX = {r.code: r.address_prefix for r in REGIONS}


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_people_rows_are_valid_and_consistent() -> None:
    rows = list(people(REGIONS, 3000, seed=7, today=TODAY))
    assert len(rows) == 3000
    assert all(len(row) == len(PERSON_COLUMNS) for row in rows)
    for id_number, name, gender, born, region, address, phone in rows:
        assert v.id_number(id_number, today=TODAY) == id_number
        assert gender == ("male" if int(id_number[16]) % 2 else "female")
        assert born == dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        assert 0 <= _age(born, TODAY) <= 95
        assert id_number[:6] == region and region in PREFIX
        assert address.startswith(PREFIX[region]) and len(address) > len(PREFIX[region]) + 3
        assert v.mobile(phone) == phone and phone[:2] in {"13", "15", "17", "18", "19"}
        assert 2 <= len(name) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", name)
    genders = {row[2] for row in rows}
    assert genders == {"male", "female"}
    # An ageing province: more people in their fifties than in their late eighties, and some children.
    ages = [_age(row[3], TODAY) for row in rows]
    assert sum(50 <= a < 55 for a in ages) > 3 * sum(85 <= a < 90 for a in ages)
    assert sum(a < 10 for a in ages) > 150


def test_names_fit_gender_and_generation() -> None:
    rows = list(people(REGIONS, 4000, today=TODAY))
    young_women = [row[1] for row in rows if row[2] == "female" and row[3].year >= 2000]
    young_men = [row[1] for row in rows if row[2] == "male" and row[3].year >= 2000]
    assert any(n.endswith(("涵", "萱", "怡", "琪")) for n in young_women)
    assert not any(n.endswith(("涵", "萱", "怡", "琪", "婷", "娟")) for n in young_men)
    old_women = [row[1] for row in rows if row[2] == "female" and row[3].year < 1960]
    assert any(n.endswith(("英", "兰", "珍")) for n in old_women)


def test_deterministic_and_independent_of_start_and_count() -> None:
    a = list(people(REGIONS, 4200, seed=3, today=TODAY))
    assert a == list(people(REGIONS, 4200, seed=3, today=TODAY))
    # Row i depends on i only: any window, across the internal chunk boundary at 4096, matches.
    assert list(people(REGIONS, 20, seed=3, start=4090, today=TODAY)) == a[4090:4110]
    assert list(people(list(reversed(REGIONS)), 50, seed=3, today=TODAY)) == a[:50]  # region order is irrelevant
    other = list(people(REGIONS, 200, seed=4, today=TODAY))
    assert [r[1] for r in other] != [r[1] for r in a[:200]]  # the seed drives names, addresses, phones
    e = list(enterprises(REGIONS, 4200, seed=3, today=TODAY))
    assert e == list(enterprises(REGIONS, 4200, seed=3, today=TODAY))
    assert list(enterprises(REGIONS, 20, seed=3, start=4090, today=TODAY)) == e[4090:4110]


def test_counts_are_exact() -> None:
    for count, start in ((0, 0), (1, 0), (4095, 1), (4097, 8191)):
        assert sum(1 for _ in people(REGIONS, count, start=start, today=TODAY)) == count
        assert sum(1 for _ in enterprises(REGIONS, count, start=start, today=TODAY)) == count


def test_id_numbers_unique_over_200k_rows() -> None:
    ids = {row[0] for row in people(REGIONS, 200_000, today=TODAY)}
    assert len(ids) == 200_000


def test_id_numbers_unique_across_ranges_days_seeds_and_one_region() -> None:
    one = REGIONS[2:3]  # the smallest space: every row in the same county
    first = [row[0] for row in people(one, 30_000, seed=1, today=TODAY)]
    # More rows added later, another day, another seed: still no collision.
    later = [row[0] for row in people(one, 30_000, seed=2, start=30_000, today=TODAY + dt.timedelta(days=400))]
    assert len(set(first) | set(later)) == 60_000
    # Consecutive rows do not share birthdays in runs.
    births = [i[6:14] for i in first[:1000]]
    assert sum(a == b for a, b in itertools.pairwise(births)) < 5


def test_legal_representatives_never_collide_with_people() -> None:
    persons = {row[0] for row in people(REGIONS, 20_000, today=TODAY)}
    reps = [row[3] for row in enterprises(REGIONS, 20_000, today=TODAY)]
    assert len(set(reps)) == len(reps)
    assert not persons & set(reps)
    assert all(900 <= int(r[14:17]) <= 999 for r in reps)


def test_enterprise_rows_are_valid_and_consistent() -> None:
    rows = list(enterprises(REGIONS, 3000, seed=11, today=TODAY))
    assert all(len(row) == len(ENTERPRISE_COLUMNS) for row in rows)
    types = set()
    for code, name, kind, rep_id, rep_name, region, address, industry, capital, founded, staff, status in rows:
        types.add(kind)
        assert v.credit_code(code) == code
        assert code[2:8] == region and region in PREFIX
        assert code[:2] == {"个体工商户": "92", "农民专业合作社": "93"}.get(kind, "91")
        city = PREFIX[region].removeprefix("湖南省")
        assert name.startswith(city) and len(name) >= len(city) + 4
        ending = {
            "有限责任公司": ("有限公司", "有限责任公司"),
            "股份有限公司": ("股份有限公司",),
            "合伙企业": ("合伙）",),
            "农民专业合作社": ("专业合作社",),
        }
        if kind in ending:
            assert name.endswith(ending[kind]), name
        else:
            assert "公司" not in name and "合作社" not in name, name
        assert v.id_number(rep_id, today=TODAY) == rep_id
        assert 22 <= _age(v.birth_date_from_id(rep_id), TODAY) <= 75
        assert 2 <= len(rep_name) <= 4
        assert address.startswith(PREFIX[region])
        assert re.fullmatch(r"[A-T]\d{4}", industry)
        assert kind != "农民专业合作社" or industry.startswith("A")
        assert isinstance(capital, Decimal) and capital >= 0 and capital == capital.quantize(Decimal("0.01"))
        assert capital > 0 or kind == "个体工商户"
        assert dt.date(1991, 1, 1) <= founded <= TODAY
        assert kind != "农民专业合作社" or founded >= dt.date(2007, 7, 1)
        assert kind != "个人独资企业" or founded >= dt.date(2000, 1, 1)
        rep_born = v.birth_date_from_id(rep_id)
        assert _age(rep_born, founded) >= 18
        assert (code[8:10] == "MA") == (founded >= dt.date(2015, 10, 1))
        assert isinstance(staff, int) and staff >= 1
        assert status in {"存续", "注销", "吊销"}
    assert types == {"有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "个体工商户", "农民专业合作社"}
    by_kind = {k: sum(r[2] == k for r in rows) for k in types}
    assert by_kind["个体工商户"] > by_kind["有限责任公司"] > 10 * by_kind["股份有限公司"]
    assert sum(r[11] == "存续" for r in rows) > 0.8 * len(rows)


def test_credit_codes_unique_across_ranges() -> None:
    a = [row[0] for row in enterprises(REGIONS, 25_000, seed=1, today=TODAY)]
    b = [row[0] for row in enterprises(REGIONS, 25_000, seed=2, start=25_000, today=TODAY)]
    assert len(set(a) | set(b)) == 50_000
    assert len({c[8:17] for c in a + b}) == 50_000  # the organisation code part alone is unique


def test_defaults_use_today() -> None:
    (row,) = people(REGIONS, 1)
    assert v.id_number(row[0]) == row[0]
    (ent,) = enterprises(REGIONS, 1)
    assert ent[9] <= clock.today()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        people([], 1)
    with pytest.raises(ValueError):
        people([*REGIONS, REGIONS[0]], 1)
    with pytest.raises(ValueError):
        people([RegionSeed("990101", "某地")], 1)
    with pytest.raises(ValueError):
        enterprises(REGIONS, -1)
    with pytest.raises(ValueError):
        people(REGIONS, 1, today=dt.date(1990, 1, 1))  # births would fall before 1900
    most_people, most_enterprises = capacity(REGIONS[:1])
    assert most_people > 5_000_000 and most_enterprises > 1_000_000
    with pytest.raises(ValueError):
        people(REGIONS[:1], 1, start=most_people)
    with pytest.raises(ValueError):
        enterprises(REGIONS[:1], 1, start=most_enterprises)
