"""存量证照入库: an enterprise registered before the platform is in the legal-person library, but its
business licence is not in the e-license library, so its wallet lacks the licence every other permit
presupposes. It is issued once from the library's record, sealed by the market regulator of the
enterprise's county."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import Conflict, NotFound
from onething.licenses import repository as repo
from onething.licenses import service as licenses
from onething.models import Enterprise, License

BUSINESS_LICENSE = "business_license"


def business_license_fields(enterprise: Enterprise, scope: str) -> list[tuple[str, str, str]]:
    """The licence's printed fields from the library's record. The library keeps no business scope:
    whoever imports the licence supplies it (from the registry's file)."""
    founded = enterprise.founded_on
    return [
        ("enterprise_type", "类型", enterprise.type),
        ("legal_representative_name", "法定代表人", enterprise.legal_rep_name),
        ("registered_capital", "注册资本（万元）", str(enterprise.registered_capital)),
        ("established_date", "成立日期", f"{founded.year}年{founded.month}月{founded.day}日"),
        ("enterprise_address", "住所", enterprise.address),
        ("business_scope", "经营范围", scope),
    ]


def import_business_license(
    session: Session, principal: Principal, catalog: Catalog, credit_code: str, *, scope: str
) -> License | None:
    """The enterprise's business licence, issued from the legal-person library; None when it already
    holds a valid one (safe to run again)."""
    enterprise = repo.enterprise(session, credit_code)
    if enterprise is None:
        raise NotFound(
            f"法人库中没有统一社会信用代码为 {credit_code} 的企业", field="credit_code", code="enterprise_not_found"
        )
    if repo.valid_of(session, [credit_code], [BUSINESS_LICENSE], clock.today()):
        return None
    license_type = catalog.license_types[BUSINESS_LICENSE]
    org = repo.org_of_kind(session, license_type.issuer_kind, enterprise.region_code)
    if org is None:
        raise Conflict(f"{enterprise.region_code} 没有登记机关，无法签发营业执照", field="region", code="no_issuer")
    holder = ("enterprise", enterprise.name, enterprise.credit_code)
    fields = business_license_fields(enterprise, scope)
    return licenses.issue(
        session, principal, license_type, org, holder, fields, note="存量证照入库：依法人库登记信息签发"
    )
