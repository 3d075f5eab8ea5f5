"""The app's logs (kit.logs): JSON lines on stderr with the request's id, personal data masked, one access
line a request without its query string, from the real server (``onething serve``, two workers) and
from a command (``onething supervise``, whose log sender's notifications must be seen somewhere)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import live_server
import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, select

from onething.identity import auth
from onething.identity import repository as identity_repo
from onething.kit.db import session_scope
from onething.kit.logs import JsonFormatter, RequestIdFilter, StderrHandler
from onething.kit.masking import MaskingFilter
from onething.kit.settings import Settings
from onething.models import OutboxMessage
from onething.outbox.service import enqueue

LI_NA = "430104199003070023"  # 李娜, in the demo population library
LI_NA_MASKED = "4301**********0023"
MOBILE = "13812345678"


def _env(engine: Engine, tmp_path: Path, **more: str) -> dict[str, str]:
    logs = {"ONETHING_SECRET_KEY": "test-logs", "ONETHING_LOG_LEVEL": "info", "ONETHING_LOG_FORMAT": "json"}
    return live_server.env_for(engine, tmp_path, **logs, **more)


def _records(text: str) -> list[dict[str, Any]]:
    """Every line of stderr, each of which must be one JSON object."""
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def served(fresh_engine: Engine, tmp_path: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    """The real server on loopback, and a function that stops it and returns what it wrote to stderr."""
    stderr = tmp_path / "stderr.log"
    env = _env(fresh_engine, tmp_path)
    with stderr.open("wb") as sink, live_server.running(env, sink) as (base, proc):

        def stop() -> str:
            live_server.stop(proc)
            return stderr.read_bytes().decode()

        yield base, stop


def test_the_server_logs_json_with_the_request_id_and_masks_personal_data(
    served: tuple[str, Callable[[], str]], fresh_engine: Engine
) -> None:
    base, stop = served
    with session_scope(fresh_engine) as session:
        clerk = identity_repo.user_by_login(session, auth.normalise_login("cs_clerk"))
        assert clerk is not None
        token = auth.open_session(session, clerk, auth.API, "127.0.0.1").token
    lookup = httpx.post(
        f"{base}/api/v1/people/lookup",
        json={"id_number": LI_NA},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "lookup-0001"},
    )
    assert lookup.status_code == 200 and lookup.headers["x-request-id"] == "lookup-0001"
    missing = httpx.get(f"{base}/nowhere/{LI_NA}?mobile={MOBILE}", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    made = missing.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    # An id that is too long or carries anything but letters, digits and dashes is replaced, not echoed.
    for bad in ("a" * 65, "x\u202eevil", "id with spaces"):
        answered = httpx.get(f"{base}/healthz", headers={b"X-Request-ID": bad.encode()})
        assert re.fullmatch(r"[0-9a-f]{32}", answered.headers["x-request-id"])

    served_text = stop()  # the access line is written after the response: read once the server has stopped
    records = _records(served_text)
    assert {"time", "level", "logger", "message", "request_id"} <= set(records[0])
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's own lines, from the workers too
    lookup_lines = [r for r in records if r["request_id"] == "lookup-0001"]
    assert [r["logger"] for r in lookup_lines] == ["onething.sharing.service", "onething.access"]
    assert "person lookup" in lookup_lines[0]["message"] and LI_NA_MASKED in lookup_lines[0]["message"]
    access = lookup_lines[1]
    assert (access["method"], access["path"], access["status"]) == ("POST", "/api/v1/people/lookup", 200)
    assert isinstance(access["duration_ms"], float)
    (missed,) = [r for r in records if r["request_id"] == made]
    assert (missed["path"], missed["status"]) == (f"/nowhere/{LI_NA_MASKED}", 404)
    assert LI_NA not in served_text and MOBILE not in served_text and "mobile=" not in served_text


def test_a_command_logs_the_notifications_its_log_sender_delivers(fresh_engine: Engine, tmp_path: Path) -> None:
    with session_scope(fresh_engine) as session:
        message = enqueue(session, "test.logs", "person", LI_NA, "您的办件已受理", "正文")
        session.flush()
        message_id = message.id
    done = subprocess.run(
        [sys.executable, "-m", "onething.cli", "supervise", "--once"],
        env=_env(fresh_engine, tmp_path, ONETHING_NOTIFY_SENDER="log"),
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    records = _records(done.stderr.decode())
    sent = [r for r in records if r["logger"] == "onething.notify"]
    assert [r["level"] for r in sent] == ["INFO"]
    assert sent[0]["message"] == f"通知 #{message_id} → person:{LI_NA_MASKED} 您的办件已受理"
    assert sent[0]["request_id"] is None
    with session_scope(fresh_engine) as session:
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id)) == "sent"


def _handler(formatter: logging.Formatter) -> StderrHandler:
    handler = StderrHandler()
    handler.setFormatter(formatter)
    handler.addFilter(MaskingFilter())
    handler.addFilter(RequestIdFilter())
    return handler


@pytest.fixture
def private_logger() -> Iterator[logging.Logger]:
    """A logger of the test's own with the handler ``logging_config`` installs, not the process's root."""
    logger = logging.getLogger("onething.test_logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger
    logger.handlers.clear()
    logger.propagate = True


def test_an_exception_is_rendered_as_text_and_masked(
    private_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    private_logger.addHandler(_handler(JsonFormatter()))
    try:
        raise ValueError(f"证件号 {LI_NA} 不符")
    except ValueError:
        private_logger.exception("查询 %s 失败", LI_NA)
    (record,) = _records(capsys.readouterr().err)
    assert record["level"] == "ERROR" and record["logger"] == "onething.test_logs"
    assert record["message"] == f"查询 {LI_NA_MASKED} 失败" and record["request_id"] is None
    assert record["exc_info"].startswith("Traceback")
    assert f"ValueError: 证件号 {LI_NA_MASKED} 不符" in record["exc_info"]
    assert LI_NA not in str(record)


def test_the_text_format_is_one_plain_line(private_logger: logging.Logger, capsys: pytest.CaptureFixture[str]) -> None:
    from onething.kit.logs import logging_config

    config = logging_config(Settings(log_format="text"))
    private_logger.addHandler(_handler(logging.Formatter(config["formatters"]["onething"]["format"])))
    private_logger.warning("手机 %s", MOBILE)
    line = capsys.readouterr().err
    assert line.count("\n") == 1 and "WARNING onething.test_logs [None] 手机 138****5678" in line


def test_log_settings_are_checked() -> None:
    assert Settings(log_level="WARNING").log_level == "warning"
    for bad in ({"log_level": "loud"}, {"log_format": "xml"}):
        with pytest.raises(ValidationError):
            Settings(**bad)  # type: ignore[arg-type]


def test_every_response_carries_a_request_id_and_one_access_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="onething.access"):
        given = client.get(f"/api/v1/things?q={MOBILE}", headers={"X-Request-ID": "given-42"})
        made = client.get("/static/site.css")
    assert given.headers["x-request-id"] == "given-42"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    lines = [r for r in caplog.records if r.name == "onething.access"]
    assert [(r.method, r.path, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/api/v1/things", given.status_code),
        ("GET", "/static/site.css", 200),
    ]
    assert MOBILE not in caplog.text
