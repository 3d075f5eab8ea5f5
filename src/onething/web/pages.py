"""Pages people read (Jinja2, no JavaScript needed). Thin: parse the query, call, render."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError

from onething.cases import messages
from onething.catalog import browse
from onething.catalog.model import Catalog, CompiledThing
from onething.catalog.schemas import ThingList
from onething.catalog.service import active_catalog
from onething.catalog.spec import Thing as ThingSpec
from onething.guide.answers import applicable_questions, prune
from onething.guide.model import Guide
from onething.guide.prepared import prepared
from onething.guide.service import guide_from
from onething.guide.steps import guide_steps
from onething.identity.deps import PrincipalDep, current_principal
from onething.identity.principal import ANONYMOUS
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


# The portal's entry points: a person's life events and an enterprise's life cycle, each the things of a
# catalog stage. A stage may hold more than one event (置业 holds 建房 and buying a home): such an
# event names the words its things carry in their name or keywords, and shows only those.
@dataclass(frozen=True, slots=True)
class LifeEvent:
    label: str
    stage: str
    hint: str
    words: tuple[str, ...] = ()

    def href(self, audience: str) -> str:
        query = {"audience": audience, "stage": self.stage} | ({"event": self.label} if self.words else {})
        return "/?" + urlencode(query)

    def holds(self, thing: ThingSpec) -> bool:
        said = (thing.name, *thing.keywords)
        return not self.words or any(w in text for w in self.words for text in said)


LIFE_EVENTS = (
    LifeEvent("出生", "出生", "上户口 · 医保 · 生育津贴"),
    LifeEvent("上学", "上学", "入学报名 · 接种查验"),
    LifeEvent("就业", "就业", "求职登记 · 创业扶持"),
    LifeEvent("婚育", "婚育", "结婚登记 · 生育服务"),
    LifeEvent("建房", "置业", "农村村民建房 · 宅基地", words=("建房", "宅基地")),
    LifeEvent("退役", "退役", "退役军人服务"),
    LifeEvent("退休", "退休", "退休审批 · 养老金"),
    LifeEvent("身后", "身后", "身后事联办"),
)
ENTERPRISE_EVENTS = (
    LifeEvent("开办", "开办", "设立登记 · 餐饮 · 药店"),
    LifeEvent("经营", "经营", "许可 · 政策兑现"),
    LifeEvent("变更", "变更", "名称地址等变更"),
    LifeEvent("注销", "注销", "简易注销 · 清算"),
)
EVENTS = {"individual": LIFE_EVENTS, "enterprise": ENTERPRISE_EVENTS}


def _event(audience: str | None, stage: str | None, label: str | None) -> LifeEvent | None:
    """The narrowed life event asked for (``?event=``), when it belongs to that audience and stage."""
    for event in EVENTS.get(audience or "", ()):
        if event.words and event.label == label and event.stage == stage:
            return event
    return None


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    q: str | None = None,
    audience: str | None = None,
    stage: str | None = None,
    event: str | None = None,
) -> HTMLResponse:
    catalog = active_catalog(session)
    error = None
    try:
        things = browse.list_things(catalog, q, audience or None, stage or None, limit=100)
    except ValidationFailed as exc:
        things, error = browse.list_things(catalog, None, None, None, limit=100), exc.message
    chosen = None if q or error else _event(audience, stage, event)
    if chosen is not None:
        kept = [t for t in things.items if chosen.holds(catalog.things[t.code].spec)]
        things = ThingList(catalog_version=things.catalog_version, total=len(kept), items=kept)
    present = browse.stages(catalog)
    return _render(
        request,
        "things.html",
        q=q or "",
        audience=audience or "",
        stage=stage or "",
        event=chosen,
        heading=chosen.label if chosen else stage or "",
        things=things,
        stages=present,
        audiences=browse.AUDIENCES,
        tiles_of={aud: [e for e in events if e.stage in present[aud]] for aud, events in EVENTS.items()},
        error=error,
        todo=messages.todo(session, principal) if principal.authenticated else [],
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
    if request.query_params.get("all"):
        return _questionnaire(request, catalog, thing, answers, None)
    return _wizard(request, catalog, thing, answers, request.query_params.getlist("seen"))


def _questionnaire(
    request: Request, catalog: Catalog, thing: CompiledThing, answers: dict[str, Any], error: AppError | None
) -> HTMLResponse:
    """Every question on one page (``?all=1``, and where the guide found an answer missing)."""
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
        wizard=None,
    )


def _wizard(
    request: Request, catalog: Catalog, thing: CompiledThing, answers: dict[str, Any], seen: list[str]
) -> HTMLResponse:
    """智能导办 one question at a time: the query string carries the answers so far and the questions
    already shown, so each step is a plain GET form and works without JavaScript."""
    steps = guide_steps(thing, answers, seen)
    return _render(
        request,
        "thing.html",
        thing=thing.spec,
        questions=[],
        answers=answers,
        error=None,
        detail=browse.thing_detail(catalog, thing.code),
        wizard=steps,
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
    return render_guide(request, catalog, guide, str(request.url.query))


def render_guide(
    request: Request,
    catalog: Catalog,
    guide: Guide,
    query: str,
    error: AppError | None = None,
    typed: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The one-time notice; with ``error`` and what was ``typed``, an application from it was refused
    and the message sits beside the field it concerns."""
    return _render(
        request,
        "guide.html",
        error.status if error else 200,
        guide=guide,
        thing=catalog.things[guide.thing_code].spec,
        item_names=prepared(catalog).item_names,
        query=query,
        apply_token=secrets.token_urlsafe(12),  # one application per page view, whatever is posted twice
        error=error,
        typed=typed or {},
    )


@router.get("/items/{code}", response_class=HTMLResponse)
def item_page(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    catalog = active_catalog(session)
    item = browse.item_detail(catalog, code)
    things = {t: catalog.things[t].spec.name for t in item.things}
    return _render(request, "item.html", item=item, things=things)


def error_page(request: Request, status: int, message: str) -> HTMLResponse | None:
    """Errors on pages are pages, with the header of whoever is looking; the API keeps its JSON.
    Runs in the thread pool (``kit.web.install_error_handlers``): it may read the session."""
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return None
    _identify(request)
    return _render(request, "error.html", status, status=status, message=message)


def _identify(request: Request) -> None:
    """A request that failed before any route ran (an unknown address, a method not allowed) has not
    learnt who is looking: look now, so a signed-in person keeps their name and menu. Read only, in a
    short session of its own; if that fails too (the database is down), the page is anonymous."""
    if getattr(request.state, "principal", None) is not None:
        return
    try:
        with request.app.state.sessions() as session:
            current_principal(request, session)  # remembers it on request.state
    except (AppError, SQLAlchemyError):
        request.state.principal = ANONYMOUS
