"""The deadline scan (红黄牌): set-based statements that raise a card for every task, case and
rectification step at or past its yellow line, resolve the cards whose step is done or whose deadline
moved, and queue one notification per new card.

Raising is idempotent and safe to run in several processes at once: a card's unique key (subject,
step, level, due) makes a second insert a no-op (ON CONFLICT DO NOTHING), and notifications are
claimed with SKIP LOCKED, so each card is announced exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from onething.cases.workflow import CLOCK_STOPPED, TaskStatus
from onething.evaluations.rules import Step
from onething.kit.calendar import WorkCalendar
from onething.kit.clock import now
from onething.kit.db import insert_ignoring
from onething.models import Case, DeadlineWarning, Org, Rectification, Task
from onething.outbox.service import enqueue
from onething.supervision.rules import LEVEL_NAMES, STEP_NAMES

RUNNING_TASK = (TaskStatus.pending, TaskStatus.claimed)  # the department's clock runs
RUNNING_CASE = ("accepted", "processing")
RECTIFY_STEPS = (Step.classify, Step.rectifying, Step.answering)  # the org's turn
TITLE_MAX = 200
W = DeadlineWarning
COLUMNS = (
    "subject",
    "subject_id",
    "step",
    "level",
    "due",
    "region_code",
    "org_id",
    "assignee_id",
    "case_number",
    "title",
    "raised_on",
    "raised_at",
    "notified",
)


@dataclass(frozen=True, slots=True)
class ScanResult:
    raised: int
    resolved: int


def _insert(session: Session, source: Any) -> int:
    return _count(session, insert_ignoring(session, W).from_select(COLUMNS, source))


def _day(day: dt.date) -> ColumnElement[dt.date]:
    return literal(day, type_=W.raised_on.type)


def _moment(at: dt.datetime) -> ColumnElement[dt.datetime]:
    return literal(at, type_=W.raised_at.type)


def _level(deadline: Any, today: dt.date) -> ColumnElement[str]:
    return case((deadline < today, literal("red")), else_=literal("yellow"))


def _by_threshold(levels: Mapping[str, int]) -> dict[int, list[str]]:
    """Org levels grouped by their yellow line: usually one statement covers all of them."""
    grouped: dict[int, list[str]] = defaultdict(list)
    for level, days in levels.items():
        grouped[days].append(level)
    return grouped


def _tasks(session: Session, cal: WorkCalendar, today: dt.date, levels: Mapping[str, int]) -> int:
    """Running tasks at or past the line, without this card yet. The card check comes first, over the
    running tasks' partial index alone (``fresh``, kept apart by OFFSET 0 so the planner does not fold
    it into the join); only new cards then join the task and case rows they copy from."""
    raised = 0
    at = now()
    for days, org_levels in _by_threshold(levels).items():
        line = cal.add_working_days(today, days)
        carded = exists().where(
            W.subject == "task",
            W.subject_id == Task.id,
            W.step == "approve",
            W.due == Task.deadline,
            W.level == _level(Task.deadline, today),
        )
        fresh = (
            select(Task.id)
            .where(Task.status.in_(RUNNING_TASK), Task.deadline <= line, ~carded)
            .offset(0)
            .subquery("fresh")
        )
        source = (
            select(
                literal("task"),
                Task.id,
                literal("approve"),
                _level(Task.deadline, today),
                Task.deadline,
                Case.region_code,
                Task.org_id,
                Task.assignee_id,
                Case.number,
                func.substr(Case.thing_name + literal(" · ") + Task.item_name, 1, TITLE_MAX),
                _day(today),
                _moment(at),
                literal(False),
            )
            .select_from(fresh)
            .join(Task, Task.id == fresh.c.id)
            .join(Case, Case.id == Task.case_id)
            .where(Task.org_id.in_(select(Org.id).where(Org.level.in_(org_levels))))
        )
        raised += _insert(session, source)
    return raised


def _cases(session: Session, cal: WorkCalendar, today: dt.date, levels: Mapping[str, int]) -> int:
    """A case's own card runs on its promised deadline; a case with a stopped clock is left to its
    tasks (its deadline moves day by day until the stop ends)."""
    raised = 0
    at = now()
    stopped = exists().where(Task.case_id == Case.id, Task.status.in_(CLOCK_STOPPED))
    for days, org_levels in _by_threshold(levels).items():
        line = cal.add_working_days(today, days)
        source = select(
            literal("case"),
            Case.id,
            literal("conclude"),
            _level(Case.deadline, today),
            Case.deadline,
            Case.region_code,
            Case.receiving_org_id,
            literal(None),
            Case.number,
            Case.thing_name,
            _day(today),
            _moment(at),
            literal(False),
        ).where(
            Case.status.in_(RUNNING_CASE),
            Case.deadline <= line,
            ~stopped,
            Case.receiving_org_id.in_(select(Org.id).where(Org.level.in_(org_levels))),
        )
        raised += _insert(session, source)
    return raised


# The appeal runs on the org's 15 days too, but it is the supervisor's turn: its own card, theirs alone.
RECTIFICATION_STEPS = (
    ("callback", (Step.callback,), Rectification.callback_due),
    ("rectify", RECTIFY_STEPS, Rectification.rectify_due),
    ("appeal", (Step.appealing,), Rectification.rectify_due),
)


def _rectifications(session: Session, cal: WorkCalendar, today: dt.date, steps: Mapping[str, int]) -> int:
    raised = 0
    at = now()
    for step, statuses, due in RECTIFICATION_STEPS:
        line = cal.add_working_days(today, steps.get(step, steps.get("rectify", 0)))
        source = select(
            literal("rectification"),
            Rectification.id,
            literal(step),
            _level(due, today),
            due,
            Rectification.region_code,
            Rectification.org_id,
            literal(None),
            Rectification.case_number,
            literal("差评整改：") + Rectification.case_number,
            _day(today),
            _moment(at),
            literal(False),
        ).where(Rectification.status.in_(statuses), due <= line)
        raised += _insert(session, source)
    return raised


def _resolve_tasks(session: Session, today: dt.date, line: dt.date) -> int:
    """Task cards whose task no longer runs on that deadline. The running tasks are read through their
    partial index (every carded one lies at or before the line); the stale cards are gathered first
    (MATERIALIZED), so the check is a plain read rather than a row fetch inside the UPDATE."""
    running = exists().where(
        Task.status.in_(RUNNING_TASK), Task.deadline <= line, Task.id == W.subject_id, Task.deadline == W.due
    )
    stale = (
        select(W.id)
        .where(W.resolved_at.is_(None), W.subject == "task", or_(~running, and_(W.level == "yellow", W.due < today)))
        .cte("stale")
        .prefix_with("MATERIALIZED")
    )
    stmt = update(W).where(W.id.in_(select(stale.c.id))).values(resolved_at=now())
    return _count(session, stmt)


def _count(session: Session, stmt: Any) -> int:
    # SQLAlchemy 2.1 keeps an INSERT/UPDATE's row count only when asked to.
    result = session.execute(stmt.execution_options(synchronize_session=False, preserve_rowcount=True))
    return max(0, int(getattr(result, "rowcount", 0) or 0))


def _case_due() -> ColumnElement[bool]:
    """A case card's step is still open with the same deadline."""
    return exists().where(
        Case.id == W.subject_id,
        Case.status.in_(RUNNING_CASE),
        Case.deadline == W.due,
        ~exists().where(Task.case_id == Case.id, Task.status.in_(CLOCK_STOPPED)),
    )


