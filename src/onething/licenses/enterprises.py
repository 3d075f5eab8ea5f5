"""企业开办: issuing a business licence brings the enterprise into being. It gets its unified social credit
code, enters the legal-person library (so later cases fill in from it), and the person who applied
may act for it (a mandate from its legal representative)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from onething.identity import repository as identity_repo
from onething.identity.audit import record
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import ValidationFailed
from onething.kit.validators import CREDIT_CHARS, credit_code_check_char, org_code_check_char
from onething.models import Case, Enterprise, EnterpriseMandate, Org

# Organisation-code bodies of newly registered enterprises start with MA, as the registries' do.
_PREFIX = "MA"
_SPACE = len(CREDIT_CHARS) ** 6


def new_credit_code(region_code: str, number: int) -> str:
    """A GB 32100 code for the ``number``-th enterprise registered through this platform (91: enterprise)."""
    digits, n = [], number % _SPACE
    for _ in range(6):
        n, d = divmod(n, len(CREDIT_CHARS))
        digits.append(CREDIT_CHARS[d])
    body = _PREFIX + "".join(reversed(digits))
    first17 = "91" + region_code[:6] + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


def register_from_case(session: Session, principal: Principal, case: Case, registrar: Org) -> Enterprise:
    form = case.form
    name, rep_name, rep_id = (
        form.get(k) for k in ("enterprise_name", "legal_representative_name", "legal_representative_id_number")
    )
    if not (name and rep_name and rep_id):
        raise ValidationFailed(
            "办件缺少企业名称或法定代表人信息，无法登记", field="form", code="registration_incomplete"
        )
    code = new_credit_code(case.region_code, case.id)
    today = clock.today()
    row = Enterprise(
        credit_code=code,
        name=str(name),
        type=str(form.get("enterprise_type") or "有限责任公司")[:30],
        legal_rep_id_number=str(rep_id),
        legal_rep_name=str(rep_name),
        region_code=case.region_code,
        address=str(form.get("enterprise_address") or form.get("premises_address") or "")[:200],
        industry_code=str(form.get("industry_code") or "F5292")[:5],
        registered_capital=_capital(form.get("registered_capital")),
        founded_on=today,
        staff_count=_int(form.get("employee_count")),
        status="存续",
    )
    identity_repo.add(session, row)
    session.flush()
    case.applicant_credit_code = code
    _mandate(session, case, code, str(rep_id), today)
    record(
        session,
        principal,
        "enterprise.register",
        "enterprise",
        row.id,
        region_code=case.region_code,
        case_number=case.number,
        reason=f"{registrar.name}核发营业执照",
    )
    return row


def _mandate(session: Session, case: Case, code: str, rep_id: str, today: dt.date) -> None:
    """Whoever applied keeps acting for the new enterprise, on the legal representative's authority (a
    window clerk who keyed the case in does not: the applicant's own account does, if they have one)."""
    user_id: int | None = case.created_by
    if case.channel in ("window", "helper"):
        account = identity_repo.user_by_login(session, case.applicant_id_number or "")
        user_id = account.id if account is not None else None
    if user_id is None:
        return
    mandate = EnterpriseMandate(
        user_id=user_id,
        credit_code=code,
        granted_by_id_number=rep_id,
        scope="全部事项",
        valid_from=today,
        valid_until=None,
    )
    identity_repo.add(session, mandate)


def _capital(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
