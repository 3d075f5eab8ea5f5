"""Errors a person or a program can act on: a stable code, a Chinese message, the field at fault.

Routes turn them into ``{"error": {"code", "message", "field"}}`` with the status below; the CLI
prints the message and exits non-zero. Nothing else in the code base picks HTTP statuses.
"""

from __future__ import annotations

import math


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        # Seconds a client should wait before trying again (429 and 503): sent as Retry-After.
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, math.ceil(self.retry_after)))} if self.retry_after is not None else {}

    def as_dict(self) -> dict[str, dict[str, str | None]]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class ValidationFailed(AppError):
    status = 422
    code = "invalid"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class ServiceUnavailable(AppError):
    status = 503
    code = "unavailable"


class Unauthorized(AppError):
    status = 401
    code = "unauthenticated"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_attempts"
