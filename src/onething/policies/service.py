"""Policy versions (loaded from files, edited by the issuing department) and the one-enterprise check.

Never commits: the request or CLI boundary does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from onething.catalog.service import active_catalog
from onething.catalog.source import Problem
from onething.identity import audit
from onething.identity.principal import STAFF_READERS_OF_PEOPLE, Principal
from onething.kit import clock
from onething.kit.errors import AppError, Forbidden, NotFound, ValidationFailed
from onething.kit.settings import get_settings, shipped_data
from onething.models import Policy, PolicyEvent, PolicyVersion
from onething.policies import repository as repo
from onething.policies import snapshot
from onething.policies.engine import Policy as Compiled
from onething.policies.engine import Standing, Verdict, check, typed_attributes
from onething.policies.expr import RuleError
from onething.policies.frame import row_attributes
from onething.policies.source import PolicySet, Written, read_policies, read_text, references
from onething.policies.words import Names, applies

EDITORS = ("dept_head",)


class PoliciesInvalid(AppError):
    status = 422
    code = "policies_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("；".join(str(p) for p in problems[:5]), field="source")
        self.problems = problems


def default_path() -> Path:
    configured = get_settings().policies_path
    if configured is not None:
        return configured
    return shipped_data("policies")


def event(
    session: Session,
    policy_id: int | None,
    subject: str,
    subject_id: int,
    action: str,
    actor: Principal | None,
    **detail: Any,
) -> None:
    session.add(
        PolicyEvent(
            policy_id=policy_id,
            subject=subject,
            subject_id=subject_id,
            action=action,
            actor_id=actor.user_id if actor else None,
            detail=detail or None,
        )
    )


def validate(session: Session, found: PolicySet) -> list[Problem]:
    """Shape and rule problems plus what the catalog must know (department, thing, region)."""
    catalog = active_catalog(session)
    problems = list(found.problems)
    for written in found.policies:
        problems += references(written, org_kinds=catalog.org_kinds, things=catalog.things, regions=catalog.regions)
    return problems


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _store(session: Session, written: Written, actor: Principal | None, note: str | None) -> tuple[Policy, bool]:
    """Add ``written`` as the policy's next version unless it is the current one already."""
    spec = written.policy.spec
    policy = repo.policy_by_code(session, spec.code)
    digest = _digest(written.text)
    if policy is not None:
        current = repo.version(session, policy.id, policy.current_version)
        if current is not None and current.digest == digest:
            return policy, False
    else:
        policy = Policy(code=spec.code, current_version=0)
        session.add(policy)
    policy.name, policy.department, policy.region_code = spec.name, spec.department, spec.region
    policy.mode, policy.thing_code = spec.mode.value, spec.thing
    policy.effective_from, policy.effective_until = spec.effective_from, spec.effective_until
    policy.current_version += 1
    session.flush()
    version = PolicyVersion(
        policy_id=policy.id,
        number=policy.current_version,
        source=written.text,
        spec=spec.model_dump(mode="json"),
        digest=digest,
        note=note,
        author_id=actor.user_id if actor else None,
    )
    session.add(version)
    session.flush()
    event(session, policy.id, "policy", policy.id, "versioned", actor, number=version.number, note=note)
    return policy, True


def load_files(session: Session, path: Path | None = None) -> tuple[int, int]:
    """Store the policies under ``path``: new ones and changed ones get a version. Returns (policies, new versions)."""
    found = read_policies(path or default_path())
    problems = validate(session, found)
    if problems:
        raise PoliciesInvalid(problems)
    changed = sum(_store(session, written, None, "从政策文件载入")[1] for written in found.policies)
    return len(found.policies), changed


