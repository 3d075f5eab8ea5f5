"""The comprehensive window (综合窗口): check once, then accept, accept with a tolerated shortfall,
send ONE correction notice, or refuse; at the end, hand the results over."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from onething.cases import forms
from onething.cases import repository as repo
from onething.cases.context import (
    case_event,
    case_guide,
    find_case,
    require_applicant,
    require_clerk,
    results_held,
    route,
)
from onething.cases.department import dispatch_ready, make_tasks, refresh_deadline
from onething.cases.schemas import AcceptIn, CorrectionIn, DeliverIn, RefuseIn, ShortfallIn
from onething.cases.workflow import Actor, CaseStatus, case_move
from onething.catalog.holidays import calendar
from onething.guide.model import Guide, GuideMaterial
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import Conflict, ValidationFailed
from onething.models import Case


def _missing(session: Session, case: Case, guide: Guide) -> list[GuideMaterial]:
    have = {m.material_code for m in repo.materials_of(session, case.id)}
    return [m for m in forms.to_upload(guide, case.commitments) if m.code not in have]


def _accept(
    session: Session,
    principal: Principal,
    case: Case,
    guide: Guide,
    action: str,
    comment: str | None,
    detail: dict[str, Any] | None = None,
) -> Case:
    catalog, _ = case_guide(session, case)
    routes = route(session, catalog, guide, case.region_code)
    t = case_move(case.status, action, require_clerk(principal, case))
    before, case.status = case.status, t.target or case.status
    case.accepted_at, case.clerk_id = clock.now(), principal.user_id
    if principal.user_id is not None:
        case.window_id = repo.clerk_window(session, principal.user_id)
    case_event(session, case, principal, t, before, comment, detail)
    tasks = make_tasks(session, case, guide, routes)
    dispatch_ready(session, principal, case, tasks)
    refresh_deadline(session, case, tasks)
    return case


def accept(session: Session, principal: Principal, number: str, body: AcceptIn) -> Case:
    case = find_case(session, principal, number, lock=True)
    require_clerk(principal, case)
    case_move(case.status, "accept", Actor.clerk)
    _, guide = case_guide(session, case)
    missing = _missing(session, case, guide)
    if missing:
        names = "、".join(m.name for m in missing)
        raise ValidationFailed(
            f"材料不齐：「{names}」尚未提交。非关键材料可容缺受理，否则请一次性告知补正",
            field="materials",
            code="materials_missing",
        )
    return _accept(session, principal, case, guide, "accept", body.comment)


def accept_with_shortfall(session: Session, principal: Principal, number: str, body: ShortfallIn) -> Case:
    """容缺受理: only tolerable materials may be missing; the applicant commits to supply them within
    ``due_days`` working days, and results are held until they do."""
    case = find_case(session, principal, number, lock=True)
    require_clerk(principal, case)
    case_move(case.status, "accept_with_shortfall", Actor.clerk)
    _, guide = case_guide(session, case)
    by_code = {m.code: m for m in guide.materials}
    for code in body.materials:
        m = by_code.get(code)
        if m is None:
            raise ValidationFailed(f"本办件没有材料 {code}", field="materials", code="unknown_material")
        if m.necessity == "key":
            raise ValidationFailed(f"「{m.name}」是关键材料，不能容缺受理", field="materials", code="key_material")
    missing = _missing(session, case, guide)
    uncovered = [m.name for m in missing if m.code not in body.materials]
    if uncovered:
        raise ValidationFailed(
            f"「{'、'.join(uncovered)}」尚未提交且未列入容缺清单", field="materials", code="materials_missing"
        )
    have = {m.code for m in guide.materials} - {m.code for m in missing}
    already = [by_code[c].name for c in body.materials if c in have]
    if already:
        raise ValidationFailed(f"「{'、'.join(already)}」已经提交，无需容缺", field="materials", code="not_missing")
    due = calendar(session).add_working_days(clock.today(), body.due_days)
    case.shortfall = {
        "materials": sorted(set(body.materials)),
        "names": [by_code[c].name for c in sorted(set(body.materials))],
        "due": due.isoformat(),
        "commitment": body.commitment,
        "supplied_on": None,
    }
    return _accept(
        session, principal, case, guide, "accept_with_shortfall", body.commitment, {"shortfall": case.shortfall}
    )


def request_correction(session: Session, principal: Principal, number: str, body: CorrectionIn) -> Case:
    """一次性补正告知: one notice naming every field and material to fix; nothing starts until the
    applicant resubmits."""
    case = find_case(session, principal, number, lock=True)
    t = case_move(case.status, "request_correction", require_clerk(principal, case))
    _, guide = case_guide(session, case)
    fields = forms.fields(guide.form)
    materials = {m.code: m.name for m in guide.materials}
    items = []
    for n, item in enumerate(body.items):
        names = fields if item.kind == "field" else materials
        if item.code not in names:
            what = "表单项" if item.kind == "field" else "材料"
            raise ValidationFailed(f"本办件没有{what} {item.code}", field=f"items.{n}.code", code="unknown_item")
        label = fields[item.code].label if item.kind == "field" else materials[item.code]
        items.append({**item.model_dump(), "name": label})
    before, case.status = case.status, t.target or case.status
    case.submit_key = None  # the resubmission is a new submission
    kept = sorted(m.id for m in repo.materials_of(session, case.id))
    case.correction = {
        "stage": "window",
        "items": items,
        "note": body.note,
        "requested_on": clock.today().isoformat(),
        "by": principal.name,
        # What was sent back: the resubmission is reviewed as a difference from it (cases.review).
        "sent_back": {"form": dict(case.form), "materials": kept},
    }
    case_event(session, case, principal, t, before, body.note, {"items": items})
    return case


def refuse(session: Session, principal: Principal, number: str, body: RefuseIn) -> Case:
    case = find_case(session, principal, number, lock=True)
    t = case_move(case.status, "refuse", require_clerk(principal, case))
    before, case.status = case.status, t.target or case.status
    case.refusal = body.reason
    case_event(session, case, principal, t, before, body.reason)
    return case


def deliver(session: Session, principal: Principal, number: str, body: DeliverIn) -> Case:
    """综合窗口出件 closes the case at once (the applicant has the results in hand); by post the
    case closes when the applicant confirms receipt."""
    case = find_case(session, principal, number, lock=True)
    t = case_move(case.status, "deliver", require_clerk(principal, case))
    if results_held(case):
        raise Conflict("容缺材料尚未补齐，审批结果暂缓发放", field="shortfall", code="results_held")
    if body.method == "post":
        for name in ("address", "carrier", "tracking_number"):
            if not getattr(body, name):
                label = {"address": "邮寄地址", "carrier": "快递公司", "tracking_number": "运单号"}[name]
                raise ValidationFailed(f"邮寄出件请填写{label}", field=name, code="delivery_incomplete")
    before, case.status = case.status, t.target or case.status
    case.delivery = {**body.model_dump(), "at": clock.now().isoformat(), "by": principal.name}
    words = "综合窗口当面交付" if body.method == "window" else f"{body.carrier} 邮寄，运单号 {body.tracking_number}"
    case_event(session, case, principal, t, before, words)
    if body.method == "window":
        _close(session, principal, case, Actor.clerk, "申请人当面签收")
    return case


def confirm_receipt(session: Session, principal: Principal, number: str) -> Case:
    case = find_case(session, principal, number, lock=True)
    _close(session, principal, case, require_applicant(principal, case), "申请人确认收到")
    return case


def _close(session: Session, principal: Principal, case: Case, actor: Actor, comment: str) -> None:
    t = case_move(case.status, "close", actor)
    before, case.status = case.status, CaseStatus.closed
    case.closed_at = clock.now()
    case_event(session, case, principal, t, before, comment)
