"""What a license shows, and to whom. Pure: no database, no web.

A license is issued from an application's form, but it is not the application: it prints the facts it
certifies, never who filed the case or how to reach them. And a public check shows only what the law
makes public: an enterprise's registration facts (《企业信息公示暂行条例》第六条、第七条 — name, credit code,
legal representative, 住所, business scope, licences granted) in full; of a natural person's document,
nothing but a masked name, the type, the issuer, the dates and the status — and, asked by the guessable
identifier alone, only the type, the issuer and the status (``shown_by``).

These tables belong with the license types in the catalog (``catalog/*/license_types.yaml``), but the
catalog's schema is not this package's to change: they live here, keyed by license type code, and
``problems`` checks them against the catalog's types (a test runs it on the seed catalog).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

Field = tuple[str, str, str]  # (code, label, value as printed)

# The fields a license of the type prints, in order, with the wording of the license itself. Types not
# listed print every field of the item that issued them except the application's own (``application_only``).
PRINTED: dict[str, tuple[tuple[str, str], ...]] = {
    # 《市场主体登记管理条例实施细则》第六十一条: what a business licence carries.
    "business_license": (
        ("enterprise_type", "类型"),
        ("organization_form", "组成形式"),
        ("legal_representative_name", "法定代表人"),
        ("registered_capital", "注册资本（万元）"),
        ("established_date", "成立日期"),
        ("operating_period", "营业期限"),
        ("enterprise_address", "住所"),
        ("business_scope", "经营范围"),
    ),
    # 《食品经营许可和备案管理办法》第三十条.
    "food_business_permit": (
        ("legal_representative_name", "法定代表人（负责人）"),
        ("enterprise_address", "住所"),
        ("premises_address", "经营场所"),
        ("food_business_kind", "主体业态"),
        ("food_business_items", "经营项目"),
        ("storage_address", "仓库地址"),
    ),
    "tobacco_retail_license": (
        ("legal_representative_name", "负责人"),
        ("premises_address", "经营场所"),
        ("tobacco_business_form", "零售经营业态"),
    ),
    "fire_safety_check_certificate": (
        ("legal_representative_name", "法定代表人（主要负责人）"),
        ("premises_address", "场所地址"),
        ("located_floor", "所在楼层"),
        ("premises_area", "建筑面积（平方米）"),
        ("venue_usage", "场所使用性质"),
        ("max_occupancy", "设计容纳人数"),
    ),
    # Two items issue it: a shop's drainage permit and a construction project's.
    "sewer_discharge_permit": (
        ("legal_representative_name", "法定代表人"),
        ("project_name", "项目名称"),
        ("premises_address", "排水户地址"),
        ("project_address", "排水户地址"),
        ("sewage_kind", "排水类别"),
        ("daily_discharge_volume", "许可排水量（立方米/日）"),
        ("daily_drainage_volume", "许可排水量（立方米/日）"),
        ("outlet_count", "排放口数量"),
        ("receiving_pipe", "接入管网位置"),
        ("drainage_connection_point", "接入管网位置"),
    ),
}

# The printed fields anyone may read in full on the public check. Only enterprise-held types may list
# any: a natural person's document discloses no field at all.
PUBLIC: dict[str, tuple[str, ...]] = {
    "business_license": tuple(code for code, _ in PRINTED["business_license"]),
    "food_business_permit": (
        "legal_representative_name",
        "premises_address",
        "food_business_kind",
        "food_business_items",
    ),
    "tobacco_retail_license": ("legal_representative_name", "premises_address", "tobacco_business_form"),
    "fire_safety_check_certificate": ("legal_representative_name", "premises_address", "venue_usage"),
    "sewer_discharge_permit": ("legal_representative_name", "premises_address", "project_address", "sewage_kind"),
}

# Fields that belong to the filing, not to what is certified: who handled it, how to reach people, where
# money goes. Matched on the data element codes of the catalog (``agent`` group, mobile/phone/e-mail
# formats, accounts); a test keeps this in step with the catalog's elements.
_APPLICATION_PREFIXES = ("agent_", "liaison_", "finance_officer_", "tax_agent_", "basic_account_")
_APPLICATION_SUFFIXES = ("_mobile", "_phone", "_email", "_bank_account", "_bank_name")


def application_only(code: str, holder_kind: str) -> bool:
    """True for a form field a license never prints. An enterprise's license names people (its legal
    representative) but never prints their ID numbers."""
    if code.startswith(_APPLICATION_PREFIXES) or code.endswith(_APPLICATION_SUFFIXES):
        return True
    return holder_kind == "enterprise" and code.endswith("_id_number")


def printed(type_code: str, holder_kind: str, fields: Iterable[Sequence[str]]) -> list[Field]:
    """The fields of a license as it prints them: the type's list (in its order, with its wording) or,
    for a type without one, every field but the application's own."""
    given = [(str(f[0]), str(f[1]), str(f[2])) for f in fields if len(f) == 3]
    layout = PRINTED.get(type_code)
    if layout is None:
        return [f for f in given if not application_only(f[0], holder_kind)]
    by_code = {code: value for code, _label, value in given}
    return [(code, label, by_code[code]) for code, label in layout if by_code.get(code)]


