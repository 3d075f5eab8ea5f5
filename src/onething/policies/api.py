"""Benefit-policy routes: the policies and their versions, the one-enterprise check, runs, 免申即享 lists,
payments, and an enterprise's "policies I get / could get / why not"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from sqlalchemy.orm import Session

from onething.identity.deps import PrincipalDep
from onething.kit.errors import NotFound
from onething.kit.validators import Id, Limit, Offset
from onething.kit.web import SessionDep
from onething.models import Payment, Policy, PolicyRun
from onething.policies import explain, fulfil, runs, service, words
from onething.policies import repository as repo
from onething.policies.schemas import (
    BatchOut,
    CheckIn,
    EditIn,
    ListOut,
    MatchOut,
    PaidIn,
    PaymentOut,
    PolicyOut,
    RemoveIn,
    RunIn,
    RunOut,
    VerdictOut,
    VersionOut,
)

router = APIRouter(prefix="/api/v1", tags=["惠企政策"])


@router.get("/policies", response_model=list[PolicyOut])
def list_policies(session: SessionDep) -> Any:
    """全部惠企政策（政策库），公开。"""
    return repo.policies(session)


@router.get("/policies/{code}", response_model=PolicyOut)
def get_policy(code: str, session: SessionDep) -> Any:
    return service.find(session, code)


@router.get("/policies/{code}/versions", response_model=list[VersionOut])
def versions(code: str, principal: PrincipalDep, session: SessionDep) -> Any:
    """政策的各个版本（新的在前，含规则原文，仅发布部门工作人员可见）；已确认的兑现批次始终指向当时的版本。"""
    return service.versions(session, principal, code)


@router.put("/policies/{code}", response_model=VersionOut)
def edit(code: str, body: EditIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """发布部门负责人修改政策：提交该政策的 YAML，校验通过后生成新版本。"""
    return service.save_edit(session, principal, code, body.source, body.note)


@router.post("/policies/{code}/check", response_model=VerdictOut)
def check(code: str, body: CheckIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """按企业当前数据逐条件核对（单户计算，返回每个条件的中文表述、企业的实际数据与结果）。"""
    checked = service.check_now(session, principal, code, body.credit_code, body.as_of)
    compiled = repo.compiled(checked.version)
    lines = words.lines(compiled, checked.verdict, checked.day, service.names(session))
    return VerdictOut.of(checked.verdict, lines)


def _run_out(run: PolicyRun) -> RunOut:
    return RunOut.model_validate(run, from_attributes=True)


@router.post("/policy-runs", response_model=RunOut, status_code=202)
def start_run(
    body: RunIn, request: Request, principal: PrincipalDep, session: SessionDep, background: BackgroundTasks
) -> Any:
    """开始一次全量匹配（后台执行；用 GET 查看进度）。"""
    run = runs.start(session, principal, body.as_of)
    session.commit()  # the background task reads the run from its own session
    background.add_task(runs.execute, request.app.state.sessions, run.id)
    return _run_out(run)


@router.get("/policy-runs", response_model=list[RunOut])
def list_runs(principal: PrincipalDep, session: SessionDep) -> Any:
    """匹配批次（工作人员）。"""
    service.require_staff(principal)
    return [_run_out(r) for r in repo.runs(session)]


@router.get("/policy-runs/{run_id}", response_model=RunOut)
def get_run(run_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    service.require_staff(principal)
    run = repo.run(session, run_id)
    if run is None:
        raise NotFound("没有这个匹配批次", field="run_id")
    return _run_out(run)


def _list_out(session: Session, run_id: int, policy: Policy, status: str | None, offset: int, limit: int) -> ListOut:
    total, items = repo.matches(
        session, run_id, policy.id, status=status, offset=max(0, offset), limit=max(1, min(limit, 200))
    )
    batch = repo.batch_of(session, run_id, policy.id)
    return ListOut(
        run_id=run_id,
        policy=policy.code,
        counts=repo.match_counts(session, run_id, policy.id),
        total=total,
        items=[MatchOut.model_validate(m, from_attributes=True) for m in items],
        batch=batch.number if batch else None,
    )


@router.get("/policy-runs/{run_id}/lists/{code}", response_model=ListOut)
def get_list(
    run_id: Id,
    code: str,
    principal: PrincipalDep,
    session: SessionDep,
    status: str | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """免申即享兑现名单（发布部门审核）。"""
    _, policy = fulfil.list_of(session, principal, run_id, code)
    return _list_out(session, run_id, policy, status, offset, limit)


@router.post("/policy-matches/{match_id}/remove", response_model=MatchOut)
def remove(match_id: Id, body: RemoveIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """移出名单（须写明理由）。"""
    return fulfil.remove(session, principal, match_id, body.reason)


@router.post("/policy-matches/{match_id}/restore", response_model=MatchOut)
def restore(match_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    return fulfil.restore(session, principal, match_id)


@router.post("/policy-runs/{run_id}/lists/{code}/confirm", response_model=BatchOut, status_code=201)
def confirm(run_id: Id, code: str, principal: PrincipalDep, session: SessionDep) -> Any:
    """部门负责人确认名单：名单内每户生成一笔待拨付资金，并通知企业。"""
    batch = fulfil.confirm(session, principal, run_id, code)
    return BatchOut(
        number=batch.number,
        policy=code,
        run_id=run_id,
        count=batch.count,
        total=batch.total,
        confirmed_at=batch.confirmed_at,
    )


def _payment_out(payment: Payment, policy: Policy, batch: str | None) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        policy=policy.code,
        policy_name=policy.name,
        batch=batch,
        case_id=payment.case_id,
        amount=payment.amount,
        status=payment.status,
        reference=payment.reference,
        created_at=payment.created_at,
        paid_at=payment.paid_at,
    )


@router.post("/payments/{payment_id}/paid", response_model=PaymentOut)
def paid(payment_id: Id, body: PaidIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """登记已拨付（填写国库/银行凭证号），通知企业。"""
    payment = fulfil.mark_paid(session, principal, payment_id, body.reference)
    policy = session.get(Policy, payment.policy_id)
    assert policy is not None
    batch = repo.batch(session, payment.batch_id) if payment.batch_id else None
    return _payment_out(payment, policy, batch.number if batch else None)


@router.get("/enterprises/{credit_code}/policies")
def enterprise_policies(credit_code: str, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """企业的惠企政策：已享受、可享受、不符合及原因、无法判断（缺少的数据）。只列适用于企业所在地的政策；
    standing 为今天的状态（active 有效 · ended 已截止 · upcoming 尚未施行），last_day 为截止日。"""
    found = explain.of_enterprise(session, principal, credit_code)
    names = service.names(session)
    return {
        "credit_code": credit_code,
        "run": _run_out(found.run).model_dump(mode="json") if found.run else None,
        "payments": [_payment_out(p, pol, None).model_dump(mode="json") for p, pol in found.payments],
        "policies": [
            {
                "name": e.policy.name,
                "mode": e.policy.mode,
                "version": e.version.number,
                "standing": e.standing.value,
                "last_day": e.last_day.isoformat() if e.last_day else None,
                **VerdictOut.of(
                    e.verdict, words.lines(e.compiled, e.verdict, found.run.as_of if found.run else found.today, names)
                ).model_dump(mode="json"),
            }
            for e in found.explained
        ],
    }
