"""Writing to the outbox. Callers pass the session of their own transaction: the message exists
exactly when the change that caused it does."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from onething.models import OutboxMessage


def enqueue(
    session: Session,
    topic: str,
    recipient_kind: str,
    recipient: str | int,
    subject: str,
    body: str,
    *,
    data: dict[str, Any] | None = None,
    warning_id: int | None = None,
) -> OutboxMessage:
    msg = OutboxMessage(
        topic=topic,
        recipient_kind=recipient_kind,
        recipient=str(recipient),
        subject=subject,
        body=body,
        data=data,
        warning_id=warning_id,
    )
    session.add(msg)
    return msg
