"""Administration pages: stored catalog versions (browse and compare) and the holiday override table
(page and API), with who may see them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_case_pages import _as, _csrf

from onething.catalog import holidays, service, spec
from onething.kit.settings import get_settings
from onething.models import AuditEntry, HolidayDay

MINI = Path(__file__).parent / "fixtures" / "catalog"
ADMIN, CATALOG, SUPERVISOR, CITIZEN = "hn_admin", "hn_catalog", "hn_supervisor", "430202198506150138"
TUESDAY = dt.date(2026, 3, 10)  # an ordinary working day in the bundled 2026 calendar


def _overrides(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(HolidayDay)) or 0


def _next_working_day(client: TestClient, start: dt.date) -> str:
    """The calendar API, called by a program (no cookie): what deadlines are computed with."""
    jar = client.cookies
    client.cookies = httpx.Cookies()
    try:
        r = client.get("/api/v1/calendar/add-days", params={"date": start.isoformat(), "days": 1})
    finally:
        client.cookies = jar
    assert r.status_code == 200, r.text
    result: str = r.json()["result"]
    return result


@pytest.fixture
def trusted_calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Processes keep the calendar they read for a while: an edit must make its own process forget it."""
    monkeypatch.setenv("ONETHING_CATALOG_CHECK_SECONDS", "60")
    get_settings.cache_clear()
    holidays.forget()
    yield
    monkeypatch.setenv("ONETHING_CATALOG_CHECK_SECONDS", "0")
    get_settings.cache_clear()
    holidays.forget()


# ---------------------------------------------------------------- catalog versions


def test_catalog_admin_lists_versions_and_reads_an_entry(client: TestClient) -> None:
    _as(client, CATALOG)
    listing = client.get("/admin/catalog")
    assert listing.status_code == 200
    assert "第 1 版" in listing.text and "当前生效" in listing.text

    version = client.get("/admin/catalog/1")
    assert version.status_code == 200
    assert 'href="/admin/catalog/1/things/open_restaurant"' in version.text
    assert 'aria-current="page">一件事' in version.text
    items = client.get("/admin/catalog/1", params={"section": "items"})
    assert re.search(r'href="/admin/catalog/1/items/[a-z_0-9]+"', items.text)

    entry = client.get("/admin/catalog/1/things/open_restaurant")
    assert entry.status_code == 200
    assert "code: open_restaurant" in entry.text  # the stored spec, as YAML
    assert 'href="/things/open_restaurant"' in entry.text  # active version: a link to the public page

    assert client.get("/admin/catalog/1/things/no_such_thing").status_code == 404
    assert client.get("/admin/catalog/1", params={"section": "secrets"}).status_code == 404
    assert client.get("/admin/catalog/99").status_code == 404


def test_the_diff_shows_added_removed_and_changed_entries(client: TestClient, db: Session, tmp_path: Path) -> None:
    shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
    second = service.load(db, tmp_path).number
    text = (tmp_path / "mini.yaml").read_text(encoding="utf-8")
    changed = text.replace("promised_days: 10", "promised_days: 9").replace(
        "  - {code: fire_plan, name: 消防平面图, copies: 2}\n",
        "  - {code: fire_plan, name: 消防平面图, copies: 2}\n  - {code: health_cert, name: 健康证明}\n",
    )
    assert changed != text
    (tmp_path / "mini.yaml").write_text(changed, encoding="utf-8")
    third = service.load(db, tmp_path).number
    assert third == second + 1
    db.commit()

    _as(client, SUPERVISOR)  # supervisors read versions too
    r = client.get("/admin/catalog/diff", params={"from": second, "to": third})
    assert r.status_code == 200, r.text
    assert "修改 1 条" in r.text and "新增 1 条" in r.text and "删除 0 条" in r.text
    assert f'href="/admin/catalog/{third}/materials/health_cert"' in r.text
    block = re.search(r'id="items-food_permit".*?<pre class="diff">(.*?)</pre>', r.text, re.S)
    assert block, "no diff for the changed item"
    assert "<del>-promised_days: 10</del>" in block.group(1)
    assert "<ins>+promised_days: 9</ins>" in block.group(1)
    assert "<ins>" not in block.group(1).replace("<ins>+promised_days: 9</ins>", "")  # nothing else changed

    default = client.get("/admin/catalog/diff")  # the active version against the one before it
    assert "<ins>+promised_days: 9</ins>" in default.text

    whole = client.get("/admin/catalog/diff", params={"from": 1, "to": second})
    assert 'href="/admin/catalog/1/things/open_restaurant"' in whole.text  # removed: linked in the old version
    assert f'href="/admin/catalog/{second}/things/open_shop"' in whole.text  # added: linked in the new one

    same = client.get("/admin/catalog/diff", params={"from": third, "to": third})
    assert same.status_code == 422
    assert re.search(r'<select id="to"[^>]*aria-invalid="true".*?<small class="error" role="alert"', same.text, re.S)
    missing = client.get("/admin/catalog/diff", params={"from": 42, "to": third})
    assert missing.status_code == 422 and "目录版本 42 不存在" in missing.text


