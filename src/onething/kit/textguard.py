"""Refuse invisible control characters in request text before any route sees it.

A NUL byte makes PostgreSQL refuse the whole statement (a 503 for what is the client's mistake), and
bidi overrides or zero-width characters make a name or a file name read differently from what it is
(``invoice\\u202efdp.exe`` shows as "invoiceexe.pdf"). No field of this platform has a use for them, so
they are refused once, at the edge, rather than in each of hundreds of schemas: this ASGI middleware
reads the query string, the address, and a JSON, urlencoded or multipart body (the text fields and the
file names of multipart parts, never a file's content), and answers 422 naming the field — the API's
JSON error, or the error page for a browser on a page route. Tab, newline and carriage return pass.

A pydantic-level check would cover only bodies declared as models: query parameters, ``Form`` fields,
routes that read ``request.form()`` or ``request.body()`` themselves, and path parameters would each need
their own. Bodies are read whole before the route runs — bounded by ``kit.bodylimit`` (mounted outside
this middleware) — and replayed to the app unchanged; a multipart body is kept in a spooled temporary
file, so a batch of uploads never sits in memory.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import IO, Any
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from onething.kit.validators import has_controls, strip_controls
from onething.kit.web import HtmlErrors, error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CODE = "invalid_character"
SPOOL_IN_MEMORY = 1024 * 1024
_FIELD_CAP = 2 * 1024 * 1024  # a multipart text field longer than this is Starlette's to refuse


def message_for(field: str | None) -> str:
    where = f"「{field}」" if field else "请求"
    return f"{where}含有不可见的控制字符（如空字符、零宽字符或文字方向控制符），请删除后重试"


class TextGuard:
    def __init__(self, app: ASGIApp, html: HtmlErrors | None = None) -> None:
        self.app = app
        self.html = html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        culprit = _in_address(scope)
        if culprit is not None:
            await self._refuse(scope, send, culprit)
            return
        kind = _body_kind(scope)
        if kind is None or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if kind == "multipart":
            await self._multipart(scope, receive, send)
            return
        body, complete = await _read_all(receive)
        if not complete:  # cut off by the body limit or the client: let them answer
            await self.app(scope, _replay([body], cut=True), send)
            return
        culprit = _in_json(body) if kind == "json" else _in_urlencoded(body)
        if culprit is not None:
            await self._refuse(scope, send, culprit)
            return
        await self.app(scope, _replay([body]), send)

    async def _multipart(self, scope: Scope, receive: Receive, send: Send) -> None:
        boundary = _boundary(scope)
        if boundary is None:  # malformed: Starlette says so
            await self.app(scope, receive, send)
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            scanner = _PartScanner(boundary)
            complete = False
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                if chunk:
                    scanner.feed(chunk)
                    await _write(spool, chunk)
                if not message.get("more_body", False):
                    complete = True
                    break
            if complete and scanner.culprit is not None:
                await self._refuse(scope, send, scanner.culprit)
                return
            spool.seek(0)
            await self.app(scope, _replay(_chunks(spool), cut=not complete), send)

    async def _refuse(self, scope: Scope, send: Send, field: str | None) -> None:
        request = Request(scope)
        response = await error_response(request, self.html, 422, CODE, message_for(field), field)
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _in_address(scope: Scope) -> str | None:
    """The query parameter (or "path") that carries a control character, if any."""
    if has_controls(scope.get("path", "")):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if has_controls(name) or has_controls(value):
            return strip_controls(name) or "query"
    return None


def _content_type(scope: Scope) -> tuple[str, dict[bytes, bytes]]:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            main, options = parse_options_header(value)
            return main.decode("latin-1").lower(), options
    return "", {}


def _body_kind(scope: Scope) -> str | None:
    main, _ = _content_type(scope)
    if main == "multipart/form-data":
        return "multipart"
    if main == "application/x-www-form-urlencoded":
        return "urlencoded"
    # A route that reads the body itself (a license file to verify) may be sent JSON without a type.
    if main in ("", "text/plain", "application/json") or main.endswith("+json"):
        return "json"
    return None


def _boundary(scope: Scope) -> bytes | None:
    _, options = _content_type(scope)
    return options.get(b"boundary") or None


async def _read_all(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(chunks: Iterator[bytes] | list[bytes], *, cut: bool = False) -> Receive:
    """A receive that hands the app the body already read, then what the client would say next."""
    pending = iter(chunks)
    done = False

    async def receive() -> Message:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        chunk = next(pending, None)
        if chunk is None:
            done = True
            if cut:
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    return receive


def _chunks(spool: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    while chunk := spool.read(size):
        yield chunk


async def _write(spool: IO[bytes], chunk: bytes) -> None:
    if getattr(spool, "_rolled", False):
        await run_in_threadpool(spool.write, chunk)  # on disk now: keep the event loop free
    else:
        spool.write(chunk)


def _in_json(body: bytes) -> str | None:
    if not body.strip():
        return None
    try:
        # The standard library, not orjson: it accepts \\ud800, which is exactly what must be found.
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own parsing refuses it
    return _walk(value, [])


def _walk(value: Any, path: list[str]) -> str | None:
    if isinstance(value, str):
        return (".".join(path) or "body") if has_controls(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if has_controls(key):
                return ".".join([*path, strip_controls(key)]) or "body"
            found = _walk(item, [*path, key])
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _walk(item, [*path, str(i)])
            if found is not None:
                return found
    return None


def _in_urlencoded(body: bytes) -> str | None:
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if has_controls(name) or has_controls(value):
            return strip_controls(name) or "body"
    return None


class _PartScanner:
    """Follows a multipart body chunk by chunk: the name and file name of each part, and the text of the
    parts that are not files. ``culprit`` is the first field found carrying a control character."""

    def __init__(self, boundary: bytes) -> None:
        self.culprit: str | None = None
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._data = bytearray()
        self._is_file = False
        self._name = ""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_part_data": self._part_data,
                "on_part_end": self._end,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_part,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
            },
        )
        self._broken = False

    def feed(self, chunk: bytes) -> None:
        if self._broken or self.culprit is not None:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # a malformed body: Starlette's parser answers for it
            self._broken = True

    def _begin(self) -> None:
        self._disposition, self._data, self._is_file, self._name = b"", bytearray(), False, ""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = _text(options.get(b"name", b""))
        filename = options.get(b"filename")
        self._is_file = filename is not None
        if has_controls(self._name):
            self._found(strip_controls(self._name) or "body")
        elif filename is not None and has_controls(_text(filename)):
            self._found(self._name or "file")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file and len(self._data) < _FIELD_CAP:
            self._data += data[start:end]

    def _end(self) -> None:
        if not self._is_file and has_controls(_text(bytes(self._data))):
            self._found(self._name or "body")

    def _found(self, field: str) -> None:
        if self.culprit is None:
            self.culprit = field


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
