"""Demo cases: plausible form values and sample files, and a driver that takes cases of 开办餐饮店
through the realistic paths — most approved, some corrected, some with a shortfall, some suspended,
some rejected — through the same services the API calls."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases import department, intake, views, window
from onething.cases.schemas import (
    AcceptIn,
    CaseCreate,
    CaseUpdate,
    ClaimIn,
    CorrectionIn,
    CorrectionItem,
    DecisionIn,
    DeliverIn,
    ResumeIn,
    ShortfallIn,
    SuspendIn,
)
from onething.cases.workflow import TaskStatus
from onething.demo.accounts import AGENT_OF_ENTERPRISE, ENTERPRISE
from onething.identity import auth
from onething.identity.principal import Principal
from onething.kit import clock
from onething.kit.validators import credit_code_check_char, id_number_check_char
from onething.models import Task, User

RESTAURANT = "open_restaurant"
RESTAURANT_ANSWERS = {"has_license": "yes", "premises": "leased", "area": "gt300", "extras": ["signboard"]}
TOLERABLE = ("lease_contract", "power_of_attorney", "sewage_pretreatment_proof")


def png(seed: int = 0) -> bytes:
    """A real 1×1 PNG (distinct per seed): what a scanned page would be, in 70 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = zlib.compress(bytes([0, seed % 256, (seed >> 8) % 256, (seed >> 16) % 256]))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


def sample_id_number(rng: random.Random, region: str = "430202") -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 30))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + id_number_check_char(body)


def sample_credit_code(rng: random.Random) -> str:
    body = "91430202MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return body + credit_code_check_char(body)


def sample_value(f: Mapping[str, Any], rng: random.Random) -> Any:
    """A valid value for a form field as the case detail describes it."""
    kind, fmt = f["type"], f.get("format")
    options = [code for code, _ in f.get("options", [])]
    if kind == "enum":
        return rng.choice(options)
    if kind == "multi_enum":
        return [rng.choice(options)]
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        return rng.randint(1, 50)
    if kind in ("decimal", "area", "money"):
        return round(rng.uniform(10, 500), 2)
    if kind == "date":
        # Some months back from today (any clock): a birth or a founding is never in the future.
        return (clock.today() - dt.timedelta(days=330 - rng.randrange(0, 200))).isoformat()
    formats: dict[str, Callable[[], str]] = {
        "id_number": lambda: sample_id_number(rng),
        "credit_code": lambda: sample_credit_code(rng),
        "mobile": lambda: f"139{rng.randrange(0, 10**8):08d}",
        "phone": lambda: f"0731-{rng.randrange(10**7, 10**8)}",
        "email": lambda: f"shop{rng.randrange(1000)}@example.cn",
        "postal_code": lambda: "412000",
        "region_code": lambda: "430202",
    }
    if fmt in formats:
        return formats[fmt]()
    text = f"{f['label']}（示例）"
    return text if kind == "text" else text[:20]


