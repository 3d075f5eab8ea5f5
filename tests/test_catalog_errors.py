"""A broken catalog fails with `file:line: message` for every mistake, and loads nothing."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.catalog.service import CatalogInvalid, load, validate_path
from onething.models import CatalogEntry, CatalogVersion, Region

MINI = Path(__file__).parent / "fixtures" / "catalog" / "mini.yaml"


def problems_for(tmp_path: Path, extra: str, *, replace: tuple[str, str] | None = None) -> list[str]:
    base = MINI.read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in base, replace[0]
        base = base.replace(replace[0], replace[1], 1)
    (tmp_path / "mini.yaml").write_text(base, encoding="utf-8")
    if extra:
        (tmp_path / "extra.yaml").write_text(textwrap.dedent(extra), encoding="utf-8")
    catalog, problems, _ = validate_path(tmp_path)
    assert catalog is None
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in problems]


ITEM = """\
items:
  - code: broken_item
    name: 坏事项
    type: "01"
    legal_basis: [某条例]
    org_kind: market_regulation
    level: county
    materials:
      - material: no_such_material
    legal_days: 5
    promised_days: 9
"""


def test_unknown_material_and_promise_over_legal_name_their_lines(tmp_path: Path) -> None:
    found = problems_for(tmp_path, ITEM)
    assert "extra.yaml:9: 未知的材料 'no_such_material'" in found
    assert "extra.yaml:11: 承诺时限 9 个工作日超过法定时限 5 个工作日" in found


def test_thing_naming_an_undefined_item(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "", replace=("- {item: fire_check,", "- {item: fire_chek,"))
    assert any("未知的事项 'fire_chek'（是否想写 'fire_check'？）" in p for p in found), found
    line = next(p for p in found if "fire_chek" in p)
    assert line.startswith("mini.yaml:106:")


def test_cycle_in_after(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, "", replace=("{item: registration, when:", "{item: registration, after: [food_permit], when:")
    )
    assert any("after 形成循环：registration → food_permit → registration" in p for p in found), found


def test_condition_that_does_not_compile(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "", replace=("when: \"answers.area == 'large'\"", 'when: "answers.area == "'))
    assert any(p.startswith("mini.yaml:106: 条件无法编译") for p in found), found


def test_condition_comparing_with_an_option_that_does_not_exist(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "", replace=("answers.area == 'large'", "answers.area == 'huge'"))
    assert any("问题 'area' 没有选项 'huge'（可选：small、large）" in p for p in found), found


def test_condition_reading_a_question_the_thing_does_not_ask(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "", replace=("'tobacco' in answers.sells", "'tobacco' in answers.sales"))
    assert any("条件读取的问题 'sales' 不在本一件事的问题中" in p for p in found), found


def test_material_condition_must_be_answerable_by_every_thing_using_the_item(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, "", replace=("answers.premises == 'leased'\"}]", "answers.premises_kind == 'leased'\"}]")
    )
    assert any("材料条件读取的问题 premises_kind 在使用本事项的一件事 open_shop 中不存在" in p for p in found), found


def test_unknown_key_and_yaml_syntax(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "materials:\n  - {code: m1, name: 甲, colour: red}\n")
    assert any(p.startswith("extra.yaml:2: materials.0.colour: 未知的键 'colour'") for p in found), found
    (tmp_path / "extra.yaml").write_text("items:\n  - code: [unclosed\n", encoding="utf-8")
    _, problems, _ = validate_path(tmp_path)
    assert any(p.message.startswith("YAML 语法错误") and Path(p.file).name == "extra.yaml" for p in problems)


def test_duplicate_code_across_files_points_at_both(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "materials:\n  - {code: fire_plan, name: 又一个}\n")
    # files are read in name order, so extra.yaml holds the first definition
    assert any(
        p.startswith("mini.yaml:24: 材料编码 'fire_plan' 重复（首次定义于 ") and "extra.yaml:2）" in p for p in found
    )


def test_promise_shorter_than_the_critical_path(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, "", replace=("    promised_days: 20\n    questions:", "    promised_days: 5\n    questions:")
    )
    assert any("承诺总时限 5 个工作日短于全部事项的关键路径 11 个工作日" in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems_for(tmp_path, ITEM, replace=("answers.area == 'large'", "answers.area == 'huge'"))
    assert len(found) >= 3


def test_invalid_catalog_loads_nothing(db: Session, tmp_path: Path) -> None:
    shutil.copy(MINI, tmp_path / "mini.yaml")
    (tmp_path / "extra.yaml").write_text(ITEM, encoding="utf-8")
    before = (
        db.scalar(select(func.count()).select_from(CatalogVersion)),
        db.scalar(select(func.count()).select_from(CatalogEntry)),
        db.scalar(select(func.count()).select_from(Region)),
    )
    with pytest.raises(CatalogInvalid) as err:
        load(db, tmp_path)
    assert len(err.value.problems) == 2
    after = (
        db.scalar(select(func.count()).select_from(CatalogVersion)),
        db.scalar(select(func.count()).select_from(CatalogEntry)),
        db.scalar(select(func.count()).select_from(Region)),
    )
    assert after == before
