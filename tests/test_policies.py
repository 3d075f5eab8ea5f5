"""免申即享 end to end on both databases: a run over the libraries, the department's list, payments,
an enterprise's "why / why not", policy edits with versions; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cases_support import AGENT, CREDIT_CODE, ok, pin, upload
from evaluations_support import run_job, sessions_of
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from onething.demo.cases import fill_missing
from onething.demo.libraries import add_enterprises
from onething.demo.policies import add_facts
from onething.kit.errors import Conflict
from onething.kit.settings import get_settings
from onething.models import (
    Org,
    OutboxMessage,
    Payment,
    PaymentBatch,
    Policy,
    PolicyEvent,
    PolicyMatch,
    PolicyRun,
    PolicyVersion,
    RoleGrant,
    User,
)
from onething.policies import runs

DAY = dt.date(2026, 11, 22)
REFUND = "hn_unemployment_insurance_refund"  # 免申即享, 省人社厅: the demo restaurant qualifies


@pytest.fixture(autouse=True)
def _runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ONETHING_POLICY_RUNS_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def counts(db: Session) -> dict[str, int]:
    db.expire_all()
    tables = (PolicyRun, PolicyMatch, PaymentBatch, Payment, PolicyVersion, PolicyEvent, OutboxMessage)
    out = {t.__tablename__: db.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
    out["removed"] = db.scalar(select(func.count()).where(PolicyMatch.status == "removed")) or 0
    out["versions"] = db.scalar(select(func.sum(Policy.current_version))) or 0
    return out


@pytest.fixture
def run(db: Session, connection: Connection) -> PolicyRun:
    """200 synthetic enterprises with their 2025 facts (and the demo restaurant), run as of DAY."""
    add_enterprises(db, 200, seed=7)
    add_facts(db, DAY.year - 1, seed=7)
    db.commit()
    queued = runs.start(db, None, DAY)
    db.commit()
    return runs.execute(sessions_of(connection), queued.id)


def test_run_stores_every_condition_and_lists(run: PolicyRun, db: Session) -> None:
    assert run.status == "done" and run.progress == 100
    assert run.enterprises is not None and run.enterprises >= 201
    assert run.snapshot_digest and len(run.snapshot_digest) == 64
    assert run.summary is not None and REFUND in run.summary
    refund = run.summary[REFUND]
    assert sum(refund.values()) == run.enterprises
    assert refund["eligible"] > 0 and refund["not"] > 0
    listed = db.scalar(
        select(func.count()).where(PolicyMatch.run_id == run.id, PolicyMatch.policy_id == _policy(db, REFUND).id)
    )
    assert listed == refund["eligible"]  # every eligible enterprise is on the 免申即享 list
    assert Path(run.result_path or "").exists()
    # 即申即享 / 审批即享 are never listed: they go through cases.
    modes = dict(db.execute(select(Policy.code, Policy.mode)).all())
    listed_codes = set(db.scalars(select(Policy.code).join(PolicyMatch, PolicyMatch.policy_id == Policy.id)))
    assert listed_codes and all(modes[c] == "免申即享" for c in listed_codes)


def _policy(db: Session, code: str) -> Policy:
    policy = db.scalar(select(Policy).where(Policy.code == code))
    assert policy is not None
    return policy


def _list(client: TestClient, headers: dict[str, str], run_id: int, **params: Any) -> dict[str, Any]:
    return ok(
        client.get(f"/api/v1/policy-runs/{run_id}/lists/{REFUND}", params={"limit": 200, **params}, headers=headers)
    )


def test_department_reviews_confirms_and_pays(run: PolicyRun, client: TestClient, login: Any, db: Session) -> None:
    head = login("hn_hr_head")
    listing = _list(client, head, run.id)
    entries = listing["items"]
    assert listing["counts"]["proposed"] == len(entries) > 1
    ours = next(e for e in entries if e["credit_code"] == CREDIT_CODE)
    assert ours["amount"] == "2520.00"  # 0.42 万元 × 60%
    other = next(e for e in entries if e["credit_code"] != CREDIT_CODE)

    before = counts(db)
    refused = client.post(f"/api/v1/policy-matches/{other['id']}/remove", json={"reason": ""}, headers=head)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "reason"
    outsider = client.post(
        f"/api/v1/policy-matches/{other['id']}/remove", json={"reason": "核实"}, headers=login("ht_market")
    )
    assert outsider.status_code == 403
    assert (
        client.post(f"/api/v1/policy-runs/{run.id}/lists/{REFUND}/confirm", headers=login("hn_hr")).status_code == 403
    )
    assert counts(db) == before

    removed = ok(
        client.post(
            f"/api/v1/policy-matches/{other['id']}/remove", json={"reason": "已注销待核实"}, headers=login("hn_hr")
        )
    )
    assert removed["status"] == "removed"
    batch = ok(client.post(f"/api/v1/policy-runs/{run.id}/lists/{REFUND}/confirm", headers=head), 201)
    assert batch["count"] == len(entries) - 1
    payments = db.scalars(select(Payment).where(Payment.batch_id == db.scalar(select(PaymentBatch.id)))).all()
    assert len(payments) == batch["count"]
    assert other["credit_code"] not in {p.credit_code for p in payments}
    assert sum(p.amount for p in payments) == Decimal(batch["total"])
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "policy.granted")).all()
    assert {m.recipient for m in told} == {p.credit_code for p in payments}

    after = counts(db)
    assert client.post(f"/api/v1/policy-runs/{run.id}/lists/{REFUND}/confirm", headers=head).status_code == 409
    assert (
        client.post(f"/api/v1/policy-matches/{ours['id']}/remove", json={"reason": "x"}, headers=head).status_code
        == 409
    )
    assert counts(db) == after

    mine = next(p for p in payments if p.credit_code == CREDIT_CODE)
    assert client.post(f"/api/v1/payments/{mine.id}/paid", json={"reference": ""}, headers=head).status_code == 422
    paid = ok(client.post(f"/api/v1/payments/{mine.id}/paid", json={"reference": "GK2026112200017"}, headers=head))
    assert paid["status"] == "paid"
    assert client.post(f"/api/v1/payments/{mine.id}/paid", json={"reference": "again"}, headers=head).status_code == 409

    # The enterprise sees it among the policies it already gets.
    seen = ok(client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login(AGENT)))
    assert [(p["policy"], p["status"], p["amount"]) for p in seen["payments"]] == [(REFUND, "paid", "2520.00")]


def test_enterprise_sees_why_and_why_not(
    run: PolicyRun, client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    seen = ok(client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login(AGENT)))
    assert seen["run"]["id"] == run.id
    by_code = {p["policy"]: p for p in seen["policies"]}
    # Only the policies of the restaurant's area (湖南省, 株洲市, 荷塘区): a 长沙 or 岳阳 policy is not its own.
    regions = dict(db.execute(select(Policy.code, Policy.region_code)).all())
    ours = {c for c in run.versions if regions[c] in ("430000", "430200", "430202")}
    assert ours and set(by_code) == ours and len(ours) < len(run.versions)
    assert all(p["standing"] == "active" for p in seen["policies"])  # as of DAY every one of them is in effect
    for policy in seen["policies"]:
        for c in policy["conditions"]:
            assert c["words"] and c["rule"] not in c["words"] and not any(n in c["words"] for n in c["values"])
    outcomes = {p["outcome"] for p in seen["policies"]}
    assert outcomes == {"true", "false", "unknown"}
    refund = by_code[REFUND]
    assert refund["outcome"] == "true" and refund["amount"] == pytest.approx(2520.0)
    assert all(c["outcome"] == "true" for c in refund["conditions"])
    layoff = next(c for c in refund["conditions"] if "layoff_rate" in c["values"])
    assert layoff["values"]["layoff_rate"] == 0.0  # the actual value, not just pass/fail
    not_ok = next(p for p in seen["policies"] if p["outcome"] == "false")
    assert any(c["outcome"] == "false" for c in not_ok["conditions"])
    unknown = next(p for p in seen["policies"] if p["outcome"] == "unknown")
    assert any(c["outcome"] == "unknown" and c["missing"] for c in unknown["conditions"])
    # Someone else's enterprise is not for a citizen to see.
    other = client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login("430104199003070023"))
    assert other.status_code == 404  # outside one's scope reads as absent
    assert client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login("cs_clerk")).status_code == 404
    assert client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login("ht_clerk")).status_code == 200


def test_single_check_agrees_with_the_stored_run(run: PolicyRun, client: TestClient, login: Any) -> None:
    stored = ok(client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login(AGENT)))["policies"]
    for entry in stored:
        live = ok(
            client.post(
                f"/api/v1/policies/{entry['policy']}/check",
                json={"credit_code": CREDIT_CODE, "as_of": DAY.isoformat()},
                headers=login(AGENT),
            )
        )
        assert live["outcome"] == entry["outcome"], entry["policy"]
        assert [c["outcome"] for c in live["conditions"]] == [c["outcome"] for c in entry["conditions"]]
        assert (
            live["amount"] == pytest.approx(entry["amount"]) if entry["amount"] is not None else live["amount"] is None
        )


def _edited(source: str) -> str:
    return source.replace("name: 失业保险稳岗返还", "name: 失业保险稳岗返还（2026 年修订）", 1)


def test_edit_makes_a_version_and_never_rewrites_a_confirmed_batch(
    run: PolicyRun, client: TestClient, login: Any, db: Session
) -> None:
    head = login("hn_hr_head")
    ok(client.post(f"/api/v1/policy-runs/{run.id}/lists/{REFUND}/confirm", headers=head), 201)
    batch = db.scalar(select(PaymentBatch))
    assert batch is not None
    paid_before = [(p.credit_code, p.amount, p.version_id) for p in db.scalars(select(Payment).order_by(Payment.id))]
    current = client.get(f"/api/v1/policies/{REFUND}/versions", headers=head).json()[0]

    before = counts(db)
    broken = current["source"].replace("unemployment_insurance_paid > 0.0", "unemployment_insurance_payd > 0.0")
    refused = client.put(f"/api/v1/policies/{REFUND}", json={"source": broken}, headers=head)
    assert refused.status_code == 422
    assert (
        "unemployment_insurance_payd" in refused.json()["error"]["message"]
        and ".yaml:" in refused.json()["error"]["message"]
    )
    assert (
        client.put(
            f"/api/v1/policies/{REFUND}", json={"source": _edited(current["source"])}, headers=login("ht_market")
        ).status_code
        == 403
    )
    assert (
        client.put(f"/api/v1/policies/{REFUND}", json={"source": current["source"]}, headers=head).status_code == 422
    )  # unchanged
    assert counts(db) == before

    new = ok(
        client.put(
            f"/api/v1/policies/{REFUND}", json={"source": _edited(current["source"]), "note": "更名"}, headers=head
        )
    )
    assert new["number"] == current["number"] + 1
    assert ok(client.get(f"/api/v1/policies/{REFUND}"))["name"].endswith("（2026 年修订）")
    db.expire_all()
    assert [
        (p.credit_code, p.amount, p.version_id) for p in db.scalars(select(Payment).order_by(Payment.id))
    ] == paid_before
    assert db.get(PaymentBatch, batch.id).version_id == run.versions[REFUND]  # type: ignore[union-attr]


def test_run_through_the_api_reports_progress(client: TestClient, login: Any, db: Session) -> None:
    assert client.post("/api/v1/policy-runs", json={"as_of": "2026-11-22"}, headers=login(AGENT)).status_code == 403
    before = counts(db)
    bad = client.post("/api/v1/policy-runs", json={"as_of": "1990-01-01"}, headers=login("hn_hr_head"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "as_of"
    assert counts(db) == before
    started = ok(client.post("/api/v1/policy-runs", json={"as_of": "2026-11-22"}, headers=login("hn_hr_head")), 202)
    done = ok(client.get(f"/api/v1/policy-runs/{started['id']}", headers=login("hn_hr_head")))
    assert done["status"] == "done" and done["progress"] == 100  # the test client runs background work before returning


def test_pages(run: PolicyRun, client: TestClient, login: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, DAY)
    library = client.get("/policies")
    assert library.status_code == 200 and "失业保险稳岗返还" in library.text
    page = client.get(f"/policies/{REFUND}")
    assert page.status_code == 200 and "享受条件" in page.text and "上年度裁员率不高于 5.5%" in page.text
    assert "p.sme_ratio" not in page.text and "layoff_rate" not in page.text  # rules are for policy staff
    staff = client.get(f"/policies/{REFUND}", headers=login("hn_hr_head"))
    assert "p.sme_ratio" in staff.text and "第 1 版" in staff.text  # who reviews the policy sees both
    mine = client.get("/my/policies", headers=login(AGENT))
    assert mine.status_code == 200
    for words in ("可享受", "不符合", "无法判断", "失业保险稳岗返还", "上年度裁员率 0%"):
        assert words in mine.text, words
    assert "layoff_rate" not in mine.text and "!dishonest" not in html_lib.unescape(mine.text)
    listing = client.get(f"/policy-runs/{run.id}/lists/{REFUND}", headers=login("hn_hr_head"))
    assert listing.status_code == 200 and "确认名单" in listing.text
    assert client.get(f"/policy-runs/{run.id}/lists/{REFUND}", headers=login("ht_market")).status_code == 403
    progress = client.get(f"/policy-runs/{run.id}", headers=login("hn_hr_head"))
    assert progress.status_code == 200 and "审核名单" in progress.text


HIRING = "hn_key_group_hiring_subsidy"  # 审批即享 through policy_employment_subsidy


def _approver(db: Session, org_code: str) -> str:
    """An approver in the county's HR bureau (the demo seeds none there)."""
    org = db.scalar(select(Org).where(Org.code == org_code))
    assert org is not None
    user = User(kind="staff", username="ht_hr_test", name="荷塘人社审核", password_hash="x", org_id=org.id)
    db.add(user)
    db.flush()
    db.add(RoleGrant(user_id=user.id, role="approver", org_id=org.id))
    db.flush()
    return "ht_hr_test"


