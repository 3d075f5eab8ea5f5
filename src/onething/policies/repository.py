"""Every query of the policies domain; who may see what is decided here in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit.memo import OnceMap
from onething.models import (
    Case,
    CaseEvent,
    Enterprise,
    Org,
    Payment,
    PaymentBatch,
    Policy,
    PolicyEvent,
    PolicyMatch,
    PolicyRun,
    PolicyVersion,
)
from onething.policies.engine import Policy as Compiled
from onething.policies.engine import compile_policy
from onething.policies.spec import PolicySpec

REVIEWERS = ("approver", "dept_head")
CONFIRMERS = ("dept_head",)
_compiled: OnceMap[int, Compiled] = OnceMap(limit=2000)  # a version never changes, so neither does this


def compiled(version: PolicyVersion) -> Compiled:
    return _compiled.get(version.id, lambda: compile_policy(PolicySpec.model_validate(version.spec)))


def policies(session: Session) -> Sequence[Policy]:
    return session.scalars(select(Policy).order_by(Policy.department, Policy.code)).all()


def policy_by_code(session: Session, code: str) -> Policy | None:
    return session.scalar(select(Policy).where(Policy.code == code))


def version(session: Session, policy_id: int, number: int) -> PolicyVersion | None:
    return session.scalar(
        select(PolicyVersion).where(PolicyVersion.policy_id == policy_id, PolicyVersion.number == number)
    )


def versions_of(session: Session, policy_id: int) -> Sequence[PolicyVersion]:
    return session.scalars(
        select(PolicyVersion).where(PolicyVersion.policy_id == policy_id).order_by(PolicyVersion.number.desc())
    ).all()


def current(session: Session) -> list[tuple[Policy, PolicyVersion]]:
    rows = session.execute(
        select(Policy, PolicyVersion)
        .join(PolicyVersion, (PolicyVersion.policy_id == Policy.id) & (PolicyVersion.number == Policy.current_version))
        .order_by(Policy.code)
    ).all()
    return [(p, v) for p, v in rows]


def versions_by_id(session: Session, ids: Sequence[int]) -> dict[int, PolicyVersion]:
    return {v.id: v for v in session.scalars(select(PolicyVersion).where(PolicyVersion.id.in_(ids)))}


def issuing_org(session: Session, policy: Policy) -> Org | None:
    return session.scalar(
        select(Org)
        .where(Org.kind == policy.department, Org.region_code == policy.region_code, Org.active.is_(True))
        .order_by(Org.id)
        .limit(1)
    )


def org_keys(session: Session, ids: Collection[int]) -> frozenset[tuple[str, str]]:
    """(kind, region) of each org: the policies an org issues are those of its kind in its region."""
    if not ids:
        return frozenset()
    return frozenset((k, r) for k, r in session.execute(select(Org.kind, Org.region_code).where(Org.id.in_(ids))))


def may_review(principal: Principal, org: Org | None, roles: Sequence[str] = REVIEWERS) -> bool:
    """Staff of the issuing org in ``roles``; a system administrator may look at lists, never decide money."""
    if org is None:
        return False
    return org.id in principal.orgs(*roles) or (tuple(roles) == REVIEWERS and principal.has("system_admin"))


def run(session: Session, run_id: int, *, lock: bool = False) -> PolicyRun | None:
    return session.get(PolicyRun, run_id, with_for_update=lock)


def runs(session: Session, limit: int = 30) -> Sequence[PolicyRun]:
    return session.scalars(select(PolicyRun).order_by(PolicyRun.id.desc()).limit(limit)).all()


def latest_done_run(session: Session) -> PolicyRun | None:
    return session.scalar(select(PolicyRun).where(PolicyRun.status == "done").order_by(PolicyRun.id.desc()).limit(1))


def matches(
    session: Session, run_id: int, policy_id: int, *, status: str | None, offset: int, limit: int
) -> tuple[int, Sequence[PolicyMatch]]:
    query: Select[Any] = select(PolicyMatch).where(PolicyMatch.run_id == run_id, PolicyMatch.policy_id == policy_id)
    if status:
        query = query.where(PolicyMatch.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(PolicyMatch.credit_code).offset(offset).limit(limit)).all()
    return total, rows


def match_counts(session: Session, run_id: int, policy_id: int) -> dict[str, int]:
    rows = session.execute(
        select(PolicyMatch.status, func.count())
        .where(PolicyMatch.run_id == run_id, PolicyMatch.policy_id == policy_id)
        .group_by(PolicyMatch.status)
    ).all()
    return dict(rows)


def match(session: Session, match_id: int, *, lock: bool = False) -> PolicyMatch | None:
    return session.get(PolicyMatch, match_id, with_for_update=lock)


def proposed(session: Session, run_id: int, policy_id: int) -> Sequence[PolicyMatch]:
    return session.scalars(
        select(PolicyMatch)
        .where(PolicyMatch.run_id == run_id, PolicyMatch.policy_id == policy_id, PolicyMatch.status == "proposed")
        .order_by(PolicyMatch.id)
    ).all()


def lock_policy(session: Session, policy_id: int) -> None:
    session.get(Policy, policy_id, with_for_update=True, populate_existing=True)


def granted(session: Session, policy_id: int, data_year: int) -> dict[str, str]:
    """Enterprises a confirmed batch already pays for the policy and year, with the batch's number."""
    rows = session.execute(
        select(PolicyMatch.credit_code, PaymentBatch.number)
        .join(PaymentBatch, PaymentBatch.id == PolicyMatch.batch_id)
        .where(PolicyMatch.policy_id == policy_id, PolicyMatch.data_year == data_year)
        .where(PolicyMatch.status == "confirmed")
    ).all()
    return dict(rows)