def save_edit(session: Session, principal: Principal, code: str, text: str, note: str | None) -> PolicyVersion:
    """The issuing department's edit: the whole policy's YAML, validated, as a new version."""
    policy = find(session, code)
    _require_editor(session, principal, policy)
    found = PolicySet()
    read_text(f"{code}.yaml", text, found)
    for written in found.policies:  # who reviews and pays is not the editor's to change
        spec = written.policy.spec
        if spec.code != code:
            raise ValidationFailed(f"只能提交政策 {code} 本身（policies: 下一条，代码不变）", field="source")
        if spec.department != policy.department or spec.region != policy.region_code:
            raise ValidationFailed("不能更改政策的发布部门和适用地区（它们决定谁审核、谁兑付）", field="source")
    problems = validate(session, found)
    if problems:
        raise PoliciesInvalid(problems)
    if len(found.policies) != 1:
        raise ValidationFailed(f"只能提交政策 {code} 本身（policies: 下一条，代码不变）", field="source")
    written = found.policies[0]
    _, created = _store(session, written, principal, note)
    if not created:
        raise ValidationFailed("内容与当前版本相同，未生成新版本", field="source", code="unchanged")
    version = repo.version(session, policy.id, policy.current_version)
    assert version is not None
    return version


def _require_editor(session: Session, principal: Principal, policy: Policy) -> None:
    principal.require_login()
    if not repo.may_review(principal, repo.issuing_org(session, policy), EDITORS):
        raise Forbidden("只有发布部门的负责人可以修改此政策")


def find(session: Session, code: str) -> Policy:
    policy = repo.policy_by_code(session, code)
    if policy is None:
        raise NotFound(f"没有代码为 {code} 的政策", field="code")
    return policy


def require_staff(principal: Principal) -> None:
    """Runs and their figures are the departments' working data."""
    principal.require_login()
    if principal.kind != "staff":
        raise Forbidden("仅工作人员可查看政策匹配批次")


def require_enterprise(session: Session, principal: Principal, credit_code: str) -> None:
    """The enterprise's own people, or staff who read the legal-person library of its region; a staff
    read of an enterprise's figures is audited."""
    principal.require_login()
    enterprise = repo.enterprise(session, credit_code)
    if credit_code in principal.enterprises and enterprise is not None:
        return
    if enterprise is None or not principal.reaches(enterprise.region_code, *STAFF_READERS_OF_PEOPLE):
        raise NotFound("法人库中没有该企业（或不在您的查看范围内）", field="credit_code")
    if principal.user_id:  # the command line holds the database already
        region = enterprise.region_code
        audit.record(session, principal, "policies.read", "enterprise", enterprise.id, region_code=region)


def names(session: Session) -> Names:
    """Region and license names from the active catalog: pages show 株洲市荷塘区, never 430202."""
    catalog = active_catalog(session)
    regions = {}
    for code, region in catalog.regions.items():
        parent = catalog.regions.get(region.parent) if region.parent else None
        # A county reads with its city (株洲市荷塘区); a city or the province by its own name.
        regions[code] = parent.name + region.name if parent is not None and parent.level == "city" else region.name
    return Names(regions, {code: t.name for code, t in catalog.license_types.items()})


@dataclass(frozen=True)
class PolicyStaff:
    """Whose rules (CEL) and versions a principal may read: staff who review the policies of their own
    org (``repo.REVIEWERS``), or a system administrator. Everyone else reads words only."""

    admin: bool = False
    issuers: frozenset[tuple[str, str]] = frozenset()  # (department kind, region) of the orgs reviewed

    def of(self, policy: Policy) -> bool:
        return self.admin or (policy.department, policy.region_code) in self.issuers


def policy_staff(session: Session, principal: Principal) -> PolicyStaff:
    if not principal.authenticated or principal.kind != "staff":
        return PolicyStaff()
    return PolicyStaff(principal.has("system_admin"), repo.org_keys(session, principal.orgs(*repo.REVIEWERS)))


