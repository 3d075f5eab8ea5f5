"""The applicant's side: a draft with the one form auto-filled, materials, one idempotent submission,
resubmission after a correction notice, withdrawal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onething.cases import forms, licensing
from onething.cases import repository as repo
from onething.cases.context import (
    case_event,
    case_guide,
    find_case,
    is_applicant,
    require_applicant,
    results_held,
    route,
    task_event,
)
from onething.cases.deadlines import restarted
from onething.cases.department import refresh_deadline
from onething.cases.schemas import CaseCreate, CaseUpdate
from onething.cases.workflow import (
    CASE_STATUS_NAMES,
    CASE_TRANSITIONS,
    OPEN_TASK,
    Actor,
    CaseStatus,
    TaskStatus,
    case_move,
    task_move,
)
from onething.catalog.holidays import calendar
from onething.catalog.model import Catalog
from onething.catalog.service import active_catalog
from onething.catalog.spec import Thing
from onething.guide.engine import generate, normalise_answers
from onething.guide.model import FormField, Guide
from onething.identity.audit import record
from onething.identity.principal import Principal
from onething.kit import clock, files, validators
from onething.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onething.kit.settings import get_settings
from onething.models import Case, CaseMaterial, Enterprise, License, Person
from onething.sharing import repository as sharing_repo

STAFF_CHANNELS = ("window", "helper")


class Upload(NamedTuple):
    material_code: str
    filename: str
    data: bytes


def _same_request(existing: Case, body: CaseCreate) -> bool:
    """A repeated idempotency key must name the same thing and applicant, or it is another request."""
    return (
        existing.thing_code == body.thing
        and body.applicant_id_number in (None, existing.applicant_id_number)
        and body.enterprise in (None, existing.applicant_credit_code)
    )


def create_draft(session: Session, principal: Principal, body: CaseCreate, key: str | None = None) -> Case:
    principal.require_login()
    assert principal.user_id is not None
    if key:
        existing = repo.case_by_key(session, principal.user_id, key)
        if existing is not None:
            if not _same_request(existing, body):
                raise Conflict("此幂等键已用于另一件办件", field="Idempotency-Key", code="idempotency_key_reused")
            return existing
    catalog = active_catalog(session)
    thing = catalog.things.get(body.thing)
    if thing is None:
        raise NotFound(f"没有编码为 {body.thing} 的一件事", field="thing", code="thing_not_found")
    person, enterprise = _applicant(session, principal, body)
    region = _region(
        catalog, body.region or (enterprise.region_code if enterprise else person.region_code if person else None)
    )
    guide = generate(catalog, body.thing, body.answers, region[:6])
    held = [c for c in (enterprise.credit_code if enterprise else None, person.id_number if person else None) if c]
    filled = forms.autofill(
        guide.form, _person_data(person), _enterprise_data(enterprise), licensing.form_data(session, held, guide)
    )
    form = {code: f.value for code, f in filled.items()}
    sources = {code: f.source for code, f in filled.items()}
    if enterprise is not None and principal.id_number:
        _fill_agent(session, principal, guide, form, sources)
    _fill_from_answers(thing.spec, guide, body.answers, form, sources)
    _merge_form(guide, form, sources, body.form)
    day = clock.today()
    case = Case(
        number="",
        thing_code=thing.code,
        thing_name=thing.spec.name,
        catalog_version=catalog.version or 0,
        region_code=region,
        channel=body.channel,
        status=CaseStatus.draft,
        applicant_kind="enterprise" if enterprise else "person",
        applicant_name=enterprise.name if enterprise else person.name if person else principal.name,
        applicant_id_number=None if enterprise else (person.id_number if person else principal.id_number),
        applicant_credit_code=enterprise.credit_code if enterprise else None,
        created_by=principal.user_id,
        answers=normalise_answers(thing, body.answers),
        form=form,
        sources=sources,
        commitments=[],
        promised_days=guide.promised_days,
        idempotency_key=key,
    )
    try:
        with session.begin_nested():  # a racing request with the same key: return its case instead
            case.number = _number(session, region, day)
            repo.add(session, case)
            session.flush()
    except IntegrityError:
        raced = repo.case_by_key(session, principal.user_id, key) if key else None
        if raced is None:
            raise
        return raced
    case_event(session, case, principal, CASE_TRANSITIONS["create"], None)
    licensing.attach_stand_ins(session, principal, case, guide)
    if person is not None and person.id_number != principal.id_number:
        # A clerk serving someone: the library record behind the pre-filled form is a logged read.
        record(
            session,
            principal,
            "person.read",
            "person",
            person.id,
            region_code=person.region_code,
            case_number=case.number,
            reason="办件自动填充",
        )
    return case


def _fill_agent(
    session: Session, principal: Principal, guide: Guide, form: dict[str, Any], sources: dict[str, Any]
) -> None:
    """An agent applying for an enterprise: the 经办人 fields are the agent's own library record."""
    me = sharing_repo.person_by_id_number(session, principal, principal.id_number or "")
    if me is None:
        return
    known = forms.fields(guide.form)
    for code, value in (("agent_name", me.name), ("agent_id_number", me.id_number), ("agent_mobile", me.phone)):
        if code in known and value:
            form[code], sources[code] = value, "population"


