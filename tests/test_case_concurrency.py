"""Truly concurrent transactions on committed data, each on its own connection as separate app
processes would make them: one consistent outcome, never two, never none.

On PostgreSQL the case row lock (SELECT … FOR UPDATE) orders them; on SQLite BEGIN IMMEDIATE does.
The data these tests commit stays (events are append-only); other tests compare before and after.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, func, select

from onething.cases import department, intake, window
from onething.cases.schemas import AcceptIn, ClaimIn, DecisionIn
from onething.demo.cases import Cast, cast, new_restaurant_case
from onething.identity import auth
from onething.kit.db import session_scope
from onething.kit.errors import AppError
from onething.models import Case, CaseEvent, Task, TaskEvent, User


def _people(engine: Engine) -> Cast:
    with session_scope(engine) as session:
        return cast(session)


def _accepted(engine: Engine, people: Cast) -> tuple[str, dict[str, int]]:
    with session_scope(engine) as session:
        number = new_restaurant_case(session, people, random.Random(7))
        intake.submit(session, people.agent, number)
        window.accept(session, people.clerk, number, AcceptIn())
    with session_scope(engine) as session:
        case_id = session.scalar(select(Case.id).where(Case.number == number))
        tasks = {t.item_code: t.id for t in session.scalars(select(Task).where(Task.case_id == case_id))}
    return number, tasks


def _together(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions at the same instant, each in its own transaction; their outcomes."""
    gate = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        gate.wait()
        try:
            return action()
        except AppError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return list(pool.map(run, actions))


def _as(engine: Engine, login: str, act: Callable[[Any, Any], Any]) -> Callable[[], Any]:
    def action() -> Any:
        with session_scope(engine) as session:
            user = session.scalar(select(User.id).where(User.username == login))
            assert user is not None
            principal = auth.principal_for(session, user, "10.0.0.9")
            assert principal is not None
            result = act(session, principal)
            return result.status if hasattr(result, "status") else result

    return action


def test_two_claims_on_one_task_give_one_assignee(fresh_engine: Engine) -> None:
    people = _people(fresh_engine)
    _, tasks = _accepted(fresh_engine, people)
    food = tasks["food_business_permit"]
    outcomes = _together(
        _as(fresh_engine, "ht_market", lambda s, p: department.claim(s, p, food, ClaimIn())),
        _as(fresh_engine, "ht_market_head", lambda s, p: department.claim(s, p, food, ClaimIn())),
    )
    wins = [o for o in outcomes if o == "claimed"]
    losses = [o for o in outcomes if isinstance(o, AppError)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert losses[0].status == 409 and "办理中" in losses[0].message
    with session_scope(fresh_engine) as session:
        claims = session.scalar(
            select(func.count()).select_from(TaskEvent).where(TaskEvent.task_id == food, TaskEvent.action == "claim")
        )
        assert claims == 1


def test_two_decisions_on_one_task_give_one_decision(fresh_engine: Engine) -> None:
    people = _people(fresh_engine)
    _, tasks = _accepted(fresh_engine, people)
    food = tasks["food_business_permit"]
    _as(fresh_engine, "ht_market", lambda s, p: department.claim(s, p, food, ClaimIn()))()
    outcomes = _together(
        _as(fresh_engine, "ht_market", lambda s, p: department.approve(s, p, food, DecisionIn(opinion="准予许可"))),
        _as(fresh_engine, "ht_market_head", lambda s, p: department.reject(s, p, food, DecisionIn(opinion="不予许可"))),
    )
    refused = [o for o in outcomes if isinstance(o, AppError)]
    assert len(refused) == 1 and refused[0].status == 409, outcomes
    with session_scope(fresh_engine) as session:
        decided = session.scalars(
            select(TaskEvent.action).where(TaskEvent.task_id == food, TaskEvent.action.in_(["approve", "reject"]))
        ).all()
        assert len(decided) == 1
        status = session.scalar(select(Task.status).where(Task.id == food))
        assert status == {"approve": "approved", "reject": "rejected"}[decided[0]]


def _claim(task: int) -> Callable[[Any, Any], Any]:
    return lambda s, p: department.claim(s, p, task, ClaimIn())


def _approve(task: int) -> Callable[[Any, Any], Any]:
    return lambda s, p: department.approve(s, p, task, DecisionIn(opinion="准予"))


ACCOUNTS = {
    "food_business_permit": "ht_market",
    "public_gathering_fire_check": "ht_fire",
    "drainage_permit": "ht_housing",
    "eia_registration_filing": "ht_ecology",
    "outdoor_signboard_permit": "ht_urban",
}


def test_last_two_parallel_approvals_conclude_the_case_once(fresh_engine: Engine) -> None:
    """Without the case lock each would see the other still open and neither would conclude."""
    people = _people(fresh_engine)
    number, tasks = _accepted(fresh_engine, people)
    for item, login in ACCOUNTS.items():
        _as(fresh_engine, login, _claim(tasks[item]))()
    *first, a, b = ACCOUNTS
    for item in first:
        _as(fresh_engine, ACCOUNTS[item], _approve(tasks[item]))()
    outcomes = _together(
        _as(fresh_engine, ACCOUNTS[a], lambda s, p: department.approve(s, p, tasks[a], DecisionIn(opinion="准予"))),
        _as(fresh_engine, ACCOUNTS[b], lambda s, p: department.approve(s, p, tasks[b], DecisionIn(opinion="准予"))),
    )
    assert outcomes == ["approved", "approved"], outcomes
    with session_scope(fresh_engine) as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        assert case.status == "concluded" and case.outcome == "approved"
        concluded = session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "conclude")
        )
        assert concluded == 1


def test_concurrent_drafts_get_distinct_consecutive_numbers(fresh_engine: Engine) -> None:
    people = _people(fresh_engine)

    def create(seed: int) -> Callable[[], Any]:
        def action() -> str:
            with session_scope(fresh_engine) as session:
                return new_restaurant_case(session, people, random.Random(seed), seed, skip=EVERY_MATERIAL)

        return action

    numbers = _together(*(create(n) for n in range(6)))
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 6
    sequences = sorted(int(n[-6:]) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 6))  # gap-free under concurrency


EVERY_MATERIAL = {
    "business_license",
    "id_card",
    "lease_contract",
    "premises_layout_plan",
    "food_safety_rules",
    "power_of_attorney",
    "agent_id_card",
    "commitment_letter",
    "premises_floor_plan",
    "fire_safety_rules",
    "drainage_facility_plan",
    "sewage_pretreatment_proof",
    "signboard_design",
    "storefront_photo",
}
