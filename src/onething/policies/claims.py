"""即申即享 and 审批即享: an enterprise applies through the policy's thing, the normal case workflow approves,
and the job (``supervision.jobs``) turns each approved case into a payment. The amount is the policy's
formula on the enterprise's data of the day the case concluded (the single evaluator). When the rules do
not grant it that day (not eligible, or data missing), nothing is paid and the enterprise is told why.
Reading case events keeps policies above cases: cases never call up."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from onething.kit import clock
from onething.kit.db import insert_ignoring
from onething.models import Case, Payment, Policy
from onething.outbox.service import enqueue
from onething.policies import repository as repo
from onething.policies import snapshot
from onething.policies.engine import Outcome, check, typed_attributes
from onething.policies.expr import RuleError
from onething.policies.frame import row_attributes
from onething.policies.runs import cents
from onething.policies.service import event
from onething.policies.spec import Mode

log = logging.getLogger(__name__)
POLICY_FIELD = "instant_policy_name"  # the claim form's field naming the policy (a thing shared by several)
OUTCOMES = {Outcome.false: "不符合兑现条件", Outcome.unknown: "部门数据不全，无法判断"}


def settle(session: Session, after_event_id: int, recent: dt.datetime, limit: int = 500) -> tuple[int, int]:
    """Settle approved cases of policy things concluded after ``after_event_id``; (settled, last id).

    Conclusions of the last minutes are read again, so one committed late under a lower id is not skipped;
    settling is idempotent (one payment per case and policy).
    """
    linked: dict[str, list[Policy]] = {}
    for policy, _ in repo.current(session):
        if policy.thing_code and policy.mode != Mode.exempt.value:
            linked.setdefault(policy.thing_code, []).append(policy)
    fresh = repo.concluded_cases(session, after_event_id=after_event_id, limit=limit)
    late = repo.concluded_cases(session, since=recent, up_to_event_id=after_event_id, limit=limit)
    settled = 0
    for case in {c.id: c for _, c in (*late, *fresh)}.values():
        if case.thing_code in linked and case.outcome == "approved" and case.applicant_credit_code:
            for policy in claimed(case, linked[case.thing_code]):
                settled += _settle_one(session, case, policy)
    last = max((event_id for event_id, _ in fresh), default=after_event_id)
    return settled, last


def claimed(case: Case, policies: list[Policy]) -> list[Policy]:
    """The policy a case claims: the one its claim form names, else the thing's only policy; never several."""
    named = (case.form or {}).get(POLICY_FIELD)
    chosen = [p for p in policies if named in (p.code, p.name)]
    if chosen:
        return chosen[:1]
    return policies if len(policies) == 1 else []


def _settle_one(session: Session, case: Case, policy: Policy) -> bool:
    """One case and policy, in a savepoint: a rule that cannot be evaluated on this enterprise's figures is
    recorded and skipped, never allowed to stop the job."""
    try:
        with session.begin_nested():
            return _pay(session, case, policy)
    except RuleError as exc:
        log.warning("policy claim of case %s for %s not settled: %s", case.number, policy.code, exc)
        with session.begin_nested():
            event(session, policy.id, "payment", case.id, "claim_failed", None, case=case.number, error=str(exc)[:200])
        return False


def _pay(session: Session, case: Case, policy: Policy) -> bool:
    if repo.payment_of_case(session, case.id, policy.id) is not None:
        return False  # settled by an earlier pass
    version = repo.version(session, policy.id, policy.current_version)
    assert version is not None
    compiled = repo.compiled(version)
    day = (case.concluded_at or case.created_at).date()
    code = case.applicant_credit_code
    assert code is not None
    enterprise = repo.enterprise(session, code)
    frame = snapshot.load(session, day, code)
    if enterprise is None or not frame.height:
        return False
    verdict = check(compiled, typed_attributes(row_attributes(frame.row(0, named=True))), day)
    amount = cents(verdict.amount) if verdict.outcome is Outcome.true else None
    if amount is None or not compiled.in_effect(day):
        _refused(session, case, policy, verdict.outcome, verdict.failed, compiled.in_effect(day))
        return False
    payment_id = session.scalar(
        insert_ignoring(session, Payment)
        .values(
            policy_id=policy.id,
            version_id=version.id,
            case_id=case.id,
            credit_code=code,
            enterprise_name=enterprise.name,
            amount=amount,
            status="pending",
            created_at=clock.now(),
        )
        .returning(Payment.id)
    )
    if payment_id is None:
        return False
    event(session, policy.id, "payment", payment_id, "claimed", None, case=case.number, amount=str(amount))
    enqueue(
        session,
        "policy.granted",
        "enterprise",
        code,
        f"政策兑现：{policy.name}",
        f"办件 {case.number} 已准予，“{policy.name}” {amount} 元将拨付至单位账户。",
        data={"policy": policy.code, "case": case.number, "amount": str(amount)},
    )
    return True


def _refused(
    session: Session, case: Case, policy: Policy, outcome: Outcome, failed: list[str], in_effect: bool
) -> None:
    if repo.claim_refused(session, policy.id, case.id):
        return  # told once
    why = "政策不在有效期内" if not in_effect else OUTCOMES.get(outcome, "金额无法计算")
    if failed:
        why += "：" + "、".join(failed)
    event(session, policy.id, "payment", case.id, "claim_refused", None, case=case.number, reason=why)
    enqueue(
        session,
        "policy.refused",
        "enterprise",
        case.applicant_credit_code or "",
        f"政策未兑现：{policy.name}",
        f"办件 {case.number} 已办结，但按办结当日的数据，“{policy.name}”{why}。可在“我的惠企政策”查看逐条核对。",
        data={"policy": policy.code, "case": case.number},
    )
