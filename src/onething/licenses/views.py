"""Licenses as their holders and the staff who may read them see them: what the license prints (never
the application it came from), masked in lists. The public check is ``licenses.public``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.masking import mask_address, mask_id_number, mask_name, mask_text
from onething.kit.settings import get_settings
from onething.licenses import disclosure, document, tokens
from onething.licenses import service as licenses
from onething.licenses.render import Sheet
from onething.licenses.schemas import HistoryEntry, LicenseDetail, LicenseField, LicenseOut
from onething.models import License


def site_url(path: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}{path}"


def verify_url(row: License) -> str:
    """What the QR code and the printout carry: the check by the license's random token, which shows the
    (masked) holder. Only for those the license was shown to: its holder, its issuer, its printout."""
    return site_url(tokens.path(row.verify_token))


def identifier_url(ident: str) -> str:
    """The check by identifier: existence and status (and an enterprise's public facts) only."""
    return site_url(f"/verify/{ident}")


def holder_labels(holder_kind: str) -> tuple[str, str]:
    """What the holder's name and code are called on a license of this kind of holder."""
    return ("名称", "统一社会信用代码") if holder_kind == "enterprise" else ("持证人", "公民身份号码")


def _holder_code(row: License, full: bool) -> str:
    if full:
        return row.holder_code
    return mask_id_number(row.holder_code) if row.holder_kind == "person" else row.holder_code


def _holder_name(row: License, full: bool) -> str:
    return row.holder_name if full or row.holder_kind == "enterprise" else mask_name(row.holder_name)


def _field_value(label: str, value: str, full: bool) -> str:
    if full:
        return value
    if "地址" in label or "住址" in label or "住所" in label:
        return mask_address(value)
    if "姓名" in label:
        return mask_name(value)
    return mask_text(value)  # ID numbers and mobiles inside any other value


def badge(row: License) -> str:
    return disclosure.badge(row.status, row.valid_until, clock.today())


def row_out(row: License, *, full: bool) -> LicenseOut:
    status = document.effective_status(row.status, row.valid_until, clock.today())
    name_label, code_label = holder_labels(row.holder_kind)
    return LicenseOut(
        identifier=row.identifier,
        number=row.number,
        license_type=row.license_type,
        type_name=row.type_name,
        holder_kind=row.holder_kind,
        holder_label=name_label,
        holder_name=_holder_name(row, full),
        holder_code_label=code_label,
        holder_code=_holder_code(row, full),
        issuer=row.issuer_name,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        status=status,
        status_name=document.STATUS_NAMES[status],
        badge=badge(row),
        status_reason=row.status_reason,
        verify_url=verify_url(row),
    )


def fields_of(row: License, *, full: bool) -> list[LicenseField]:
    """The fields the license prints (its type's layout), without repeating its holder's name or code
    (licenses issued before the layouts existed still carry the whole application form: it is not shown)."""
    holder = {row.holder_name, row.holder_code}
    return [
        LicenseField(code=code, label=label, value=_field_value(label, value, full))
        for code, label, value in disclosure.printed(row.license_type, row.holder_kind, row.payload.get("fields", []))
        if value not in holder
    ]


def history_of(session: Session, row: License) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            at=e.at,
            actor=e.actor_name,
            action=e.action,
            action_name=disclosure.ACTIONS.get(e.action, "变更"),
            to_status=e.to_status,
            to_status_name=disclosure.BADGES.get(e.to_status, "状态未知"),
            reason=e.reason,
        )
        for e in licenses.history(session, row)
    ]


def detail(session: Session, principal: Principal, identifier: str) -> LicenseDetail:
    return detail_of(session, licenses.get(session, principal, identifier))


def detail_of(session: Session, row: License) -> LicenseDetail:
    """The full view of a license the caller may see (access checked and logged by the caller)."""
    return LicenseDetail(
        **row_out(row, full=True).model_dump(),
        fields=fields_of(row, full=True),
        seal_key_id=row.seal_key_id,
        signature=row.signature,
        history=history_of(session, row),
    )


def wallet(session: Session, principal: Principal) -> list[LicenseOut]:
    return [row_out(r, full=False) for r in licenses.wallet(session, principal)]


def sheet(row: License, *, full: bool) -> Sheet:
    status = document.effective_status(row.status, row.valid_until, clock.today())
    word = badge(row)
    return Sheet(
        identifier=row.identifier,
        type_name=row.type_name,
        holder_label=holder_labels(row.holder_kind)[0],
        holder_name=_holder_name(row, full),
        holder_code=_holder_code(row, full),
        fields=[(f.label, f.value) for f in fields_of(row, full=full)],
        issuer_name=row.issuer_name,
        issue_date=row.issued_on,
        valid_until=row.valid_until,
        status_name=document.STATUS_NAMES[status],
        verify_url=verify_url(row),
        seal_key_id=row.seal_key_id,
        signature_hex=row.signature,
        watermark=None if status == "valid" else word,
    )


def document_of(row: License) -> dict[str, Any]:
    return {"license": row.payload, "signature": row.signature}
