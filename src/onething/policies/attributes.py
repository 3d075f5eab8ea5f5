"""What a policy condition may read about an enterprise: every attribute, its type, its label and its source.

The rule language sees these names and nothing else. A value is ``None`` when the data-holding department has
not supplied it; a condition that reads such a value is *unknown*, never silently false. ``licenses`` is the
exception: the license library is ours, so "holds none" is a known empty list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# The types of the rule language (a subset of CEL's).
INT: Final = "int"
DOUBLE: Final = "double"
STRING: Final = "string"
BOOL: Final = "bool"
STRINGS: Final = "list<string>"
INTS: Final = "list<int>"
DOUBLES: Final = "list<double>"
TYPES: Final = frozenset({INT, DOUBLE, STRING, BOOL, STRINGS, INTS, DOUBLES})
TYPE_NAMES: Final = {
    INT: "整数",
    DOUBLE: "小数",
    STRING: "文字",
    BOOL: "是/否",
    STRINGS: "文字列表",
    INTS: "整数列表",
    DOUBLES: "小数列表",
}


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    type: str
    label: str  # what people read beside the enterprise's figure on the "why / why not" page: no codes
    source: str  # the department whose data it is
    unit: str = ""


_BASE = "法人库（市场监管）"
_STATS = "统计局"
_TAX = "税务局"
_HR = "人力资源和社会保障局"

ATTRIBUTES: Final[dict[str, Attribute]] = {
    a.name: a
    for a in (
        Attribute("credit_code", STRING, "统一社会信用代码", _BASE),
        Attribute("region", STRING, "注册地", _BASE),
        Attribute("industry", STRING, "所属行业", _BASE),
        Attribute("enterprise_type", STRING, "市场主体类型", _BASE),
        Attribute("status", STRING, "登记状态", _BASE),
        Attribute("registered_capital", DOUBLE, "注册资本", _BASE, "万元"),
        Attribute("founded_year", INT, "成立年份", _BASE, "年"),
        Attribute("years_operating", INT, "成立年限", _BASE, "年"),
        Attribute("staff_count", INT, "从业人数", _BASE, "人"),
        Attribute("scale", STRING, "企业规模", _STATS),
        Attribute("revenue", DOUBLE, "上年度营业收入", _STATS, "万元"),
        Attribute("above_scale", BOOL, "规模以上企业", _STATS),
        Attribute("above_scale_year", INT, "首次纳入规模以上统计的年份", _STATS, "年"),
        Attribute("tax_paid", DOUBLE, "上年度实缴税额", _TAX, "万元"),
        Attribute("tax_credit", STRING, "纳税信用等级", _TAX),
        Attribute("rd_expense", DOUBLE, "上年度研发费用", _TAX, "万元"),
        Attribute("insured_staff", INT, "参保职工人数", _HR, "人"),
        Attribute("social_insurance_paid", DOUBLE, "上年度单位缴纳社会保险费", _HR, "万元"),
        Attribute("unemployment_insurance_paid", DOUBLE, "上年度单位缴纳失业保险费", _HR, "万元"),
        Attribute("new_hires", INT, "上年度新增参保就业人数", _HR, "人"),
        Attribute("key_group_hires", INT, "上年度吸纳重点群体就业人数", _HR, "人"),
        Attribute("layoff_rate", DOUBLE, "上年度裁员率", _HR, "%"),
        Attribute("guaranteed_loan", DOUBLE, "创业担保贷款余额", "人民银行", "万元"),
        Attribute("high_tech", BOOL, "高新技术企业（证书在有效期内）", "科学技术厅"),
        Attribute("specialized", BOOL, "专精特新中小企业", "工业和信息化厅"),
        Attribute("export_value", DOUBLE, "上年度出口额", "商务厅", "万美元"),
        Attribute("dishonest", BOOL, "列入严重失信主体名单", "社会信用体系建设牵头部门"),
        Attribute("major_violation", BOOL, "上年度有重大违法违规记录", "市场监管、生态环境、应急管理等部门"),
        Attribute("licenses", STRINGS, "持有的有效电子证照", "电子证照库"),
    )
}

# Attributes that can never be unknown (a missing one is a data error, not a third outcome).
ALWAYS_KNOWN: Final = frozenset({"credit_code", "licenses"})
