"""Invariants of identity for ``onething check``: the audit log is append-only, and the helper every domain
uses to prove the same of its event tables (the triggers of migrations 0003+ are in place and enabled)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from onething.kit.invariants import Invariant, Scope, Violation

# pg_trigger.tgtype bits (PostgreSQL's trigger.h)
_ROW, _BEFORE, _DELETE, _UPDATE = 1, 2, 8, 16
_SPACES = re.compile(r"\s+")


def _pg_refused(session: Session, tables: Sequence[str]) -> dict[str, set[str]]:
    """table -> the verbs (update, delete) an enabled BEFORE … FOR EACH ROW trigger refuses by raising."""
    rows = session.execute(
        text(
            "SELECT c.relname, t.tgtype, p.prosrc FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema() "
            "AND c.relname = ANY(:tables)"
        ),
        {"tables": list(tables)},
    )
    refused: dict[str, set[str]] = {}
    for table, tgtype, source in rows:
        if not (tgtype & _ROW and tgtype & _BEFORE) or "RAISE EXCEPTION" not in _SPACES.sub(" ", source.upper()):
            continue
        verbs = refused.setdefault(table, set())
        if tgtype & _UPDATE:
            verbs.add("update")
        if tgtype & _DELETE:
            verbs.add("delete")
    return refused


def _sqlite_refused(session: Session, tables: Sequence[str]) -> dict[str, set[str]]:
    rows = session.execute(text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))
    refused: dict[str, set[str]] = {}
    for table, sql in rows:
        if table not in tables or not sql:
            continue
        flat = _SPACES.sub(" ", sql.upper())
        if "RAISE(ABORT" not in flat.replace("RAISE (", "RAISE("):
            continue
        for verb in ("update", "delete"):
            if f"BEFORE {verb.upper()} ON" in flat:
                refused.setdefault(table, set()).add(verb)
    return refused


def append_only(session: Session, scope: Scope, code: str, tables: Sequence[str]) -> Iterable[Violation]:
    """Each of ``tables`` refuses UPDATE and DELETE through its triggers."""
    postgres = session.get_bind().dialect.name == "postgresql"
    refused = _pg_refused(session, tables) if postgres else _sqlite_refused(session, tables)
    scope.count("append_only_tables", len(tables))
    for table in tables:
        missing = {"update", "delete"} - refused.get(table, set())
        if missing:
            verbs = "、".join(v.upper() for v in sorted(missing, reverse=True))
            yield Violation(code, f"table {table}", f"缺少拒绝 {verbs} 的只追加触发器（应由迁移创建）")


def _audit_append_only(session: Session, scope: Scope) -> Iterable[Violation]:
    return append_only(session, scope, "audit_append_only", ("audit_log",))


INVARIANTS = [Invariant("audit_append_only", "审计日志只追加（触发器在位）", _audit_append_only)]
