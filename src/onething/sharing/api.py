"""Base-library routes. ID numbers travel in request bodies, never in URLs (which end up in logs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from onething.identity.deps import PrincipalDep
from onething.kit.pagination import PageOut
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.sharing import service
from onething.sharing.schemas import (
    EnterpriseLookup,
    EnterpriseRecord,
    EnterpriseRow,
    MandateIn,
    MandateOut,
    PersonLookup,
    PersonRecord,
    PersonRow,
)

router = APIRouter(prefix="/api/v1", tags=["基础库"])
After = Annotated[Id | None, Query(description="上一页最后一条的 id")]
Limit = Annotated[int, Query(ge=1, le=200)]
Reason = Annotated[str | None, Query(max_length=200, description="查阅事由")]
CaseNumber = Annotated[str | None, Query(pattern=r"^\d{20}$", description="相关办件编号")]


@router.get("/people", response_model=PageOut[PersonRow])
def people(
    principal: PrincipalDep,
    session: SessionDep,
    name: str | None = None,
    region: str | None = None,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    """人口库（本辖区，脱敏）。"""
    return PageOut.of(service.list_people(session, principal, name, region, after, limit))


@router.get("/people/{person_id}", response_model=PersonRecord)
def person(
    person_id: Id, principal: PrincipalDep, session: SessionDep, reason: Reason = None, case_number: CaseNumber = None
) -> Any:
    """完整记录；每次查看写入审计日志。"""
    return service.get_person(session, principal, person_id, reason, case_number)


@router.post("/people/lookup", response_model=PersonRecord)
def person_lookup(body: PersonLookup, principal: PrincipalDep, session: SessionDep) -> Any:
    """按身份证号查人口库；写入审计日志。"""
    return service.lookup_person(session, principal, body.id_number, body.reason, body.case_number)


@router.get("/me/person", response_model=PersonRecord)
def my_person(principal: PrincipalDep, session: SessionDep) -> Any:
    return service.my_person(session, principal)


@router.get("/enterprises", response_model=PageOut[EnterpriseRow])
def enterprises(
    principal: PrincipalDep,
    session: SessionDep,
    q: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    """法人库：工作人员看本辖区，经办人看受托企业，法定代表人看本人企业。"""
    return PageOut.of(service.list_enterprises(session, principal, q, region, industry, after, limit))


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseRecord)
def enterprise(
    enterprise_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    reason: Reason = None,
    case_number: CaseNumber = None,
) -> Any:
    return service.get_enterprise(session, principal, enterprise_id, reason, case_number)


@router.post("/enterprises/lookup", response_model=EnterpriseRecord)
def enterprise_lookup(body: EnterpriseLookup, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.lookup_enterprise(session, principal, body.credit_code, body.reason, body.case_number)


@router.post("/enterprises/{enterprise_id}/mandates", response_model=MandateOut, status_code=201)
def grant_mandate(enterprise_id: Id, body: MandateIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """法定代表人授权经办人代表企业办事。"""
    return service.grant_mandate(session, principal, enterprise_id, body)


@router.delete("/enterprises/{enterprise_id}/mandates/{mandate_id}", status_code=204)
def revoke_mandate(enterprise_id: Id, mandate_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """法定代表人撤销对经办人的授权。"""
    service.revoke_mandate(session, principal, enterprise_id, mandate_id)
    return Response(status_code=204)
