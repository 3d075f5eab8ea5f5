"""Every error status an operation can return, documented in /openapi.json with our error body.

FastAPI documents 200 and its own 422 (``HTTPValidationError``), but every error reaching a client is
``{"error": {"code", "message", "field"}}`` (``kit.web``). Rather than ``responses=`` on every route,
the statuses are derived once from what each route declares:

- every operation: 422 (validation), 500 (internal_error);
- it takes the request's database session (``kit.web.get_session``): 503, and for writes 409 (the
  IntegrityError and StaleDataError handlers answer any write with it);
- it asks who the caller is (the ``login`` dependency given at install): 401 (a bad token is refused
  even where no login is needed) and 403 (a role or scope missing, or CSRF on a cookie request);
- path parameters, or a write that touches the database (its body names rows): 404;
- writes: 413 (the body limit applies to every method but GET/HEAD/OPTIONS);
- anything else a route declares itself in ``responses=`` (429 on a rate-limited route, a 404 without
  a path parameter), and the few statuses in ``EXTRA`` for routes that do not declare them yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from onething.kit.openapi_links import add_links
from onething.kit.web import get_session

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "description": "稳定的错误代码，供程序判断"},
                "message": {"type": "string", "description": "给人看的中文说明"},
                "field": {"type": ["string", "null"], "description": "出错的字段；与具体字段无关时为 null"},
            },
        }
    },
}

DESCRIPTIONS = {
    401: "未登录，或令牌无效、已过期、已撤销",
    403: "无权执行该操作（角色或管辖范围不符），或 Cookie 请求未通过 CSRF 校验",
    404: "找不到该对象，或无权查看（不透露其是否存在）",
    409: "与已有记录冲突，或该记录已被他人同时修改；本次操作未生效，请刷新后重试",
    413: "请求内容超过大小上限",
    422: "请求参数不合法（field 指出出错的字段）",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误（internal_error）",
    503: "数据库暂时不可用，或服务繁忙（busy，排队超时），请稍后重试；可能带 Retry-After",
}

# Statuses a route can return but does not (yet) declare in its own ``responses=``: rate limits kept
# in the service layer, and 404s of look-ups that have no path parameter. Keyed by method and path
# template; tests/test_openapi.py fails on an entry that names no route.
EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    # A wrong password; throttled; its own sessions outside any request transaction (identity.login).
    ("POST", "/api/v1/auth/token"): (401, 409, 429, 503),
    ("POST", "/api/v1/licenses/verify"): (429,),
    ("GET", "/api/v1/licenses/{identifier}/verify"): (429,),
    ("POST", "/api/v1/people/lookup"): (404,),
    ("POST", "/api/v1/enterprises/lookup"): (404,),
    ("GET", "/api/v1/me/person"): (404,),
}

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REF = {"$ref": "#/components/schemas/Error"}


def document_errors(app: FastAPI, *, login: Callable[..., Any]) -> None:
    """Make ``app.openapi()`` document every error status; ``login`` is the who-is-asking dependency."""
    generate = app.openapi
    done: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        doc = generate()  # FastAPI caches it, and builds a new one when routes are added
        if not done or done[0] is not doc:
            add_errors(doc, app, login)
            add_links(doc)
            done[:] = [doc]
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def add_errors(doc: dict[str, Any], app: FastAPI, login: Callable[..., Any]) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for method, path, route in _operations(app):
        operation = doc["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        for status in sorted(statuses(method, path, route, login) | _declared_errors(responses)):
            described = responses.get(str(status), {}).get("description")
            responses[str(status)] = {
                "description": described if described not in (None, "Validation Error") else DESCRIPTIONS[status],
                "content": {"application/json": {"schema": _REF}},
            }
        operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's own validation schemas are referenced by nothing now.
    for unused in ("HTTPValidationError", "ValidationError"):
        if not _referenced(doc, f"#/components/schemas/{unused}"):
            schemas.pop(unused, None)


def statuses(method: str, path: str, route: RouteContext, login: Callable[..., Any]) -> set[int]:
    calls = set(_calls(route.dependant))
    found = {422, 500}
    if get_session in calls:
        found.add(503)
        if method in WRITES:
            found |= {404, 409}  # a body names rows too (a thing, an item, an org) that may not be there
    if login in calls:
        found |= {401, 403}
    if route.dependant.path_params:
        found.add(404)
    if method in WRITES:
        found.add(413)
    found |= set(EXTRA.get((method, path), ()))
    return found


def _operations(app: FastAPI) -> Iterator[tuple[str, str, RouteContext]]:
    for context in iter_route_contexts(app.routes):
        # A RouteContext answers for the route as included (prefix, dependencies of its router).
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        for method in sorted(context.methods or ()):
            yield method, str(context.path_format), context


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _declared_errors(responses: dict[str, Any]) -> set[int]:
    return {int(status) for status in responses if status.isdigit() and int(status) >= 400}


def _referenced(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_referenced(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_referenced(v, ref) for v in node)
    return False
