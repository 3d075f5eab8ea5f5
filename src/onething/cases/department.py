"""The departments' side: tasks made at acceptance, dispatched when their prerequisites are approved,
claimed, decided, returned, suspended; the case concludes when the last one is decided.

Every task action locks the case row first, then its tasks: two approvers on one task, or the last
two parallel approvals at the same instant, are serialised, and the loser finds the state moved on
(409). The version columns fail a stale write on both databases as a second guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from onething.cases import licensing
from onething.cases import repository as repo
from onething.cases.context import SYSTEM, Route, case_event, results_held, task_event
from onething.cases.deadlines import Clock, projected, restarted, start
from onething.cases.schemas import ClaimIn, CorrectionIn, DecisionIn, ResumeIn, SuspendIn
from onething.cases.workflow import (
    OPEN_TASK,
    SUSPENSION_KINDS,
    Actor,
    CaseStatus,
    TaskStatus,
    blocked,
    case_move,
    outcome,
    ready_to_dispatch,
    task_move,
)
from onething.catalog.holidays import calendar
from onething.catalog.service import catalog_version
from onething.guide.model import Guide
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import Forbidden, NotFound, ValidationFailed
from onething.models import Case, Task

VERIFY_DAYS = 20  # 告知承诺 post-approval verification (核查), working days
APPROVERS = ("approver", "dept_head")


def make_tasks(session: Session, case: Case, guide: Guide, routes: Sequence[Route]) -> list[Task]:
    by_item = {i.code: i for i in guide.items}
    tasks = []
    for r in routes:
        item = by_item[r.item]
        task = Task(
            case_id=case.id,
            item_code=item.code,
            item_name=item.name,
            kind="approval",
            org_id=r.org.id,
            after=list(item.after),
            promised_days=item.promised_days,
            status=TaskStatus.waiting,
            commitment=item.code in case.commitments,
        )
        repo.add(session, task)
        tasks.append(task)
    session.flush()
    return tasks


def dispatch_ready(session: Session, principal: Principal, case: Case, tasks: Sequence[Task]) -> None:
    """Every waiting task whose prerequisites are approved goes to its inbox now, clock running."""
    approvals = [t for t in tasks if t.kind == "approval"]
    statuses = {t.item_code: t.status for t in approvals}
    ready = set(ready_to_dispatch(statuses, {t.item_code: t.after for t in approvals}))
    if not ready:
        return
    cal, today = calendar(session), clock.today()
    move = task_move(TaskStatus.waiting, "dispatch", Actor.system)
    for task in approvals:
        if task.item_code in ready:
            task.status = TaskStatus.pending
            task.dispatched_on = today
            task.deadline = start(cal, today, task.promised_days)
            task_event(
                session, task, principal, move, TaskStatus.waiting, detail={"deadline": task.deadline.isoformat()}
            )


def refresh_deadline(session: Session, case: Case, tasks: Sequence[Task] | None = None) -> None:
    """The case's promised deadline: the latest deadline over its approvals — decided ones as they
    stood, open ones projected (a stopped clock pushes its own on). Cancelled ones hold nothing up."""
    tasks = tasks if tasks is not None else repo.tasks_of(session, case.id)
    found = projected_deadline(session, tasks)
    if found is not None:
        case.deadline = found


def reproject_stopped(session: Session, after_id: int = 0, limit: int = 2000) -> tuple[int, int]:
    """Store today's projection for running cases with a stopped clock (special procedure, task
    returned for correction): their promised deadline moves on day by day while the stop lasts, and
    supervision reads the stored value. For the periodic job, a batch at a time in id order from
    ``after_id``, starting over when it reaches the end; (cases changed, where the next batch starts)."""
    changed, last = 0, 0
    cases = repo.running_cases_with_stopped_clock(session, after_id, limit)
    for case in cases:
        before = case.deadline
        refresh_deadline(session, case)
        changed += case.deadline != before
        last = case.id
    return changed, (last if len(cases) == limit else 0)


def projected_deadline(session: Session, tasks: Sequence[Task]) -> dt.date | None:
    """The case's deadline as of today (a running stop pushes it on day by day), or None once all
    is decided. Read views use it as it is; ``refresh_deadline`` stores it on each change."""
    approvals = [t for t in tasks if t.kind == "approval"]
    if not any(t.status in OPEN_TASK for t in approvals):
        return None
    counted = frozenset(t.item_code for t in approvals if t.status not in (TaskStatus.cancelled, TaskStatus.revoked))
    clocks = {t.item_code: Clock(t.promised_days, t.dispatched_on, t.deadline, t.clock_stopped_on) for t in approvals}
    found = projected(calendar(session), clocks, {t.item_code: t.after for t in approvals}, clock.today(), counted)
    return max(found.values())


def _locked(session: Session, principal: Principal, task_id: int) -> tuple[Case, Task, list[Task]]:
    principal.require(*APPROVERS)
    found = repo.task_by_id(session, principal, task_id)
    if found is None:
        raise NotFound(f"没有您可办理的子件 {task_id}", field="id", code="task_not_found")
    case = repo.case_by_id(session, found.case_id, lock=True)
    tasks = list(repo.tasks_of(session, case.id, lock=True))  # refreshes ``found`` too
    return case, found, tasks


def _require_assignee(principal: Principal, task: Task) -> None:
    # Unclaimed: the transition check that follows names the state instead.
    if task.assignee_id is None:
        return
    if task.assignee_id != principal.user_id and task.org_id not in principal.orgs("dept_head"):
        raise Forbidden("此子件已由其他审批人员认领", code="not_assignee")


def _move(session: Session, principal: Principal, task: Task, action: str, comment: str | None = None) -> None:
    t = task_move(task.status, action, Actor.approver)
    before, task.status = task.status, t.target or task.status
    task_event(session, task, principal, t, before, comment)


def claim(session: Session, principal: Principal, task_id: int, body: ClaimIn) -> Task:
    case, task, _ = _locked(session, principal, task_id)
    assignee = principal.user_id
    if body.assignee_id is not None and body.assignee_id != principal.user_id:
        if task.org_id not in principal.orgs("dept_head"):
            raise Forbidden("只有部门负责人可以指派他人办理", code="not_head")
        if not repo.org_member(session, task.org_id, body.assignee_id, APPROVERS):
            raise ValidationFailed("被指派人不是本部门审批人员", field="assignee_id", code="not_member")
        assignee = body.assignee_id
    _move(session, principal, task, "claim")
    task.assignee_id = assignee
    if case.status == CaseStatus.accepted:
        t = case_move(case.status, "start", Actor.system)
        case.status = t.target or case.status
        case_event(session, case, principal, t, CaseStatus.accepted, f"{task.item_name}开始办理")
    return task


def approve(session: Session, principal: Principal, task_id: int, body: DecisionIn) -> Task:
    case, task, tasks = _locked(session, principal, task_id)
    _require_assignee(principal, task)
    _move(session, principal, task, "verify_pass" if task.kind == "verification" else "approve", body.opinion)
    task.decision, task.opinion, task.decided_at = "approved", body.opinion, clock.now()
    if task.kind == "approval":
        # The result is sealed in the same transaction as the approval (held while a shortfall is open).
        licensing.on_approved(session, principal, catalog_version(session, case.catalog_version), case, task)
        if task.commitment:
            tasks.append(_verification(session, principal, task))
        dispatch_ready(session, principal, case, tasks)
        _settle(session, principal, case, tasks)
    return task


def _verification(session: Session, principal: Principal, task: Task) -> Task:
    """告知承诺: approved on the applicant's word, checked afterwards by the same department."""
    today = clock.today()
    check = Task(
        case_id=task.case_id,
        item_code=task.item_code,
        item_name=f"{task.item_name}（告知承诺核查）",
        kind="verification",
        org_id=task.org_id,
        after=[],
        promised_days=VERIFY_DAYS,
        status=TaskStatus.pending,
        dispatched_on=today,
        deadline=start(calendar(session), today, VERIFY_DAYS),
    )
    repo.add(session, check)
    session.flush()
    task_event(session, check, principal, task_move(TaskStatus.waiting, "dispatch", Actor.system), TaskStatus.waiting)
    return check