def versions(session: Session, principal: Principal, code: str) -> Sequence[PolicyVersion]:
    """A policy's versions with their sources (the rules): for the issuing department's staff only,
    like the version page; the public reads the policy itself."""
    policy = find(session, code)
    if not policy_staff(session, principal).of(policy):
        principal.require_login()
        raise Forbidden("政策版本仅供发布部门工作人员查看", field="code")
    return repo.versions_of(session, policy.id)


@dataclass(frozen=True)
class Checked:
    policy: Policy
    version: PolicyVersion
    verdict: Verdict
    in_effect: bool
    day: dt.date
    standing: Standing
    applicable: bool  # the policy's area covers the enterprise's region


def check_now(session: Session, principal: Principal, code: str, credit_code: str, as_of: dt.date | None) -> Checked:
    """The single evaluator on the enterprise's data as it is now, with each condition's values."""
    require_enterprise(session, principal, credit_code)
    policy = find(session, code)
    version = repo.version(session, policy.id, policy.current_version)
    assert version is not None
    enterprise = repo.enterprise(session, credit_code)
    assert enterprise is not None
    day = as_of or clock.today()
    frame = snapshot.load(session, day, credit_code)
    attributes = typed_attributes(row_attributes(frame.row(0, named=True)))
    compiled = repo.compiled(version)
    try:
        verdict = check(compiled, attributes, day)
    except RuleError as exc:  # e.g. an integer overflow on this enterprise's figures
        raise ValidationFailed(f"该企业的数据无法按此政策计算：{exc}", field="credit_code") from exc
    standing = compiled.standing(day)
    applicable = applies(policy.region_code, enterprise.region_code)
    return Checked(policy, version, verdict, standing is Standing.active, day, standing, applicable)


@dataclass(frozen=True)
class Listed:
    """A policy as the library lists it today."""

    policy: Policy
    compiled: Compiled
    standing: Standing
    last_day: dt.date | None


_ORDER = {Standing.active: 0, Standing.upcoming: 1, Standing.ended: 2}


def library(session: Session, mode: str | None, region: str | None) -> list[Listed]:
    """The policies (of one delivery mode, and covering ``region`` when given), in effect first, ended last."""
    if region is not None and region not in {p.region_code for p in repo.policies(session)}:
        raise ValidationFailed("请从列表中选择适用地区", field="region")
    day = clock.today()
    listed = []
    for policy, version in repo.current(session):
        if (mode and policy.mode != mode) or (region and not applies(policy.region_code, region)):
            continue
        compiled = repo.compiled(version)
        listed.append(Listed(policy, compiled, compiled.standing(day), compiled.last_day))
    order = {p.id: i for i, p in enumerate(repo.policies(session))}  # by department, as before
    return sorted(listed, key=lambda item: (_ORDER[item.standing], order[item.policy.id]))


def areas(session: Session, names: Names) -> list[tuple[str, str]]:
    """The areas policies are issued for, as (code, name), the province first."""
    codes = sorted({p.region_code for p in repo.policies(session)})
    return [(code, names.region(code)) for code in codes]


def wording_day(compiled: Compiled, day: dt.date) -> dt.date:
    """The day whose parameters word a policy's conditions: today, or its first or last day when outside."""
    last = compiled.last_day
    if day < compiled.spec.effective_from:
        return compiled.spec.effective_from
    return last if last is not None and day > last else day


def thing_of(session: Session, code: str | None) -> tuple[str, int | None] | None:
    """The name and promised working days of the thing a policy is applied for through."""
    if code is None:
        return None
    thing = active_catalog(session).things.get(code)
    return (thing.spec.name, thing.spec.promised_days) if thing is not None else None


def enterprises_in_area(session: Session, principal: Principal, policy: Policy) -> list[tuple[str, str]]:
    """The enterprises the principal acts for that the policy's area covers, as (credit code, name)."""
    found = repo.enterprise_names(session, sorted(principal.enterprises))
    return [(code, name) for code, (name, region) in sorted(found.items()) if applies(policy.region_code, region)]
