"""A run: every current policy against every enterprise, stored so "why / why not" is a lookup.

Stages, each reported as progress on the run's row (committed apart, so anyone can watch it):
snapshot (read the libraries, keep them as a content-named file) → evaluate and store (the bulk evaluator,
part by part, ``policies.store``) → summary → lists (the 免申即享 candidates, for the issuing departments to
review). A run pins the policy versions it started with and the digest of the data it read.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import insert
from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.db import unit_of_work
from onething.kit.errors import Conflict, ValidationFailed
from onething.kit.settings import get_settings
from onething.models import PolicyMatch, PolicyRun, PolicyVersion
from onething.policies import repository as repo
from onething.policies import snapshot, store
from onething.policies.bulk import KEY, amount_column
from onething.policies.engine import Policy
from onething.policies.service import event
from onething.policies.spec import Mode

STARTERS = ("dept_head", "system_admin")
Progress = Callable[[int, str], None]
Sessions = Callable[[], Session]


MAX_AMOUNT = Decimal("100000000000")  # 1e11 yuan: anything larger is a rule gone wrong, never money
STALE = dt.timedelta(hours=6)  # a run "running" this long died with its process


def cents(amount: float | None) -> Decimal | None:
    """Yuan to the fen, rounding half up: the one place a computed amount becomes money. None when it is
    no sound amount (missing, not finite, negative or absurd): such an entry cannot be confirmed."""
    if amount is None or not math.isfinite(amount) or amount < 0:
        return None
    value = Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value if value < MAX_AMOUNT else None


def start(session: Session, principal: Principal | None, as_of: dt.date | None = None) -> PolicyRun:
    """Queue a run of the policies in effect on ``as_of`` (today by default), at their current versions."""
    if principal is not None:
        principal.require(*STARTERS)
    day = as_of or clock.today()
    _one_at_a_time(session)
    pinned = {p.code: v.id for p, v in repo.current(session) if repo.compiled(v).in_effect(day)}
    if not pinned:
        raise ValidationFailed(f"{day} 没有生效的政策", field="as_of")
    run = PolicyRun(
        as_of=day, data_year=day.year - 1, versions=pinned, started_by_id=principal.user_id if principal else None
    )
    session.add(run)
    session.flush()
    event(session, None, "run", run.id, "queued", principal, as_of=day.isoformat(), policies=len(pinned))
    return run


def _one_at_a_time(session: Session) -> None:
    """Each run holds every enterprise in memory: one at a time. A run left "running" by a dead process
    for longer than ``STALE`` is marked failed so the next can start."""
    for active in repo.active_runs(session):
        if active.created_at < clock.now() - STALE:
            active.status, active.error, active.finished_at = "failed", "执行进程中断（超时）", clock.now()
            continue
        raise Conflict(f"匹配批次 #{active.id} 尚未完成，请稍后再开始新的匹配", field="as_of", code="run_in_progress")


def _set(sessions: Sessions, run_id: int, **values: Any) -> None:
    with unit_of_work(sessions) as session:
        run = repo.run(session, run_id, lock=True)
        assert run is not None
        for key, value in values.items():
            setattr(run, key, value)


def execute(sessions: Sessions, run_id: int, progress: Progress | None = None) -> PolicyRun:
    """Do the run; on failure the run says why and nothing of it is half-kept."""
    with unit_of_work(sessions) as session:
        run = repo.run(session, run_id, lock=True)
        if run is None or run.status != "queued":
            raise Conflict("该批次不在排队状态，不能执行", field="run_id")
        run.status, run.stage = "running", "读取法人库与部门数据"
        as_of, pinned = run.as_of, dict(run.versions)

    def report(percent: int, stage: str) -> None:
        _set(sessions, run_id, progress=percent, stage=stage)
        if progress:
            progress(percent, stage)

    # Unique per execution: two databases (or test workers) sharing the directory never collide.
    path = Path(get_settings().policy_runs_dir).resolve() / f"run-{run_id}-{uuid.uuid4().hex[:12]}"
    try:
        _execute(sessions, run_id, as_of, pinned, path, report)
    except Exception as exc:
        shutil.rmtree(path, ignore_errors=True)  # nothing of a failed run is kept
        _set(sessions, run_id, status="failed", error=str(exc)[:2000], finished_at=clock.now())
        raise
    with unit_of_work(sessions) as session:
        run = repo.run(session, run_id)
        assert run is not None
        session.expunge(run)
    return run


def _execute(
    sessions: Sessions, run_id: int, as_of: dt.date, pinned: dict[str, int], path: Path, report: Progress
) -> None:
    report(5, "读取法人库与部门数据")
    writer = store.SnapshotWriter(path.parent / "snapshots")
    try:
        with unit_of_work(sessions) as session:
            versions = repo.versions_by_id(session, list(pinned.values()))
            rows = snapshot.write(session, as_of, writer.add)
    except BaseException:
        writer.abandon()
        raise
    snapshot_path, digest = writer.finish()
    compiled = {code: repo.compiled(versions[vid]) for code, vid in pinned.items()}
    stage = f"逐条件计算（{rows} 户企业 × {len(compiled)} 项政策）"
    report(30, stage)
    policies = list(compiled.values())
    firsts = store.write_results(
        snapshot_path, policies, as_of, path, lambda done, total: report(30 + 40 * done // max(total, 1), stage)
    )
    report(70, "汇总各项政策的匹配结果")
    summary = _summary(path, policies)
    report(80, "生成免申即享名单")
    with unit_of_work(sessions) as session:
        listed = _lists(session, run_id, as_of.year - 1, path, snapshot_path, compiled, versions, pinned)
        run = repo.run(session, run_id, lock=True)
        assert run is not None
        run.status, run.progress, run.stage = "done", 100, "完成"
        run.enterprises, run.snapshot_digest, run.snapshot_path = rows, digest, str(snapshot_path)
        run.result_path, run.part_keys = str(path), firsts
        run.summary, run.finished_at = summary, clock.now()
        event(session, None, "run", run_id, "done", None, enterprises=rows, listed=listed)


def _summary(path: Path, policies: list[Policy]) -> dict[str, dict[str, int]]:
    counts = (
        store.scan_results(path)
        .select(
            [
                expr
                for p in policies
                for expr in (
                    pl.col(p.code).eq(True).sum().alias(f"{p.code}|eligible"),
                    pl.col(p.code).eq(False).sum().alias(f"{p.code}|not"),
                    pl.col(p.code).is_null().sum().alias(f"{p.code}|unknown"),
                )
            ]
        )
        .collect()
    )
    out: dict[str, dict[str, int]] = {p.code: {} for p in policies}
    for name, value in counts.row(0, named=True).items():
        code, kind = name.split("|")
        out[code][kind] = int(value)
    return out


def _lists(
    session: Session,
    run_id: int,
    data_year: int,
    path: Path,
    snapshot: Path,
    compiled: dict[str, Policy],
    versions: dict[int, PolicyVersion],
    pinned: dict[str, int],
) -> int:
    """The eligible enterprises of each 免申即享 policy become its list, amounts rounded to the fen."""
    listed = 0
    lazy = store.scan_results(path).join(store.scan_snapshot(snapshot).select(KEY, "region"), on=KEY, how="left")
    for code, policy in compiled.items():
        if policy.mode is not Mode.exempt:
            continue
        version = versions[pinned[code]]
        eligible = lazy.filter(pl.col(code).eq(True)).select(KEY, amount_column(code), "region").collect()
        names = repo.enterprise_names(session, eligible[KEY].to_list()) if eligible.height else {}
        paid = repo.granted(session, version.policy_id, data_year)
        rows = [
            {
                "run_id": run_id,
                "policy_id": version.policy_id,
                "version_id": version.id,
                "credit_code": credit_code,
                "data_year": data_year,
                "enterprise_name": names.get(credit_code, ("", region))[0],
                "region_code": region,
                "amount": cents(amount),
                "status": "removed" if credit_code in paid else "proposed",
                "reason": f"{data_year} 年度已兑现（批次 {paid[credit_code]}）" if credit_code in paid else None,
            }
            for credit_code, amount, region in eligible.iter_rows()
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(PolicyMatch), rows[start : start + 5000])
        listed += len(rows)
    return listed