def _rectification_due() -> ColumnElement[bool]:
    return exists().where(
        Rectification.id == W.subject_id,
        or_(*(and_(W.step == step, Rectification.status.in_(s), due == W.due) for step, s, due in RECTIFICATION_STEPS)),
    )


def _resolve(session: Session, today: dt.date, line: dt.date) -> int:
    """Cards whose step is done or whose deadline moved; and a yellow card once its deadline has
    passed (the red one takes over)."""
    resolved = _resolve_tasks(session, today, line)
    for subject, still_due in (("case", _case_due()), ("rectification", _rectification_due())):
        done = or_(~still_due, and_(W.level == "yellow", W.due < today))
        stmt = update(W).where(W.resolved_at.is_(None), W.subject == subject, done).values(resolved_at=now())
        resolved += _count(session, stmt)
    return resolved


def scan(
    session: Session,
    cal: WorkCalendar,
    today: dt.date,
    levels: Mapping[str, int],
    rectification_steps: Mapping[str, int],
) -> ScanResult:
    resolved = _resolve(session, today, cal.add_working_days(today, max(levels.values(), default=0)))
    raised = _tasks(session, cal, today, levels)
    raised += _cases(session, cal, today, levels)
    raised += _rectifications(session, cal, today, rectification_steps)
    return ScanResult(raised, resolved)


def announce(session: Session, limit: int = 2000) -> int:
    """One message to whoever holds the step (the assignee, else the org) and one to the region's
    supervisors, per new card. Claimed with SKIP LOCKED: a second process takes other cards."""
    stmt = select(W).where(W.notified.is_(False)).order_by(W.id).limit(limit).with_for_update(skip_locked=True)
    cards = session.scalars(stmt).all()
    for w in cards:
        what = STEP_NAMES.get(w.step, w.step)
        state = "已超期" if w.level == "red" else "临近期限"
        subject = f"【{LEVEL_NAMES[w.level]}】{what}{state}：{w.title}"
        body = f"办件 {w.case_number or '—'}，{what}期限 {w.due:%Y-%m-%d}，{state}。请及时办理。"
        data = {"warning": w.id, "level": w.level, "step": w.step, "due": w.due.isoformat()}
        topic = f"warning.{w.level}"
        if w.step == "appeal":
            pass  # the supervisors' turn only
        elif w.assignee_id is not None:
            enqueue(session, topic, "user", w.assignee_id, subject, body, data=data, warning_id=w.id)
        elif w.org_id is not None:
            enqueue(session, topic, "org", w.org_id, subject, body, data=data, warning_id=w.id)
        enqueue(session, topic, "supervisors", w.region_code, subject, body, data=data, warning_id=w.id)
        w.notified = True
    return len(cards)
