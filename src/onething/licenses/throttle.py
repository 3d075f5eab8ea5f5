"""The rate limit of the public license check: per client address, taken before any database work.

Each check by identifier, token or signed file takes a token from the client address's bucket
(``verify_burst`` at once, then ``verify_per_minute``); a refused check costs a dictionary look-up.
The buckets live in this process (see ``kit.ratelimit``): with N workers an address gets at most N
times the rate, which still makes guessing a province's licenses a matter of years.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from onething.identity.deps import client_ip
from onething.kit.errors import TooManyRequests
from onething.kit.ratelimit import Buckets
from onething.kit.settings import get_settings

CODE = "too_many_requests"


class Gate:
    """Buckets made from the settings on first use. ``clear`` forgets every client (and the settings)."""

    def __init__(self) -> None:
        self._buckets: Buckets | None = None
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        with self._lock:
            if self._buckets is None:
                settings = get_settings()
                self._buckets = Buckets(settings.verify_per_minute, settings.verify_burst)
            buckets = self._buckets
        return buckets.take(key)

    def clear(self) -> None:
        with self._lock:
            self._buckets = None


VERIFY = Gate()


def wait_of(request: Request) -> float:
    """0.0 when this client may check a license now (one check counted), else the seconds to wait."""
    return VERIFY.take(client_ip(request))


def refusal(wait: float) -> TooManyRequests:
    """The refusal, its Retry-After included (``AppError.headers``)."""
    return TooManyRequests(f"核验过于频繁，请 {max(1, math.ceil(wait))} 秒后再试", code=CODE, retry_after=wait)


def json_refusal(wait: float) -> JSONResponse:
    error = refusal(wait)
    return JSONResponse(error.as_dict(), status_code=429, headers=error.headers)


# For OpenAPI: the statuses every public check may answer besides 200.
RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"description": "同一客户端核验过于频繁（Retry-After 给出等待秒数）"},
}
