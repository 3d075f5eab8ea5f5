"""The one query of the public progress check (办件进度查询) that ``cases.repository`` does not have:
a case by its number for nobody in particular. Kept apart so that no principal-scoped caller picks it up
by mistake; the caller shows nothing before the applicant's code has matched."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.models import Case


def case_by_number(session: Session, number: str) -> Case | None:
    return session.scalar(select(Case).where(Case.number == number))
