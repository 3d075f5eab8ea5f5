"""Electronic supervision: a missed step turns yellow, then red; cards resolve when the step is done;
the job is idempotent and safe in several processes at once; statistics and exports add up."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from cases_support import ok, pin
from evaluations_support import GOOD_ONLINE, bad_review, concluded, run_job, sessions_of
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from onething.catalog.holidays import calendar
from onething.demo.cases import cast
from onething.kit import clock
from onething.kit.db import session_factory, session_scope
from onething.kit.settings import get_settings
from onething.models import Case, DeadlineWarning, OutboxMessage, Task
from onething.outbox.senders import Message
from onething.supervision import jobs, views


class Collect:
    """A sender that keeps what it was given (and can be told to fail)."""

    name = "collect"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[Message] = []
        self.fail = fail
        self.lock = threading.Lock()

    def send(self, message: Message) -> None:
        if self.fail:
            raise ConnectionError("gateway down")
        with self.lock:
            self.sent.append(message)


def _cards(db: Session, subject: str, subject_id: int) -> list[tuple[str, str, bool]]:
    db.expire_all()
    rows = db.scalars(
        select(DeadlineWarning)
        .where(DeadlineWarning.subject == subject, DeadlineWarning.subject_id == subject_id)
        .order_by(DeadlineWarning.id)
    )
    return [(w.step, w.level, w.resolved_at is not None) for w in rows]


def test_a_missed_callback_turns_yellow_then_red(
    client: TestClient, login: Any, db: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2026, 11, 20)  # Friday: the call-back is due Monday 11-23
    pin(monkeypatch, day)
    rid = bad_review(client, login, concluded(client, login))["rectification"]["id"]
    run_job(connection, day)
    assert _cards(db, "rectification", rid) == []  # one working day left: not yet
    run_job(connection, dt.date(2026, 11, 23))
    assert _cards(db, "rectification", rid) == [("callback", "yellow", False)]
    run_job(connection, dt.date(2026, 11, 23))  # idempotent
    run_job(connection, dt.date(2026, 11, 24))
    # Red takes over: the yellow card is resolved, the red one open.
    assert _cards(db, "rectification", rid) == [("callback", "yellow", True), ("callback", "red", False)]
    # The supervisor sees both, on the day the call-back is one working day late.
    pin(monkeypatch, dt.date(2026, 11, 24))
    page = ok(client.get("/api/v1/supervision/warnings", headers=login("ht_supervisor")))
    mine = [w for w in page["items"] if w["subject"] == "rectification" and w["subject_id"] == rid]
    assert [(w["level"], w["step_name"], w["remaining"]) for w in mine] == [("red", "差评回访核实", -1)]
    # Calling back late ends the call-back cards; the rectify step has 15 working days, so no card yet.
    ok(
        client.post(
            f"/api/v1/rectifications/{rid}/callback",
            json={"contacted": True, "note": "已回访"},
            headers=login("ht_clerk"),
        )
    )
    run_job(connection, dt.date(2026, 11, 24))
    assert _cards(db, "rectification", rid) == [("callback", "yellow", True), ("callback", "red", True)]
    # Each card announced once to the org and once to the region's supervisors.
    kinds = db.execute(
        select(OutboxMessage.recipient_kind, func.count())
        .join(DeadlineWarning, DeadlineWarning.id == OutboxMessage.warning_id)
        .where(DeadlineWarning.subject == "rectification", DeadlineWarning.subject_id == rid)
        .group_by(OutboxMessage.recipient_kind)
    ).all()
    assert dict(kinds) == {"org": 2, "supervisors": 2}


def test_a_task_past_its_deadline_turns_red_and_resolves_when_decided(
    client: TestClient, login: Any, db: Session, connection: Connection
) -> None:
    from cases_support import APPROVERS, accepted

    _, detail = accepted(client, login)
    task = next(t for t in detail["tasks"] if t["status"] == "pending")
    due = dt.date.fromisoformat(task["deadline"])
    cal = calendar(db)

    def working_days_before(n: int) -> dt.date:
        day = due
        while cal.working_days_between(day, due) < n or not cal.is_workday(day):
            day -= dt.timedelta(days=1)
        return day

    run_job(connection, working_days_before(2))
    assert _cards(db, "task", task["id"]) == []
    run_job(connection, working_days_before(1))
    assert _cards(db, "task", task["id"]) == [("approve", "yellow", False)]
    run_job(connection, cal.add_working_days(due, 1))
    assert _cards(db, "task", task["id"]) == [("approve", "yellow", True), ("approve", "red", False)]
    who = login(APPROVERS[task["item"]])
    ok(client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=who))
    ok(client.post(f"/api/v1/tasks/{task['id']}/approve", json={"opinion": "准予"}, headers=who))
    run_job(connection, cal.add_working_days(due, 1))
    assert _cards(db, "task", task["id"]) == [("approve", "yellow", True), ("approve", "red", True)]


def test_outbox_retries_then_delivers_once(db: Session, connection: Connection) -> None:
    from onething.outbox.dispatch import deliver
    from onething.outbox.service import enqueue

    enqueue(db, "test", "user", 1, "主题", "正文")
    db.flush()
    sessions = sessions_of(connection)
    failing = deliver(sessions, Collect(fail=True))
    assert (failing.sent, failing.retried) == (0, 1)
    db.expire_all()
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "test")).one()
    assert row.status == "pending" and row.attempts == 1 and "gateway down" in (row.last_error or "")
    row.next_attempt_at = clock.now() - dt.timedelta(seconds=1)  # the back-off has passed
    db.flush()
    ok_sender = Collect()
    assert deliver(sessions, ok_sender).sent == 1
    assert deliver(sessions, ok_sender).sent == 0  # sent is sent
    assert [m.subject for m in ok_sender.sent] == ["主题"]


def test_the_job_in_several_processes_at_once_raises_each_card_once(fresh_engine: Engine) -> None:
    """Committed data, four runners on their own connections at the same instant."""
    import random

    from onething.cases import intake, window
    from onething.cases.schemas import AcceptIn
    from onething.demo.cases import new_restaurant_case

    with session_scope(fresh_engine) as session:
        people = cast(session)
        number = new_restaurant_case(session, people, random.Random(11))
        intake.submit(session, people.agent, number)
        window.accept(session, people.clerk, number, AcceptIn())
    with session_scope(fresh_engine) as session:
        case_id = session.scalar(select(Case.id).where(Case.number == number))
        deadline = max(t.deadline for t in session.scalars(select(Task).where(Task.case_id == case_id)) if t.deadline)
    far = deadline + dt.timedelta(days=60)  # everything open is red by then
    sender = Collect()
    gate = threading.Barrier(4)

    def run() -> jobs.TickReport:
        gate.wait()
        return jobs.tick(session_factory(fresh_engine), today=far, sender=sender)

    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda _: run(), range(4)))
    assert sum("supervision.scan" in r.ran for r in reports) >= 1
    with session_scope(fresh_engine) as session:
        dupes = session.execute(
            select(DeadlineWarning.subject, DeadlineWarning.subject_id, DeadlineWarning.step, DeadlineWarning.level)
            .group_by(
                DeadlineWarning.subject,
                DeadlineWarning.subject_id,
                DeadlineWarning.step,
                DeadlineWarning.level,
                DeadlineWarning.due,
            )
            .having(func.count() > 1)
        ).all()
        assert dupes == []
        mine = session.scalars(
            select(DeadlineWarning.id)
            .join(Task, Task.id == DeadlineWarning.subject_id)
            .where(DeadlineWarning.subject == "task", Task.case_id == case_id)
        ).all()
        assert mine, "the case's tasks should be red"
        per_card = session.execute(
            select(OutboxMessage.warning_id, func.count())
            .where(OutboxMessage.warning_id.in_(mine))
            .group_by(OutboxMessage.warning_id)
        ).all()
        assert sorted(n for _, n in per_card) == [2] * len(mine)
    sent_ids = [m.id for m in sender.sent]
    assert len(sent_ids) == len(set(sent_ids))  # no message delivered twice


def test_statistics_and_exports(
    client: TestClient, login: Any, db: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2026, 11, 20)
    pin(monkeypatch, day)
    good_case, bad_case = concluded(client, login), concluded(client, login)
    from cases_support import AGENT

    body = {"level": 4, "scores": GOOD_ONLINE, "tags": []}
    ok(client.post(f"/api/v1/cases/{good_case}/evaluation", json=body, headers=login(AGENT)), 201)
    bad_review(client, login, bad_case)
    run_job(connection, day)
    sup = login("ht_supervisor")
    url = "/api/v1/stats/evaluations?region=430202&from=2026-11-01&to=2026-11-30"
    stats = ok(client.get(f"{url}&by=org", headers=sup))
    assert stats["source"] == "rollup"
    total = stats["total"]
    # Earlier tests may have rated other 荷塘 cases in this transaction's database: compare with the facts.
    facts = ok(client.get(f"{url}&by=thing", headers=sup))
    assert facts["source"] == "facts" and facts["total"] == {**total, "name": "合计", "key": "total"}
    # The facts path counts what the rollup counts: each occasion has one thing, so the rows add up.
    for key in ("occasions", "rated", "default_good"):
        assert sum(r[key] for r in facts["rows"]) == total[key]
    by_channel = ok(client.get(f"{url}&by=rating_channel", headers=sup))
    assert sum(r["rated"] for r in by_channel["rows"]) == total["rated"]
    assert all(r["occasions"] is None and r["rating_rate"] is None for r in by_channel["rows"])
    assert total["rated"] >= 2 and total["good_rate"] < 100 and total["bad_rate"] > 0
    assert total["average"] is not None and 1 <= total["average"] <= 5
    keys = [m["key"] for m in stats["measures"]]
    assert keys[:3] == ["occasions", "rated", "rating_rate"] and all(m["definition"] for m in stats["measures"])

    csv_response = client.get(f"{url}&by=org&format=csv", headers=sup)
    assert csv_response.status_code == 200 and "filename*=UTF-8''" in csv_response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "承办机构" and rows[0][3] == "实际评价率（%）"
    total_row = next(r for r in rows if r and r[0] == "合计")
    assert int(total_row[2]) == total["rated"]
    xlsx = client.get(f"{url}&by=org&format=xlsx", headers=sup)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book.worksheets[0]
    assert sheet.cell(1, 1).value == "承办机构" and "口径说明" in book.sheetnames

    # Out of scope: a county supervisor cannot look at the province; a clerk cannot at all.
    r = client.get("/api/v1/stats/evaluations?region=430000", headers=sup)
    assert r.status_code == 403 and r.json()["error"]["code"] == "region_out_of_scope"
    r = client.get("/api/v1/stats/evaluations", headers=login("ht_clerk"))
    assert r.status_code == 403
    r = client.get(f"{url}&by=colour", headers=sup)
    assert r.status_code == 422 and r.json()["error"]["field"] == "by"

    cases = ok(client.get("/api/v1/stats/cases?region=430202&from=2026-11-01&to=2026-11-30", headers=sup))
    assert cases["concluded"] >= 2 and cases["on_time_rate"] is not None
    assert any(t["name"] == "开办餐饮店" for t in cases["things"])
    assert cases["backlog"].get("待回访核实", 0) >= 1
    assert cases["as_of"]

    # A province's figures are computed at most once a minute per scope (stats_cache_seconds): asked
    # again, the same figures, computed once; with the setting at 0, every time.
    computed: list[str] = []
    real = views.case_stats

    def counted(*args: Any) -> Any:
        computed.append("once")
        return real(*args)

    monkeypatch.setattr(views, "case_stats", counted)
    stats_url = "/api/v1/stats/cases?region=430202&from=2026-11-02&to=2026-11-30"
    try:
        monkeypatch.setattr(get_settings(), "stats_cache_seconds", 60.0)
        first, second = (ok(client.get(stats_url, headers=sup)) for _ in range(2))
        assert first == second and len(computed) == 1
        monkeypatch.setattr(get_settings(), "stats_cache_seconds", 0.0)
        ok(client.get(stats_url, headers=sup))
        ok(client.get(stats_url, headers=sup))
        assert len(computed) == 3
    finally:
        views._case_stats.clear()


def test_occasions_follow_the_channel() -> None:
    """Online: one occasion when the case ends (一事一评). At a window: one per visit — acceptance,
    refusal, results handed over at the window (一次一评) — and none for the conclusion itself."""
    from onething.evaluations.service import occasion_values
    from onething.kit.calendar import build_calendar
    from onething.models import CaseEvent

    cal = build_calendar({}, set(), "weekends")
    at = dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)

    def key(channel: str, action: str, delivery: dict[str, str] | None = None) -> str | None:
        case = Case(
            id=1,
            number="430202202611200001",
            channel=channel,
            region_code="430202",
            thing_code="t",
            thing_name="事",
            applicant_id_number="430202198506150138",
            delivery=delivery,
        )
        values = occasion_values(CaseEvent(id=9, action=action, at=at, actor_id=3), case, 10, cal)
        return None if values is None else f"{values['occasion_key']}/{values['service_kind']}"

    assert key("online", "conclude") == "case/online" and key("mobile", "refuse") == "case/online"
    assert key("online", "accept") is None
    assert key("window", "accept") == "visit:9/in_person" and key("helper", "refuse") == "visit:9/in_person"
    assert key("window", "conclude") is None
    assert key("window", "deliver", {"method": "window"}) == "visit:9/in_person"
    assert key("window", "deliver", {"method": "post"}) is None


def test_a_lost_lease_rolls_the_step_back(db: Session, connection: Connection) -> None:
    from onething.models import JobLease

    sessions = sessions_of(connection)
    assert jobs.acquire(sessions, "test.step", "A")
    assert not jobs.acquire(sessions, "test.step", "B")  # A holds it
    lease = db.get(JobLease, "test.step")
    assert lease is not None
    lease.expires_at = clock.now() - dt.timedelta(seconds=1)  # A stalled past its lease
    db.flush()
    assert jobs.acquire(sessions, "test.step", "B")
    with pytest.raises(jobs.LeaseLost), sessions() as session, session.begin():
        jobs.release(session, "test.step", "A", {"after": 1})
    db.expire_all()
    lease = db.get(JobLease, "test.step")
    assert lease is not None and lease.holder == "B" and lease.watermark is None


def test_whole_past_days_are_grouped_once_and_today_every_time(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's groups of past days are kept until the day is over; today's are read each time."""
    from types import SimpleNamespace

    from onething.kit.clock import day_start
    from onething.supervision import dashboard
    from onething.supervision.stats import Scope

    today = dt.date(2026, 3, 10)
    asked: list[tuple[dt.datetime, dt.datetime]] = []

    def decided_groups(_s: Session, _prefix: str, begin: dt.datetime, end: dt.datetime, _limit: int) -> list[Any]:
        asked.append((begin, end))
        return [("past" if end <= day_start(today) else "today", begin.date())]

    scope = Scope(SimpleNamespace(code="430202", name="荷塘区"), "430202", dt.date(2026, 3, 1), today)  # type: ignore[arg-type]
    monkeypatch.setattr(get_settings(), "stats_cache_seconds", 60.0)
    dashboard._past_days.clear()
    try:
        first = dashboard._grouped(db, decided_groups, scope, today)
        second = dashboard._grouped(db, decided_groups, scope, today)
        assert first == second == ([("past", dt.date(2026, 3, 1)), ("today", today)], False)
        begin, midnight, end = day_start(dt.date(2026, 3, 1)), day_start(today), day_start(dt.date(2026, 3, 11))
        assert asked == [(begin, midnight), (midnight, end), (midnight, end)]  # the past once, today twice

        asked.clear()  # a period over before today: all of it kept
        last_month = Scope(scope.region, "430202", dt.date(2026, 2, 1), dt.date(2026, 2, 28))
        for _ in range(2):
            dashboard._grouped(db, decided_groups, last_month, today)
        assert asked == [(day_start(dt.date(2026, 2, 1)), day_start(dt.date(2026, 3, 1)))]

        asked.clear()  # with caching off, every figure is read afresh
        monkeypatch.setattr(get_settings(), "stats_cache_seconds", 0.0)
        for _ in range(2):
            dashboard._grouped(db, decided_groups, scope, today)
        assert asked == [(begin, end)] * 2
    finally:
        dashboard._past_days.clear()
