"""License routes: the wallet, one license (HTML view is a page; here JSON, the signed file and the PDF),
public verification, seal public keys, and status changes by the issuing org."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Request, Response, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from onething.identity.deps import PrincipalDep
from onething.kit.errors import NotFound, ValidationFailed
from onething.kit.web import SessionDep
from onething.licenses import public, render, throttle, views
from onething.licenses import service as licenses
from onething.licenses.schemas import LicenseDetail, LicenseOut, SealOut, StatusIn, VerifyOut
from onething.models import License

router = APIRouter(prefix="/api/v1", tags=["电子证照"])
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get(
    "/licenses/verify/{token}",
    response_model=VerifyOut,
    responses={**throttle.RESPONSES, 404: {"description": "没有与该核验码对应的证照"}},
)
def verify_token(token: str, request: Request, session: SessionDep) -> Any:
    """按核验码核验（公开，证照二维码中的链接）：证照是否真实有效，以及依规可公开的内容
    （个人证照为脱敏姓名、类型、发证机构、有效期与状态）。"""
    if wait := throttle.wait_of(request):
        return throttle.json_refusal(wait)
    out, row = public.check_token(session, token)
    if row is None:
        raise NotFound(public.NO_SUCH_TOKEN, field="token", code="license_not_found")
    return out


@router.get("/me/licenses", response_model=list[LicenseOut])
def my_licenses(principal: PrincipalDep, session: SessionDep) -> Any:
    """我的证照包：本人及本人可代办企业名下的全部电子证照。"""
    return views.wallet(session, principal)


@router.get("/licenses/{identifier}", response_model=LicenseDetail)
def get_license(identifier: str, principal: PrincipalDep, session: SessionDep) -> Any:
    return views.detail(session, principal, identifier)


@router.get("/licenses/{identifier}/document")
def license_document(identifier: str, principal: PrincipalDep, session: SessionDep) -> Response:
    """下载带电子印章签名的证照文件（JSON），可在核验接口或任何持有公钥的一方核验。"""
    return download(licenses.get(session, principal, identifier), "json")


@router.get(
    "/licenses/{identifier}/pdf",
    response_class=Response,
    responses={200: {"description": "证照的 PDF 版式文件", "content": {"application/pdf": {}}}},
)
def license_pdf(identifier: str, principal: PrincipalDep, session: SessionDep) -> Response:
    return download(licenses.get(session, principal, identifier), "pdf")


def download(row: License, kind: str) -> Response:
    """The holder's copy, the signed file (json) or the PDF: personal, so never cached or sniffed."""
    if kind == "pdf":
        body, media_type = render.pdf(views.sheet(row, full=True)), "application/pdf"
    else:
        body, media_type = orjson.dumps(views.document_of(row), option=orjson.OPT_INDENT_2), "application/json"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{row.number}.{kind}"'}
    return Response(body, media_type=media_type, headers=headers)


@router.post("/licenses/{identifier}/status", response_model=LicenseDetail)
def change_status(identifier: str, body: StatusIn, principal: PrincipalDep, session: SessionDep) -> Any:
    """发证机构撤销、注销、宣告失效或吊销证照（须填写原因），核验即时反映。"""
    licenses.change_status(session, principal, identifier, body.action, body.reason)
    session.flush()
    return views.detail(session, principal, identifier)


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@router.post(
    "/licenses/verify",
    response_model=VerifyOut,
    responses={**throttle.RESPONSES, 422: {"description": "没有证照文件，或文件过大、不是 JSON、是 PDF 打印件"}},
)
async def verify(request: Request, session: SessionDep, file: Annotated[UploadFile | None, File()] = None) -> Any:
    """核验证照文件：上传（multipart 字段 file）或直接以 JSON 正文提交下载的证照文件。无需登录。
    文件本身即凭证：显示的内容与扫码核验相同。"""
    if wait := throttle.wait_of(request):
        return throttle.json_refusal(wait)
    if file is not None:
        raw = await file.read(public.MAX_DOCUMENT + 1)
    elif request.headers.get("content-type", "").split(";")[0].strip().lower() in _FORM_TYPES:
        # A form without a file part: its body was read as the form already, and holds no document.
        raise ValidationFailed("请选择要核验的证照文件（含签名）", field="file", code="file_required")
    else:
        raw = await request.body()
    doc = public.read_document(raw)
    return await run_in_threadpool(public.check_document, session, doc)


@router.get(
    "/licenses/{identifier}/verify",
    response_model=VerifyOut,
    responses={
        **throttle.RESPONSES,
        404: {"description": "平台没有该证照的签发记录"},
        422: {"description": "证照标识格式或校验位不对"},
    },
)
def verify_identifier(identifier: str, request: Request, session: SessionDep) -> Any:
    """按证照标识核验（公开）：只说明证照是否存在、类型、发证机构与状态；企业证照另显示依法公示的登记信息。
    个人证照的脱敏姓名与有效期须扫描证照二维码（核验码）或上传证照文件核验。"""
    if wait := throttle.wait_of(request):
        return throttle.json_refusal(wait)
    out, row = public.check_identifier(session, public.well_formed(identifier))
    if row is None:
        raise NotFound(public.NOT_ON_RECORD, field="identifier", code="license_not_found")
    return out


@router.get("/seals/{org}", response_model=list[SealOut])
def seal_keys(org: str, session: SessionDep) -> Any:
    """机构电子印章公钥（按机构编码列出全部，或按印章编号取一枚）。"""
    return [_seal_out(session, row) for row in licenses.public_seal(session, org)]


def _seal_out(session: Session, row: Any) -> SealOut:
    return SealOut(
        key_id=row.key_id,
        org=licenses.org_code_of(session, row.org_id),
        public_key=row.public_key,
        public_key_pem=licenses.public_key_pem(row),
        created_at=row.created_at,
        retired_at=row.retired_at,
    )
