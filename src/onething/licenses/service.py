"""Issue, seal, verify, list, and change the status of electronic licenses. Services take a session and
a principal and never commit.

A license is issued when the task whose item has a result license type is approved — in the same
transaction as the approval event — unless the case's tolerated shortfall is still open; then the
results are issued when the shortfall is supplied (``issue_held``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.catalog.spec import LicenseType
from onething.identity.audit import record
from onething.identity.principal import Principal
from onething.kit import clock, seals, sm2
from onething.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onething.kit.settings import get_settings
from onething.licenses import disclosure, document, identifier, tokens
from onething.licenses import repository as repo
from onething.licenses.enterprises import register_from_case
from onething.models import Case, License, Org, SealKey, Task

SYSTEM_NAME = "系统"


def key_directory() -> seals.KeyDirectory:
    return seals.KeyDirectory(get_settings().seals_dir)


# --- seals ---------------------------------------------------------------------------------------------


def init_seals(session: Session, catalog: Catalog, org_codes: Iterable[str] = ()) -> list[SealKey]:
    """A seal key for every org that issues some license type (or the named orgs) that has none yet.
    The private key goes to the key directory, the public key to ``seal_keys``."""
    keys = key_directory()
    wanted = set(org_codes)
    if wanted:
        orgs = [o for code in sorted(wanted) if (o := repo.org_by_code(session, code)) is not None]
        missing = wanted - {o.code for o in orgs}
        if missing:
            raise NotFound(f"没有编码为 {sorted(missing)[0]} 的机构", field="org", code="org_not_found")
    else:
        orgs = list(repo.orgs_of_kinds(session, {t.issuer_kind for t in catalog.license_types.values()}))
    created = []
    for org in orgs:
        if repo.current_seal(session, org.id) is not None:
            continue
        key_id = f"{org.code}-{len(repo.seals_of(session, org.id)) + 1}"
        try:
            signer = keys.create(key_id)
        except FileExistsError:  # made earlier (another database, another process): keep it
            signer = keys.signer(key_id)
        row = SealKey(key_id=key_id, org_id=org.id, public_key=signer.public_key().hex())
        repo.add(session, row)
        created.append(row)
    session.flush()
    return created


def _signer(session: Session, org: Org) -> tuple[SealKey, seals.Signer]:
    row = repo.current_seal(session, org.id)
    try:
        if row is None:
            raise FileNotFoundError
        return row, _loaded_signer(str(get_settings().seals_dir), row.key_id)
    except FileNotFoundError:
        raise Conflict(f"{org.name}尚未配置电子印章，请运行 onething seals init", field="org", code="no_seal") from None


@lru_cache(maxsize=1024)
def _loaded_signer(directory: str, key_id: str) -> seals.Signer:
    """Reading and checking a key file costs more than a signature: once per key per process. A key id
    never changes its key (a new seal gets a new id), so the cache cannot go stale."""
    return seals.KeyDirectory(directory).signer(key_id)


def public_seal(session: Session, key_or_org: str) -> list[SealKey]:
    """The published keys of an org (by org code: every key, newest last) or one key (by key id)."""
    one = repo.seal_key(session, key_or_org)
    if one is not None:
        return [one]
    org = repo.org_by_code(session, key_or_org)
    found = list(repo.seals_of(session, org.id)) if org is not None else []
    if not found:
        raise NotFound(f"没有 {key_or_org} 的电子印章公钥", field="org", code="seal_not_found")
    return found


# --- issue ---------------------------------------------------------------------------------------------


def issue_for_task(session: Session, principal: Principal, catalog: Catalog, case: Case, task: Task) -> License | None:
    """The task's result license, sealed; None when its item has no result license type or it was issued
    already. Whether results are held (容缺) is the case's rule: the caller decides."""
    item = catalog.items.get(task.item_code)
    result = item.spec.result if item is not None else None
    if result is None or result.license_type is None or task.kind != "approval":
        return None
    if repo.of_task(session, task.id):
        return None
    license_type = catalog.license_types[result.license_type]
    org = repo.org(session, task.org_id)
    holder_kind, holder_name, holder_code = _holder(session, principal, case, license_type, org)
    # What the license certifies, in its own wording: never who filed the case or how to reach them.
    fields = disclosure.printed(license_type.code, holder_kind, _fields(catalog, task.item_code, case.form))
    return issue(
        session,
        principal,
        license_type,
        org,
        (holder_kind, holder_name, holder_code),
        fields,
        case=case,
        task_id=task.id,
    )


