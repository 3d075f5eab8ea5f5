"""What a sealed license is, as data: the content that is signed, the file a holder downloads, and the
verdict on a license presented for checking. Pure: no database, no web.

The signed content (``content``) is canonical JSON (``licenses.canonical``) hashed with SM3 and signed
with SM2 under the issuing org's seal key, with the default SM2 user ID. The downloadable document is
``{"license": <content>, "signature": <r||s hex>}``: anyone holding it and the issuer's public key
(``GET /api/v1/seals/{key_id}``) can check it without us.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from onething.kit import sm2
from onething.licenses import identifier
from onething.licenses.canonical import canonical_bytes

FORMAT = "onething-license/1"
ALGORITHM = "SM2-SM3"

STATUS_NAMES: dict[str, str] = {
    "valid": "有效",
    "revoked": "撤销",
    "cancelled": "注销",
    "expired": "失效",
    "penalty_revoked": "吊销",
}
# What the issuing org may do to a valid license, and the status it leads to.
CHANGES: dict[str, str] = {
    "revoke": "revoked",
    "cancel": "cancelled",
    "expire": "expired",
    "penalty_revoke": "penalty_revoked",
}
CHANGE_NAMES: dict[str, str] = {"revoke": "撤销", "cancel": "注销", "expire": "宣告失效", "penalty_revoke": "吊销"}


@dataclass(frozen=True)
class Content:
    identifier: str
    number: str
    type_code: str
    type_name: str
    holder_kind: str
    holder_name: str
    holder_code: str
    issuer_code: str  # org code
    issuer_name: str
    issuer_credit_code: str
    issued_on: dt.date
    valid_until: dt.date | None
    fields: Sequence[tuple[str, str, str]]  # (code, label, value as printed)
    seal_key_id: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "identifier": self.identifier,
            "number": self.number,
            "type": {"code": self.type_code, "name": self.type_name},
            "holder": {"kind": self.holder_kind, "name": self.holder_name, "code": self.holder_code},
            "issuer": {"org": self.issuer_code, "name": self.issuer_name, "credit_code": self.issuer_credit_code},
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "fields": [list(f) for f in self.fields],
            "seal": {"key_id": self.seal_key_id, "algorithm": ALGORITHM},
        }


def printable(value: Any) -> str:
    """A form value as it is printed on a license (and signed): always text, so no float reaches the seal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(printable(v) for v in value)
    return str(value)


def signed_bytes(content: Mapping[str, Any]) -> bytes:
    return canonical_bytes(content)


def document(content: Mapping[str, Any], signature: bytes) -> dict[str, Any]:
    return {"license": dict(content), "signature": signature.hex()}


def effective_status(status: str, valid_until: dt.date | None, today: dt.date) -> str:
    """A valid license past its last day is 失效 even before any job marks it so."""
    if status == "valid" and valid_until is not None and valid_until < today:
        return "expired"
    return status


@dataclass
class Verdict:
    authentic: bool = False  # the seal matches the content
    valid: bool = False  # authentic, on record, status valid and within its dates
    status: str | None = None
    reasons: list[str] = field(default_factory=list)  # why not, in Chinese, first the decisive one


def check_signature(content: Mapping[str, Any], signature_hex: Any, public_key: bytes | None) -> list[str]:
    """Reasons the seal does not hold (empty when it does)."""
    if public_key is None:
        return ["找不到签发该证照的电子印章公钥"]
    if not isinstance(signature_hex, str):
        return ["签名缺失或格式不正确"]
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return ["签名不是十六进制数据"]
    if len(signature) != sm2.SIGNATURE_SIZE:
        return [f"签名长度应为 {sm2.SIGNATURE_SIZE} 字节"]
    try:
        data = signed_bytes(content)
    except (TypeError, ValueError, RecursionError):  # not canonical JSON, or nested past all reason
        return ["证照内容格式不正确，无法核验"]
    if not sm2.verify(public_key, data, signature):
        return ["签名与证照内容不符：证照内容或签名已被改动"]
    return []


def parse_document(doc: Any) -> tuple[dict[str, Any], Any, str]:
    """(content, signature, identifier) of an uploaded document; ``ValueError`` with a Chinese reason."""
    if not isinstance(doc, Mapping):
        raise ValueError("证照文件应为 JSON 对象")
    content, signature = doc.get("license"), doc.get("signature")
    if not isinstance(content, Mapping):
        raise ValueError("证照文件缺少 license 内容")
    if content.get("format") != FORMAT:
        raise ValueError("不是本平台签发的电子证照文件格式")
    ident = content.get("identifier")
    if not isinstance(ident, str) or not identifier.is_valid(ident):
        raise ValueError("证照标识不符合 GB/T 36904 规则（校验位不符或格式错误）")
    return dict(content), signature, ident


def seal_key_of(content: Mapping[str, Any]) -> str | None:
    seal = content.get("seal")
    key = seal.get("key_id") if isinstance(seal, Mapping) else None
    return key if isinstance(key, str) else None
