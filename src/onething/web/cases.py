"""Case pages, working without JavaScript: the applicant's "my cases", the one form with uploads and
the timeline; the clerk's workbench and review screen (the departments' pages are in ``tasks``).

Thin: parse the form, call the same services as the API, redirect (303) or re-render with the
error next to the form. A refused action rolls back, so a page never half-applies one."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from onething.cases import intake, messages, printing, views, window
from onething.cases.api import FILE_HEADERS
from onething.cases.schemas import (
    AcceptIn,
    CaseCreate,
    CaseUpdate,
    CorrectionIn,
    CorrectionItem,
    DeliverIn,
    RefuseIn,
    ShortfallIn,
)
from onething.cases.workflow import CASE_STATUS_NAMES, OUTCOME_NAMES
from onething.catalog.service import active_catalog
from onething.guide.service import guide_from
from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit.errors import AppError, ValidationFailed
from onething.kit.settings import get_settings
from onething.kit.web import SessionDep
from onething.web import licenses as license_pages
from onething.web.pages import render_guide
from onething.web.render import form_post, login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def _back(number: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{number}{anchor}", status_code=303)


def _case_page(
    request: Request, session: Session, principal: Principal, number: str, error: AppError | None = None
) -> HTMLResponse:
    detail = views.case_detail(session, principal, number)
    applicant, clerk = views.roles(session, principal, number)
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
        return _case_page(request, session, principal, number, exc)

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
    return render(request, "cases/notices.html", items=messages.for_applicant(session, principal))


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_page(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _case_page(request, session, principal, number)


def _typed(field: dict[str, Any], values: list[str]) -> Any:
    """A form post's text in the field's JSON type; the services' validation says what is wrong."""
    raw = values[0].strip() if values else ""
    kind = field["type"]
    if kind == "multi_enum":
        return [v for v in values if v] or None
    if not raw:
        return None
    if kind == "boolean":
        return raw == "true"
    try:
        if kind == "integer":
            return int(raw)
        if kind in ("decimal", "area", "money"):
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError(raw)
            return number
    except ValueError:
        raise ValidationFailed(
            f"「{field['label']}」应填写数字", field=f"form.{field['code']}", code="form_invalid"
        ) from None
    return raw


@router.post("/cases/{number}/form")
async def save_form(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    form = await request.form()

    def save() -> None:
        groups = views.case_detail(session, principal, number).model_dump()["form"]
        changes = {
            f["code"]: _typed(f, [str(v) for v in form.getlist(f["code"])])
            for group in groups
            for f in group["fields"]
            if f["code"] in form or f["type"] == "multi_enum"
        }
        commitments = [str(c) for c in form.getlist("commitments")] if "commitments_shown" in form else None
        intake.update_draft(session, principal, number, CaseUpdate(form=changes, commitments=commitments))

    return _act(request, session, principal, number, str(form.get("csrf_token") or ""), save, "#form")


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
    number: str, material_id: int, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    row, data = intake.file_of(session, principal, number, material_id)
    return Response(data, media_type=row.content_type or "application/octet-stream", headers=FILE_HEADERS)


@router.get("/cases/{number}/materials/{material_id}/license", response_class=HTMLResponse)
def material_license(
    number: str, material_id: int, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """The e-license behind a 免提交 material, for the applicant and the case's reviewers (logged)."""
    if not principal.authenticated:
        return login_redirect(request)
    return license_pages.show(request, session, intake.license_of(session, principal, number, material_id))


@router.post("/cases/{number}/materials/{material_id}/remove")
def remove_material(
    number: str,
    material_id: int,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    csrf_token: CsrfField = None,
) -> Response:
    return _act(
        request,
        session,
        principal,
        number,
        csrf_token,
        lambda: intake.remove_material(session, principal, number, material_id),
        "#materials",
    )


@router.post("/cases/{number}/submit")
def submit(
    number: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    csrf_token: CsrfField = None,
    token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    # The form's token is the idempotency key: a double click or a resent form submits once.
    return _act(
        request, session, principal, number, csrf_token, lambda: intake.submit(session, principal, number, token)
    )


@router.post("/cases/{number}/withdraw")
def withdraw(
    number: str, request: Request, principal: PrincipalDep, session: SessionDep, csrf_token: CsrfField = None
) -> Response:
    return _act(
        request,
        session,
        principal,
        number,
        csrf_token,
        lambda: intake.withdraw(session, principal, number, "申请人撤回"),
    )


@router.post("/cases/{number}/confirm-receipt")
def confirm_receipt(
    number: str, request: Request, principal: PrincipalDep, session: SessionDep, csrf_token: CsrfField = None
) -> Response:
    return _act(
        request, session, principal, number, csrf_token, lambda: window.confirm_receipt(session, principal, number)
    )


# --- the window -------------------------------------------------------------------------------------


@router.get("/workbench", response_class=HTMLResponse)
def workbench(request: Request, principal: PrincipalDep, session: SessionDep, status: str = "submitted") -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    principal.require("window_clerk")
    cases = views.list_cases(session, principal, status, limit=100)
    return render(request, "cases/list.html", cases=cases.items, title="综合窗口工作台", status=status, workbench=True)


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
def refuse(
    number: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: CsrfField = None,
) -> Response:
    def act() -> None:
        if len(reason.strip()) < 4:
            raise ValidationFailed("请写明不予受理的理由（至少 4 个字）", field="reason")
        window.refuse(session, principal, number, RefuseIn(reason=reason.strip()))

    return _act(request, session, principal, number, csrf_token, act)


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