def fill_missing(detail: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    """Values for every required field the auto-fill left empty."""
    return {
        f["code"]: sample_value(f, rng)
        for group in detail["form"]
        for f in group["fields"]
        if f["required"] and f["value"] is None
    }


@dataclass
class Driven:
    cases: int = 0
    paths: dict[str, int] = field(default_factory=dict)
    numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Cast:
    """Who plays each part: the enterprise's agent, the clerk, and an approver per org."""

    agent: Principal
    clerk: Principal
    approvers: Mapping[int, Principal]  # org id -> approver


def cast(session: Session) -> Cast:
    def principal(login: str) -> Principal:
        column = User.id_number if login[0].isdigit() else User.username
        user_id = session.scalar(select(User.id).where(column == login))
        found = auth.principal_for(session, user_id, "demo") if user_id else None
        if found is None:
            raise LookupError(f"demo account {login} is missing: run `onething setup --demo` first")
        return found

    staff = [
        principal(u)
        for u in ("ht_market", "ht_fire", "ht_housing", "ht_ecology", "ht_urban", "ht_commerce", "ht_tobacco")
    ]
    return Cast(
        agent=principal(AGENT_OF_ENTERPRISE),
        clerk=principal("ht_clerk"),
        approvers={org: p for p in staff for org in p.orgs("approver")},
    )


PATHS = (("approved", 70), ("corrected", 10), ("shortfall", 8), ("suspended", 7), ("rejected", 5))


def drive(
    session: Session,
    people: Cast,
    count: int,
    rng: random.Random,
    commit: Callable[[], None],
    paths: list[str] | None = None,
) -> Driven:
    """``count`` cases along random realistic paths (or along ``paths``, in order), one commit each."""
    done = Driven()
    weights = [w for _, w in PATHS]
    for n in range(count):
        path = paths[n % len(paths)] if paths else rng.choices([p for p, _ in PATHS], weights)[0]
        number = run_case(session, people, path, rng, seed=n)
        commit()
        done.cases += 1
        done.paths[path] = done.paths.get(path, 0) + 1
        done.numbers.append(number)
    return done


def new_restaurant_case(
    session: Session, people: Cast, rng: random.Random, seed: int = 0, skip: set[str] | None = None
) -> str:
    """A draft of 开办餐饮店 for the demo enterprise: form filled, materials not in ``skip`` uploaded."""
    agent = people.agent
    body = CaseCreate(thing=RESTAURANT, answers=RESTAURANT_ANSWERS, enterprise=str(ENTERPRISE["credit_code"]))
    number = intake.create_draft(session, agent, body).number
    detail = views.case_detail(session, agent, number).model_dump()
    intake.update_draft(session, agent, number, CaseUpdate(form=fill_missing(detail, rng)))
    for m in detail["needed_materials"]:
        if m["exempt"] != "bundle" and m["code"] not in (skip or set()):
            intake.add_material(session, agent, number, m["code"], f"{m['code']}.png", png(seed))
    return number


def run_case(session: Session, people: Cast, path: str, rng: random.Random, seed: int = 0) -> str:
    agent, clerk = people.agent, people.clerk
    number = new_restaurant_case(session, people, rng, seed, set(TOLERABLE) if path == "shortfall" else set())
    if path == "corrected":
        notice = CorrectionIn(
            items=[
                CorrectionItem(
                    kind="material", code="storefront_photo", reason="门头照片不清晰，看不清招牌位置，请重新拍摄上传"
                ),
                CorrectionItem(kind="field", code="signboard_text", reason="招牌文字与企业名称不一致"),
            ]
        )
        intake.submit(session, agent, number)
        window.request_correction(session, clerk, number, notice)
        intake.add_material(session, agent, number, "storefront_photo", "storefront.png", png(seed + 1))
        intake.update_draft(session, agent, number, CaseUpdate(form={"signboard_text": "敏记餐饮"}))
    intake.submit(session, agent, number)
    if path == "waiting":  # left for the window clerk
        return number
    if path == "shortfall":
        window.accept_with_shortfall(
            session,
            clerk,
            number,
            ShortfallIn(materials=list(TOLERABLE), due_days=5, commitment="本企业承诺5个工作日内补齐容缺材料"),
        )
    else:
        window.accept(session, clerk, number, AcceptIn())
    if path == "in_progress":  # left in the departments' inboxes
        return number
    decide_all(session, people, number, path)
    if path == "shortfall":
        for code in TOLERABLE:
            intake.add_material(session, agent, number, code, f"{code}.png", png(seed + 7))
    window.deliver(session, clerk, number, DeliverIn(method="window"))
    return number


def decide_all(session: Session, people: Cast, number: str, path: str) -> None:
    """Every department claims and decides its task; dependants dispatched by approvals follow."""
    rejected = False
    while True:
        open_tasks = _open_tasks(session, people.agent, number)
        if not open_tasks:
            return
        for task in open_tasks:
            who = people.approvers[task.org_id]
            department.claim(session, who, task.id, ClaimIn())
            if path == "suspended" and task.item_code == "public_gathering_fire_check":
                department.suspend(
                    session, who, task.id, SuspendIn(kind="site_inspection", reason="需现场勘验消防设施")
                )
                department.resume(session, who, task.id, ResumeIn(comment="现场勘验合格"))
            if path == "rejected" and not rejected and task.item_code == "drainage_permit":
                department.reject(session, who, task.id, DecisionIn(opinion="排水设施不符合要求，不予许可"))
                rejected = True
            else:
                department.approve(session, who, task.id, DecisionIn(opinion="材料齐全，符合法定条件，准予许可"))


def _open_tasks(session: Session, applicant: Principal, number: str) -> list[Task]:
    tasks = views.tasks_of_case(session, applicant, number)
    return [t for t in tasks if t.kind == "approval" and t.status == TaskStatus.pending]
