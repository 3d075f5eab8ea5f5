"""Guide operations over the active catalog version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from onething.catalog.service import active_catalog
from onething.guide.engine import generate
from onething.guide.model import Guide


def guide(session: Session, thing_code: str, answers: Mapping[str, Any], region: str | None = None) -> Guide:
    return generate(active_catalog(session), thing_code, answers, region)
