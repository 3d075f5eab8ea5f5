"""Reading the base libraries: lists masked, full records only to principals in scope and always
with an audit row (who, why, which case). Legal representatives authorise agents here."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from onething.identity import repository as identity_repo
from onething.identity.audit import record
from onething.identity.principal import STAFF_READERS_OF_PEOPLE, Principal
from onething.kit import clock, validators
from onething.kit.errors import Forbidden, NotFound, ValidationFailed
from onething.kit.masking import mask_address, mask_id_number, mask_phone
from onething.kit.pagination import Page, page
from onething.models import Enterprise, EnterpriseMandate, Person
from onething.sharing import repository as repo
from onething.sharing.schemas import (
    EnterpriseRecord,
    EnterpriseRow,
    MandateIn,
    MandateOut,
    PersonRecord,
    PersonRow,
)

log = logging.getLogger(__name__)


def _audit_read(
    session: Session,
    principal: Principal,
    kind: str,
    row_id: int,
    region: str,
    reason: str | None,
    case_number: str | None,
) -> None:
    """Every full record shown is an audit row, in the same transaction as the read."""
    record(session, principal, f"{kind}.read", kind, row_id, region_code=region, case_number=case_number, reason=reason)


def _person_row(p: Person) -> PersonRow:
    return PersonRow(
        id=p.id,
        name=p.name,
        gender=p.gender,
        id_number=mask_id_number(p.id_number),
        region_code=p.region_code,
        address=mask_address(p.address),
        phone=mask_phone(p.phone) if p.phone else None,
    )


def list_people(
    session: Session,
    principal: Principal,
    name: str | None = None,
    region: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[PersonRow]:
    principal.require(*STAFF_READERS_OF_PEOPLE)
    stmt = repo.readable_people(principal)
    if name:
        stmt = stmt.where(Person.name.startswith(name, autoescape=True))
    if region:
        stmt = stmt.where(Person.region_code.startswith(region, autoescape=True))
    rows, nxt = page(session, stmt, Person.id, after, limit)
    return Page([_person_row(p) for p in rows], nxt)


def _read_person(
    session: Session, principal: Principal, p: Person | None, reason: str | None, case_number: str | None
) -> PersonRecord:
    if p is None:
        raise NotFound("人口库中没有您可查看的这条记录", field="id_number")
    _audit_read(session, principal, "person", p.id, p.region_code, reason, case_number)
    return PersonRecord.model_validate(p)


def get_person(
    session: Session, principal: Principal, person_id: int, reason: str | None = None, case_number: str | None = None
) -> PersonRecord:
    principal.require_login()
    return _read_person(session, principal, repo.person(session, principal, person_id), reason, case_number)


def lookup_person(
    session: Session, principal: Principal, id_number: str, reason: str | None = None, case_number: str | None = None
) -> PersonRecord:
    principal.require_login()
    number = validators.checked(validators.id_number, id_number, "id_number")
    found = repo.person_by_id_number(session, principal, number)
    # Operations log; the masking record factory keeps the full number out of it.
    log.info("person lookup by user %s for %s: %s", principal.user_id, number, "found" if found else "not found")
    return _read_person(session, principal, found, reason, case_number)


def my_person(session: Session, principal: Principal) -> PersonRecord:
    principal.require_login()
    if not principal.id_number:
        raise NotFound("工作人员账号没有人口库记录")
    found = repo.person_by_id_number(session, principal, principal.id_number)
    return _read_person(session, principal, found, "本人查看", None)


def _enterprise_row(e: Enterprise) -> EnterpriseRow:
    return EnterpriseRow(
        id=e.id,
        credit_code=e.credit_code,
        name=e.name,
        type=e.type,
        legal_rep_name=e.legal_rep_name,
        legal_rep_id_number=mask_id_number(e.legal_rep_id_number),
        region_code=e.region_code,
        industry_code=e.industry_code,
        status=e.status,
    )


def list_enterprises(
    session: Session,
    principal: Principal,
    q: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[EnterpriseRow]:
    principal.require_login()
    stmt = repo.readable_enterprises(principal)
    if q:
        stmt = stmt.where(Enterprise.name.contains(q, autoescape=True))
    if region:
        stmt = stmt.where(Enterprise.region_code.startswith(region, autoescape=True))
    if industry:
        stmt = stmt.where(Enterprise.industry_code.startswith(industry.upper(), autoescape=True))
    rows, nxt = page(session, stmt, Enterprise.id, after, limit)
    return Page([_enterprise_row(e) for e in rows], nxt)


def _read_enterprise(
    session: Session, principal: Principal, e: Enterprise | None, reason: str | None, case_number: str | None
) -> EnterpriseRecord:
    if e is None:
        raise NotFound("法人库中没有您可查看的这条记录", field="credit_code")
    _audit_read(session, principal, "enterprise", e.id, e.region_code, reason, case_number)
    return EnterpriseRecord.model_validate(e)


def get_enterprise(
    session: Session,
    principal: Principal,
    enterprise_id: int,
    reason: str | None = None,
    case_number: str | None = None,
) -> EnterpriseRecord:
    principal.require_login()
    found = repo.enterprise(session, principal, enterprise_id)
    return _read_enterprise(session, principal, found, reason, case_number)


def lookup_enterprise(
    session: Session, principal: Principal, credit_code: str, reason: str | None = None, case_number: str | None = None
) -> EnterpriseRecord:
    principal.require_login()
    code = validators.checked(validators.credit_code, credit_code, "credit_code")
    found = repo.enterprise_by_code(session, principal, code)
    return _read_enterprise(session, principal, found, reason, case_number)


def grant_mandate(
    session: Session, principal: Principal, enterprise_id: int, data: MandateIn, today: dt.date | None = None
) -> MandateOut:
    """The legal representative authorises a registered person to act for the enterprise."""
    principal.require_login()
    enterprise = repo.enterprise(session, principal, enterprise_id)
    if enterprise is None:
        raise NotFound("找不到该企业", field="id")
    if principal.id_number != enterprise.legal_rep_id_number:
        raise Forbidden("只有企业的法定代表人可以授权经办人")
    number = validators.checked(validators.id_number, data.agent_id_number, "agent_id_number")
    agent = identity_repo.user_by_login(session, number)
    if agent is None or agent.kind != "citizen":
        raise ValidationFailed("经办人须先注册本平台个人账号", field="agent_id_number")
    today = today or clock.today()
    if data.valid_until is not None and data.valid_until < today:
        raise ValidationFailed("授权截止日期不能早于今天", field="valid_until")
    mandate = EnterpriseMandate(
        user_id=agent.id,
        credit_code=enterprise.credit_code,
        granted_by_id_number=enterprise.legal_rep_id_number,
        scope=data.scope,
        valid_from=today,
        valid_until=data.valid_until,
    )
    identity_repo.add(session, mandate)
    session.flush()
    record(session, principal, "mandate.grant", "enterprise", enterprise.id, region_code=enterprise.region_code)
    return MandateOut(
        id=mandate.id,
        credit_code=mandate.credit_code,
        agent_name=agent.name,
        agent_id_number=mask_id_number(number),
        scope=mandate.scope,
        valid_from=mandate.valid_from,
        valid_until=mandate.valid_until,
    )


def revoke_mandate(session: Session, principal: Principal, enterprise_id: int, mandate_id: int) -> None:
    """The legal representative withdraws an authorisation; it stops working at once."""
    principal.require_login()
    enterprise = repo.enterprise(session, principal, enterprise_id)
    if enterprise is None:
        raise NotFound("找不到该企业", field="id")
    if principal.id_number != enterprise.legal_rep_id_number:
        raise Forbidden("只有企业的法定代表人可以撤销授权")
    mandate = repo.mandate(session, mandate_id)
    if mandate is None or mandate.credit_code != enterprise.credit_code:
        raise NotFound("找不到该授权", field="mandate_id")
    if mandate.revoked_at is None:
        mandate.revoked_at = clock.now()
        record(session, principal, "mandate.revoke", "enterprise", enterprise.id, region_code=enterprise.region_code)
