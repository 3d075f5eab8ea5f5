"""Edge cases: transactions that fail at commit, databases that are not there, odd input."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from onething.catalog import holidays, service, spec
from onething.catalog.service import CatalogInvalid
from onething.kit.conditions import Condition, Outcome
from onething.kit.db import make_engine
from onething.kit.errors import Conflict
from onething.kit.settings import get_settings
from onething.kit.validators import InvalidValue, id_number, money, postal_code
from onething.kit.web import SessionDep
from onething.models import CatalogVersion, Region
from onething.web.app import create_app

MINI = Path(__file__).parent / "fixtures" / "catalog"


def test_a_commit_that_fails_is_a_409_and_changes_nothing(engine: Engine, connection: Connection) -> None:
    app = create_app(engine)
    app.state.sessions = lambda: Session(bind=connection, join_transaction_mode="create_savepoint")

    @app.post("/test/duplicate-region")
    def duplicate(session: SessionDep) -> dict[str, str]:
        session.add(Region(code="430000", name="重复的湖南省", level="province"))  # fails at commit, not here
        return {"status": "ok"}

    before = connection.execute(select(func.count()).select_from(Region)).scalar()
    with TestClient(app) as client:
        r = client.post("/test/duplicate-region")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert connection.execute(select(func.count()).select_from(Region)).scalar() == before
    assert connection.execute(select(Region.name).where(Region.code == "430000")).scalar() == "湖南省"


def test_a_database_that_is_not_migrated_gives_a_json_503(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(empty)) as client:
        r = client.get("/healthz")
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "database_unavailable"
        assert client.post("/api/v1/things/x/guide", json={"answers": {}}).status_code == 503
    empty.dispose()


def test_request_validation_errors_are_chinese_and_name_the_field(client: TestClient) -> None:
    r = client.post("/api/v1/things/open_restaurant/guide", json={"answers": {"has_license": 5}})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["field"] == "answers.has_license"
    assert err["code"] == "invalid_request" and "answers.has_license" in err["message"]
    assert "Input should" not in err["message"]


def test_calendar_refuses_dates_out_of_range(client: TestClient) -> None:
    r = client.get("/api/v1/calendar/add-days", params={"date": "9999-12-28", "days": 5})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "date"


def test_the_guide_route_works_when_the_catalog_version_is_trusted(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONETHING_CATALOG_CHECK_SECONDS", "60")
    get_settings.cache_clear()
    try:
        body = {"answers": {"has_license": "yes", "premises": "owned", "area": "lt50"}}
        first = client.post("/api/v1/things/open_restaurant/guide", json=body)
        again = client.post("/api/v1/things/open_restaurant/guide", json=body)  # served without asking the DB
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
    finally:
        service._latest.clear()
        get_settings.cache_clear()


def test_loading_a_missing_or_empty_path_is_refused(db: Session, tmp_path: Path) -> None:
    versions = db.scalar(select(func.count()).select_from(CatalogVersion))
    for path in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(CatalogInvalid):
            service.load(db, path)
    (tmp_path / "only_regions.yaml").write_text('regions:\n  - {code: "430000", name: 湖南省, level: province}\n')
    with pytest.raises(CatalogInvalid) as err:
        service.load(db, tmp_path)
    assert "没有任何一件事" in str(err.value.problems[0])
    assert db.scalar(select(func.count()).select_from(CatalogVersion)) == versions


def test_a_concurrent_load_is_a_conflict(db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
    monkeypatch.setattr(service.repository, "latest_version", lambda _s: None)  # as if it raced another loader
    with pytest.raises(Conflict):
        service.load(db, tmp_path)


def test_each_version_keeps_its_own_regions(db: Session, tmp_path: Path) -> None:
    shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
    number = service.load(db, tmp_path).number
    assert len(service.catalog_version(db, number).regions) == 3
    assert len(service.catalog_version(db, 1).regions) == 168


def test_duplicate_yaml_keys_and_bad_encoding_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("materials:\n  - code: m1\n    name: 甲\n    name: 乙\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_bytes("materials: []\n# 注释\n".encode("gbk"))
    _, problems, _ = service.validate_path(tmp_path)
    found = {(Path(p.file).name, p.line, p.message) for p in problems}
    assert ("a.yaml", 4, "materials.0.name: 键重复出现，后一个会覆盖前一个") in found
    assert ("b.yaml", 2, "文件不是 UTF-8 编码") in found


def test_conditions_indexing_an_empty_choice_are_not_applicable() -> None:
    condition = Condition.compile("answers.sells[0] == 'tobacco'")
    assert condition.outcome({"answers": {"sells": []}}) is Outcome.missing
    assert condition.outcome({"answers": {"sells": ["tobacco"]}}) is Outcome.true


def test_validators_refuse_full_width_digits() -> None:
    with pytest.raises(InvalidValue):
        id_number("11０１０５19491231002X")
    with pytest.raises(InvalidValue):
        postal_code("４１００００")


def test_money_allows_fen_and_nothing_finer() -> None:
    for ok in (19.99, 1.13, 0.07, 100, 0):
        money(ok)
    with pytest.raises(InvalidValue):
        money(1.005)
    with pytest.raises(InvalidValue):
        money(-1)


def test_a_catalog_load_never_overwrites_an_administrators_day(db: Session) -> None:
    holidays.set_day(db, dt.date(2031, 1, 2), workday=True, name="管理员：调休上班")
    first = spec.HolidayYear(
        year=2031,
        complete=True,
        source="测试通知",
        days=(
            spec.HolidayDay(date="2031-01-01", workday=False, name="元旦"),
            spec.HolidayDay(date="2031-01-02", workday=False, name="元旦"),
        ),
    )
    holidays.apply_catalog_years(db, [first])
    cal = holidays.calendar(db)
    assert cal.is_workday(dt.date(2031, 1, 1)) is False
    assert cal.is_workday(dt.date(2031, 1, 2)) is True  # the administrator's day stands
    second = first.model_copy(update={"days": (spec.HolidayDay(date="2031-01-03", workday=False, name="元旦"),)})
    holidays.apply_catalog_years(db, [second])
    cal = holidays.calendar(db)
    assert cal.is_workday(dt.date(2031, 1, 1)) is True  # the first load's day was the catalog's: replaced
    assert cal.is_workday(dt.date(2031, 1, 3)) is False
    assert cal.is_workday(dt.date(2031, 1, 2)) is True
