"""Every cases query. ``readable_cases`` / ``readable_tasks`` filter by the principal in SQL; the
``lock`` flags take row locks on PostgreSQL (SQLite serialises writers with BEGIN IMMEDIATE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.identity.repository import in_scopes
from onething.kit.db import insert_ignoring
from onething.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseSequence,
    Hall,
    Org,
    RoleGrant,
    Task,
    TaskEvent,
    User,
    Window,
)

CASE_READERS = ("window_clerk", "approver", "dept_head", "supervisor")
TASK_READERS = ("approver", "dept_head")


def next_number(session: Session, region: str, day: str) -> int:
    """The next daily sequence for a region. The row is created on the day's first case (a racing
    creator's insert is a no-op), then incremented in place: the UPDATE's row lock orders
    concurrent creators on PostgreSQL; SQLite's writers are serialised already."""
    session.execute(insert_ignoring(session, CaseSequence).values(region_code=region, day=day, last=0))
    stmt = (
        update(CaseSequence)
        .where(CaseSequence.region_code == region, CaseSequence.day == day)
        .values(last=CaseSequence.last + 1)
        .returning(CaseSequence.last)
    )
    return int(session.execute(stmt).scalar_one())


def _own(principal: Principal) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if principal.id_number:
        conditions.append(Case.applicant_id_number == principal.id_number)
    if principal.enterprises:
        conditions.append(Case.applicant_credit_code.in_(principal.enterprises))
    if principal.user_id is not None:
        # Whoever keyed a case in acts for its applicant; a clerk (window, 帮代办) only while it is a
        # draft — the same rule as context.is_applicant.
        keyed = or_(Case.channel.not_in(("window", "helper")), Case.status == "draft")
        conditions.append(and_(Case.created_by == principal.user_id, keyed))
    return conditions


def readable_cases(principal: Principal) -> Select[Case]:
    """Applicants their own (and their enterprises'); clerks their hall's; departments the cases
    they hold a task of; supervisors their region. Staff never see someone else's draft."""
    staff: list[ColumnElement[bool]] = []
    clerk_orgs = principal.orgs("window_clerk")
    if clerk_orgs:
        staff.append(Case.receiving_org_id.in_(clerk_orgs))
    task_orgs = principal.orgs(*TASK_READERS)
    if task_orgs:
        staff.append(Case.id.in_(select(Task.case_id).where(Task.org_id.in_(task_orgs))))
    if principal.has("supervisor"):
        staff.append(in_scopes(Case.region_code, principal.scopes("supervisor")))
    conditions = _own(principal)
    if staff:
        conditions.append(and_(Case.status != "draft", or_(*staff)))
    return select(Case).where(or_(*conditions) if conditions else false())


def matching(stmt: Select[Case], query: str) -> Select[Case]:
    """The window's search box: a case number (or its tail), an applicant's ID number or credit code
    (whole, or their last 6 characters), or a name (part of it)."""
    q = query.strip().upper()
    if q.isdigit() and len(q) >= 6:
        return stmt.where(or_(Case.number.endswith(q, autoescape=True), Case.applicant_id_number.endswith(q)))
    if len(q) == 18 or (len(q) == 6 and q.isalnum()):
        return stmt.where(
            or_(
                Case.applicant_id_number.endswith(q, autoescape=True),
                Case.applicant_credit_code.endswith(q, autoescape=True),
            )
        )
    return stmt.where(Case.applicant_name.contains(query.strip(), autoescape=True))


def status_counts(session: Session, stmt: Select[Case]) -> dict[str, int]:
    """How many of the cases ``stmt`` selects are in each status (the workbench's tabs)."""
    inner = stmt.with_only_columns(Case.status).subquery()
    rows = session.execute(select(inner.c.status, func.count()).group_by(inner.c.status)).all()
    return {status: int(n) for status, n in rows}


def only_mine(stmt: Select[Case], principal: Principal) -> Select[Case]:
    own = _own(principal)
    return stmt.where(or_(*own) if own else false())


def applicant_events(
    session: Session, principal: Principal, actions: Iterable[str], limit: int
) -> list[tuple[CaseEvent, str, str]]:
    """Events of the principal's own cases (as applicant or agent), newest first, with each case's
    number and thing name: what the applicant's 消息 page lists."""
    own = _own(principal)
    if not own:
        return []
    stmt = (
        select(CaseEvent, Case.number, Case.thing_name)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(or_(*own), CaseEvent.action.in_(list(actions)))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
        .limit(limit)
    )
    return [(event, number, name) for event, number, name in session.execute(stmt).all()]


def unseen_events(session: Session, principal: Principal, actions: Iterable[str], after: int) -> int:
    """How many of the applicant's messages came after event ``after`` (the 消息 unread mark)."""
    own = _own(principal)
    if not own:
        return 0
    stmt = (
        select(func.count())
        .select_from(CaseEvent)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(or_(*own), CaseEvent.action.in_(list(actions)), CaseEvent.id > after)
    )
    return int(session.scalar(stmt) or 0)


def waiting_on_applicant(session: Session, principal: Principal, limit: int = 50) -> Sequence[Case]:
    """The principal's own open cases that may wait for them (a correction, a shortfall to supply, a
    receipt to confirm): a person's own cases are few, the caller picks from them."""
    own = _own(principal)
    if not own:
        return []
    waiting = ("correction_requested", "delivered", "accepted", "processing", "concluded")
    stmt = select(Case).where(or_(*own), Case.status.in_(waiting)).order_by(Case.id.desc()).limit(limit)
    return session.scalars(stmt).all()


