"""好差评 rules (GB/T 39734/39735-2020, 国办发〔2019〕51号), pure: levels, dimensions by kind of
service, what a rating must say, and the bad-review loop as a state machine with its deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from onething.kit.calendar import WorkCalendar
from onething.kit.errors import Conflict, ValidationFailed

LEVELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_AT_MOST = 2  # 不满意 and 非常不满意 are 差评; the three others count as 好评


def is_bad(level: int) -> bool:
    return level <= BAD_AT_MOST


# The overall score is the level itself; these are the other dimensions by kind of service.
DIMENSIONS: dict[str, dict[str, str]] = {
    "online": {"efficiency": "办事效率", "guide": "指南准确性", "convenience": "办事便捷度", "usability": "平台易用性"},
    "in_person": {"efficiency": "办事效率", "service": "服务规范", "attitude": "服务态度"},
}
SERVICE_KINDS = {"online": "网上办理（一事一评）", "in_person": "窗口办理（一次一评）"}

GOOD_TAGS = ("一次办成", "材料精简", "办理快", "指引清楚", "态度热情", "操作便捷")
BAD_TAGS = ("多次跑动", "材料重复提交", "等候时间长", "办理超时", "指南不清楚", "态度不好", "系统不好用", "收费不合理")

RATING_CHANNELS: dict[str, str] = {
    "web": "政务服务网",
    "mobile": "移动端",
    "pad": "窗口评价器",
    "kiosk": "自助终端",
    "hotline": "12345 热线",
}
COMMENT_MAX = 500

OCCASION_STATES = {"open": "待评价", "rated": "已评价", "expired": "未评价", "default_good": "默认好评"}


@dataclass(frozen=True, slots=True)
class Rating:
    level: int
    scores: Mapping[str, int]
    tags: Sequence[str]
    comment: str | None
    channel: str


def check_rating(kind: str, r: Rating) -> None:
    """A rating as the standard asks: a level, every dimension of this kind of service scored 1–5,
    tags from the list that goes with the level, and a reason for a bad review."""
    if r.level not in LEVELS:
        raise ValidationFailed("请选择评价等级（1–5）", field="level", code="invalid_level")
    if r.channel not in RATING_CHANNELS:
        raise ValidationFailed(f"未知的评价渠道：{r.channel}", field="channel", code="invalid_channel")
    dims = DIMENSIONS[kind]
    for key in r.scores:
        if key not in dims:
            raise ValidationFailed(
                f"本次服务没有「{key}」这一评价维度", field=f"scores.{key}", code="unknown_dimension"
            )
    for key, name in dims.items():
        value = r.scores.get(key)
        if value is None:
            raise ValidationFailed(f"请为「{name}」打分", field=f"scores.{key}", code="score_missing")
        if value not in LEVELS:
            raise ValidationFailed(f"「{name}」的分值应为 1–5", field=f"scores.{key}", code="invalid_score")
    allowed = BAD_TAGS if is_bad(r.level) else GOOD_TAGS
    for tag in r.tags:
        if tag not in allowed:
            raise ValidationFailed(f"标签「{tag}」不适用于该评价等级", field="tags", code="invalid_tag")
    comment = (r.comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"评价内容不能超过 {COMMENT_MAX} 字", field="comment", code="comment_too_long")
    if is_bad(r.level) and not r.tags and not comment:
        raise ValidationFailed("差评请选择原因或写明意见，以便整改", field="comment", code="reason_required")


def closes_on(cal: WorkCalendar, day: dt.date, window_days: int) -> dt.date:
    """The last day a rating of an occasion on ``day`` is taken."""
    return cal.add_working_days(day, window_days)


class Step(StrEnum):
    """Where a rectification stands (差评整改)."""

    callback = "callback"  # 待回访核实
    classify = "classify"  # 待核实分类
    appealing = "appealing"  # 申诉审核中 (unfounded / malicious, for the supervisor)
    rectifying = "rectifying"  # 整改中
    answering = "answering"  # 已整改，待反馈
    answered = "answered"  # 已反馈，待追评
    closed = "closed"


STEP_NAMES: dict[str, str] = {
    Step.callback: "待回访核实",
    Step.classify: "待核实分类",
    Step.appealing: "申诉审核中",
    Step.rectifying: "整改中",
    Step.answering: "待反馈",
    Step.answered: "已反馈，待追评",
    Step.closed: "已办结",
}
OPEN_STEPS = frozenset(set(Step) - {Step.closed, Step.answered})

CLASSES: dict[str, str] = {"valid": "有效差评", "unfounded": "不实差评", "malicious": "恶意差评"}
ACTION_NAMES: dict[str, str] = {
    "enrol": "服务办结，开放评价",
    "rate": "评价",
    "expired": "评价期满未评价",
    "default_good": "评价期满，默认好评",
    "open": "差评转整改",
    "callback": "回访核实",
    "classify": "核实分类",
    "appeal_upheld": "申诉成立",
    "appeal_rejected": "申诉不成立，转整改",
    "rectify": "整改",
    "answer": "反馈评价人",
    "rerate": "追评",
    "close": "办结",
}


class Who(StrEnum):
    org = "org"  # the org that served the applicant
    supervisor = "supervisor"
    rater = "rater"
    system = "system"


_MOVES: dict[str, tuple[frozenset[Step], Who]] = {
    "callback": (frozenset({Step.callback}), Who.org),
    "classify": (frozenset({Step.classify}), Who.org),
    "appeal": (frozenset({Step.appealing}), Who.supervisor),
    "rectify": (frozenset({Step.rectifying}), Who.org),
    "answer": (frozenset({Step.answering}), Who.org),
    "rerate": (frozenset({Step.answered}), Who.rater),
    "close": (frozenset({Step.answered}), Who.system),
}


def next_step(action: str, current: str, *, classification: str | None = None, upheld: bool | None = None) -> Step:
    """The step after ``action`` from ``current``; Conflict (409) when the action is not for now."""
    sources, _ = _MOVES[action]
    if current not in sources:
        raise Conflict(
            f"当前环节为「{STEP_NAMES.get(current, current)}」，不能{ACTION_NAMES.get(action, action)}",
            field="status",
            code="illegal_step",
        )
    if action == "callback":
        return Step.classify
    if action == "classify":
        return Step.rectifying if classification == "valid" else Step.appealing
    if action == "appeal":
        return Step.closed if upheld else Step.rectifying
    if action == "rectify":
        return Step.answering
    if action == "answer":
        return Step.answered
    return Step.closed


def who_acts(action: str) -> Who:
    return _MOVES[action][1]


@dataclass(frozen=True, slots=True)
class Due:
    step: str  # callback | rectify
    due: dt.date


def current_due(status: str, callback_due: dt.date, rectify_due: dt.date) -> Due | None:
    """The deadline the open step runs against: the call-back first, then rectify-and-answer (the
    15 days count from the bad review, an appeal does not stop them)."""
    if status == Step.callback:
        return Due("callback", callback_due)
    if status in (Step.classify, Step.appealing, Step.rectifying, Step.answering):
        return Due("rectify", rectify_due)
    return None


def deadlines(cal: WorkCalendar, opened_on: dt.date, callback_days: int, rectify_days: int) -> tuple[dt.date, dt.date]:
    return cal.add_working_days(opened_on, callback_days), cal.add_working_days(opened_on, rectify_days)