def test_approved_claim_case_becomes_one_payment(
    run: PolicyRun, client: TestClient, login: Any, db: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    agent = login(AGENT)
    detail = ok(
        client.post(
            "/api/v1/cases",
            json={"thing": "policy_employment_subsidy", "answers": {}, "enterprise": CREDIT_CODE},
            headers=agent,
        ),
        201,
    )
    number = detail["number"]
    ok(client.put(f"/api/v1/cases/{number}", json={"form": fill_missing(detail, random.Random(3))}, headers=agent))
    for m in detail["needed_materials"]:
        if m["exempt"] != "bundle":
            ok(upload(client, agent, number, m["code"]), 201)
    ok(client.post(f"/api/v1/cases/{number}/submit", headers=agent))
    accepted = ok(client.post(f"/api/v1/cases/{number}/accept", headers=login("ht_clerk")))
    reviewer = login(_approver(db, "430202-human_resources"))
    for task in accepted["tasks"]:
        ok(client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=reviewer))
        ok(client.post(f"/api/v1/tasks/{task['id']}/approve", json={"opinion": "同意"}, headers=reviewer))
    assert ok(client.get(f"/api/v1/cases/{number}", headers=agent))["status"] == "concluded"

    run_job(connection, DAY)
    run_job(connection, DAY)  # idempotent: still one payment
    db.expire_all()
    payments = db.scalars(select(Payment).where(Payment.case_id.is_not(None))).all()
    assert [(p.credit_code, p.policy_id) for p in payments] == [(CREDIT_CODE, _policy(db, HIRING).id)]
    single = ok(
        client.post(
            f"/api/v1/policies/{HIRING}/check",
            json={"credit_code": CREDIT_CODE, "as_of": DAY.isoformat()},
            headers=agent,
        )
    )
    assert payments[0].amount == Decimal(str(single["amount"])).quantize(Decimal("0.01"))
    seen = ok(client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=agent))
    assert [p["policy"] for p in seen["payments"]] == [HIRING] and seen["payments"][0]["case_id"] is not None


