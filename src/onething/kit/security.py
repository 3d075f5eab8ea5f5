"""Security headers on every response: pages, the API, static files, errors and unknown addresses.

A pure ASGI middleware rather than a route decorator, so nothing the app sends can miss them. The
content security policy allows scripts and styles from our own origin only: no inline script, no
``style`` attribute, no ``eval``, nothing from another site. Pages keep their behaviour in the files
under ``/static`` (the QR code is inline SVG markup, which the policy allows).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def security_headers(hsts_seconds: int = 0) -> list[tuple[bytes, bytes]]:
    """The headers, HSTS only when the site is served over HTTPS (``hsts_seconds`` > 0): a browser
    that saw it refuses plain HTTP to this host for that long."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if hsts_seconds > 0:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_seconds}"))
    return [(name.lower().encode(), value.encode()) for name, value in headers]


class SecurityHeaders:
    """Adds ``security_headers`` to every HTTP response that does not already set the same header."""

    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app = app
        self.headers = security_headers(hsts_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
