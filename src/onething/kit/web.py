"""FastAPI plumbing shared by every router: the request's database session and error bodies."""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from onething.kit.errors import AppError, ServiceUnavailable

log = logging.getLogger(__name__)


class RequestSlots:
    """At most ``size`` requests of a process hold a database session at once; the others wait here,
    on the event loop, in arrival order, holding nothing.

    Why: a request checks out its connection in one thread-pool call (who is asking) and goes on
    using it in the next (the route). Without a bound, a burst fills every pool thread with requests
    waiting for a connection while the requests that hold the connections wait for a thread — a
    stall that ends only at the pool's timeout. With ``size`` no larger than the connection pool,
    a request that gets a slot always gets a connection, and the thread pool (40) is never full of
    waiters. Past ``wait_seconds`` the request is refused with 503 ``busy`` and a Retry-After.
    """

    def __init__(self, size: int, wait_seconds: float) -> None:
        self.size, self.wait_seconds = size, wait_seconds
        # One semaphore per event loop: a test client runs each of its clients on a loop of its own.
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        slots = self._by_loop.get(loop)
        if slots is None:
            slots = self._by_loop.setdefault(loop, asyncio.Semaphore(self.size))
        try:
            await asyncio.wait_for(slots.acquire(), self.wait_seconds)
        except TimeoutError:
            raise ServiceUnavailable(
                "服务繁忙，请稍后重试", code="busy", retry_after=max(1, round(self.wait_seconds))
            ) from None
        try:
            yield
        finally:
            slots.release()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises.

    A Session connects lazily, so a route that never touches the database costs nothing but its
    slot (``RequestSlots``); finishing a transaction is blocking I/O and goes to the thread pool
    only when there is one.
    """
    slots: RequestSlots = request.app.state.request_slots  # web.app.create_app sets it
    async with slots.hold():
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


# Every route takes its session through this alias. scope="function" closes the transaction before
# the response is sent, so a commit that fails is the client's error response, never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def json_response(content: Any, status_code: int = 200) -> Response:
    """orjson serialises dataclasses and dates directly, which the guide endpoint relies on."""
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")


def json_error(exc: AppError) -> JSONResponse:
    """An error returned rather than raised: the request's transaction still commits."""
    return _error(exc.status, exc.code, exc.message, exc.field)


def _error(status: int, code: str, message: str, field: str | None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)


_VALIDATION_MESSAGES = {
    "missing": "缺少必填项",
    "json_invalid": "不是合法的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为真或假",
    "string_pattern_mismatch": "格式不正确",
    "string_too_long": "太长",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
}
# Pydantic names the union member it tried ("str", "list[str]"); people need the field.
_TYPE_TAG = re.compile(r"^(str|int|float|bool|list\[.*\]|dict\[.*\]|function-.*)$")


def _field_of(loc: Any) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path") and not _TYPE_TAG.match(str(p))]
    return ".".join(parts) or None


_HTTP_CODES = {404: ("not_found", "找不到该地址"), 405: ("method_not_allowed", "不支持该请求方法")}


HtmlErrors = Callable[[Request, int, str], Response | None]
INTERNAL_MESSAGE = "服务器内部错误，请稍后重试"
MALFORMED_BODY = "请求体格式不正确，无法解析"


async def error_response(
    request: Request,
    html: HtmlErrors | None,
    status: int,
    code: str,
    message: str,
    field: str | None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as ``html`` renders it for a browser, else the JSON body; ``headers`` go on either.

    ``html`` is asked only when the client accepts HTML (programs get their JSON without a detour), and
    in the thread pool: a page may need the database (who is looking, for the header of a page whose
    route never ran, such as an unknown address), and the event loop must not wait on it."""
    page = None
    if html is not None and "text/html" in request.headers.get("accept", ""):
        try:
            page = await run_in_threadpool(html, request, status, message)
        except Exception:  # the page failed too (a template, the database): the JSON still answers
            log.exception("error page failed")
    response = page or _error(status, code, message, field)
    if headers:
        response.headers.update(headers)
    return response


def method_not_allowed(allowed: list[str]) -> Response:
    response = _error(405, *_HTTP_CODES[405], None)
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _methods_at(request: Request) -> list[str]:
    path = request.url.path
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context.route, "path_regex", None)
        if regex is not None and context.methods and regex.match(path):
            methods |= set(context.methods)
    methods.discard("HEAD")  # implied by GET, and not an operation of its own in OpenAPI
    return sorted(methods)


def install_error_handlers(app: FastAPI, html: HtmlErrors | None = None) -> None:
    """JSON errors everywhere; ``html`` may render a page instead for browsers on page routes
    (see ``error_response``). Whatever escapes every other handler is a 500 in the same shape, logged
    with its traceback and never shown one."""

    async def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        field: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return await error_response(request, html, status, code, message, field, headers)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return await respond(request, exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "type": ""}
        if first.get("type") == "json_invalid":  # its loc is a byte offset, not a field
            return _error(422, "malformed_body", MALFORMED_BODY, None)
        field = _field_of(first.get("loc", ()))
        what = _VALIDATION_MESSAGES.get(str(first.get("type", "")), "格式不正确")
        return _error(422, "invalid_request", f"请求参数 {field or '请求体'} {what}", field)

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error: %s", exc.orig.__class__.__name__)
        return await respond(request, 409, "conflict", "数据与已有记录冲突，未作任何修改，请刷新后重试", None)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        # Another request changed the row between our read and our write (version column).
        return await respond(request, 409, "stale", "该记录已被他人同时修改，本次操作未生效，请刷新后重试", None)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> Response:
        log.error("database error: %s", exc.__class__.__name__)
        return await respond(request, 503, "database_unavailable", "数据库暂时不可用，请稍后重试", None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # The framework could not parse the body (broken JSON, multipart without a boundary):
            # bad input like any other, so the documented 422 in our words, not its English 400.
            return await respond(request, 422, "malformed_body", MALFORMED_BODY, None)
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = exc.headers
        if exc.status_code == 405:
            # RFC 9110: Allow lists every method the resource supports. The router names only the
            # first route whose path matched; the resource is every route on that path.
            headers = {**(headers or {}), "Allow": ", ".join(_methods_at(request))}
        return await respond(request, exc.status_code, code, message, None, headers)

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> Response:
        # The client left mid-body: nobody reads this answer, and it is not the server's fault.
        log.info("client disconnected before the request body was read")
        return _error(400, "client_disconnected", "请求未完整送达", None)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        # Starlette calls this from its outermost middleware, then re-raises for the server's own log;
        # the client gets the usual error shape (the body is never logged: it may hold personal data).
        log.exception("unhandled %s on %s %s", exc.__class__.__name__, request.method, request.url.path)
        return await respond(request, 500, "internal_error", INTERNAL_MESSAGE, None)