def _number(session: Session, region: str, day: Any) -> str:
    return f"{region[:6]}{day:%Y%m%d}{repo.next_number(session, region[:6], f'{day:%Y%m%d}'):06d}"


def _applicant(session: Session, principal: Principal, body: CaseCreate) -> tuple[Person | None, Enterprise | None]:
    """Who applies: the principal themself, an enterprise they act for, or — at a window or by a
    helper — the person or enterprise the clerk serves."""
    staff = principal.has("window_clerk")
    if body.channel in STAFF_CHANNELS and not staff:
        raise ValidationFailed("窗口办、帮代办只能由窗口工作人员发起", field="channel", code="staff_channel")
    if staff and body.channel not in STAFF_CHANNELS:
        raise ValidationFailed("窗口工作人员代申请人办理时请选择窗口办或帮代办", field="channel", code="staff_channel")
    if body.enterprise:
        code = validators.checked(validators.credit_code, body.enterprise, "enterprise")
        if not staff and code not in principal.enterprises:
            raise Forbidden("您不是该企业的法定代表人或授权经办人", code="not_mandated")
        found = sharing_repo.enterprise_by_code(session, principal, code)
        if found is None:
            raise NotFound("法人库中没有该企业", field="enterprise", code="enterprise_not_found")
        if found.status != "存续":
            raise ValidationFailed(
                f"该企业状态为「{found.status}」，不能申请", field="enterprise", code="enterprise_inactive"
            )
        return None, found
    if staff:
        if not body.applicant_id_number:
            raise ValidationFailed("请填写申请人的公民身份号码或企业统一社会信用代码", field="applicant_id_number")
        number = validators.checked(validators.id_number, body.applicant_id_number, "applicant_id_number")
        person = sharing_repo.person_by_id_number(session, principal, number)
        if person is None:
            raise NotFound(
                "人口库中没有该申请人，或不在您的服务区域", field="applicant_id_number", code="person_not_found"
            )
        return person, None
    if body.applicant_id_number and body.applicant_id_number != principal.id_number:
        raise Forbidden("只能以本人名义申请；代他人办理请到窗口或使用帮代办", code="not_self")
    if not principal.id_number:
        raise Forbidden("工作人员账号不能以个人名义申请", code="not_citizen")
    return sharing_repo.person_by_id_number(session, principal, principal.id_number), None


def _region(catalog: Catalog, code: str | None) -> str:
    if code is None:
        raise ValidationFailed("请选择办理地（县市区或乡镇街道）", field="region", code="region_required")
    region = catalog.regions.get(code)
    if region is None:
        raise ValidationFailed(f"区划代码 {code} 不存在", field="region", code="unknown_region")
    if region.level.value not in ("county", "township"):
        raise ValidationFailed("请选择到县市区或乡镇（街道）一级", field="region", code="region_too_broad")
    return code


def _person_data(p: Person | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "name": p.name,
        "id_number": p.id_number,
        "phone": p.phone,
        "address": p.address,
        "region_code": p.region_code,
    }


def _enterprise_data(e: Enterprise | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "type": e.type,
        "legal_rep_name": e.legal_rep_name,
        "legal_rep_id_number": e.legal_rep_id_number,
        "registered_capital": e.registered_capital,
        "address": e.address,
        "industry_code": e.industry_code,
        "founded_on": e.founded_on,
    }


def _merge_form(guide: Guide, form: dict[str, Any], sources: dict[str, Any], changes: dict[str, Any]) -> None:
    """Apply the applicant's values (None clears); a changed pre-filled value becomes theirs."""
    _apply(guide, form, sources, changes)
    forms.raise_problems(forms.validate(guide.form, form, complete=False))


