"""惠企政策 in Chromium as 王磊 sees them for 敏记餐饮 (株洲市荷塘区): at 375 px and 1280 px, with and
without JavaScript. The conditions read as words with the firm's own figures and no rule text; no 长沙 or
岳阳 policy is listed; a policy past its end is marked 已截止 with its date, after the rest, and never
offered. The run is as of DAY and the server's clock is pinned to AFTER, so this passes on any date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cases_support import pin
from playwright.sync_api import expect

from browser.support import DESKTOP, PHONE, overflow, serious_violations
from onething.demo.policies import add_facts
from onething.kit.db import session_factory, session_scope
from onething.policies import runs

AGENT = "430202198506150138"  # 王磊, agent of 敏记餐饮
DAY = dt.date(2026, 11, 22)  # the run's day
AFTER = dt.date(2027, 1, 15)  # 失业保险稳岗返还 ended 2026-12-31
CODE = ("startsWith", "dishonest", "layoff_rate", "scale in", "p.", "==")


@pytest.fixture(scope="module")
def matched(site: Any) -> int:
    """The departments' 2025 figures and one run as of DAY over the site's enterprises."""
    with session_scope(site.engine) as session:
        add_facts(session, DAY.year - 1, seed=3)
        run_id = runs.start(session, None, DAY).id
    runs.execute(session_factory(site.engine), run_id)
    return run_id


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["375px", "1280px"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_enterprise_policies_read_as_words_for_its_own_area(
    people: Any, matched: int, device: dict[str, Any], javascript: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, AFTER)
    agent = people(device, javascript=javascript)
    agent.login(AGENT)
    page = agent.go("/my/policies")
    main = page.locator("main")
    expect(main.get_by_role("heading", name="我的惠企政策")).to_be_visible()

    # Words and the firm's own figures, never the rule.
    text = main.inner_text()
    assert [c for c in CODE if c in text] == []
    assert main.locator("code").count() == 0
    expect(main.get_by_text("企业注册地在湖南省").first).to_be_visible()
    expect(main.get_by_text("注册地：株洲市荷塘区").first).to_be_visible()

    # Only its own area: no 长沙 or 岳阳 policy, not even as 不符合.
    summaries = main.locator("details.policy-verdict > summary").all_inner_texts()
    assert summaries and [s for s in summaries if "长沙" in s or "岳阳" in s] == []

    # Ended policies: marked with the date, in their own section after the rest, collapsed, never offered.
    ended = main.get_by_role("heading", name="已截止的政策", exact=False)
    expect(ended).to_be_visible()
    eligible = main.get_by_role("heading", name="可享受", exact=False)
    assert eligible.bounding_box()["y"] < ended.bounding_box()["y"]
    refund = main.locator("details.policy-verdict", has_text="失业保险稳岗返还")
    expect(refund).to_have_count(1)
    expect(refund.locator("summary")).to_contain_text("已截止（2026-12-31）")
    assert refund.get_attribute("open") is None
    assert refund.bounding_box()["y"] > ended.bounding_box()["y"]
    assert page.locator("main a[href='/things/policy_above_scale_award']").count() == 0
    refund.locator("summary").click()  # a <details> opens without JavaScript too
    expect(refund.get_by_text("上年度裁员率 0%")).to_be_visible()

    if device is PHONE:
        assert overflow(page) == 0
    if javascript:
        assert serious_violations(page) == []

    # The library: region names, the ended policy marked; the policy page has no rule for the public.
    library = agent.go("/policies")
    row = library.locator("main tr", has_text="失业保险稳岗返还")
    expect(row).to_contain_text("已截止（2026-12-31）")
    expect(row).to_contain_text("湖南省")
    assert "430000" not in library.locator("main").inner_text()
    if device is PHONE:
        assert overflow(library) == 0
    policy = agent.go("/policies/hn_unemployment_insurance_refund")
    shown = policy.locator("main").inner_text()
    assert "已截止" in shown and "上年度裁员率不高于 5.5%" in shown
    assert [c for c in CODE if c in shown] == [] and "第 1 版" not in shown
