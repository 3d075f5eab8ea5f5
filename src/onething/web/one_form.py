"""The one form's page posts: nothing a person typed is ever lost.

The form, its file inputs and its buttons (保存, 上传, 删除, 提交) are one ``<form>``: every post
carries every field, so saving, uploading a file, removing one and submitting each keep what was
typed first. A value that does not fit is not stored but shown again as typed, its message beside
it; the valid rest is stored (``intake.keep_what_is_valid``). With JavaScript a changed field is
saved on its own as it is left (``autosave=1``, answered in JSON) and a file goes up without
reloading the page; without it the same posts work as plain form posts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from onething.cases import intake, views
from onething.cases.forms import Problem
from onething.guide.model import FormField
from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import AppError, ValidationFailed
from onething.kit.settings import get_settings
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.web.cases import case_page_response
from onething.web.render import login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
FILE_PREFIX = "file_"  # file_<material code>: a material's file input inside the one form


@dataclass
class Outcome:
    """What a post of the one form did: problems beside fields and materials, and the text typed
    into the fields that were refused (shown again exactly as typed)."""

    problems: list[Problem] = field(default_factory=list)
    typed: dict[str, Any] = field(default_factory=dict)
    uploaded: int = 0


def typed_value(f: FormField, values: list[str]) -> Any:
    """A form post's text in the field's JSON type; ValueError when a number field holds no number."""
    raw = values[0].strip() if values else ""
    kind = f.type
    if kind == "multi_enum":
        return [v for v in values if v] or None
    if not raw:
        return None
    if kind == "boolean":
        return raw == "true"
    if kind == "integer":
        return int(raw)
    if kind in ("decimal", "area", "money"):
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError(raw)
        return number
    return raw


def save_posted(session: Session, principal: Principal, number: str, form: FormData) -> Outcome:
    """Store the posted fields (each valid one), then any chosen files; nothing is raised for a
    field or a file that does not fit — it comes back in the outcome instead."""
    out = Outcome()
    only = set(form.getlist("_only")) if "_only" in form else None  # autosave: just the field left
    changes: dict[str, Any] = {}
    # Only the form's fields: an autosave on every field left must not build the whole case page.
    for f in intake.form_fields(session, principal, number):
        code = f.code
        if (only is not None and code not in only) or (code not in form and f.type != "multi_enum"):
            continue
        if only is None and code not in form and "_form" not in form:
            continue  # no box ticked clears a multiple choice only in a post of the whole form
        values = [str(v) for v in form.getlist(code)]
        try:
            changes[code] = typed_value(f, values)
        except ValueError:
            out.problems.append(Problem(code, f"「{f.label}」应填写数字"))
            out.typed[code] = values[0] if values else ""
    commitments = [str(c) for c in form.getlist("commitments")] if "commitments_shown" in form else None
    if changes or commitments is not None:
        refused = intake.keep_what_is_valid(session, principal, number, changes, commitments)
        for p in refused:
            out.problems.append(p)
            raw = form.getlist(p.field)
            out.typed[p.field] = [str(v) for v in raw] if len(raw) > 1 else (str(raw[0]) if raw else "")
    out.uploaded = _store_files(session, principal, number, form, out)
    return out


def _store_files(session: Session, principal: Principal, number: str, form: FormData, out: Outcome) -> int:
    limit = get_settings().upload_max_bytes + 1  # enough to tell a file is too large
    stored = 0
    for key in form:
        if not key.startswith(FILE_PREFIX):
            continue
        material = key.removeprefix(FILE_PREFIX)
        chosen = [u for u in form.getlist(key) if isinstance(u, UploadFile) and u.filename]
        if not chosen:
            continue
        uploads = [intake.Upload(material, u.filename or "", u.file.read(limit)) for u in chosen]
        try:
            with session.begin_nested():  # a refused file leaves the saved fields in place
                intake.add_materials(session, principal, number, uploads)
            stored += len(uploads)
        except AppError as exc:
            out.problems.append(Problem(f"materials.{material}", exc.message))
    return stored


def _checked(request: Request, principal: Principal, form: FormData) -> Response | None:
    """Signed in and the form's own token: a response when not (the login page), else None."""
    if not principal.authenticated:
        return login_redirect(request)
    require_csrf(request, str(form.get("csrf_token") or ""))
    return None


