"""Where cases meet e-licenses: results issued on approval, licenses standing in for materials (免提交),
and form values filled in from the applicant's licenses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from onething.cases import forms
from onething.cases import repository as repo
from onething.cases.context import results_held
from onething.catalog import spec
from onething.catalog.model import Catalog
from onething.catalog.service import catalog_version
from onething.guide.model import Guide
from onething.identity.principal import Principal
from onething.kit import clock, validators
from onething.kit.errors import Forbidden, NotFound
from onething.licenses import service as licenses
from onething.models import Case, CaseMaterial, License, Task
from onething.sharing import repository as sharing_repo


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


@dataclass(frozen=True, slots=True)
class Holder:
    """Whose licenses may stand in for one material of a case."""

    code: str  # the holder code (ID number or credit code) the license must carry
    third_party: bool  # someone else's than the principal's or the applicant's: the read is audited
    identity: bool  # whether an identity license (居民身份证) may stand in: only for the person themself


def _typed(case: Case, field: str | None) -> str | None:
    value = case.form.get(field) if field else None
    return str(value).strip().upper() or None if value else None


def _person(number: str | None) -> str | None:
    """A well-formed resident ID number, or None (a half-typed number looks nobody up)."""
    if not number:
        return None
    try:
        return validators.id_number(number)
    except validators.InvalidValue:
        return None


def subject_holder(session: Session, principal: Principal, case: Case, material: spec.Material) -> Holder | None:
    """The one holder whose license may stand in for ``material``: the person (or enterprise) the
    material belongs to, never the applicant's own license on someone else's behalf. None: nobody's
    license stands in, the material is uploaded (a material without a subject included)."""
    subject, typed = material.subject, _typed(case, material.subject_field)
    applicant = case.applicant_id_number
    if subject is spec.Subject.applicant:
        # The form naming someone else (a guardian applying for a disabled person): not the applicant's card.
        if applicant is None or (typed is not None and typed != applicant):
            return None
        return Holder(applicant, third_party=False, identity=True)
    if subject in spec.FORM_IDENTIFIED_SUBJECTS:
        number = _person(typed)
        if number is None or number == applicant:  # nobody is their own spouse
            return None
        return Holder(number, third_party=number != principal.id_number, identity=True)
    if subject is spec.Subject.agent:
        # The signed-in citizen acting for the applicant; a clerk at a window has no card of theirs here.
        me = principal.id_number if principal.kind == "citizen" else None
        if me is None or (typed is not None and typed != me):
            return None
        return Holder(me, third_party=False, identity=True)
    if subject is spec.Subject.legal_representative:
        number = _person(typed) or _legal_representative(session, principal, case)
        if number is None:
            return None
        return Holder(number, third_party=number not in (principal.id_number, applicant), identity=True)
    if subject is spec.Subject.enterprise:
        code = case.applicant_credit_code
        return Holder(code, third_party=False, identity=False) if code else None
    if subject in (spec.Subject.child, spec.Subject.deceased):
        # A newborn's birth certificate, a death certificate: held by the parent or relative who applies,
        # but never stood in for by that applicant's own identity card.
        return Holder(applicant, third_party=False, identity=False) if applicant else None
    return None  # other, or no subject: nobody's license


def _legal_representative(session: Session, principal: Principal, case: Case) -> str | None:
    if case.applicant_credit_code is None:
        return None
    found = sharing_repo.enterprise_by_code(session, principal, case.applicant_credit_code)
    return _person(found.legal_rep_id_number) if found is not None else None


def planned_stand_ins(
    session: Session, principal: Principal, case: Case, guide: Guide
) -> dict[str, tuple[License, Holder]]:
    """material code -> the valid license of the material's own subject that stands in for it."""
    catalog = catalog_version(session, case.catalog_version)
    by_holder: dict[Holder, dict[str, str]] = {}
    for m in forms.to_upload(guide, case.commitments):
        material, kind = catalog.materials.get(m.code), catalog.license_types.get(m.license_type or "")
        if material is None or kind is None:
            continue
        holder = subject_holder(session, principal, case, material)
        if holder is None or (kind.identity and not holder.identity):
            continue
        by_holder.setdefault(holder, {})[m.code] = kind.code
    found: dict[str, tuple[License, Holder]] = {}
    for holder, wanted in by_holder.items():
        for code, row in licenses.stand_ins(session, [holder.code], wanted).items():
            found[code] = (row, holder)
    return found


def stand_ins_stale(session: Session, principal: Principal, case: Case, guide: Guide) -> bool:
    """Whether the case's license references differ from what its form and answers now call for (a
    spouse's number typed since the last look)."""
    planned = planned_stand_ins(session, principal, case, guide)
    current = {m.material_code: m.license_ref for m in repo.materials_of(session, case.id) if m.source == "license"}
    return current != {code: row.identifier for code, (row, _) in planned.items()}


def attach_stand_ins(session: Session, principal: Principal, case: Case, guide: Guide) -> list[CaseMaterial]:
    """免提交: each material an e-license type can stand in for, when the material's own subject (the
    applicant, the spouse named on the form, the enterprise…) holds a valid one, is provided by
    reference; a reference that no longer fits (license invalid, another spouse typed) is withdrawn,
    so the material is asked for. Bringing in someone else's license is recorded under the case."""
    held = planned_stand_ins(session, principal, case, guide)
    current = [m for m in repo.materials_of(session, case.id) if m.source == "license"]
    for m in current:
        if m.material_code not in held or held[m.material_code][0].identifier != m.license_ref:
            m.removed_at = clock.now()
    kept = {m.material_code for m in current if m.removed_at is None}
    added = []
    catalog = catalog_version(session, case.catalog_version)
    for code, (row, holder) in held.items():
        if code in kept:
            continue
        material = CaseMaterial(
            case_id=case.id,
            material_code=code,
            source="license",
            license_ref=row.identifier,
            uploaded_by=principal.user_id or case.created_by,
            uploaded_at=clock.now(),
        )
        repo.add(session, material)
        added.append(material)
        if holder.third_party:
            subject = catalog.materials[code].subject
            whose = spec.SUBJECT_NAMES[subject] if subject else "他人"
            licenses.read_for_case(
                session,
                principal,
                row,
                case.number,
                reason=f"免提交：调用{whose}的电子证照",
                detail={"material": code, "subject": subject.value if subject else None},
            )
    session.flush()
    return added


def licenses_of_others(session: Session, principal: Principal, materials: Sequence[CaseMaterial]) -> frozenset[str]:
    """The stand-in references a citizen sees but may not open: licenses held by someone else (a spouse,
    the legal representative). Staff open them on the record, so for them the set is empty."""
    if principal.kind != "citizen":
        return frozenset()
    mine = {principal.id_number, *principal.enterprises}
    refs = {m.license_ref for m in materials if m.source == "license" and m.license_ref}
    return frozenset(ref for ref, holder in licenses.holders_of(session, refs).items() if holder not in mine)


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
    if row.holder_code == principal.id_number or row.holder_code in principal.enterprises:
        return row  # one's own
    if principal.kind == "citizen":
        # A spouse's or legal representative's card stands in for the case; its content is theirs.
        raise Forbidden("这份电子证照属于他人，只有审核人员可以查看", code="license_of_another")
    licenses.read_for_case(session, principal, row, case.number)
    return row
