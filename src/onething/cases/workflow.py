"""The case workflow as a pure state machine: which action is legal in which state, for whom.

No database, no web, no clock: the service asks here before it changes a row, and writes the
event named by the transition in the same transaction. Illegal moves raise ``IllegalTransition``
(409) naming the state, so a client can tell "not now" from "not allowed" (403) and "bad input" (422).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from onething.kit.errors import Conflict


class CaseStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    correction_requested = "correction_requested"
    accepted = "accepted"
    processing = "processing"
    concluded = "concluded"
    delivered = "delivered"
    closed = "closed"
    refused = "refused"
    withdrawn = "withdrawn"


CASE_STATUS_NAMES: dict[str, str] = {
    CaseStatus.draft: "草稿",
    CaseStatus.submitted: "待受理",
    CaseStatus.correction_requested: "待补正",
    CaseStatus.accepted: "已受理",
    CaseStatus.processing: "办理中",
    CaseStatus.concluded: "已办结",
    CaseStatus.delivered: "已出件",
    CaseStatus.closed: "已归档",
    CaseStatus.refused: "不予受理",
    CaseStatus.withdrawn: "已撤回",
}


class TaskStatus(StrEnum):
    waiting = "waiting"  # prerequisites not yet approved
    pending = "pending"  # in the department's inbox
    claimed = "claimed"
    suspended = "suspended"  # special procedure: the clock stops
    returned = "returned"  # sent back through the window for correction: the clock stops
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"
    revoked = "revoked"  # approved under 告知承诺, then failed verification


TASK_STATUS_NAMES: dict[str, str] = {
    TaskStatus.waiting: "等待前序",
    TaskStatus.pending: "待认领",
    TaskStatus.claimed: "办理中",
    TaskStatus.suspended: "特别程序",
    TaskStatus.returned: "退回补正",
    TaskStatus.approved: "准予",
    TaskStatus.rejected: "不予",
    TaskStatus.cancelled: "已取消",
    TaskStatus.revoked: "已撤销",
}

OPEN_TASK = frozenset(
    {TaskStatus.waiting, TaskStatus.pending, TaskStatus.claimed, TaskStatus.suspended, TaskStatus.returned}
)
CLOCK_STOPPED = frozenset({TaskStatus.suspended, TaskStatus.returned})


class Actor(StrEnum):
    applicant = "applicant"
    clerk = "clerk"  # the receiving hall's window clerk
    approver = "approver"  # the task's department
    system = "system"  # consequences of other transitions


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    name: str  # 中文, for the timeline
    sources: frozenset[str]
    target: str | None  # None: the state does not change (an event only)
    actors: frozenset[Actor]


def _t(action: str, name: str, sources: Iterable[str], target: str | None, *actors: Actor) -> Transition:
    return Transition(action, name, frozenset(sources), target, frozenset(actors))


S = CaseStatus
_BEFORE_CONCLUSION = (S.draft, S.submitted, S.correction_requested, S.accepted, S.processing)
CASE_TRANSITIONS: Mapping[str, Transition] = {
    t.action: t
    for t in (
        _t("create", "创建草稿", (), S.draft, Actor.applicant, Actor.clerk),
        _t("save", "保存草稿", (S.draft, S.correction_requested), None, Actor.applicant, Actor.clerk),
        _t("submit", "提交申请", (S.draft,), S.submitted, Actor.applicant),
        _t("resubmit", "补正后重新提交", (S.correction_requested,), S.submitted, Actor.applicant),
        _t("accept", "受理", (S.submitted,), S.accepted, Actor.clerk),
        _t("accept_with_shortfall", "容缺受理", (S.submitted,), S.accepted, Actor.clerk),
        _t("request_correction", "一次性告知补正", (S.submitted,), S.correction_requested, Actor.clerk),
        _t("refuse", "不予受理", (S.submitted,), S.refused, Actor.clerk),
        _t("withdraw", "申请人撤回", _BEFORE_CONCLUSION, S.withdrawn, Actor.applicant),
        _t("start", "部门开始办理", (S.accepted,), S.processing, Actor.system),
        _t("task_returned", "部门退回补正", (S.accepted, S.processing), S.correction_requested, Actor.system),
        _t("correction_supplied", "补正后继续办理", (S.correction_requested,), S.processing, Actor.applicant),
        _t("correction_extended", "部门追加补正内容", (S.correction_requested,), None, Actor.system),
        _t(
            "supply_shortfall",
            "补齐容缺材料",
            (S.accepted, S.processing, S.correction_requested, S.concluded),
            None,
            Actor.applicant,
        ),
        # From correction_requested too: a failed verification can decide the last open task meanwhile.
        _t("conclude", "办结", (S.accepted, S.processing, S.correction_requested), S.concluded, Actor.system),
        _t("deliver", "出件", (S.concluded,), S.delivered, Actor.clerk),
        _t("close", "归档", (S.delivered,), S.closed, Actor.clerk, Actor.applicant, Actor.system),
        _t("result_revoked", "核查不通过，撤销审批结果", (S.concluded, S.delivered, S.closed), None, Actor.system),
    )
}

T = TaskStatus
TASK_TRANSITIONS: Mapping[str, Transition] = {
    t.action: t
    for t in (
        _t("dispatch", "分发至部门", (T.waiting,), T.pending, Actor.system),
        _t("claim", "认领", (T.pending,), T.claimed, Actor.approver),
        _t("approve", "准予", (T.claimed,), T.approved, Actor.approver),
        _t("reject", "不予", (T.claimed,), T.rejected, Actor.approver),
        _t("return", "退回综合窗口补正", (T.claimed,), T.returned, Actor.approver),
        _t("correction_supplied", "补正材料已提交", (T.returned,), T.claimed, Actor.system),
        _t("suspend", "进入特别程序", (T.claimed,), T.suspended, Actor.approver),
        _t("resume", "特别程序结束", (T.suspended,), T.claimed, Actor.approver),
        _t("cancel", "取消", OPEN_TASK, T.cancelled, Actor.system),
        _t("verify_pass", "核查通过", (T.claimed,), T.approved, Actor.approver),
        _t("verify_fail", "核查不通过", (T.claimed,), T.rejected, Actor.approver),
        _t("revoke", "撤销审批结果", (T.approved,), T.revoked, Actor.system),
    )
}

SUSPENSION_KINDS = {
    "hearing": "听证",
    "testing": "检验检测",
    "expert_review": "专家评审",
    "site_inspection": "现场勘验",
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def case_move(status: str, action: str, actor: Actor) -> Transition:
    """The transition for ``action`` from ``status`` by ``actor``, or IllegalTransition."""
    return _move(CASE_TRANSITIONS, CASE_STATUS_NAMES, "办件", status, action, actor)


def task_move(status: str, action: str, actor: Actor) -> Transition:
    return _move(TASK_TRANSITIONS, TASK_STATUS_NAMES, "子件", status, action, actor)


def _move(
    table: Mapping[str, Transition],
    names: Mapping[str, str],
    noun: str,
    status: str,
    action: str,
    actor: Actor,
) -> Transition:
    t = table.get(action)
    if t is None:
        raise IllegalTransition(f"未知的操作：{action}", field="action", code="unknown_action")
    if status not in t.sources:
        raise IllegalTransition(
            f"{noun}当前状态为「{names.get(status, status)}」，不能执行「{t.name}」",
            field="status",
        )
    if actor not in t.actors:
        raise IllegalTransition(f"「{t.name}」不能由此角色执行", field="action", code="wrong_actor")
    return t


def ready_to_dispatch(statuses: Mapping[str, str], after: Mapping[str, Sequence[str]]) -> list[str]:
    """Waiting tasks whose prerequisites are all approved: they go to their inboxes now."""
    return [
        item
        for item, status in statuses.items()
        if status == T.waiting and all(statuses.get(dep) == T.approved for dep in after.get(item, ()))
    ]


def blocked(statuses: Mapping[str, str], after: Mapping[str, Sequence[str]]) -> list[str]:
    """Open tasks that can never start: some prerequisite, directly or through others, ended
    without approval. They are cancelled with the reason."""
    dead = {item for item, s in statuses.items() if s in (T.rejected, T.cancelled, T.revoked)}
    changed = True
    while changed:
        changed = False
        for item, s in statuses.items():
            if item not in dead and s in OPEN_TASK and any(dep in dead for dep in after.get(item, ())):
                dead.add(item)
                changed = True
    return [item for item in statuses if item in dead and statuses[item] in OPEN_TASK]


def outcome(statuses: Iterable[str]) -> str | None:
    """The case's result once every task is decided: None while any is open."""
    decided = list(statuses)
    if not decided or any(s in OPEN_TASK for s in decided):
        return None
    approved = sum(1 for s in decided if s == T.approved)
    if approved == len(decided):
        return "approved"
    return "partly_approved" if approved else "rejected"


OUTCOME_NAMES = {"approved": "全部准予", "partly_approved": "部分准予", "rejected": "不予办理"}