def test_department_works_the_list_and_edits_on_the_pages(run: PolicyRun, client: TestClient, db: Session) -> None:
    from test_case_pages import _as, _csrf

    _as(client, "hn_hr_head")
    page = f"/policy-runs/{run.id}/lists/{REFUND}"
    html = client.get(page).text
    first = int(re.search(r'name="id" value="(\d+)"', html).group(1))  # type: ignore[union-attr]
    before = counts(db)
    refused = client.post(page, data={"action": "remove", "id": first, "reason": "", "csrf_token": _csrf(html)})
    assert refused.status_code == 422 and "请写明移出名单的理由" in refused.text
    assert counts(db) == before
    done = client.post(
        page, data={"action": "remove", "id": first, "reason": "企业已申请注销", "csrf_token": _csrf(html)}
    )
    assert done.status_code == 200 and "企业已申请注销" in done.text  # after the redirect
    confirmed = client.post(page, data={"action": "confirm", "csrf_token": _csrf(client.get(page).text)})
    assert confirmed.status_code == 200 and "兑现资金（批次" in confirmed.text

    edit_page = client.get(f"/policies/{REFUND}").text
    assert "修改政策（生成新版本）" in edit_page
    found = re.search(r'<textarea id="source" name="source"[^>]*>(.*?)</textarea>', edit_page, re.S)
    assert found is not None
    source = html_lib.unescape(found.group(1))
    bad = client.post(
        f"/policies/{REFUND}/edit",
        data={"source": source.replace("!dishonest", "!dishonst"), "csrf_token": _csrf(edit_page)},
    )
    assert bad.status_code == 422 and "dishonst" in bad.text
    good = client.post(
        f"/policies/{REFUND}/edit", data={"source": _edited(source), "note": "更名", "csrf_token": _csrf(edit_page)}
    )
    assert good.status_code == 200 and "第 2 版" in good.text
    assert "第 1 版" in client.get(f"/policies/{REFUND}/versions/2").text  # the difference from version 1


