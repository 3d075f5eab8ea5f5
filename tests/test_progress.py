"""办件进度查询 without login: the progress and nothing personal, the same 未查到 for a wrong number and
a wrong code, garbage refused before anything is read, guessing throttled per client (a flood is
refused without slowing anyone else) and per case number, and the page working as a plain form."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from cases_support import AGENT, APPROVERS, CREDIT_CODE, accepted, ok, snapshot, submitted, task_id, upload
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.cases import progress
from onething.demo.cases import fill_missing
from onething.kit import clock
from onething.kit.errors import ValidationFailed
from onething.models import LoginFailure

MOTHER = "430202197809210244"  # 赵敏: a citizen, and the legal representative of 敏记餐饮
NEWBORN = {
    "birth_place": "elsewhere",
    "has_vaccination_card": "yes",
    "join_medical": "no",
    "need_ssc": "no",
    "maternity_insured": "yes",
}
TAIL = CREDIT_CODE[-6:]
# What the answer must never carry: who applied or acts, their numbers and address, staff notes.
PERSONAL = (
    "赵敏",
    "王磊",
    "敏记",
    MOTHER,
    AGENT,
    CREDIT_CODE,
    "红旗北路",
    "15907330244",
)
STAFF_WORDS = ("待认领", "认领", "已归档", "等待前序")
Login = Callable[[str], dict[str, str]]


def ask(client: TestClient, number: str, code: str) -> Any:
    return client.post("/api/v1/progress", json={"number": number, "code": code})


def failures(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(LoginFailure)) or 0)


def elsewhere(client: TestClient, address: str) -> TestClient:
    """The same application seen from another client address."""
    return TestClient(client.app, client=(address, 40000))


def later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    monkeypatch.setattr(clock, "_shift", clock.shift_to(clock.now() + dt.timedelta(minutes=minutes)))


def assert_private(text: str) -> None:
    for word in PERSONAL + STAFF_WORDS:
        assert word not in text, word


def newborn(client: TestClient, login: Login) -> str:
    """赵敏's application for her newborn, submitted: a person applicant."""
    mother = login(MOTHER)
    body = {"thing": "newborn_birth", "answers": NEWBORN}
    detail = ok(client.post("/api/v1/cases", json=body, headers=mother), 201)
    number = str(detail["number"])
    form = {"form": fill_missing(detail, random.Random(5))}
    ok(client.put(f"/api/v1/cases/{number}", json=form, headers=mother))
    for m in detail["needed_materials"]:
        if m["exempt"] != "bundle":
            ok(upload(client, mother, number, m["code"]), 201)
    ok(client.post(f"/api/v1/cases/{number}/submit", headers=mother))
    return number


