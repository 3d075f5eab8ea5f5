"""惠企政策 pages: the policy library, a policy and its versions (edited by the issuing department), runs
with their progress, the 免申即享 list a department reviews and confirms, payments, and an enterprise's
"policies I get / could get / why not". Plain forms; a running run's page refreshes itself.

The public reads policies in words (``policies.words``): conditions in plain Chinese with the enterprise's
figures, region names, 即办, no rule text and no version numbers. Policy staff (``service.policy_staff``) see
the rules and versions beside the words."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import AppError, Forbidden, NotFound, ValidationFailed
from onething.kit.validators import Id, Offset
from onething.kit.web import SessionDep
from onething.policies import explain, fulfil, runs, service, words
from onething.policies import repository as repo
from onething.policies.attributes import ATTRIBUTES
from onething.policies.engine import Outcome, Standing
from onething.policies.spec import Mode, PolicySpec
from onething.web.render import login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
OUTCOMES = {"true": "符合", "false": "不符合", "unknown": "无法判断"}


def _common() -> dict[str, Any]:
    return {
        "attributes": ATTRIBUTES,
        "outcomes": OUTCOMES,
        "Outcome": Outcome,
        "Standing": Standing,
        "number": words.number,
        "param_value": words.param_value,
        "duration": words.duration,
    }


@router.get("/policies", response_class=HTMLResponse)
def library(request: Request, session: SessionDep, mode: str | None = None, region: str | None = None) -> Response:
    names = service.names(session)
    items = service.library(session, mode or None, region or None)
    return render(
        request,
        "policies/library.html",
        items=items,
        mode=mode,
        modes=[m.value for m in Mode],
        region=region,
        areas=service.areas(session, names),
        names=names,
        **_common(),
    )


def _policy_page(
    request: Request,
    session: Session,
    principal: Principal,
    code: str,
    error: AppError | None = None,
    source: str | None = None,
) -> Response:
    policy = service.find(session, code)
    versions = repo.versions_of(session, policy.id)
    current = versions[0]
    spec = PolicySpec.model_validate(current.spec)
    org = repo.issuing_org(session, policy)
    may_edit = principal.authenticated and repo.may_review(principal, org, service.EDITORS)
    staff = service.policy_staff(session, principal).of(policy)
    compiled = repo.compiled(current)
    names = service.names(session)
    today = clock.today()
    standing = compiled.standing(today)
    day = service.wording_day(compiled, today)
    return render(
        request,
        "policies/policy.html",
        error.status if error else 200,
        policy=policy,
        spec=spec,
        compiled=compiled,
        standing=standing,
        conditions=[(words.condition_words(compiled, i, day, names), c) for i, c in enumerate(compiled.conditions)],
        region_name=names.region(policy.region_code),
        thing=service.thing_of(session, spec.thing),
        mine=service.enterprises_in_area(session, principal, policy) if standing is Standing.active else [],
        staff=staff,
        versions=versions if staff else [],
        org=org,
        may_edit=may_edit,
        source=source if source is not None else current.source,
        error=error,
        events=repo.policy_events(session, policy.id, 20) if staff else [],
        **_common(),
    )


@router.get("/policies/{code}", response_class=HTMLResponse)
def policy_page(code: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    return _policy_page(request, session, principal, code)


@router.post("/policies/{code}/edit")
async def edit(code: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    source = str(form.get("source") or "")
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        service.save_edit(session, principal, code, source, str(form.get("note") or "").strip()[:200] or None)
    except AppError as exc:
        session.rollback()
        return _policy_page(request, session, principal, code, exc, source)
    return RedirectResponse(f"/policies/{code}#versions", status_code=303)


@router.get("/policies/{code}/versions/{number}", response_class=HTMLResponse)
def version_page(code: str, number: Id, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """A version's YAML (rules and all): for policy staff; the public reads the policy page."""
    policy = service.find(session, code)
    if not service.policy_staff(session, principal).of(policy):
        if not principal.authenticated:
            return login_redirect(request)
        raise Forbidden("政策版本仅供发布部门工作人员查看", field="number")
    version = repo.version(session, policy.id, number)
    if version is None:
        raise NotFound("没有这个版本", field="number")
    before = repo.version(session, policy.id, number - 1)
    diff = list(
        difflib.unified_diff(
            (before.source if before else "").splitlines(),
            version.source.splitlines(),
            f"第 {number - 1} 版",
            f"第 {number} 版",
            lineterm="",
        )
    )
    return render(request, "policies/version.html", policy=policy, version=version, diff=diff if before else [])


