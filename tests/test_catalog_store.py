"""Catalog versions in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.catalog import service
from onething.catalog.model import Catalog
from onething.kit.settings import get_settings
from onething.models import CatalogVersion, Region

MINI = Path(__file__).parent / "fixtures" / "catalog"


def test_seed_is_loaded_as_version_one_with_its_regions(db: Session, seed_catalog: Catalog) -> None:
    assert service.current_number(db) == 1
    active = service.active_catalog(db)
    assert active.version == 1
    assert active.digest == seed_catalog.digest
    assert db.scalar(select(func.count()).select_from(Region)) == len(seed_catalog.regions)


def test_catalog_rebuilt_from_the_database_equals_the_yaml(db: Session, seed_catalog: Catalog) -> None:
    stored = service.active_catalog(db)
    assert stored.things.keys() == seed_catalog.things.keys()
    assert stored.items.keys() == seed_catalog.items.keys()
    for code, item in seed_catalog.items.items():
        assert stored.items[code].spec == item.spec
    for code, thing in seed_catalog.things.items():
        assert stored.things[code].spec == thing.spec


def test_loading_the_same_catalog_again_changes_nothing(db: Session) -> None:
    result = service.load(db)
    assert (result.number, result.created) == (1, False)
    assert db.scalar(select(func.count()).select_from(CatalogVersion)) == 1


def test_a_changed_catalog_is_a_new_version_and_the_old_one_is_kept(db: Session, tmp_path: Path) -> None:
    shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
    result = service.load(db, tmp_path)
    assert (result.number, result.created) == (2, True)
    assert set(service.active_catalog(db).things) == {"open_shop", "shop_chain"}
    old = service.catalog_version(db, 1)
    assert "open_restaurant" in old.things
    assert [v.number for v in service.versions(db)] == [2, 1]


def test_changing_one_item_makes_a_version_that_differs_in_that_item(db: Session, tmp_path: Path) -> None:
    shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
    first = service.load(db, tmp_path).number
    text = (tmp_path / "mini.yaml").read_text(encoding="utf-8").replace("promised_days: 10", "promised_days: 9")
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    second = service.load(db, tmp_path).number
    assert second == first + 1
    before = service.catalog_version(db, first).items["food_permit"].spec.promised_days
    after = service.catalog_version(db, second).items["food_permit"].spec.promised_days
    assert (before, after) == (10, 9)


def test_processes_trust_the_active_version_for_a_bounded_time(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONETHING_CATALOG_CHECK_SECONDS", "60")
    get_settings.cache_clear()
    try:
        assert service.active_catalog(db).version == 1
        assert service.known_catalog(db) is service.active_catalog(db)
        shutil.copy(MINI / "mini.yaml", tmp_path / "mini.yaml")
        service.load(db, tmp_path)
        assert service.active_catalog(db).version == 1  # still trusted: within the interval
        monkeypatch.setenv("ONETHING_CATALOG_CHECK_SECONDS", "0")
        get_settings.cache_clear()
        assert service.known_catalog(db) is None
        assert service.active_catalog(db).version == 2  # asked again: the new version
    finally:
        service._latest.clear()
        get_settings.cache_clear()
