"""The electronic license types each enterprise holds (电子证照)."""

from __future__ import annotations

import numpy as np
import polars as pl

from onething.policies.synthetic.common import (
    _LICENSE_STREAM,
    ACTIVE,
    LICENSES,
    Idx,
    _check_frame,
    _check_seed,
    _index,
    _rng,
)


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
