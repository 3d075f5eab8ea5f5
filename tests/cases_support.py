"""Helpers for the case tests: a restaurant case driven through the API, and a snapshot of every
case table to prove a refused request changed nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.demo.accounts import ENTERPRISE
from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, TOLERABLE, fill_missing, png
from onething.kit import clock
from onething.models import Case, CaseEvent, CaseMaterial, CaseSequence, Task, TaskEvent

AGENT = "430202198506150138"  # 王磊, agent of 敏记餐饮
CREDIT_CODE = str(ENTERPRISE["credit_code"])
APPROVERS = {
    "food_business_permit": "ht_market",
    "public_gathering_fire_check": "ht_fire",
    "drainage_permit": "ht_housing",
    "eia_registration_filing": "ht_ecology",
    "outdoor_signboard_permit": "ht_urban",
}


def pin(monkeypatch: pytest.MonkeyPatch, day: dt.date, at: dt.time = dt.time(10)) -> None:
    """Move the whole process's clock to ``day`` at ``at`` local time, time running on from there:
    "today" and every timestamp agree (the test client serves requests in another thread, so a
    context variable would not reach it). Undone when the test ends."""
    moment = dt.datetime.combine(day, at, clock.zone())
    monkeypatch.setattr(clock, "_shift", clock.shift_to(moment))


def snapshot(db: Session) -> dict[str, Any]:
    """Row counts of every case table and the state of every case and task."""
    db.expire_all()
    counts = {
        m.__tablename__: db.scalar(select(func.count()).select_from(m))
        for m in (Case, Task, CaseEvent, TaskEvent, CaseMaterial, CaseSequence)
    }
    cases = db.execute(select(Case.number, Case.status, Case.version, Case.form, Case.correction, Case.shortfall)).all()
    tasks = db.execute(select(Task.id, Task.status, Task.version, Task.assignee_id, Task.deadline)).all()
    return {"counts": counts, "cases": sorted(map(tuple, cases), key=str), "tasks": sorted(map(tuple, tasks))}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def draft(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": CREDIT_CODE, **extra}
    return ok(client.post("/api/v1/cases", json=body, headers=headers), 201)


def upload(client: TestClient, headers: dict[str, str], number: str, code: str, data: bytes | None = None) -> Any:
    files = {"file": (f"{code}.png", data if data is not None else png(hash(code) % 1000), "image/png")}
    return client.post(f"/api/v1/cases/{number}/materials", data={"material": code}, files=files, headers=headers)


def ready_draft(
    client: TestClient, headers: dict[str, str], skip: tuple[str, ...] = (), seed: int = 1
) -> dict[str, Any]:
    """A draft with every required field filled and every material not in ``skip`` uploaded."""
    detail = draft(client, headers)
    number = detail["number"]
    ok(client.put(f"/api/v1/cases/{number}", json={"form": fill_missing(detail, random.Random(seed))}, headers=headers))
    for m in detail["needed_materials"]:
        if m["exempt"] != "bundle" and m["code"] not in skip:
            ok(upload(client, headers, number, m["code"]), 201)
    return ok(client.get(f"/api/v1/cases/{number}", headers=headers))


def submitted(client: TestClient, headers: dict[str, str], skip: tuple[str, ...] = ()) -> str:
    number = str(ready_draft(client, headers, skip)["number"])
    ok(client.post(f"/api/v1/cases/{number}/submit", headers=headers))
    return number


def accepted(client: TestClient, login: Any) -> tuple[str, dict[str, Any]]:
    number = submitted(client, login(AGENT))
    return number, ok(client.post(f"/api/v1/cases/{number}/accept", headers=login("ht_clerk")))


def task_id(detail: dict[str, Any], item: str) -> int:
    return int(next(t["id"] for t in detail["tasks"] if t["item"] == item and t["kind"] == "approval"))


__all__ = ["TOLERABLE"]
