"""Case pages, working without JavaScript: the applicant's "my cases", the one form with uploads and
the timeline; the clerk's workbench and review screen (the departments' pages are in ``tasks``).

Thin: parse the form, call the same services as the API, redirect (303) or re-render with the
error next to the form. A refused action rolls back, so a page never half-applies one."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from onething.cases import actions, intake, journey, messages, printing, review, views, window
from onething.cases.api import FILE_HEADERS
from onething.cases.schemas import (
    AcceptIn,
    CaseCreate,
    CorrectionIn,
    CorrectionItem,
    DeliverIn,
    RefuseIn,
    ShortfallIn,
)
from onething.cases.workflow import CASE_STATUS_NAMES, OUTCOME_NAMES
from onething.catalog.service import active_catalog
from onething.evaluations import service as evaluation_service
from onething.guide.service import guide_from
from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import AppError, Conflict, ValidationFailed
from onething.kit.settings import get_settings
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.web import licenses as license_pages
from onething.web.confirm import confirmation_page, confirmed
from onething.web.pages import render_guide
from onething.web.render import checked, form_post, login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def _back(number: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{number}{anchor}", status_code=303)


def case_page_response(
    request: Request,
    session: Session,
    principal: Principal,
    number: str,
    error: AppError | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The case page; ``extra`` (from the one form's posts): ``typed`` values to show again as typed,
    ``problems`` beside their fields, ``attempted`` (show what still blocks submission)."""
    detail = views.case_detail(session, principal, number)
    applicant, clerk = views.roles(session, principal, number)
    acts = actions.case_actions(session, principal, number)
    return render(
        request,
        "cases/case.html",
        error.status if error else 200,
        case=detail,
        applicant=applicant,
        clerk=clerk,
        error=error,
        token=secrets.token_urlsafe(12),
        status_names=CASE_STATUS_NAMES,
        outcome_names=OUTCOME_NAMES,
        receipt_statuses=printing.RECEIPT_STATUSES,
        actions=acts,
        changes=review.since_sent_back(session, principal, number) if "accept" in acts else None,
        can_rate=applicant and evaluation_service.rateable(session, principal, number),
        journey=journey.steps(detail.status, bool(detail.tasks), detail.outcome),
        task_words=journey.task_words,
        **extra,
    )


def _act(
    request: Request,
    session: Session,
    principal: Principal,
    number: str,
    csrf: str | None,
    action: Callable[[], Any],
    anchor: str = "",
) -> Response:
    def refused(exc: AppError) -> Response:
        return case_page_response(request, session, principal, number, exc)

    return form_post(request, session, principal, csrf, action, done=f"/cases/{number}{anchor}", refused=refused)


@router.get("/cases", response_class=HTMLResponse)
def my_cases(request: Request, principal: PrincipalDep, session: SessionDep, status: str | None = None) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    cases = views.list_cases(session, principal, status or None, mine=True, limit=100)
    return render(request, "cases/list.html", cases=cases.items, title="我的办件", status=status or "")


