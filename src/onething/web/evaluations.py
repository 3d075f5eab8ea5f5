"""好差评 pages: the applicant rates a concluded service, sees the answer to a bad review and re-rates;
the serving org works its rectification inbox step by step; a supervisor rules on appeals. Plain
forms, no JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from onething.evaluations import rules, service, views
from onething.evaluations.schemas import AnswerIn, AppealIn, CallbackIn, ClassifyIn, RateIn, RectifyIn, RerateIn
from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit.errors import AppError, ValidationFailed
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.web.render import checked, login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
STEP_FORMS: dict[str, type[Any]] = {
    "callback": CallbackIn,
    "classify": ClassifyIn,
    "appeal": AppealIn,
    "rectify": RectifyIn,
    "answer": AnswerIn,
}


def _context() -> dict[str, Any]:
    return {
        "levels": rules.LEVELS,
        "dimensions": rules.DIMENSIONS,
        "good_tags": rules.GOOD_TAGS,
        "bad_tags": rules.BAD_TAGS,
        "classes": rules.CLASSES,
    }


def _rate_page(
    request: Request, session: Session, principal: Principal, number: str, error: AppError | None = None
) -> Response:
    """The case's occasions: a form for each one its reader may rate now, and for the others why not
    (办结后可评价, 评价期已过, …) — never a form that can only be refused. After a refused rating the
    page only reads (the refusal changes nothing); on a plain visit it enrols what the job has not
    reached yet."""
    chances = service.rating_chances(session, principal, number, enrol=error is None)
    return render(
        request,
        "evaluations/rate.html",
        error.status if error else 200,
        number=number,
        occasions=views.occasions_for_case(session, number),
        chances=chances,
        error=error,
        **_context(),
    )


@router.get("/cases/{number}/evaluation", response_class=HTMLResponse)
def rate_page(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _rate_page(request, session, principal, number)


@router.post("/cases/{number}/evaluation")
async def rate(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        kind = str(form.get("service_kind") or "online")
        scores = {k: _int(form.get(f"score_{k}")) for k in rules.DIMENSIONS.get(kind, {})}
        body = checked(
            lambda: RateIn(
                level=_int(form.get("level")),
                scores={k: v for k, v in scores.items() if v is not None},
                tags=[str(t) for t in form.getlist("tags")],
                comment=str(form.get("comment") or "") or None,
                channel="web",  # this page is the web channel; pads, kiosks and apps call the API
                occasion=str(form.get("occasion") or "") or None,
            )
        )
        service.rate(session, principal, number, body)
    except AppError as exc:
        session.rollback()
        return _rate_page(request, session, principal, number, exc)
    return RedirectResponse(f"/cases/{number}/evaluation#rated", status_code=303)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _evaluation_page(
    request: Request, session: Session, principal: Principal, evaluation_id: int, error: AppError | None = None
) -> Response:
    item = views.evaluation_detail(session, principal, evaluation_id)
    own, org, supervisor = views.roles(session, principal, item)
    return render(
        request,
        "evaluations/evaluation.html",
        error.status if error else 200,
        item=item,
        rater=own,
        org=org,
        supervisor=supervisor,
        step_names=rules.STEP_NAMES,
        error=error,
        **_context(),
    )


@router.get("/evaluations", response_class=HTMLResponse)
def evaluations_list(
    request: Request, principal: PrincipalDep, session: SessionDep, bad: bool | None = None
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    items = views.list_evaluations(session, principal, bad=bad, limit=100).items
    return render(request, "evaluations/list.html", items=items, bad=bad)


@router.get("/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_page(evaluation_id: Id, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _evaluation_page(request, session, principal, evaluation_id)


@router.post("/evaluations/{evaluation_id}/rerate")
def rerate(
    evaluation_id: Id,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form()] = None,
    level: Annotated[str | None, Form()] = None,
    comment: Annotated[str | None, Form()] = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    try:
        require_csrf(request, csrf_token)
        body = checked(lambda: RerateIn(level=_int(level), comment=comment or None))
        service.rerate(session, principal, evaluation_id, body)
    except AppError as exc:
        session.rollback()
        return _evaluation_page(request, session, principal, evaluation_id, exc)
    return RedirectResponse(f"/evaluations/{evaluation_id}", status_code=303)


@router.get("/rectifications", response_class=HTMLResponse)
def rectification_inbox(
    request: Request, principal: PrincipalDep, session: SessionDep, status: str | None = None
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    items = views.rectification_inbox(session, principal, status=status or None)
    return render(request, "evaluations/inbox.html", items=items, status=status or "", step_names=rules.STEP_NAMES)


@router.get("/rectifications/{rid}")
def rectification_page(rid: Id, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    evaluation_id = views.rectification_evaluation_id(session, principal, rid)
    return RedirectResponse(f"/evaluations/{evaluation_id}#loop", status_code=303)


@router.post("/rectifications/{rid}/{action}")
async def rectification_step(
    rid: Id, action: str, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    evaluation_id = views.rectification_evaluation_id(session, principal, rid)
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        model = STEP_FORMS.get(action)
        if model is None:
            raise ValidationFailed(f"未知的整改环节：{action}", field="action", code="unknown_step")
        data = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        if action == "callback":
            data["contacted"] = "true" if data.get("contacted") == "yes" else "false"
        body = checked(lambda: model(**data))
        service.step(session, principal, rid, action, **body.model_dump())
    except AppError as exc:
        session.rollback()
        return _evaluation_page(request, session, principal, evaluation_id, exc)
    return RedirectResponse(f"/evaluations/{evaluation_id}#loop", status_code=303)
