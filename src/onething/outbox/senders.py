"""Senders deliver one message or raise. Chosen by ``ONETHING_NOTIFY_SENDER``; a sender must be
safe to call again for the same message (delivery is at least once: a crash after sending and
before marking it sent repeats it), so each message carries its id for the receiver to de-duplicate."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from onething.kit.settings import Settings

log = logging.getLogger("onething.notify")


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    topic: str
    recipient_kind: str
    recipient: str
    subject: str
    body: str
    data: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "recipient": {"kind": self.recipient_kind, "id": self.recipient},
            "subject": self.subject,
            "body": self.body,
            "data": self.data or {},
        }


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class LogSender:
    name = "log"

    def send(self, message: Message) -> None:
        log.info("通知 #%s → %s:%s %s", message.id, message.recipient_kind, message.recipient, message.subject)


class WebhookSender:
    name = "webhook"

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, message: Message) -> None:
        headers = {"Idempotency-Key": f"onething-outbox-{message.id}"}
        response = httpx.post(self.url, json=message.as_json(), headers=headers, timeout=self.timeout)
        response.raise_for_status()


class SmtpSender:
    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = s.smtp_to
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<outbox-{message.id}@onething>"
        mail.set_content(f"{message.body}\n\n收件对象：{message.recipient_kind} {message.recipient}\n")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_user and s.smtp_password:
                smtp.starttls()
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(mail)


def sender_for(settings: Settings) -> Sender:
    if settings.notify_sender == "webhook":
        if not settings.notify_webhook_url:
            raise ValueError("ONETHING_NOTIFY_WEBHOOK_URL is required for the webhook sender")
        return WebhookSender(settings.notify_webhook_url)
    if settings.notify_sender == "smtp":
        return SmtpSender(settings)
    return LogSender()
