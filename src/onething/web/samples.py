"""样表 downloads: ``GET /samples/{material_code}.pdf`` is the blank letter to print and fill in,
``?filled=1`` the filled-in example. Public (guides are public); the PDFs hold no personal data.

The letter's name and note come from the active catalog; a code that is not a letter (or not in the
catalog) is 404, a page for a browser and JSON otherwise. Rendering happens outside any transaction and
at most once per letter, form and day in a process (``samples.sample_pdf``), so an anonymous flood costs
dictionary look-ups, not PDFs."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from onething.cases import samples
from onething.catalog import service as catalog_service
from onething.kit import clock
from onething.kit.errors import NotFound
from onething.kit.web import SessionDep
from onething.web.render import templates

router = APIRouter(include_in_schema=False)
# `{% if m.name is sample_letter %}` in _samples.html: the links show exactly where the route answers.
templates.env.tests["sample_letter"] = samples.is_letter
HEADERS = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}


@router.get("/samples/{material_code}.pdf")
async def sample(
    material_code: Annotated[str, PathParam(max_length=60)], session: SessionDep, filled: bool = False
) -> Response:
    # Async like the guide: the catalog is usually in memory; the database only when it may have changed.
    catalog = catalog_service.known_catalog(session)
    if catalog is None:
        catalog = await run_in_threadpool(catalog_service.active_catalog, session)
    material = catalog.materials.get(material_code)
    if material is None or not samples.is_letter(material.name):
        raise NotFound("没有这种材料的样表", field="material_code", code="sample_not_found")
    if session.in_transaction():  # only read: end it before the PDF is drawn
        await run_in_threadpool(session.rollback)
    today = clock.today()
    body = await run_in_threadpool(samples.sample_pdf, material.code, material.name, material.note, filled, today)
    if body is None:  # is_letter said yes above: cannot happen, but never a 500
        raise NotFound("没有这种材料的样表", field="material_code", code="sample_not_found")
    kind = "样表" if filled else "空白表"
    name = f"{material.name}（{kind}）.pdf"
    ascii_name = f"{material.code}-{'sample' if filled else 'blank'}.pdf"
    disposition = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type="application/pdf", headers={**HEADERS, "Content-Disposition": disposition})
