"""好差评 operations: enrol service occasions, take one rating per occasion from the applicant, turn
a bad review into a rectification and move it step by step; close what lapses. Never commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from onething.cases.context import SYSTEM, find_case, is_applicant
from onething.catalog.holidays import calendar
from onething.evaluations import repository as repo
from onething.evaluations.rules import (
    ACTION_NAMES,
    LEVELS,
    Rating,
    Step,
    Who,
    check_rating,
    closes_on,
    deadlines,
    is_bad,
    next_step,
    who_acts,
)
from onething.evaluations.schemas import RateIn, RerateIn
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.db import insert_ignoring
from onething.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onething.kit.settings import get_settings
from onething.models import Case, CaseEvent, Evaluation, EvaluationEvent, Rectification
from onething.outbox.service import enqueue

IN_PERSON_CHANNELS = ("window", "helper")


def _event(
    session: Session,
    principal: Principal,
    evaluation_id: int,
    action: str,
    before: str | None,
    after: str | None,
    comment: str | None = None,
    *,
    rect: Rectification | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        EvaluationEvent(
            evaluation_id=evaluation_id,
            rectification_id=rect.id if rect else None,
            at=clock.now(),
            actor_id=principal.user_id,
            actor_name=principal.name if principal.authenticated else "系统",
            action=action,
            from_status=before,
            to_status=after,
            comment=comment,
            detail=detail,
        )
    )


# -- enrolment -------------------------------------------------------------------------------------


def _is_visit(event: CaseEvent, case: Case) -> bool:
    if event.action == "deliver":
        return (case.delivery or {}).get("method") == "window"
    return event.action in ("accept", "accept_with_shortfall", "refuse")


def occasion_values(event: CaseEvent, case: Case, window_days: int, today_cal: Any) -> dict[str, Any] | None:
    """The occasion a case event opens, or None. An online case (web, mobile, kiosk) is rated once
    when it ends — concluded or refused (一事一评); a case served at a window is rated at each visit —
    its acceptance or refusal, and handing over the results at the window (一次一评)."""
    in_person = case.channel in IN_PERSON_CHANNELS
    if not in_person and event.action in ("conclude", "refuse"):
        key, clerk = "case", case.clerk_id if event.action == "conclude" else event.actor_id
    elif in_person and _is_visit(event, case):
        key, clerk = f"visit:{event.id}", event.actor_id
    else:
        return None
    day = clock.local(event.at).date()
    return {
        "case_id": case.id,
        "case_number": case.number,
        "occasion_key": key,
        "service_kind": "in_person" if in_person else "online",
        "channel": case.channel,
        "region_code": case.region_code,
        "org_id": case.receiving_org_id,
        "window_id": case.window_id,
        "clerk_id": clerk,
        "thing_code": case.thing_code,
        "thing_name": case.thing_name,
        "applicant_code": case.applicant_credit_code or case.applicant_id_number,
        "concluded_on": day,
        "closes_on": closes_on(today_cal, day, window_days),
        "state": "open",
        "created_at": clock.now(),
        "updated_at": clock.now(),
        "version": 1,
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Insert occasions not there yet (a racing enroller's rows are skipped); the new ids and rows."""
    stmt = insert_ignoring(session, Evaluation)
    new: list[tuple[int, dict[str, Any]]] = []
    for row in rows:  # one by one: RETURNING of a multi-row insert with conflicts differs by database
        got = session.execute(stmt.values(**row).returning(Evaluation.id)).scalar()
        if got is not None:
            new.append((int(got), row))
    return new


def _enrol(session: Session, pairs: list[tuple[CaseEvent, Case]]) -> int:
    settings = get_settings()
    cal = calendar(session)
    have = repo.existing_keys(session, {c.number for _, c in pairs})
    rows = []
    for event, case in pairs:
        values = occasion_values(event, case, settings.evaluation_window_days, cal)
        if values and (values["case_number"], values["occasion_key"]) not in have:
            rows.append(values)
            have.add((values["case_number"], values["occasion_key"]))
    new = _insert_new(session, rows)
    for occasion_id, row in new:
        _event(session, SYSTEM, occasion_id, "enrol", None, "open", f"评价期至 {row['closes_on']:%Y-%m-%d}")
    return len(new)


