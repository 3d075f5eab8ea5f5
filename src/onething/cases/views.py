"""Reading cases and tasks: lists (personal data masked), the case with its one timeline, the
department inbox, a task with its share of the one form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from onething.cases import forms, licensing
from onething.cases import repository as repo
from onething.cases.context import case_guide, find_case, is_applicant, is_clerk
from onething.cases.deadlines import remaining
from onething.cases.department import projected_deadline
from onething.cases.intake import problems
from onething.cases.schemas import (
    CaseDetail,
    CaseOut,
    EventOut,
    FieldOut,
    MaterialOut,
    NeededMaterial,
    TaskDetail,
    TaskOut,
)
from onething.cases.workflow import (
    CASE_STATUS_NAMES,
    CASE_TRANSITIONS,
    OPEN_TASK,
    TASK_STATUS_NAMES,
    TASK_TRANSITIONS,
    CaseStatus,
    TaskStatus,
)
from onething.catalog.holidays import calendar
from onething.catalog.model import Catalog
from onething.catalog.spec import SUBJECT_NAMES
from onething.guide.model import FormField
from onething.identity.audit import record
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.calendar import WorkCalendar
from onething.kit.errors import NotFound, ValidationFailed
from onething.kit.masking import mask_id_number
from onething.kit.pagination import Page, page
from onething.models import Case, CaseEvent, CaseMaterial, Task, TaskEvent

ACTIVE = (CaseStatus.accepted, CaseStatus.processing, CaseStatus.correction_requested)
EDITABLE = (CaseStatus.draft, CaseStatus.correction_requested)


def _case_remaining(cal: WorkCalendar, case: Case, today: dt.date) -> int | None:
    if case.status not in ACTIVE:
        return None
    stopped = dt.date.fromisoformat(case.correction["requested_on"]) if case.correction else None
    return remaining(cal, case.deadline, today, stopped)


def case_row(case: Case, cal: WorkCalendar, today: dt.date) -> CaseOut:
    return CaseOut(
        number=case.number,
        thing=case.thing_code,
        thing_name=case.thing_name,
        status=case.status,
        status_name=CASE_STATUS_NAMES[CaseStatus(case.status)],
        channel=case.channel,
        applicant_kind=case.applicant_kind,
        applicant_name=case.applicant_name,
        applicant_id=mask_id_number(case.applicant_id_number)
        if case.applicant_id_number
        else case.applicant_credit_code,
        region_code=case.region_code,
        promised_days=case.promised_days,
        deadline=case.deadline,
        remaining_working_days=_case_remaining(cal, case, today),
        outcome=case.outcome,
        created_at=case.created_at,
        submitted_at=case.submitted_at,
    )


def list_cases(
    session: Session,
    principal: Principal,
    status: str | None = None,
    mine: bool = False,
    after: int | None = None,
    limit: int = 50,
    search: str | None = None,
) -> Page[CaseOut]:
    principal.require_login()
    stmt = repo.readable_cases(principal)
    if search and search.strip():
        if len(search) > 60:
            raise ValidationFailed("查询内容过长", field="q", code="query_too_long")
        stmt = repo.matching(stmt, search)
    if status:
        wanted = status.split(",")
        unknown = [s for s in wanted if s not in CaseStatus.__members__]
        if unknown:
            raise ValidationFailed(f"未知的办件状态：{unknown[0]}", field="status", code="unknown_status")
        stmt = stmt.where(Case.status.in_(wanted))
    if mine:
        stmt = repo.only_mine(stmt, principal)
    rows, nxt = page(session, stmt, Case.id, after, limit, descending=True)
    cal, today = calendar(session), clock.today()
    return Page([case_row(c, cal, today) for c in rows], nxt)


def case_counts(session: Session, principal: Principal) -> dict[str, int]:
    """How many readable cases are in each status (the window's tabs count them)."""
    principal.require_login()
    return repo.status_counts(session, repo.readable_cases(principal))


def task_row(
    task: Task, case: Case, orgs: dict[int, str], users: dict[int, str], cal: WorkCalendar, today: dt.date
) -> TaskOut:
    running = task.status in OPEN_TASK and task.status != TaskStatus.waiting
    return TaskOut(
        id=task.id,
        case_number=case.number,
        thing_name=case.thing_name,
        item=task.item_code,
        item_name=task.item_name,
        kind=task.kind,
        org=orgs.get(task.org_id, ""),
        status=task.status,
        status_name=TASK_STATUS_NAMES[TaskStatus(task.status)],
        assignee=users.get(task.assignee_id) if task.assignee_id else None,
        after=list(task.after),
        promised_days=task.promised_days,
        dispatched_on=task.dispatched_on,
        deadline=task.deadline,
        remaining_working_days=remaining(cal, task.deadline, today, task.clock_stopped_on) if running else None,
        stopped_days=task.stopped_days,
        commitment=task.commitment,
        decision=task.decision,
        opinion=task.opinion,
        suspension=task.suspension,
    )


def _tasks_out(session: Session, tasks: Sequence[Task], cases: dict[int, Case]) -> list[TaskOut]:
    orgs = repo.org_names(session, {t.org_id for t in tasks})
    users = repo.user_names(session, {t.assignee_id for t in tasks if t.assignee_id})
    cal, today = calendar(session), clock.today()
    return [task_row(t, cases[t.case_id], orgs, users, cal, today) for t in tasks]


def _material_out(m: CaseMaterial, names: dict[str, str], others: frozenset[str] = frozenset()) -> MaterialOut:
    return MaterialOut(
        id=m.id,
        material=m.material_code,
        name=names.get(m.material_code, m.material_code),
        source=m.source,
        filename=m.filename,
        content_type=m.content_type,
        size=m.size,
        license_ref=m.license_ref,
        uploaded_at=m.uploaded_at,
        license_of_another=m.license_ref in others,
    )


def timeline(session: Session, case_id: int, tasks: Sequence[Task]) -> list[EventOut]:
    names = {t.id: t.item_name for t in tasks}
    events: list[tuple[dt.datetime, int, EventOut]] = []
    for e in repo.case_events(session, case_id):
        events.append((e.at, 0, _event(e, CASE_TRANSITIONS, None)))
    for te in repo.task_events(session, case_id):
        events.append((te.at, 1, _event(te, TASK_TRANSITIONS, names.get(te.task_id))))
    events.sort(key=lambda x: (x[0], x[1]))
    return [e for _, _, e in events]


def _event(e: CaseEvent | TaskEvent, table: Any, task: str | None) -> EventOut:
    t = table.get(e.action)
    return EventOut(
        at=e.at,
        actor=e.actor_name,
        action=e.action,
        action_name=t.name if t else e.action,
        from_status=e.from_status,
        to_status=e.to_status,
        comment=e.comment,
        task=task,
        detail=e.detail,
    )


def _field_out(f: FormField, case: Case) -> FieldOut:
    source = case.sources.get(f.code)
    return FieldOut(
        code=f.code,
        label=f.label,
        type=f.type,
        format=f.format,
        required=f.required,
        options=list(f.options),
        hint=f.hint,
        items=list(f.items),
        value=case.form.get(f.code),
        source=source,
        source_name=forms.SOURCE_NAMES.get(source) if source else None,
    )


def case_detail(session: Session, principal: Principal, number: str) -> CaseDetail:
    case = find_case(session, principal, number)
    catalog, guide = case_guide(session, case)
    editable = case.status in EDITABLE and is_applicant(principal, case)
    # The stand-ins follow the form as typed so far: a spouse's ID number saved since shows its license.
    if editable and licensing.stand_ins_stale(session, principal, case, guide):
        case = find_case(session, principal, number, lock=True)
        licensing.attach_stand_ins(session, principal, case, guide)
    tasks = repo.tasks_of(session, case.id)
    materials = repo.materials_of(session, case.id)
    others = licensing.licenses_of_others(session, principal, materials)
    names = {m.code: m.name for m in guide.materials}
    have = {m.material_code for m in materials}
    upload = {m.code for m in forms.to_upload(guide, case.commitments)}
    cal, today = calendar(session), clock.today()
    optional = forms.produced_in_bundle(guide)
    form = [
        {
            "code": g.code,
            "name": g.name,
            "fields": [
                _field_out(f, case).model_copy(update={"required": f.required and f.code not in optional})
                for f in g.fields
            ],
        }
        for g in guide.form
    ]
    orgs = repo.org_names(session, [case.receiving_org_id] if case.receiving_org_id else [])
    row = case_row(case, cal, today)
    live = projected_deadline(session, tasks) if case.status in ACTIVE else None
    if live is not None and live != case.deadline:  # a stopped clock moves it on until restarted
        row = row.model_copy(update={"deadline": live, "remaining_working_days": remaining(cal, live, today, None)})
    if not is_applicant(principal, case):
        # Staff see the applicant's full details here: every look is on the record.
        record(session, principal, "case.read", "case", case.id, region_code=case.region_code, case_number=case.number)
    return CaseDetail(
        **row.model_dump(),
        catalog_version=case.catalog_version,
        answers=case.answers,
        form=form,
        commitments=list(case.commitments),
        committable=[{"code": i.code, "name": i.name} for i in guide.items if i.notice_commitment],
        materials=[_material_out(m, names, others) for m in materials],
        needed_materials=[
            NeededMaterial(
                code=m.code,
                name=m.name,
                necessity=m.necessity,
                exempt=m.exempt,
                exempt_reason=m.exempt_reason,
                items=list(m.items),
                provided=m.code in have,
                committed=m.exempt != "bundle" and m.code not in upload,
                **_subject_of(catalog, m.code),
            )
            for m in guide.materials
        ],
        tasks=_tasks_out(session, tasks, {case.id: case}),
        correction=case.correction,
        shortfall=case.shortfall,
        refusal=case.refusal,
        delivery=case.delivery,
        receiving_org=orgs.get(case.receiving_org_id) if case.receiving_org_id else None,
        timeline=timeline(session, case.id, tasks),
        problems=[{"field": p.field, "message": p.message} for p in problems(session, case, guide, have)]
        if case.status in (CaseStatus.draft, CaseStatus.correction_requested)
        else [],
    )


def materials_out(
    session: Session, principal: Principal, number: str, rows: Sequence[CaseMaterial]
) -> list[MaterialOut]:
    """Just-stored materials as the case page lists them, without building the page (an upload's answer)."""
    case = find_case(session, principal, number)
    _, guide = case_guide(session, case)
    names = {m.code: m.name for m in guide.materials}
    others = licensing.licenses_of_others(session, principal, rows)
    return [_material_out(m, names, others) for m in rows]


def _subject_of(catalog: Catalog, code: str) -> dict[str, str | None]:
    material = catalog.materials.get(code)
    subject = material.subject if material is not None else None
    return {"subject": subject.value if subject else None, "subject_name": SUBJECT_NAMES[subject] if subject else None}


def roles(session: Session, principal: Principal, number: str) -> tuple[bool, bool]:
    """Whether the principal is this case's applicant, and whether its receiving clerk."""
    case = find_case(session, principal, number)
    return is_applicant(principal, case), is_clerk(principal, case)


def tasks_of_case(session: Session, principal: Principal, number: str) -> Sequence[Task]:
    """A readable case's tasks, as rows (for drivers such as the demo and the benchmark)."""
    return repo.tasks_of(session, find_case(session, principal, number).id)


def inbox(
    session: Session, principal: Principal, state: str | None, after: int | None, limit: int, *, urgent: bool = False
) -> Page[TaskOut]:
    """Paged by id (the API); ``urgent``: the ``limit`` soonest due instead, with ``next`` set (to the
    last id shown) only when more tasks are waiting."""
    principal.require(*repo.TASK_READERS)
    stmt = repo.readable_tasks(principal)
    if state:
        wanted = state.split(",")
        unknown = [s for s in wanted if s not in TaskStatus.__members__]
        if unknown:
            raise ValidationFailed(f"未知的子件状态：{unknown[0]}", field="state", code="unknown_state")
        stmt = stmt.where(Task.status.in_(wanted))
    else:
        stmt = stmt.where(Task.status.in_([s.value for s in OPEN_TASK if s != TaskStatus.waiting]))
    if urgent:
        found = repo.soonest_due(session, stmt, limit + 1)
        rows, nxt = found[:limit], (found[limit - 1].id if len(found) > limit else None)
    else:
        rows, nxt = page(session, stmt, Task.id, after, limit)
    cases = repo.cases_by_id(session, {t.case_id for t in rows})
    return Page(_tasks_out(session, rows, cases), nxt)


def inbox_counts(session: Session, principal: Principal) -> dict[str, int]:
    """How many of the principal's department tasks are in each state."""
    principal.require(*repo.TASK_READERS)
    return repo.task_counts(session, principal)


def task_kind(session: Session, principal: Principal, task_id: int) -> str:
    """approval or verification, of a task the principal's department holds."""
    principal.require(*repo.TASK_READERS)
    task = repo.task_by_id(session, principal, task_id)
    if task is None:
        raise NotFound(f"没有您可办理的子件 {task_id}", field="id", code="task_not_found")
    return task.kind


def task_detail(session: Session, principal: Principal, task_id: int) -> TaskDetail:
    principal.require(*repo.TASK_READERS)
    task = repo.task_by_id(session, principal, task_id)
    if task is None:
        raise NotFound(f"没有您可办理的子件 {task_id}", field="id", code="task_not_found")
    case = repo.cases_by_id(session, {task.case_id})[task.case_id]
    _, guide = case_guide(session, case)
    cal, today = calendar(session), clock.today()
    tasks = repo.tasks_of(session, case.id)
    rows = _tasks_out(session, tasks, {case.id: case})  # the case's tasks, this one among them
    [row] = [r for r in rows if r.id == task.id]
    record(session, principal, "task.read", "task", task.id, region_code=case.region_code, case_number=case.number)
    fields = [_field_out(f, case) for g in guide.form for f in g.fields if task.item_code in f.items]
    needed = {m.code: m.name for m in guide.materials if task.item_code in m.items}
    materials = [_material_out(m, needed) for m in repo.materials_of(session, case.id) if m.material_code in needed]
    return TaskDetail(
        **row.model_dump(),
        case=case_row(case, cal, today),
        fields=fields,
        materials=materials,
        others=[r for r in rows if r.id != task.id],
        timeline=[e for e in timeline(session, case.id, tasks) if e.task in (None, task.item_name)],
    )
