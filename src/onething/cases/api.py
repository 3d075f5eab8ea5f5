"""Case routes: the applicant's draft, form, materials and submission; the window's actions; the
departments' inbox and decisions. Thin: every rule is in the services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile
from sqlalchemy.orm import Session

from onething.cases import department, intake, views, window
from onething.cases.schemas import (
    AcceptIn,
    CaseCreate,
    CaseDetail,
    CaseOut,
    CaseUpdate,
    ClaimIn,
    CorrectionIn,
    DecisionIn,
    DeliverIn,
    MaterialOut,
    RefuseIn,
    ResumeIn,
    ShortfallIn,
    SuspendIn,
    TaskDetail,
    TaskOut,
)
from onething.identity.deps import PrincipalDep
from onething.identity.principal import Principal
from onething.kit.errors import ValidationFailed
from onething.kit.pagination import PageOut
from onething.kit.settings import get_settings
from onething.kit.validators import Id
from onething.kit.web import SessionDep
from onething.licenses import views as license_views
from onething.licenses.schemas import LicenseDetail

router = APIRouter(prefix="/api/v1", tags=["办件"])
# Personal documents: downloaded, never sniffed into something else, never kept by a shared cache.
FILE_HEADERS = {
    "Content-Disposition": "attachment",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, description="重试同一请求时带相同的值，不会重复创建或提交"),
]
After = Annotated[Id | None, Query(description="上一页最后一条的 id")]
Limit = Annotated[int, Query(ge=1, le=200)]


def _detail(session: Session, principal: Principal, number: str) -> CaseDetail:
    session.flush()
    return views.case_detail(session, principal, number)


@router.post("/cases", response_model=CaseDetail, status_code=201)
def create_case(body: CaseCreate, principal: PrincipalDep, session: SessionDep, key: IdempotencyKey = None) -> Any:
    """新建办件草稿：按情形生成一张表单，并从人口库、法人库自动填充（标明来源）。"""
    case = intake.create_draft(session, principal, body, key)
    return _detail(session, principal, case.number)


@router.get("/cases", response_model=PageOut[CaseOut])
def list_cases(
    principal: PrincipalDep,
    session: SessionDep,
    status: Annotated[str | None, Query(description="状态，可用逗号分隔多个")] = None,
    mine: bool = False,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    return PageOut.of(views.list_cases(session, principal, status, mine, after, limit))


@router.get("/cases/{number}", response_model=CaseDetail)
def get_case(number: str, principal: PrincipalDep, session: SessionDep) -> Any:
    """办件详情与完整的流程时间线。"""
    return views.case_detail(session, principal, number)


@router.put("/cases/{number}", response_model=CaseDetail)
def update_case(number: str, body: CaseUpdate, principal: PrincipalDep, session: SessionDep) -> Any:
    """保存草稿（或补正期间修改表单）。"""
    intake.update_draft(session, principal, number, body)
    return _detail(session, principal, number)


@router.post("/cases/{number}/materials", response_model=MaterialOut, status_code=201)
def upload_material(
    number: str,
    principal: PrincipalDep,
    session: SessionDep,
    material: Annotated[str, Form(max_length=60)],
    file: Annotated[UploadFile, File()],
) -> Any:
    """上传材料（PDF/JPEG/PNG）。"""
    data = file.file.read(get_settings().upload_max_bytes + 1)  # enough to tell it is too large
    row = intake.add_material(session, principal, number, material, file.filename or "", data)
    session.flush()
    return views.materials_out(session, principal, number, [row])[0]


@router.post("/cases/{number}/materials/batch", response_model=list[MaterialOut], status_code=201)
def upload_materials(
    number: str,
    principal: PrincipalDep,
    session: SessionDep,
    material: Annotated[list[str], Form()],
    file: Annotated[list[UploadFile], File()],
) -> Any:
    """一次上传多份材料：material 与 file 按顺序一一对应；任何一份不合格则一份也不保存。"""
    if len(material) != len(file):
        raise ValidationFailed("材料编码与文件的数量不一致", field="material", code="mismatched_files")
    limit = get_settings().upload_max_bytes + 1  # enough to tell a file is too large
    uploads = [intake.Upload(m, f.filename or "", f.file.read(limit)) for m, f in zip(material, file, strict=True)]
    rows = intake.add_materials(session, principal, number, uploads)
    session.flush()
    return views.materials_out(session, principal, number, rows)


@router.delete("/cases/{number}/materials/{material_id}", status_code=204)
def remove_material(number: str, material_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    intake.remove_material(session, principal, number, material_id)
    return Response(status_code=204)


@router.get(
    "/cases/{number}/materials/{material_id}/file",
    response_class=Response,
    responses={
        200: {
            "description": "上传时的原文件（PDF、JPEG 或 PNG）",
            "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
        }
    },
)
def material_file(number: str, material_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    row, data = intake.file_of(session, principal, number, material_id)
    return Response(data, media_type=row.content_type or "application/octet-stream", headers=FILE_HEADERS)


@router.get("/cases/{number}/materials/{material_id}/license", response_model=LicenseDetail)
def material_license(number: str, material_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    """免提交材料对应的电子证照（审批人员查看会记入审计日志并关联办件编号）。"""
    return license_views.detail_of(session, intake.license_of(session, principal, number, material_id))


@router.post("/cases/{number}/submit", response_model=CaseDetail)
def submit(number: str, principal: PrincipalDep, session: SessionDep, key: IdempotencyKey = None) -> Any:
    """提交（或补正后重新提交）。带 Idempotency-Key 重试不会重复提交。"""
    intake.submit(session, principal, number, key)
    return _detail(session, principal, number)


@router.post("/cases/{number}/withdraw", response_model=CaseDetail)
def withdraw(number: str, principal: PrincipalDep, session: SessionDep) -> Any:
    intake.withdraw(session, principal, number, "申请人撤回")
    return _detail(session, principal, number)


@router.post("/cases/{number}/accept", response_model=CaseDetail, tags=["综合窗口"])
def accept(number: str, principal: PrincipalDep, session: SessionDep, body: AcceptIn | None = None) -> Any:
    window.accept(session, principal, number, body or AcceptIn())
    return _detail(session, principal, number)


@router.post("/cases/{number}/accept-with-shortfall", response_model=CaseDetail, tags=["综合窗口"])
def accept_with_shortfall(number: str, body: ShortfallIn, principal: PrincipalDep, session: SessionDep) -> Any:
    window.accept_with_shortfall(session, principal, number, body)
    return _detail(session, principal, number)


@router.post("/cases/{number}/request-correction", response_model=CaseDetail, tags=["综合窗口"])
def request_correction(number: str, body: CorrectionIn, principal: PrincipalDep, session: SessionDep) -> Any:
    window.request_correction(session, principal, number, body)
    return _detail(session, principal, number)


@router.post("/cases/{number}/refuse", response_model=CaseDetail, tags=["综合窗口"])
def refuse(number: str, body: RefuseIn, principal: PrincipalDep, session: SessionDep) -> Any:
    window.refuse(session, principal, number, body)
    return _detail(session, principal, number)


@router.post("/cases/{number}/deliver", response_model=CaseDetail, tags=["综合窗口"])
def deliver(number: str, body: DeliverIn, principal: PrincipalDep, session: SessionDep) -> Any:
    window.deliver(session, principal, number, body)
    return _detail(session, principal, number)


@router.post("/cases/{number}/confirm-receipt", response_model=CaseDetail)
def confirm_receipt(number: str, principal: PrincipalDep, session: SessionDep) -> Any:
    window.confirm_receipt(session, principal, number)
    return _detail(session, principal, number)


@router.get("/tasks", response_model=PageOut[TaskOut], tags=["部门审批"])
def tasks(
    principal: PrincipalDep,
    session: SessionDep,
    state: Annotated[str | None, Query(description="状态，可用逗号分隔；默认为待办")] = None,
    after: After = None,
    limit: Limit = 50,
) -> Any:
    """本部门的待办子件。"""
    return PageOut.of(views.inbox(session, principal, state, after, limit))


@router.get("/tasks/{task_id}", response_model=TaskDetail, tags=["部门审批"])
def task(task_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    return views.task_detail(session, principal, task_id)


def _task(session: Session, principal: Principal, task_id: int) -> TaskDetail:
    session.flush()
    return views.task_detail(session, principal, task_id)


@router.post("/tasks/{task_id}/claim", response_model=TaskDetail, tags=["部门审批"])
def claim(task_id: Id, principal: PrincipalDep, session: SessionDep, body: ClaimIn | None = None) -> Any:
    department.claim(session, principal, task_id, body or ClaimIn())
    return _task(session, principal, task_id)


@router.post("/tasks/{task_id}/approve", response_model=TaskDetail, tags=["部门审批"])
def approve(task_id: Id, body: DecisionIn, principal: PrincipalDep, session: SessionDep) -> Any:
    department.approve(session, principal, task_id, body)
    return _task(session, principal, task_id)


@router.post("/tasks/{task_id}/reject", response_model=TaskDetail, tags=["部门审批"])
def reject(task_id: Id, body: DecisionIn, principal: PrincipalDep, session: SessionDep) -> Any:
    department.reject(session, principal, task_id, body)
    return _task(session, principal, task_id)


@router.post("/tasks/{task_id}/return", response_model=TaskDetail, tags=["部门审批"])
def return_task(task_id: Id, body: CorrectionIn, principal: PrincipalDep, session: SessionDep) -> Any:
    department.return_to_window(session, principal, task_id, body)
    return _task(session, principal, task_id)


@router.post("/tasks/{task_id}/suspend", response_model=TaskDetail, tags=["部门审批"])
def suspend(task_id: Id, body: SuspendIn, principal: PrincipalDep, session: SessionDep) -> Any:
    department.suspend(session, principal, task_id, body)
    return _task(session, principal, task_id)


@router.post("/tasks/{task_id}/resume", response_model=TaskDetail, tags=["部门审批"])
def resume(task_id: Id, principal: PrincipalDep, session: SessionDep, body: ResumeIn | None = None) -> Any:
    department.resume(session, principal, task_id, body or ResumeIn())
    return _task(session, principal, task_id)
