"""What an applicant is told about their cases (消息): corrections asked for, shortfalls to supply,
acceptance, results and refusals, newest first. Read from the case events, so nothing is sent twice or
lost; each message links to the case, where the full notice is."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onething.cases import repository as repo
from onething.cases.workflow import OUTCOME_NAMES
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


def _text(event: CaseEvent) -> str:
    text = TOLD[event.action][1]
    if event.action != "conclude":
        return text
    result = str((event.detail or {}).get("outcome") or "")
    return f"{text}（{OUTCOME_NAMES.get(result, '—')}）：{_CONCLUDED.get(result, '请查看办理结果')}"


def for_applicant(session: Session, principal: Principal, limit: int = 100) -> list[MessageOut]:
    rows = repo.applicant_events(session, principal, TOLD, limit)
    return [
        MessageOut(
            at=event.at,
            kind=TOLD[event.action][0],
            text=_text(event),
            # Staff write these notes freely: a list never shows an ID number or phone in full.
            comment=mask_text(event.comment) if event.comment else None,
            case_number=number,
            thing_name=thing_name,
        )
        for event, number, thing_name in rows
    ]