def reject(session: Session, principal: Principal, task_id: int, body: DecisionIn) -> Task:
    case, task, tasks = _locked(session, principal, task_id)
    _require_assignee(principal, task)
    if task.kind == "verification":
        _move(session, principal, task, "verify_fail", body.opinion)
        task.decision, task.opinion, task.decided_at = "rejected", body.opinion, clock.now()
        _revoke(session, principal, case, tasks, task, body.opinion)
        return task
    _move(session, principal, task, "reject", body.opinion)
    task.decision, task.opinion, task.decided_at = "rejected", body.opinion, clock.now()
    _settle(session, principal, case, tasks)
    return task


def _revoke(
    session: Session, principal: Principal, case: Case, tasks: Sequence[Task], check: Task, reason: str
) -> None:
    for t in tasks:
        if t.kind == "approval" and t.item_code == check.item_code and t.status == TaskStatus.approved:
            move = task_move(t.status, "revoke", Actor.system)
            before, t.status = t.status, TaskStatus.revoked
            task_event(session, t, principal, move, before, reason)
            licensing.on_result_revoked(session, principal, t, f"告知承诺核查不通过：{reason}")
    if case.status in (CaseStatus.concluded, CaseStatus.delivered, CaseStatus.closed):
        move = case_move(case.status, "result_revoked", Actor.system)
        case_event(session, case, principal, move, case.status, f"{check.item_name}：{reason}")
        case.outcome = outcome(t.status for t in tasks if t.kind == "approval")
    else:
        _settle(session, principal, case, tasks)


