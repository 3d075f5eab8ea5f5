"""Every refusal is a clear JSON error with a 4xx status and changes nothing: each test reads the
database before and after."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from cases_support import AGENT, CREDIT_CODE, accepted, draft, ok, ready_draft, snapshot, submitted, task_id, upload
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, png


def refused(db: Session, call: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """``call()`` is answered with ``status`` and ``code`` and leaves every case table unchanged."""
    before = snapshot(db)
    response = call()
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"], error
    if field is not None:
        assert error["field"] == field, error
    assert snapshot(db) == before
    return dict(error)


# --- drafts and the one form ---------------------------------------------------------------------


def test_draft_refusals(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    post = lambda body: lambda: client.post("/api/v1/cases", json=body, headers=agent)  # noqa: E731
    base = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": CREDIT_CODE}
    refused(db, lambda: client.post("/api/v1/cases", json=base), 401, "unauthenticated")
    refused(db, post({**base, "thing": "no_such_thing"}), 404, "thing_not_found", "thing")
    refused(db, post({**base, "answers": {}}), 422, "answer_required")
    refused(db, post({**base, "enterprise": "91430202MA4L8Q2R10"}), 422, "invalid", "enterprise")  # bad check char
    refused(db, post({**base, "channel": "helper"}), 422, "staff_channel", "channel")
    refused(db, post({**base, "form": {"employee_count": "many"}}), 422, "form_invalid", "form.employee_count")
    refused(db, post({**base, "form": {"no_such_field": 1}}), 422, "form_invalid", "form.no_such_field")
    refused(db, post({**base, "unexpected": 1}), 422, "invalid_request")
    # Someone who is not the enterprise's legal representative or agent.
    other = login("430104199003070023")
    refused(db, lambda: client.post("/api/v1/cases", json=base, headers=other), 403, "not_mandated")


def test_form_and_material_refusals(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    put = lambda form: lambda: client.put(f"/api/v1/cases/{number}", json={"form": form}, headers=agent)  # noqa: E731
    error = refused(db, put({"legal_representative_mobile": "12345"}), 422, "form_invalid")
    assert "手机" in error["message"] and error["field"] == "form.legal_representative_mobile"
    refused(db, put({"legal_representative_id_number": "430202197809210245"}), 422, "form_invalid")
    refused(db, put({"signboard_lighting": "yes"}), 422, "form_invalid", "form.signboard_lighting")
    commit = lambda items: lambda: client.put(f"/api/v1/cases/{number}", json={"commitments": items}, headers=agent)  # noqa: E731
    refused(db, commit(["eia_registration_filing"]), 422, "not_committable", "commitments")

    refused(
        db, lambda: upload(client, agent, number, "lease_contract", b"MZ\x90\x00 not a pdf"), 422, "file_type", "file"
    )
    refused(db, lambda: upload(client, agent, number, "lease_contract", b""), 422, "file_empty", "file")
    refused(db, lambda: upload(client, agent, number, "no_such_material", png(1)), 422, "unknown_material", "material")
    # Another citizen cannot see the case at all.
    stranger = login("430104199003070023")
    refused(db, lambda: client.get(f"/api/v1/cases/{number}", headers=stranger), 404, "case_not_found")
    refused(db, lambda: upload(client, stranger, number, "lease_contract", png(2)), 404, "case_not_found")


def test_incomplete_submission_changes_nothing(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    error = refused(db, lambda: client.post(f"/api/v1/cases/{number}/submit", headers=agent), 422, "incomplete")
    assert "处需要修改" in error["message"]
    # Form complete, a key material missing: named in the error.
    number = ready_draft(client, agent, skip=("food_safety_rules",))["number"]
    error = refused(db, lambda: client.post(f"/api/v1/cases/{number}/submit", headers=agent), 422, "incomplete")
    assert error["field"] == "materials.food_safety_rules" and "食品安全" in error["message"]


def test_idempotent_draft_creation(client: TestClient, login: Any, db: Session) -> None:
    agent = {**login(AGENT), "Idempotency-Key": "draft-abc"}
    body = {"thing": RESTAURANT, "answers": RESTAURANT_ANSWERS, "enterprise": CREDIT_CODE}
    first = ok(client.post("/api/v1/cases", json=body, headers=agent), 201)
    before = snapshot(db)
    again = ok(client.post("/api/v1/cases", json=body, headers=agent), 201)
    assert again["number"] == first["number"]
    assert snapshot(db) == before
    refused(
        db,
        lambda: client.post("/api/v1/cases", json={**body, "thing": "newborn_birth"}, headers=agent),
        409,
        "idempotency_key_reused",
    )


# --- the window -----------------------------------------------------------------------------------


def test_window_refusals(client: TestClient, login: Any, db: Session) -> None:
    agent, clerk = login(AGENT), login("ht_clerk")
    number = submitted(client, agent, skip=("lease_contract",))

    def act(path: str, body: Any = None, who: dict[str, str] = clerk) -> Any:
        return lambda: client.post(f"/api/v1/cases/{number}/{path}", json=body, headers=who)

    # Not the applicant's to accept; a clerk of another hall does not even see it.
    refused(db, act("accept", who=agent), 403, "not_clerk")
    refused(db, act("accept", who=login("cs_clerk")), 404, "case_not_found")
    refused(db, act("accept"), 422, "materials_missing", "materials")
    shortfall = {"materials": ["food_safety_rules"], "due_days": 5, "commitment": "承诺按期补齐"}
    refused(db, act("accept-with-shortfall", shortfall), 422, "key_material", "materials")
    refused(
        db, act("accept-with-shortfall", {**shortfall, "materials": ["power_of_attorney"]}), 422, "materials_missing"
    )
    refused(
        db,
        act("accept-with-shortfall", {**shortfall, "materials": ["lease_contract", "power_of_attorney"]}),
        422,
        "not_missing",
    )
    refused(
        db,
        act("accept-with-shortfall", {**shortfall, "materials": ["lease_contract"], "due_days": 0}),
        422,
        "invalid_request",
    )
    bad_notice = {"items": [{"kind": "field", "code": "no_such_field", "reason": "看不清"}]}
    refused(db, act("request-correction", bad_notice), 422, "unknown_item", "items.0.code")
    refused(db, act("request-correction", {"items": []}), 422, "invalid_request")
    refused(db, act("refuse", {"reason": "不"}), 422, "invalid_request")
    # Steps out of order: a 409 naming the state.
    error = refused(db, act("deliver", {"method": "window"}), 409, "illegal_transition", "status")
    assert "待受理" in error["message"]
    refused(db, act("confirm-receipt", who=agent), 409, "illegal_transition")


def test_after_acceptance_refusals(client: TestClient, login: Any, db: Session) -> None:
    agent, clerk = login(AGENT), login("ht_clerk")
    number, case = accepted(client, login)
    food = task_id(case, "food_business_permit")
    error = refused(db, lambda: client.post(f"/api/v1/cases/{number}/accept", headers=clerk), 409, "illegal_transition")
    assert "已受理" in error["message"]
    refused(
        db, lambda: client.put(f"/api/v1/cases/{number}", json={"form": {}}, headers=agent), 409, "illegal_transition"
    )
    refused(db, lambda: upload(client, agent, number, "lease_contract", png(5)), 409, "illegal_transition")

    def task(path: str, who: str, body: Any = None) -> Any:
        return lambda: client.post(f"/api/v1/tasks/{food}/{path}", json=body, headers=login(who))

    # Approving before claiming; another department's approver; a citizen.
    error = refused(db, task("approve", "ht_market", {"opinion": "准予许可"}), 409, "illegal_transition")
    assert "待认领" in error["message"]
    refused(db, task("claim", "ht_fire"), 404, "task_not_found")
    refused(db, task("claim", AGENT), 403, "forbidden")
    refused(db, task("claim", "ht_market_head", {"assignee_id": 1}), 422, "not_member", "assignee_id")
    ok(client.post(f"/api/v1/tasks/{food}/claim", headers=login("ht_market")))
    refused(db, task("approve", "ht_market", {"opinion": ""}), 422, "invalid_request")
    refused(db, task("suspend", "ht_market", {"kind": "holiday", "reason": "放假"}), 422, "invalid_request")
    refused(db, task("resume", "ht_market"), 409, "illegal_transition")
    refused(db, task("return", "ht_market", {"items": []}), 422, "invalid_request")
    refused(
        db,
        lambda: client.get("/api/v1/tasks?state=nonsense", headers=login("ht_market")),
        422,
        "unknown_state",
        "state",
    )
    refused(db, lambda: client.get("/api/v1/cases?status=nonsense", headers=agent), 422, "unknown_status", "status")


# --- found in review ------------------------------------------------------------------------------


def _returned(client: TestClient, login: Any, shortfall: bool = False) -> tuple[str, dict[str, Any]]:
    """A case accepted (with a shortfall of the lease contract if asked) whose signboard task the
    department has returned for correction."""
    agent, clerk = login(AGENT), login("ht_clerk")
    number = submitted(client, agent, skip=("lease_contract",) if shortfall else ())
    if shortfall:
        body = {"materials": ["lease_contract"], "due_days": 5, "commitment": "承诺按期补齐"}
        case = ok(client.post(f"/api/v1/cases/{number}/accept-with-shortfall", json=body, headers=clerk))
    else:
        case = ok(client.post(f"/api/v1/cases/{number}/accept", headers=clerk))
    sign = task_id(case, "outdoor_signboard_permit")
    urban = login("ht_urban")
    ok(client.post(f"/api/v1/tasks/{sign}/claim", headers=urban))
    notice = {"items": [{"kind": "field", "code": "signboard_text", "reason": "招牌文字不清"}]}
    ok(client.post(f"/api/v1/tasks/{sign}/return", json=notice, headers=urban))
    return number, ok(client.get(f"/api/v1/cases/{number}", headers=agent))


def test_after_acceptance_commitments_and_materials_are_locked(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number, case = _returned(client, login)
    assert case["status"] == "correction_requested"
    body = {"commitments": ["food_business_permit"]}
    refused(db, lambda: client.put(f"/api/v1/cases/{number}", json=body, headers=agent), 409, "commitments_locked")
    material = case["materials"][0]["id"]
    path = f"/api/v1/cases/{number}/materials/{material}"
    refused(db, lambda: client.delete(path, headers=agent), 409, "material_locked")


def test_shortfall_can_be_supplied_while_a_department_correction_is_open(client: TestClient, login: Any) -> None:
    agent = login(AGENT)
    number, case = _returned(client, login, shortfall=True)
    assert case["status"] == "correction_requested" and case["shortfall"]["supplied_on"] is None
    ok(upload(client, agent, number, "lease_contract"), 201)
    case = ok(client.get(f"/api/v1/cases/{number}", headers=agent))
    assert case["shortfall"]["supplied_on"] is not None


def test_no_upload_to_a_withdrawn_case(client: TestClient, login: Any, db: Session) -> None:
    agent, clerk = login(AGENT), login("ht_clerk")
    number = submitted(client, agent, skip=("lease_contract",))
    body = {"materials": ["lease_contract"], "due_days": 5, "commitment": "承诺按期补齐"}
    ok(client.post(f"/api/v1/cases/{number}/accept-with-shortfall", json=body, headers=clerk))
    ok(client.post(f"/api/v1/cases/{number}/withdraw", headers=agent))
    refused(db, lambda: upload(client, agent, number, "lease_contract"), 409, "illegal_transition")


def test_not_a_number_is_refused(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    content = '{"form": {"premises_area": NaN}}'
    headers = {**agent, "content-type": "application/json"}
    refused(db, lambda: client.put(f"/api/v1/cases/{number}", content=content, headers=headers), 422, "form_invalid")


# --- uploads: several files at once, and bodies over the limit ---------------------------------------


def batch(client: TestClient, headers: dict[str, str], number: str, parts: list[tuple[str, bytes]]) -> Any:
    files = [("file", (f"{code}.png", data, "image/png")) for code, data in parts]
    data = {"material": [code for code, _ in parts]}
    return client.post(f"/api/v1/cases/{number}/materials/batch", data=data, files=files, headers=headers)


def test_batch_upload_keeps_all_or_nothing(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    detail = draft(client, agent)
    number = detail["number"]
    codes = [m["code"] for m in detail["needed_materials"] if m["exempt"] != "bundle"][:3]
    assert len(codes) == 3
    # One bad file (not an image at all) refuses the whole batch.
    parts = [(codes[0], png(1)), (codes[1], b"MZ\x90\x00 not an image"), (codes[2], png(3))]
    refused(db, lambda: batch(client, agent, number, parts), 422, "file_type")
    refused(
        db,
        lambda: batch(client, agent, number, [(codes[0], png(1)), ("no_such_material", png(2))]),
        422,
        "unknown_material",
        "material",
    )
    response = batch(client, agent, number, [(c, png(i)) for i, c in enumerate(codes)])
    assert response.status_code == 201, response.text
    assert [m["material"] for m in response.json()] == codes
    after = ok(client.get(f"/api/v1/cases/{number}", headers=agent))
    assert {m["material"] for m in after["materials"]} == set(codes)


def test_body_over_the_limit_is_refused_before_it_is_read(
    client: TestClient, login: Any, db: Session, monkeypatch: Any
) -> None:
    from onething.kit.bodylimit import BodyLimit

    agent = login(AGENT)
    number = draft(client, agent)["number"]
    declared = 10 * 1024 * 1024 + 200 * 1024  # just over one file's limit, said by Content-Length
    error = refused(
        db,
        lambda: upload(client, agent, number, "business_license_copy", b"\x89PNG" + b"0" * declared),
        413,
        "payload_too_large",
        "file",
    )
    assert "MB" in error["message"]

    # Without Content-Length (chunked), the bytes are counted as they arrive.
    seen: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(len(message.get("body", b"")))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"cut off"})

    import asyncio

    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True} for _ in range(5)]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    asyncio.run(BodyLimit(app, lambda _path: 1000)(scope, receive, send))
    assert sent[0]["status"] == 413
    assert b"payload_too_large" in sent[1]["body"]
    assert sum(seen) <= 1200 and len(chunks) == 3  # stopped reading after the limit
