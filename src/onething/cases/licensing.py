"""Where cases meet e-licenses: results issued on approval, licenses standing in for materials (免提交),
and form values filled in from the applicant's licenses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from onething.cases import forms
from onething.cases import repository as repo
from onething.cases.context import is_applicant, results_held
from onething.catalog.model import Catalog
from onething.guide.model import Guide
from onething.identity.principal import Principal
from onething.kit.errors import NotFound
from onething.licenses import service as licenses
from onething.models import Case, CaseMaterial, License, Task
from onething.models.base import utcnow


def holder_codes(case: Case) -> list[str]:
    return [c for c in (case.applicant_credit_code, case.applicant_id_number) if c]


def form_data(session: Session, codes: Sequence[str], guide: Guide) -> dict[str, dict[str, Any]]:
    """license type -> values, for the form fields whose auto-fill source is an e-license."""
    types = {
        f.autofill.split(".")[1]
        for f in forms.fields(guide.form).values()
        if f.autofill and f.autofill.startswith("license.") and f.autofill.count(".") >= 2
    }
    return licenses.autofill_data(session, codes, types) if types else {}


def attach_stand_ins(session: Session, principal: Principal, case: Case, guide: Guide) -> list[CaseMaterial]:
    """免提交: each material an e-license type can stand in for, when the applicant holds a valid one, is
    provided by reference; a reference whose license is no longer valid is withdrawn (so it is asked for)."""
    wanted = {m.code: m.license_type for m in forms.to_upload(guide, case.commitments) if m.license_type}
    if not wanted:
        return []
    held = licenses.stand_ins(session, holder_codes(case), wanted) if wanted else {}
    current = [m for m in repo.materials_of(session, case.id) if m.source == "license"]
    for m in current:
        if m.material_code not in held or held[m.material_code].identifier != m.license_ref:
            m.removed_at = utcnow()
    kept = {m.material_code for m in current if m.removed_at is None}
    added = []
    for code, row in held.items():
        if code in kept:
            continue
        material = CaseMaterial(
            case_id=case.id,
            material_code=code,
            source="license",
            license_ref=row.identifier,
            uploaded_by=principal.user_id or case.created_by,
            uploaded_at=utcnow(),
        )
        repo.add(session, material)
        added.append(material)
    session.flush()
    return added


def on_approved(session: Session, principal: Principal, catalog: Catalog, case: Case, task: Task) -> License | None:
    """The task's result, unless the results are held for a tolerated shortfall (issued when supplied)."""
    return None if results_held(case) else licenses.issue_for_task(session, principal, catalog, case, task)


def on_shortfall_supplied(
    session: Session, principal: Principal, catalog: Catalog, case: Case, tasks: Sequence[Task]
) -> list[License]:
    return licenses.issue_held(session, principal, catalog, case, tasks)


def on_result_revoked(session: Session, principal: Principal, task: Task, reason: str) -> list[License]:
    return licenses.revoke_for_task(session, principal, task.id, reason)


def stand_in_license(session: Session, principal: Principal, case: Case, identifier: str) -> License:
    """The license behind a 免提交 material. Anyone but the applicant opening it (a reviewer) is a
    shared-data read, logged with the case number."""
    row = licenses.by_identifier(session, identifier)
    if row is None:
        raise NotFound("证照不存在", field="identifier", code="license_not_found")
    if not is_applicant(principal, case):
        licenses.read_for_case(session, principal, row, case.number)
    return row
