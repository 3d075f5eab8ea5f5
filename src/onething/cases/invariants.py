"""Invariants of cases for ``onething check``: case and task states agree with their last events, tasks
exist exactly for accepted cases, case numbers are unique, approved results were issued (or are held for a
tolerated shortfall), every uploaded material is in the file store with its hash, and the event tables are
append-only. Each is a few set-based queries."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from onething.cases.context import results_held
from onething.cases.workflow import CaseStatus, TaskStatus
from onething.catalog.service import catalog_version
from onething.identity.invariants import append_only
from onething.kit.files import digest_of, file_store
from onething.kit.invariants import Invariant, Scope, Violation, count, duplicates, state_mismatches
from onething.kit.settings import get_settings
from onething.models import Case, CaseEvent, CaseMaterial, License, Task, TaskEvent

# A case in one of these has been accepted, so it has its tasks (accepted_at says so too).
_AFTER_ACCEPTANCE = (
    CaseStatus.accepted,
    CaseStatus.processing,
    CaseStatus.concluded,
    CaseStatus.delivered,
    CaseStatus.closed,
)
_NEVER_ACCEPTED = (CaseStatus.draft, CaseStatus.submitted, CaseStatus.refused)


def case_state(session: Session, scope: Scope) -> Iterable[Violation]:
    scope.count("cases", count(session, Case.id))
    for m in state_mismatches(
        session,
        key=Case.id,
        label=Case.number,
        status=Case.status,
        event_key=CaseEvent.case_id,
        event_id=CaseEvent.id,
        event_status=CaseEvent.to_status,
    ):
        detail = f"状态为 {m.status}，最后一条流程记录为 {m.last}" if m.last else f"状态为 {m.status}，没有流程记录"
        yield Violation("case_state", f"case {m.subject}", detail)


def task_state(session: Session, scope: Scope) -> Iterable[Violation]:
    scope.count("tasks", count(session, Task.id))
    for m in state_mismatches(
        session,
        key=Task.id,
        label=Task.id,
        status=Task.status,
        event_key=TaskEvent.task_id,
        event_id=TaskEvent.id,
        event_status=TaskEvent.to_status,
        eventless_ok=Task.status == TaskStatus.waiting,  # made at acceptance, not yet dispatched
    ):
        detail = f"状态为 {m.status}，最后一条流程记录为 {m.last}" if m.last else f"状态为 {m.status}，没有流程记录"
        yield Violation("task_state", f"task {m.subject}", detail)


def tasks_of_accepted_cases(session: Session, scope: Scope) -> Iterable[Violation]:
    """Every dispatched task belongs to an accepted case; every accepted case has its tasks."""
    dispatched = or_(Task.dispatched_on.is_not(None), Task.status.not_in((TaskStatus.waiting, TaskStatus.cancelled)))
    stray = (
        select(Task.id, Case.number, Case.status)
        .join(Case, Case.id == Task.case_id)
        .where(dispatched, or_(Case.accepted_at.is_(None), Case.status.in_(_NEVER_ACCEPTED)))
    )
    for task_id, number, status in session.execute(stray):
        yield Violation("task_case", f"task {task_id}", f"已分发，但所属办件 {number} 未受理（状态 {status}）")
    has_tasks = exists().where(Task.case_id == Case.id, Task.kind == "approval")
    bare = select(Case.number, Case.status).where(
        or_(Case.accepted_at.is_not(None), Case.status.in_(_AFTER_ACCEPTANCE)),
        Case.status.not_in(_NEVER_ACCEPTED),
        ~has_tasks,
    )
    for number, status in session.execute(bare):
        yield Violation("task_case", f"case {number}", f"已受理（状态 {status}），但没有任何审批子件")
    scope.count("accepted_cases", count(session, Case.id, Case.accepted_at.is_not(None)))


def case_numbers_unique(session: Session, scope: Scope) -> Iterable[Violation]:
    for (number,), n in duplicates(session, [Case.number]):
        yield Violation("case_number_unique", f"case {number}", f"办件编号重复 {n} 次")


def results_issued(session: Session, scope: Scope) -> Iterable[Violation]:
    """Every approved task whose item (in the case's pinned catalog) has a result license has it, unless the
    case's tolerated shortfall still holds its results (``results_held``)."""
    checked = 0
    versions = session.scalars(select(Case.catalog_version).where(Case.accepted_at.is_not(None)).distinct()).all()
    for version in versions:
        catalog = catalog_version(session, version)
        issuing = sorted(
            code for code, item in catalog.items.items() if item.spec.result and item.spec.result.license_type
        )
        if not issuing:
            continue
        approved = and_(
            Task.status == TaskStatus.approved,
            Task.kind == "approval",
            Task.item_code.in_(issuing),
            Case.catalog_version == version,
        )
        checked += int(
            session.scalar(select(func.count(Task.id)).join(Case, Case.id == Task.case_id).where(approved)) or 0
        )
        missing = (
            select(Task.id, Task.item_code, Case)
            .join(Case, Case.id == Task.case_id)
            .where(approved, ~exists().where(License.task_id == Task.id))
        )
        for task_id, item_code, case in session.execute(missing):
            if results_held(case):
                continue
            yield Violation(
                "result_issued", f"task {task_id}", f"办件 {case.number} 的事项 {item_code} 已准予，但没有签发电子证照"
            )
    scope.count("approved_results", checked)


def material_files(session: Session, scope: Scope) -> Iterable[Violation]:
    """Every uploaded material of a case is in the file store, and its bytes hash to its digest."""
    store = file_store(get_settings())
    stmt = (
        select(CaseMaterial.digest)
        .where(CaseMaterial.source == "upload", CaseMaterial.digest.is_not(None), CaseMaterial.removed_at.is_(None))
        .distinct()
    )
    if scope.sample is not None:
        stmt = select(stmt.subquery().c.digest).order_by(func.random()).limit(scope.sample)
    bad: dict[str, str] = {}
    checked = 0
    for digest in session.scalars(stmt):
        if digest is None:  # excluded by the query; for the type checker
            continue
        checked += 1
        try:
            if not store.exists(digest):
                bad[digest] = "文件库中没有该文件"
            elif digest_of(store.get(digest)) != digest:
                bad[digest] = "文件内容与其 SHA-256 不符"
        except Exception as exc:  # one unreadable file is that file's violation, the rest are still checked
            bad[digest] = f"无法读取：{type(exc).__name__}"
    scope.count("files", checked)
    if not bad:
        return
    uses: dict[str, list[str]] = {}
    where = select(CaseMaterial.digest, Case.number, CaseMaterial.material_code).join(
        Case, Case.id == CaseMaterial.case_id
    )
    for digest, number, material in session.execute(where.where(CaseMaterial.digest.in_(sorted(bad)))):
        uses.setdefault(str(digest), []).append(f"{number}/{material}")
    for digest, why in sorted(bad.items()):
        found = uses.get(digest, [])
        more = f" 等 {len(found)} 处" if len(found) > 3 else ""
        yield Violation("material_file", f"file {digest[:16]}", f"{why}（材料 {'、'.join(found[:3])}{more}）")


def _append_only(session: Session, scope: Scope) -> Iterable[Violation]:
    return append_only(session, scope, "case_events_append_only", ("case_events", "task_events"))


INVARIANTS = [
    Invariant("case_state", "办件状态与最后一条流程记录一致", case_state),
    Invariant("task_state", "子件状态与最后一条流程记录一致", task_state),
    Invariant("task_case", "已分发子件属于已受理办件，已受理办件有其子件", tasks_of_accepted_cases),
    Invariant("case_number_unique", "办件编号不重复", case_numbers_unique),
    Invariant("result_issued", "准予的子件已签发电子证照（或容缺暂缓）", results_issued),
    Invariant("material_file", "材料文件在文件库中且哈希一致", material_files),
    Invariant("case_events_append_only", "办件、子件流程记录只追加（触发器在位）", _append_only),
]