def enrol(session: Session, after_event_id: int, recent: dt.datetime, limit: int = 5000) -> tuple[int, int]:
    """The periodic step, one bounded batch: occasions for the case events after the watermark (and
    the recent ones again); (enrolled, new watermark)."""
    pairs = list(repo.enrolling_events(session, after_event_id, recent, limit))
    if not pairs:
        return 0, after_event_id
    return _enrol(session, pairs), max(after_event_id, pairs[-1][0].id)


def ensure_occasions(session: Session, case: Case) -> list[Evaluation]:
    """This case's occasions, enrolling any the periodic job has not reached yet."""
    events = repo.enrolling_events_of_case(session, case.id)
    _enrol(session, [(e, case) for e in events])
    return list(repo.occasions_of_case(session, case.number))


def occasions_of(session: Session, principal: Principal, number: str) -> list[Evaluation]:
    """A case's occasions for whoever may read the case (enrolled now if the job has not yet)."""
    return ensure_occasions(session, find_case(session, principal, number))


# -- rating ----------------------------------------------------------------------------------------


def _pick(occasions: list[Evaluation], key: str | None, case: Case) -> Evaluation:
    if key is not None:
        for o in occasions:
            if o.occasion_key == key:
                return o
        raise NotFound(f"办件 {case.number} 没有服务场次 {key}", field="occasion", code="occasion_not_found")
    open_ones = [o for o in occasions if o.state == "open"]
    if len(open_ones) > 1:
        raise ValidationFailed("本办件有多次服务待评价，请指明服务场次", field="occasion", code="occasion_required")
    if open_ones:
        return open_ones[0]
    if not occasions:
        raise Conflict("办件办结（或完成窗口服务）后方可评价", field="number", code="not_concluded")
    return occasions[-1]  # its state explains the refusal below


def rate(session: Session, principal: Principal, number: str, body: RateIn) -> Evaluation:
    case = find_case(session, principal, number)
    if not is_applicant(principal, case):
        raise Forbidden("只有本办件的申请人可以评价", code="not_applicant")
    chosen = _pick(ensure_occasions(session, case), body.occasion, case)
    ev = repo.evaluation(session, chosen.id, lock=True)
    _require_open(ev)
    check_rating(ev.service_kind, Rating(body.level, body.scores, body.tags, body.comment, body.channel))
    ev.state, ev.level, ev.bad = "rated", body.level, is_bad(body.level)
    ev.scores, ev.tags, ev.comment = dict(body.scores), list(body.tags), (body.comment or "").strip() or None
    ev.rating_channel, ev.rater_id, ev.rated_at, ev.real_name = body.channel, principal.user_id, clock.now(), True
    _event(session, principal, ev.id, "rate", "open", "rated", LEVELS[body.level], detail={"channel": body.channel})
    if ev.bad:
        _open_rectification(session, principal, ev, case)
    return ev


def _require_open(ev: Evaluation) -> None:
    if ev.state == "rated":
        raise Conflict("本次服务已评价，每次服务只能评价一次", field="occasion", code="already_rated")
    if ev.state != "open" or clock.today() > ev.closes_on:
        raise Conflict(f"评价期已于 {ev.closes_on:%Y-%m-%d} 结束，不能再评价", field="occasion", code="rating_closed")


def _open_rectification(session: Session, principal: Principal, ev: Evaluation, case: Case) -> None:
    settings = get_settings()
    if ev.org_id is None:
        raise Conflict("该办件没有受理机构，无法转办差评", field="number", code="no_handling_org")
    today = clock.today()
    callback_due, rectify_due = deadlines(
        calendar(session), today, settings.rectification_callback_days, settings.rectification_days
    )
    rect = Rectification(
        evaluation_id=ev.id,
        org_id=ev.org_id,
        region_code=ev.region_code,
        case_number=ev.case_number,
        status=Step.callback,
        opened_on=today,
        callback_due=callback_due,
        rectify_due=rectify_due,
    )
    repo.add(session, rect)
    comment = f"回访核实期限 {callback_due:%Y-%m-%d}，整改反馈期限 {rectify_due:%Y-%m-%d}"
    _event(session, SYSTEM, ev.id, "open", None, Step.callback, comment, rect=rect)
    body = f"办件 {case.number}（{case.thing_name}）收到差评，请于 {callback_due:%Y-%m-%d} 前回访核实。"
    enqueue(session, "rectification.opened", "org", ev.org_id, "收到差评，请及时回访核实", body, data={"id": rect.id})


