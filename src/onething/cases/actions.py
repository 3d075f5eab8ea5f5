"""What a person may do next on a case or a task, and what each legal act will do, in words.

Pages read these instead of knowing states or roles: a button is shown when its action is here,
and an act that issues or ends a right (准予, 不予许可, 不予受理, 退回, 撤回) is confirmed on a
page (or a dialog) that states its consequence first.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from onething.cases import repository as repo
from onething.cases.context import case_guide, find_case, is_applicant, is_clerk, results_held
from onething.cases.workflow import Actor, IllegalTransition, case_move
from onething.identity.principal import Principal
from onething.kit.errors import NotFound

FINAL = "决定作出后不能撤回。"


def _allowed(status: str, action: str, actor: Actor) -> bool:
    try:
        case_move(status, action, actor)
    except IllegalTransition:
        return False
    return True


def case_actions(session: Session, principal: Principal, number: str) -> dict[str, str]:
    """The case acts open to this principal now, each with the sentence that says what it does."""
    case = find_case(session, principal, number)
    acts: dict[str, str] = {}
    if is_applicant(principal, case) and _allowed(case.status, "withdraw", Actor.applicant):
        running = "已受理的各部门审批将全部停止，" if case.accepted_at is not None else ""
        acts["withdraw"] = f"撤回「{case.thing_name}」的申请：本次申请终止，{running}如需办理须重新申请。"
    if is_clerk(principal, case) and _allowed(case.status, "accept", Actor.clerk):
        acts["accept"] = f"受理「{case.thing_name}」：各部门开始并联审批，办理时限自受理起计算。"
    if is_clerk(principal, case) and _allowed(case.status, "refuse", Actor.clerk):
        acts["refuse"] = (
            f"对「{case.thing_name}」作出不予受理决定：本次申请终止，申请人将收到不予受理决定和理由。{FINAL}"
        )
    return acts


def task_consequences(session: Session, principal: Principal, task_id: int) -> dict[str, str]:
    """What 准予, 不予 and 退回 will do to this task's case, for the confirmation."""
    task = repo.task_by_id(session, principal, task_id)
    if task is None:
        raise NotFound(f"没有您可办理的子件 {task_id}", field="id", code="task_not_found")
    case = repo.cases_by_id(session, {task.case_id})[task.case_id]
    _, guide = case_guide(session, case)
    item = next((i for i in guide.items if i.code == task.item_code), None)
    name = item.name if item else task.item_code
    result = item.result if item else None
    if task.kind == "verification":
        revoked = f"，《{result}》将被撤销" if result else ""
        return {
            "approve": f"核查通过「{name}」：申请人承诺属实，审批结果继续有效。{FINAL}",
            "reject": f"核查不通过「{name}」：依法撤销已作出的审批结果{revoked}，并告知申请人。{FINAL}",
            "return": f"退回综合窗口补正「{name}」：本事项暂停计时，申请人将收到一次性补正告知。",
        }
    if item and item.license_type and result:
        held = "（容缺材料补齐前暂缓发放）" if results_held(case) else ""
        issue = f"将签发《{result}》电子证照并推送至申请人证照夹{held}"
    elif result:
        issue = f"将作出《{result}》"
    else:
        issue = "本事项办结"
    return {
        "approve": f"准予「{name}」：{issue}。{FINAL}",
        "reject": f"不予许可「{name}」：本事项办结，申请人将收到不予许可决定和理由。{FINAL}",
        "return": f"退回综合窗口补正「{name}」：本事项暂停计时，申请人将收到一次性补正告知。",
    }
