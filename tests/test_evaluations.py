"""好差评 through the API: one rating per occasion by the applicant only, within the window; a bad
review runs the whole loop (call-back, classification, appeal, rectification, answer, 追评) with
working-day deadlines; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cases_support import AGENT, ok, pin
from evaluations_support import GOOD_ONLINE, bad_review, concluded, items, run_job, snapshot
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from onething.catalog.holidays import calendar
from onething.kit import clock
from onething.models import Evaluation, EvaluationEvent, OutboxMessage


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_one_rating_per_occasion_by_the_applicant_within_the_window(
    client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = concluded(client, login)
    agent = login(AGENT)
    occasions = items(client.get(f"/api/v1/cases/{number}/evaluations", headers=agent))
    assert [(o["occasion_key"], o["state"], o["service_kind"]) for o in occasions] == [("case", "open", "online")]
    url = f"/api/v1/cases/{number}/evaluation"
    good = {"level": 5, "scores": GOOD_ONLINE, "tags": ["一次办成"], "channel": "mobile"}

    before = snapshot(db)
    _refused(client.post(url, json=good, headers=login("ht_clerk")), 403, "not_applicant")
    _refused(client.post(url, json={**good, "level": 7}, headers=agent), 422, "invalid_level")
    _refused(client.post(url, json={**good, "scores": {"efficiency": 5}}, headers=agent), 422, "score_missing")
    _refused(
        client.post(url, json={**good, "scores": {**GOOD_ONLINE, "attitude": 5}}, headers=agent),
        422,
        "unknown_dimension",
    )
    _refused(client.post(url, json={**good, "tags": ["多次跑动"]}, headers=agent), 422, "invalid_tag")
    _refused(client.post(url, json={"level": 2, "scores": GOOD_ONLINE}, headers=agent), 422, "reason_required")
    closes = dt.date.fromisoformat(occasions[0]["closes_on"])
    pin(monkeypatch, closes + dt.timedelta(days=1))
    agent = login(AGENT)  # days later: yesterday's token has expired, the person signs in again
    _refused(client.post(url, json=good, headers=agent), 409, "rating_closed")
    assert snapshot(db) == before

    pin(monkeypatch, closes)  # the last day still counts
    agent = login(AGENT)
    rated = ok(client.post(url, json=good, headers=agent), 201)
    assert rated["state"] == "rated" and rated["level_name"] == "非常满意" and rated["rating_channel"] == "mobile"
    assert rated["rectification"] is None  # a good review opens no loop
    after = snapshot(db)
    _refused(client.post(url, json=good, headers=agent), 409, "already_rated")
    assert snapshot(db) == after


def test_bad_review_runs_the_whole_loop(
    client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2026, 11, 20)  # a Friday: the call-back is due on Monday
    pin(monkeypatch, day)
    number = concluded(client, login)
    rated = bad_review(client, login, number)
    rect = rated["rectification"]
    cal = calendar(db)
    assert rect["status"] == "callback" and rect["org_name"].endswith("政务服务中心")
    assert rect["callback_due"] == str(cal.add_working_days(day, 1)) == "2026-11-23"
    assert rect["rectify_due"] == str(cal.add_working_days(day, 15))
    rid, org, supervisor, agent = rect["id"], login("ht_clerk"), login("ht_supervisor"), login(AGENT)
    base = f"/api/v1/rectifications/{rid}"
    assert [r["id"] for r in items(client.get("/api/v1/rectifications", headers=org))] == [rid]

    before = snapshot(db)
    _refused(
        client.post(f"{base}/callback", json={"contacted": True, "note": "x"}, headers=login("ht_market")),
        404,
        "rectification_not_found",
    )
    _refused(
        client.post(f"{base}/callback", json={"contacted": True, "note": "x"}, headers=supervisor), 403, "not_your_step"
    )
    _refused(client.post(f"{base}/rectify", json={"measures": "x"}, headers=org), 409, "illegal_step")
    _refused(client.post(f"{base}/callback", json={"contacted": True, "note": ""}, headers=org), 422, "invalid_request")
    assert snapshot(db) == before

    done = ok(client.post(f"{base}/callback", json={"contacted": True, "note": "已电话联系，情况属实"}, headers=org))
    assert done["rectification"]["status"] == "classify"
    done = ok(client.post(f"{base}/classify", json={"classification": "unfounded", "note": "按时办结"}, headers=org))
    assert done["rectification"]["status"] == "appealing"
    _refused(
        client.post(f"{base}/appeal", json={"decision": "upheld", "opinion": "x"}, headers=org), 403, "not_your_step"
    )
    done = ok(
        client.post(f"{base}/appeal", json={"decision": "rejected", "opinion": "办理中确有延误"}, headers=supervisor)
    )
    assert done["rectification"]["status"] == "rectifying"
    ok(client.post(f"{base}/rectify", json={"measures": "优化审批排班"}, headers=org))
    done = ok(client.post(f"{base}/answer", json={"answer": "已整改，感谢监督"}, headers=org))
    assert done["rectification"]["status"] == "answered" and done["rectification"]["answer"] == "已整改，感谢监督"
    assert done["rectification"]["rerate_closes_on"] == str(cal.add_working_days(day, 5))

    eid = rated["id"]
    _refused(client.post(f"/api/v1/evaluations/{eid}/rerate", json={"level": 4}, headers=org), 403, "not_rater")
    done = ok(client.post(f"/api/v1/evaluations/{eid}/rerate", json={"level": 4, "comment": "改进了"}, headers=agent))
    assert done["rerate_level"] == 4 and done["rectification"]["status"] == "closed"
    _refused(client.post(f"/api/v1/evaluations/{eid}/rerate", json={"level": 5}, headers=agent), 409, "already_rerated")
    actions = [e["action"] for e in done["events"]]
    assert actions == [
        "enrol",
        "rate",
        "open",
        "callback",
        "classify",
        "appeal_rejected",
        "rectify",
        "answer",
        "rerate",
    ]
    row = db.scalar(select(Evaluation).where(Evaluation.id == eid))
    assert row is not None and row.called_back and row.rectified and not row.appeal_upheld
    # The org was told of the bad review, and the rater of the answer.
    messages = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    topics = [m.topic for m in messages if (m.data or {}).get("id") == rect["id"]]
    assert topics == ["rectification.opened", "rectification.answered"]


def test_an_upheld_appeal_closes_the_loop_and_counts_apart(
    client: TestClient, login: Any, db: Session, connection: Connection
) -> None:
    number = concluded(client, login)
    rid = bad_review(client, login, number)["rectification"]["id"]
    org, supervisor = login("ht_clerk"), login("ht_supervisor")
    ok(
        client.post(
            f"/api/v1/rectifications/{rid}/callback", json={"contacted": False, "note": "电话未接通"}, headers=org
        )
    )
    ok(
        client.post(
            f"/api/v1/rectifications/{rid}/classify", json={"classification": "malicious", "note": "辱骂"}, headers=org
        )
    )
    appeals = items(client.get("/api/v1/rectifications?status=appealing", headers=supervisor))
    assert [a["id"] for a in appeals] == [rid]
    done = ok(
        client.post(
            f"/api/v1/rectifications/{rid}/appeal", json={"decision": "upheld", "opinion": "属实"}, headers=supervisor
        )
    )
    assert done["rectification"]["status"] == "closed"
    run_job(connection, clock.today())
    stats = ok(client.get("/api/v1/stats/evaluations?region=430202&by=channel", headers=supervisor))
    total = stats["total"]
    # One bad review, not called back (nobody answered), upheld on appeal: out of the rectification base.
    assert total["rated"] == 1 and total["bad_rate"] == 100.0
    assert total["callback_rate"] == 0.0 and total["rectification_rate"] is None


def test_events_are_append_only(client: TestClient, login: Any, db: Session) -> None:
    number = concluded(client, login)
    bad_review(client, login, number)
    event = db.scalars(select(EvaluationEvent)).first()
    assert event is not None
    event.comment = "改写历史"
    with pytest.raises(Exception, match=r"append.only"):
        db.flush()
    db.rollback()
