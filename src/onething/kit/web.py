"""FastAPI plumbing shared by every router: the request's database session and error bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from onething.kit.errors import AppError


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises.

    A Session connects lazily, so a route that never touches the database costs nothing here;
    finishing a transaction is blocking I/O and goes to the thread pool only when there is one.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


def json_response(content: Any, status_code: int = 200) -> Response:
    """orjson serialises dataclasses and dates directly, which the guide endpoint relies on."""
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")


def _error(status: int, code: str, message: str, field: str | None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)


_HTTP_CODES = {404: ("not_found", "找不到该地址"), 405: ("method_not_allowed", "不支持该请求方法")}


HtmlErrors = Callable[[Request, int, str], Response | None]


def install_error_handlers(app: FastAPI, html: HtmlErrors | None = None) -> None:
    """JSON errors everywhere; ``html`` may render a page instead for browsers on page routes."""

    def respond(request: Request, status: int, code: str, message: str, field: str | None) -> Response:
        page = html(request, status, message) if html else None
        return page or _error(status, code, message, field)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return respond(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "请求格式不正确"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        message = f"请求参数不正确：{'.'.join(loc) or '请求体'} {first.get('msg', '')}".strip()
        return _error(422, "invalid_request", message, ".".join(loc) or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        return respond(request, exc.status_code, code, message, None)
