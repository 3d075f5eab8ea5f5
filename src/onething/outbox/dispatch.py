"""Delivering the outbox. A batch is claimed in one short transaction (SKIP LOCKED on PostgreSQL;
the claim moves each row's next attempt past the time a send may take, so no other process takes it
meanwhile), sent with no transaction open (a slow mail server never holds a database lock), then
each row is marked sent or scheduled for a retry with back-off; after ``MAX_ATTEMPTS`` it is marked
failed and stays for the operators."""

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
CLAIM = dt.timedelta(minutes=5)  # longer than a batch takes to send


@dataclass(frozen=True, slots=True)
class Delivered:
    sent: int
    retried: int
    failed: int


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))


def _claim(sessions: Callable[[], Session], limit: int) -> list[Message]:
    with sessions() as session, session.begin():
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now())
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = []
        for row in session.scalars(stmt):
            row.attempts += 1
            row.next_attempt_at = now() + CLAIM
            claimed.append(
                Message(row.id, row.topic, row.recipient_kind, row.recipient, row.subject, row.body, row.data)
            )
        return claimed


def _settle(sessions: Callable[[], Session], message_id: int, error: str | None) -> str:
    with sessions() as session, session.begin():
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return "gone"
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", now(), None
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = "failed", error
        else:
            row.next_attempt_at, row.last_error = now() + backoff(row.attempts), error
        return row.status if error is None or row.status == "failed" else "retry"


def deliver(sessions: Callable[[], Session], sender: Sender, limit: int = 200) -> Delivered:
    counts = {"sent": 0, "retry": 0, "failed": 0, "gone": 0}
    for msg in _claim(sessions, limit):
        try:
            sender.send(msg)
            error = None
        except Exception as exc:  # any sender failure is retried, and recorded
            error = f"{type(exc).__name__}: {exc}"[:500]
        counts[_settle(sessions, msg.id, error)] += 1
    return Delivered(counts["sent"], counts["retry"], counts["failed"])
