"""The window's printed papers for one case, as PDF: the acceptance receipt and the one-time correction
notice. Built from the case as the page shows it, ID numbers masked; reading only, nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy.orm import Session

from onething.cases import forms, notices
from onething.cases import repository as repo
from onething.cases.context import case_guide, find_case, is_applicant, is_clerk
from onething.cases.department import projected_deadline
from onething.cases.views import ACTIVE
from onething.cases.workflow import CaseStatus
from onething.guide.model import Guide
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import Conflict, Forbidden
from onething.kit.masking import mask_id_number, mask_text
from onething.kit.settings import get_settings
from onething.models import Case
from onething.models.identity import WINDOW_KINDS

# After acceptance: a case sent back for correction by a department was accepted all the same.
RECEIPT_STATUSES = frozenset(
    {
        CaseStatus.accepted,
        CaseStatus.processing,
        CaseStatus.correction_requested,
        CaseStatus.concluded,
        CaseStatus.delivered,
        CaseStatus.closed,
    }
)


def case_url(number: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/cases/{number}"


def _case(session: Session, principal: Principal, number: str) -> Case:
    """A case the principal may read (as on the case page) and that is theirs to print: they applied
    (or act for the applicant) or they are a clerk of the receiving hall."""
    case = find_case(session, principal, number)
    if not (is_applicant(principal, case) or is_clerk(principal, case)):
        raise Forbidden("只有申请人（或其经办人）和受理本办件的综合窗口人员可以打印", code="not_applicant_or_clerk")
    return case


def _applicant(session: Session, case: Case) -> notices.Applicant:
    creator = repo.user(session, case.created_by)
    # Someone else's ID number on the creating account: an agent (an enterprise's, usually).
    agent = creator if creator and creator.id_number and creator.id_number != case.applicant_id_number else None
    return notices.Applicant(
        kind="person" if case.applicant_id_number else "enterprise",
        name=case.applicant_name,
        code=mask_id_number(case.applicant_id_number) if case.applicant_id_number else case.applicant_credit_code or "",
        agent_name=agent.name if agent else None,
        agent_code=mask_id_number(agent.id_number) if agent else None,
    )


def _org_name(session: Session, org_id: int | None) -> str:
    return repo.org_names(session, [org_id]).get(org_id, "") if org_id is not None else ""


def _window(session: Session, case: Case) -> str | None:
    found = repo.window_and_hall(session, case.window_id)
    if found is None:
        return None
    window, hall = found
    kind = WINDOW_KINDS.get(window.kind, "")
    return f"{hall.name + ' ' if hall else ''}{window.number} 号{kind or '窗口'}"


def _received(session: Session, case: Case, guide: Guide) -> tuple[str, ...]:
    """Materials on file, once each (a correction adds versions), in the guide's order."""
    names = {m.code: m.name for m in guide.materials}
    found: dict[str, str] = {}
    for m in repo.materials_of(session, case.id):
        name = names.get(m.material_code, m.material_code)
        found.setdefault(m.material_code, f"{name}（电子证照）" if m.source == "license" else name)
    order = [*names, *(code for code in found if code not in names)]
    return tuple(found[code] for code in order if code in found)


def _shortfall(raw: dict[str, Any] | None) -> notices.Shortfall | None:
    if not raw:
        return None
    supplied = raw.get("supplied_on")
    return notices.Shortfall(
        materials=tuple(raw.get("names") or raw.get("materials") or ()),
        due=dt.date.fromisoformat(raw["due"]),
        commitment=mask_text(str(raw.get("commitment") or "")),
        supplied_on=dt.date.fromisoformat(supplied) if supplied else None,
    )


def receipt(session: Session, principal: Principal, number: str) -> bytes:
    """受理回执 of an accepted case (also after 容缺受理), for its applicant or a receiving clerk."""
    case = _case(session, principal, number)
    if case.accepted_at is None or case.status not in RECEIPT_STATUSES:
        raise Conflict("本办件尚未受理（或已不予受理、已撤回），没有受理回执", field="status", code="not_accepted")
    _, guide = case_guide(session, case)
    tasks = [t for t in repo.tasks_of(session, case.id) if t.kind == "approval"]
    orgs = repo.org_names(session, {t.org_id for t in tasks})
    # The promised date as the case page shows it: a stopped clock moves it on.
    live = projected_deadline(session, tasks) if case.status in ACTIVE else None
    paper = notices.Receipt(
        number=case.number,
        thing_name=case.thing_name,
        applicant=_applicant(session, case),
        receiving_org=_org_name(session, case.receiving_org_id),
        window=_window(session, case),
        accepted_on=clock.local(case.accepted_at).date(),
        promised_days=case.promised_days,
        promised_date=live or case.deadline,
        items=tuple(notices.Item(t.item_name, orgs.get(t.org_id, ""), t.promised_days) for t in tasks),
        materials=_received(session, case, guide),
        shortfall=_shortfall(case.shortfall),
        case_url=case_url(case.number),
        printed_on=clock.today(),
    )
    return notices.receipt_pdf(paper)


def correction_notice(session: Session, principal: Principal, number: str) -> bytes:
    """一次性补正告知书 of the case's open correction request, for its applicant or a receiving clerk."""
    case = _case(session, principal, number)
    notice = case.correction
    if not notice:
        raise Conflict("本办件当前没有待补正的内容，没有补正告知书", field="status", code="no_correction")
    _, guide = case_guide(session, case)
    labels = {code: f.label for code, f in forms.fields(guide.form).items()}
    materials = {m.code: m.name for m in guide.materials}
    corrections = []
    for item in notice.get("items", []):
        kind: Literal["field", "material"] = "field" if item.get("kind") == "field" else "material"
        # A department's items carry the task rather than the name: look it up in the case's guide.
        name = item.get("name") or (labels if kind == "field" else materials).get(item["code"], item["code"])
        reason = mask_text(str(item.get("reason") or ""))
        corrections.append(notices.Correction(kind, name, reason, item.get("task")))
    paper = notices.CorrectionNotice(
        number=case.number,
        thing_name=case.thing_name,
        applicant=_applicant(session, case),
        requested_on=dt.date.fromisoformat(notice["requested_on"]),
        org=_org_name(session, case.receiving_org_id),  # a department's request goes out through the window
        clerk=str(notice.get("by") or ""),
        corrections=tuple(corrections),
        note=mask_text(notice["note"]) if notice.get("note") else None,
        case_url=case_url(case.number),
        printed_on=clock.today(),
    )
    return notices.correction_pdf(paper)
