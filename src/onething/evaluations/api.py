"""好差评 routes: rate a case, list ratings, re-rate, and the steps of a bad review's rectification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from onething.evaluations import service, views
from onething.evaluations.schemas import (
    AnswerIn,
    AppealIn,
    CallbackIn,
    ClassifyIn,
    EvaluationDetail,
    EvaluationOut,
    RateIn,
    RectificationOut,
    RectifyIn,
    RerateIn,
)
from onething.identity.deps import PrincipalDep
from onething.identity.principal import Principal
from onething.kit.pagination import PageOut
from onething.kit.validators import Id, Limit
from onething.kit.web import SessionDep

router = APIRouter(prefix="/api/v1", tags=["好差评"])


@router.post("/cases/{number}/evaluation", response_model=EvaluationDetail, status_code=201)
def rate(number: str, body: RateIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """申请人评价一次服务（一事一评、一次一评），评价期内一次；差评自动转承办机构整改。"""
    ev = service.rate(session, principal, number, body)
    return views.evaluation_detail(session, principal, ev.id)


@router.get("/cases/{number}/evaluations", response_model=list[EvaluationOut])
def case_occasions(number: str, principal: PrincipalDep, session: SessionDep) -> Any:
    """本办件的服务场次及其评价。"""
    service.occasions_of(session, principal, number)
    return views.occasions_for_case(session, number)


@router.get("/evaluations", response_model=PageOut[EvaluationOut])
def list_evaluations(
    principal: PrincipalDep,
    session: SessionDep,
    case: str | None = None,
    state: str | None = None,
    bad: bool | None = None,
    after: Id | None = None,
    limit: Limit = 50,
) -> Any:
    """可见范围内的评价：本人的、本机构的、本地区的（监察人员）。"""
    return PageOut.of(
        views.list_evaluations(session, principal, case_number=case, state=state, bad=bad, after=after, limit=limit)
    )


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationDetail)
def get_evaluation(evaluation_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    return views.evaluation_detail(session, principal, evaluation_id)


@router.post("/evaluations/{evaluation_id}/rerate", response_model=EvaluationDetail)
def rerate(evaluation_id: Id, body: RerateIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """追评：差评整改反馈后，评价人可在追评期内再评一次。"""
    service.rerate(session, principal, evaluation_id, body)
    return views.evaluation_detail(session, principal, evaluation_id)


@router.get("/rectifications", response_model=list[RectificationOut])
def inbox(principal: PrincipalDep, session: SessionDep, status: str | None = None, all: bool = False) -> Any:
    """差评整改待办：承办机构的，或本地区的（监察人员）。"""
    return views.rectification_inbox(session, principal, status=status, open_only=not all)


def _done(session: Session, principal: Principal, rid: int) -> EvaluationDetail:
    return views.evaluation_detail(session, principal, views.rectification_evaluation_id(session, principal, rid))


@router.post("/rectifications/{rid}/callback", response_model=EvaluationDetail)
def callback(rid: Id, body: CallbackIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """回访核实（默认 1 个工作日内）。"""
    service.step(session, principal, rid, "callback", **body.model_dump())
    return _done(session, principal, rid)


@router.post("/rectifications/{rid}/classify", response_model=EvaluationDetail)
def classify(rid: Id, body: ClassifyIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """核实分类：有效差评转整改；不实、恶意差评即为申诉，交监察人员审核。"""
    service.step(session, principal, rid, "classify", **body.model_dump())
    return _done(session, principal, rid)


@router.post("/rectifications/{rid}/appeal", response_model=EvaluationDetail)
def appeal(rid: Id, body: AppealIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """监察人员审核申诉：成立则办结（不计入差评整改考核），不成立则转整改。"""
    service.step(session, principal, rid, "appeal", **body.model_dump())
    return _done(session, principal, rid)


@router.post("/rectifications/{rid}/rectify", response_model=EvaluationDetail)
def rectify(rid: Id, body: RectifyIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """登记整改措施。"""
    service.step(session, principal, rid, "rectify", **body.model_dump())
    return _done(session, principal, rid)


@router.post("/rectifications/{rid}/answer", response_model=EvaluationDetail)
def answer(rid: Id, body: AnswerIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """向评价人反馈整改情况（默认自差评起 15 个工作日内），评价人可追评一次。"""
    service.step(session, principal, rid, "answer", **body.model_dump())
    return _done(session, principal, rid)
