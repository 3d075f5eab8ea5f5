"""Refuse request bodies over a size limit before they are read into memory or spooled to disk.

Starlette parses a multipart body completely before the route runs, so a route cannot stop a 2 GB
upload itself. This ASGI middleware refuses at once when Content-Length says too much, and counts
the bytes as they arrive when it does not (chunked uploads), answering 413 with the usual error body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
LimitFor = Callable[[str], int]


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    return f"{max(1, n // 1024)} KB"


def too_large_body(limit: int, *, upload: bool = False) -> bytes:
    """The 413 body: about files only for a multipart upload, about the request body for anything else."""
    if upload:
        message, field = f"上传的文件过大，单次上传不能超过 {_size(limit)}", "file"
    else:
        message, field = f"请求内容过大，请求体不能超过 {_size(limit)}", None
    return orjson.dumps({"error": {"code": "payload_too_large", "message": message, "field": field}})


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: LimitFor) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        upload = _is_multipart(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit, upload)
            return
        seen = 0
        exceeded = False
        forwarded = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Stop reading; whatever the app answers to a cut-off body is replaced below.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal forwarded
            if exceeded and not forwarded:
                return
            forwarded = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not exceeded or forwarded:
                raise
        if exceeded and not forwarded:
            await _refuse(send, limit, upload)


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def _is_multipart(scope: Scope) -> bool:
    """Files come only as multipart: a JSON or form body over its limit is not an upload."""
    value = _header(scope, b"content-type") or b""
    return value.split(b";")[0].strip().lower() == b"multipart/form-data"


async def _refuse(send: Send, limit: int, upload: bool) -> None:
    body = too_large_body(limit, upload=upload)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
