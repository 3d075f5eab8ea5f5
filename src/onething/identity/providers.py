"""Where identities come from: local accounts, or the province's unified identity service
(统一身份认证) over OpenID Connect.

Both satisfy ``IdentityProvider``: the web layer asks a provider whether the browser must be sent
elsewhere (``login_url``) and then hands it what came back (``identify``) to get a local ``User``.
A province plugs in its own service by setting ONETHING_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET
(see docs/architecture.md); anything else speaking OIDC can implement the protocol the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
from sqlalchemy.orm import Session

from onething.identity import repository as repo
from onething.kit import validators
from onething.kit.errors import ServiceUnavailable, Unauthorized, ValidationFailed
from onething.kit.settings import Settings
from onething.models import User


class IdentityProvider(Protocol):
    key: str
    label: str

    def login_url(self, state: str, redirect_uri: str) -> str | None:
        """Where to send the browser, or None when the provider takes our own login form."""
        ...

    def identify(self, session: Session, params: Mapping[str, str], ip: str) -> User:
        """The local user behind what the login returned; raises on refusal."""
        ...


class OidcProvider:
    """Authorization-code flow. The identity is read from the userinfo endpoint over the back
    channel (server to server, TLS), so no ID-token signature needs checking here."""

    key = "oidc"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
            raise ValueError("OIDC needs ONETHING_OIDC_ISSUER, ONETHING_OIDC_CLIENT_ID and ONETHING_OIDC_CLIENT_SECRET")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret
        self.scopes = settings.oidc_scopes
        self.id_claim = settings.oidc_id_number_claim
        self.name_claim = settings.oidc_name_claim
        self.label = settings.oidc_label
        self.http = client or httpx.Client(timeout=10)
        self._metadata: dict[str, Any] | None = None

    def _endpoints(self) -> dict[str, Any]:
        if self._metadata is None:
            try:
                response = self.http.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                metadata = response.json()
                for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
                    str(metadata[key])
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                raise ServiceUnavailable("统一身份认证服务暂时无法访问，请稍后再试或使用账号密码登录") from None
            self._metadata = metadata
        return self._metadata

    def login_url(self, state: str, redirect_uri: str) -> str | None:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": state,
        }
        return f"{self._endpoints()['authorization_endpoint']}?{urlencode(query)}"

    def identify(self, session: Session, params: Mapping[str, str], ip: str) -> User:
        claims = self._claims(params.get("code", ""), params.get("redirect_uri", ""))
        try:
            number = validators.id_number(str(claims.get(self.id_claim, "")))
        except validators.InvalidValue:
            raise Unauthorized("统一身份认证未返回有效的身份证号", code="oidc_identity") from None
        name = str(claims.get(self.name_claim) or "").strip()[:60]
        user = repo.user_by_login(session, number)
        if user is None:
            if not name:
                raise ValidationFailed("统一身份认证未返回姓名", field=self.name_claim)
            user = User(kind="citizen", id_number=number, name=name, password_hash=None)
            repo.add(session, user)
            session.flush()
        if not user.active:
            raise Unauthorized("该账号已停用", code="inactive")
        return user

    def _claims(self, code: str, redirect_uri: str) -> dict[str, Any]:
        if not code:
            raise Unauthorized("统一身份认证未返回授权码", code="oidc_code")
        endpoints = self._endpoints()
        try:
            token = self.http.post(
                endpoints["token_endpoint"],
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
                auth=(self.client_id, self.client_secret),
            )
            if token.status_code != 200:
                raise Unauthorized("统一身份认证拒绝了本次登录，请重试", code="oidc_refused")
            access = token.json()["access_token"]
            info = self.http.get(endpoints["userinfo_endpoint"], headers={"Authorization": f"Bearer {access}"})
            info.raise_for_status()
            claims = info.json()
        except (httpx.HTTPError, KeyError, ValueError, TypeError):
            raise ServiceUnavailable("统一身份认证服务暂时无法访问，请稍后再试") from None
        if not isinstance(claims, dict):
            raise ServiceUnavailable("统一身份认证返回的用户信息无法识别")
        return claims


def configured_oidc(settings: Settings) -> OidcProvider | None:
    return OidcProvider(settings) if settings.oidc_issuer else None