@router.post("/policies/{code}/check", response_class=HTMLResponse)
async def check_one(code: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """Re-check one policy on the enterprise's data as it is now (the single evaluator)."""
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    require_csrf(request, str(form.get("csrf_token") or ""))
    credit_code = str(form.get("credit_code") or "")
    checked = service.check_now(session, principal, code, credit_code, None)
    names = service.names(session)
    compiled = repo.compiled(checked.version)
    enterprise = repo.enterprise(session, credit_code)
    return render(
        request,
        "policies/check.html",
        checked=checked,
        credit_code=credit_code,
        enterprise_name=enterprise.name if enterprise else credit_code,
        lines=words.lines(compiled, checked.verdict, checked.day, names),
        last_day=compiled.last_day,
        region_name=names.region(checked.policy.region_code),
        own_region=names.region(enterprise.region_code) if enterprise else "",
        staff=service.policy_staff(session, principal).of(checked.policy),
        **_common(),
    )


# ---------------------------------------------------------------- runs and lists


@router.get("/policy-runs", response_class=HTMLResponse)
def runs_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    return _runs_page(request, principal, session)


def _runs_page(request: Request, principal: Principal, session: Session, error: AppError | None = None) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    service.require_staff(principal)
    return render(
        request,
        "policies/runs.html",
        error.status if error else 200,
        runs=repo.runs(session),
        may_start=principal.has(*runs.STARTERS),
        today=clock.today(),
        error=error,
    )


@router.post("/policy-runs")
async def start_run(
    request: Request, principal: PrincipalDep, session: SessionDep, background: BackgroundTasks
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        raw = str(form.get("as_of") or "").strip()
        try:
            as_of = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationFailed("评估日格式应为 2026-11-22", field="as_of") from None
        run = runs.start(session, principal, as_of)
    except AppError as exc:
        session.rollback()
        return _runs_page(request, principal, session, exc)
    session.commit()
    background.add_task(runs.execute, request.app.state.sessions, run.id)
    return RedirectResponse(f"/policy-runs/{run.id}", status_code=303)


@router.get("/policy-runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: Id, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    service.require_staff(principal)  # like the API and the list of runs
    run = repo.run(session, run_id)
    if run is None:
        raise NotFound("没有这个匹配批次", field="run_id")
    current = {p.code: p for p in repo.policies(session)}
    reviewable = fulfil.reviewable(session, principal, run, current.values())
    numbers = {v.id: v.number for v in repo.versions_by_id(session, list(run.versions.values())).values()}
    return render(
        request,
        "policies/run.html",
        run=run,
        policies=current,
        reviewable=reviewable,
        exempt=Mode.exempt.value,
        numbers=numbers,
    )


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    run_id: int,
    code: str,
    offset: int,
    status: str | None,
    error: AppError | None = None,
) -> Response:
    run, policy = fulfil.list_of(session, principal, run_id, code)
    total, items = repo.matches(session, run_id, policy.id, status=status, offset=max(0, offset), limit=50)
    batch = repo.batch_of(session, run_id, policy.id)
    org = repo.issuing_org(session, policy)
    return render(
        request,
        "policies/list.html",
        error.status if error else 200,
        run=run,
        policy=policy,
        number=repo.versions_by_id(session, [run.versions[code]])[run.versions[code]].number,
        items=items,
        total=total,
        offset=max(0, offset),
        status=status,
        counts=repo.match_counts(session, run_id, policy.id),
        batch=batch,
        payments=repo.payments_of_batch(session, batch.id, 0, 50) if batch else [],
        may_confirm=repo.may_review(principal, org, ("dept_head",)),
        error=error,
    )


@router.get("/policy-runs/{run_id}/lists/{code}", response_class=HTMLResponse)
def list_page(
    run_id: Id,
    code: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    offset: Offset = 0,
    status: str | None = None,
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _list_page(request, session, principal, run_id, code, offset, status)


@router.post("/policy-runs/{run_id}/lists/{code}")
async def list_action(
    run_id: Id, code: str, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """remove / restore an entry, confirm the list, or record a payment as paid."""
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    action = str(form.get("action") or "")
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        target = int(str(form.get("id") or 0) or 0)
        if action == "remove":
            fulfil.remove(session, principal, target, str(form.get("reason") or ""))
        elif action == "restore":
            fulfil.restore(session, principal, target)
        elif action == "confirm":
            fulfil.confirm(session, principal, run_id, code)
        elif action == "paid":
            fulfil.mark_paid(session, principal, target, str(form.get("reference") or ""))
        else:
            raise ValidationFailed("未知的操作", field="action")
    except AppError as exc:
        session.rollback()
        return _list_page(request, session, principal, run_id, code, 0, None, exc)
    return RedirectResponse(f"/policy-runs/{run_id}/lists/{code}", status_code=303)


# ---------------------------------------------------------------- the enterprise


@router.get("/my/policies", response_class=HTMLResponse)
def my_policies(
    request: Request, principal: PrincipalDep, session: SessionDep, credit_code: str | None = None
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    code = credit_code or (sorted(principal.enterprises)[0] if principal.enterprises else None)
    if code is None:
        return render(request, "policies/mine.html", found=None, enterprises=[], **_common())
    found = explain.of_enterprise(session, principal, code)
    names = service.names(session)
    day = found.run.as_of if found.run else found.today
    staff = service.policy_staff(session, principal)
    return render(
        request,
        "policies/mine.html",
        found=found,
        enterprises=repo.enterprise_names(session, sorted(principal.enterprises)),
        region_name=names.region(found.region_code),
        groups=[
            ("可享受", found.by_outcome(Outcome.true)),
            ("数据不全、无法判断", found.by_outcome(Outcome.unknown)),
            ("不符合", found.by_outcome(Outcome.false)),
        ],
        lines={e.policy.code: words.lines(e.compiled, e.verdict, day, names) for e in found.explained},
        staff={e.policy.code for e in found.explained if staff.of(e.policy)},
        **_common(),
    )
