"""The one form keeps everything typed, and legal acts are confirmed: the page posts as a browser
without JavaScript sends them, the autosave and upload posts as the page's script sends them, and
the database checked after each refusal."""

from __future__ import annotations

import re

import pytest
from cases_support import AGENT, CREDIT_CODE, snapshot
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_case_pages import _as, _csrf

from onething.cases import journey
from onething.demo.cases import png
from onething.models import Case, CaseMaterial

QUERY = "has_license=yes&premises=leased&area=gt300&extras=signboard"


def _draft(client: TestClient) -> str:
    """王磊 applies for 敏记餐饮 from the guide page, as the page posts it."""
    _as(client, AGENT)
    guide = client.get(f"/things/open_restaurant/guide?{QUERY}")
    hidden = dict(re.findall(r'name="(a_[a-z_\[\]]+)" value="([^"]+)"', guide.text))
    data = {**hidden, "enterprise": CREDIT_CODE, "csrf_token": _csrf(guide.text)}
    r = client.post("/things/open_restaurant/apply", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"]).rsplit("/", 1)[1]


def _case(db: Session, number: str) -> Case:
    db.expire_all()
    return db.scalars(select(Case).where(Case.number == number)).one()


def _clerk_org(db: Session) -> int:
    from onething.models import RoleGrant, User

    found = db.scalar(
        select(RoleGrant.org_id).join(User, User.id == RoleGrant.user_id).where(User.username == "ht_clerk")
    )
    assert found is not None
    return int(found)


def _field(html: str, code: str) -> str:
    found = re.search(rf'<(?:input|select|textarea)[^>]*id="f_{code}"[^>]*>', html)
    assert found, f"no input for {code}"
    return found.group(0)


def test_a_fresh_form_shows_no_errors_and_optional_fields_say_so(client: TestClient) -> None:
    number = _draft(client)
    page = client.get(f"/cases/{number}").text
    assert "error-summary" not in page and 'aria-invalid="true"' not in page
    assert not re.search(r'<small class="error" id="e_[a-z_]+">[^<]', page)  # no message shown yet
    assert re.search(r'for="f_storage_address">仓库地址 <small class="optional">（选填）</small>', page)


def test_one_wrong_value_keeps_every_other_and_is_shown_as_typed(client: TestClient, db: Session) -> None:
    number = _draft(client)
    page = client.get(f"/cases/{number}").text
    data = {
        "_form": "1",
        "csrf_token": _csrf(page),
        "premises_area": "约120平",  # not a number
        "food_safety_officer_name": "李小红",
        "employee_count": "12",
        "storage_address": "株洲市荷塘区红旗路 8 号",
    }
    r = client.post(f"/cases/{number}/form", data=data)
    assert r.status_code == 422
    assert 'value="约120平"' in _field(r.text, "premises_area") and 'aria-invalid="true"' in _field(
        r.text, "premises_area"
    )
    assert 'aria-describedby="' in _field(r.text, "premises_area") and 'id="e_premises_area">「建筑面积' in r.text
    assert "其余内容已保存" in r.text and 'href="#f_premises_area"' in r.text
    form = _case(db, number).form
    assert form["food_safety_officer_name"] == "李小红" and form["employee_count"] == 12
    assert form["storage_address"] == "株洲市荷塘区红旗路 8 号" and "premises_area" not in form
    # A value the form's rules refuse (not only a number that is not one) is kept the same way.
    r = client.post(f"/cases/{number}/form", data={**data, "premises_area": "80", "food_safety_officer_mobile": "12"})
    assert r.status_code == 422 and 'value="12"' in _field(r.text, "food_safety_officer_mobile")
    form = _case(db, number).form
    assert form["premises_area"] == 80 and "food_safety_officer_mobile" not in form


def test_an_upload_in_the_form_keeps_what_was_typed(client: TestClient, db: Session) -> None:
    number = _draft(client)
    page = client.get(f"/cases/{number}").text
    data = {"_form": "1", "csrf_token": _csrf(page), "food_safety_officer_name": "李小红", "intent": "upload"}
    files = {"file_storefront_photo": ("门头.png", png(5), "image/png")}
    r = client.post(f"/cases/{number}/form", data=data, files=files, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=uploaded#materials")
    case = _case(db, number)
    assert case.form["food_safety_officer_name"] == "李小红"
    kept = db.scalars(select(CaseMaterial.material_code).where(CaseMaterial.case_id == case.id)).all()
    assert "storefront_photo" in kept
    assert "文件已上传" in client.get(r.headers["location"]).text

    # A file the server refuses is explained beside it; the fields typed with it are still kept.
    before = db.scalar(select(CaseMaterial.id).where(CaseMaterial.case_id == case.id).order_by(CaseMaterial.id.desc()))
    other = next(m for m in re.findall(r'data-material="([a-z0-9_]+)"', page) if m != "storefront_photo")
    bad = {f"file_{other}": ("plan.txt", b"not a picture", "text/plain")}
    r = client.post(f"/cases/{number}/form", data={**data, "employee_count": "9"}, files=bad)
    assert r.status_code == 422 and re.search(rf'<small class="error" id="e_m_{other}">[^<]+</small>', r.text)
    assert _case(db, number).form["employee_count"] == 9
    newest = db.scalar(select(CaseMaterial.id).where(CaseMaterial.case_id == case.id).order_by(CaseMaterial.id.desc()))
    assert newest == before


def test_autosave_keeps_one_field_and_refuses_a_wrong_one(client: TestClient, db: Session) -> None:
    number = _draft(client)
    token = _csrf(client.get(f"/cases/{number}").text)
    r = client.post(
        f"/cases/{number}/form?autosave=1",
        data={"csrf_token": token, "_only": "employee_count", "employee_count": "7"},
    )
    assert r.status_code == 200 and re.fullmatch(r"\d\d:\d\d", r.json()["saved_at"])
    assert _case(db, number).form["employee_count"] == 7
    before = snapshot(db)
    # Only the field left is saved: a multiple choice not in the post is not cleared by it.
    r = client.post(
        f"/cases/{number}/form?autosave=1",
        data={"csrf_token": token, "_only": "employee_count", "employee_count": "七个"},
    )
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "employee_count"
    assert snapshot(db) == before
    r = client.post(f"/cases/{number}/form?autosave=1", data={"csrf_token": "forged", "_only": "employee_count"})
    assert r.status_code == 403 and r.json()["error"]["code"]
    assert snapshot(db) == before


def test_an_answer_in_the_guide_is_not_asked_again(client: TestClient, db: Session) -> None:
    number = _draft(client)
    assert _case(db, number).form["premises_property_right"] == "leased"
    page = client.get(f"/cases/{number}").text
    assert 'id="f_premises_property_right"' not in page
    assert re.search(r"场所产权性质</span>\s*<strong>租赁</strong>", page) and "您在智能导办中的回答" in page


def test_a_submission_lists_every_problem_and_keeps_what_was_typed(client: TestClient, db: Session) -> None:
    number = _draft(client)
    page = client.get(f"/cases/{number}").text
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    r = client.post(
        f"/cases/{number}/submit",
        data={"csrf_token": _csrf(page), "token": token.group(1), "food_safety_officer_name": "李小红"},
    )
    assert r.status_code == 422 and _case(db, number).status == "draft"
    assert _case(db, number).form["food_safety_officer_name"] == "李小红"  # typed, then submitted: kept
    summary = r.text.split('class="error-summary"', 1)[1].split("</section>", 1)[0]
    count = int(re.search(r"还有 (\d+) 处", summary).group(1))  # type: ignore[union-attr]
    links = re.findall(r'<li><a href="#([fm]_[a-z0-9_]+)">', summary)
    assert count == len(links) > 10  # every one of them, not the first ten
    assert all(f'id="{target}"' in r.text for target in links)
    assert "f_storage_address" not in links  # optional stays optional


def test_withdrawing_is_confirmed_first(client: TestClient, db: Session) -> None:
    number = _draft(client)
    page = client.get(f"/cases/{number}").text
    assert re.search(r'action="/cases/\d+/withdraw"[^>]*data-confirm="撤回「开办餐饮店」的申请', page)
    before = snapshot(db)
    r = client.post(f"/cases/{number}/withdraw", data={"csrf_token": _csrf(page)})
    assert r.status_code == 200 and "确认撤回申请" in r.text and "本次申请终止" in r.text
    assert snapshot(db) == before
    r = client.post(
        f"/cases/{number}/withdraw", data={"csrf_token": _csrf(page), "confirmed": "1"}, follow_redirects=False
    )
    assert r.status_code == 303 and _case(db, number).status == "withdrawn"
    page = client.get(r.headers["location"]).text
    assert "申请已撤回。" in page and f'action="/cases/{number}/withdraw"' not in page  # no longer offered
    r = client.post(f"/cases/{number}/withdraw", data={"csrf_token": _csrf(page), "confirmed": "1"})
    assert r.status_code == 409


def test_refusing_needs_reasons_and_a_confirmation(client: TestClient, db: Session) -> None:
    number = _draft(client)
    case = _case(db, number)
    # Straight to the window's queue: what is refused here is the refusal, not the form.
    case.status, case.receiving_org_id = "submitted", _clerk_org(db)
    db.flush()
    _as(client, "ht_clerk")
    page = client.get(f"/cases/{number}").text
    before = snapshot(db)
    r = client.post(f"/cases/{number}/refuse", data={"csrf_token": _csrf(page), "reason": "否"})
    assert r.status_code == 422 and "至少 4 个字" in r.text and snapshot(db) == before
    reason = "经营场所位于居民住宅楼内，不符合餐饮服务场所设置要求"
    r = client.post(f"/cases/{number}/refuse", data={"csrf_token": _csrf(page), "reason": reason})
    assert r.status_code == 200 and "确认不予受理" in r.text and reason in r.text and snapshot(db) == before
    confirmed = {"csrf_token": _csrf(page), "reason": reason, "confirmed": "1"}
    r = client.post(f"/cases/{number}/refuse", data=confirmed, follow_redirects=False)
    assert r.status_code == 303 and _case(db, number).status == "refused"


def test_submitted_page_and_the_progress_in_plain_words(client: TestClient, db: Session) -> None:
    number = _draft(client)
    page = client.get(f"/cases/{number}").text
    assert re.search(r'<li class="current" aria-current="step">.*?提交.*?填写中', page, re.S)
    r = client.get(f"/cases/{number}/submitted")
    assert r.status_code == 200 and "提交成功" in r.text and number in r.text and "接下来" in r.text


def test_the_workbench_finds_a_case_by_number_name_or_id_tail(client: TestClient, db: Session) -> None:
    number = _draft(client)
    case = _case(db, number)
    case.status, case.receiving_org_id = "submitted", _clerk_org(db)
    db.flush()
    _as(client, "ht_clerk")
    found = client.get(f"/workbench?q={number[-8:]}").text
    assert "待受理 <span" in found  # counts beside the tabs
    for query in (number[-8:], case.applicant_name[:2], (case.applicant_credit_code or "")[-6:]):
        assert client.get("/workbench", params={"q": query}).status_code == 200
    r = client.get("/workbench", params={"q": "x" * 61})
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("status", "accepted", "outcome", "marks"),
    [
        ("draft", False, None, ["current", "todo", "todo", "todo", "todo"]),
        ("submitted", False, None, ["done", "current", "todo", "todo", "todo"]),
        ("correction_requested", False, None, ["done", "current", "todo", "todo", "todo"]),
        ("correction_requested", True, None, ["done", "done", "current", "todo", "todo"]),
        ("processing", True, None, ["done", "done", "current", "todo", "todo"]),
        ("concluded", True, "approved", ["done", "done", "done", "done", "current"]),
        ("concluded", True, "rejected", ["done", "done", "done", "stopped", "todo"]),
        ("refused", False, None, ["done", "stopped", "todo", "todo", "todo"]),
        ("withdrawn", True, None, ["done", "done", "stopped", "todo", "todo"]),
        ("closed", True, "approved", ["done"] * 5),
    ],
)
def test_the_five_steps(status: str, accepted: bool, outcome: str | None, marks: list[str]) -> None:
    steps = journey.steps(status, accepted, outcome)
    assert [s.name for s in steps] == list(journey.STEPS) and [s.state for s in steps] == marks
    assert sum(1 for s in steps if s.note) == (0 if status == "closed" else 1)


def test_departments_in_the_applicants_words() -> None:
    assert journey.task_words("pending") == "已分送部门，等待办理" and "认领" not in journey.task_words("claimed")


def test_unread_marks_and_my_todo(client: TestClient, db: Session) -> None:
    import random

    from onething.cases import intake, window
    from onething.cases.schemas import CorrectionIn, CorrectionItem
    from onething.demo.cases import cast, new_restaurant_case

    who = cast(db)
    number = new_restaurant_case(db, who, random.Random(41))
    intake.submit(db, who.agent, number)
    item = CorrectionItem(kind="field", code="employee_count", reason="与参保人数不一致")
    window.request_correction(db, who.clerk, number, CorrectionIn(items=[item]))
    db.flush()
    _as(client, AGENT)
    mark = client.get("/notices/unread")
    assert mark.status_code == 200 and re.search(r'aria-label="(\d+) 条未读"', mark.text)
    home = client.get("/").text
    assert "我的待办" in home and f'href="/cases/{number}"' in home and "补齐 1 项后重新提交" in home
    page = client.get("/notices").text
    assert "未读" in page and "我的待办" in page
    assert client.get("/notices/unread").text == ""  # read now
    assert "badge-new" not in client.get("/notices").text
