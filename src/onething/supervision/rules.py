"""Supervision rules, pure: names of cards and steps, and the evaluation rates with the definitions
shown next to every figure. (The colour of a deadline is decided in SQL by ``scan``.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LEVEL_NAMES = {"yellow": "黄牌", "red": "红牌"}
STEP_NAMES = {
    "approve": "部门审批",
    "conclude": "办件办结",
    "callback": "差评回访核实",
    "rectify": "差评整改反馈",
    "appeal": "差评申诉审核",
}


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    name: str
    unit: str  # "" for counts, "%" for rates, "分" for scores
    definition: str


# The counters summed from occasions (one row each in evaluations, or the daily rollup).
COUNTERS = (
    "occasions",
    "rated",
    "good",
    "bad",
    "level_sum",
    "default_good",
    "real_name_bad",
    "called_back",
    "appeal_upheld",
    "rectified",
)

MEASURES: tuple[Measure, ...] = (
    Measure("occasions", "服务量", "", "统计期内办结（或完成窗口服务）的服务次数，一事一评、一次一评各计一次"),
    Measure("rated", "评价数", "", "服务量中办事人主动作出评价的次数（不含默认好评）"),
    Measure("rating_rate", "实际评价率", "%", "评价数 ÷ 服务量"),
    Measure("good_rate", "好评率", "%", "好评数（非常满意、满意、基本满意）÷ 评价数"),
    Measure("bad_rate", "差评率", "%", "差评数（不满意、非常不满意）÷ 评价数"),
    Measure(
        "rectification_rate",
        "差评整改率",
        "%",
        "已整改并反馈的差评数 ÷（差评数 − 申诉成立的不实、恶意差评数）",
    ),
    Measure("callback_rate", "实名差评回访率", "%", "已回访核实的实名差评数 ÷ 实名差评数"),
    Measure("average", "平均分", "分", "评价等级的平均值：非常满意 5 分 … 非常不满意 1 分"),
    Measure("default_good", "默认好评", "", "评价期满未评价、按本省规定计为满意的次数，单列，不计入评价数"),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}


def _ratio(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 2) if den else None


def rates(c: Mapping[str, int]) -> dict[str, float | int | None]:
    """Every measure from the summed counters; a rate with nothing to divide by is None (shown —)."""
    valid_bad = c["bad"] - c["appeal_upheld"]
    return {
        "occasions": c["occasions"],
        "rated": c["rated"],
        "rating_rate": _ratio(c["rated"], c["occasions"]),
        "good_rate": _ratio(c["good"], c["rated"]),
        "bad_rate": _ratio(c["bad"], c["rated"]),
        "rectification_rate": _ratio(c["rectified"], valid_bad),
        "callback_rate": _ratio(c["called_back"], c["real_name_bad"]),
        "average": round(c["level_sum"] / c["rated"], 2) if c["rated"] else None,
        "default_good": c["default_good"],
    }
