"""Every role's main pages in Chromium: on a 375 px phone nothing scrolls sideways and the heading
shows; with JavaScript off each page still loads with its forms and links, and one real action per
role works; axe-core finds nothing serious or critical on a desktop or on a phone.

One browser context per (account, device, JavaScript) serves all of that account's pages, so the
whole module logs in a dozen times, not a hundred. A case and a task to look at are made through the
services the API calls (a newborn draft for 赵敏; restaurant cases waiting at the window and in the
market regulator's inbox)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.support import DESKTOP, PASSWORD, PHONE, Person, overflow, serious_violations
from onething.cases import intake
from onething.cases.schemas import CaseCreate
from onething.demo.cases import cast, run_case
from onething.identity import auth
from onething.kit.db import session_scope
from onething.models import Case, License, Policy, Task, User

MOTHER = "430202197809210244"  # 赵敏, a citizen
AGENT = "430202198506150138"  # 王磊, agent of 敏记餐饮
NEWBORN = {
    "birth_place": "elsewhere",
    "has_vaccination_card": "yes",
    "join_medical": "no",
    "need_ssc": "no",
    "maternity_insured": "yes",
}
GUIDE = "/things/newborn_birth/guide?" + "&".join(f"{k}={v}" for k, v in NEWBORN.items())

# (account or None, path, a selector inside <main> that must be there even with JavaScript off).
# {newborn}, {waiting} and {task} are the case and task the module makes; {police} a staff account,
# {license} one of 赵敏's e-licenses, {policy} a benefit policy.
PAGES: list[tuple[str | None, str, str]] = [
    (None, "/", "form[role=search] input[name=q]"),
    (None, "/?q=开饭店", "a[href^='/things/']"),
    (None, "/things/newborn_birth", "form[action='/things/newborn_birth'] input[type=radio]"),
    (None, "/things/newborn_birth?all=1", "form[action='/things/newborn_birth/guide'] input[type=radio]"),
    (None, GUIDE, "a[href^='/items/']"),
    (None, "/items/birth_household_registration", "a[href]"),
    (None, "/login", "form[action='/login'] input[type=password]"),
    (None, "/orgs", "form[action='/orgs'] input"),
    (None, "/policies", "a[href^='/policies/']"),
    (MOTHER, "/cases", "a[href^='/cases/']"),
    (MOTHER, "/cases/{newborn}", "form[action$='/form'] input"),
    (MOTHER, "/wallet", "a[href^='/licenses/']"),
    (MOTHER, "/licenses/{license}", "a[href^='/verify/']"),
    (None, "/verify/{license}", "[role=status]"),
    (None, "/verify", "form[action='/verify'] input[name=identifier]"),
    (None, "/policies/{policy}", "h2"),
    (MOTHER, "/evaluations", "h1"),
    (MOTHER, "/me", "form[action='/me/person'] button"),
    (MOTHER, "/notices", "h1"),
    (AGENT, "/my/policies", "h2"),
    ("ht_clerk", "/workbench", "a[href^='/cases/']"),
    ("ht_clerk", "/cases/{waiting}", "nav.decision-bar button[form=accept]"),
    ("ht_clerk", "/rectifications", "h1"),
    ("ht_clerk", GUIDE, "form[action$='/apply'] input[name=applicant_id_number]"),  # 帮代办
    ("ht_market", "/inbox", "form[action$='/claim'] button"),
    ("ht_market", "/tasks/{task}", "form[action$='/claim'] button, form[action$='/approve'] button"),
    ("ht_supervisor", "/supervision", "form[action='/supervision'] button"),
    ("ht_supervisor", "/supervision/warnings", "a[href^='/supervision']"),
    ("ht_supervisor", "/supervision/stats", "form[action='/supervision/stats'] button"),
    ("ht_supervisor", "/audit", "form[action='/audit'] button"),
    ("hn_admin", "/admin/users", "form[action='/admin/users'] input"),
    ("hn_admin", "/admin/users/{police}", "form[action$='/roles'] select"),
    ("hn_admin", "/admin/catalog", "a[href^='/admin/catalog/']"),
    ("hn_admin", "/admin/catalog/diff", "a[href='/admin/catalog']"),  # one catalog version: nothing to compare
    ("hn_admin", "/admin/holidays", "form[action='/admin/holidays'] button"),
    ("hn_hr_head", "/policy-runs", "form[action='/policy-runs'] button"),
]
IDS = [f"{account or 'anonymous'} {path}" for account, path, _ in PAGES]


class Desks:
    """Browser contexts kept for the module: one per (account, device, JavaScript). Each account logs
    in once; its other contexts get the same session cookie."""

    def __init__(self, browser: Any, site: Any) -> None:
        self.browser, self.site = browser, site
        self.open: dict[tuple[str | None, str, bool], Person] = {}
        self.cookies: dict[str, list[Any]] = {}

    def __call__(self, account: str | None, device: dict[str, Any], *, javascript: bool = True) -> Person:
        key = (account, "phone" if device is PHONE else "desktop", javascript)
        if key not in self.open:
            person = Person(self.browser, self.site, device, javascript=javascript)
            if account in self.cookies:
                person.context.add_cookies(self.cookies[account])
            elif account:
                person.login(account)
                self.cookies[account] = person.context.cookies()
            self.open[key] = person
        return self.open[key]

    def close(self) -> None:
        for person in self.open.values():
            person.close()


@pytest.fixture(scope="module")
def desks(browser: Any, site: Any) -> Iterator[Desks]:
    kept = Desks(browser, site)
    yield kept
    kept.close()


@pytest.fixture(scope="module")
def made(site: Any) -> dict[str, str]:
    """A newborn draft of 赵敏's, a restaurant case waiting at the window, and two in the departments
    (so the market regulator's inbox keeps a task to claim whichever test runs first)."""
    with session_scope(site.engine) as session:
        mother = session.scalar(select(User.id).where(User.id_number == MOTHER))
        assert mother is not None
        principal = auth.principal_for(session, mother, "demo")
        assert principal is not None
        newborn = intake.create_draft(session, principal, CaseCreate(thing="newborn_birth", answers=NEWBORN)).number
        people, rng = cast(session), random.Random(7)
        waiting = run_case(session, people, "waiting", rng, seed=71)
        busy = [run_case(session, people, "in_progress", rng, seed=72 + n) for n in range(2)]
        task = session.scalar(
            select(Task.id)
            .join(Case, Case.id == Task.case_id)
            .where(Case.number == busy[0], Task.item_code == "food_business_permit")
        )
        assert task is not None
        police = session.scalar(select(User.id).where(User.username == "ht_police"))
        card = session.scalar(select(License.identifier).where(License.holder_code == MOTHER).limit(1))
        policy = session.scalar(select(Policy.code).order_by(Policy.code).limit(1))
    return {
        "newborn": newborn,
        "waiting": waiting,
        "task": str(task),
        "police": str(police),
        "license": str(card),
        "policy": str(policy),
    }


def _open(person: Person, path: str, made: dict[str, str]) -> tuple[Any, list[str]]:
    """The page at ``path`` and what is wrong with loading it."""
    response = person.page.goto(person.site(path.format(**made)))
    problems = [] if response is not None and response.ok else [f"HTTP {response.status if response else '?'}"]
    if "/login" in person.page.url and not path.startswith("/login"):
        problems.append(f"sent to {person.page.url}")
    return person.page, problems


def _report(where: str, problems: list[str]) -> None:
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("account", "path", "_present"), PAGES, ids=IDS)
def test_on_a_phone(desks: Desks, made: dict[str, str], account: str | None, path: str, _present: str) -> None:
    page, problems = _open(desks(account, PHONE), path, made)
    if (wider := overflow(page)) > 0:
        problems.append(f"the page is {wider} px wider than the 375 px phone")
    if not page.locator("h1").first.is_visible():
        problems.append("no visible h1")
    problems += serious_violations(page)
    _report(f"{path} on a phone as {account or 'anonymous'}", problems)


