"""Guide route: one POST, the whole one-time notice back."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from onething.catalog import service as catalog_service
from onething.guide import service
from onething.guide.model import Guide
from onething.guide.schemas import GuideRequest
from onething.kit.web import SessionDep, json_response

router = APIRouter(prefix="/api/v1", tags=["guide"])


@router.post(
    "/things/{code}/guide",
    summary="生成一次告知办事指南",
    response_model=Guide,
    responses={422: {"description": "回答有误：未知问题、无此选项、必答题未答"}},
)
async def make_guide(code: str, body: GuideRequest, session: SessionDep) -> Response:
    # The one async route: generating a guide is pure CPU over an immutable catalog, so it runs on
    # the event loop; only reading the catalog version from the database goes to the thread pool.
    catalog = catalog_service.known_catalog(session)
    if catalog is None:
        catalog = await run_in_threadpool(catalog_service.active_catalog, session)
    return json_response(service.guide_from(catalog, code, body.answers, body.region))
