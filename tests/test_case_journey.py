"""开办餐饮店 end to end through the API: a correction round, a tolerated shortfall, a suspension,
parallel approval by five departments, working-day deadlines across the 2026 National Day holiday."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cases_support import AGENT, APPROVERS, TOLERABLE, ok, pin, ready_draft, task_id, upload
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.demo.cases import png
from onething.models import Case, CaseEvent

ACCEPTED_ON = dt.date(2026, 9, 29)  # a Tuesday; 1–7 October is the National Day holiday, 10 October a working Saturday


def test_restaurant_journey(client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, dt.date(2026, 9, 28))
    agent, clerk = login(AGENT), login("ht_clerk")  # signed in on the day: a session lasts a day
    detail = ready_draft(client, agent, skip=TOLERABLE)
    number = detail["number"]
    assert number.startswith("43020220260928") and len(number) == 20

    # Auto-filled from the legal-person library, with the source shown.
    fields = {f["code"]: f for g in detail["form"] for f in g["fields"]}
    assert fields["enterprise_name"]["value"] == "株洲市荷塘区敏记餐饮有限公司"
    assert fields["enterprise_name"]["source_name"] == "法人基础信息库"
    assert fields["legal_representative_name"]["value"] == "赵敏"
    assert fields["agent_name"]["value"] == "王磊" and fields["agent_name"]["source"] == "population"  # the agent
    assert fields["food_safety_officer_name"]["source"] == "applicant"  # not held anywhere: typed in
    # The business licence is not produced in this bundle: it may be referenced as an e-license.
    licence = next(m for m in detail["needed_materials"] if m["code"] == "business_license")
    assert licence["exempt"] == "license"

    # Submit once; a retry with the same key returns the same case and writes nothing.
    key = {"Idempotency-Key": "submit-1"}
    first = ok(client.post(f"/api/v1/cases/{number}/submit", headers={**agent, **key}))
    again = ok(client.post(f"/api/v1/cases/{number}/submit", headers={**agent, **key}))
    assert first["status"] == again["status"] == "submitted"
    assert [e["action"] for e in again["timeline"]].count("submit") == 1

    # The window sends ONE correction notice naming a field and a material.
    notice = {
        "items": [
            {"kind": "material", "code": "storefront_photo", "reason": "门头照片不清晰，请重新拍摄"},
            {"kind": "field", "code": "signboard_text", "reason": "招牌文字与企业名称不一致"},
        ],
        "note": "请一次补齐以下内容",
    }
    corrected = ok(client.post(f"/api/v1/cases/{number}/request-correction", json=notice, headers=clerk))
    assert corrected["status"] == "correction_requested"
    assert [i["name"] for i in corrected["correction"]["items"]] == ["经营场所门头和内部现状照片", "招牌文字内容"]
    assert corrected["deadline"] is None  # the clock has not started: nothing was accepted

    ok(upload(client, agent, number, "storefront_photo", png(99)), 201)
    ok(client.put(f"/api/v1/cases/{number}", json={"form": {"signboard_text": "敏记餐饮"}}, headers=agent))
    resubmitted = ok(client.post(f"/api/v1/cases/{number}/submit", headers=agent))
    assert resubmitted["status"] == "submitted" and resubmitted["correction"] is None

    # Plain acceptance is refused while tolerable materials are missing; 容缺受理 takes them.
    refused = client.post(f"/api/v1/cases/{number}/accept", headers=clerk)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "materials_missing"
    pin(monkeypatch, ACCEPTED_ON)
    clerk = login("ht_clerk")
    shortfall = {"materials": list(TOLERABLE), "due_days": 5, "commitment": "本企业承诺在 5 个工作日内补齐容缺材料"}
    case = ok(client.post(f"/api/v1/cases/{number}/accept-with-shortfall", json=shortfall, headers=clerk))
    assert case["status"] == "accepted"
    assert case["shortfall"]["due"] == "2026-10-12"  # 9/30, 10/8, 10/9, 10/10 (working Saturday), 10/12

    # Every department has its task at once, each on its own working-day clock.
    deadlines = {t["item"]: t["deadline"] for t in case["tasks"]}
    assert {t["status"] for t in case["tasks"]} == {"pending"}
    assert deadlines["food_business_permit"] == "2026-10-14"  # 7 working days, skipping 1–7 October
    assert deadlines["outdoor_signboard_permit"] == "2026-10-12"  # 5
    assert deadlines["public_gathering_fire_check"] == "2026-10-19"  # 10
    assert case["deadline"] == "2026-10-19"  # the critical path

    # Parallel approval, with the fire check suspended for a site inspection.
    fire = task_id(case, "public_gathering_fire_check")
    for item, account in APPROVERS.items():
        ok(client.post(f"/api/v1/tasks/{task_id(case, item)}/claim", headers=login(account)))
    pin(monkeypatch, dt.date(2026, 10, 9))
    stopped = ok(
        client.post(
            f"/api/v1/tasks/{fire}/suspend",
            json={"kind": "site_inspection", "reason": "现场勘验消防设施"},
            headers=login("ht_fire"),
        )
    )
    assert stopped["status"] == "suspended" and stopped["remaining_working_days"] == 7  # frozen on 10/9
    pin(monkeypatch, dt.date(2026, 10, 14))  # 10/10 (working Saturday), 10/12, 10/13, 10/14: 4 stopped
    resumed = ok(client.post(f"/api/v1/tasks/{fire}/resume", json={"comment": "勘验合格"}, headers=login("ht_fire")))
    assert resumed["stopped_days"] == 4
    assert resumed["deadline"] == "2026-10-23"  # 10/19 moved on by the 4 stopped working days
    for item, account in APPROVERS.items():
        ok(
            client.post(
                f"/api/v1/tasks/{task_id(case, item)}/approve",
                json={"opinion": "符合法定条件，准予"},
                headers=login(account),
            )
        )

    agent, clerk = login(AGENT), login("ht_clerk")  # days later: signed in again
    case = ok(client.get(f"/api/v1/cases/{number}", headers=agent))
    assert case["status"] == "concluded" and case["outcome"] == "approved"
    assert case["deadline"] == "2026-10-23"

    # Results are held until the shortfall is supplied; then handed over at the window.
    held = client.post(f"/api/v1/cases/{number}/deliver", json={"method": "window"}, headers=clerk)
    assert held.status_code == 409 and held.json()["error"]["code"] == "results_held"
    for code in TOLERABLE:
        ok(upload(client, agent, number, code), 201)
    case = ok(client.post(f"/api/v1/cases/{number}/deliver", json={"method": "window"}, headers=clerk))
    assert case["status"] == "closed"

    actions = [e["action"] for e in case["timeline"]]
    for expected in (
        "create",
        "submit",
        "request_correction",
        "resubmit",
        "accept_with_shortfall",
        "dispatch",
        "claim",
        "start",
        "suspend",
        "resume",
        "approve",
        "conclude",
        "supply_shortfall",
        "deliver",
        "close",
    ):
        assert expected in actions, expected
    assert actions.index("request_correction") < actions.index("resubmit") < actions.index("accept_with_shortfall")
    assert actions.index("conclude") > max(i for i, a in enumerate(actions) if a == "approve")

    # Every event row is in the database, in order, for the timeline and statistics.
    row = db.scalar(select(Case).where(Case.number == number))
    assert row is not None
    events = db.scalars(select(CaseEvent.action).where(CaseEvent.case_id == row.id).order_by(CaseEvent.id)).all()
    assert events[0] == "create" and events[-1] == "close"