def messages_seen(session: Session, user_id: int) -> int:
    return int(session.scalar(select(User.messages_seen).where(User.id == user_id)) or 0)


def mark_messages_seen(session: Session, user_id: int, event_id: int) -> None:
    session.execute(
        update(User).where(User.id == user_id, User.messages_seen < event_id).values(messages_seen=event_id)
    )


def cases_by_id(session: Session, ids: Iterable[int]) -> dict[int, Case]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))}


def case_by_number(session: Session, principal: Principal, number: str, *, lock: bool = False) -> Case | None:
    stmt = readable_cases(principal).where(Case.number == number)
    if lock:
        # Read the row as it is now, not as this session last saw it.
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    return session.scalar(stmt)


def case_by_id(session: Session, case_id: int, *, lock: bool = False) -> Case:
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one()


def case_by_key(session: Session, user_id: int, key: str) -> Case | None:
    return session.scalar(select(Case).where(Case.created_by == user_id, Case.idempotency_key == key))


def readable_tasks(principal: Principal) -> Select[Task]:
    orgs = principal.orgs(*TASK_READERS)
    return select(Task).where(Task.org_id.in_(orgs) if orgs else false())


def soonest_due(session: Session, stmt: Select[Task], limit: int) -> Sequence[Task]:
    """The first ``limit`` tasks of ``stmt`` by deadline (none last): a department's most urgent work,
    however many older tasks it has."""
    return session.scalars(stmt.order_by(Task.deadline.is_(None), Task.deadline, Task.id).limit(limit)).all()


def task_by_id(session: Session, principal: Principal, task_id: int) -> Task | None:
    return session.scalar(readable_tasks(principal).where(Task.id == task_id))


def task_counts(session: Session, principal: Principal) -> dict[str, int]:
    """Readable tasks per state, counted in SQL (the inbox's tabs)."""
    stmt = readable_tasks(principal).with_only_columns(Task.status, func.count()).group_by(Task.status)
    return dict(session.execute(stmt).all())


def running_cases_with_stopped_clock(session: Session, after_id: int, limit: int) -> Sequence[Case]:
    stopped = select(Task.case_id).where(Task.status.in_(("suspended", "returned")))
    stmt = (
        select(Case)
        .where(
            Case.id > after_id,
            Case.status.in_(("accepted", "processing", "correction_requested")),
            Case.id.in_(stopped),
        )
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).all()


def tasks_of(session: Session, case_id: int, *, lock: bool = False) -> Sequence[Task]:
    stmt = select(Task).where(Task.case_id == case_id).order_by(Task.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).all()


def materials_of(session: Session, case_id: int) -> Sequence[CaseMaterial]:
    stmt = select(CaseMaterial).where(CaseMaterial.case_id == case_id, CaseMaterial.removed_at.is_(None))
    return session.scalars(stmt.order_by(CaseMaterial.id)).all()


def material(session: Session, case_id: int, material_id: int) -> CaseMaterial | None:
    return session.scalar(
        select(CaseMaterial).where(
            CaseMaterial.case_id == case_id, CaseMaterial.id == material_id, CaseMaterial.removed_at.is_(None)
        )
    )


def materials_by_id(session: Session, case_id: int, ids: Iterable[int]) -> Sequence[CaseMaterial]:
    """The case's files with these ids, removed ones included (what a resubmission took away)."""
    wanted = set(ids)
    if not wanted:
        return []
    stmt = select(CaseMaterial).where(CaseMaterial.case_id == case_id, CaseMaterial.id.in_(wanted))
    return session.scalars(stmt.order_by(CaseMaterial.id)).all()


def case_events(session: Session, case_id: int) -> Sequence[CaseEvent]:
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()


def task_events(session: Session, case_id: int) -> Sequence[TaskEvent]:
    return session.scalars(select(TaskEvent).where(TaskEvent.case_id == case_id).order_by(TaskEvent.id)).all()


def orgs_by_code(session: Session, codes: Iterable[str]) -> dict[str, Org]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {o.code: o for o in session.scalars(select(Org).where(Org.code.in_(wanted), Org.active.is_(True)))}


def org_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(wanted))).all())


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def user(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def window_and_hall(session: Session, window_id: int | None) -> tuple[Window, Hall | None] | None:
    window = session.get(Window, window_id) if window_id is not None else None
    return (window, session.get(Hall, window.hall_id)) if window is not None else None


def hall_of_centre(session: Session, region_codes: Sequence[str]) -> tuple[Org, Hall] | None:
    """The nearest service centre with a hall, trying the regions in order (most specific first)."""
    codes = [f"{r}-service_center" for r in region_codes]
    rows = session.execute(
        select(Org, Hall).join(Hall, Hall.org_id == Org.id).where(Org.code.in_(codes), Org.active.is_(True))
    ).all()
    found = {org.code: (org, hall) for org, hall in rows}
    for code in codes:
        if code in found:
            return found[code]
    return None


def clerk_window(session: Session, user_id: int) -> int | None:
    return session.scalar(select(User.window_id).where(User.id == user_id))


def org_member(session: Session, org_id: int, user_id: int, roles: Sequence[str]) -> bool:
    stmt = (
        select(func.count())
        .select_from(RoleGrant)
        .where(RoleGrant.org_id == org_id, RoleGrant.user_id == user_id, RoleGrant.role.in_(roles))
    )
    return bool(session.scalar(stmt))


def add(session: Session, row: object) -> None:
    session.add(row)
