"""Licenses as people see them: masked where the viewer is not the holder or the issuer."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.masking import mask_address, mask_id_number, mask_name, mask_text
from onething.kit.settings import get_settings
from onething.licenses import document
from onething.licenses import service as licenses
from onething.licenses.render import Sheet
from onething.licenses.schemas import LicenseDetail, LicenseField, LicenseOut, VerifyOut
from onething.models import License


def verify_url(identifier: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/verify/{identifier}"


def _holder_code(row: License, full: bool) -> str:
    if full:
        return row.holder_code
    return mask_id_number(row.holder_code) if row.holder_kind == "person" else row.holder_code


def _holder_name(row: License, full: bool) -> str:
    return row.holder_name if full or row.holder_kind == "enterprise" else mask_name(row.holder_name)


def _field_value(label: str, value: str, full: bool) -> str:
    if full:
        return value
    if "地址" in label or "住址" in label:
        return mask_address(value)
    if "姓名" in label:
        return mask_name(value)
    return mask_text(value)  # ID numbers and mobiles inside any other value


def row_out(row: License, *, full: bool) -> LicenseOut:
    status = document.effective_status(row.status, row.valid_until, clock.today())
    return LicenseOut(
        identifier=row.identifier,
        number=row.number,
        license_type=row.license_type,
        type_name=row.type_name,
        holder_kind=row.holder_kind,
        holder_name=_holder_name(row, full),
        holder_code=_holder_code(row, full),
        issuer=row.issuer_name,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        status=status,
        status_name=document.STATUS_NAMES[status],
        status_reason=row.status_reason,
        verify_url=verify_url(row.identifier),
    )


def fields_of(row: License, *, full: bool) -> list[LicenseField]:
    return [
        LicenseField(code=code, label=label, value=_field_value(label, value, full))
        for code, label, value in row.payload.get("fields", [])
    ]


def detail(session: Session, principal: Principal, identifier: str) -> LicenseDetail:
    return detail_of(session, licenses.get(session, principal, identifier))


def detail_of(session: Session, row: License) -> LicenseDetail:
    """The full view of a license the caller may see (access checked and logged by the caller)."""
    history = [
        {"at": e.at, "actor": e.actor_name, "action": e.action, "to_status": e.to_status, "reason": e.reason}
        for e in licenses.history(session, row)
    ]
    return LicenseDetail(
        **row_out(row, full=True).model_dump(),
        fields=fields_of(row, full=True),
        seal_key_id=row.seal_key_id,
        signature=row.signature,
        history=history,
    )


def wallet(session: Session, principal: Principal) -> list[LicenseOut]:
    return [row_out(r, full=False) for r in licenses.wallet(session, principal)]


def verdict_out(verdict: document.Verdict, row: License | None) -> VerifyOut:
    return VerifyOut(
        authentic=verdict.authentic,
        valid=verdict.valid,
        status=verdict.status,
        status_name=document.STATUS_NAMES.get(verdict.status) if verdict.status else None,
        reasons=verdict.reasons,
        license=row_out(row, full=False) if row is not None else None,
    )


def public_check(session: Session, identifier: str) -> tuple[VerifyOut, License | None]:
    """The public verification of an identifier: our record against its seal; personal data masked."""
    row = licenses.by_identifier(session, identifier)
    verdict = (
        licenses.verify_row(session, row) if row is not None else document.Verdict(reasons=["平台没有该证照的签发记录"])
    )
    return verdict_out(verdict, row), row


def sheet(row: License, *, full: bool) -> Sheet:
    status = document.effective_status(row.status, row.valid_until, clock.today())
    watermark = None if status == "valid" else f"已{document.STATUS_NAMES[status]}"
    return Sheet(
        identifier=row.identifier,
        type_name=row.type_name,
        holder_label="持证主体",
        holder_name=_holder_name(row, full),
        holder_code=_holder_code(row, full),
        fields=[(f.label, f.value) for f in fields_of(row, full=full)],
        issuer_name=row.issuer_name,
        issue_date=row.issued_on,
        valid_until=row.valid_until,
        status_name=document.STATUS_NAMES[status],
        verify_url=verify_url(row.identifier),
        seal_key_id=row.seal_key_id,
        signature_hex=row.signature,
        watermark=watermark,
    )


def document_of(row: License) -> dict[str, Any]:
    return {"license": row.payload, "signature": row.signature}
