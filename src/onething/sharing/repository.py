"""Every base-library query; ``readable_*`` filter by the principal in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, insert, or_, select
from sqlalchemy.orm import Session

from onething.identity.principal import STAFF_READERS_OF_PEOPLE, Principal
from onething.identity.repository import in_scopes
from onething.models import Enterprise, EnterpriseMandate, Person, Region


def readable_people(principal: Principal) -> Select[Person]:
    """Staff who serve the public, within their region; a citizen, their own record."""
    conditions: list[ColumnElement[bool]] = [in_scopes(Person.region_code, principal.scopes(*STAFF_READERS_OF_PEOPLE))]
    if principal.id_number:
        conditions.append(Person.id_number == principal.id_number)
    return select(Person).where(or_(*conditions))


def readable_enterprises(principal: Principal) -> Select[Enterprise]:
    """Staff within their region; an agent, the enterprises it holds a mandate for; the legal representative."""
    conditions: list[ColumnElement[bool]] = [
        in_scopes(Enterprise.region_code, principal.scopes(*STAFF_READERS_OF_PEOPLE))
    ]
    if principal.enterprises:
        conditions.append(Enterprise.credit_code.in_(principal.enterprises))
    if principal.id_number:
        conditions.append(Enterprise.legal_rep_id_number == principal.id_number)
    return select(Enterprise).where(or_(*conditions) if conditions else false())


def person_by_id_number(session: Session, principal: Principal, id_number: str) -> Person | None:
    return session.scalar(readable_people(principal).where(Person.id_number == id_number))


def person(session: Session, principal: Principal, person_id: int) -> Person | None:
    return session.scalar(readable_people(principal).where(Person.id == person_id))


def enterprise(session: Session, principal: Principal, enterprise_id: int) -> Enterprise | None:
    return session.scalar(readable_enterprises(principal).where(Enterprise.id == enterprise_id))


def enterprise_by_code(session: Session, principal: Principal, credit_code: str) -> Enterprise | None:
    return session.scalar(readable_enterprises(principal).where(Enterprise.credit_code == credit_code))


def enterprise_exists(session: Session, credit_code: str) -> bool:
    return session.scalar(select(Enterprise.id).where(Enterprise.credit_code == credit_code)) is not None


def person_exists(session: Session, id_number: str) -> bool:
    return session.scalar(select(Person.id).where(Person.id_number == id_number)) is not None


def county_regions(session: Session) -> Sequence[tuple[str, str, str | None]]:
    """(code, name, parent code) of every county-level region, for the demo generator."""
    stmt = select(Region.code, Region.name, Region.parent_code).where(Region.level == "county")
    return [(c, n, p) for c, n, p in session.execute(stmt.order_by(Region.code))]


def region_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Region.code, Region.name)).all())


def count(session: Session, model: type[Person] | type[Enterprise]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def insert_rows(session: Session, model: type[Person] | type[Enterprise], rows: Iterable[dict[str, Any]]) -> None:
    session.execute(insert(model), list(rows))


def mandate(session: Session, mandate_id: int) -> EnterpriseMandate | None:
    return session.get(EnterpriseMandate, mandate_id)