def _apply(guide: Guide, form: dict[str, Any], sources: dict[str, Any], changes: dict[str, Any]) -> None:
    """The applicant's values over the form: None or "" clears; a changed pre-filled value becomes theirs.
    A field the form does not have is refused."""
    unknown = sorted(set(changes) - set(forms.fields(guide.form)))
    if unknown:
        raise ValidationFailed(f"表单中没有「{unknown[0]}」这一项", field=f"form.{unknown[0]}", code="form_invalid")
    for code, value in forms.normalised(guide.form, changes).items():
        if value is None or value == "":
            form.pop(code, None)
            sources.pop(code, None)
        elif form.get(code) != value:
            form[code], sources[code] = value, "applicant"


def _fill_from_answers(
    thing: Thing, guide: Guide, answers: dict[str, Any], form: dict[str, Any], sources: dict[str, Any]
) -> None:
    """What the guide's answers already decided is filled in, never asked again (``Question.fills``)."""
    known = forms.fields(guide.form)
    for q in thing.questions:
        if q.fills is None or q.fills.field not in known:
            continue
        value = q.fills.values.get(str(answers.get(q.code) or ""))
        if value is not None:
            form[q.fills.field], sources[q.fills.field] = value, "answers"


def form_fields(session: Session, principal: Principal, number: str) -> list[FormField]:
    """The one form's fields of a case the principal may read: what a page's post is parsed against."""
    _, guide = case_guide(session, find_case(session, principal, number))
    return [f for g in guide.form for f in g.fields]


def keep_what_is_valid(
    session: Session, principal: Principal, number: str, changes: dict[str, Any], commitments: list[str] | None
) -> list[forms.Problem]:
    """The one form's save from a page: every valid value is kept and each invalid one is left as it
    was and returned as a problem beside its field, so one mistake never costs the rest of what was
    typed (the API's ``update_draft`` stays all-or-nothing). Fields the form does not have are
    refused like the API refuses them."""
    case = find_case(session, principal, number, lock=True)
    case_move(case.status, "save", require_applicant(principal, case))
    _, guide = case_guide(session, case)
    form, sources = dict(case.form), dict(case.sources)
    _apply(guide, form, sources, changes)
    found = [p for p in forms.validate(guide.form, form, complete=False) if p.field in changes]
    for p in found:  # back to what was stored: the page shows what was typed beside the message
        for kept, stored in ((form, case.form), (sources, case.sources)):
            if p.field in stored:
                kept[p.field] = stored[p.field]
            else:
                kept.pop(p.field, None)
    case.form, case.sources = form, sources
    if commitments is not None:
        allowed = set(forms.committable(guide))
        if case.accepted_at is None:
            case.commitments = sorted({c for c in commitments if c in allowed})
    return found


def update_draft(session: Session, principal: Principal, number: str, body: CaseUpdate) -> Case:
    case = find_case(session, principal, number, lock=True)
    case_move(case.status, "save", require_applicant(principal, case))
    catalog, guide = case_guide(session, case)
    if body.answers is not None:
        if case.status != CaseStatus.draft:
            raise Conflict("补正期间不能修改情形选择；如需变更请撤回后重新申请", field="answers", code="answers_locked")
        guide = generate(catalog, case.thing_code, body.answers, case.region_code[:6])
        case.answers = normalise_answers(catalog.things[case.thing_code], body.answers)
        known = forms.fields(guide.form)
        kept = {k: v for k, v in case.form.items() if k in known}
        kept_sources = {k: v for k, v in case.sources.items() if k in known}
        _fill_from_answers(catalog.things[case.thing_code].spec, guide, body.answers, kept, kept_sources)
        case.form, case.sources = kept, kept_sources
        case.promised_days = guide.promised_days
    if body.form is not None:
        form, sources = dict(case.form), dict(case.sources)
        _merge_form(guide, form, sources, body.form)
        case.form, case.sources = form, sources
    if body.commitments is not None:
        if case.accepted_at is not None and sorted(set(body.commitments)) != sorted(case.commitments):
            raise Conflict("受理后不能变更告知承诺事项", field="commitments", code="commitments_locked")
        allowed = set(forms.committable(guide))
        wrong = [c for c in body.commitments if c not in allowed]
        if wrong:
            raise ValidationFailed(f"事项 {wrong[0]} 不适用告知承诺制", field="commitments", code="not_committable")
        case.commitments = sorted(set(body.commitments))
    else:
        case.commitments = [c for c in case.commitments if c in set(forms.committable(guide))]
    return case


