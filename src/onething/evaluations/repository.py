"""Every 好差评 query. ``readable_*`` filter by the principal in SQL: raters their own occasions,
the org that served them its own, supervisors their region and below."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.identity.repository import in_scopes
from onething.models import Case, CaseEvent, Evaluation, EvaluationEvent, Rectification

ORG_HANDLERS = ("window_clerk", "approver", "dept_head")  # the serving org's staff answer its bad reviews
ENROLLING_ACTIONS = ("accept", "accept_with_shortfall", "refuse", "conclude", "deliver")


def is_rater(principal: Principal, ev: Evaluation) -> bool:
    """Who rated this occasion (and alone may re-rate it)."""
    return ev.rater_id is not None and ev.rater_id == principal.user_id


def _own(principal: Principal) -> list[ColumnElement[bool]]:
    codes = set(principal.enterprises)
    if principal.id_number:
        codes.add(principal.id_number)
    return [Evaluation.applicant_code.in_(codes)] if codes else []


def readable_evaluations(principal: Principal) -> Select[Evaluation]:
    conditions = _own(principal)
    if principal.user_id is not None:
        conditions.append(Evaluation.rater_id == principal.user_id)
    orgs = principal.orgs(*ORG_HANDLERS)
    if orgs:
        conditions.append(Evaluation.org_id.in_(orgs))
    if principal.has("supervisor"):
        conditions.append(in_scopes(Evaluation.region_code, principal.scopes("supervisor")))
    return select(Evaluation).where(or_(*conditions) if conditions else false())


def readable_rectifications(principal: Principal) -> Select[Rectification]:
    conditions: list[ColumnElement[bool]] = []
    orgs = principal.orgs(*ORG_HANDLERS)
    if orgs:
        conditions.append(Rectification.org_id.in_(orgs))
    if principal.has("supervisor"):
        conditions.append(in_scopes(Rectification.region_code, principal.scopes("supervisor")))
    own = _own(principal)
    if own:
        mine = select(Evaluation.id).where(*own)
        conditions.append(Rectification.evaluation_id.in_(mine))
    return select(Rectification).where(or_(*conditions) if conditions else false())


def readable_evaluation(session: Session, principal: Principal, evaluation_id: int) -> Evaluation | None:
    return session.scalar(readable_evaluations(principal).where(Evaluation.id == evaluation_id))


def occasions_of_case(session: Session, case_number: str) -> Sequence[Evaluation]:
    stmt = select(Evaluation).where(Evaluation.case_number == case_number).order_by(Evaluation.id)
    return session.scalars(stmt).all()


def evaluation(session: Session, evaluation_id: int, *, lock: bool = False) -> Evaluation:
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one()


def rectification(session: Session, principal: Principal, rid: int, *, lock: bool = False) -> Rectification | None:
    stmt = readable_rectifications(principal).where(Rectification.id == rid)
    if lock:
        stmt = stmt.with_for_update(of=Rectification).execution_options(populate_existing=True)
    return session.scalar(stmt)


def rectification_of(session: Session, evaluation_id: int) -> Rectification | None:
    return session.scalar(select(Rectification).where(Rectification.evaluation_id == evaluation_id))


def rectifications_by_evaluation(session: Session, ids: Iterable[int]) -> dict[int, Rectification]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(Rectification).where(Rectification.evaluation_id.in_(wanted)))
    return {r.evaluation_id: r for r in rows}


def events(session: Session, evaluation_id: int) -> Sequence[EvaluationEvent]:
    stmt = select(EvaluationEvent).where(EvaluationEvent.evaluation_id == evaluation_id)
    return session.scalars(stmt.order_by(EvaluationEvent.id)).all()


def enrolling_events(
    session: Session, after_id: int, recent: dt.datetime, limit: int
) -> Sequence[tuple[CaseEvent, Case]]:
    """Case events that open a rating occasion, in id order: after the watermark, and again every
    one since ``recent`` (ids are given out before commit, so a lower one may land after a higher)."""
    stmt = (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(or_(CaseEvent.id > after_id, CaseEvent.at > recent), CaseEvent.action.in_(ENROLLING_ACTIONS))
        .order_by(CaseEvent.id)
        .limit(limit)
    )
    return [(e, c) for e, c in session.execute(stmt)]


def enrolling_events_of_case(session: Session, case_id: int) -> Sequence[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action.in_(ENROLLING_ACTIONS))
    return session.scalars(stmt.order_by(CaseEvent.id)).all()


def existing_keys(session: Session, numbers: Iterable[str]) -> set[tuple[str, str]]:
    wanted = set(numbers)
    if not wanted:
        return set()
    stmt = select(Evaluation.case_number, Evaluation.occasion_key).where(Evaluation.case_number.in_(wanted))
    return {(n, k) for n, k in session.execute(stmt)}


def lapsed(session: Session, today: dt.date, limit: int) -> Sequence[Evaluation]:
    """Open occasions whose rating window has ended, locked (others skip them on PostgreSQL)."""
    stmt = (
        select(Evaluation)
        .where(Evaluation.state == "open", Evaluation.closes_on < today)
        .order_by(Evaluation.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).all()


def rerate_lapsed(session: Session, today: dt.date, limit: int) -> Sequence[Rectification]:
    stmt = (
        select(Rectification)
        .where(Rectification.status == "answered", Rectification.rerate_closes_on < today)
        .order_by(Rectification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).all()


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()
