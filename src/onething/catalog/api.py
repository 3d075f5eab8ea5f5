"""Catalog routes: thin — parse, call, return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from onething.catalog import browse, schemas, service
from onething.kit.validators import Limit
from onething.kit.web import SessionDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/things", response_model=schemas.ThingList, summary="一件事列表与搜索")
def list_things(
    session: SessionDep,
    q: Annotated[str | None, Query(description="用日常用语搜索，如“孩子出生了”“开个饭馆”")] = None,
    audience: Annotated[str | None, Query(description="individual 或 enterprise")] = None,
    stage: Annotated[str | None, Query(description="生命周期阶段，如 出生、开办")] = None,
    limit: Limit = 50,
) -> schemas.ThingList:
    return browse.list_things(service.active_catalog(session), q, audience, stage, limit)


@router.get("/things/{code}", response_model=schemas.ThingDetail, summary="一件事详情与情形问题")
def get_thing(code: str, session: SessionDep) -> schemas.ThingDetail:
    return browse.thing_detail(service.active_catalog(session), code)


@router.get("/items/{code}", response_model=schemas.ItemDetail, summary="事项详情")
def get_item(code: str, session: SessionDep) -> schemas.ItemDetail:
    return browse.item_detail(service.active_catalog(session), code)


@router.get("/catalog/versions", response_model=list[schemas.VersionOut], summary="目录版本")
def versions(session: SessionDep) -> list[schemas.VersionOut]:
    return [
        schemas.VersionOut(number=v.number, digest=v.digest, created_at=v.created_at.isoformat(), counts=v.counts)
        for v in service.versions(session)
    ]
