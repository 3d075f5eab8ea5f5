"""The audit log: recorded by every service that shows personal data in full or changes access,
searched by supervisors and system administrators within their region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.identity.principal import Principal
from onething.identity.schemas import AuditOut
from onething.kit import clock
from onething.kit.masking import mask_text
from onething.kit.pagination import Page, page
from onething.models import AuditEntry


def record(
    session: Session,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    *,
    region_code: str | None = None,
    case_number: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row in the caller's transaction: the look and its record commit together."""
    repo.add(
        session,
        AuditEntry(
            at=clock.now(),
            user_id=principal.user_id,
            user_name=principal.name if principal.authenticated else None,
            org_id=principal.org_id,
            ip=principal.ip,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            region_code=region_code or _home_region(principal),
            case_number=case_number,
            reason=mask_text(reason)[:200] if reason else None,
            detail=detail,
        ),
    )


def _home_region(principal: Principal) -> str | None:
    return principal.grants[0].region_code if principal.grants else None


AUDIT_ROLES = ("supervisor", "system_admin")


def search(
    session: Session,
    principal: Principal,
    *,
    action: str | None = None,
    user_id: int | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    case_number: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[AuditOut]:
    principal.require(*AUDIT_ROLES)
    stmt = repo.readable_audit(principal)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if user_id is not None:
        stmt = stmt.where(AuditEntry.user_id == user_id)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if case_number:
        stmt = stmt.where(AuditEntry.case_number == case_number)
    if since:
        stmt = stmt.where(AuditEntry.at >= clock.day_start(since))
    if until:
        stmt = stmt.where(AuditEntry.at < clock.day_start(until + dt.timedelta(days=1)))
    rows, nxt = page(session, stmt, AuditEntry.id, after, limit, descending=True)
    filters = {k: v for k, v in {"action": action, "object_type": object_type, "case_number": case_number}.items() if v}
    record(session, principal, "audit.search", "audit_log", detail=filters or None)
    return Page([AuditOut.model_validate(r, from_attributes=True) for r in rows], nxt)
