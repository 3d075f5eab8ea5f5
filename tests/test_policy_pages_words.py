"""惠企政策 pages are for people (issue 17), on both databases: conditions in plain Chinese with the
enterprise's own figures and never the rule, only the policies of the enterprise's own area, ended policies
marked and never offered, region names, 即办, no version numbers; the rules and versions for policy staff.

Every test pins the clock (``pin``): the run is as of DAY and "today" is chosen, so they pass on any date."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cases_support import AGENT, CREDIT_CODE, ok, pin
from evaluations_support import sessions_of
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from onething.demo.libraries import add_enterprises
from onething.demo.policies import add_facts
from onething.kit.settings import get_settings
from onething.models import Policy, PolicyEvent, PolicyRun, PolicyVersion
from onething.policies import repository as repo
from onething.policies import runs

DAY = dt.date(2026, 11, 22)  # the run's day: every policy below is in effect
AFTER = dt.date(2027, 1, 15)  # 失业保险稳岗返还 ended 2026-12-31; award years are dated through 2026
REFUND = "hn_unemployment_insurance_refund"  # 湖南省, 免申即享: the demo restaurant qualifies
AWARD = "hn_above_scale_first_award"  # 湖南省, 审批即享 through AWARD_THING
AWARD_THING = "policy_above_scale_award"
INSTANT = "hn_agri_leading_enterprise_award"  # 即申即享 through a thing promised in 0 working days
CHANGSHA = "cs_skill_upgrade_training_subsidy"  # 长沙市 only
OUR_AREA = ("430000", "430200", "430202")  # 湖南省, 株洲市, 荷塘区: where 敏记餐饮 is registered


@pytest.fixture(autouse=True)
def _runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ONETHING_POLICY_RUNS_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def run(db: Session, connection: Connection) -> PolicyRun:
    add_enterprises(db, 30, seed=11)
    add_facts(db, DAY.year - 1, seed=11)
    db.commit()
    queued = runs.start(db, None, DAY)
    db.commit()
    return runs.execute(sessions_of(connection), queued.id)


def text_of(page: str) -> str:
    """What a person reads in <main>: tags gone, entities decoded, each run of spaces one space."""
    found = re.search(r"<main.*?</main>", page, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", found.group(0))))


def rules(db: Session) -> list[str]:
    """Every rule text of every current policy, the automatic region rule included."""
    return [c.rule.text for _, v in repo.current(db) for c in repo.compiled(v).conditions]


def test_the_enterprise_reads_words_and_its_own_figures_never_the_rule(
    run: PolicyRun, client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    page = client.get("/my/policies", headers=login(AGENT))
    assert page.status_code == 200
    shown = text_of(page.text)
    leaked = [rule for rule in rules(db) if rule in shown]
    assert leaked == [], leaked
    assert "startsWith" not in shown and "dishonest" not in shown and "<code" not in page.text
    # The words, with the figure the enterprise is judged on beside them.
    assert "企业注册地在湖南省" in shown and "注册地：株洲市荷塘区" in shown
    assert "上年度裁员率不高于 5.5%（参保职工 30 人及以下的企业不高于 20%）" in shown
    assert "上年度裁员率 0%" in shown and "上年度营业收入 380 万元" in shown
    assert "上年度研发费用：暂无数据（税务局未提供）" in shown  # missing data says whose it is
    # Region names, never codes (the credit code 91430202… is the only number of that kind).
    assert "430000" not in shown and "430200" not in shown and "行政区划代码" not in shown
    # Checking one policy again on today's data reads the same way, without the version number.
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    checked = client.post(
        f"/policies/{REFUND}/check",
        data={"credit_code": CREDIT_CODE, "csrf_token": csrf.group(1)},
        headers=login(AGENT),
    )
    said = text_of(checked.text)
    assert checked.status_code == 200 and "失业保险稳岗返还： ✓ 符合" in said
    assert "上年度裁员率 0%" in said and "统计部门已完成企业规模划型" in said and "预计可享受 2,520.00 元" in said
    assert [rule for rule in rules(db) if rule in said] == [] and "第 1 版" not in said and "<code" not in checked.text


def test_only_the_enterprise_s_own_area_is_listed(
    run: PolicyRun, client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    areas = dict(db.execute(select(Policy.code, Policy.name)).all())
    regions = dict(db.execute(select(Policy.code, Policy.region_code)).all())
    elsewhere = [c for c in run.versions if regions[c] not in OUR_AREA]
    ours = [c for c in run.versions if regions[c] in OUR_AREA]
    assert elsewhere and ours  # the run has 长沙 and 岳阳 policies, and the restaurant's own
    shown = text_of(client.get("/my/policies", headers=login(AGENT)).text)
    assert [areas[c] for c in elsewhere if areas[c] in shown] == []  # not even as "不符合"
    assert all(areas[c] in shown for c in ours)
    api = ok(client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login(AGENT)))
    assert sorted(p["policy"] for p in api["policies"]) == sorted(ours)
    # Checking a 长沙 policy for a 株洲 firm says it does not apply, not that the firm fails it.
    form = client.get(f"/policies/{CHANGSHA}", headers=login(AGENT)).text
    assert 'action="/policies/' + CHANGSHA + '/check"' not in form  # not offered
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/my/policies", headers=login(AGENT)).text)
    assert csrf is not None
    checked = client.post(
        f"/policies/{CHANGSHA}/check",
        data={"credit_code": CREDIT_CODE, "csrf_token": csrf.group(1)},
        headers=login(AGENT),
    )
    assert checked.status_code == 200
    said = text_of(checked.text)
    assert "不适用于株洲市荷塘区敏记餐饮有限公司的注册地（株洲市荷塘区）" in said and "不符合" not in said
    # The library lists what applies in an area when asked (the province's and the city's own, not 长沙's).
    zhuzhou = client.get("/policies", params={"region": "430200"}).text
    listed = set(re.findall(r'<a href="/policies/(\w+)">', zhuzhou))
    assert listed == {c for c, r in regions.items() if r in ("430000", "430200")}
    refused = client.get("/policies", params={"region": "43'0200"})
    assert refused.status_code == 422 and "请从列表中选择适用地区" in refused.text


def test_ended_policies_are_marked_last_and_never_offered(
    run: PolicyRun, client: TestClient, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    before = client.get("/my/policies", headers=login(AGENT)).text
    assert "已截止" not in text_of(before)
    eligible = text_of(before).split("数据不全、无法判断")[0]
    assert "失业保险稳岗返还" in eligible  # in effect on DAY: among what the restaurant gets

    pin(monkeypatch, AFTER)
    page = client.get("/my/policies", headers=login(AGENT)).text
    shown = text_of(page)
    active, _, ended = shown.partition("已截止的政策（")
    assert ended, "no section for ended policies"
    assert "失业保险稳岗返还" not in active and "失业保险稳岗返还" in ended
    assert "已截止（2026-12-31）" in ended
    assert "工业企业首次升规奖励" in ended  # no award year dated for 2027: ended though it has no end date
    assert f'href="/things/{AWARD_THING}"' not in page  # an ended policy is never offered to apply for
    api = ok(client.get(f"/api/v1/enterprises/{CREDIT_CODE}/policies", headers=login(AGENT)))
    standing = {p["policy"]: (p["standing"], p["last_day"]) for p in api["policies"]}
    assert standing[REFUND] == ("ended", "2026-12-31") and standing[AWARD] == ("ended", "2026-12-31")
    assert standing[INSTANT] == ("active", None)

    library = text_of(client.get("/policies").text)
    rows = re.findall(r'<a href="/policies/(\w+)">', client.get("/policies").text)
    first_ended = rows.index(REFUND)
    assert INSTANT in rows[:first_ended]  # in effect: listed before every ended one
    assert "已截止（2026-12-31）" in library
    policy = client.get(f"/policies/{AWARD}").text
    assert "已截止" in text_of(policy) and f'href="/things/{AWARD_THING}"' not in policy


def test_policy_page_for_the_public_and_for_policy_staff(
    run: PolicyRun, client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    anonymous: dict[str, str] = {}
    for headers in (anonymous, login(AGENT), login("ht_market")):  # and the enterprise, another department
        page = client.get(f"/policies/{REFUND}", headers=headers).text
        shown = text_of(page)
        assert "上年度裁员率不高于 5.5%" in shown and "注册地在湖南省的企业" in shown
        assert "layoff_rate" not in shown and "p.max_layoff_rate" not in shown and "第 1 版" not in shown
        assert "/versions/" not in page
    staff = text_of(client.get(f"/policies/{REFUND}", headers=login("hn_hr_head")).text)
    assert "上年度裁员率不高于 5.5%" in staff and "layoff_rate <= p.max_layoff_rate" in staff and "第 1 版" in staff
    # The YAML of a version is the staff's: the public is sent to log in, an enterprise refused.
    assert client.get(f"/policies/{REFUND}/versions/1", follow_redirects=False).status_code == 303
    assert client.get(f"/policies/{REFUND}/versions/1", headers=login(AGENT)).status_code == 403
    assert client.get(f"/policies/{REFUND}/versions/1", headers=login("hn_hr_head")).status_code == 200
    # A thing promised at once reads 即办.
    instant = text_of(client.get(f"/policies/{INSTANT}").text)
    assert "办理时限：即办" in instant and "0 个工作日" not in instant


def test_an_edit_without_words_is_refused_at_its_line_and_changes_nothing(
    client: TestClient, login: Any, db: Session
) -> None:
    head = login("hn_hr_head")
    source = client.get(f"/api/v1/policies/{REFUND}/versions", headers=head).json()[0]["source"]
    lines = source.splitlines()
    at = next(i for i, line in enumerate(lines) if "words: 统计部门已完成企业规模划型" in line)
    broken = "\n".join(lines[:at] + lines[at + 1 :]) + "\n"
    count = (select(func.count()).select_from(PolicyVersion), select(func.count()).select_from(PolicyEvent))
    before = [db.scalar(q) for q in count]
    refused = client.put(f"/api/v1/policies/{REFUND}", json={"source": broken}, headers=head)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "source"
    assert f"{REFUND}.yaml:{at}: 条件“已完成企业规模划型”：缺少 words" in error["message"]
    db.expire_all()
    assert [db.scalar(q) for q in count] == before
