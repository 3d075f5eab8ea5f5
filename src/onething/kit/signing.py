"""HMAC signatures for cookies and CSRF tokens, keyed by the deployment's secret and a purpose."""

from __future__ import annotations

import hashlib
import hmac

from onething.kit.settings import secret_key


def digest(value: str, purpose: str) -> str:
    key = hmac.new(secret_key(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def sign(value: str, purpose: str) -> str:
    return f"{value}.{digest(value, purpose)[:32]}"


def unsign(signed: str | None, purpose: str) -> str | None:
    """The value if the signature is ours, else None."""
    if not signed or "." not in signed:
        return None
    value, mac = signed.rsplit(".", 1)
    return value if hmac.compare_digest(mac, digest(value, purpose)[:32]) else None


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
