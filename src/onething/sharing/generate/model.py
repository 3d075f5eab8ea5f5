"""The generator's public shapes: regions in, rows out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RegionSeed:
    code: str  # 6-digit county-level GB/T 2260 code, e.g. "430104"
    address_prefix: str  # "湖南省长沙市岳麓区"


PERSON_COLUMNS = ("id_number", "name", "gender", "birth_date", "region_code", "address", "phone")
ENTERPRISE_COLUMNS = (
    "credit_code",
    "name",
    "type",
    "legal_rep_id_number",
    "legal_rep_name",
    "region_code",
    "address",
    "industry_code",
    "registered_capital",
    "founded_on",
    "staff_count",
    "status",
)

PersonRow = tuple[str, str, str, dt.date, str, str, str]
EnterpriseRow = tuple[str, str, str, str, str, str, str, str, Decimal, dt.date, int, str]
