"""The verification token of a license: what its QR code and printed check address carry.

Identifiers follow GB/T 36904 and are guessable by design (a type code, the issuer's public credit code, a
year and a sequential serial), so a check by identifier shows little. The token is 16 random bytes
(128 bits, URL-safe base64, 22 characters): only someone who was shown the license — its QR code, its
printout, its holder's wallet — knows it, and the check by token shows what the disclosure rules allow.
"""

from __future__ import annotations

import re
import secrets

TOKEN_BYTES = 16
_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")


def new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str) -> bool:
    """Worth a database look-up: anything else is answered as unknown without one."""
    return _SHAPE.fullmatch(token) is not None


def path(token: str) -> str:
    """The public check page of a token, relative to the site."""
    return f"/verify/t/{token}"
