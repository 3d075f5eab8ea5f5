"""Read side of 好差评: what raters, orgs and supervisors see (lists and one occasion with its
rectification and history)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from onething.cases.repository import org_names
from onething.catalog.holidays import calendar
from onething.evaluations import repository as repo
from onething.evaluations.rules import ACTION_NAMES, LEVELS, OCCASION_STATES, OPEN_STEPS, STEP_NAMES, current_due
from onething.evaluations.schemas import EvaluationDetail, EvaluationOut, EventOut, RectificationOut
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.calendar import WorkCalendar
from onething.kit.errors import NotFound
from onething.kit.pagination import Page, page
from onething.models import Evaluation, Rectification


def rectification_out(r: Rectification, cal: WorkCalendar, today: dt.date, org_name: str | None) -> RectificationOut:
    due = current_due(r.status, r.callback_due, r.rectify_due)
    return RectificationOut(
        id=r.id,
        evaluation_id=r.evaluation_id,
        case_number=r.case_number,
        org_id=r.org_id,
        org_name=org_name,
        status=r.status,
        status_name=STEP_NAMES.get(r.status, r.status),
        opened_on=r.opened_on,
        callback_due=r.callback_due,
        rectify_due=r.rectify_due,
        due_step=due.step if due else None,
        due=due.due if due else None,
        remaining=cal.working_days_between(today, due.due) if due else None,
        contacted=r.contacted,
        callback_note=r.callback_note,
        classification=r.classification,
        classify_note=r.classify_note,
        appeal_decision=r.appeal_decision,
        appeal_opinion=r.appeal_opinion,
        measures=r.measures,
        answer=r.answer,
        rerate_closes_on=r.rerate_closes_on,
    )


def evaluation_out(ev: Evaluation, rect: RectificationOut | None = None) -> EvaluationOut:
    return EvaluationOut(
        id=ev.id,
        case_number=ev.case_number,
        occasion_key=ev.occasion_key,
        service_kind=ev.service_kind,
        thing_name=ev.thing_name,
        region_code=ev.region_code,
        concluded_on=ev.concluded_on,
        closes_on=ev.closes_on,
        state=ev.state,
        state_name=OCCASION_STATES.get(ev.state, ev.state),
        level=ev.level,
        level_name=LEVELS.get(ev.level) if ev.level else None,
        bad=ev.bad,
        scores=ev.scores,
        tags=ev.tags,
        comment=ev.comment,
        rating_channel=ev.rating_channel,
        rated_at=ev.rated_at,
        rerate_level=ev.rerate_level,
        rerate_comment=ev.rerate_comment,
        rectification=rect,
    )


def _with_rectifications(session: Session, rows: Sequence[Evaluation]) -> list[EvaluationOut]:
    rects = repo.rectifications_by_evaluation(session, (e.id for e in rows))
    names = org_names(session, {r.org_id for r in rects.values()})
    cal, today = calendar(session), clock.today()
    out = []
    for e in rows:
        r = rects.get(e.id)
        out.append(evaluation_out(e, rectification_out(r, cal, today, names.get(r.org_id)) if r else None))
    return out


def list_evaluations(
    session: Session,
    principal: Principal,
    *,
    case_number: str | None = None,
    state: str | None = None,
    bad: bool | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[EvaluationOut]:
    principal.require_login()
    stmt = repo.readable_evaluations(principal)
    if case_number:
        stmt = stmt.where(Evaluation.case_number == case_number)
    if state:
        stmt = stmt.where(Evaluation.state == state)
    if bad is not None:
        stmt = stmt.where(Evaluation.bad.is_(bad))
    rows, next_after = page(session, stmt, Evaluation.id, after, limit, descending=True)
    return Page(_with_rectifications(session, rows), next_after)


def occasions_for_case(session: Session, number: str) -> list[EvaluationOut]:
    """The occasions of a case the caller may already read (the case page checked access)."""
    return _with_rectifications(session, repo.occasions_of_case(session, number))


def evaluation_detail(session: Session, principal: Principal, evaluation_id: int) -> EvaluationDetail:
    principal.require_login()
    # Whoever may see the rectification may see its occasion: same org, same region, same applicant.
    ev = repo.readable_evaluation(session, principal, evaluation_id)
    if ev is None:
        raise NotFound(f"没有您可查看的评价 {evaluation_id}", field="id", code="evaluation_not_found")
    (base,) = _with_rectifications(session, [ev])
    events = [
        EventOut(
            at=e.at,
            actor=e.actor_name,
            action=e.action,
            action_name=ACTION_NAMES.get(e.action, e.action),
            to_status=e.to_status,
            comment=e.comment,
        )
        for e in repo.events(session, ev.id)
    ]
    return EvaluationDetail(**base.model_dump(), events=events)


def rectification_inbox(
    session: Session, principal: Principal, *, status: str | None = None, open_only: bool = True, limit: int = 100
) -> list[RectificationOut]:
    principal.require_login()
    stmt = repo.readable_rectifications(principal)
    if status:
        stmt = stmt.where(Rectification.status == status)
    elif open_only:
        stmt = stmt.where(Rectification.status.in_(tuple(OPEN_STEPS)))
    rows = session.scalars(stmt.order_by(Rectification.rectify_due, Rectification.id).limit(limit)).all()
    names = org_names(session, {r.org_id for r in rows})
    cal, today = calendar(session), clock.today()
    return [rectification_out(r, cal, today, names.get(r.org_id)) for r in rows]


def rectification_evaluation_id(session: Session, principal: Principal, rid: int) -> int:
    rect = repo.rectification(session, principal, rid)
    if rect is None:
        raise NotFound(f"没有您可查看的差评整改 {rid}", field="id", code="rectification_not_found")
    return rect.evaluation_id


def roles(session: Session, principal: Principal, item: EvaluationDetail) -> tuple[bool, bool, bool]:
    """Who the viewer is to this occasion's loop: (the rater, the serving org's staff, its supervisor)."""
    r = item.rectification
    if r is None or not principal.authenticated:
        return False, False, False
    rater = repo.is_rater(principal, repo.evaluation(session, item.id))
    return rater, r.org_id in principal.orgs(*repo.ORG_HANDLERS), principal.reaches(item.region_code, "supervisor")