def rerate(session: Session, principal: Principal, evaluation_id: int, body: RerateIn) -> Evaluation:
    """追评: once, after the org has answered, before the re-rating window ends."""
    ev = repo.evaluation(session, _own_occasion(session, principal, evaluation_id).id, lock=True)
    rect = repo.rectification_of(session, ev.id)
    if rect is None:
        raise Conflict("只有差评在整改反馈后可以追评", field="id", code="no_rectification")
    if ev.rerated_at is not None:
        raise Conflict("追评只能一次", field="id", code="already_rerated")
    if body.level not in LEVELS:
        raise ValidationFailed("请选择评价等级（1–5）", field="level", code="invalid_level")
    step = next_step("rerate", rect.status)
    if rect.rerate_closes_on is not None and clock.today() > rect.rerate_closes_on:
        raise Conflict(f"追评期已于 {rect.rerate_closes_on:%Y-%m-%d} 结束", field="id", code="rerate_closed")
    ev.rerate_level, ev.rerate_comment, ev.rerated_at = body.level, (body.comment or "").strip() or None, clock.now()
    before, rect.status, rect.closed_at = rect.status, step, clock.now()
    _event(session, principal, ev.id, "rerate", before, step, LEVELS[body.level], rect=rect)
    return ev


def _own_occasion(session: Session, principal: Principal, evaluation_id: int) -> Evaluation:
    principal.require_login()
    ev = repo.readable_evaluation(session, principal, evaluation_id)
    if ev is None:
        raise NotFound(f"没有您可查看的评价 {evaluation_id}", field="id", code="evaluation_not_found")
    if ev.rater_id is None or ev.rater_id != principal.user_id:
        raise Forbidden("只有评价人本人可以追评", code="not_rater")
    return ev


# -- the bad-review loop ---------------------------------------------------------------------------


def _may(principal: Principal, rect: Rectification, who: Who) -> bool:
    if who is Who.org:
        return rect.org_id in principal.orgs(*repo.ORG_HANDLERS)
    if who is Who.supervisor:
        return principal.reaches(rect.region_code, "supervisor")
    return False


def find_rectification(session: Session, principal: Principal, rid: int, *, lock: bool = False) -> Rectification:
    principal.require_login()
    rect = repo.rectification(session, principal, rid, lock=lock)
    if rect is None:
        raise NotFound(f"没有您可查看的差评整改 {rid}", field="id", code="rectification_not_found")
    return rect


def step(session: Session, principal: Principal, rid: int, action: str, **fields: Any) -> Rectification:
    """callback | classify | appeal | rectify | answer — each by whom the loop says, in its turn."""
    rect = find_rectification(session, principal, rid, lock=True)
    who = who_acts(action)
    if not _may(principal, rect, who):
        whom = "承办机构的工作人员" if who is Who.org else "本地区监察人员"
        raise Forbidden(f"此环节由{whom}办理", code="not_your_step")
    target = next_step(
        action, rect.status, classification=fields.get("classification"), upheld=fields.get("decision") == "upheld"
    )
    ev = repo.evaluation(session, rect.evaluation_id, lock=True)
    before, rect.status = rect.status, target
    comment = _apply(session, rect, ev, action, fields)
    _event(session, principal, ev.id, _event_name(action, fields), before, target, comment, rect=rect)
    return rect


def _event_name(action: str, fields: dict[str, Any]) -> str:
    if action == "appeal":
        return "appeal_upheld" if fields["decision"] == "upheld" else "appeal_rejected"
    return action


def _apply(session: Session, rect: Rectification, ev: Evaluation, action: str, f: dict[str, Any]) -> str:
    at = clock.now()
    if action == "callback":
        rect.contacted, rect.callback_note, rect.called_back_at = f["contacted"], f["note"], at
        ev.called_back = bool(f["contacted"])
        return ("已联系评价人：" if f["contacted"] else "未能联系上评价人：") + f["note"]
    if action == "classify":
        rect.classification, rect.classify_note, rect.classified_at = f["classification"], f["note"], at
        return f["note"]
    if action == "appeal":
        rect.appeal_decision, rect.appeal_opinion = f["decision"], f["opinion"]
        if f["decision"] == "upheld":
            rect.closed_at, ev.appeal_upheld = at, True
        return f["opinion"]
    if action == "rectify":
        rect.measures, rect.rectified_at = f["measures"], at
        return f["measures"]
    # answer
    settings = get_settings()
    rect.answer, rect.answered_at = f["answer"], at
    rect.rerate_closes_on = calendar(session).add_working_days(clock.today(), settings.rerate_window_days)
    ev.rectified = True
    if ev.rater_id is not None:
        body = f"您对办件 {rect.case_number} 的评价已有整改反馈，可在 {rect.rerate_closes_on:%Y-%m-%d} 前追评一次。"
        enqueue(session, "rectification.answered", "user", ev.rater_id, "差评整改反馈", body, data={"id": rect.id})
    return f["answer"]