def add_material(
    session: Session, principal: Principal, number: str, material_code: str, filename: str, data: bytes
) -> CaseMaterial:
    return add_materials(session, principal, number, [Upload(material_code, filename, data)])[0]


def add_materials(session: Session, principal: Principal, number: str, uploads: Sequence[Upload]) -> list[CaseMaterial]:
    """Store several files at once (the form's upload step): all are checked before any is kept."""
    settings = get_settings()
    if not uploads:
        raise ValidationFailed("请选择要上传的文件", field="file", code="no_file")
    if len(uploads) > settings.upload_batch_max_files:
        limit = settings.upload_batch_max_files
        raise ValidationFailed(f"一次最多上传 {limit} 个文件", field="file", code="too_many_files")
    # Opening the files (a PDF parsed, an image decoded) takes time: never while holding the case's lock.
    kinds = [files.check_upload(up.data, up.filename, settings.upload_max_bytes) for up in uploads]
    case = find_case(session, principal, number, lock=True)
    require_applicant(principal, case)
    _, guide = case_guide(session, case)
    wanted = {m.code: m for m in forms.to_upload(guide, ())}
    shortfall_open = results_held(case)
    editable = case.status in (CaseStatus.draft, CaseStatus.correction_requested)
    checked = []
    for up, kind in zip(uploads, kinds, strict=True):
        if up.material_code not in wanted:
            code = up.material_code
            raise ValidationFailed(f"本办件不需要提交材料 {code}", field="material", code="unknown_material")
        _check_open(case, up.material_code, editable=editable, shortfall_open=shortfall_open)
        checked.append((up, kind))
    store = files.file_store()
    rows = [
        CaseMaterial(
            case_id=case.id,
            material_code=up.material_code,
            source="upload",
            digest=store.put(up.data),
            filename=up.filename,
            content_type=content_type,
            size=len(up.data),
            uploaded_by=principal.user_id,
            uploaded_at=clock.now(),
        )
        for up, content_type in checked
    ]
    for row in rows:
        repo.add(session, row)
    session.flush()
    if shortfall_open:
        _check_shortfall(session, principal, case)
    return rows


def _check_open(case: Case, material_code: str, *, editable: bool, shortfall_open: bool) -> None:
    if editable:
        return
    if shortfall_open:
        case_move(case.status, "supply_shortfall", Actor.applicant)  # never on a withdrawn or closed case
        if material_code in (case.shortfall or {}).get("materials", []):
            return
    raise Conflict(
        f"办件当前状态为「{_status_name(case.status)}」，不能再上传材料",
        field="status",
        code="illegal_transition",
    )


def _check_shortfall(session: Session, principal: Principal, case: Case) -> None:
    assert case.shortfall is not None
    have = {m.material_code for m in repo.materials_of(session, case.id)}
    if set(case.shortfall["materials"]) <= have:
        t = case_move(case.status, "supply_shortfall", Actor.applicant)
        case.shortfall = {**case.shortfall, "supplied_on": clock.today().isoformat()}
        case_event(session, case, principal, t, case.status, "容缺材料已全部补齐，审批结果可以发放")
        catalog, _ = case_guide(session, case)
        licensing.on_shortfall_supplied(session, principal, catalog, case, repo.tasks_of(session, case.id, lock=True))


def remove_material(session: Session, principal: Principal, number: str, material_id: int) -> None:
    case = find_case(session, principal, number, lock=True)
    case_move(case.status, "save", require_applicant(principal, case))
    if case.accepted_at is not None:
        # Accepted materials are the record the departments decide on: a correction adds new versions.
        raise Conflict("受理后不能删除已提交的材料，请上传更正后的材料", field="material_id", code="material_locked")
    row = repo.material(session, case.id, material_id)
    if row is None:
        raise NotFound("没有这份材料", field="material_id", code="material_not_found")
    row.removed_at = clock.now()


def license_of(session: Session, principal: Principal, number: str, material_id: int) -> License:
    """The e-license standing in for a material (a reviewer's look is logged with the case number)."""
    case = find_case(session, principal, number)
    row = repo.material(session, case.id, material_id)
    if row is None or row.license_ref is None:
        raise NotFound("这份材料不是电子证照", field="material_id", code="material_not_found")
    return licensing.stand_in_license(session, principal, case, row.license_ref)


def file_of(session: Session, principal: Principal, number: str, material_id: int) -> tuple[CaseMaterial, bytes]:
    case = find_case(session, principal, number)
    row = repo.material(session, case.id, material_id)
    if row is None or row.digest is None:
        raise NotFound("没有这份材料", field="material_id", code="material_not_found")
    if not is_applicant(principal, case):
        record(
            session,
            principal,
            "case.material.read",
            "case_material",
            row.id,
            region_code=case.region_code,
            case_number=case.number,
            detail={"material": row.material_code},
        )
    return row, files.file_store().get(row.digest)


