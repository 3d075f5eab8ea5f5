"""The window's second look at a resubmitted case: what changed since it was sent back for
correction, so the clerk checks the corrections rather than the whole case again."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onething.cases import forms
from onething.cases import repository as repo
from onething.cases.context import case_guide, find_case, is_clerk
from onething.identity.principal import Principal


class FieldChange(BaseModel):
    code: str
    label: str
    before: Any
    after: Any


class Changes(BaseModel):
    """Since the correction notice of ``requested_on``: the fields changed, the files added and removed."""

    requested_on: str | None
    fields: list[FieldChange]
    added: list[str]  # material names with the file's name
    removed: list[str]


def since_sent_back(session: Session, principal: Principal, number: str) -> Changes | None:
    """For the case's receiving clerk: the differences from what the last correction notice sent
    back, or None when the case was never sent back (or the notice predates the snapshot)."""
    case = find_case(session, principal, number)
    if not is_clerk(principal, case):
        return None
    notice = None
    for event in reversed(repo.case_events(session, case.id)):
        if event.action in ("resubmit", "correction_supplied"):
            notice = (event.detail or {}).get("correction")
            break
    sent = (notice or {}).get("sent_back")
    if not sent:
        return None
    _, guide = case_guide(session, case)
    labels = {code: f.label for code, f in forms.fields(guide.form).items()}
    old, new = sent.get("form") or {}, case.form
    fields = [
        FieldChange(code=code, label=labels.get(code, code), before=old.get(code), after=new.get(code))
        for code in labels
        if old.get(code) != new.get(code)
    ]
    names = {m.code: m.name for m in guide.materials}
    kept = set(sent.get("materials") or [])
    now = repo.materials_of(session, case.id)
    added = [f"{names.get(m.material_code, m.material_code)}：{m.filename}" for m in now if m.id not in kept]
    gone = kept - {m.id for m in now}
    removed = [
        f"{names.get(m.material_code, m.material_code)}：{m.filename}"
        for m in repo.materials_by_id(session, case.id, gone)
    ]
    return Changes(requested_on=(notice or {}).get("requested_on"), fields=fields, added=added, removed=removed)
