"""Malformed and malicious requests: never a 5xx, always a 4xx in the usual shape naming the culprit, and
nothing written. Each test sends the bad input to the real app (issue 18's findings)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from cases_support import AGENT, draft, ok, snapshot, upload
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.cases import forms
from onething.demo.cases import png
from onething.guide.model import FormField, FormGroup
from onething.kit import validators
from onething.kit.settings import get_settings
from onething.kit.validators import InvalidValue
from onething.models import Base

ADMIN = "cs_admin"
PLAUSIBLE = {"date": "2025-06-03"}  # required query parameters that are not numbers
HOSTILE_INTS = (2**31, 2**63 - 1, 2**63, 2**70, -1)  # 2**31: past PostgreSQL's int4 ids


def counts(db: Session) -> dict[str, int]:
    """Rows in every table: what a refused request must leave as it was."""
    db.expire_all()
    return {t.name: int(db.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def refused(response: Any, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["field"] == field, error
    assert error["message"]
    return error


# --- integers out of range -----------------------------------------------------------------------------


def _dependants(d: Dependant) -> Iterator[Dependant]:
    yield d
    for sub in d.dependencies:
        yield from _dependants(sub)


def _int_params() -> list[tuple[str, str, str, str, dict[str, str]]]:
    """(method, path, "path"|"query", name, other required parameters with a plausible value) for every
    int parameter of every route."""
    from onething.kit.db import make_engine
    from onething.web.app import create_app

    app = create_app(make_engine("sqlite://"))
    found = []
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or not route.path:
            continue
        required = dict.fromkeys(re.findall(r"{(\w+)(?::\w+)?}", route.path), "1")
        for d in _dependants(dependant):
            required.update(
                {p.alias: PLAUSIBLE.get(p.alias, "1") for p in d.query_params if p.field_info.is_required()}
            )
        for d in _dependants(dependant):
            for kind, params in (("path", d.path_params), ("query", d.query_params)):
                for p in params:
                    annotation = str(p.field_info.annotation)
                    if re.search(r"\bint\b", annotation) and "bool" not in annotation:
                        others = {k: v for k, v in required.items() if k != p.alias}
                        for method in sorted(route.methods or ()):
                            found.append((method, route.path, kind, p.alias, others))
    return found


INT_PARAMS = _int_params()


def test_the_walk_finds_the_known_int_parameters() -> None:
    # Guard against a walk that silently finds nothing (a FastAPI upgrade changing app.routes).
    names = {(path, name) for _, path, _, name, _ in INT_PARAMS}
    assert ("/api/v1/tasks/{task_id}", "task_id") in names
    assert ("/api/v1/cases", "after") in names
    assert ("/admin/users/{user_id}", "user_id") in names
    assert len(INT_PARAMS) > 60


def test_every_int_path_and_query_parameter_is_range_checked(client: TestClient, login: Any, db: Session) -> None:
    headers = login(ADMIN)
    before = counts(db)
    answers: dict[tuple[str, str, str, int], int] = {}
    for method, path, kind, name, others in INT_PARAMS:
        for value in HOSTILE_INTS:
            url = path
            params: dict[str, Any] = {}
            for other, plausible in others.items():
                if "{" + other in url:
                    url = re.sub(r"{" + other + r"(?::\w+)?}", plausible, url)
                else:
                    params[other] = plausible
            if kind == "path":
                url = re.sub(r"{" + name + r"(?::\w+)?}", str(value), url)
            else:
                params[name] = str(value)
            response = client.request(method, url, params=params, headers=headers, json={})
            answers[(method, path, name, value)] = response.status_code
            assert 400 <= response.status_code < 500, (method, url, params, response.status_code, response.text[:300])
            if response.status_code == 422:
                assert response.json()["error"]["field"] == name, (method, url, response.text[:300])
    # Validation answers first: every one of them is the 422 naming the parameter (none a 404 or 403 that
    # would hide an unchecked parameter behind an access rule).
    assert set(answers.values()) == {422}, {k: v for k, v in answers.items() if v != 422}
    assert counts(db) == before


def test_ids_in_bodies_and_forms_are_range_checked(client: TestClient, login: Any, db: Session) -> None:
    headers = login(ADMIN)
    before = counts(db)
    me = ok(client.get("/api/v1/me", headers=headers))
    for value in HOSTILE_INTS:
        body = {"role": "window_clerk", "org_id": value}
        response = client.post(f"/api/v1/users/{me['id']}/roles", json=body, headers=headers)
        refused(response, 422, "invalid_request", "org_id")
        response = client.post("/api/v1/tasks/1/claim", json={"assignee_id": value}, headers=headers)
        refused(response, 422, "invalid_request", "assignee_id")
    assert counts(db) == before


# --- invisible control characters ----------------------------------------------------------------------

BAD_TEXT = ["a\x00b", "invoice\u202efdp.exe", "zero\u200bwidth", "\ufeffbom", "iso\u2066late", "bell\x07", "\x7f"]


@pytest.mark.parametrize("text", BAD_TEXT)
def test_controls_in_a_json_body_are_refused_naming_the_field(
    client: TestClient, login: Any, db: Session, text: str
) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    before, rows = snapshot(db), counts(db)
    response = client.put(f"/api/v1/cases/{number}", json={"form": {"applicant_name": text}}, headers=agent)
    refused(response, 422, "invalid_character", "form.applicant_name")
    response = client.post("/api/v1/cases", json={"thing": text, "answers": {}}, headers=agent)
    refused(response, 422, "invalid_character", "thing")
    response = client.post("/api/v1/cases", json={"thing": "x", "answers": {text: "yes"}}, headers=agent)
    refused(response, 422, "invalid_character", "answers." + validators.strip_controls(text))
    assert snapshot(db) == before and counts(db) == rows


def test_a_lone_surrogate_and_a_json_list_are_found_too(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    before = snapshot(db)
    raw = b'{"form": {"applicant_name": "\\ud800"}}'  # valid JSON, not encodable as UTF-8
    headers = {**agent, "Content-Type": "application/json"}
    refused(
        client.put(f"/api/v1/cases/{number}", content=raw, headers=headers),
        422,
        "invalid_character",
        "form.applicant_name",
    )
    body = {"form": {"business_scope": ["ok", "bad\x00"]}}
    refused(
        client.put(f"/api/v1/cases/{number}", json=body, headers=agent),
        422,
        "invalid_character",
        "form.business_scope.1",
    )
    assert snapshot(db) == before


def test_tab_newline_and_ordinary_text_pass(client: TestClient, login: Any) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    name = "王\t磊\r\n（Wáng Lěi）😀"
    body = {"form": {"legal_representative_name": name}}
    detail = ok(client.put(f"/api/v1/cases/{number}", json=body, headers=agent))
    values = {f["code"]: f.get("value") for g in detail["form"] for f in g["fields"]}
    assert values["legal_representative_name"] == name


def test_controls_in_the_query_string_and_the_path_are_refused(client: TestClient, db: Session) -> None:
    before = counts(db)
    refused(client.get("/api/v1/things", params={"q": "餐饮\x00"}), 422, "invalid_character", "q")
    refused(client.get("/api/v1/things", params={"q\u202e": "x"}), 422, "invalid_character", "q")
    refused(client.get("/api/v1/things?q=%E2%80%8B"), 422, "invalid_character", "q")
    refused(client.get("/api/v1/cases/A%00B"), 422, "invalid_character", "path")
    assert counts(db) == before


def test_controls_in_a_page_form_are_refused_and_a_browser_gets_a_page(client: TestClient, db: Session) -> None:
    before = counts(db)
    form = {"login": "cs_admin\u200b", "password": "whatever"}
    refused(client.post("/login", data=form), 422, "invalid_character", "login")
    page = client.post("/login", data=form, headers={"Accept": "text/html"})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "控制字符" in page.text
    assert counts(db) == before


def test_controls_in_multipart_text_fields_and_file_names_are_refused(
    client: TestClient, login: Any, db: Session
) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    before, rows = snapshot(db), counts(db)
    url = f"/api/v1/cases/{number}/materials"
    files = {"file": ("scan.png", png(7), "image/png")}
    refused(
        client.post(url, data={"material": "x\x00"}, files=files, headers=agent), 422, "invalid_character", "material"
    )
    files = {"file": ("invoice\u202efdp.exe", png(7), "image/png")}
    refused(
        client.post(url, data={"material": "lease_contract"}, files=files, headers=agent),
        422,
        "invalid_character",
        "file",
    )
    assert snapshot(db) == before and counts(db) == rows
    # The file's own bytes are not text: a PNG is full of NUL bytes and goes through.
    assert upload(client, agent, number, "lease_contract").status_code == 201


def test_a_stored_file_name_is_shown_without_controls(client: TestClient, login: Any, db: Session) -> None:
    from onething.models import CaseMaterial

    agent = login(AGENT)
    number = draft(client, agent)["number"]
    ok(upload(client, agent, number, "lease_contract"), 201)
    row = db.scalars(select(CaseMaterial)).all()[-1]
    row.filename = "invoice\u202efdp.exe"  # stored before names were checked
    db.flush()
    detail = ok(client.get(f"/api/v1/cases/{number}", headers=agent))
    assert [m["filename"] for m in detail["materials"]] == ["invoicefdp.exe"]


# --- unhandled exceptions, 405, 413, a missing file part -------------------------------------------------


def test_an_unhandled_exception_is_a_json_500_without_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    app: Any = client.app

    def boom() -> None:
        raise RuntimeError("secret detail from deep inside")

    app.add_api_route("/api/v1/test-boom", boom)
    quiet = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        response = quiet.get("/api/v1/test-boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "服务器内部错误，请稍后重试", "field": None}
    }
    assert "secret detail" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert logged, "the exception is logged with its traceback"
    page = quiet.get("/api/v1/test-boom", headers={"Accept": "text/html"})
    assert page.status_code == 500 and "Traceback" not in page.text


def test_405_says_what_is_allowed(client: TestClient) -> None:
    response = client.put("/api/v1/things")
    refused(response, 405, "method_not_allowed", None)
    assert "GET" in response.headers["allow"]


def test_405_lists_every_method_of_the_resource(client: TestClient) -> None:
    # /api/v1/users/{user_id} answers GET and PATCH; the router first meets the GET route only.
    response = client.put("/api/v1/users/1")
    refused(response, 405, "method_not_allowed", None)
    assert response.headers["allow"] == "GET, PATCH"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/v1/people/lookup", "POST"),  # not the person whose id is "lookup"
        ("GET", "/api/v1/licenses/verify", "POST"),  # not the license whose identifier is "verify"
        ("DELETE", "/api/v1/cases", "GET, POST"),
    ],
)
def test_an_exact_address_answers_only_its_own_methods(
    client: TestClient, db: Session, method: str, path: str, allow: str
) -> None:
    before = counts(db)
    response = client.request(method, path)
    refused(response, 405, "method_not_allowed", None)
    assert response.headers["allow"] == allow
    assert counts(db) == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"\xff\xfe{not json"),
        ("application/json", b'{"answers": '),
        ("multipart/form-data", b"--x\r\n--x--\r\n"),  # no boundary parameter
        ("multipart/form-data; boundary=x", b"garbage without parts"),
    ],
)
def test_a_body_that_cannot_be_parsed_is_a_422_in_our_words(
    client: TestClient, login: Any, db: Session, content_type: str, body: bytes
) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    before = counts(db)
    path = f"/api/v1/cases/{number}/materials" if content_type.startswith("multipart") else "/api/v1/cases"
    response = client.post(path, content=body, headers={**agent, "Content-Type": content_type})
    error = refused(response, 422, "malformed_body", None)
    assert "无法解析" in error["message"]
    assert counts(db) == before


def test_413_speaks_of_files_only_for_uploads(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    before = counts(db)
    limit = get_settings().request_max_bytes
    big = {"form": {"applicant_name": "x" * (limit + 10)}}
    error = refused(client.put(f"/api/v1/cases/{number}", json=big, headers=agent), 413, "payload_too_large", None)
    assert "请求体" in error["message"] and "上传" not in error["message"]
    data = b"\x89PNG" + b"0" * (get_settings().upload_max_bytes + 200 * 1024)
    response = upload(client, agent, number, "lease_contract", data)
    error = refused(response, 413, "payload_too_large", "file")
    assert "文件" in error["message"]
    assert counts(db) == before


def test_verify_without_a_file_part_is_a_422_on_file(client: TestClient, db: Session) -> None:
    before = counts(db)
    response = client.post("/api/v1/licenses/verify", data={"other": "x"}, files={"note": (None, "x")})
    refused(response, 422, response.json()["error"]["code"], "file")
    assert counts(db) == before


# --- dates and phones that mean something ---------------------------------------------------------------


def _field(code: str, label: str, type: str = "string", fmt: str | None = None) -> FormField:
    return FormField(code, label, type, fmt, False, (), None, None, None, None, None, ("item",))


FORM = (
    FormGroup(
        "subject",
        "事项",
        (
            _field("newborn_birth_date", "新生儿出生日期", "date"),
            _field("guarantee_loan_start_date", "贷款起始日期", "date"),
            _field("guarantee_loan_end_date", "贷款到期日期", "date"),
            _field("bank_appointment_date", "预约到银行办理日期", "date"),
            _field("applicant_mobile", "联系电话（手机）", fmt="mobile"),
            _field("administrator_mobile", "管理人联系电话", fmt="phone"),
        ),
    ),
)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("9999-12-31", "晚于"), ("1800-01-01", "早于 1900"), ("2024-02-30", "有效日期"), ("20240101", "有效日期")],
)
def test_a_birth_date_must_be_a_real_day_in_the_past(value: str, reason: str) -> None:
    [problem] = forms.validate(FORM, {"newborn_birth_date": value}, complete=False)
    assert problem.field == "newborn_birth_date" and reason in problem.message


def test_a_birth_date_of_today_is_fine_and_tomorrow_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from onething.kit import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 6, 1))
    assert forms.validate(FORM, {"newborn_birth_date": "2025-06-01"}, complete=False) == []
    [problem] = forms.validate(FORM, {"newborn_birth_date": "2025-06-02"}, complete=False)
    assert "不能晚于今天" in problem.message
    # An appointment may be ahead, but not centuries ahead.
    assert forms.validate(FORM, {"bank_appointment_date": "2025-07-01"}, complete=False) == []
    assert forms.validate(FORM, {"bank_appointment_date": "9999-12-31"}, complete=False)


def test_a_period_must_not_end_before_it_starts() -> None:
    data = {"guarantee_loan_start_date": "2025-03-01", "guarantee_loan_end_date": "2025-02-28"}
    [problem] = forms.validate(FORM, data, complete=False)
    assert problem.field == "guarantee_loan_end_date"
    assert problem.message == "「贷款到期日期」不能早于「贷款起始日期」"
    data["guarantee_loan_end_date"] = "2025-03-01"
    assert forms.validate(FORM, data, complete=False) == []


@pytest.mark.parametrize(
    "typed", ["+86 138 0731 0021", "0086-138-0731-0021", "138 0731 0021", "+8613807310021", " 13807310021 "]
)
def test_mobiles_are_stored_as_their_eleven_digits(typed: str) -> None:
    assert validators.mobile(typed) == "13807310021"
    assert forms.normalised(FORM, {"applicant_mobile": typed})["applicant_mobile"] == "13807310021"


@pytest.mark.parametrize("bad", ["+1 650 253 0000", "1380731002", "23807310021", "+86 0731 8888 8888", "1380731002１"])
def test_what_is_not_a_mainland_mobile_is_refused(bad: str) -> None:
    with pytest.raises(InvalidValue):
        validators.mobile(bad)
    assert forms.normalised(FORM, {"applicant_mobile": bad})["applicant_mobile"] == bad  # left for validate
    assert [p.field for p in forms.validate(FORM, {"applicant_mobile": bad}, complete=False)] == ["applicant_mobile"]


def test_a_phone_field_takes_a_landline_too() -> None:
    assert validators.phone("0731 8888 8888") == "073188888888"
    assert validators.phone("+86 138 0731 0021") == "13807310021"
    with pytest.raises(InvalidValue):
        validators.phone("12345")


def test_a_mobile_is_stored_normalised_through_the_api(client: TestClient, login: Any, db: Session) -> None:
    agent = login(AGENT)
    number = draft(client, agent)["number"]
    body = {"form": {"legal_representative_mobile": "+86 138 0731 0021"}}
    detail = ok(client.put(f"/api/v1/cases/{number}", json=body, headers=agent))
    values = {f["code"]: f.get("value") for g in detail["form"] for f in g["fields"]}
    assert values["legal_representative_mobile"] == "13807310021"
    before = snapshot(db)
    body = {"form": {"legal_representative_mobile": "+1 650 253 0000"}}
    response = client.put(f"/api/v1/cases/{number}", json=body, headers=agent)
    refused(response, 422, "form_invalid", "form.legal_representative_mobile")
    assert snapshot(db) == before
