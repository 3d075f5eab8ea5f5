"""What an applicant is told about their cases (消息): corrections asked for, shortfalls to supply,
acceptance, results and refusals, newest first. Read from the case events, so nothing is sent twice or
lost; each message links to the case, where the full notice is."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onething.cases import repository as repo
from onething.cases.workflow import OUTCOME_NAMES, CaseStatus
from onething.identity.principal import Principal
from onething.kit.masking import mask_text
from onething.models import CaseEvent

_CONCLUDED = {
    "approved": "办理结果与电子证照已生成",
    "partly_approved": "部分事项准予，请查看各部门意见",
    "rejected": "申请未获准予，请查看各部门意见",
}

# action -> (kind shown as a badge, the sentence for the applicant)
TOLD: dict[str, tuple[str, str]] = {
    "request_correction": ("补正", "需要补正：请按一次性补正告知一次补齐后重新提交"),
    "task_returned": ("补正", "审批部门退回补正：请按告知内容补齐"),
    "correction_extended": ("补正", "审批部门追加了补正内容"),
    "accept_with_shortfall": ("容缺", "已容缺受理：请在期限内补齐容缺材料，补齐前审批结果暂缓发放"),
    "accept": ("受理", "申请已受理，各部门并联办理中"),
    "refuse": ("不予受理", "申请不予受理，请查看理由"),
    "conclude": ("办结", "已办结"),  # the outcome is added (see _text)
    "deliver": ("出件", "办理结果已交付"),
    "result_revoked": ("撤销", "核查不通过，审批结果已撤销"),
}


class MessageOut(BaseModel):
    at: dt.datetime
    kind: str
    text: str
    comment: str | None
    case_number: str
    thing_name: str
    unread: bool = False


class TodoOut(BaseModel):
    """Something the applicant has to do (我的待办), with the date it is due by when there is one."""

    kind: str
    text: str
    due: dt.date | None
    case_number: str
    thing_name: str


def _text(event: CaseEvent) -> str:
    text = TOLD[event.action][1]
    if event.action != "conclude":
        return text
    result = str((event.detail or {}).get("outcome") or "")
    return f"{text}（{OUTCOME_NAMES.get(result, '—')}）：{_CONCLUDED.get(result, '请查看办理结果')}"


def for_applicant(session: Session, principal: Principal, limit: int = 100) -> list[MessageOut]:
    """The messages, newest first, those not seen before marked unread; reading them marks them seen."""
    rows = repo.applicant_events(session, principal, TOLD, limit)
    seen = repo.messages_seen(session, principal.user_id) if principal.user_id else 0
    if rows and principal.user_id:
        repo.mark_messages_seen(session, principal.user_id, max(event.id for event, _, _ in rows))
    return [
        MessageOut(
            at=event.at,
            kind=TOLD[event.action][0],
            text=_text(event),
            # Staff write these notes freely: a list never shows an ID number or phone in full.
            comment=mask_text(event.comment) if event.comment else None,
            case_number=number,
            thing_name=thing_name,
            unread=event.id > seen,
        )
        for event, number, thing_name in rows
    ]


def unread(session: Session, principal: Principal) -> int:
    """How many messages the applicant has not seen yet (the mark beside 消息)."""
    if principal.user_id is None or principal.kind != "citizen":
        return 0
    return repo.unseen_events(session, principal, TOLD, repo.messages_seen(session, principal.user_id))


def todo(session: Session, principal: Principal) -> list[TodoOut]:
    """我的待办: corrections to make and tolerated materials to supply, the most pressing first."""
    items: list[TodoOut] = []
    for case in repo.waiting_on_applicant(session, principal):
        if case.status == CaseStatus.correction_requested:
            asked = (case.correction or {}).get("items") or []
            items.append(
                TodoOut(
                    kind="补正",
                    text=f"按一次性补正告知补齐 {len(asked)} 项后重新提交" if asked else "按补正告知补齐后重新提交",
                    due=None,
                    case_number=case.number,
                    thing_name=case.thing_name,
                )
            )
        if case.shortfall and not case.shortfall.get("supplied_on"):
            due = case.shortfall.get("due")
            items.append(
                TodoOut(
                    kind="容缺",
                    text=f"补齐容缺材料：{'、'.join(case.shortfall.get('names') or [])}",
                    due=dt.date.fromisoformat(due) if due else None,
                    case_number=case.number,
                    thing_name=case.thing_name,
                )
            )
        if case.status == CaseStatus.delivered:
            items.append(
                TodoOut(
                    kind="确认",
                    text="确认已收到办理结果",
                    due=None,
                    case_number=case.number,
                    thing_name=case.thing_name,
                )
            )
    return sorted(items, key=lambda t: (t.due is None, t.due or dt.date.max))
