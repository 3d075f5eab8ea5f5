"""Synthetic enterprises for the policy matcher: unique valid codes, typed columns, plausible facts, nulls as asked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from onething.kit import validators as v
from onething.policies import synthetic as syn
from onething.policies.attributes import ALWAYS_KNOWN, ATTRIBUTES, BOOL, DOUBLE, INT, STRING, STRINGS
from onething.sharing.generate.vocabulary import _INDUSTRIES, _TYPES

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2024, 6, 30)
YEAR = AS_OF.year - 1
REGIONS = ["430102", "430104", "430121", "430181", "430202", "431102", "433101"]
N = 50_000
MISSING = 0.1
EXPECTED_DTYPES = {
    INT: pl.Int64,
    DOUBLE: pl.Float64,
    STRING: pl.String,
    BOOL: pl.Boolean,
    STRINGS: pl.List(pl.String),
}
_C = "[0-9A-HJ-NPQRTUWXY]"  # GB 32100: no I O S V Z
CODE = re.compile(rf"^(9[123])(\d{{6}})(\d{{8}}|MA{_C}{{6}})[0-9X]{_C}$")


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return syn.enterprises(N, seed=11, regions=REGIONS, as_of=AS_OF, missing=MISSING)


@pytest.fixture(scope="module")
def complete() -> pl.DataFrame:
    return syn.enterprises(N, seed=12, regions=REGIONS, as_of=AS_OF, missing=0.0)


def test_credit_codes_are_unique_and_shaped(frame: pl.DataFrame) -> None:
    codes = frame["credit_code"]
    assert codes.null_count() == 0
    assert codes.n_unique() == N
    prefix = {name: "92" if name == "个体工商户" else "93" if name == "农民专业合作社" else "91" for name in _TYPES}
    reform = dt.date(2015, 10, 1)
    rows = frame.select("credit_code", "region", "enterprise_type", "founded_on").rows()
    for code, region, kind, founded in rows:
        m = CODE.match(code)
        assert m, code
        assert m.group(1) == prefix[kind]
        assert m.group(2) == region
        assert m.group(3).startswith("MA") == (founded >= reform), (code, founded)
    for code, *_ in rows[:3000]:  # the check characters are right too (GB 11714 inside GB 32100)
        assert v.credit_code(code) == code


def test_codes_stay_unique_across_many_rows() -> None:
    codes = syn.base_frame(400_000, seed=3, regions=["430102"], as_of=AS_OF)["credit_code"]
    assert codes.n_unique() == codes.len()


def test_deterministic_for_a_seed() -> None:
    a = syn.enterprises(3000, seed=5, regions=REGIONS, as_of=AS_OF)
    b = syn.enterprises(3000, seed=5, regions=list(reversed(REGIONS)), as_of=AS_OF)  # order does not matter
    c = syn.enterprises(3000, seed=6, regions=REGIONS, as_of=AS_OF)
    assert a.equals(b)
    assert not a.equals(c)
    assert not a["credit_code"].equals(c["credit_code"])
    assert syn.facts_frame(a, year=YEAR, seed=1).equals(syn.facts_frame(a, year=YEAR, seed=1))
    assert not syn.facts_frame(a, year=YEAR, seed=1).equals(syn.facts_frame(a, year=YEAR, seed=2))


def test_columns_and_dtypes_match_the_attributes(frame: pl.DataFrame) -> None:
    wanted = [name for name in ATTRIBUTES if name != "years_operating"]
    assert sorted(frame.columns) == sorted([*wanted, "founded_on"])
    for name in wanted:
        assert frame.schema[name] == EXPECTED_DTYPES[ATTRIBUTES[name].type], name
    assert frame.schema["founded_on"] == pl.Date
    facts = syn.facts_frame(frame, year=YEAR, seed=1)
    assert facts.columns == ["credit_code", *syn.FACT_COLUMNS]
    assert facts["credit_code"].equals(frame["credit_code"])  # base's order
    assert set(syn.FACT_COLUMNS) | set(syn.BASE_COLUMNS) | {"licenses", "years_operating"} == set(ATTRIBUTES) | {
        "founded_on"
    }


def test_base_values(frame: pl.DataFrame) -> None:
    assert frame.select(pl.col(syn.BASE_COLUMNS).null_count()).sum_horizontal().item() == 0
    assert set(frame["region"].unique()) == set(REGIONS)
    assert set(frame["industry"].unique()) <= {i.code for i in _INDUSTRIES}
    assert set(frame["enterprise_type"].unique()) == set(_TYPES)
    status = frame["status"].value_counts(normalize=True)
    assert set(status["status"]) == set(syn.STATUSES)
    active = status.filter(pl.col("status") == "存续")["proportion"].item()
    assert 0.91 < active < 0.95
    assert frame["founded_on"].max() <= AS_OF  # type: ignore[operator]
    assert (frame["founded_on"].dt.year() == frame["founded_year"]).all()
    coops = frame.filter(pl.col("enterprise_type") == "农民专业合作社")
    assert coops["founded_on"].min() >= dt.date(2007, 7, 1)  # type: ignore[operator]
    assert (frame["registered_capital"] > 0).all()
    assert (frame["staff_count"] >= 1).all()
    shops = frame.filter(pl.col("enterprise_type") == "个体工商户")
    assert shops["staff_count"].is_between(1, 8).all()
    assert shops["registered_capital"].median() < frame["registered_capital"].median()  # type: ignore[operator]
    assert frame["staff_count"].max() > 500  # type: ignore[operator]  # heavy-tailed


def test_fact_ranges_and_correlations(complete: pl.DataFrame) -> None:
    f = complete
    for name in syn.FACT_COLUMNS:
        expected = f["above_scale"].not_().sum() if name == "above_scale_year" else 0
        assert f[name].null_count() == expected, name
    assert (f["insured_staff"] <= f["staff_count"]).all()
    assert (f["new_hires"] <= f["insured_staff"]).all()
    assert (f["key_group_hires"] <= f["new_hires"]).all()
    assert f["layoff_rate"].is_between(0.0, 100.0).all()
    assert f["layoff_rate"].max() <= 30.0  # type: ignore[operator]
    assert (f["layoff_rate"] == 0).mean() > 0.85  # type: ignore[operator]
    money = ["revenue", "tax_paid", "rd_expense", "social_insurance_paid", "unemployment_insurance_paid"]
    assert f.select((pl.col([*money, "guaranteed_loan", "export_value"]) >= 0).all()).row(0) == (True,) * 7
    assert (f["tax_paid"] <= f["revenue"]).all()
    assert set(f["scale"].unique()) == set(syn.SCALES)
    assert set(f["tax_credit"].unique()) == set(syn.TAX_CREDITS)

    above = f.filter(pl.col("above_scale"))
    assert above["above_scale_year"].is_between(above["founded_year"], YEAR).all()
    assert (above["enterprise_type"] != "个体工商户").all()
    share_c = f.group_by(pl.col("industry").str.starts_with("C").alias("c")).agg(pl.col("above_scale").mean())
    assert share_c.filter("c")["above_scale"].item() > 2 * share_c.filter(~pl.col("c"))["above_scale"].item()
    industrial = above.filter(pl.col("industry").str.starts_with("C"))
    assert (industrial["revenue"] >= 2000).all()

    # Revenue grows with staff; social insurance ~1.2-1.6 万元 per insured for a full year.
    small = f.filter(pl.col("staff_count") < 5)["revenue"].mean()
    large = f.filter(pl.col("staff_count") >= 50)["revenue"].mean()
    assert large > 10 * small  # type: ignore[operator]
    full_year = f.filter((pl.col("founded_year") < YEAR) & (pl.col("insured_staff") > 0))
    per_head = full_year["social_insurance_paid"] / full_year["insured_staff"]
    assert per_head.is_between(1.2, 1.61).all()
    ratio = (full_year["unemployment_insurance_paid"] / full_year["social_insurance_paid"]).filter(
        full_year["social_insurance_paid"] > 5
    )
    assert ratio.is_between(0.005 / 0.26, 0.007 / 0.255).all()
    assert (f.filter(pl.col("insured_staff") == 0)["social_insurance_paid"] == 0).all()
    # Nothing happened in the year for an enterprise founded after it.
    later = f.filter(pl.col("founded_year") > YEAR)
    assert later.height > 0
    assert (later["revenue"] == 0).all()
    assert (later["new_hires"] == 0).all()

    shares = f.select(pl.col("high_tech", "specialized", "dishonest", "major_violation").mean()).row(0, named=True)
    assert 0.008 < shares["high_tech"] < 0.025
    assert 0.002 < shares["specialized"] < 0.01
    assert 0.006 < shares["dishonest"] < 0.014
    tech = f.filter(pl.col("high_tech"))
    assert (tech["enterprise_type"] != "个体工商户").all()
    assert (tech["rd_expense"] >= 0.029 * tech["revenue"]).all()
    cim = f.group_by(pl.col("industry").str.slice(0, 1).is_in(["C", "I", "M"]).alias("cim")).agg(
        pl.col("high_tech").mean()
    )
    assert cim.filter("cim")["high_tech"].item() > 3 * cim.filter(~pl.col("cim"))["high_tech"].item()
    assert (f.filter(pl.col("specialized"))["scale"] != "大型").all()
    assert (f["export_value"] == 0).mean() > 0.9  # type: ignore[operator]
    loans = f.filter(pl.col("guaranteed_loan") > 0)["guaranteed_loan"]
    assert 0 < loans.len() < 0.05 * N
    assert loans.is_between(10.0, 300.0).all()
    assert f.filter(pl.col("dishonest"))["tax_credit"].eq("D").mean() > 0.7  # type: ignore[operator]


def test_missing_share_is_close_to_the_rate(frame: pl.DataFrame) -> None:
    for name in syn.FACT_COLUMNS:
        nulls = frame[name].null_count()
        if name == "above_scale_year":
            assert nulls >= frame["above_scale"].not_().sum()
            continue
        assert abs(nulls / N - MISSING) < 0.01, (name, nulls / N)
    for name in [*syn.BASE_COLUMNS, *ALWAYS_KNOWN]:
        assert frame[name].null_count() == 0, name
    # Independently: a row is rarely unknown in everything.
    others = [name for name in syn.FACT_COLUMNS if name != "above_scale_year"]
    unknown = frame.select(pl.sum_horizontal(pl.col(others).is_null())).to_series()
    assert abs(unknown.mean() - MISSING * len(others)) < 0.05  # type: ignore[operator]
    assert unknown.eq(len(others)).sum() == 0  # 10**-18 per row
    with pytest.raises(ValueError, match="missing"):
        syn.facts_frame(frame, year=YEAR, seed=1, missing=1.5)


def _catalog_license_types() -> set[str]:
    codes = set()
    for path in (ROOT / "catalog").glob("*/license_types.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes |= {entry["code"] for entry in next(iter(data.values()))}
    return codes


def test_licenses_by_industry(frame: pl.DataFrame) -> None:
    assert set(syn.LICENSES) <= _catalog_license_types()
    held = frame.select(
        "industry",
        "staff_count",
        active=pl.col("status") == "存续",
        **{name: pl.col("licenses").list.contains(name) for name in syn.LICENSES},
    )
    assert held["business_license"].equals(held["active"], check_names=False)
    assert frame.filter(pl.col("status") != "存续")["licenses"].list.len().max() == 0
    on = held.filter("active")

    def share(prefix: str, name: str) -> float:
        rows = on.filter(pl.col("industry").str.starts_with(prefix))
        assert rows.height > 50, prefix
        return float(rows[name].mean())  # type: ignore[arg-type]

    assert share("H62", "food_business_permit") > 0.9
    assert share("H62", "fire_safety_check_certificate") > 0.2
    assert share("F5251", "drug_retail_license") > 0.9
    assert 0.3 < share("F521", "tobacco_retail_license") < 0.9
    assert 0.02 < share("F52", "food_business_permit") < 0.9
    assert share("G54", "road_transport_permit") > 0.8
    assert share("I65", "food_business_permit") == 0.0
    assert share("A", "drug_retail_license") == 0.0
    assert frame["licenses"].list.eval(pl.element().is_in(list(syn.LICENSES))).list.all().all()


def test_other_frames_and_lodging() -> None:
    """facts_frame and licenses_column accept any frame with the needed columns, even codes not in the vocabulary."""
    base = pl.DataFrame(
        {
            "credit_code": [f"code{i}" for i in range(4000)],
            "industry": ["H6110", "C3911", None, "I6513"] * 1000,
            "enterprise_type": ["有限责任公司", "股份有限公司", "个体工商户", "某种新类型"] * 1000,
            "registered_capital": [100.0, None, 3.0, 50.0] * 1000,
            "founded_on": [dt.date(2010, 5, 1), dt.date(2023, 7, 1), None, dt.date(2024, 2, 1)] * 1000,
            "staff_count": [40, 900, None, 12] * 1000,
        }
    )
    facts = syn.facts_frame(base, year=2023, seed=1, missing=0.0)
    assert facts.height == 4000
    assert facts["credit_code"].equals(base["credit_code"])
    assert facts.filter(pl.col("above_scale"))["credit_code"].len() > 0
    licenses = syn.licenses_column(base, seed=1)  # no status column: all active
    assert licenses.dtype == pl.List(pl.String)
    assert licenses.list.contains("business_license").all()
    hotels = licenses.filter(base["industry"] == "H6110")
    assert hotels.list.contains("special_trade_permit_hotel").mean() > 0.9  # type: ignore[operator]
    assert hotels.list.contains("public_place_health_permit").mean() > 0.8  # type: ignore[operator]
    with pytest.raises(ValueError, match="staff_count"):
        syn.facts_frame(base.drop("staff_count"), year=2023, seed=1)


def test_small_and_bad_inputs() -> None:
    empty = syn.enterprises(0, seed=1, regions=REGIONS, as_of=AS_OF)
    assert empty.height == 0
    assert empty.schema["licenses"] == pl.List(pl.String)
    one = syn.enterprises(1, seed=1, regions=["430102"], as_of=AS_OF)
    assert one["region"].item() == "430102"
    with pytest.raises(ValueError, match="6-digit"):
        syn.base_frame(10, seed=1, regions=["4301"], as_of=AS_OF)
    with pytest.raises(ValueError, match="6-digit"):
        syn.base_frame(10, seed=1, regions=[], as_of=AS_OF)
    with pytest.raises(TypeError):
        syn.base_frame(10, seed=1, regions="430102", as_of=AS_OF)
    with pytest.raises(ValueError, match="seed"):
        syn.base_frame(10, seed=-1, regions=REGIONS, as_of=AS_OF)
    with pytest.raises(ValueError, match="n must be"):
        syn.base_frame(syn.MAX_ROWS + 1, seed=1, regions=REGIONS, as_of=AS_OF)
    with pytest.raises(ValueError, match="as_of"):
        syn.base_frame(10, seed=1, regions=REGIONS, as_of=dt.date(2000, 1, 1))


def test_early_as_of_keeps_founding_within_legal_forms() -> None:
    base = syn.base_frame(20_000, seed=2, regions=REGIONS, as_of=dt.date(2008, 3, 1))
    assert base["founded_on"].max() <= dt.date(2008, 3, 1)  # type: ignore[operator]
    assert not base["credit_code"].str.slice(8, 2).eq("MA").any()
    starts = dict(zip(_TYPES, (1991, 1991, 2000, 1997, 1991, 2007), strict=True))
    earliest = base.group_by("enterprise_type").agg(pl.col("founded_year").min())
    for kind, year in earliest.rows():
        assert year >= starts[kind]
    assert np.isfinite(base["registered_capital"].to_numpy()).all()
