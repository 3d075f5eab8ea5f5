"""Policy text for people: each condition in plain Chinese with the day's parameter values, the enterprise's
own figures beside it (region and license names, not codes), and the check that words read as words.

Pure: the names of regions and licenses come in as ``Names`` (the service reads them from the catalog). Rule
text (CEL) is for policy staff only; everything here is what the public reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from onething.policies.attributes import ATTRIBUTES
from onething.policies.engine import REGION_CONDITION, Outcome, Policy, Verdict, region_prefix

# {name} or {name:%}: a parameter's value on the day (":%" shows a ratio as a percentage).
_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")
_PARAM: Final = re.compile(r"^([a-z][a-z0-9_]*)(:%)?$")
_HAN: Final = re.compile(r"[\u4e00-\u9fff]")
# What gives rule text away in words meant for people: operators, quotes, calls, snake_case or attribute
# names. ASCII look-arounds, not \b: a Chinese character counts as a word character to ``re``.
_ASCII_WORD: Final = "(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"
_CODE: Final = re.compile(
    r"==|!=|&&|\|\||<=|>=|[<>!?\"'`;]|[A-Za-z_][A-Za-z0-9_]*\s*[(.]|"
    + _ASCII_WORD.format("[A-Za-z]+_[A-Za-z_]+")
    + "|"
    + _ASCII_WORD.format("(?:" + "|".join(sorted(ATTRIBUTES, key=len, reverse=True)) + ")")
)

# GB/T 4754-2017 国民经济行业分类, the sections (门类) an industry code starts with.
INDUSTRY_SECTIONS: Final = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


@dataclass(frozen=True)
class Names:
    """Names people know things by: regions (code → 株洲市荷塘区) and license types (code → 食品经营许可证)."""

    regions: Mapping[str, str] = field(default_factory=dict)
    licenses: Mapping[str, str] = field(default_factory=dict)

    def region(self, code: str) -> str:
        return self.regions.get(code) or f"行政区划 {code}"

    def license(self, code: str) -> str:
        return self.licenses.get(code) or "其他证照"


def faults(words: str, params: Collection[str]) -> list[str]:
    """Why ``words`` are not fit for the public: no Chinese, rule text, or a placeholder naming no parameter."""
    out = []
    for found in _PLACEHOLDER.findall(words):
        match = _PARAM.match(found)
        if match is None or match.group(1) not in params:
            out.append(f"{{{found}}} 不是本政策的参数（可写 {{参数名}} 或 {{参数名:%}}）")
    bare = _PLACEHOLDER.sub("", words)
    if "{" in bare or "}" in bare:
        out.append("花括号只用于 {参数名}")
    if not _HAN.search(bare):
        out.append("应为中文表述")
    code = _CODE.search(bare)
    if code is not None:
        out.append(f"含有规则代码“{code.group(0)}”，请用中文写明条件")
    return out


def number(value: Any) -> str:
    """A figure as people write it: 1,280 · 0.42 · 2025 (whole numbers stay plain: they are often years)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return "、".join(number(v) for v in value)
    return str(value)


def percent(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(round(float(value) * 100, 6)) + "%"
    return number(value)


def param_value(value: Any, unit: str) -> str:
    """A parameter's value with its unit; a ratio without a unit (0.6) reads as a percentage (60%)."""
    if unit == "%":
        return number(value) + "%"
    if not unit and isinstance(value, float) and 0 < abs(value) < 1:
        return percent(value)
    return number(value) + (f" {unit}" if unit else "")


def fill(words: str, params: Mapping[str, Any]) -> str:
    """The words with each {param} replaced by its value (validation has made sure every name exists)."""

    def one(match: re.Match[str]) -> str:
        found = _PARAM.match(match.group(1))
        if found is None or found.group(1) not in params:
            return match.group(0)
        value = params[found.group(1)]
        return percent(value) if found.group(2) else number(value)

    return _PLACEHOLDER.sub(one, words)


def condition_words(policy: Policy, index: int, day: dt.date, names: Names) -> str:
    """What people read for the policy's ``index``-th condition on ``day``."""
    cond = policy.conditions[index]
    if index == 0 and cond.name == REGION_CONDITION:
        return f"企业注册地在{names.region(policy.spec.region)}"
    if cond.words is None:  # a version stored before words were required: its name is Chinese too
        return cond.name
    return fill(cond.words, policy.params_on(day))


def figure(name: str, value: Any, names: Names) -> str:
    """One of the enterprise's own figures, labelled: 上年度营业收入 1,280 万元 · 注册地：株洲市荷塘区."""
    attribute = ATTRIBUTES.get(name)
    label = attribute.label if attribute else "其他数据"
    if value is None:
        return f"{label}：暂无数据（{attribute.source if attribute else '数据部门'}未提供）"
    if name == "region":
        return f"{label}：{names.region(str(value))}"
    if name == "industry":
        section = INDUSTRY_SECTIONS.get(str(value)[:1], "其他行业")
        return f"{label}：{section}（行业代码 {value}）"
    if name == "licenses":
        held = [names.license(str(v)) for v in value]
        return f"{label}：{'、'.join(held) if held else '无'}"
    if name == "tax_credit":
        return f"{label}：{value} 级"
    if isinstance(value, bool | str):
        return f"{label}：{number(value)}"
    unit = attribute.unit if attribute else ""
    if unit == "%":
        return f"{label} {number(value)}%"
    return f"{label} {number(value)}{' ' + unit if unit else ''}"


@dataclass(frozen=True)
class Line:
    """One condition as a page shows it: the words, the enterprise's figures, the outcome, and (for policy
    staff only) its name and rule."""

    words: str
    figures: tuple[str, ...]
    outcome: Outcome
    name: str
    rule: str


def lines(policy: Policy, verdict: Verdict, day: dt.date, names: Names) -> list[Line]:
    """Each condition of ``verdict`` (evaluated on ``day``) in words with the enterprise's figures."""
    out = []
    for index, result in enumerate(verdict.conditions):
        figures = tuple(figure(name, value, names) for name, value in result.values)
        words = condition_words(policy, index, day, names)
        out.append(Line(words, figures, result.outcome, result.name, result.text))
    return out


def applies(policy_region: str, enterprise_region: str | None) -> bool:
    """Whether a policy of ``policy_region`` covers an enterprise registered in ``enterprise_region``."""
    return enterprise_region is not None and enterprise_region.startswith(region_prefix(policy_region))


def duration(days: int | None) -> str:
    """A promised time as people say it: 0 working days is 即办."""
    if days is None:
        return "—"
    return "即办" if days == 0 else f"{days} 个工作日"
