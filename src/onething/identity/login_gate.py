"""The front door of password logins: an address that has failed too often is slowed before any work.

``identity.login`` already refuses such an attempt before the database and argon2, but only after the
whole stack has run (middleware, routing, body validation, the error handler): about 2 ms of CPU a
refusal, which a client on 64 connections turns into most of a core. This pure ASGI middleware sits in
front of all that and, for a throttled address with no known device:
- holds the answer up to ``login_refusal_hold_seconds`` (a timer, no CPU): a client that waits for its
  answers, as every HTTP client does, can then make at most one attempt per connection per hold;
- for the API, answers the 429 itself from a prebuilt body; the login page goes on to its handler,
  which renders the same refusal as a page (a person is behind it, the hold has already slowed it).
A device that signed in to the account before skips the address's count here as in ``identity.login``.
At most ``MAX_HELD`` answers are held at once per process; beyond that they are answered at once, so
a flood cannot grow memory. Whoever opens connections without waiting for answers is for the reverse
proxy's per-address connection limit (docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onething.identity.auth import account_key
from onething.identity.login import DEVICE_COOKIE, gate, known_device, throttled
from onething.kit.settings import get_settings

API_PATH = "/api/v1/auth/token"
PAGE_PATH = "/login"
MAX_HELD = 512
_BODY_PEEK = 8 * 1024  # a login body is far smaller; a larger one goes on unread (BodyLimit bounds it)


class LoginGate:
    def __init__(self, app: ASGIApp, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.app = app
        self.sleep = sleep
        self.held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path")
        if scope["type"] != "http" or scope["method"] != "POST" or path not in (API_PATH, PAGE_PATH):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = gate().failures.peek(f"ip:{client[0] if client else 'unknown'}")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body, receive = await _peek_body(receive)
        if body is not None and _known_device(scope, body, api=path == API_PATH):
            await self.app(scope, receive, send)
            return
        await self._hold(wait)
        if path == PAGE_PATH:
            await self.app(scope, receive, send)
            return
        refusal = throttled(wait)
        payload = json.dumps(refusal.as_dict(), ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in refusal.headers.items()]
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _hold(self, wait: float) -> None:
        hold = min(wait, get_settings().login_refusal_hold_seconds)
        if hold <= 0 or self.held >= MAX_HELD:
            return
        self.held += 1
        try:
            await self.sleep(hold)
        finally:
            self.held -= 1


async def _peek_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole body when it is small (None otherwise), and a ``receive`` that hands the app every
    message read here before reading on."""
    read: list[Message] = []
    size = 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > _BODY_PEEK or not message.get("more_body", False):
            break
    whole = all(m["type"] == "http.request" for m in read) and not read[-1].get("more_body", False)
    body = b"".join(m.get("body", b"") for m in read) if whole and size <= _BODY_PEEK else None

    async def replay() -> Message:
        return read.pop(0) if read else await receive()

    return body, replay


def _known_device(scope: Scope, body: bytes, *, api: bool) -> bool:
    """Does the attempt carry a device token this account gave before? (The handler checks it again.)"""
    login: object = None
    device: object = None
    try:
        if api:
            data = json.loads(body)
            if isinstance(data, dict):
                login, device = data.get("login"), data.get("device")
        else:
            logins = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10).get("login")
            login, device = (logins[0] if logins else None), _cookie(scope, DEVICE_COOKIE)
    except ValueError:  # not JSON, or a form with too many fields: no device to honour
        return False
    if not isinstance(login, str) or not isinstance(device, str):
        return False
    return known_device(device, account_key(login)) is not None


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            text: str = value.decode("latin-1")
            for part in text.split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v.strip('"')
    return None