# ---------------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("number", "code", "field"),
    [
        ("4302022026", "123456", "number"),
        ("4302022026092800000A", "123456", "number"),
        ("430202202609280000011", "123456", "number"),
        ("43020220260928000001", "12345", "code"),
        ("43020220260928000001", "1234567", "code"),
        ("43020220260928000001", "12-456", "code"),
        ("", "", "number"),
    ],
)
def test_malformed_input_names_its_field(number: str, code: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        progress.normalise(number, code)
    assert refused.value.field == field and refused.value.status == 422


def test_what_people_type_is_tidied() -> None:
    assert progress.normalise(" 4302 0220 2609 2800 0001 ", "21024x") == ("43020220260928000001", "21024X")


# ---------------------------------------------------------------------------------------------- API


def test_an_enterprise_case_shows_its_progress_and_nothing_personal(
    client: TestClient, login: Login, db: Session
) -> None:
    number, case = accepted(client, login)
    # One department at work, one in a special procedure, one decided: each in the applicant's words.
    market, fire = task_id(case, "food_business_permit"), task_id(case, "public_gathering_fire_check")
    ok(client.post(f"/api/v1/tasks/{market}/claim", headers=login("ht_market")))
    note = {"opinion": "现场核查通过，准予许可（审批人意见甲）"}
    ok(client.post(f"/api/v1/tasks/{market}/approve", json=note, headers=login("ht_market")))
    ok(client.post(f"/api/v1/tasks/{fire}/claim", headers=login("ht_fire")))
    stop = {"kind": "site_inspection", "reason": "需到现场查看疏散通道（停表理由乙）"}
    ok(client.post(f"/api/v1/tasks/{fire}/suspend", json=stop, headers=login("ht_fire")))
    before = failures(db)

    response = ask(client, number, TAIL.lower())  # letters of a credit code in either case
    body = ok(response)
    assert response.headers["cache-control"] == "private, no-store"
    assert body["number"] == number and body["thing_name"] == case["thing_name"]
    assert body["status"] in ("accepted", "processing") and body["status_text"] in ("已受理", "审批中")
    assert body["promised_date"] is not None and body["outcome"] is None
    states = {d["item"]: (d["state"], d["state_text"]) for d in body["departments"]}
    names = {t["item"]: t["item_name"] for t in case["tasks"] if t["kind"] == "approval"}
    assert states[names["food_business_permit"]] == ("done", "已办结（准予）")
    assert states[names["public_gathering_fire_check"]] == ("suspended", "特别程序（现场勘验），暂停计时")
    assert {s for s, _ in states.values()} <= {"done", "suspended", "in_progress"}
    assert all(d["department"] for d in body["departments"])
    text = json.dumps(body, ensure_ascii=False)
    assert_private(text)
    assert "*" not in text  # not even masked numbers
    assert "意见甲" not in text and "理由乙" not in text
    assert failures(db) == before  # a right answer is not a failure


def test_a_person_case_before_and_after_acceptance(client: TestClient, login: Login) -> None:
    number = newborn(client, login)
    waiting = ok(ask(client, number, MOTHER[-6:]))
    assert (waiting["status_text"], waiting["promised_date"], waiting["departments"]) == ("待受理", None, [])
    ok(client.post(f"/api/v1/cases/{number}/accept", headers=login("ht_clerk")))
    running = ok(ask(client, number, MOTHER[-6:]))
    assert running["status_text"] == "已受理" and running["promised_date"] is not None
    assert running["departments"] and {d["state_text"] for d in running["departments"]} <= {
        "审批中",
        "等待前一环节办结",
    }
    assert_private(json.dumps(running, ensure_ascii=False))
    # A person's case is found by the person's number only: the legal representative's enterprise code is no key.
    assert ask(client, number, CREDIT_CODE[-6:]).status_code == 404


def test_a_concluded_case_says_so_with_its_outcome(client: TestClient, login: Login) -> None:
    number, case = accepted(client, login)
    for item, account in APPROVERS.items():
        ok(client.post(f"/api/v1/tasks/{task_id(case, item)}/claim", headers=login(account)))
        ok(
            client.post(
                f"/api/v1/tasks/{task_id(case, item)}/approve", json={"opinion": "准予"}, headers=login(account)
            )
        )
    body = ok(ask(client, number, TAIL))
    assert (body["status"], body["status_text"], body["outcome"]) == ("concluded", "已办结（全部准予）", "approved")
    assert body["concluded_on"] == clock.today().isoformat() and body["promised_date"] is not None
    assert {d["state_text"] for d in body["departments"]} == {"已办结（准予）"}


def test_correction_is_told_in_plain_words(client: TestClient, login: Login) -> None:
    number = submitted(client, login(AGENT))
    notice = {"items": [{"kind": "material", "code": "storefront_photo", "reason": "门头照片不清晰（窗口意见丙）"}]}
    ok(client.post(f"/api/v1/cases/{number}/request-correction", json=notice, headers=login("ht_clerk")))
    body = ok(ask(client, number, TAIL))
    assert body["status_text"] == "待补正" and "补正告知书" in body["next_step"]
    assert "意见丙" not in json.dumps(body, ensure_ascii=False)


def test_a_wrong_code_and_a_wrong_number_get_the_same_answer(client: TestClient, login: Login, db: Session) -> None:
    number = submitted(client, login(AGENT))
    before, rows = snapshot(db), failures(db)
    wrong_code = ask(client, number, "000000")
    no_such_case = ask(client, "43020220200101999999", TAIL)
    assert wrong_code.status_code == no_such_case.status_code == 404
    assert wrong_code.json() == no_such_case.json()
    assert wrong_code.json()["error"] == {"code": "progress_not_found", "message": progress.NOT_FOUND, "field": None}
    assert snapshot(db) == before  # no case, task or event touched
    assert failures(db) == rows + 2  # both remembered for throttling, and not as login failures
    tags = db.scalars(select(LoginFailure.ip).order_by(LoginFailure.id.desc()).limit(2)).all()
    assert all(t.startswith("progress:") and "testclient" not in t for t in tags)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "4" * 41, "code": "123456"}, "number"),
        ({"number": "43020220260928000001", "code": "1" * 41}, "code"),
        ({"number": "4302", "code": "123456"}, "number"),
        ({"number": "43020220260928000001", "code": "12345"}, "code"),
        ({"number": "43020220260928000001"}, "code"),
        ({"number": 43020220260928000001, "code": "123456"}, "number"),
        ({"number": "43020220260928000001", "code": "123456", "name": "赵敏"}, "name"),
    ],
)
def test_garbage_is_refused_before_anything_is_read(
    client: TestClient, db: Session, body: dict[str, Any], field: str
) -> None:
    before = failures(db)
    response = client.post("/api/v1/progress", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"] and error["code"]
    assert failures(db) == before


def test_a_body_that_is_not_json_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/progress", content=b"number=1", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "malformed_body"


def test_a_guessing_client_is_stopped_without_slowing_anyone_else(
    client: TestClient, login: Login, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = submitted(client, login(AGENT))
    for n in range(progress.CLIENT_FAILURES):
        assert ask(client, number, f"{n:06d}").status_code == 404
    rows = failures(db)
    # Over the limit even the right answer is refused (else the refusal would still be an oracle) ...
    for _ in range(5):
        flooded = ask(client, number, TAIL)
        assert flooded.status_code == 429
        assert flooded.json()["error"]["code"] == "too_many_attempts"
        assert "查询次数过多" in flooded.json()["error"]["message"]
    assert failures(db) == rows  # ... and costs no writes
    # Another client asks about the very same case and is answered at once.
    other = elsewhere(client, "203.0.113.7")
    assert ok(ask(other, number, TAIL))["number"] == number
    # The window passes: the first client may ask again.
    later(monkeypatch, progress.window_minutes() + 1)
    assert ok(ask(client, number, TAIL))["number"] == number


def test_a_case_number_guessed_at_from_many_clients_is_locked(client: TestClient, login: Login, db: Session) -> None:
    number = submitted(client, login(AGENT))
    guesses = iter(range(1000))
    spent = 0
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        guesser = elsewhere(client, address)
        for _ in range(progress.CLIENT_FAILURES - 3):
            status = ask(guesser, number, f"{next(guesses):06d}").status_code
            spent += 1
            assert status == (404 if spent <= progress.CASE_FAILURES else 429)
    # Now even a fresh client with the right code waits; the same client on another number does not.
    fresh = elsewhere(client, "198.51.100.9")
    assert ask(fresh, number, TAIL).status_code == 429
    assert ask(fresh, "43020220200101999999", TAIL).status_code == 404


# ---------------------------------------------------------------------------------------------- page


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries its CSRF token"
    return found.group(1)


def test_the_page_answers_a_plain_form(client: TestClient, login: Login, db: Session) -> None:
    number = submitted(client, login(AGENT))
    form = client.get("/progress")
    assert form.status_code == 200 and 'action="/progress"' in form.text and "证件号码后 6 位" in form.text
    token = _csrf(form.text)

    shown = client.post("/progress", data={"number": number, "code": TAIL, "csrf_token": token})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "private, no-store"
    assert "待受理" in shown.text and "开办餐饮店" in shown.text and number in shown.text
    assert_private(shown.text.replace(number, ""))
    assert TAIL not in shown.text  # the code is never echoed back

    before = failures(db)
    missed = client.post("/progress", data={"number": number, "code": "000000", "csrf_token": token})
    assert missed.status_code == 404 and "未查到" in missed.text and 'role="alert"' in missed.text
    assert failures(db) == before + 1

    typo = client.post("/progress", data={"number": "4302", "code": TAIL, "csrf_token": token})
    assert typo.status_code == 422 and "办件编号应为 20 位数字" in typo.text
    assert 'id="number-error"' in typo.text and 'aria-invalid="true"' in typo.text


def test_the_page_refuses_a_form_from_elsewhere(client: TestClient, login: Login, db: Session) -> None:
    number = submitted(client, login(AGENT))
    before = failures(db)
    forged = client.post("/progress", data={"number": number, "code": "000000"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert failures(db) == before


def test_oversized_form_fields_are_422(client: TestClient) -> None:
    token = _csrf(client.get("/progress").text)
    response = client.post("/progress", data={"number": "4" * 41, "code": "123456", "csrf_token": token})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "number"