def issue_held(
    session: Session, principal: Principal, catalog: Catalog, case: Case, tasks: Sequence[Task]
) -> list[License]:
    """After a shortfall is supplied: every approved result not yet issued."""
    issued = []
    for task in tasks:
        if task.status == "approved":
            found = issue_for_task(session, principal, catalog, case, task)
            if found is not None:
                issued.append(found)
    return issued


def issue(
    session: Session,
    principal: Principal,
    license_type: LicenseType,
    org: Org,
    holder: tuple[str, str, str],
    fields: Sequence[tuple[str, str, str]],
    *,
    case: Case | None = None,
    task_id: int | None = None,
    today: dt.date | None = None,
    note: str = "办结自动签发",
) -> License:
    today = today or clock.today()
    seal_row, signer = _signer(session, org)
    sequence = repo.next_serial(session, org.id, license_type.code, today.year)
    serial = identifier.serial(today.year, sequence)
    ident = identifier.make(license_type.type_code, org.credit_code, serial)
    valid_until = _valid_until(today, license_type.validity_years)
    content = document.Content(
        identifier=ident,
        number=f"{org.region_code[:6]}{serial}",
        type_code=license_type.code,
        type_name=license_type.name,
        holder_kind=holder[0],
        holder_name=holder[1],
        holder_code=holder[2],
        issuer_code=org.code,
        issuer_name=org.name,
        issuer_credit_code=org.credit_code,
        issued_on=today,
        valid_until=valid_until,
        fields=fields,
        seal_key_id=seal_row.key_id,
    ).as_dict()
    signature = signer.sign(document.signed_bytes(content))
    row = License(
        identifier=ident,
        verify_token=tokens.new(),
        number=content["number"],
        license_type=license_type.code,
        type_name=license_type.name,
        holder_kind=holder[0],
        holder_name=holder[1],
        holder_code=holder[2],
        issuer_org_id=org.id,
        issuer_name=org.name,
        region_code=org.region_code,
        issued_on=today,
        valid_until=valid_until,
        status="valid",
        case_id=case.id if case else None,
        task_id=task_id,
        payload=content,
        seal_key_id=seal_row.key_id,
        signature=signature.hex(),
    )
    repo.add(session, row)
    session.flush()
    _event(session, principal, row, "issue", None, "valid", note, case.number if case else None)
    return row


def _valid_until(today: dt.date, years: int | None) -> dt.date | None:
    if not years:
        return None
    try:
        end = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        end = today.replace(year=today.year + years, day=28)
    return end - dt.timedelta(days=1)


def _holder(
    session: Session, principal: Principal, case: Case, license_type: LicenseType, org: Org
) -> tuple[str, str, str]:
    if license_type.holder == "enterprise":
        if case.applicant_credit_code is None and license_type.code == "business_license":
            register_from_case(session, principal, case, org)  # 企业开办: the enterprise exists from now on
        if case.applicant_credit_code is not None:
            return "enterprise", _enterprise_name(case), case.applicant_credit_code
    if case.applicant_id_number is not None:
        return "person", case.applicant_name, case.applicant_id_number
    raise Conflict("无法确定证照的持证主体", field="holder", code="no_holder")


def _enterprise_name(case: Case) -> str:
    name = case.form.get("enterprise_name") if case.applicant_kind == "person" else None
    return str(name or case.applicant_name)


