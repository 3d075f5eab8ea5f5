"""帮代办 through the pages: a window clerk keys an application in for the person at the counter."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_case_pages import _as, _csrf

from onething.models import Case, CaseEvent

GUIDE = (
    "/things/newborn_birth/guide?birth_place=elsewhere&has_vaccination_card=yes&join_medical=no"
    "&need_ssc=no&maternity_insured=yes"
)
MOTHER = "430202197809210244"


def _apply_for(client: TestClient, id_number: str, token: str | None = None) -> tuple[int, str]:
    page = client.get(GUIDE).text
    assert 'name="applicant_id_number"' in page and "为申请人代办" in page
    hidden = dict(re.findall(r'name="(a_[a-z_\[\]]+)" value="([^"]+)"', page))
    token = token or re.findall(r'name="token" value="([^"]+)"', page)[-1]
    r = client.post(
        "/things/newborn_birth/apply",
        data={**hidden, "applicant_id_number": id_number, "token": token, "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    return r.status_code, r.headers.get("location", "") or r.text


def test_a_clerk_keys_in_an_application_for_a_citizen(client: TestClient, db: Session) -> None:
    _as(client, "ht_clerk")
    assert "帮代办" in client.get("/workbench").text
    status, location = _apply_for(client, MOTHER)
    assert status == 303, location
    number = location.rsplit("/", 1)[1]
    case = db.scalar(select(Case).where(Case.number == number))
    assert case is not None and case.channel == "window" and case.applicant_id_number == MOTHER
    assert case.applicant_name == "赵敏"
    page = client.get(f"/cases/{number}").text
    # The clerk fills the one form for her while it is a draft; her details come from the population library.
    assert 'action="/cases/' + number + '/form"' in page and "来源：人口基础信息库" in page


def test_a_bad_id_number_is_refused_and_nothing_is_created(client: TestClient, db: Session) -> None:
    _as(client, "ht_clerk")
    before = db.scalar(select(func.count()).select_from(Case))
    status, body = _apply_for(client, "430202197809210245")  # wrong check digit
    assert 400 <= status < 500
    # Back on the guide: the message beside the ID field, the number typed kept for correcting.
    error = re.search(r'<small class="error" role="alert" id="helper-error">([^<]+)</small>', body)
    assert error and "身份" in error[1]
    assert 'value="430202197809210245"' in body and 'aria-invalid="true"' in body
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Case)) == before


def test_a_citizen_cannot_apply_for_someone_else(client: TestClient, db: Session) -> None:
    _as(client, "430202198506150138")
    page = client.get(GUIDE).text
    assert 'name="applicant_id_number"' not in page
    hidden = dict(re.findall(r'name="(a_[a-z_\[\]]+)" value="([^"]+)"', page))
    before = db.scalar(select(func.count()).select_from(Case))
    r = client.post(
        "/things/newborn_birth/apply",
        data={**hidden, "applicant_id_number": MOTHER, "token": "x-2", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert r.status_code in (403, 404, 422)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Case)) == before


def test_a_draft_tells_nothing_and_others_never_see_it(client: TestClient, db: Session) -> None:
    """补正 reaches the applicant's 消息 with the clerk's note; no one else's cases appear there."""
    _as(client, "ht_clerk")
    status, location = _apply_for(client, MOTHER)
    assert status == 303
    number = location.rsplit("/", 1)[1]
    case = db.scalar(select(Case).where(Case.number == number))
    assert case is not None
    _as(client, MOTHER)
    assert "暂无消息" in client.get("/notices").text  # a draft has told her nothing yet
    _as(client, "430202198506150138")
    page = client.get("/notices").text
    assert number not in page


def test_messages_are_the_applicant_s_not_the_clerk_s_who_keyed_the_case(client: TestClient, db: Session) -> None:
    """A clerk acts for the applicant only while the case is a draft: afterwards neither 消息 nor
    我的办件 shows the clerk that case; the applicant's 消息 masks personal data in staff notes."""
    _as(client, "ht_clerk")
    status, location = _apply_for(client, MOTHER)
    assert status == 303
    number = location.rsplit("/", 1)[1]
    case = db.scalar(select(Case).where(Case.number == number))
    assert case is not None
    case.status = "correction_requested"  # as if submitted and sent back (the flow has its own tests)
    db.add(
        CaseEvent(
            case_id=case.id,
            actor_name="黄荷塘窗口",
            action="request_correction",
            from_status="submitted",
            to_status="correction_requested",
            comment="请补充材料，有疑问请联系 13800138000",
        )
    )
    db.flush()
    assert number not in client.get("/notices").text
    assert number not in client.get("/cases").text
    _as(client, MOTHER)
    page = client.get("/notices").text
    assert number in page and "需要补正" in page
    assert "13800138000" not in page and "138****8000" in page


def test_a_reused_page_token_never_opens_another_person_s_case(client: TestClient, db: Session) -> None:
    """Back, then a second person at the counter with the old page's token: refused, not someone else's case."""
    _as(client, "ht_clerk")
    status, first = _apply_for(client, MOTHER, token="counter-1")
    assert status == 303
    again, same = _apply_for(client, MOTHER, token="counter-1")
    assert again == 303 and same == first  # the same request repeated: the same case
    before = db.scalar(select(func.count()).select_from(Case))
    other, body = _apply_for(client, "430121196205050314", token="counter-1")
    assert other == 409 and "幂等键" in body
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Case)) == before


def test_signed_in_pages_are_never_cached_public_ones_may_be(client: TestClient) -> None:
    assert "no-store" not in client.get("/things/newborn_birth").headers.get("cache-control", "")
    _as(client, MOTHER)
    for path in ("/cases", "/wallet", "/notices", "/things/newborn_birth"):
        assert client.get(path).headers.get("cache-control") == "private, no-store", path
