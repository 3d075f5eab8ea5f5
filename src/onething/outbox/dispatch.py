"""Delivering the outbox: claim a batch (SKIP LOCKED on PostgreSQL, so several processes share the
work and never send one message twice at once), send each, mark it sent or schedule a retry with
back-off; after ``MAX_ATTEMPTS`` a message is marked failed and stays for the operators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.kit.clock import now
from onething.models import OutboxMessage
from onething.outbox.senders import Message, Sender

MAX_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Delivered:
    sent: int
    retried: int
    failed: int


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))


def _claim(session: Session, limit: int) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now())
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def deliver(sessions: Callable[[], Session], sender: Sender, limit: int = 200) -> Delivered:
    """One batch, in one transaction: the row locks are held while sending, so a second process
    skips these rows instead of sending them again."""
    sent = retried = failed = 0
    with sessions() as session, session.begin():
        for row in _claim(session, limit):
            msg = Message(row.id, row.topic, row.recipient_kind, row.recipient, row.subject, row.body, row.data)
            row.attempts += 1
            try:
                sender.send(msg)
            except Exception as exc:
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    failed += 1
                else:
                    row.next_attempt_at = now() + backoff(row.attempts)
                    retried += 1
                continue
            row.status, row.sent_at, row.last_error = "sent", now(), None
            sent += 1
    return Delivered(sent, retried, failed)