def public(type_code: str, holder_kind: str, fields: Iterable[Sequence[str]]) -> list[Field]:
    """The printed fields a public check shows in full: none for a natural person's document."""
    if holder_kind != "enterprise":
        return []
    wanted = set(PUBLIC.get(type_code, ()))
    return [f for f in printed(type_code, holder_kind, fields) if f[0] in wanted]


def shown_by(by: str, holder_kind: str) -> Literal["status", "masked", "public"]:
    """How much a public check shows, by what it was given. An identifier is guessable (a type code, the
    issuer's public credit code, a sequential serial), so of a natural person's document it shows only
    that it exists and its status; the QR code's random token or the signed file — held only by those
    the license was shown to — also the masked name and the dates. An enterprise's registration facts
    are public by law whichever way it is asked."""
    if holder_kind == "enterprise":
        return "public"
    return "status" if by == "identifier" else "masked"


def problems(holders: Mapping[str, str]) -> list[str]:
    """What is wrong with the tables, given the catalog's license types (type code -> holder audience:
    ``individual`` or ``enterprise``)."""
    out = []
    for code in sorted(PRINTED.keys() | PUBLIC.keys()):
        if code not in holders:
            out.append(f"{code}: 目录中没有该证照类型")
    for code, wanted in sorted(PUBLIC.items()):
        if holders.get(code) == "individual" and wanted:
            out.append(f"{code}: 自然人证照不得公开任何字段")
        shown = {c for c, _ in PRINTED.get(code, ())}
        if code in PRINTED and not set(wanted) <= shown:
            out.append(f"{code}: 公开字段 {sorted(set(wanted) - shown)} 不在证照打印字段中")
    for code, layout in sorted(PRINTED.items()):
        codes = [c for c, _ in layout]
        if len(set(codes)) != len(codes):
            out.append(f"{code}: 打印字段重复")
    return out


# --- status, in the words people read --------------------------------------------------------------------

# A badge on a license: what a holder or a verifier reads (never the stored English code).
BADGES: dict[str, str] = {
    "valid": "有效",
    "revoked": "已撤销",
    "cancelled": "已注销",
    "expired": "已失效",  # declared so by the issuer; past its last day reads 已过期 (``badge``)
    "penalty_revoked": "已吊销",
}
# The history's action words.
ACTIONS: dict[str, str] = {
    "issue": "签发",
    "revoke": "撤销",
    "cancel": "注销",
    "expire": "宣告失效",
    "penalty_revoke": "吊销",
}


def badge(stored: str, valid_until: dt.date | None, today: dt.date) -> str:
    """The status word: 有效, 已过期 (past its last day), or what the issuer did to it."""
    if stored == "valid" and valid_until is not None and valid_until < today:
        return "已过期"
    return BADGES.get(stored, "状态未知")


def conclusion(
    authentic: bool, on_record: bool, stored: str | None, valid_until: dt.date | None, today: dt.date
) -> str:
    """A public check's answer in one phrase: 真实有效, 已注销, 已吊销, 已过期… or 核验未通过."""
    if not authentic or not on_record or stored is None:
        return "核验未通过"
    word = badge(stored, valid_until, today)
    return "真实有效" if word == "有效" else word