def _fields(catalog: Catalog, item_code: str, form: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The item's form values as printed on its license, in the item's field order."""
    item = catalog.items[item_code].spec
    labels = {code: catalog.data_elements[code].label for code in item.fields if code in catalog.data_elements}
    labels.update({e.code: e.label for e in item.extra_fields})
    options = _option_labels(catalog, item_code)
    out = []
    for code, label in labels.items():
        value = form.get(code)
        if value in (None, "", []):
            continue
        if code in options:
            value = (
                [options[code].get(v, v) for v in value] if isinstance(value, list) else options[code].get(value, value)
            )
        out.append((code, label, document.printable(value)))
    return out


def _option_labels(catalog: Catalog, item_code: str) -> dict[str, dict[str, str]]:
    item = catalog.items[item_code].spec
    elements = [catalog.data_elements[c] for c in item.fields if c in catalog.data_elements] + list(item.extra_fields)
    return {e.code: {o.code: o.label for o in e.options} for e in elements if e.options}


def _event(
    session: Session,
    principal: Principal,
    row: License,
    action: str,
    before: str | None,
    after: str,
    reason: str | None,
    case_number: str | None = None,
) -> None:
    repo.add_event(
        session,
        license_id=row.id,
        at=clock.now(),
        actor_id=principal.user_id,
        actor_name=principal.name if principal.authenticated else SYSTEM_NAME,
        action=action,
        from_status=before,
        to_status=after,
        reason=reason,
        case_number=case_number,
    )


# --- status --------------------------------------------------------------------------------------------


def change_status(session: Session, principal: Principal, ident: str, action: str, reason: str) -> License:
    """撤销 / 注销 / 失效 / 吊销 by the issuing org, with a reason; verification shows it at once."""
    principal.require(*repo.ISSUER_STAFF)
    target = document.CHANGES.get(action)
    if target is None:
        raise ValidationFailed("未知的证照状态变更", field="action", code="unknown_action")
    if not reason.strip():
        raise ValidationFailed("请填写变更原因", field="reason", code="reason_required")
    row = repo.readable_by_identifier(session, principal, ident)
    if row is None:
        raise NotFound(f"没有您可查看的证照 {ident}", field="identifier", code="license_not_found")
    if not is_issuer(principal, row):
        raise Forbidden("只有发证机构可以变更证照状态", code="not_issuer")
    row = repo.by_identifier(session, ident, lock=True) or row
    if row.status != "valid":
        name = document.STATUS_NAMES.get(row.status, row.status)
        raise Conflict(f"证照当前状态为「{name}」，不能再变更", field="status", code="illegal_transition")
    return set_status(session, principal, row, action, reason.strip())


def is_issuer(principal: Principal, row: License) -> bool:
    """Only the issuing org's approvers and heads change a license's status."""
    return row.issuer_org_id in principal.orgs(*repo.ISSUER_STAFF)


def set_status(session: Session, principal: Principal, row: License, action: str, reason: str) -> License:
    before, row.status = row.status, document.CHANGES[action]
    row.status_reason, row.status_changed_at = reason, clock.now()
    _event(session, principal, row, action, before, row.status, reason)
    return row


def revoke_for_task(session: Session, principal: Principal, task_id: int, reason: str) -> list[License]:
    """告知承诺 verification failed: the result it issued is revoked."""
    revoked = []
    for row in repo.of_task(session, task_id):
        if row.status == "valid":
            revoked.append(set_status(session, principal, row, "revoke", reason))
    return revoked


# --- reading and verifying -----------------------------------------------------------------------------


def public_key_of(session: Session, key_id: str | None) -> bytes | None:
    row = repo.seal_key(session, key_id) if key_id else None
    return bytes.fromhex(row.public_key) if row is not None else None


def verify_row(session: Session, row: License, today: dt.date | None = None) -> document.Verdict:
    """Our own record checked against its seal, status and dates."""
    return _verdict(session, row.payload, row.signature, row, today)


def verify_document(
    session: Session, doc: Any, today: dt.date | None = None
) -> tuple[document.Verdict, License | None]:
    """A document presented to us (uploaded or pasted): its seal, and our record's status."""
    try:
        content, signature, ident = document.parse_document(doc)
    except ValueError as exc:
        return document.Verdict(reasons=[str(exc)]), None
    row = repo.by_identifier(session, ident)
    return _verdict(session, content, signature, row, today), row


def _verdict(
    session: Session, content: Mapping[str, Any], signature: Any, row: License | None, today: dt.date | None
) -> document.Verdict:
    verdict = document.Verdict()
    key = public_key_of(session, document.seal_key_of(content))
    verdict.reasons = document.check_signature(content, signature, key)
    verdict.authentic = not verdict.reasons
    if row is None:
        verdict.reasons.append("平台没有该证照的签发记录")
        return verdict
    if verdict.authentic and content != row.payload:
        verdict.reasons.append("证照内容与签发记录不一致")
        verdict.authentic = False
    verdict.status = document.effective_status(row.status, row.valid_until, today or clock.today())
    if verdict.status != "valid":
        name = document.STATUS_NAMES[verdict.status]
        why = f"：{row.status_reason}" if row.status_reason else ""
        verdict.reasons.append(f"证照状态为「{name}」{why}")
    verdict.valid = verdict.authentic and verdict.status == "valid"
    return verdict


def wallet(session: Session, principal: Principal) -> Sequence[License]:
    principal.require_login()
    return session.scalars(repo.wallet(principal).order_by(License.issued_on.desc(), License.id.desc())).all()


def get(session: Session, principal: Principal, ident: str) -> License:
    principal.require_login()
    row = repo.readable_by_identifier(session, principal, ident)
    if row is None:
        raise NotFound(f"没有您可查看的证照 {ident}", field="identifier", code="license_not_found")
    if principal.id_number != row.holder_code and row.holder_code not in principal.enterprises:
        record(session, principal, "license.read", "license", row.id, region_code=row.region_code)
    return row


def by_identifier(session: Session, ident: str) -> License | None:
    return repo.by_identifier(session, ident)


def holders_of(session: Session, identifiers: Iterable[str]) -> dict[str, str]:
    return repo.holders_of(session, identifiers)


def by_token(session: Session, token: str) -> License | None:
    return repo.by_token(session, token) if tokens.well_formed(token) else None


def history(session: Session, row: License) -> Sequence[Any]:
    return repo.events(session, row.id)


# --- 免提交: licenses standing in for materials --------------------------------------------------------


def stand_ins(
    session: Session, holder_codes: Iterable[str], wanted: Mapping[str, str], today: dt.date | None = None
) -> dict[str, License]:
    """material code -> the holder's valid license of the type that stands in for it (newest first).
    ``wanted``: material code -> license type."""
    found: dict[str, License] = {}
    rows = repo.valid_of(session, holder_codes, wanted.values(), today or clock.today())
    newest: dict[str, License] = {}
    for row in rows:
        newest.setdefault(row.license_type, row)
    for material, license_type in wanted.items():
        if license_type in newest:
            found[material] = newest[license_type]
    return found


def autofill_data(session: Session, holder_codes: Iterable[str], types: Iterable[str]) -> dict[str, dict[str, Any]]:
    """license type -> the values a form may take from it (``license.<type>.<key>``)."""
    out: dict[str, dict[str, Any]] = {}
    for row in repo.valid_of(session, holder_codes, types, clock.today()):
        if row.license_type in out:
            continue
        data: dict[str, Any] = {code: value for code, _label, value in row.payload.get("fields", [])}
        data.update(number=row.number, identifier=row.identifier, name=row.holder_name, holder_name=row.holder_name)
        out[row.license_type] = data
    return out


def read_for_case(
    session: Session,
    principal: Principal,
    row: License,
    case_number: str,
    reason: str = "免提交材料核验",
    detail: dict[str, Any] | None = None,
) -> None:
    """A license read for a case (a reviewer opening a stand-in, or a stand-in brought in from someone
    else's wallet): a shared-data read, logged under the case."""
    record(
        session,
        principal,
        "license.read",
        "license",
        row.id,
        region_code=row.region_code,
        case_number=case_number,
        reason=reason,
        detail=detail,
    )


def org_code_of(session: Session, org_id: int) -> str:
    return repo.org(session, org_id).code


def public_key_pem(row: SealKey) -> str:
    return sm2.public_key_to_pem(bytes.fromhex(row.public_key)).decode()