def _shown(request: Request, session: Session, principal: Principal, number: str, out: Outcome) -> Response:
    """The case page again (422): the typed values and every problem beside its field."""
    error = ValidationFailed(f"有 {len(out.problems)} 处需要修改，其余内容已保存", code="form_invalid")
    return case_page_response(
        request, session, principal, number, error, typed=out.typed, problems_posted=out.problems, attempted=True
    )


# The routes are async only to read the multipart body; the database work runs in the thread pool.


@router.post("/cases/{number}/form")
async def save_form(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """保存 or 上传 (the same post), or an autosave of one field (``autosave=1``, JSON back)."""
    form = await request.form()
    return await run_in_threadpool(_save_form, number, request, principal, session, form)


def _save_form(number: str, request: Request, principal: Principal, session: Session, form: FormData) -> Response:
    autosave = bool(request.query_params.get("autosave"))
    try:
        if (refused := _checked(request, principal, form)) is not None:
            return refused
        out = save_posted(session, principal, number, form)
    except AppError as exc:
        session.rollback()
        if autosave:
            return JSONResponse({"error": {"code": exc.code, "message": exc.message, "field": exc.field}}, exc.status)
        return case_page_response(request, session, principal, number, exc)
    if autosave:
        at = clock.local(clock.now()).strftime("%H:%M")
        problems = [{"field": p.field, "message": p.message} for p in out.problems]
        return JSONResponse({"saved_at": at, "problems": problems}, 422 if problems else 200)
    if out.problems:
        return _shown(request, session, principal, number, out)
    done = "uploaded" if out.uploaded else "saved"
    anchor = "#materials" if out.uploaded else "#form"
    return RedirectResponse(f"/cases/{number}?ok={done}{anchor}", status_code=303)


@router.post("/cases/{number}/submit")
async def submit(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """提交: what was typed is saved first; a submission that is not yet complete keeps it and shows
    every problem. The form's token is the idempotency key: a double click submits once."""
    form = await request.form()
    return await run_in_threadpool(_submit, number, request, principal, session, form)


def _submit(number: str, request: Request, principal: Principal, session: Session, form: FormData) -> Response:
    saved = False
    try:
        if (refused := _checked(request, principal, form)) is not None:
            return refused
        out = save_posted(session, principal, number, form)
        saved = True
        if out.problems:
            return _shown(request, session, principal, number, out)
        token = str(form.get("token") or "")[:100] or None
        with session.begin_nested():  # a refused submission keeps what was just saved
            intake.submit(session, principal, number, token)
    except AppError as exc:
        if not saved:
            session.rollback()
        return case_page_response(request, session, principal, number, exc, attempted=True)
    return RedirectResponse(f"/cases/{number}/submitted", status_code=303)


@router.post("/cases/{number}/materials/{material_id}/remove")
async def remove_material(
    number: str, material_id: Id, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """删除 a file: the fields typed so far are saved first (the button is in the one form)."""
    form = await request.form()
    return await run_in_threadpool(_remove, number, material_id, request, principal, session, form)


def _remove(
    number: str, material_id: int, request: Request, principal: Principal, session: Session, form: FormData
) -> Response:
    try:
        if (refused := _checked(request, principal, form)) is not None:
            return refused
        out = save_posted(session, principal, number, form) if "_form" in form else Outcome()
        intake.remove_material(session, principal, number, material_id)
    except AppError as exc:
        session.rollback()
        return case_page_response(request, session, principal, number, exc)
    if out.problems:
        return _shown(request, session, principal, number, out)
    return RedirectResponse(f"/cases/{number}?ok=removed#materials", status_code=303)


@router.get("/cases/{number}/submitted")
def submitted(number: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """提交成功: the case number, what happens next and by when."""
    if not principal.authenticated:
        return login_redirect(request)
    detail = views.case_detail(session, principal, number)
    return render(request, "cases/submitted.html", case=detail)
