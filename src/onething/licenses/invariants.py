"""Invariants of e-licenses for ``onething check``: each license's status agrees with its last event, its
identifier (and its number within its type) is unique, its seal verifies against the published seal key, and
the status history is append-only. Seal verification is per-row cryptography, so ``Scope.sample`` bounds it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.identity.invariants import append_only
from onething.kit.invariants import Invariant, Scope, Violation, count, duplicates, state_mismatches
from onething.licenses import document
from onething.models import License, LicenseEvent, SealKey

_BATCH = 1000


def license_state(session: Session, scope: Scope) -> Iterable[Violation]:
    scope.count("licenses", count(session, License.id))
    for m in state_mismatches(
        session,
        key=License.id,
        label=License.identifier,
        status=License.status,
        event_key=LicenseEvent.license_id,
        event_id=LicenseEvent.id,
        event_status=LicenseEvent.to_status,
    ):
        detail = f"状态为 {m.status}，最后一条状态记录为 {m.last}" if m.last else f"状态为 {m.status}，没有签发记录"
        yield Violation("license_state", f"license {m.subject}", detail)


def license_identifiers_unique(session: Session, scope: Scope) -> Iterable[Violation]:
    for (ident,), n in duplicates(session, [License.identifier]):
        yield Violation("license_unique", f"license {ident}", f"证照标识重复 {n} 次")
    for (license_type, number), n in duplicates(session, [License.license_type, License.number]):
        yield Violation("license_unique", f"license {license_type} {number}", f"同类证照的证照编号重复 {n} 次")


def license_seals(session: Session, scope: Scope) -> Iterable[Violation]:
    """Each license's signed content verifies against its seal key, and says what its row says (identifier,
    seal key): what a holder downloads is what we recorded."""
    stmt = (
        select(License.identifier, License.payload, License.signature, License.seal_key_id, SealKey.public_key)
        .outerjoin(SealKey, SealKey.key_id == License.seal_key_id)
        .execution_options(yield_per=_BATCH)
    )
    if scope.sample is not None:
        stmt = stmt.where(License.id.in_(select(License.id).order_by(func.random()).limit(scope.sample)))
    verified = 0
    for ident, payload, signature, key_id, public_key in session.execute(stmt):
        verified += 1
        if not isinstance(payload, dict):
            yield Violation("license_seal", f"license {ident}", "签名内容不是 JSON 对象")
            continue
        reasons = document.check_signature(payload, signature, bytes.fromhex(public_key) if public_key else None)
        if not reasons and (payload.get("identifier") != ident or document.seal_key_of(payload) != key_id):
            reasons = ["签名内容与证照记录（标识或印章）不一致"]
        if reasons:
            yield Violation("license_seal", f"license {ident}", reasons[0])
    scope.count("licenses_verified", verified)


def _append_only(session: Session, scope: Scope) -> Iterable[Violation]:
    return append_only(session, scope, "license_events_append_only", ("license_events",))


INVARIANTS = [
    Invariant("license_state", "证照状态与最后一条状态记录一致", license_state),
    Invariant("license_unique", "证照标识与同类证照编号不重复", license_identifiers_unique),
    Invariant("license_seal", "证照签名与印章公钥核验一致", license_seals),
    Invariant("license_events_append_only", "证照状态记录只追加（触发器在位）", _append_only),
]
