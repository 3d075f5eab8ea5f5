"""Fill the base libraries with synthetic people and enterprises, fast enough for a million rows:
rows come from the pure generator and go in through ``sharing.repository.copy_rows``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onething.models import Enterprise, Person
from onething.sharing import repository as repo
from onething.sharing.generate import ENTERPRISE_COLUMNS, PERSON_COLUMNS, RegionSeed, enterprises, people

Progress = repo.Progress


def region_seeds(session: Session) -> list[RegionSeed]:
    """Every county-level region with its full address prefix (湖南省长沙市岳麓区)."""
    rows = repo.regions(session)
    by_code = {code: (name, parent) for code, name, _level, parent in rows}

    def prefix(code: str) -> str:
        parts: list[str] = []
        current: str | None = code
        while current is not None and current in by_code:
            name, parent = by_code[current]
            parts.append(name)
            current = parent
        return "".join(reversed(parts))

    return [RegionSeed(code, prefix(code)) for code, _n, level, _p in rows if level == "county"]


def add_people(session: Session, count: int, *, seed: int = 0, progress: Progress | None = None) -> int:
    rows = people(region_seeds(session), count, seed=seed, start=repo.count(session, Person))
    return repo.copy_rows(session, "people", PERSON_COLUMNS, rows, progress)


def add_enterprises(session: Session, count: int, *, seed: int = 0, progress: Progress | None = None) -> int:
    rows = enterprises(region_seeds(session), count, seed=seed, start=repo.count(session, Enterprise))
    return repo.copy_rows(session, "enterprises", ENTERPRISE_COLUMNS, rows, progress)
