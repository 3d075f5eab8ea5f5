"""What ``onething check`` is made of: a ``Violation``, the ``Invariant`` each domain registers, and the
runner that applies them all to one read-only snapshot of the database.

Each domain lists its invariants in ``<domain>/invariants.py`` as ``INVARIANTS``; an invariant is a few
set-based queries (never a loop over every row in Python) that yield what it finds wrong. Per-row work that
cannot be a query (a seal's signature, a stored file's hash) is bounded by ``Scope.sample``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from onething.kit.masking import mask_text

# A column of a mapped class (``Case.status``) or any column expression.
Column = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True, slots=True)
class Violation:
    check: str  # the invariant's stable code, e.g. "case_state"
    subject: str  # what is wrong, named without personal data: "case 430202202612070001"
    detail: str  # why, in Chinese


@dataclass
class Scope:
    """What an invariant may read besides the session: how many rows to check one by one (None: all),
    and where to count what it checked, so the report says how much was looked at."""

    sample: int | None = None
    checked: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, n: int) -> None:
        self.checked[name] = self.checked.get(name, 0) + n


@dataclass(frozen=True, slots=True)
class Invariant:
    code: str
    title: str  # 中文, for the table
    run: Callable[[Session, Scope], Iterable[Violation]]


@dataclass
class Report:
    checked: dict[str, int]
    violations: list[Violation]
    ran: list[str]

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": dict(sorted(self.checked.items())),
            "violations": [{"check": v.check, "subject": v.subject, "detail": v.detail} for v in self.violations],
        }


def run_all(session: Session, invariants: Sequence[Invariant], sample: int | None = None) -> Report:
    """Every invariant against the session's snapshot. One that fails to run (a missing table, a store out
    of reach) is itself a violation, and the others still run."""
    scope = Scope(sample=sample)
    violations: list[Violation] = []
    for inv in invariants:
        try:
            # Masked here, once: no invariant can print an ID number or a phone number in full.
            violations.extend(
                Violation(v.check, mask_text(v.subject), mask_text(v.detail)) for v in inv.run(session, scope)
            )
        except Exception as exc:  # reported, never hidden: an invariant that cannot run proves nothing
            session.rollback()
            violations.append(Violation(inv.code, "-", f"检查无法完成：{type(exc).__name__}: {str(exc)[:300]}"))
    return Report(scope.checked, violations, [i.code for i in invariants])


@dataclass(frozen=True, slots=True)
class Mismatch:
    subject: Any  # the ``label`` column's value
    status: str | None
    last: str | None  # the state the last event moved to; None when there is no event


def state_mismatches(
    session: Session,
    *,
    key: Column,
    label: Column,
    status: Column,
    event_key: Column,
    event_id: Column,
    event_status: Column,
    event_where: Sequence[ColumnElement[bool]] = (),
    where: Sequence[ColumnElement[bool]] = (),
    eventless_ok: ColumnElement[bool] | None = None,
) -> list[Mismatch]:
    """Rows whose ``status`` is not what their last event (highest id among ``event_where``) moved them to,
    in one query: a grouped scan of the events joined back to the rows. A row with no event is a mismatch
    unless ``eventless_ok`` holds for it."""
    last = select(event_key.label("k"), func.max(event_id).label("last_id")).where(*event_where).group_by(event_key)
    latest = last.subquery()
    no_event = latest.c.last_id.is_(None)
    wrong = or_(event_status.is_(None), event_status != status)
    bad = or_(and_(no_event, not_(eventless_ok)) if eventless_ok is not None else no_event, and_(~no_event, wrong))
    stmt = (
        select(label, status, event_status)
        .select_from(key.table)
        .outerjoin(latest, latest.c.k == key)
        .outerjoin(event_id.table, event_id == latest.c.last_id)
        .where(*where, bad)
    )
    return [Mismatch(row[0], row[1], row[2]) for row in session.execute(stmt)]


def duplicates(session: Session, columns: Sequence[Column]) -> list[tuple[tuple[Any, ...], int]]:
    """Values of ``columns`` held by more than one row, with how many."""
    stmt = select(*columns, func.count()).group_by(*columns).having(func.count() > 1)
    return [(tuple(row[:-1]), int(row[-1])) for row in session.execute(stmt)]


def count(session: Session, column: Column, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count(column)).where(*where)) or 0)
