"""Pages people read (Jinja2, no JavaScript needed). Thin: parse the query, call, render."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from onething.catalog import browse
from onething.catalog.model import Catalog, CompiledThing
from onething.catalog.service import active_catalog
from onething.guide.answers import applicable_questions, prune
from onething.guide.prepared import prepared
from onething.guide.service import guide_from
from onething.identity.deps import current_principal
from onething.kit.errors import AppError, ValidationFailed
from onething.kit.web import SessionDep
from onething.web.render import render, templates

# Every page knows who is looking (for the header), whatever the route itself needs.
router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _groupby_stage(things: list[Any]) -> list[tuple[tuple[str, str], list[Any]]]:
    """Consecutive things of one audience and stage (the list comes sorted that way)."""
    return [(key, list(group)) for key, group in groupby(things, key=lambda t: (t.audience, t.stage))]


templates.env.filters["groupby_stage"] = _groupby_stage


_render = render


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, q: str | None = None, audience: str | None = None) -> HTMLResponse:
    catalog = active_catalog(session)
    error = None
    try:
        things = browse.list_things(catalog, q, audience or None, None, limit=100)
    except ValidationFailed as exc:
        things, error = browse.list_things(catalog, None, None, None, limit=100), exc.message
    return _render(
        request,
        "things.html",
        q=q or "",
        audience=audience or "",
        things=things,
        stages=browse.stages(catalog),
        audiences=browse.AUDIENCES,
        error=error,
    )


def _answers_from_query(thing: CompiledThing, request: Request) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for q in thing.questions:
        values = [v for v in request.query_params.getlist(q.spec.code) if v]
        if values:
            raw[q.spec.code] = values if q.spec.multiple else values[0]
    return prune(thing, raw)


@router.get("/things/{code}", response_class=HTMLResponse)
def thing_page(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    catalog = active_catalog(session)
    thing = browse.get_thing(catalog, code)
    answers = _answers_from_query(thing, request)
    return _questionnaire(request, catalog, thing, answers, None)


def _questionnaire(
    request: Request, catalog: Catalog, thing: CompiledThing, answers: dict[str, Any], error: AppError | None
) -> HTMLResponse:
    # An unanswered question is the next step of the questionnaire, not a failure.
    status = 200 if error is None or error.code == "answer_required" else error.status
    return _render(
        request,
        "thing.html",
        status,
        thing=thing.spec,
        questions=applicable_questions(thing, answers),
        answers=answers,
        error=error,
        detail=browse.thing_detail(catalog, thing.code),
    )


@router.get("/things/{code}/guide", response_class=HTMLResponse)
def guide_page(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    catalog = active_catalog(session)
    thing = browse.get_thing(catalog, code)
    answers = _answers_from_query(thing, request)
    region = request.query_params.get("region") or None
    try:
        guide = guide_from(catalog, code, answers, region)
    except ValidationFailed as exc:
        return _questionnaire(request, catalog, thing, answers, exc)
    names = prepared(catalog).item_names
    return _render(request, "guide.html", guide=guide, thing=thing.spec, item_names=names, query=str(request.url.query))


@router.get("/items/{code}", response_class=HTMLResponse)
def item_page(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    catalog = active_catalog(session)
    item = browse.item_detail(catalog, code)
    things = {t: catalog.things[t].spec.name for t in item.things}
    return _render(request, "item.html", item=item, things=things)


def error_page(request: Request, status: int, message: str) -> HTMLResponse | None:
    """Errors on pages are pages; the API keeps its JSON."""
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return None
    return _render(request, "error.html", status, status=status, message=message)
