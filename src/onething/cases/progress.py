"""办件进度查询 without login: anyone with a case's number and the last 6 characters of its applicant's
ID number (or of the enterprise's credit code) learns how far the case has got — the thing's name, its
state and each department's in the applicant's words, the promised date. Nothing else: no names, no
ID numbers, no addresses, no staff opinions or notes.

A wrong number and a wrong code get the same answer (:data:`NOT_FOUND`), so the check does not tell
whether a case exists. Guessing is throttled with the login's limiter (``login_failures``, its queries
and window): every failed check is a row keyed by the case number (a keyed hash) and tagged with the
client (a keyed hash of the address, so it never counts against a login from that address, nor a login
failure against this check). A client gets :data:`CLIENT_FAILURES` failures per window, a case number
:data:`CASE_FAILURES` from all clients together (more than one client can spend, so one flooding client
never locks anyone else out). While over either limit every check is refused before the case is even
read — a right answer too, or the refusal would still be an oracle — and refusals write nothing, so a
flood costs two indexed counts per request and no writes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onething.cases import progress_repository
from onething.cases import repository as repo
from onething.cases.department import projected_deadline
from onething.cases.workflow import OUTCOME_NAMES, SUSPENSION_KINDS, CaseStatus, TaskStatus
from onething.identity import repository as identity_repo
from onething.kit import clock, signing
from onething.kit.errors import NotFound, TooManyRequests, ValidationFailed
from onething.kit.settings import get_settings
from onething.models import Case, LoginFailure, Task

CODE_LENGTH = 6
MAX_TYPED = 40  # what a form or a JSON body may carry per field (spaces included); longer is garbage
CLIENT_FAILURES = 10
CASE_FAILURES = 20
NOT_FOUND = "未查到该办件的办理进度。请核对办件编号，以及申请人公民身份号码（企业为统一社会信用代码）的后 6 位。"

_NUMBER = re.compile(r"[0-9]{20}")  # <region 6><yyyymmdd><sequence 6>
_CODE = re.compile(r"[0-9A-Z]{6}")  # an ID number's tail (digits, X) or a credit code's (GB 32100 letters)
_SPACES = re.compile(r"\s+")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, Field(max_length=MAX_TYPED, description="办件编号（20 位数字）")]
    code: Annotated[str, Field(max_length=MAX_TYPED, description="申请人公民身份号码或企业统一社会信用代码的后 6 位")]


StateCode = Literal["waiting", "in_progress", "correction", "suspended", "done", "not_granted", "stopped"]


class DepartmentProgress(BaseModel):
    item: str  # 事项
    department: str
    state: StateCode
    state_text: str  # in the applicant's words: 审批中, 已办结（准予）, 待补正…


class ProgressOut(BaseModel):
    number: str
    thing_name: str
    status: str  # the case's status code (workflow.CaseStatus)
    status_text: str  # in the applicant's words
    outcome: str | None  # once concluded: approved | partly_approved | rejected
    next_step: str  # what happens now, or what the applicant should do
    promised_date: dt.date | None  # 承诺办结日; None before acceptance
    concluded_on: dt.date | None
    departments: list[DepartmentProgress]


# The case in the applicant's words: (status, what happens now). Staff words (待认领, 已归档…) stay inside.
_CASE_WORDS: dict[str, tuple[str, str]] = {
    CaseStatus.draft: ("尚未提交", "申请还在填写中，提交后由综合窗口受理。"),
    CaseStatus.submitted: ("待受理", "申请已提交，正在等待综合窗口受理。"),
    CaseStatus.correction_requested: (
        "待补正",
        "需要补正材料或表单：请登录平台查看一次性补正告知书，一次补齐后重新提交。补正期间不计入办理时限。",
    ),
    CaseStatus.accepted: ("已受理", "申请已受理，相关部门正在并联审批。"),
    CaseStatus.processing: ("审批中", "相关部门正在并联审批。"),
    CaseStatus.concluded: ("已办结", "已办结，请按选择的方式领取办理结果。"),
    CaseStatus.delivered: ("已办结", "已办结，办理结果已寄出或交付，请注意查收。"),
    CaseStatus.closed: ("已办结", "已办结，办理结果已交付。"),
    CaseStatus.refused: ("不予受理", "申请不予受理：理由请登录平台查看不予受理告知。"),
    CaseStatus.withdrawn: ("已撤回", "申请已撤回。"),
}
_CONCLUDED = frozenset({CaseStatus.concluded, CaseStatus.delivered, CaseStatus.closed})
_RUNNING = frozenset({CaseStatus.accepted, CaseStatus.processing, CaseStatus.correction_requested})
# A department's task in the applicant's words. 待认领 and 办理中 are the same to the applicant: 审批中.
_TASK_WORDS: dict[str, tuple[StateCode, str]] = {
    TaskStatus.waiting: ("waiting", "等待前一环节办结"),
    TaskStatus.pending: ("in_progress", "审批中"),
    TaskStatus.claimed: ("in_progress", "审批中"),
    TaskStatus.suspended: ("suspended", "特别程序，暂停计时"),
    TaskStatus.returned: ("correction", "待补正"),
    TaskStatus.approved: ("done", "已办结（准予）"),
    TaskStatus.rejected: ("not_granted", "已办结（不予准予）"),
    TaskStatus.cancelled: ("stopped", "不再办理"),
    TaskStatus.revoked: ("not_granted", "审批结果已撤销"),
}


def normalise(number: str, code: str) -> tuple[str, str]:
    """The number and the code as stored, or 422 naming the field. Spaces people type are dropped."""
    tidy_number = _SPACES.sub("", number)
    tidy_code = _SPACES.sub("", code).upper()
    if not _NUMBER.fullmatch(tidy_number):
        raise ValidationFailed("办件编号应为 20 位数字", field="number", code="invalid_number")
    if not _CODE.fullmatch(tidy_code):
        raise ValidationFailed("请填写证件号码的后 6 位（数字或字母）", field="code", code="invalid_code")
    return tidy_number, tidy_code


def window_minutes() -> int:
    """The login's throttling window in whole minutes, as people are told it."""
    return max(1, round(get_settings().login_window_minutes))