@pytest.mark.parametrize(("account", "path", "_present"), PAGES, ids=IDS)
def test_on_a_desktop(desks: Desks, made: dict[str, str], account: str | None, path: str, _present: str) -> None:
    page, problems = _open(desks(account, DESKTOP), path, made)
    problems += serious_violations(page)
    _report(f"{path} on a desktop as {account or 'anonymous'}", problems)


@pytest.mark.parametrize(("account", "path", "present"), PAGES, ids=IDS)
def test_without_javascript(desks: Desks, made: dict[str, str], account: str | None, path: str, present: str) -> None:
    page, problems = _open(desks(account, PHONE, javascript=False), path, made)
    if not page.locator("h1").first.is_visible():
        problems.append("no visible h1")
    if page.locator("main").locator(present).count() == 0:
        problems.append(f"nothing in <main> matches {present!r}")
    _report(f"{path} without JavaScript as {account or 'anonymous'}", problems)


# One real action per role, JavaScript off: plain forms posting (or getting) to the server.


def test_search_without_javascript(desks: Desks) -> None:
    page = desks(None, PHONE, javascript=False).go("/")
    page.get_by_label("用日常用语描述您要办的事").fill("孩子出生了")
    page.get_by_label("用日常用语描述您要办的事").press("Enter")
    page.wait_for_load_state()
    expect(page.locator("h2").first).to_contain_text("孩子出生了")
    expect(page.locator("main").get_by_role("link", name="新生儿出生").first).to_be_visible()


def test_questionnaire_without_javascript(desks: Desks) -> None:
    page = desks(None, PHONE, javascript=False).go("/things/newborn_birth")
    expect(page.locator("#wizard legend")).to_contain_text("第 1 步")
    page.get_by_label("在省外出生，已经拿到出生医学证明").check()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#wizard legend")).to_contain_text("第 2 步")
    assert "birth_place=elsewhere" in page.url


def test_login_without_javascript(browser: Any, site: Any) -> None:
    person = Person(browser, site, PHONE, javascript=False)
    try:
        page = person.go("/login")
        page.get_by_label("身份证号或用户名").fill(MOTHER)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()
        assert "/login" not in page.url, page.inner_text("main")
        person.go("/cases")
        expect(page.locator("h1")).to_be_visible()
        assert "/login" not in page.url
    finally:
        person.close()


def test_claim_without_javascript(desks: Desks, made: dict[str, str]) -> None:
    page = desks("ht_market", PHONE, javascript=False).go("/inbox")
    claim = page.get_by_role("button", name=re.compile(r"^认领 "))
    before = claim.count()
    assert before >= 1, page.inner_text("main")
    claim.first.click()
    page.wait_for_load_state()
    expect(page.locator("main [role=alert]")).to_have_count(0)
    assert claim.count() == before - 1, page.inner_text("main")
    page.goto(desks.site("/inbox?state=claimed"))
    expect(page.locator("main")).to_contain_text("办理")