def _settle(session: Session, principal: Principal, case: Case, tasks: Sequence[Task]) -> None:
    """After a decision: cancel what can no longer start, conclude when all is decided, else move
    the case's deadline."""
    approvals = [t for t in tasks if t.kind == "approval"]
    statuses = {t.item_code: t.status for t in approvals}
    dead = set(blocked(statuses, {t.item_code: t.after for t in approvals}))
    names = {t.item_code: t.item_name for t in approvals}
    for t in approvals:
        if t.item_code in dead:
            failed = [
                names[d] for d in t.after if d in dead or statuses.get(d) in (TaskStatus.rejected, TaskStatus.revoked)
            ]
            move = task_move(t.status, "cancel", Actor.system)
            before, t.status = t.status, TaskStatus.cancelled
            task_event(
                session, t, SYSTEM, move, before, f"前序事项「{'、'.join(failed) or '—'}」未获准予，本事项无法办理"
            )
    result = outcome(t.status for t in approvals)
    if result is None:
        refresh_deadline(session, case, approvals)
        return
    move = case_move(case.status, "conclude", Actor.system)
    before, case.status = case.status, CaseStatus.concluded
    case.correction = None  # nothing is left for the applicant to correct
    case.outcome, case.concluded_at = result, clock.now()
    comment = "容缺材料补齐前，审批结果暂缓发放" if results_held(case) else None
    case_event(session, case, principal, move, before, comment, {"outcome": result})


def return_to_window(session: Session, principal: Principal, task_id: int, body: CorrectionIn) -> Task:
    """The department needs more from the applicant: the case gets (or extends) ONE correction
    notice through the window, and this task's clock stops until the applicant resubmits."""
    case, task, _ = _locked(session, principal, task_id)
    _require_assignee(principal, task)
    if task.kind != "approval":
        raise ValidationFailed("核查子件不能退回补正", field="id", code="not_returnable")
    _move(session, principal, task, "return", body.note)
    task.clock_stopped_on = clock.today()
    items = [{**i.model_dump(), "task": task.item_name} for i in body.items]
    if case.status == CaseStatus.correction_requested:
        move = case_move(case.status, "correction_extended", Actor.system)
        notice = dict(case.correction or {})
        notice["items"] = [*notice.get("items", []), *items]
        case.correction = notice
        case_event(session, case, principal, move, case.status, body.note, {"items": items})
        return task
    move = case_move(case.status, "task_returned", Actor.system)
    before, case.status = case.status, CaseStatus.correction_requested
    case.submit_key = None
    case.correction = {
        "stage": "task",
        "items": items,
        "note": body.note,
        "requested_on": clock.today().isoformat(),
        "by": principal.name,
    }
    case_event(session, case, principal, move, before, body.note, {"items": items})
    return task


def suspend(session: Session, principal: Principal, task_id: int, body: SuspendIn) -> Task:
    _, task, _ = _locked(session, principal, task_id)
    _require_assignee(principal, task)
    _move(session, principal, task, "suspend", f"{SUSPENSION_KINDS[body.kind]}：{body.reason}")
    today = clock.today()
    task.clock_stopped_on = today
    task.suspension = {
        "kind": body.kind,
        "name": SUSPENSION_KINDS[body.kind],
        "reason": body.reason,
        "since": today.isoformat(),
    }
    return task


def resume(session: Session, principal: Principal, task_id: int, body: ResumeIn) -> Task:
    """The special procedure is over: the clock restarts and the deadline moves by the stopped days."""
    case, task, tasks = _locked(session, principal, task_id)
    _require_assignee(principal, task)
    t = task_move(task.status, "resume", Actor.approver)
    stopped = 0
    if task.deadline and task.clock_stopped_on:
        task.deadline, stopped = restarted(calendar(session), task.deadline, task.clock_stopped_on, clock.today())
        task.stopped_days += stopped
    task.clock_stopped_on, task.suspension = None, None
    before, task.status = task.status, t.target or task.status
    detail = {"deadline": task.deadline.isoformat() if task.deadline else None, "stopped_days": stopped}
    task_event(session, task, principal, t, before, body.comment, detail)
    refresh_deadline(session, case, tasks)
    return task
