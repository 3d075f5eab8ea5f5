"""Invariants of 好差评 for ``onething check``: each occasion's and rectification's state agrees with its last
event, every bad review of a case handled here has its rectification (and only bad ones do), and the event
table is append-only.

Occasions imported from other business systems (``case_id`` NULL) carry no events and no rectification
here — their bad-review loop ran where they were handled — so they are held to the events they do have."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from onething.identity.invariants import append_only
from onething.kit.invariants import Invariant, Scope, Violation, count, state_mismatches
from onething.models import Evaluation, EvaluationEvent, Rectification


def evaluation_state(session: Session, scope: Scope) -> Iterable[Violation]:
    scope.count("evaluations", count(session, Evaluation.id))
    for m in state_mismatches(
        session,
        key=Evaluation.id,
        label=Evaluation.id,
        status=Evaluation.state,
        event_key=EvaluationEvent.evaluation_id,
        event_id=EvaluationEvent.id,
        event_status=EvaluationEvent.to_status,
        event_where=[EvaluationEvent.rectification_id.is_(None)],
        eventless_ok=Evaluation.case_id.is_(None),
    ):
        detail = f"状态为 {m.status}，最后一条评价记录为 {m.last}" if m.last else f"状态为 {m.status}，没有评价记录"
        yield Violation("evaluation_state", f"evaluation {m.subject}", detail)
    scope.count("rectifications", count(session, Rectification.id))
    for m in state_mismatches(
        session,
        key=Rectification.id,
        label=Rectification.id,
        status=Rectification.status,
        event_key=EvaluationEvent.rectification_id,
        event_id=EvaluationEvent.id,
        event_status=EvaluationEvent.to_status,
        event_where=[EvaluationEvent.rectification_id.is_not(None)],
    ):
        detail = f"状态为 {m.status}，最后一条整改记录为 {m.last}" if m.last else f"状态为 {m.status}，没有整改记录"
        yield Violation("evaluation_state", f"rectification {m.subject}", detail)


def bad_reviews_rectified(session: Session, scope: Scope) -> Iterable[Violation]:
    """Every bad review of a case handled here has its rectification; no good one has one."""
    has_rect = exists().where(Rectification.evaluation_id == Evaluation.id)
    missing = select(Evaluation.id, Evaluation.case_number).where(
        Evaluation.bad.is_(True), Evaluation.case_id.is_not(None), ~has_rect
    )
    for eid, number in session.execute(missing):
        yield Violation("bad_review_rectification", f"evaluation {eid}", f"办件 {number} 的差评没有整改记录")
    stray = select(Rectification.id, Evaluation.id).join(Evaluation, Evaluation.id == Rectification.evaluation_id)
    for rid, eid in session.execute(stray.where(Evaluation.bad.is_not(True))):
        yield Violation("bad_review_rectification", f"rectification {rid}", f"评价 {eid} 不是差评，却有整改记录")
    scope.count("bad_reviews", count(session, Evaluation.id, Evaluation.bad.is_(True)))


def _append_only(session: Session, scope: Scope) -> Iterable[Violation]:
    return append_only(session, scope, "evaluation_events_append_only", ("evaluation_events",))


INVARIANTS = [
    Invariant("evaluation_state", "评价与整改状态与最后一条记录一致", evaluation_state),
    Invariant("bad_review_rectification", "每条差评都有整改记录", bad_reviews_rectified),
    Invariant("evaluation_events_append_only", "评价记录只追加（触发器在位）", _append_only),
]
