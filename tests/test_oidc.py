"""The OIDC seam, against a small identity provider of our own (no real 统一身份认证 runs here):
discovery, the authorization redirect with state, code exchange, userinfo, a local account."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.identity.providers import OidcProvider
from onething.kit.settings import Settings
from onething.models import User

ISSUER = "https://idp.example.gov.cn"
NEW_CITIZEN = "430104200001010014"


def fake_idp(claims: dict[str, Any]) -> Callable[..., Iterable[bytes]]:
    """A WSGI identity provider that knows one code and one access token."""

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        status, body = "404 Not Found", {}
        if path == "/.well-known/openid-configuration":
            status, body = (
                "200 OK",
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "userinfo_endpoint": f"{ISSUER}/userinfo",
                },
            )
        elif path == "/token" and method == "POST":
            form = parse_qs(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode())
            good = form.get("code") == ["good-code"] and environ.get("HTTP_AUTHORIZATION", "").startswith("Basic ")
            status, body = (
                ("200 OK", {"access_token": "at-1", "token_type": "Bearer"})
                if good
                else (
                    "400 Bad Request",
                    {"error": "invalid_grant"},
                )
            )
        elif path == "/userinfo" and environ.get("HTTP_AUTHORIZATION") == "Bearer at-1":
            status, body = "200 OK", claims
        start(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return app


def _provider(claims: dict[str, Any]) -> OidcProvider:
    settings = Settings(oidc_issuer=ISSUER, oidc_client_id="onething", oidc_client_secret="s3cret")
    return OidcProvider(settings, httpx.Client(transport=httpx.WSGITransport(app=fake_idp(claims)), base_url=ISSUER))


def _start(client: TestClient) -> str:
    r = client.get("/login/oidc", follow_redirects=False)
    assert r.status_code == 303
    target = urlparse(r.headers["location"])
    assert target.netloc == "idp.example.gov.cn" and target.path == "/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == ["onething"] and query["response_type"] == ["code"]
    return query["state"][0]


def test_first_login_creates_the_citizen_and_opens_a_session(client: TestClient, db: Session) -> None:
    client.app.state.oidc = _provider({"id_number": NEW_CITIZEN, "name": "钱多多"})  # type: ignore[attr-defined]
    assert "使用湖南省统一身份认证登录" in client.get("/login").text
    state = _start(client)
    r = client.get(f"/login/oidc/callback?code=good-code&state={state}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/cases"  # a citizen lands on 我的办件
    assert "钱多多" in client.get("/me").text
    user = db.scalars(select(User).where(User.id_number == NEW_CITIZEN)).one()
    assert user.kind == "citizen" and user.password_hash is None


def test_existing_citizen_is_matched_by_id_number(client: TestClient, db: Session) -> None:
    client.app.state.oidc = _provider({"id_number": "430104199003070023", "name": "李娜"})  # type: ignore[attr-defined]
    before = db.scalars(select(User.id)).all()
    state = _start(client)
    client.get(f"/login/oidc/callback?code=good-code&state={state}")
    assert db.scalars(select(User.id)).all() == before
    assert "李娜" in client.get("/me").text


@pytest.mark.parametrize(
    ("query", "status"),
    [("code=good-code&state=forged", 403), ("code=bad-code&state={state}", 401), ("state={state}", 401)],
)
def test_bad_callbacks_are_refused(client: TestClient, db: Session, query: str, status: int) -> None:
    client.app.state.oidc = _provider({"id_number": NEW_CITIZEN, "name": "钱多多"})  # type: ignore[attr-defined]
    state = _start(client)
    r = client.get("/login/oidc/callback?" + query.format(state=state), follow_redirects=False)
    assert r.status_code == status
    assert db.scalar(select(User.id).where(User.id_number == NEW_CITIZEN)) is None


def test_invalid_id_number_from_the_provider_is_refused(client: TestClient, db: Session) -> None:
    client.app.state.oidc = _provider({"id_number": "430104200001010017", "name": "错号"})  # type: ignore[attr-defined]
    state = _start(client)
    r = client.get(f"/login/oidc/callback?code=good-code&state={state}", follow_redirects=False)
    assert r.status_code == 401
    assert db.scalar(select(User.id).where(User.name == "错号")) is None


def test_without_configuration_there_is_no_oidc_login(client: TestClient) -> None:
    assert client.get("/login/oidc", follow_redirects=False).status_code == 404
    assert "统一身份认证" not in client.get("/login").text