@router.post("/things/{code}/apply")
async def apply(code: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """From the guide page: the answers become a draft with the one form pre-filled."""
    if not principal.authenticated:
        return RedirectResponse(f"/login?next=/things/{code}", status_code=303)
    form = await request.form()
    answers: dict[str, Any] = {}
    for key in form:
        if key.startswith("a_"):  # a_<question>, a_<question>[] for a multiple choice
            values = [str(v) for v in form.getlist(key) if v]
            answers[key[2:].removesuffix("[]")] = values if key.endswith("[]") else (values[0] if values else "")
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        # 帮代办: a window clerk keys the application in for the person at the counter.
        for_person = str(form.get("applicant_id_number") or "").strip().upper() or None
        body = CaseCreate(
            thing=code,
            answers=answers,
            enterprise=str(form.get("enterprise") or "") or None,
            channel="window" if for_person else "online",
            applicant_id_number=for_person,
        )
        case = intake.create_draft(session, principal, body, str(form.get("token") or "") or None)
    except AppError as exc:
        session.rollback()
        return _refused_application(request, session, code, answers, exc, form)
    return _back(case.number)


def _refused_application(
    request: Request, session: Session, code: str, answers: dict[str, Any], exc: AppError, form: Any
) -> Response:
    """Back to the guide the application came from, the message beside the field and what was typed
    kept; an error page only when there is no guide to go back to."""
    try:
        catalog = active_catalog(session)
        guide = guide_from(catalog, code, answers, None)
    except AppError:
        return render(request, "error.html", exc.status, status=exc.status, message=exc.message)
    query = urlencode([(k, v) for k, vs in answers.items() for v in (vs if isinstance(vs, list) else [vs])])
    typed = {"applicant_id_number": str(form.get("applicant_id_number") or "")}
    return render_guide(request, catalog, guide, query, exc, typed)


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    todo = messages.todo(session, principal)
    return render(request, "cases/notices.html", items=messages.for_applicant(session, principal), todo=todo)


@router.get("/notices/unread", response_class=HTMLResponse)
def unread_notices(principal: PrincipalDep, session: SessionDep) -> Response:
    """The mark beside 消息 (fetched by the page's htmx; without scripting the list marks them)."""
    count = messages.unread(session, principal) if principal.authenticated else 0
    if not count:
        return HTMLResponse("")
    shown = "99+" if count > 99 else str(count)
    return HTMLResponse(f'<span class="unread" aria-label="{count} 条未读">{shown}</span>')


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_page(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return case_page_response(request, session, principal, number)


@router.post("/cases/{number}/materials")
def upload_material(
    number: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    material: Annotated[str, Form(max_length=60)],
    file: Annotated[UploadFile, File()],
    csrf_token: CsrfField = None,
) -> Response:
    def upload() -> None:
        data = file.file.read(get_settings().upload_max_bytes + 1)  # enough to tell it is too large
        intake.add_material(session, principal, number, material, file.filename or "", data)

    return _act(request, session, principal, number, csrf_token, upload, "#materials")


@router.get("/cases/{number}/materials/{material_id}/file")
def material_file(
    number: str, material_id: Id, request: Request, principal: PrincipalDep, session: SessionDep, inline: bool = False
) -> Response:
    """The file, to save; ``inline=1``: shown in the window's preview pane — only the types the upload
    check let in (PDF, JPEG, PNG), in a sandbox that runs nothing."""
    if not principal.authenticated:
        return login_redirect(request)
    row, data = intake.file_of(session, principal, number, material_id)
    kind = row.content_type or "application/octet-stream"
    if inline and kind in PREVIEWABLE:
        headers = {**FILE_HEADERS, "Content-Disposition": "inline", **PREVIEW_HEADERS}
        return Response(data, media_type=kind, headers=headers)
    return Response(data, media_type=kind, headers=FILE_HEADERS)


PREVIEWABLE = ("application/pdf", "image/jpeg", "image/png")
# Shown inside this site's own pages only, and never able to run a script of its own.
PREVIEW_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}


@router.get("/cases/{number}/materials/{material_id}/license", response_class=HTMLResponse)
def material_license(
    number: str, material_id: Id, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """The e-license behind a 免提交 material, for the applicant and the case's reviewers (logged)."""
    if not principal.authenticated:
        return login_redirect(request)
    return license_pages.show(request, session, intake.license_of(session, principal, number, material_id))


def _legal_act(
    request: Request,
    session: Session,
    principal: Principal,
    number: str,
    form: FormData,
    act: str,
    check: Callable[[], Any],
    do: Callable[[], Any],
    details: list[tuple[str, str]],
) -> Response:
    """An act that ends a right: checked, then confirmed on a page stating its consequence, then done."""
    title, button, done = LEGAL_ACTS[act]
    if not principal.authenticated:
        return login_redirect(request)
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        statement = actions.case_actions(session, principal, number).get(act)
        if statement is None:
            raise Conflict("当前办件状态下不能进行此操作", code="illegal_transition")
        checked(check)
        if not confirmed(form):
            return confirmation_page(
                request,
                title=title,
                statement=statement,
                form=form,
                button=button,
                back=f"/cases/{number}",
                details=details,
                danger=True,
            )
        checked(do)
    except AppError as exc:
        session.rollback()
        return case_page_response(request, session, principal, number, exc)
    return RedirectResponse(f"/cases/{number}?ok={done}", status_code=303)


# (title, button, flash) of each act on a case that is confirmed before it is done.
LEGAL_ACTS = {
    "withdraw": ("确认撤回申请", "确认撤回", "withdrawn"),
    "refuse": ("确认不予受理", "确认不予受理", "refused"),
}


@router.post("/cases/{number}/withdraw")
async def withdraw(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    form = await request.form()  # async only to read the body; the work runs in the thread pool
    return await run_in_threadpool(
        _legal_act,
        request,
        session,
        principal,
        number,
        form,
        "withdraw",
        lambda: None,
        lambda: intake.withdraw(session, principal, number, "申请人撤回"),
        [],
    )


@router.post("/cases/{number}/confirm-receipt")
def confirm_receipt(
    number: str, request: Request, principal: PrincipalDep, session: SessionDep, csrf_token: CsrfField = None
) -> Response:
    return _act(
        request, session, principal, number, csrf_token, lambda: window.confirm_receipt(session, principal, number)
    )


# --- the window -------------------------------------------------------------------------------------


# The window's tabs: the ``status`` query, the name, the case states counted under it.
WORKBENCH_TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("submitted", "待受理", ("submitted",)),
    ("correction_requested", "待补正", ("correction_requested",)),
    ("accepted,processing", "办理中", ("accepted", "processing")),
    ("concluded", "待出件", ("concluded",)),
    ("closed", "已归档", ("closed", "delivered")),
    ("refused", "不予受理", ("refused",)),
)


@router.get("/workbench", response_class=HTMLResponse)
def workbench(
    request: Request, principal: PrincipalDep, session: SessionDep, status: str = "submitted", q: str = ""
) -> Response:
    """综合窗口工作台: a tab per state with its count, the oldest waiting first, and a search by case
    number, name or ID number (masked in the list)."""
    if not principal.authenticated:
        return login_redirect(request)
    principal.require("window_clerk")
    found = views.list_cases(session, principal, None if q.strip() else status, limit=100, search=q or None)
    counts = views.case_counts(session, principal)
    waiting = sorted(found.items, key=lambda c: c.submitted_at or c.created_at)
    return render(
        request,
        "cases/list.html",
        cases=waiting if status == "submitted" and not q.strip() else found.items,
        title="综合窗口工作台",
        status="" if q.strip() else status,
        workbench=True,
        q=q[:60],
        tabs=[(code, name, sum(counts.get(s, 0) for s in states)) for code, name, states in WORKBENCH_TABS],
        waited=lambda since: journey.waited(since, clock.now()),
    )


@router.post("/cases/{number}/accept")
def accept(
    number: str, request: Request, principal: PrincipalDep, session: SessionDep, csrf_token: CsrfField = None
) -> Response:
    return _act(
        request, session, principal, number, csrf_token, lambda: window.accept(session, principal, number, AcceptIn())
    )


@router.post("/cases/{number}/accept-with-shortfall")
async def accept_with_shortfall(
    number: str, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    form = await request.form()

    def act() -> None:
        days = str(form.get("due_days") or "").strip()
        if not days.isdigit() or not 1 <= int(days) <= 60:
            raise ValidationFailed("补齐期限应为 1 到 60 个工作日", field="due_days")
        body = ShortfallIn(
            materials=[str(m) for m in form.getlist("materials")] or ["-"],
            due_days=int(days),
            commitment=str(form.get("commitment") or "申请人承诺在期限内补齐容缺材料"),
        )
        window.accept_with_shortfall(session, principal, number, body)

    return _act(request, session, principal, number, str(form.get("csrf_token") or ""), act)


def correction_from_form(form: Any) -> CorrectionIn:
    """The correction notice editor: a checkbox and a reason per field or material."""
    items = []
    for value in form.getlist("pick"):
        kind, _, code = str(value).partition(":")
        reason = str(form.get(f"reason:{value}") or "").strip() or ("请补充或更正" if kind == "field" else "请补充提交")
        items.append(CorrectionItem(kind="field" if kind == "field" else "material", code=code, reason=reason))
    if not items:
        raise ValidationFailed("请至少勾选一项需要补正的内容", field="items", code="empty_notice")
    return CorrectionIn(items=items, note=str(form.get("note") or "") or None)


@router.post("/cases/{number}/request-correction")
async def request_correction(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    form = await request.form()
    return _act(
        request,
        session,
        principal,
        number,
        str(form.get("csrf_token") or ""),
        lambda: window.request_correction(session, principal, number, correction_from_form(form)),
    )


@router.post("/cases/{number}/refuse")
async def refuse(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:2000]

    def check() -> None:
        if len(reason) < 4:
            raise ValidationFailed("请写明不予受理的理由（至少 4 个字）", field="reason")

    return await run_in_threadpool(
        _legal_act,
        request,
        session,
        principal,
        number,
        form,
        "refuse",
        check,
        lambda: window.refuse(session, principal, number, RefuseIn(reason=reason)),
        [("不予受理理由", reason)],
    )


@router.post("/cases/{number}/deliver")
def deliver(
    number: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    method: Annotated[str, Form()] = "window",
    address: Annotated[str | None, Form(max_length=200)] = None,
    carrier: Annotated[str | None, Form(max_length=40)] = None,
    tracking_number: Annotated[str | None, Form(max_length=40)] = None,
    csrf_token: CsrfField = None,
) -> Response:
    def act() -> None:
        body = DeliverIn(
            method="post" if method == "post" else "window",
            address=address or None,
            carrier=carrier or None,
            tracking_number=tracking_number or None,
        )
        window.deliver(session, principal, number, body)

    return _act(request, session, principal, number, csrf_token, act)
