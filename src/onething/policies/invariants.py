"""Invariants of benefit policies (免申即享) for ``onething check``: each list entry's status agrees with its
last event, a confirmed list is exactly its payment batch (with its confirmation recorded), payments are paid
exactly when a payment is recorded, finished runs recorded their end, and the event table is append-only.

``policy_events`` names no states: an entry's last ``removed`` event leaves it removed, a ``restored`` one
back on the list (proposed, or confirmed since). Entries never touched by hand carry no event."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Exists, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from onething.identity.invariants import append_only
from onething.kit.invariants import Column, Invariant, Scope, Violation, count
from onething.models import Payment, PaymentBatch, PolicyEvent, PolicyMatch, PolicyRun


def _recorded(subject: str, action: str, subject_id: Column) -> Exists:
    return exists().where(
        PolicyEvent.subject == subject, PolicyEvent.action == action, PolicyEvent.subject_id == subject_id
    )


def list_state(session: Session, scope: Scope) -> Iterable[Violation]:
    scope.count("policy_matches", count(session, PolicyMatch.id))
    last = (
        select(PolicyEvent.subject_id.label("k"), func.max(PolicyEvent.id).label("last_id"))
        .where(PolicyEvent.subject == "match")
        .group_by(PolicyEvent.subject_id)
        .subquery()
    )
    agrees = or_(
        and_(PolicyEvent.action == "removed", PolicyMatch.status == "removed"),
        and_(PolicyEvent.action == "restored", PolicyMatch.status.in_(("proposed", "confirmed"))),
    )
    stmt = (
        select(PolicyMatch.id, PolicyMatch.status, PolicyEvent.action)
        .join(last, last.c.k == PolicyMatch.id)
        .join(PolicyEvent, PolicyEvent.id == last.c.last_id)
        .where(~agrees)
    )
    for mid, status, action in session.execute(stmt):
        yield Violation("policy_list_state", f"policy_match {mid}", f"状态为 {status}，最后一条名单记录为 {action}")
    in_batch = PolicyMatch.batch_id.is_not(None)
    loose = select(PolicyMatch.id, PolicyMatch.status, PolicyMatch.batch_id).where(
        or_(and_(PolicyMatch.status == "confirmed", ~in_batch), and_(PolicyMatch.status != "confirmed", in_batch))
    )
    for mid, status, batch in session.execute(loose):
        where = f"属于兑现批次 {batch}" if batch else "不属于任何兑现批次"
        yield Violation("policy_list_state", f"policy_match {mid}", f"状态为 {status}，但{where}")


def batches_agree(session: Session, scope: Scope) -> Iterable[Violation]:
    """A confirmed list: its batch's confirmation is recorded, and its count and total are its entries'."""
    scope.count("payment_batches", count(session, PaymentBatch.id))
    entries = (
        select(
            PolicyMatch.batch_id.label("batch_id"),
            func.count().label("n"),
            func.coalesce(func.sum(PolicyMatch.amount), 0).label("total"),
        )
        .where(PolicyMatch.status == "confirmed")
        .group_by(PolicyMatch.batch_id)
        .subquery()
    )
    stmt = (
        select(PaymentBatch.number, PaymentBatch.count, PaymentBatch.total, entries.c.n, entries.c.total)
        .outerjoin(entries, entries.c.batch_id == PaymentBatch.id)
        .where(
            or_(
                entries.c.n.is_(None),
                entries.c.n != PaymentBatch.count,
                # Within half a fen: SQLite sums NUMERIC as binary floating point.
                func.abs(entries.c.total - PaymentBatch.total) > 0.005,
                ~_recorded("batch", "confirmed", PaymentBatch.id),
            )
        )
    )
    for number, n, total, listed, listed_total in session.execute(stmt):
        yield Violation(
            "policy_batch",
            f"payment_batch {number}",
            f"批次记 {n} 户 {total} 元，名单确认 {listed or 0} 户 {listed_total or 0} 元，或缺少确认记录",
        )


def payments_agree(session: Session, scope: Scope) -> Iterable[Violation]:
    scope.count("payments", count(session, Payment.id))
    paid = _recorded("payment", "paid", Payment.id)
    stmt = select(Payment.id, Payment.status).where(
        or_(and_(Payment.status == "paid", ~paid), and_(Payment.status != "paid", paid))
    )
    for pid, status in session.execute(stmt):
        yield Violation("policy_payment_state", f"payment {pid}", f"状态为 {status}，与拨付记录不符")
    done = _recorded("run", "done", PolicyRun.id)
    runs = select(PolicyRun.id, PolicyRun.status).where(
        or_(and_(PolicyRun.status == "done", ~done), and_(PolicyRun.status != "done", done))
    )
    for rid, status in session.execute(runs):
        yield Violation("policy_payment_state", f"policy_run {rid}", f"状态为 {status}，与完成记录不符")


def _append_only(session: Session, scope: Scope) -> Iterable[Violation]:
    return append_only(session, scope, "policy_events_append_only", ("policy_events",))


INVARIANTS = [
    Invariant("policy_list_state", "兑现名单状态与最后一条记录一致", list_state),
    Invariant("policy_batch", "已确认名单与兑现批次一致", batches_agree),
    Invariant("policy_payment_state", "兑现拨付与匹配批次状态与记录一致", payments_agree),
    Invariant("policy_events_append_only", "政策记录只追加（触发器在位）", _append_only),
]