def test_a_later_run_never_pays_the_same_year_twice(
    run: PolicyRun, client: TestClient, login: Any, db: Session, connection: Connection
) -> None:
    head = login("hn_hr_head")
    ok(client.post(f"/api/v1/policy-runs/{run.id}/lists/{REFUND}/confirm", headers=head), 201)
    again = runs.execute(sessions_of(connection), runs.start(db, None, DAY).id)
    db.commit()
    second = client.post(f"/api/v1/policy-runs/{again.id}/lists/{REFUND}/confirm", headers=head)
    assert second.status_code == 422 and second.json()["error"]["message"] == "名单为空，无需确认"  # all paid already
    db.expire_all()
    paid = db.scalars(select(Payment.credit_code).where(Payment.policy_id == _policy(db, REFUND).id)).all()
    assert len(paid) == len(set(paid))  # each enterprise once for the year
    mine = (PolicyMatch.run_id == again.id) & (PolicyMatch.credit_code == CREDIT_CODE)
    ours = db.scalar(select(PolicyMatch).where(mine, PolicyMatch.policy_id == _policy(db, REFUND).id))
    assert ours is not None and ours.status == "removed" and "年度已兑现" in (ours.reason or "")


def test_administrator_looks_but_does_not_decide_money(
    run: PolicyRun, client: TestClient, login: Any, db: Session
) -> None:
    admin = login("hn_admin")
    listing = _list(client, admin, run.id)
    before = counts(db)
    first = listing["items"][0]["id"]
    assert client.post(f"/api/v1/policy-matches/{first}/remove", json={"reason": "x"}, headers=admin).status_code == 403
    assert client.post(f"/api/v1/policy-runs/{run.id}/lists/{REFUND}/confirm", headers=admin).status_code == 403
    assert counts(db) == before


def test_edit_cannot_move_the_policy_or_its_examples_break(client: TestClient, login: Any, db: Session) -> None:
    head = login("hn_hr_head")
    current = client.get(f"/api/v1/policies/{REFUND}/versions", headers=head).json()[0]["source"]
    before = counts(db)
    moved = client.put(
        f"/api/v1/policies/{REFUND}",
        json={"source": current.replace('region: "430000"', 'region: "430100"')},
        headers=head,
    )
    assert moved.status_code == 422 and "适用地区" in moved.json()["error"]["message"]
    broken_example = current.replace("expect: {eligible: true, amount:", "expect: {eligible: false, amount:", 1)
    assert broken_example != current
    failed = client.put(f"/api/v1/policies/{REFUND}", json={"source": broken_example}, headers=head)
    assert failed.status_code == 422 and "预期" in failed.json()["error"]["message"]
    assert counts(db) == before


def test_one_run_at_a_time(db: Session) -> None:
    runs.start(db, None, DAY)
    before = counts(db)
    with pytest.raises(Conflict):
        runs.start(db, None, DAY)
    assert counts(db) == before
