"""The content security policy in Chromium: real pages of each kind, as the people who use them, load
with no violation reported (neither in the console nor as a ``securitypolicyviolation`` event) and
their scripts still work: the search, the htmx questionnaire, the one form's upload, the window's
confirmation dialog, the license QR code, and the API reference on /docs."""

from __future__ import annotations

import random
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from browser.support import DESKTOP, Person
from browser.test_every_page import GUIDE, MOTHER, NEWBORN, PAGES
from onething.cases import intake
from onething.cases.schemas import CaseCreate
from onething.demo.cases import cast, png, run_case
from onething.identity import auth
from onething.kit.db import session_scope
from onething.kit.security import CONTENT_SECURITY_POLICY
from onething.models import Case, License, Policy, Task, User

# Every violation event the page sees, kept on window before any of the page's own scripts runs
# (an init script is the browser's, not the page's: the policy does not apply to it).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watched:
    """A person whose pages are watched for violations of the policy."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.console: list[str] = []
        person.context.add_init_script(LISTEN)
        person.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def go(self, path: str) -> Any:
        response = self.person.page.goto(self.person.site(path))
        assert response is not None and response.ok, f"{path}: HTTP {response.status if response else '?'}"
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        return self.person.page

    def violations(self) -> list[str]:
        page = self.person.page
        page.wait_for_load_state("networkidle")
        return self.console + list(page.evaluate("window.__csp || []"))


@pytest.fixture(scope="module")
def made(site: Any) -> dict[str, str]:
    """赵敏's newborn draft and one of her licenses; restaurant cases at the window and in a department;
    what else the pages of test_every_page need."""
    with session_scope(site.engine) as session:
        mother = session.scalar(select(User.id).where(User.id_number == MOTHER))
        assert mother is not None
        principal = auth.principal_for(session, mother, "demo")
        assert principal is not None
        newborn = intake.create_draft(session, principal, CaseCreate(thing="newborn_birth", answers=NEWBORN)).number
        people, rng = cast(session), random.Random(11)
        waiting = run_case(session, people, "waiting", rng, seed=91)
        busy = run_case(session, people, "in_progress", rng, seed=92)
        task = session.scalar(
            select(Task.id)
            .join(Case, Case.id == Task.case_id)
            .where(Case.number == busy, Task.item_code == "food_business_permit")
        )
        card = session.scalar(select(License.identifier).where(License.holder_code == MOTHER).limit(1))
        police = session.scalar(select(User.id).where(User.username == "ht_police"))
        policy = session.scalar(select(Policy.code).order_by(Policy.code).limit(1))
    return {
        "newborn": newborn,
        "waiting": waiting,
        "task": str(task),
        "license": str(card),
        "police": str(police),
        "policy": str(policy),
    }


def _watch(people: Any, login: str | None = None) -> Watched:
    person: Person = people(DESKTOP)
    if login:
        person.login(login)
    return Watched(person)


def test_public_pages_search_questionnaire_guide_and_verify(people: Any, made: dict[str, str]) -> None:
    visitor = _watch(people)
    page = visitor.go("/")
    page.get_by_label("用日常用语描述您要办的事").fill("孩子出生了")
    page.get_by_label("用日常用语描述您要办的事").press("Enter")
    expect(page.locator("h2")).to_contain_text("孩子出生了")
    page = visitor.go("/things/newborn_birth")
    page.get_by_label("在省外出生，已经拿到出生医学证明").check()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#wizard legend")).to_contain_text("第 2 步")  # swapped in by htmx
    page = visitor.go(GUIDE)
    expect(page.locator("h1")).to_contain_text("一次告知书")
    page = visitor.go(f"/verify/{made['license']}")
    expect(page.locator("[role=status]").first).to_be_visible()
    page = visitor.go("/verify")
    expect(page.locator("form[action='/verify'] input[name=identifier]")).to_be_visible()
    assert visitor.violations() == []


def test_a_citizen_uploads_into_her_case_and_sees_her_license_qr(people: Any, made: dict[str, str]) -> None:
    mother = _watch(people, MOTHER)
    page = mother.go(f"/cases/{made['newborn']}")
    field = page.get_by_label("上传出生医学证明")
    field.set_input_files({"name": "scan-csp.png", "mimeType": "image/png", "buffer": png(5)})
    expect(page.locator("#materials")).to_contain_text("scan-csp.png")  # upload.js, no reload
    page = mother.go(f"/licenses/{made['license']}")
    expect(page.locator("figure.qr svg")).to_be_visible()
    expect(page.locator("span.unread[hx-get]")).to_have_count(0)  # htmx replaced the placeholders
    assert mother.violations() == []


def test_the_window_review_and_its_confirmation_dialog(people: Any, made: dict[str, str]) -> None:
    clerk = _watch(people, "ht_clerk")
    page = clerk.go(f"/cases/{made['waiting']}")
    expect(page.locator("nav.decision-bar")).to_be_visible()
    page.locator("#reason").fill("申请材料与本事项无关")
    page.locator("#refuse").get_by_role("button", name="不予受理").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()  # confirm.js
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert clerk.violations() == []


def test_the_api_reference_renders_its_operations(people: Any) -> None:
    reader = _watch(people)
    page = reader.go("/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=60_000)  # the document is built on its first request
    assert operations.count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token").first).to_be_visible()
    assert reader.violations() == []


def test_every_page_of_every_role_loads_without_a_violation(people: Any, made: dict[str, str]) -> None:
    """The pages test_every_page walks, each as its account, with scripting on."""
    accounts = sorted({account for account, _, _ in PAGES}, key=lambda a: a or "")
    found: dict[str, list[str]] = {}
    for account in accounts:
        watched = _watch(people, account)
        for path in (p for a, p, _ in PAGES if a == account):
            watched.go(path.format(**made))
            if seen := watched.violations():
                found[f"{account or 'anonymous'} {path}"] = seen
            watched.console.clear()
        watched.person.close()
    assert found == {}
