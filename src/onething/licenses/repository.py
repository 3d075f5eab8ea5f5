"""Every query of the licenses package. ``readable_licenses`` filters by the principal in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Date, Select, bindparam, false, func, insert, or_, select, update
from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.identity.repository import in_scopes
from onething.kit.db import insert_ignoring
from onething.models import Enterprise, License, LicenseEvent, LicenseSequence, Org, SealKey

# Staff of the issuing org who may see and change its licenses.
ISSUER_STAFF = ("approver", "dept_head")


def next_serial(session: Session, org_id: int, license_type: str, year: int) -> int:
    """The next sequence number; the UPDATE's row lock orders concurrent issuers (gap-free, unique)."""
    values = {"org_id": org_id, "license_type": license_type, "year": year, "last": 0}
    session.execute(insert_ignoring(session, LicenseSequence).values(**values))
    bumped = (
        update(LicenseSequence)
        .where(
            LicenseSequence.org_id == org_id, LicenseSequence.license_type == license_type, LicenseSequence.year == year
        )
        .values(last=LicenseSequence.last + 1)
        .returning(LicenseSequence.last)
    )
    return int(session.execute(bumped).scalar_one())


def readable_licenses(principal: Principal) -> Select[License]:
    """The holder's own (as a person or for an enterprise they act for), the issuing org's staff, and
    supervisors in their region."""
    conditions = []
    if principal.id_number:
        conditions.append(License.holder_code == principal.id_number)
    if principal.enterprises:
        conditions.append(License.holder_code.in_(sorted(principal.enterprises)))
    orgs = principal.orgs(*ISSUER_STAFF)
    if orgs:
        conditions.append(License.issuer_org_id.in_(orgs))
    if principal.has("supervisor"):
        conditions.append(in_scopes(License.region_code, principal.scopes("supervisor")))
    return select(License).where(or_(*conditions) if conditions else false())


def wallet(principal: Principal) -> Select[License]:
    """The wallet's cards: of each license type each holder (the person, their enterprises) has held,
    the newest. A card replaces the one it renews; and an enterprise that gets a license with every
    case must not load years of them (a million-case history once took 24 GB here)."""
    codes = [c for c in (principal.id_number, *sorted(principal.enterprises)) if c]
    ranked = (
        select(
            License.id,
            func.row_number()
            .over(
                partition_by=(License.holder_code, License.license_type),
                order_by=(License.issued_on.desc(), License.id.desc()),
            )
            .label("rank"),
        )
        .where(License.holder_code.in_(codes) if codes else false())
        .subquery()
    )
    return select(License).where(License.id.in_(select(ranked.c.id).where(ranked.c.rank == 1)))


def by_identifier(session: Session, identifier: str, *, lock: bool = False) -> License | None:
    stmt = select(License).where(License.identifier == identifier)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def holders_of(session: Session, identifiers: Iterable[str]) -> dict[str, str]:
    """identifier -> holder code, for the identifiers that exist."""
    wanted = sorted(set(identifiers))
    if not wanted:
        return {}
    stmt = select(License.identifier, License.holder_code).where(License.identifier.in_(wanted))
    return {row.identifier: row.holder_code for row in session.execute(stmt)}


def by_token(session: Session, token: str) -> License | None:
    """One probe of a unique index: an unknown token costs what a known one does up to here."""
    return session.scalar(select(License).where(License.verify_token == token))


def readable_by_identifier(session: Session, principal: Principal, identifier: str) -> License | None:
    return session.scalar(readable_licenses(principal).where(License.identifier == identifier))


# Built once, run for every (holder, type) a case page asks about: the newest valid license, found by
# walking ix_licenses_holder (holder, type, status, issued_on, id) backwards from its end, so a holder
# with a million licenses costs what a holder with one does.
_NEWEST_VALID = (
    select(License)
    .where(
        License.holder_code == bindparam("holder"),
        License.license_type == bindparam("type"),
        License.status == "valid",
        or_(License.valid_until.is_(None), License.valid_until >= bindparam("today", type_=Date)),
    )
    .order_by(License.issued_on.desc(), License.id.desc())
    .limit(1)
)


def valid_of(session: Session, holder_codes: Iterable[str], types: Iterable[str], today: dt.date) -> list[License]:
    """Licenses that can stand in for a material today (status valid, within their dates): each
    holder's newest of each type, newest first. Only the newest: an enterprise that has held a type
    for years (or a busy one, a license per case) must not load every one it ever held."""
    found = [
        row
        for holder in sorted(set(holder_codes))
        for kind in sorted(set(types))
        if (row := session.scalars(_NEWEST_VALID, {"holder": holder, "type": kind, "today": today}).first())
    ]
    return sorted(found, key=lambda r: (r.issued_on, r.id), reverse=True)


def of_task(session: Session, task_id: int) -> Sequence[License]:
    return session.scalars(select(License).where(License.task_id == task_id)).all()


def events(session: Session, license_id: int) -> Sequence[LicenseEvent]:
    return session.scalars(
        select(LicenseEvent).where(LicenseEvent.license_id == license_id).order_by(LicenseEvent.id)
    ).all()


def org(session: Session, org_id: int) -> Org:
    return session.execute(select(Org).where(Org.id == org_id)).scalar_one()


def org_by_code(session: Session, code: str) -> Org | None:
    return session.scalar(select(Org).where(Org.code == code))


def orgs_of_kinds(session: Session, kinds: Iterable[str]) -> Sequence[Org]:
    return session.scalars(select(Org).where(Org.kind.in_(sorted(set(kinds))), Org.active).order_by(Org.code)).all()


def org_of_kind(session: Session, kind: str, region_code: str) -> Org | None:
    stmt = select(Org).where(Org.kind == kind, Org.region_code == region_code, Org.active).order_by(Org.id)
    return session.scalars(stmt).first()


def enterprise(session: Session, credit_code: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))


def enterprise_names(session: Session, credit_codes: Iterable[str]) -> dict[str, str]:
    codes = sorted(set(credit_codes))
    if not codes:
        return {}
    stmt = select(Enterprise.credit_code, Enterprise.name).where(Enterprise.credit_code.in_(codes))
    return {str(code): str(name) for code, name in session.execute(stmt)}


def seal_key(session: Session, key_id: str) -> SealKey | None:
    return session.scalar(select(SealKey).where(SealKey.key_id == key_id))


def current_seal(session: Session, org_id: int) -> SealKey | None:
    stmt = select(SealKey).where(SealKey.org_id == org_id, SealKey.retired_at.is_(None)).order_by(SealKey.id.desc())
    return session.scalars(stmt).first()


def seals_of(session: Session, org_id: int) -> Sequence[SealKey]:
    return session.scalars(select(SealKey).where(SealKey.org_id == org_id).order_by(SealKey.id)).all()


def add_event(session: Session, **values: object) -> None:
    session.execute(insert(LicenseEvent).values(**values))


def add(session: Session, row: object) -> None:
    session.add(row)
