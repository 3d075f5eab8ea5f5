"""The demo citizens' e-license wallets: a 居民身份证 and a 居民户口簿 each, issued and sealed by their
county's public security bureau, so applications show licenses standing in for paper (免提交); and the
demo enterprise's 营业执照, from the legal-person library."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases.context import SYSTEM
from onething.catalog.model import Catalog
from onething.demo.accounts import CITIZENS, ENTERPRISE, Citizen
from onething.kit.validators import birth_date_from_id
from onething.licenses import service as licenses
from onething.licenses.stock import import_business_license
from onething.models import License, Org

WALLET = ("resident_id_card", "household_register")
_GENDER = {"male": "男", "female": "女"}
# The legal-person library keeps no business scope: the registry's, for 敏记餐饮's licence.
_SCOPE = "餐饮服务；食品销售（仅销售预包装食品）；酒类零售；烟草制品零售"


def _fields(citizen: Citizen, license_type: str) -> list[tuple[str, str, str]]:
    born = birth_date_from_id(citizen.id_number)
    common = [("name", "姓名", citizen.name), ("gender", "性别", _GENDER[citizen.gender])]
    if license_type == "resident_id_card":
        return [*common, ("birth_date", "出生", f"{born:%Y年%-m月%-d日}"), ("address", "住址", citizen.address)]
    return [*common, ("relation_to_head", "与户主关系", "户主"), ("address", "住址", citizen.address)]


def seed_wallets(session: Session, catalog: Catalog) -> int:
    """Issue what a demo citizen does not hold yet; safe to run again. Returns how many were issued."""
    held = set(
        session.execute(select(License.holder_code, License.license_type).where(License.license_type.in_(WALLET))).all()
    )
    issued = 0
    for citizen in CITIZENS:
        bureau = session.scalar(select(Org).where(Org.code == f"{citizen.id_number[:6]}-public_security"))
        if bureau is None:
            continue
        for code in WALLET:
            if (citizen.id_number, code) in held:
                continue
            holder = ("person", citizen.name, citizen.id_number)
            fields = _fields(citizen, code)
            licenses.issue(
                session, SYSTEM, catalog.license_types[code], bureau, holder, fields, note="演示数据：存量证照入库"
            )
            issued += 1
    if import_business_license(session, SYSTEM, catalog, str(ENTERPRISE["credit_code"]), scope=_SCOPE):
        issued += 1
    session.flush()
    return issued