def problems(session: Session, case: Case, guide: Guide, have: set[str] | None = None) -> list[forms.Problem]:
    """What stands between the case and submission: the form, then every key material not provided
    (``have``: the material codes provided, when the caller has read them already)."""
    found = forms.validate(guide.form, case.form, complete=True, optional=forms.produced_in_bundle(guide))
    if have is None:
        have = {m.material_code for m in repo.materials_of(session, case.id)}
    for m in forms.to_upload(guide, case.commitments):
        if m.necessity == "key" and m.code not in have:
            found.append(forms.Problem(f"materials.{m.code}", f"请上传「{m.name}」"))
    return found


def submit(session: Session, principal: Principal, number: str, key: str | None = None) -> Case:
    case = find_case(session, principal, number, lock=True)
    actor = require_applicant(principal, case)
    if key and case.submit_key == key and case.status != CaseStatus.draft:
        return case  # a retried submission: the first one stands
    before = case.status
    stage = (case.correction or {}).get("stage")
    action = "submit" if before == CaseStatus.draft else "correction_supplied" if stage == "task" else "resubmit"
    t = case_move(before, action, actor)
    if before == CaseStatus.draft:
        catalog = active_catalog(session)  # pinned at submission
        case.catalog_version = catalog.version or case.catalog_version
    catalog, guide = case_guide(session, case)
    if before == CaseStatus.draft:
        case.promised_days = guide.promised_days
    licensing.attach_stand_ins(session, principal, case, guide)  # a license revoked since no longer counts
    forms.raise_problems(problems(session, case, guide), code="incomplete")
    route(session, catalog, guide, case.region_code)  # unroutable: refused now, not at the window
    if case.receiving_org_id is None:
        _receive(session, principal, case, catalog)
    case.status = t.target or before
    case.submit_key = key
    if before == CaseStatus.draft:
        case.submitted_at = clock.now()
    notice = case.correction
    case.correction = None
    if stage == "task":
        _restart_returned(session, principal, case)
    case_event(session, case, principal, t, before, detail={"correction": notice} if notice else None)
    return case


def _receive(session: Session, principal: Principal, case: Case, catalog: Catalog) -> None:
    """The receiving hall: the clerk's own for window and helper cases, else the nearest centre."""
    if case.channel in STAFF_CHANNELS:
        clerk_orgs = principal.orgs("window_clerk")
        if clerk_orgs:
            case.receiving_org_id = min(clerk_orgs)
            return
    found = repo.hall_of_centre(session, [r.code for r in catalog.region_chain(case.region_code)])
    if found is None:
        raise ValidationFailed("所在地区尚未开通政务服务大厅受理", field="region", code="no_hall")
    org, hall = found
    case.receiving_org_id, case.hall_id = org.id, hall.id


def _restart_returned(session: Session, principal: Principal, case: Case) -> None:
    """After a correction asked by a department, the returned tasks resume and their clocks restart."""
    cal, today = calendar(session), clock.today()
    for task in repo.tasks_of(session, case.id, lock=True):
        if task.status != TaskStatus.returned:
            continue
        t = task_move(task.status, "correction_supplied", Actor.system)
        if task.deadline and task.clock_stopped_on:
            task.deadline, stopped = restarted(cal, task.deadline, task.clock_stopped_on, today)
            task.stopped_days += stopped
        task.clock_stopped_on = None
        before, task.status = task.status, t.target or task.status
        task_event(session, task, principal, t, before)
    refresh_deadline(session, case)


def withdraw(session: Session, principal: Principal, number: str, reason: str | None) -> Case:
    case = find_case(session, principal, number, lock=True)
    t = case_move(case.status, "withdraw", require_applicant(principal, case))
    cancel = task_move(TaskStatus.waiting, "cancel", Actor.system)
    for task in repo.tasks_of(session, case.id, lock=True):
        if task.status in OPEN_TASK:
            before, task.status = task.status, TaskStatus.cancelled
            task_event(session, task, principal, cancel, before, "申请人撤回申请")
    before, case.status = case.status, t.target or case.status
    case_event(session, case, principal, t, before, reason)
    return case


def _status_name(status: str) -> str:
    return CASE_STATUS_NAMES.get(CaseStatus(status), status)
