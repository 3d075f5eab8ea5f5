"""The process's logging: one JSON object a line on stderr, personal data masked, a request id on
every record logged while a request is being served.

``configure_logging`` is called by every entry point (the ``onething`` commands, ``create_app``);
``onething serve`` also hands ``logging_config`` to uvicorn, which applies it in each worker process
before the app exists. The access log is ours (``onething.access``, one line a request, written by
``RequestId``), not uvicorn's: ours carries the request id and never the query string.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.config
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any, TextIO

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onething.kit.masking import install_log_masking, mask_text
from onething.kit.settings import Settings

__all__ = [
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "RequestId",
    "RequestIdFilter",
    "StderrHandler",
    "configure_logging",
    "current_request_id",
    "logging_config",
]

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and plain: it is echoed in a header and written to logs.
_SANE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("onething_request_id", default=None)
access_log = logging.getLogger("onething.access")
# Paths that are credentials themselves (a license's verification token, its QR code's link): never logged.
_SECRET_PATH = re.compile(r"(/verify/t/|/licenses/verify/)[^/]+")

# What a record carries besides the standard fields; the access log's fields among them.
_EXTRA_FIELDS = ("method", "path", "status", "duration_ms")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Stamps ``record.request_id`` (None outside a request); lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, then the access fields and ``exc_info`` as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in _EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return orjson.dumps(entry, default=str).decode()


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when the record is emitted (as logging's last resort does),
    so a replaced stderr (a test's capture, a daemoniser) never leaves it writing to a closed file."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _ignored: TextIO) -> None:
        pass  # StreamHandler's constructor and setStream: the stream is always the current stderr


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document: the root logger to stderr, uvicorn's loggers through it."""
    formatter: dict[str, Any] = (
        {"()": "onething.kit.logs.JsonFormatter"} if settings.log_format == "json" else {"format": _TEXT_FORMAT}
    )
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "masking": {"()": "onething.kit.masking.MaskingFilter"},
            "request_id": {"()": "onething.kit.logs.RequestIdFilter"},
        },
        "formatters": {"onething": formatter},
        "handlers": {
            "stderr": {
                "()": "onething.kit.logs.StderrHandler",
                "formatter": "onething",
                "filters": ["masking", "request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # uvicorn's own loggers go through the root handler; its access log stays off (ours has the id).
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(settings: Settings, *, force: bool = False) -> bool:
    """Configure this process's logging once; True when it did.

    Left alone: a process whose root logger already has handlers (ours from an earlier call or from
    uvicorn's worker start-up, a test runner's capture, an operator's own configuration), unless ``force``.
    Masking is installed in every case: personal data never reaches any handler unmasked."""
    install_log_masking()
    root = logging.getLogger()
    if root.handlers and not force:
        return False
    logging.config.dictConfig(logging_config(settings))
    return True


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SANE_ID.fullmatch(text) else None
    return None


class RequestId:
    """Pure ASGI middleware: the request's id (a sane ``X-Request-ID`` from the client or proxy, else a
    new one) in a context variable for the log records, in the response header, and one access line.

    The context variable is not reset afterwards on purpose: each request runs in its own task, and the
    server's record of an unhandled exception, written after the app has returned, should carry the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        _request_id.set(request_id)
        status = 500  # what the client sees when the app fails before it starts a response
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = round((time.perf_counter() - started) * 1000, 1)
            path = mask_text(scope.get("path", ""))  # never the query string: it may carry personal data
            path = _SECRET_PATH.sub(r"\1***", path)
            method = scope.get("method", "")
            access_log.info(
                "%s %s %s %sms",
                method,
                path,
                status,
                duration,
                extra={"method": method, "path": path, "status": status, "duration_ms": duration},
            )
