"""Rendering pages: one Jinja2 environment, and the context every page gets (who is looking, the
CSRF token for its forms)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from onething.identity.deps import csrf_token, set_anon_cookie
from onething.identity.principal import ANONYMOUS
from onething.kit import clock

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["local"] = clock.local  # timestamps are stored in UTC, shown in local time


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", getattr(request.state, "principal", ANONYMOUS))
    context.setdefault("csrf", lambda: csrf_token(request))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    set_anon_cookie(request, response)
    return response