# -- what lapses (the periodic job) ----------------------------------------------------------------


def expire(session: Session, today: dt.date, limit: int = 5000) -> int:
    """Occasions past their rating window become 未评价 (or 默认好评 where the province says so);
    answered rectifications past the re-rating window close."""
    default_good = get_settings().evaluation_default_good
    done = 0
    for ev in repo.lapsed(session, today, limit):
        target = "default_good" if default_good else "expired"
        ev.state = target
        _event(session, SYSTEM, ev.id, target, "open", target, ACTION_NAMES[target])
        done += 1
    for rect in repo.rerate_lapsed(session, today, limit):
        rect.status, rect.closed_at = Step.closed, clock.now()
        _event(
            session, SYSTEM, rect.evaluation_id, "close", Step.answered, Step.closed, "追评期满，整改办结", rect=rect
        )
        done += 1
    return done


# -- may this person rate now (pages read the answer; no template knows an occasion's state) ---------


@dataclass(frozen=True, slots=True)
class RatingChances:
    """What a reader of a case may do about its occasions now: ``open`` — the ids they may rate;
    ``why_not`` — for each other occasion, why not in words; ``notice`` — when nothing may be rated,
    what to tell them (办结后可评价, 评价期已过, …)."""

    open: frozenset[int] = frozenset()
    why_not: dict[int, str] = field(default_factory=dict)
    notice: str | None = None

    @property
    def can_rate(self) -> bool:
        return bool(self.open)


def _why_not(ev: Evaluation, applicant: bool, today: dt.date) -> str | None:
    """Why ``ev`` cannot be rated now (the same rules as ``rate``), or None when it can."""
    if ev.state == "rated":
        return "本次服务已评价。"
    if ev.state == "default_good":
        return f"评价期已于 {ev.closes_on:%Y-%m-%d} 结束，按规定计为默认好评。"
    if ev.state != "open" or today > ev.closes_on:
        return f"评价期已于 {ev.closes_on:%Y-%m-%d} 结束，不能再评价。"
    if not applicant:
        return f"待申请人评价（评价期至 {ev.closes_on:%Y-%m-%d}）。"
    return None


def _notice(case: Case, occasions: list[Evaluation], why_not: dict[int, str], applicant: bool) -> str:
    """Why nothing of this case can be rated now, in one sentence."""
    if not occasions:
        if case.status == "withdrawn":
            return "申请已撤回，没有需要评价的服务。"
        if case.channel in IN_PERSON_CHANNELS:
            return "窗口受理、办结交付等每次服务完成后可评价，本办件还没有完成的服务。"
        return "办结后可评价：办件办结（或作出不予受理决定）后，您可以在这里评价本次服务。"
    if all(o.state == "rated" for o in occasions):
        return "本办件的服务都已评价，感谢您的评价。"
    if not applicant:
        return "只有本办件的申请人可以评价。"
    return "评价期已过，不能再评价。" if len(occasions) > 1 else why_not[occasions[0].id]


def rating_chances(session: Session, principal: Principal, number: str, *, enrol: bool = True) -> RatingChances:
    """Whether ``principal`` may rate each occasion of case ``number`` now, and why not. With
    ``enrol`` the occasions the periodic job has not reached yet are enrolled first (as the rating
    page does); without, it only reads. A case the principal may not read is refused (404)."""
    case = find_case(session, principal, number)
    occasions = ensure_occasions(session, case) if enrol else list(repo.occasions_of_case(session, number))
    applicant, today = is_applicant(principal, case), clock.today()
    why_not = {o.id: why for o in occasions if (why := _why_not(o, applicant, today)) is not None}
    open_ids = frozenset(o.id for o in occasions if o.id not in why_not)
    notice = None if open_ids else _notice(case, occasions, why_not, applicant)
    return RatingChances(open_ids, why_not, notice)


def rateable(session: Session, principal: Principal, case_number: str) -> bool:
    """Whether ``principal`` may rate some service of this case now: the case page shows its
    "评价本次服务" link only then. False for whoever may not read the case."""
    if not principal.authenticated:
        return False
    try:
        return rating_chances(session, principal, case_number).can_rate
    except NotFound:
        return False