# ---------------------------------------------------------------- holidays


def test_an_override_changes_what_the_calendar_computes(
    client: TestClient, db: Session, trusted_calendar: None
) -> None:
    before = _next_working_day(client, TUESDAY - dt.timedelta(days=1))
    assert before == TUESDAY.isoformat()
    _as(client, ADMIN)
    page = client.get("/admin/holidays")
    assert page.status_code == 200
    r = client.post(
        "/admin/holidays",
        data={"date": TUESDAY.isoformat(), "workday": "false", "name": "测试停休", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    shown = client.get(r.headers["location"])
    assert "测试停休" in shown.text and "已保存 2026-03-10" in shown.text

    # Within the trusted interval, yet the new day counts at once.
    assert _next_working_day(client, TUESDAY - dt.timedelta(days=1)) == "2026-03-11"
    row = db.get(HolidayDay, TUESDAY)
    assert row is not None and (row.workday, row.source) == (False, "admin")
    audited = db.scalars(select(AuditEntry).where(AuditEntry.action == "holiday.set")).all()
    assert [a.object_id for a in audited] == [TUESDAY.isoformat()]

    r = client.post(
        f"/admin/holidays/{TUESDAY.isoformat()}/delete",
        data={"csrf_token": _csrf(shown.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _next_working_day(client, TUESDAY - dt.timedelta(days=1)) == TUESDAY.isoformat()
    db.expire_all()
    assert db.get(HolidayDay, TUESDAY) is None


def test_a_make_up_working_saturday_through_the_api(
    client: TestClient, db: Session, login: Callable[[str], dict[str, str]]
) -> None:
    saturday = dt.date(2026, 3, 14)
    headers = login(ADMIN)
    assert _next_working_day(client, saturday - dt.timedelta(days=1)) == "2026-03-16"
    r = client.post("/api/v1/holidays", json={"date": saturday.isoformat(), "workday": True}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json() == {"date": "2026-03-14", "workday": True, "name": None, "source": "admin"}
    assert _next_working_day(client, saturday - dt.timedelta(days=1)) == "2026-03-14"
    listed = {y["year"]: y["days"] for y in client.get("/api/v1/holidays", headers=headers).json()}
    assert {"date": "2026-03-14", "workday": True, "name": None, "source": "admin"} in listed[2026]
    assert client.delete("/api/v1/holidays/2026-03-14", headers=headers).status_code == 204
    assert _next_working_day(client, saturday - dt.timedelta(days=1)) == "2026-03-16"


def test_bad_dates_and_duplicates_are_refused_by_the_field(client: TestClient, db: Session) -> None:
    _as(client, ADMIN)
    token = _csrf(client.get("/admin/holidays").text)
    count = _overrides(db)

    bad = client.post("/admin/holidays", data={"date": "2026-02-30", "workday": "false", "csrf_token": token})
    assert bad.status_code == 422
    # The message sits by the date input, which keeps what was typed.
    assert re.search(
        r'id="h-date"[^>]*value="2026-02-30"[^>]*aria-invalid="true".*?<small class="error" role="alert" '
        r'id="h-date-error">日期格式应为',
        bad.text,
        re.S,
    ), bad.text
    assert _overrides(db) == count

    first = client.post(
        "/admin/holidays",
        data={"date": TUESDAY.isoformat(), "workday": "false", "csrf_token": token},
        follow_redirects=False,
    )
    assert first.status_code == 303
    assert _overrides(db) == count + 1
    again = client.post("/admin/holidays", data={"date": TUESDAY.isoformat(), "workday": "false", "csrf_token": token})
    assert again.status_code == 409
    assert re.search(r'<small class="error" role="alert" id="h-date-error">[^<]*不能重复添加', again.text)
    assert _overrides(db) == count + 1

    # A Saturday off is what the calendar says already: the field at fault is the kind of day.
    needless = client.post("/admin/holidays", data={"date": "2026-03-14", "workday": "false", "csrf_token": token})
    assert needless.status_code == 422
    assert 'id="h-workday-error"' in needless.text
    too_far = client.post("/admin/holidays", data={"date": "1999-03-10", "workday": "false", "csrf_token": token})
    assert too_far.status_code == 422 and 'id="h-date-error"' in too_far.text
    no_token = client.post("/admin/holidays", data={"date": "2026-03-11", "workday": "false"})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    assert _overrides(db) == count + 1
    assert db.get(HolidayDay, dt.date(2026, 3, 11)) is None


def test_the_api_names_the_field_and_changes_nothing_on_error(
    client: TestClient, db: Session, login: Callable[[str], dict[str, str]]
) -> None:
    headers = login(ADMIN)
    count = _overrides(db)
    bad = client.post("/api/v1/holidays", json={"date": "2026-13-01", "workday": False}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "date"
    assert (
        client.post("/api/v1/holidays", json={"date": "2026-03-10", "workday": False}, headers=headers).status_code
        == 201
    )
    dup = client.post("/api/v1/holidays", json={"date": "2026-03-10", "workday": False}, headers=headers)
    assert dup.status_code == 409
    assert dup.json()["error"] == {
        "code": "holiday_exists",
        "message": "2026-03-10 已由管理员设为休息日，不能重复添加；如需更改请先删除",
        "field": "date",
    }
    gone = client.delete("/api/v1/holidays/2026-03-12", headers=headers)
    assert gone.status_code == 404 and gone.json()["error"]["field"] == "date"
    assert _overrides(db) == count + 1


def test_a_catalog_day_is_corrected_not_removed_by_hand(
    client: TestClient, db: Session, login: Callable[[str], dict[str, str]]
) -> None:
    year = spec.HolidayYear(
        year=2031,
        complete=True,
        source="测试通知",
        days=(spec.HolidayDay(date="2031-01-02", workday=False, name="元旦"),),
    )
    holidays.apply_catalog_years(db, [year])
    db.commit()
    headers = login(ADMIN)
    r = client.delete("/api/v1/holidays/2031-01-02", headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "holiday_from_catalog"
    db.expire_all()
    assert db.get(HolidayDay, dt.date(2031, 1, 2)) is not None

    same = client.post("/api/v1/holidays", json={"date": "2031-01-02", "workday": False}, headers=headers)
    assert same.status_code == 409 and "已由目录设为休息日" in same.json()["error"]["message"]
    fixed = client.post("/api/v1/holidays", json={"date": "2031-01-02", "workday": True}, headers=headers)
    assert fixed.status_code == 201 and fixed.json()["source"] == "admin"
    holidays.apply_catalog_years(db, [year])  # the next load keeps the administrator's correction
    db.expire_all()
    row = db.get(HolidayDay, dt.date(2031, 1, 2))
    assert row is not None and (row.workday, row.source) == (True, "admin")


# ---------------------------------------------------------------- who may


def test_citizens_and_other_staff_are_refused(client: TestClient, db: Session) -> None:
    client.cookies.clear()
    anonymous = client.get("/admin/holidays", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/admin/holidays"
    assert client.get("/admin/catalog", follow_redirects=False).status_code == 303

    _as(client, CITIZEN)
    assert client.get("/admin/catalog").status_code == 403
    assert client.get("/admin/catalog/1").status_code == 403
    assert client.get("/admin/catalog/diff").status_code == 403
    assert client.get("/admin/holidays").status_code == 403
    token = _csrf(client.get("/me").text)
    count = _overrides(db)
    r = client.post("/admin/holidays", data={"date": TUESDAY.isoformat(), "workday": "false", "csrf_token": token})
    assert r.status_code == 403
    assert _overrides(db) == count

    _as(client, CATALOG)  # reads the catalog, but the calendar is the system administrator's
    assert client.get("/admin/catalog").status_code == 200
    assert client.get("/admin/holidays").status_code == 403


def test_the_api_refuses_a_citizen(client: TestClient, login: Callable[[str], dict[str, str]]) -> None:
    headers = login(CITIZEN)
    assert client.get("/api/v1/holidays", headers=headers).status_code == 403
    r = client.post("/api/v1/holidays", json={"date": "2026-03-10", "workday": False}, headers=headers)
    assert r.status_code == 403
