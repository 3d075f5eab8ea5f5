"""Guide operations over the active catalog version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.catalog.service import active_catalog
from onething.guide.engine import generate
from onething.guide.model import Guide


def guide(session: Session, thing_code: str, answers: Mapping[str, Any], region: str | None = None) -> Guide:
    return guide_from(active_catalog(session), thing_code, answers, region)


def guide_from(catalog: Catalog, thing_code: str, answers: Mapping[str, Any], region: str | None = None) -> Guide:
    return generate(catalog, thing_code, answers, region)