def look_up(session: Session, number: str, code: str, client: str) -> ProgressOut:
    """The case's progress, or 404 :data:`NOT_FOUND` (a failure, recorded: the caller must commit even
    then), or 429 while the client or the number is over its limit (nothing recorded)."""
    number, code = normalise(number, code)
    window = dt.timedelta(minutes=get_settings().login_window_minutes)
    now = clock.now()
    case_key = signing.digest(number, "progress-case")
    client_key = signing.digest(client, "progress-client")
    tag = f"progress:{client_key[:32]}"  # never an address: login's per-address count never sees it
    # Parallel guesses from one client queue here, so each sees the failures before it (PostgreSQL).
    identity_repo.lock_login(session, client_key)
    by_case, by_client, _ = identity_repo.failures_since(session, case_key, tag, now - window)
    if by_client >= CLIENT_FAILURES or by_case >= CASE_FAILURES:
        raise TooManyRequests(f"查询次数过多，请 {window_minutes()} 分钟后再试", code="too_many_attempts")
    case = progress_repository.case_by_number(session, number)
    if case is None or not _matches(case, code):
        identity_repo.add(session, LoginFailure(account_key=case_key, ip=tag, at=now))
        raise NotFound(NOT_FOUND, code="progress_not_found")
    return _progress(session, case)


def _matches(case: Case, code: str) -> bool:
    held = case.applicant_id_number or case.applicant_credit_code or ""
    tail = held[-CODE_LENGTH:].upper()
    return len(tail) == CODE_LENGTH and hmac.compare_digest(tail.encode(), code.encode())


def _progress(session: Session, case: Case) -> ProgressOut:
    tasks = [t for t in repo.tasks_of(session, case.id) if t.kind == "approval"]  # 核查 is the departments' own
    status, next_step = _CASE_WORDS[case.status]
    if case.status in _CONCLUDED and case.outcome in OUTCOME_NAMES:
        status = f"{status}（{OUTCOME_NAMES[case.outcome]}）"
    promised = None
    if case.status in _RUNNING and case.accepted_at is not None:
        promised = projected_deadline(session, tasks) or case.deadline  # as the case page shows it
    elif case.status in _CONCLUDED:
        promised = case.deadline
    return ProgressOut(
        number=case.number,
        thing_name=case.thing_name,
        status=case.status,
        status_text=status,
        outcome=case.outcome if case.status in _CONCLUDED else None,
        next_step=next_step,
        promised_date=promised,
        concluded_on=clock.local(case.concluded_at).date() if case.concluded_at else None,
        departments=_departments(session, tasks),
    )


def _departments(session: Session, tasks: Sequence[Task]) -> list[DepartmentProgress]:
    orgs = repo.org_names(session, {t.org_id for t in tasks})
    out = []
    for task in tasks:
        state, text = _TASK_WORDS[task.status]
        if task.status == TaskStatus.suspended and task.suspension:
            # The kind of procedure only: its reason is a staff note.
            kind = SUSPENSION_KINDS.get(str(task.suspension.get("kind")))
            text = f"特别程序（{kind}），暂停计时" if kind else text
        out.append(
            DepartmentProgress(item=task.item_name, department=orgs.get(task.org_id, ""), state=state, state_text=text)
        )
    return out
