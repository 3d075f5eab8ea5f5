""" "Why / why not" for one enterprise: a lookup in the latest run's stored flags, nothing recomputed.

Only the policies whose area covers the enterprise's region are its policies (a 株洲 firm is never told it
"fails" a 长沙 policy: that policy is simply not for it), and each is marked as it stands today, from the
policy's current version: an ended one is listed last and never offered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import ServiceUnavailable
from onething.models import Payment, Policy, PolicyRun, PolicyVersion
from onething.policies import repository as repo
from onething.policies import store
from onething.policies.bulk import amount_column, flag_column
from onething.policies.engine import ConditionResult, Outcome, Standing, Verdict
from onething.policies.engine import Policy as Compiled
from onething.policies.service import require_enterprise
from onething.policies.words import applies


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
    version: PolicyVersion  # the one the run evaluated
    compiled: Compiled
    verdict: Verdict
    standing: Standing  # today, by the policy's current version (an edit may have extended it)
    last_day: dt.date | None

    @property
    def offered(self) -> bool:
        """Shown as something to get or apply for: only a policy in effect today."""
        return self.standing is Standing.active


@dataclass(frozen=True)
class EnterprisePolicies:
    credit_code: str
    name: str
    region_code: str
    run: PolicyRun | None
    payments: list[tuple[Payment, Policy]]
    explained: list[Explained]  # the run's policies for the enterprise's area, ended ones last
    today: dt.date

    def by_outcome(self, outcome: Outcome) -> list[Explained]:
        """The policies not ended, with this outcome."""
        return [e for e in self.explained if e.standing is not Standing.ended and e.verdict.outcome is outcome]

    @property
    def ended(self) -> list[Explained]:
        return [e for e in self.explained if e.standing is Standing.ended]


def of_enterprise(session: Session, principal: Principal, credit_code: str) -> EnterprisePolicies:
    require_enterprise(session, principal, credit_code)
    enterprise = repo.enterprise(session, credit_code)
    assert enterprise is not None
    run = repo.latest_done_run(session)
    today = clock.today()
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
            current = {p.id: (p, repo.compiled(v)) for p, v in repo.current(session)}
            for _code, vid in sorted(run.versions.items()):
                version = versions[vid]
                policy, now = current[version.policy_id]
                if not applies(policy.region_code, enterprise.region_code):
                    continue  # another area's policy: not "不符合", not this enterprise's at all
                compiled = repo.compiled(version)
                verdict = verdict_from_row(compiled, row)
                explained.append(Explained(policy, version, compiled, verdict, now.standing(today), now.last_day))
    explained.sort(key=lambda e: e.standing is Standing.ended)  # stable: ended ones after the rest
    payments = repo.payments_of_enterprise(session, credit_code)
    return EnterprisePolicies(credit_code, enterprise.name, enterprise.region_code, run, payments, explained, today)
