"""What every case operation needs: the case's pinned catalog and guide, who the principal is to the
case, routing of items to orgs, and the events written beside each change of state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from onething.cases import repository as repo
from onething.cases.workflow import Actor, Transition
from onething.catalog.model import Catalog
from onething.catalog.service import catalog_version
from onething.guide.engine import generate
from onething.guide.model import Guide
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.errors import Forbidden, NotFound, ValidationFailed
from onething.kit.memo import OnceMap
from onething.models import Case, CaseEvent, Org, Task, TaskEvent

# A case's guide is a pure function of its pinned catalog, thing, answers and region; every step of
# a case needs it, so each process works it out once.
_guides: OnceMap[tuple[str, int | None, str, str, str], Guide] = OnceMap(limit=4096)


def case_guide(session: Session, case: Case) -> tuple[Catalog, Guide]:
    catalog = catalog_version(session, case.catalog_version)
    answers = json.dumps(case.answers, sort_keys=True, ensure_ascii=False)
    key = (catalog.digest, catalog.version, case.thing_code, answers, case.region_code[:6])
    guide = _guides.get(key, lambda: generate(catalog, case.thing_code, case.answers, case.region_code[:6]))
    return catalog, guide


def find_case(session: Session, principal: Principal, number: str, *, lock: bool = False) -> Case:
    principal.require_login()
    case = repo.case_by_number(session, principal, number, lock=lock)
    if case is None:
        raise NotFound(f"没有您可查看的办件 {number}", field="number", code="case_not_found")
    return case


def is_applicant(principal: Principal, case: Case) -> bool:
    return (
        (principal.id_number is not None and case.applicant_id_number == principal.id_number)
        or (case.applicant_credit_code is not None and case.applicant_credit_code in principal.enterprises)
        # Whoever keyed it in acts for the applicant; a clerk (window, 帮代办) only until it is submitted.
        or (
            principal.user_id is not None
            and case.created_by == principal.user_id
            and (case.channel not in ("window", "helper") or case.status == "draft")
        )
    )


def results_held(case: Case) -> bool:
    """容缺受理: the results wait until the tolerated shortfall is supplied."""
    return bool(case.shortfall and not case.shortfall.get("supplied_on"))


def is_clerk(principal: Principal, case: Case) -> bool:
    return case.receiving_org_id is not None and case.receiving_org_id in principal.orgs("window_clerk")


def require_applicant(principal: Principal, case: Case) -> Actor:
    if not is_applicant(principal, case):
        raise Forbidden("只有申请人（或其经办人）可以进行此操作", code="not_applicant")
    return Actor.applicant


def require_clerk(principal: Principal, case: Case) -> Actor:
    if not is_clerk(principal, case):
        raise Forbidden("只有受理本办件的综合窗口人员可以进行此操作", code="not_clerk")
    return Actor.clerk


def _event(
    principal: Principal, t: Transition, before: str | None, comment: str | None, detail: dict[str, Any] | None
) -> dict[str, Any]:
    """What every case and task event records: who, what, when, from which state to which."""
    return {
        "at": clock.now(),
        "actor_id": principal.user_id,
        "actor_name": principal.name if principal.authenticated else "系统",
        "action": t.action,
        "from_status": before,
        "to_status": t.target or before,
        "comment": comment,
        "detail": detail,
    }


def case_event(
    session: Session,
    case: Case,
    principal: Principal,
    t: Transition,
    before: str | None,
    comment: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    repo.add(session, CaseEvent(case_id=case.id, **_event(principal, t, before, comment, detail)))


def task_event(
    session: Session,
    task: Task,
    principal: Principal,
    t: Transition,
    before: str | None,
    comment: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    event = _event(principal, t, before, comment, detail)
    repo.add(session, TaskEvent(task_id=task.id, case_id=task.case_id, **event))


SYSTEM = Principal(name="系统", kind="system")


@dataclass(frozen=True, slots=True)
class Route:
    item: str
    org: Org


def route(session: Session, catalog: Catalog, guide: Guide, region: str) -> list[Route]:
    """Each applicable item to the org of its kind at its level in the applicant's region chain."""
    chain = {r.level.value: r.code for r in catalog.region_chain(region)}
    wanted: dict[str, str] = {}
    for item in guide.items:
        place = chain.get(item.level)
        if place is None:
            where = _LEVEL_NAMES.get(item.level, item.level)
            raise ValidationFailed(
                f"「{item.name}」由{where}办理，请把办理地选择到{where}一级", field="region", code="unroutable"
            )
        wanted[item.code] = f"{place}-{item.org_kind}"
    orgs = repo.orgs_by_code(session, wanted.values())
    missing = [code for code, org in wanted.items() if org not in orgs]
    if missing:
        names = "、".join(i.name for i in guide.items if i.code in missing)
        raise ValidationFailed(
            f"所在地区尚未开通「{names}」的办理，请选择上级政务服务中心", field="region", code="unroutable"
        )
    return [Route(code, orgs[org]) for code, org in wanted.items()]


_LEVEL_NAMES = {"province": "省", "city": "市州", "county": "县市区", "township": "乡镇（街道）"}
