"""Senders deliver to real receivers (an HTTP server, an SMTP server on loopback); occasions lapse
into 未评价 — or 默认好评 where the province says so, counted apart from ratings."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cases_support import AGENT, ok
from evaluations_support import concluded, items, run_job
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from onething.kit.settings import Settings, get_settings
from onething.models import Evaluation, EvaluationEvent
from onething.outbox.senders import Message, SmtpSender, WebhookSender, sender_for

MESSAGE = Message(7, "warning.red", "user", "12", "【红牌】部门审批已超期", "办件 430202… 已超期。", {"warning": 3})


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append({"key": self.headers["Idempotency-Key"], "body": json.loads(body)})
            self.send_response(204 if self.path == "/ok" else 500)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", got
    server.shutdown()


def test_webhook_sender_posts_json_and_raises_on_failure(webhook: tuple[str, list[dict[str, Any]]]) -> None:
    base, got = webhook
    WebhookSender(f"{base}/ok").send(MESSAGE)
    assert got[0]["key"] == "onething-outbox-7"
    assert got[0]["body"]["recipient"] == {"kind": "user", "id": "12"} and got[0]["body"]["data"] == {"warning": 3}
    with pytest.raises(Exception, match="500"):
        WebhookSender(f"{base}/broken").send(MESSAGE)


def test_smtp_sender_mails_the_supervision_mailbox() -> None:
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_to="jiancha@example.gov.cn")
        SmtpSender(settings).send(MESSAGE)
    finally:
        controller.stop()
    assert received and received[0].rcpt_tos == ["jiancha@example.gov.cn"]
    text = received[0].content.decode()
    assert "outbox-7@onething" in text


def test_sender_is_chosen_by_settings() -> None:
    assert sender_for(Settings()).name == "log"
    assert sender_for(Settings(notify_sender="smtp")).name == "smtp"
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        sender_for(Settings(notify_sender="webhook"))


@pytest.mark.parametrize("default_good", [False, True])
def test_unrated_occasions_lapse(
    default_good: bool,
    client: TestClient,
    login: Any,
    db: Session,
    connection: Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONETHING_EVALUATION_DEFAULT_GOOD", "true" if default_good else "false")
    get_settings.cache_clear()
    try:
        number = concluded(client, login)
        (occasion,) = items(client.get(f"/api/v1/cases/{number}/evaluations", headers=login(AGENT)))
        closes = dt.date.fromisoformat(occasion["closes_on"])
        run_job(connection, closes)  # the last day: still open
        db.expire_all()
        row = db.scalars(select(Evaluation).where(Evaluation.case_number == number)).one()
        assert row.state == "open"
        run_job(connection, closes + dt.timedelta(days=1))
        db.expire_all()
        row = db.scalars(select(Evaluation).where(Evaluation.case_number == number)).one()
        assert row.state == ("default_good" if default_good else "expired") and row.level is None
        actions = db.scalars(select(EvaluationEvent.action).where(EvaluationEvent.evaluation_id == row.id)).all()
        assert actions[-1] == row.state
        # Counted apart: never as a rating.
        stats = ok(
            client.get(
                f"/api/v1/stats/evaluations?region=430202&by=total&from={row.concluded_on}&to={row.concluded_on}",
                headers=login("ht_supervisor"),
            )
        )
        assert stats["total"]["default_good"] >= (1 if default_good else 0)
        assert stats["total"]["rated"] < stats["total"]["occasions"]
    finally:
        get_settings.cache_clear()
