"""Validators for the standard data elements. Each returns the normalised value or raises
``InvalidValue`` whose message says what is wrong, in Chinese, without echoing the full value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from onething.kit import clock
from onething.kit.errors import ValidationFailed

# Every database id is a positive INTEGER (int4 on PostgreSQL; the audit log's BIGINT ids stay far below it
# for a long time). Checked at the schema, an id of 2**31 or -1 is a 422 naming the parameter instead of an
# OverflowError (SQLite) or an out-of-range error (PostgreSQL, a misleading 503) deep in a query.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id (path, query, form or body): ``order_id: Id``, ``after: Id | None = None``."""
Offset = Annotated[int, Field(ge=0, le=MAX_ID)]
"""How many rows to skip; bounded like an id so it always fits the database's integer."""
Limit = Annotated[int, Field(ge=1, le=200)]
"""How many rows one page may hold (``kit.pagination.MAX_LIMIT``)."""

# Invisible controls no text field has a use for (see ``kit.textguard``, which refuses them at the edge):
# C0 but tab, LF and CR; DEL and C1; the Arabic letter mark and every bidi mark, embedding, override and
# isolate; zero-width space, joiners and the word joiner; the byte-order mark; lone surrogates (valid in
# JSON's \ud800 escapes, not encodable in UTF-8, so no database can store them).
CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)


def has_controls(text: str) -> bool:
    return CONTROLS.search(text) is not None


def strip_controls(text: str) -> str:
    """``text`` without those characters: for showing what was stored before they were refused."""
    return CONTROLS.sub("", text)


class InvalidValue(ValueError):
    pass


Check = Callable[[str], str]


def checked(check: Check, value: str, field: str) -> str:
    """``check(value)`` for a service: a refusal becomes a 422 on ``field`` with the same reason."""
    try:
        return check(value)
    except InvalidValue as exc:
        raise ValidationFailed(str(exc), field=field) from None


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# First two digits of GB/T 2260 province-level codes (incl. Taiwan, Hong Kong, Macao).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def id_number_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _ascii(value: str, what: str) -> str:
    # Full-width digits pass str.isdigit(); standard codes are ASCII only.
    if not value.isascii():
        raise InvalidValue(f"{what}只能包含半角字母和数字")
    return value


def id_number(value: str, *, today: dt.date | None = None) -> str:
    """Resident ID number (GB 11643): 18 characters, a real region and birth date, MOD 11-2."""
    v = _ascii(value.strip(), "公民身份号码").upper()
    if len(v) != 18:
        raise InvalidValue(f"公民身份号码应为 18 位，实际为 {len(v)} 位")
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        raise InvalidValue("公民身份号码前 17 位应为数字，最后一位为数字或 X")
    if v[:2] not in _PROVINCES:
        raise InvalidValue("公民身份号码的地址码不是有效的省级行政区划")
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise InvalidValue("公民身份号码中的出生日期不存在") from None
    if born > (today or clock.today()) or born.year < 1900:
        raise InvalidValue("公民身份号码中的出生日期不合理")
    if id_number_check_char(v[:17]) != v[17]:
        raise InvalidValue("公民身份号码校验码不正确，请核对是否输错")
    return v


def birth_date_from_id(value: str) -> dt.date:
    v = id_number(value)
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def gender_from_id(value: str) -> str:
    """``male`` or ``female``: the 17th digit is odd for men."""
    return "male" if int(id_number(value)[16]) % 2 else "female"


CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code (the credit code's 9th-17th)


def org_code_check_char(body: str) -> str:
    """GB 11714 MOD 11 check of an 8-character organisation code body (A=10 … Z=35)."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, ORG_CODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code(value: str) -> str:
    """Unified social credit code (GB 32100): 18 characters of the 31-letter set, MOD 31 check."""
    v = _ascii(value.strip(), "统一社会信用代码").upper()
    if len(v) != 18:
        raise InvalidValue(f"统一社会信用代码应为 18 位，实际为 {len(v)} 位")
    bad = sorted({c for c in v if c not in CREDIT_CHARS})
    if bad:
        raise InvalidValue(f"统一社会信用代码含有不允许的字符 {''.join(bad)}（不使用 I、O、Z、S、V）")
    if not v[2:8].isdigit():
        raise InvalidValue("统一社会信用代码第 3–8 位应为登记管理机关行政区划码")
    if credit_code_check_char(v[:17]) != v[17]:
        raise InvalidValue("统一社会信用代码校验码不正确，请核对是否输错")
    return v


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?$")
_POSTAL = re.compile(r"^[0-9]{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_REGION = re.compile(r"^[0-9]{6}$")


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", value.strip())


_COUNTRY = re.compile(r"^(\+|00)86")


def mobile(value: str) -> str:
    """A mainland mobile as its 11 digits: "+86 138 0731 0021", "0086-13807310021" and "138-0731-0021"
    are all stored as "13807310021", so one person's number is one value to search and to text."""
    v = _COUNTRY.sub("", _compact(value))
    if not _MOBILE.match(v):
        raise InvalidValue("手机号码应为 11 位数字，以 1 开头")
    return v


def phone(value: str) -> str:
    """A mobile number (as ``mobile``) or a landline with its area code, spaces dropped ("0731-88888888")."""
    try:
        return mobile(value)
    except InvalidValue:
        v = _COUNTRY.sub("0", re.sub(r"\s", "", value.strip()))
        if _LANDLINE.match(v):
            return v
        raise InvalidValue("电话号码应为手机号码，或带区号的固定电话（如 0731-88888888）") from None


def postal_code(value: str) -> str:
    v = value.strip()
    if not _POSTAL.match(v):
        raise InvalidValue("邮政编码应为 6 位数字")
    return v


def email(value: str) -> str:
    v = value.strip()
    if not _EMAIL.match(v):
        raise InvalidValue("电子邮箱格式不正确")
    return v


def region_code(value: str) -> str:
    v = value.strip()
    if not _REGION.match(v) or v[:2] not in _PROVINCES:
        raise InvalidValue("行政区划代码应为 6 位数字（GB/T 2260）")
    return v


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
EARLIEST = dt.date(1900, 1, 1)
FUTURE_YEARS = 100


def date(value: str, *, past: bool = False, today: dt.date | None = None) -> dt.date:
    """A calendar date "YYYY-MM-DD" that can mean something here: not before 1900, not more than a
    century ahead, and with ``past`` (a birth, a decision already taken) not after today."""
    if not _ISO_DATE.match(value):
        raise InvalidValue("应为有效日期，格式 YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidValue("应为有效日期，格式 YYYY-MM-DD") from None
    now = today or clock.today()
    if day < EARLIEST:
        raise InvalidValue("日期不能早于 1900-01-01")
    if past and day > now:
        raise InvalidValue("日期不能晚于今天")
    if day.year > now.year + FUTURE_YEARS:
        raise InvalidValue(f"日期不能晚于 {FUTURE_YEARS} 年之后")
    return day


def money(value: float | int) -> Decimal:
    """An amount in yuan: not negative, at most two decimals (fen)."""
    amount = Decimal(str(value))
    if amount < 0:
        raise InvalidValue("金额不能为负数")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidValue("金额最多保留两位小数（精确到分）")
    return amount


FORMATS = {
    "id_number": id_number,
    "credit_code": credit_code,
    "mobile": mobile,
    "phone": phone,
    "postal_code": postal_code,
    "email": email,
    "region_code": region_code,
}
