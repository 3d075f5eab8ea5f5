"""A path that is exactly some route's address answers only that route's methods (405 otherwise).

``POST /api/v1/people/lookup`` is one resource; ``GET /api/v1/people/{person_id}`` another. Without this,
``GET /api/v1/people/lookup`` reaches the second and answers 422 for the id "lookup", and a 405 elsewhere
lists methods of routes that only happen to match the text. The literal address wins, as a reader of the
API document expects (schemathesis checks exactly this).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from onething.kit.bodylimit import ASGIApp, Receive, Scope, Send

Methods = Mapping[str, frozenset[str]]


def literal_methods(app: FastAPI) -> dict[str, frozenset[str]]:
    """Path without parameters -> the methods its routes answer."""
    found: dict[str, set[str]] = {}
    for context in iter_route_contexts(app.routes):
        path = str(context.path_format)
        if "{" not in path and context.methods:
            found.setdefault(path, set()).update(context.methods)
    return {path: frozenset(methods) for path, methods in found.items()}


class LiteralPaths:
    def __init__(self, app: ASGIApp, methods: Callable[[], Methods], refuse: Callable[[list[str]], ASGIApp]) -> None:
        self.app, self._methods, self._refuse = app, methods, refuse
        self._known: Methods | None = None  # read on the first request, when every router is included

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._known is None:
                self._known = self._methods()
            allowed = self._known.get(scope["path"])
            method = scope["method"]
            if allowed and method not in allowed and not (method == "HEAD" and "GET" in allowed):
                await self._refuse(sorted(allowed - {"HEAD"}))(scope, receive, send)
                return
        await self.app(scope, receive, send)
