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

import polars as pl

from onething.policies.synthetic.base import base_frame
from onething.policies.synthetic.common import (
    BASE_COLUMNS,
    FACT_COLUMNS,
    LICENSES,
    MAX_ROWS,
    SCALES,
    STATUSES,
    TAX_CREDITS,
)
from onething.policies.synthetic.facts import facts_frame
from onething.policies.synthetic.licenses import licenses_column

__all__ = [
    "BASE_COLUMNS",
    "FACT_COLUMNS",
    "LICENSES",
    "MAX_ROWS",
    "SCALES",
    "STATUSES",
    "TAX_CREDITS",
    "base_frame",
    "enterprises",
    "facts_frame",
    "licenses_column",
]


def enterprises(n: int, *, seed: int, regions: Sequence[str], as_of: dt.date, missing: float = 0.03) -> pl.DataFrame:
    """``n`` enterprises with every attribute but the derived years_operating, plus founded_on.

    The facts are those of the year before ``as_of`` (上年度); ``missing`` is the share of unknown facts.
    """
    base = base_frame(n, seed=seed, regions=regions, as_of=as_of)
    facts = facts_frame(base, year=as_of.year - 1, seed=seed, missing=missing)
    licenses = licenses_column(base, seed=seed)
    return base.hstack(facts.drop("credit_code")).with_columns(licenses)