def already_granted(session: Session, run_id: int, policy_id: int, data_year: int) -> list[tuple[PolicyMatch, str]]:
    """Entries of this run's list whose enterprise another run's confirmed batch already pays for the year."""
    granted = (
        select(PolicyMatch.credit_code, PaymentBatch.number)
        .join(PaymentBatch, PaymentBatch.id == PolicyMatch.batch_id)
        .where(PolicyMatch.policy_id == policy_id, PolicyMatch.data_year == data_year)
        .where(PolicyMatch.status == "confirmed")
        .subquery()
    )
    rows = session.execute(
        select(PolicyMatch, granted.c.number)
        .join(granted, granted.c.credit_code == PolicyMatch.credit_code)
        .where(PolicyMatch.run_id == run_id, PolicyMatch.policy_id == policy_id, PolicyMatch.status == "proposed")
    ).all()
    return [(m, n) for m, n in rows]


def batch_of(session: Session, run_id: int, policy_id: int) -> PaymentBatch | None:
    return session.scalar(
        select(PaymentBatch).where(PaymentBatch.run_id == run_id, PaymentBatch.policy_id == policy_id)
    )


def batch(session: Session, batch_id: int) -> PaymentBatch | None:
    return session.get(PaymentBatch, batch_id)


def payments_of_enterprise(session: Session, credit_code: str) -> list[tuple[Payment, Policy]]:
    rows = session.execute(
        select(Payment, Policy)
        .join(Policy, Policy.id == Payment.policy_id)
        .where(Payment.credit_code == credit_code)
        .order_by(Payment.id.desc())
    ).all()
    return [(p, pol) for p, pol in rows]


def payments_of_batch(session: Session, batch_id: int, offset: int, limit: int) -> Sequence[Payment]:
    return session.scalars(
        select(Payment).where(Payment.batch_id == batch_id).order_by(Payment.credit_code).offset(offset).limit(limit)
    ).all()


def concluded_cases(
    session: Session,
    *,
    after_event_id: int | None = None,
    since: dt.datetime | None = None,
    up_to_event_id: int | None = None,
    limit: int,
) -> list[tuple[int, Case]]:
    """Cases by their ``conclude`` events: new ones after a watermark, or recent ones at or below it."""
    query = select(CaseEvent.id, Case).join(Case, Case.id == CaseEvent.case_id).where(CaseEvent.action == "conclude")
    if after_event_id is not None:
        query = query.where(CaseEvent.id > after_event_id)
    if since is not None:
        query = query.where(CaseEvent.at >= since)
    if up_to_event_id is not None:
        query = query.where(CaseEvent.id <= up_to_event_id)
    return [(i, c) for i, c in session.execute(query.order_by(CaseEvent.id).limit(limit))]


def payment_of_case(session: Session, case_id: int, policy_id: int) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.case_id == case_id, Payment.policy_id == policy_id))


def claim_refused(session: Session, policy_id: int, case_id: int) -> bool:
    found = session.scalar(
        select(PolicyEvent.id).where(
            PolicyEvent.policy_id == policy_id,
            PolicyEvent.subject == "payment",
            PolicyEvent.subject_id == case_id,
            PolicyEvent.action == "claim_refused",
        )
    )
    return found is not None


def payment(session: Session, payment_id: int, *, lock: bool = False) -> Payment | None:
    return session.get(Payment, payment_id, with_for_update=lock)


def enterprise(session: Session, credit_code: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))


def enterprise_names(session: Session, codes: Sequence[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(codes), 10_000):  # under every driver's limit on bound parameters
        chunk = codes[start : start + 10_000]
        query = select(Enterprise.credit_code, Enterprise.name, Enterprise.region_code)
        for code, name, region in session.execute(query.where(Enterprise.credit_code.in_(chunk))):
            out[code] = (name, region)
    return out


def active_runs(session: Session) -> Sequence[PolicyRun]:
    return session.scalars(select(PolicyRun).where(PolicyRun.status.in_(("queued", "running")))).all()


def events(session: Session, subject: str, subject_id: int) -> Sequence[PolicyEvent]:
    return session.scalars(
        select(PolicyEvent)
        .where(PolicyEvent.subject == subject, PolicyEvent.subject_id == subject_id)
        .order_by(PolicyEvent.id)
    ).all()


def policy_events(session: Session, policy_id: int, limit: int = 50) -> Sequence[PolicyEvent]:
    return session.scalars(
        select(PolicyEvent).where(PolicyEvent.policy_id == policy_id).order_by(PolicyEvent.id.desc()).limit(limit)
    ).all()
