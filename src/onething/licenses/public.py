"""The public check (no login): by identifier (typed), by the random token of the QR code's link, or by the
signed file a holder downloaded. What it shows follows ``disclosure``: an enterprise's public facts in
full; of a natural person's document, by identifier only that it exists, its type, issuer and status
(identifiers are guessable), by token or signed file also a masked name and the dates."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from sqlalchemy.orm import Session

from onething.kit import clock
from onething.kit.errors import ValidationFailed
from onething.kit.masking import mask_name, mask_text
from onething.licenses import disclosure, document, identifier
from onething.licenses import service as licenses
from onething.licenses.schemas import LicenseField, PublicLicense, VerifyOut
from onething.licenses.views import holder_labels, identifier_url, verify_url
from onething.models import License

MAX_DOCUMENT = 256 * 1024  # a signed license file is a few KB
MAX_IDENTIFIER = 120  # ours are ~75 characters; GB/T 36904 allows serials up to 32
NOT_ON_RECORD = "平台没有该证照的签发记录"
NO_SUCH_TOKEN = "没有与该核验码对应的证照：请确认扫描或输入的是证照上的二维码或核验地址"

By = Literal["identifier", "token", "file"]


def public_out(row: License, by: By) -> PublicLicense:
    today = clock.today()
    status = document.effective_status(row.status, row.valid_until, today)
    enterprise = row.holder_kind == "enterprise"
    shown = disclosure.shown_by(by, row.holder_kind)
    name_label, code_label = holder_labels(row.holder_kind)
    fields = disclosure.public(row.license_type, row.holder_kind, row.payload.get("fields", []))
    out = PublicLicense(
        shown=shown,
        identifier=row.identifier,
        license_type=row.license_type,
        type_name=row.type_name,
        holder_kind=row.holder_kind,
        holder_label=name_label,
        holder_name=row.holder_name if enterprise else mask_name(row.holder_name),
        holder_code_label=code_label if enterprise else None,
        holder_code=row.holder_code if enterprise else None,
        number=row.number if enterprise else None,
        issuer=row.issuer_name,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        status=status,
        status_name=document.STATUS_NAMES[status],
        badge=disclosure.badge(row.status, row.valid_until, today),
        # An issuer's reason may name people: numbers masked, and a person's document gives none.
        status_reason=mask_text(row.status_reason) if enterprise and row.status_reason else None,
        fields=[LicenseField(code=c, label=label, value=v) for c, label, v in fields],
        # The token only goes back to whoever presented it.
        verify_url=verify_url(row) if by == "token" else identifier_url(row.identifier),
    )
    if shown == "status":  # a guessed identifier learns nothing about the person
        out = out.model_copy(update={"holder_label": None, "holder_name": None, "issued_on": None, "valid_until": None})
    return out


def verdict_out(verdict: document.Verdict, row: License | None, by: By) -> VerifyOut:
    on_record = row is not None
    return VerifyOut(
        authentic=verdict.authentic,
        valid=verdict.valid,
        status=verdict.status,
        status_name=document.STATUS_NAMES.get(verdict.status) if verdict.status else None,
        conclusion=disclosure.conclusion(
            verdict.authentic,
            on_record,
            row.status if row is not None else None,
            row.valid_until if row is not None else None,
            clock.today(),
        ),
        reasons=_public_reasons(verdict.reasons, row),
        license=public_out(row, by) if row is not None else None,
    )


def _public_reasons(reasons: list[str], row: License | None) -> list[str]:
    """The verdict's reasons quote the issuer's reason for a status change: not for a person's document."""
    if row is None or row.holder_kind == "enterprise" or not row.status_reason:
        return reasons
    return [r.replace(f"：{row.status_reason}", "") for r in reasons]


def well_formed(text: str | None) -> str:
    """A typed identifier, tidied (spaces dropped, letters upper case), or a Chinese reason why not."""
    tidy = "".join((text or "").split()).upper()
    if not tidy:
        raise ValidationFailed("请输入证照标识", field="identifier", code="identifier_required")
    if len(tidy) > MAX_IDENTIFIER or not identifier.is_valid(tidy):
        raise ValidationFailed(
            "证照标识不正确：应形如 1.2.156.3005.2.…，末位校验位须相符。请按证照上印的标识逐位核对",
            field="identifier",
            code="bad_identifier",
        )
    return tidy


def check_identifier(session: Session, ident: str) -> tuple[VerifyOut, License | None]:
    """Our record of a well-formed identifier against its seal, status and dates."""
    row = licenses.by_identifier(session, ident)
    verdict = licenses.verify_row(session, row) if row is not None else document.Verdict(reasons=[NOT_ON_RECORD])
    return verdict_out(verdict, row, "identifier"), row


def check_token(session: Session, token: str) -> tuple[VerifyOut, License | None]:
    """The QR code's link: our record of the license with this token, as the disclosure rules allow.
    A token of no license (or of no possible shape) reads the same: no such license."""
    row = licenses.by_token(session, token)
    if row is None:
        return VerifyOut(
            authentic=False,
            valid=False,
            status=None,
            status_name=None,
            conclusion="核验未通过",
            reasons=[NO_SUCH_TOKEN],
        ), None
    return verdict_out(licenses.verify_row(session, row), row, "token"), row


def read_document(raw: bytes) -> Any:
    """The JSON of an uploaded signed file, or a Chinese reason it cannot be one (changes nothing)."""
    if len(raw) > MAX_DOCUMENT:
        raise ValidationFailed(
            f"文件过大：证照文件（含签名）不超过 {MAX_DOCUMENT // 1024} KB，请确认选择的是从本平台下载的证照文件",
            field="file",
            code="file_too_large",
        )
    if not raw.strip():
        raise ValidationFailed("请选择要核验的证照文件（含签名）", field="file", code="file_required")
    if raw.startswith(b"%PDF"):
        raise ValidationFailed(
            "这是证照的 PDF 打印件，不含电子签名，无法核验文件本身。"
            "请上传“证照文件（含签名）”，或输入 PDF 上印的证照标识",
            field="file",
            code="pdf_not_signed",
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed(
            "证照文件不是有效的 JSON：请上传从本平台“下载证照文件（含签名）”得到的 .json 文件",
            field="file",
            code="not_json",
        ) from None


def check_document(session: Session, doc: Any) -> VerifyOut:
    """A presented signed file: its seal against the published key, its content against our record."""
    verdict, row = licenses.verify_document(session, doc)
    return verdict_out(verdict, row, "file")
