"""Fulfilment: the issuing department reviews a run's 免申即享 list, confirms it into a payment batch; the
treasury marks payments paid; each enterprise is told. A confirmed batch names the policy version and run
it came from, so a later rule change never rewrites it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onething.models import Payment, PaymentBatch, Policy, PolicyMatch, PolicyRun
from onething.outbox.service import enqueue
from onething.policies import repository as repo
from onething.policies.service import event, find
from onething.policies.spec import Mode

PAYERS = ("dept_head",)  # the issuing department records the treasury's transfer


def list_of(
    session: Session, principal: Principal, run_id: int, code: str, *, act: bool = False
) -> tuple[PolicyRun, Policy]:
    """The run and policy of a list the principal may look at (the issuing org's staff, a system
    administrator) or, with ``act``, change (the issuing org's staff only). Acting locks the policy row, so
    removals and the confirmation of one policy's lists happen one after another."""
    principal.require_login()
    run = repo.run(session, run_id)
    if run is None:
        raise NotFound("没有这个匹配批次", field="run_id")
    policy = find(session, code)
    if code not in run.versions:
        raise NotFound("该批次没有计算这项政策", field="code")
    if policy.mode != Mode.exempt.value:
        raise ValidationFailed("只有免申即享的政策有兑现名单", field="code")
    org = repo.issuing_org(session, policy)
    if not repo.may_review(principal, org) or (act and (org is None or org.id not in principal.orgs(*repo.REVIEWERS))):
        raise Forbidden("只有政策发布部门可以审核兑现名单")
    if act:
        repo.lock_policy(session, policy.id)
    return run, policy


def reviewable(session: Session, principal: Principal, run: PolicyRun, policies: Iterable[Policy]) -> set[str]:
    """The codes of the run's lists the principal may look at."""
    return {
        p.code for p in policies if p.code in run.versions and repo.may_review(principal, repo.issuing_org(session, p))
    }


def _open_match(session: Session, principal: Principal, match_id: int) -> tuple[PolicyMatch, Policy]:
    principal.require_login()
    match = repo.match(session, match_id)
    if match is None:
        raise NotFound("名单中没有这一条", field="match_id")
    policy = session.get(Policy, match.policy_id)
    assert policy is not None
    run, _ = list_of(session, principal, match.run_id, policy.code, act=True)
    session.refresh(match)  # as it is now that the policy is locked
    if repo.batch_of(session, run.id, policy.id) is not None:
        raise Conflict("名单已确认，不能再修改", field="match_id")
    return match, policy


def remove(session: Session, principal: Principal, match_id: int, reason: str) -> PolicyMatch:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请写明移出名单的理由", field="reason")
    if len(reason) > 200:
        raise ValidationFailed("理由不超过 200 字", field="reason")
    match, policy = _open_match(session, principal, match_id)
    if match.status != "proposed":
        raise Conflict("这一条已移出名单", field="match_id")
    match.status, match.reason, match.reviewed_by_id = "removed", reason, principal.user_id
    event(session, policy.id, "match", match.id, "removed", principal, credit_code=match.credit_code, reason=reason)
    return match


def restore(session: Session, principal: Principal, match_id: int) -> PolicyMatch:
    match, policy = _open_match(session, principal, match_id)
    if match.status != "removed":
        raise Conflict("这一条在名单中，无需恢复", field="match_id")
    match.status, match.reason, match.reviewed_by_id = "proposed", None, principal.user_id
    event(session, policy.id, "match", match.id, "restored", principal, credit_code=match.credit_code)
    return match


def confirm(session: Session, principal: Principal, run_id: int, code: str) -> PaymentBatch:
    """The department head confirms the list: every entry still on it becomes a pending payment."""
    run, policy = list_of(session, principal, run_id, code, act=True)
    org = repo.issuing_org(session, policy)
    if not repo.may_review(principal, org, ("dept_head",)):
        raise Forbidden("只有发布部门负责人可以确认兑现名单")
    assert org is not None
    if repo.batch_of(session, run.id, policy.id) is not None:
        raise Conflict("该名单已确认", field="code")
    for match, batch_number in repo.already_granted(session, run.id, policy.id, run.data_year):
        match.status, match.reason = "removed", f"{run.data_year} 年度已兑现（批次 {batch_number}）"
        event(session, policy.id, "match", match.id, "removed", principal, reason=match.reason)
    matches = repo.proposed(session, run.id, policy.id)
    unpriced = sum(m.amount is None for m in matches)
    if unpriced:
        raise ValidationFailed(f"有 {unpriced} 户缺少计算金额所需的数据，请先移出或补齐数据", field="code")
    count, total = len(matches), sum((m.amount or Decimal(0) for m in matches), Decimal(0))
    if not count:
        raise ValidationFailed("名单为空，无需确认", field="code")
    version_id = run.versions[code]
    batch = PaymentBatch(
        number=f"ZC{run.as_of:%Y%m%d}-{run.id:04d}-{policy.id:04d}",
        policy_id=policy.id,
        version_id=version_id,
        run_id=run.id,
        org_id=org.id,
        count=count,
        total=total,
        confirmed_by_id=principal.user_id,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        Payment(
            policy_id=policy.id,
            version_id=version_id,
            batch_id=batch.id,
            credit_code=m.credit_code,
            enterprise_name=m.enterprise_name,
            amount=m.amount,
        )
        for m in matches
    )
    for m in matches:
        m.status, m.batch_id = "confirmed", batch.id
    event(session, policy.id, "batch", batch.id, "confirmed", principal, run_id=run.id, count=count, total=str(total))
    for m in matches:
        credit_code, amount = m.credit_code, m.amount
        enqueue(
            session,
            "policy.granted",
            "enterprise",
            credit_code,
            f"免申即享：{policy.name}",
            f"经{org.name}确认，贵单位符合“{policy.name}”，无需申请，"
            f"{amount} 元将拨付至单位账户（批次 {batch.number}）。",
            data={"policy": policy.code, "batch": batch.number, "amount": str(amount)},
        )
    return batch


def mark_paid(session: Session, principal: Principal, payment_id: int, reference: str) -> Payment:
    principal.require_login()
    if not principal.has(*PAYERS):
        raise Forbidden("只有政策发布部门负责人可以登记拨付")
    reference = (reference or "").strip()
    if not reference or len(reference) > 60:
        raise ValidationFailed("请填写 1–60 字的拨付凭证号", field="reference")
    payment = repo.payment(session, payment_id, lock=True)
    if payment is None:
        raise NotFound("没有这笔兑现", field="payment_id")
    policy = session.get(Policy, payment.policy_id)
    assert policy is not None
    if not repo.may_review(principal, repo.issuing_org(session, policy), PAYERS):
        raise Forbidden("只有政策发布部门负责人可以登记拨付")
    if payment.status != "pending":
        raise Conflict("这笔兑现已登记拨付", field="payment_id")
    payment.status, payment.reference, payment.paid_at = "paid", reference, clock.now()
    event(session, policy.id, "payment", payment.id, "paid", principal, reference=reference)
    enqueue(
        session,
        "policy.paid",
        "enterprise",
        payment.credit_code,
        f"政策资金已拨付：{policy.name}",
        f"“{policy.name}” {payment.amount} 元已拨付，凭证号 {reference}。",
        data={"policy": policy.code, "payment": payment.id},
    )
    return payment
