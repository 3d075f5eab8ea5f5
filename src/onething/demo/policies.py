"""Demo data for benefit policies: the departments' yearly facts about every enterprise, the issuing
departments as orgs, and a known story for the demo restaurant (qualifies for some, fails some, one unknown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy import and_, insert, select
from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.demo.accounts import ENTERPRISE
from onething.demo.seed import ensure_org
from onething.models import Enterprise, EnterpriseFacts, Policy
from onething.policies.synthetic import facts_frame

_BATCH = 20_000

# 敏记餐饮 (12 staff, 小型餐饮): insured and paying, no layoffs, not high-tech, R&D not reported.
DEMO_FACTS: dict[str, Any] = {
    "scale": "小型",
    "revenue": 380.0,
    "above_scale": False,
    "above_scale_year": None,
    "tax_paid": 9.6,
    "tax_credit": "B",
    "rd_expense": None,  # the tax bureau has not reported it: some answers stay "无法判断"
    "insured_staff": 12,
    "social_insurance_paid": 18.0,
    "unemployment_insurance_paid": 0.42,
    "new_hires": 3,
    "key_group_hires": 1,
    "layoff_rate": 0.0,
    "guaranteed_loan": 50.0,
    "high_tech": False,
    "specialized": False,
    "export_value": 0.0,
    "dishonest": False,
    "major_violation": False,
}


def policy_orgs(session: Session, catalog: Catalog) -> int:
    """Every seeded policy's issuing department exists as an org (the demo's province has them all)."""
    pairs = session.execute(select(Policy.region_code, Policy.department).distinct()).all()
    return sum(ensure_org(session, catalog, region, kind) for region, kind in pairs)


def add_facts(session: Session, year: int, *, seed: int = 0, progress: Callable[[int], None] | None = None) -> int:
    """Synthetic facts of ``year`` for every enterprise that has none; the demo restaurant gets its story."""
    rows = session.execute(
        select(
            Enterprise.credit_code,
            Enterprise.industry_code.label("industry"),
            Enterprise.type.label("enterprise_type"),
            Enterprise.registered_capital,
            Enterprise.founded_on,
            Enterprise.staff_count,
        )
        .outerjoin(
            EnterpriseFacts, and_(EnterpriseFacts.credit_code == Enterprise.credit_code, EnterpriseFacts.year == year)
        )
        .where(EnterpriseFacts.credit_code.is_(None))
    ).all()
    if not rows:
        return 0
    base = pl.DataFrame(
        [(c, i, t, float(cap), f, s) for c, i, t, cap, f, s in rows],
        schema={
            "credit_code": pl.String,
            "industry": pl.String,
            "enterprise_type": pl.String,
            "registered_capital": pl.Float64,
            "founded_on": pl.Date,
            "staff_count": pl.Int64,
        },
        orient="row",
    )
    facts = facts_frame(base, year=year, seed=seed + year).with_columns(pl.lit(year).alias("year"))
    records = facts.to_dicts()
    for record in records:
        if record["credit_code"] == ENTERPRISE["credit_code"]:
            record.update(DEMO_FACTS)
    for start in range(0, len(records), _BATCH):
        chunk = records[start : start + _BATCH]
        session.execute(insert(EnterpriseFacts), chunk)
        if progress:
            progress(len(chunk))
    return len(records)
