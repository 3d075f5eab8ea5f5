""" "Why / why not" for one enterprise: a lookup in the latest run's stored flags, nothing recomputed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit.errors import ServiceUnavailable
from onething.models import Payment, Policy, PolicyRun, PolicyVersion
from onething.policies import repository as repo
from onething.policies import store
from onething.policies.bulk import amount_column, flag_column
from onething.policies.engine import ConditionResult, Outcome, Verdict
from onething.policies.engine import Policy as Compiled
from onething.policies.service import require_enterprise


def _outcome(flag: bool | None) -> Outcome:
    return Outcome.unknown if flag is None else Outcome.true if flag else Outcome.false


def verdict_from_row(policy: Compiled, row: dict[str, Any]) -> Verdict:
    conditions = []
    for i, cond in enumerate(policy.conditions):
        values = tuple((name, row.get(name)) for name in cond.rule.reads)
        missing = tuple(name for name, value in values if value is None)
        conditions.append(
            ConditionResult(cond.name, cond.rule.text, _outcome(row[flag_column(policy.code, i)]), values, missing)
        )
    return Verdict(policy.code, _outcome(row[policy.code]), row[amount_column(policy.code)], tuple(conditions))


@dataclass(frozen=True)
class Explained:
    policy: Policy
    version: PolicyVersion
    compiled: Compiled
    verdict: Verdict


@dataclass(frozen=True)
class EnterprisePolicies:
    credit_code: str
    name: str
    run: PolicyRun | None
    payments: list[tuple[Payment, Policy]]
    explained: list[Explained]  # one per policy of the run

    def by_outcome(self, outcome: Outcome) -> list[Explained]:
        return [e for e in self.explained if e.verdict.outcome is outcome]


def of_enterprise(session: Session, principal: Principal, credit_code: str) -> EnterprisePolicies:
    require_enterprise(session, principal, credit_code)
    enterprise = repo.enterprise(session, credit_code)
    assert enterprise is not None
    run = repo.latest_done_run(session)
    explained: list[Explained] = []
    if run is not None and run.result_path and run.snapshot_path and run.part_keys:
        if not (Path(run.result_path).is_dir() and Path(run.snapshot_path).is_dir()):
            raise ServiceUnavailable(
                f"匹配批次 #{run.id} 的结果文件不可用（ONETHING_POLICY_RUNS_DIR 须为各进程共享的目录）",
                code="run_files_missing",
            )
        flags = store.result_row(Path(run.result_path), run.part_keys, credit_code)
        values = store.snapshot_row(Path(run.snapshot_path), credit_code)
        row = {**values, **flags} if flags is not None and values is not None else None
        if row is not None:
            versions = repo.versions_by_id(session, list(run.versions.values()))
            policies = {p.id: p for p in repo.policies(session)}
            for _code, vid in sorted(run.versions.items()):
                version = versions[vid]
                compiled = repo.compiled(version)
                explained.append(
                    Explained(policies[version.policy_id], version, compiled, verdict_from_row(compiled, row))
                )
    return EnterprisePolicies(
        credit_code, enterprise.name, run, repo.payments_of_enterprise(session, credit_code), explained
    )
