"""Helpers for the 好差评 and supervision tests: a restaurant case driven to conclusion, the job
run on a chosen day inside the test's transaction, and a snapshot of the 好差评 tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cases_support import AGENT, APPROVERS, accepted, ok
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from onething.models import DeadlineWarning, Evaluation, EvaluationEvent, OutboxMessage, Rectification
from onething.supervision import jobs

GOOD_ONLINE = {"efficiency": 5, "guide": 5, "convenience": 4, "usability": 5}


def items(response: Any) -> list[dict[str, Any]]:
    """A JSON list from a 200 response."""
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def concluded(client: TestClient, login: Any) -> str:
    """A restaurant case accepted at 荷塘 and approved by every department (prerequisites first)."""
    number, _ = accepted(client, login)
    clerk = login("ht_clerk")
    for _ in range(10):
        detail = ok(client.get(f"/api/v1/cases/{number}", headers=clerk))
        if detail["status"] == "concluded":
            return number
        for t in detail["tasks"]:
            if t["kind"] == "approval" and t["status"] == "pending":
                who = login(APPROVERS[t["item"]])
                ok(client.post(f"/api/v1/tasks/{t['id']}/claim", json={}, headers=who))
                ok(client.post(f"/api/v1/tasks/{t['id']}/approve", json={"opinion": "准予"}, headers=who))
    raise AssertionError(f"{number} did not conclude")


def bad_review(client: TestClient, login: Any, number: str) -> dict[str, Any]:
    body = {"level": 1, "scores": {**GOOD_ONLINE, "efficiency": 1}, "tags": ["办理超时"], "comment": "等了很久"}
    return ok(client.post(f"/api/v1/cases/{number}/evaluation", json=body, headers=login(AGENT)), 201)


def sessions_of(connection: Connection) -> Callable[[], Session]:
    """Sessions inside the test's outer transaction (their commits release savepoints)."""
    return lambda: Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


def run_job(connection: Connection, day: dt.date) -> jobs.TickReport:
    return jobs.tick(sessions_of(connection), today=day)


def snapshot(db: Session) -> dict[str, Any]:
    db.expire_all()
    counts = {
        m.__tablename__: db.scalar(select(func.count()).select_from(m))
        for m in (Evaluation, EvaluationEvent, Rectification, DeadlineWarning, OutboxMessage)
    }
    evaluations = db.execute(select(Evaluation.id, Evaluation.state, Evaluation.level, Evaluation.version)).all()
    rects = db.execute(select(Rectification.id, Rectification.status, Rectification.version)).all()
    return {"counts": counts, "evaluations": sorted(map(tuple, evaluations)), "rects": sorted(map(tuple, rects))}
