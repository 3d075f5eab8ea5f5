"""The department workbench (部门审批工作台), working without JavaScript: the inbox, most urgent
first, with a claim button per row; the task view with the case's shared data, the parallel tasks,
standard opinions and the special procedures.

Thin: parse the form, call the same services as the API, redirect (303) or re-render with the
error next to the field it concerns. A refused action rolls back, so a page never half-applies one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from onething.cases import actions, department, views
from onething.cases.schemas import ClaimIn, DecisionIn, ResumeIn, SuspendIn, TaskOut
from onething.cases.workflow import OPEN_TASK, SUSPENSION_KINDS, TaskStatus
from onething.identity.deps import PrincipalDep, current_principal, require_csrf
from onething.identity.principal import Principal
from onething.kit.errors import AppError, ValidationFailed
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.web.cases import correction_from_form
from onething.web.confirm import confirmation_page, confirmed
from onething.web.render import checked, login_redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])

INBOX_LIMIT = 200
_IN_INBOX = tuple(s.value for s in TaskStatus if s in OPEN_TASK and s != TaskStatus.waiting)
# The inbox's tabs: the ``state`` query, the name, the task states counted under it.
TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("", "待办", _IN_INBOX),
    ("pending", "待认领", ("pending",)),
    ("claimed", "办理中", ("claimed",)),
    ("suspended", "特别程序", ("suspended",)),
    ("returned", "退回补正", ("returned",)),
    ("approved,rejected", "已办结", ("approved", "rejected")),
)

# Standard opinions (审批意见范本) by decision, then by the kind of task: an approval, or the check
# that follows an approval under 告知承诺. A post carries the decision (its URL) and the code; the
# task's own kind picks the text (the same code may name different texts for the two kinds).
OPINIONS: dict[str, dict[str, dict[str, str]]] = {
    "approve": {
        "approval": {
            "complete": "经审查，申请材料齐全，符合法定形式，准予许可。",
            "conditions": "经审查，申请人符合法定条件和标准，准予许可。",
            "inspected": "经现场核查，实际情况与申请材料一致，符合要求，准予许可。",
            "committed": "申请人已签署告知承诺书，经审查符合要求，准予许可；本机关将依法核查承诺内容。",
        },
        "verification": {
            "verified": "经核查，申请人承诺内容属实，核查通过。",
            "verified_site": "经现场核查，实际情况与承诺内容一致，核查通过。",
            "rectified": "经核查，申请人已在承诺期限内达到承诺条件，核查通过。",
        },
    },
    "reject": {
        "approval": {
            "conditions": "经审查，申请不符合法定条件和标准，不予许可。",
            "premises": "经现场核查，经营场所不符合相关规定要求，不予许可。",
            "untrue": "经审查，申请材料内容与实际情况不符，不予许可。",
            "planning": "经审查，申请事项不符合相关规划要求，不予许可。",
            "safety": "经审查，申请事项存在安全隐患且未按要求整改，不予许可。",
        },
        "verification": {
            "untrue": "经核查，申请人承诺内容与实际情况不符，核查不通过，依法撤销审批结果。",
            "unfulfilled": "经核查，申请人未在承诺期限内达到承诺条件，核查不通过，依法撤销审批结果。",
        },
    },
}
# Where each action's own errors are shown; anything else goes above the forms.
FIELDS = {
    "approve": ("template", "opinion"),
    "reject": ("template", "opinion"),
    "suspend": ("kind", "reason"),
    "resume": ("comment",),
    "return": ("items", "note"),
}


def _urgency(task: TaskOut) -> tuple[bool, int]:
    """Overdue first, then the fewest working days left; tasks without a running clock last."""
    days = task.remaining_working_days
    return days is None, days or 0


def _inbox_page(
    request: Request,
    session: Session,
    principal: Principal,
    state: str,
    error: AppError | None = None,
    failed: int | None = None,
) -> HTMLResponse:
    found = views.inbox(session, principal, state or None, None, INBOX_LIMIT, urgent=True)
    counts = views.inbox_counts(session, principal)
    tasks = sorted(found.items, key=_urgency)  # stable: equal urgency stays oldest first
    shown = failed is not None and any(t.id == failed for t in tasks)
    return render(
        request,
        "cases/inbox.html",
        error.status if error else 200,
        tasks=tasks,
        more=found.next is not None,
        tabs=[(code, name, sum(counts.get(s, 0) for s in states)) for code, name, states in TABS],
        state=state,
        error=error,
        failed=failed if shown else None,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, principal: PrincipalDep, session: SessionDep, state: str | None = None) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _inbox_page(request, session, principal, state or "")


def _task_page(
    request: Request,
    session: Session,
    principal: Principal,
    task_id: int,
    error: AppError | None = None,
    action: str = "",
    form: FormData | None = None,
) -> HTMLResponse:
    task = views.task_detail(session, principal, task_id)
    field = (error.field or "").split(".")[0] if error else ""
    return render(
        request,
        "cases/task.html",
        error.status if error else 200,
        task=task,
        error=error,
        # (action, field) when the error belongs next to a field of that action's form
        error_at=(action, field) if field in FIELDS.get(action, ()) else None,
        failed=action if error else "",
        # what the failed form held, to show it again
        posted={k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"} if form else {},
        picks=[str(v) for v in form.getlist("pick")] if form else [],
        opinions={decision: kinds[task.kind] for decision, kinds in OPINIONS.items()},
        suspension_kinds=SUSPENSION_KINDS,
        consequences=actions.task_consequences(session, principal, task_id),
    )


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: Id, request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    return _task_page(request, session, principal, task_id)


def _text(form: FormData, *names: str) -> str:
    """The first of the named inputs that was filled in."""
    for name in names:
        value = str(form.get(name) or "").strip()
        if value:
            return value
    return ""


def _chosen_opinion(form: FormData, decision: str, kind: Callable[[], str]) -> str:
    """The opinion typed in, else the text of the chosen standard opinion (how the template select
    works without JavaScript); a code that is not a standard opinion for this decision and this kind
    of task is refused. ``kind`` is asked only when a template was chosen."""
    code = _text(form, "template")
    template = None
    if code:
        template = OPINIONS[decision].get(kind(), {}).get(code)
        if template is None:
            raise ValidationFailed("请从列表中选择审批意见范本", field="template", code="unknown_template")
    return _text(form, "opinion") or template or ""


def _opinion(text: str, what: str) -> DecisionIn:
    """A decision states its reasons in writing: typed, or a standard opinion chosen."""
    if len(text) < 2:
        raise ValidationFailed(f"请填写{what}，或选择意见范本", field="opinion", code="opinion_required")
    return DecisionIn(opinion=text)


def _refusal(text: str) -> DecisionIn:
    return _opinion(text, "不予办理的理由")


# Acts that issue or end a right: each is confirmed on a page that says what it will do.
CONFIRM = {
    "approve": ("确认准予", "确认准予", False),
    "reject": ("确认不予许可", "确认不予许可", True),
    "return": ("确认退回补正", "确认退回", False),
}


def _confirm(
    request: Request, session: Session, principal: Principal, task_id: int, action: str, form: FormData, opinion: str
) -> Response:
    title, button, danger = CONFIRM[action]
    statement = actions.task_consequences(session, principal, task_id)[action]
    details = [("审批意见", opinion)] if opinion else []
    return confirmation_page(
        request,
        title=title,
        statement=statement,
        form=form,
        button=button,
        back=f"/tasks/{task_id}",
        details=details,
        danger=danger,
    )


def _kind(value: Any) -> Any:
    if value not in SUSPENSION_KINDS:
        raise ValidationFailed("请选择特别程序的类型", field="kind", code="invalid")
    return value


def _back_to_inbox(state: str) -> RedirectResponse:
    return RedirectResponse("/inbox" + (f"?{urlencode({'state': state})}" if state else ""), status_code=303)


@router.post("/tasks/{task_id}/{action}")
async def task_action(
    task_id: Id, action: str, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    if not principal.authenticated:
        return login_redirect(request)
    form = await request.form()
    # A claim from the inbox carries the tab it was made from, and goes back there.
    from_inbox = str(form["inbox"]) if "inbox" in form else None

    def kind() -> str:
        return views.task_kind(session, principal, task_id)

    acts: dict[str, Callable[[], Any]] = {
        "claim": lambda: department.claim(session, principal, task_id, ClaimIn()),
        "approve": lambda: department.approve(
            session, principal, task_id, _opinion(_chosen_opinion(form, "approve", kind), "审批意见")
        ),
        "reject": lambda: department.reject(
            session, principal, task_id, _refusal(_chosen_opinion(form, "reject", kind))
        ),
        "return": lambda: department.return_to_window(session, principal, task_id, correction_from_form(form)),
        "suspend": lambda: department.suspend(
            session,
            principal,
            task_id,
            SuspendIn(kind=_kind(form.get("kind")), reason=_text(form, "reason", "opinion") or "特别程序"),
        ),
        "resume": lambda: department.resume(
            session, principal, task_id, ResumeIn(comment=_text(form, "comment", "opinion") or None)
        ),
    }
    try:
        require_csrf(request, str(form.get("csrf_token") or ""))
        if action not in acts:
            raise ValidationFailed(f"未知的操作：{action}", field="action")
        if action in CONFIRM and not confirmed(form):
            # Everything is checked first: the confirmation never promises what would be refused.
            opinion = ""
            if action == "return":
                correction_from_form(form)
            else:
                what = "审批意见" if action == "approve" else "不予办理的理由"
                opinion = checked(lambda: _opinion(_chosen_opinion(form, action, kind), what)).opinion
            return _confirm(request, session, principal, task_id, action, form, opinion)
        checked(acts[action])
    except AppError as exc:
        session.rollback()
        if from_inbox is not None and action == "claim":
            return _inbox_page(request, session, principal, from_inbox, exc, task_id)
        return _task_page(request, session, principal, task_id, exc, action, form)
    if from_inbox is not None and action == "claim":
        return _back_to_inbox(from_inbox)
    done = {"approve": "approved", "reject": "rejected", "return": "returned", "claim": "claimed"}.get(action)
    return RedirectResponse(f"/tasks/{task_id}" + (f"?ok={done}" if done else ""), status_code=303)
