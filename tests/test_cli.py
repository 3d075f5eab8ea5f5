"""The command line, end to end on a fresh SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onething.cli import app
from onething.kit.settings import get_settings

runner = CliRunner()


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("ONETHING_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_setup_is_repeatable_and_guide_json_works(fresh_db: Path) -> None:
    first = runner.invoke(app, ["setup"])
    assert first.exit_code == 0, first.output
    assert "已载入目录版本 1" in first.output
    again = runner.invoke(app, ["setup"])
    assert again.exit_code == 0 and "目录未变化，当前版本仍为 1" in again.output

    listed = runner.invoke(app, ["things", "list", "--json"])
    assert listed.exit_code == 0
    things = json.loads(listed.stdout)
    assert any(t["code"] == "open_restaurant" for t in things["items"])


def test_guide_command_reports_bad_answers(fresh_db: Path) -> None:
    assert runner.invoke(app, ["setup"]).exit_code == 0
    bad = runner.invoke(app, ["guide", "open_restaurant", "--answer", "nope=1", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["error"]["code"] == "unknown_question"
    malformed = runner.invoke(app, ["guide", "open_restaurant", "--answer", "novalue"])
    assert malformed.exit_code == 2


def test_validate_prints_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "bad.yaml"
    broken.write_text("materials:\n  - {code: a, name: 甲, license_type: nope}\n", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "validate", str(broken)])
    assert result.exit_code == 1
    assert "bad.yaml:2: 未知的证照类型 'nope'" in result.stdout


def test_validate_accepts_the_seed_catalog() -> None:
    result = runner.invoke(app, ["catalog", "validate"])
    assert result.exit_code == 0, result.stdout
    assert "目录无误" in result.stdout


def test_calendar_add_days(fresh_db: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["calendar", "add-days", "2026-09-30", "1"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "2026-10-08"
    bad = runner.invoke(app, ["calendar", "add-days", "2026-13-01", "1"])
    assert bad.exit_code == 2


def test_demo_data_is_seeded_once_and_libraries_grow_on_request(fresh_db: Path) -> None:
    from sqlalchemy import func, select

    from onething.kit.db import make_engine, session_scope
    from onething.kit.validators import credit_code, id_number
    from onething.models import Enterprise, Org, Person, User

    assert runner.invoke(app, ["setup", "--demo"]).exit_code == 0
    engine = make_engine(f"sqlite:///{fresh_db}")

    def counts() -> tuple[int, ...]:
        with session_scope(engine) as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) or 0 for m in (Org, User, Person, Enterprise))

    first = counts()
    assert first[0] > 300 and first[1] >= 30 and first[2] >= 1000 and first[3] >= 300
    again = runner.invoke(app, ["setup", "--demo"])
    assert again.exit_code == 0, again.output
    assert counts() == first  # nothing doubled
    added = runner.invoke(app, ["demo", "people", "--count", "2500"])
    assert added.exit_code == 0 and "2,500" in added.output
    assert runner.invoke(app, ["demo", "enterprises", "-n", "700"]).exit_code == 0
    assert counts()[2:] == (first[2] + 2500, first[3] + 700)
    with session_scope(engine) as s:
        numbers = s.scalars(select(Person.id_number)).all()
        codes = s.scalars(select(Enterprise.credit_code)).all()
    assert len(set(numbers)) == len(numbers) and all(id_number(n) == n for n in numbers)
    assert len(set(codes)) == len(codes) and all(credit_code(c) == c for c in codes)
    engine.dispose()


def test_plain_setup_makes_orgs_but_no_accounts_and_add_user_makes_the_first_admin(fresh_db: Path) -> None:
    from sqlalchemy import func, select

    from onething.kit.db import make_engine, session_scope
    from onething.models import AuditEntry, Org, RoleGrant, User

    assert runner.invoke(app, ["setup"]).exit_code == 0
    engine = make_engine(f"sqlite:///{fresh_db}")
    with session_scope(engine) as s:
        assert (s.scalar(select(func.count()).select_from(Org)) or 0) > 300
        assert s.scalar(select(func.count()).select_from(User)) == 0
    refused = runner.invoke(
        app,
        [
            "add-user",
            "admin",
            "--name",
            "张三",
            "--org",
            "439999-x",
            "--role",
            "system_admin",
            "--password",
            "Adm@2026xyz",
        ],
    )
    assert refused.exit_code == 1 and "没有编码为" in refused.output
    made = runner.invoke(
        app,
        [
            "add-user",
            "Admin",
            "--name",
            "张三",
            "--org",
            "430000-service_center",
            "--role",
            "system_admin",
            "--password",
            "Adm@2026xyz",
        ],
    )
    assert made.exit_code == 0, made.output
    with session_scope(engine) as s:
        user = s.scalars(select(User).where(User.username == "admin")).one()
        assert s.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user.id)).all() == ["system_admin"]
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))) == "user.create"
    engine.dispose()


def test_policies_validate_names_file_line_and_reference(tmp_path: Path) -> None:
    good = runner.invoke(app, ["policies", "validate"])
    assert good.exit_code == 0, good.output
    assert "政策校验通过" in good.stdout
    broken = tmp_path / "p.yaml"
    broken.write_text(
        "policies:\n"
        "  - {code: x, name: 甲, department: no_such_kind, region: '430000', basis: 文, summary: 说明,\n"
        "     effective_from: 2024-01-01, mode: 免申即享,\n"
        "     conditions: [{name: 规模, when: 'staf_count > 1'}], benefit: {amount: 1, text: 一元}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["policies", "validate", str(broken)])
    assert result.exit_code == 1
    assert "p.yaml:4" in result.output and "staf_count" in result.output


def test_policy_run_and_check_from_the_command_line(
    fresh_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONETHING_POLICY_RUNS_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    assert runner.invoke(app, ["setup", "--demo"]).exit_code == 0
    check = runner.invoke(app, ["policies", "check", "hn_unemployment_insurance_refund", "91430202MA4L8Q2R15"])
    assert check.exit_code == 0, check.output
    assert "结论：true" in check.output and "2520.00" in check.output
    again = runner.invoke(app, ["policies", "run", "--as-of", "2026-11-22"])
    assert again.exit_code == 0, again.output
    assert "匹配批次 #2 完成" in again.output
