"""A case as its applicant lives it: five steps (提交 → 受理 → 各部门审批 → 办结 → 领证) and each
department's state in the applicant's words, not the staff's (待认领 means nothing to a citizen).

Pure: statuses in, words out. Pages read these; no template knows a state name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onething.cases.workflow import CaseStatus as S
from onething.cases.workflow import TaskStatus as T

STEPS = ("提交", "受理", "各部门审批", "办结", "领证")


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    state: str  # done | current | todo | stopped
    note: str = ""


# How far each status has come (the index of the current step) and what to say there.
_AT: dict[str, tuple[int, str]] = {
    S.draft: (0, "填写中，尚未提交"),
    S.submitted: (1, "综合窗口审核中"),
    S.accepted: (2, "各部门同时审批中"),
    S.processing: (2, "各部门同时审批中"),
    S.concluded: (4, "已办结，待领取结果"),
    S.delivered: (4, "结果已交付，请确认收到"),
}


def steps(status: str, accepted: bool, outcome: str | None = None) -> list[Step]:
    """The five steps with the current one marked; a refused or withdrawn case stops where it ended."""
    if status == S.closed:
        return [Step(name, "done") for name in STEPS]
    mark = "current"
    if status == S.correction_requested:
        at, note = (2, "需要您补正，补正期间不计时") if accepted else (1, "需要您补正后重新提交")
    elif status in (S.refused, S.withdrawn):
        at, mark = (2 if accepted else 1), "stopped"
        note = "不予受理，办理终止" if status == S.refused else "申请已撤回，办理终止"
    elif status in (S.concluded, S.delivered) and outcome == "rejected":
        at, mark, note = 3, "stopped", "已办结：不予许可"
    else:
        at, note = _AT.get(status, (0, ""))
    return [
        Step(name, "done" if i < at else mark if i == at else "todo", note if i == at else "")
        for i, name in enumerate(STEPS)
    ]


_TASK_WORDS = {
    T.waiting: "等前序事项办结后开始",
    T.pending: "已分送部门，等待办理",
    T.claimed: "审批中",
    T.suspended: "特别程序中，暂停计时",
    T.returned: "需要您补正",
    T.approved: "已准予",
    T.rejected: "不予许可",
    T.cancelled: "已取消",
    T.revoked: "审批结果已撤销",
}


def task_words(status: str) -> str:
    """A department's state as the applicant would say it."""
    return _TASK_WORDS.get(T(status), status) if status in T.__members__ else status


def waited(since: dt.datetime | None, now: dt.datetime) -> str:
    """How long a submitted case has waited, in words a clerk reads at a glance."""
    if since is None:
        return "—"
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 24 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"
