"""/docs: the interactive API reference, served entirely from this site.

swagger-ui comes from the pinned ``swagger-ui-py`` package (its ``static`` folder: swagger-ui 5.24, which
reads OpenAPI 3.1 as FastAPI writes it; 4.x cannot), mounted under ``/static/swagger-ui/``. FastAPI's own
page would fetch it from a CDN without integrity and start it with an inline script, which the content
security policy (kit.security) refuses; ours starts it from ``/static/docs.js``. Only the files the page
uses are served from the package.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import swagger_ui  # type: ignore[import-untyped]  # only its static folder is used
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

router = APIRouter(include_in_schema=False)
SWAGGER_PREFIX = "/static/swagger-ui"
SWAGGER_DIR = Path(swagger_ui.__file__).parent / "static"
SWAGGER_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})


class SwaggerFiles(StaticFiles):
    """The package's directory, but only the files the page needs: not its demo page (petstore, inline script)."""

    def __init__(self) -> None:
        super().__init__(directory=SWAGGER_DIR)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in SWAGGER_FILES:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    openapi = escape(request.app.openapi_url or "/openapi.json")
    title = escape(request.app.title)
    return HTMLResponse(
        f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>接口文档 · {title}</title>
<link rel="icon" type="image/png" href="{SWAGGER_PREFIX}/favicon-32x32.png">
<link rel="stylesheet" href="{SWAGGER_PREFIX}/swagger-ui.css">
<script src="{SWAGGER_PREFIX}/swagger-ui-bundle.js" defer></script>
<script src="/static/docs.js" defer></script>
</head>
<body>
<main id="swagger-ui" data-openapi="{openapi}"></main>
</body>
</html>
"""
    )
