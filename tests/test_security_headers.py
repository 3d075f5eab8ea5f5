"""Security headers on every response (kit.security) and /docs served from this site alone (web.docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from onething.kit.security import CONTENT_SECURITY_POLICY, security_headers
from onething.kit.settings import get_settings
from onething.web.app import OneThingApp, create_app
from onething.web.docs import SWAGGER_DIR, SWAGGER_FILES

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}
HTML = {"Accept": "text/html"}


def _assert_protected(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    got = {name: headers.get(name) for name in EXPECTED}
    assert got == EXPECTED, f"{response.request.method} {response.request.url}: {got}"  # type: ignore[attr-defined]
    assert "strict-transport-security" not in headers  # off unless the site says it is served over HTTPS


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/", HTML, 200),  # a page
        ("GET", "/api/v1/things", {}, 200),  # the API
        ("GET", "/static/site.css", {}, 200),  # a static file
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/no/such/page", HTML, 404),  # the error page
        ("GET", "/api/v1/no-such-thing", {}, 404),  # a JSON error
        ("GET", "/static/no-such-file.js", {}, 404),
        ("GET", "/api/v1/things/no_such_thing", {}, 404),
        ("DELETE", "/api/v1/things", {}, 405),
        ("POST", "/api/v1/auth/token", {}, 422),
        ("GET", "/cases", HTML, 200),  # the login page a signed-out visitor is shown instead
        ("GET", "/docs", {}, 200),
    ],
)
def test_every_kind_of_response_carries_the_headers(
    client: TestClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    _assert_protected(response)


def test_an_unhandled_error_carries_them_too() -> None:
    """Starlette answers an exception nobody handled from outside the app's own middleware stack: the
    headers are added outside that."""
    app = OneThingApp()
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    _assert_protected(response)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_a_header_the_response_sets_itself_is_kept() -> None:
    """The window's preview of an uploaded file sets a stricter policy of its own, framed by our pages only."""
    own = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN"}
    app = OneThingApp()
    router = APIRouter()

    @router.get("/preview")
    def preview() -> Response:
        return Response(b"%PDF-1.4", media_type="application/pdf", headers=own)

    app.include_router(router)
    with TestClient(app) as c:
        response = c.get("/preview")
    assert response.headers.get_list("content-security-policy") == [own["Content-Security-Policy"]]
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["x-content-type-options"] == "nosniff"  # the others are still added


@pytest.fixture
def https_app(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ONETHING_HSTS_SECONDS", "31536000")
    get_settings.cache_clear()
    try:
        yield TestClient(create_app(engine))  # no lifespan: nothing here needs the warmed catalog
    finally:
        get_settings.cache_clear()


def test_hsts_only_when_the_site_says_it_is_served_over_https(https_app: TestClient) -> None:
    for path in ("/healthz", "/static/site.css", "/no/such/page"):
        assert https_app.get(path).headers["strict-transport-security"] == "max-age=31536000"
    assert [name for name, _ in security_headers(0) if name == b"strict-transport-security"] == []


def test_docs_is_served_from_this_site_alone(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text), "the page names another host"
    assert "<script>" not in page.text  # every script is a file: the policy refuses inline ones
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert set(referenced) == {
        "/static/swagger-ui/favicon-32x32.png",
        "/static/swagger-ui/swagger-ui.css",
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/docs.js",
    }
    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for url in referenced:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert kinds[url[url.rindex(".") :]] in asset.headers["content-type"], url
        _assert_protected(asset)
    initialiser = client.get("/static/docs.js").text
    assert "url: root.dataset.openapi" in initialiser and "validatorUrl: null" in initialiser
    assert not re.search(r"https?://", initialiser)
    assert 'data-openapi="/openapi.json"' in page.text


def test_only_the_files_the_docs_page_uses_are_served_from_the_package(client: TestClient) -> None:
    # The package's demo page loads the petstore from the internet with an inline script.
    assert (SWAGGER_DIR / "index.css").exists() and (SWAGGER_DIR / "oauth2-redirect.html").exists()
    for name in ("index.css", "oauth2-redirect.html", "swagger-initializer.js", "../__init__.py"):
        assert client.get(f"/static/swagger-ui/{name}").status_code == 404, name
    assert all((SWAGGER_DIR / name).is_file() for name in SWAGGER_FILES)
    assert client.get("/redoc").status_code == 404  # FastAPI's redoc page would load from a CDN too
