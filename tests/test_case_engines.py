"""The case engines without a database: the workflow state machine, working-day clocks, the form.

Workflow: every move the tables allow is checked to land on its target, and every move they do
not allow is checked to fail with 409 and a reason that names the current state in Chinese.
Dependencies between tasks (ready, blocked, outcome) are checked on chains and diamonds by hand and
on random DAGs against a plain reachability reference. Clocks run on the real 2026 calendar
(National Day 1–7 Oct off, Sat 10 Oct worked; Mid-autumn 25–27 Sep off; Sun 20 Sep worked). The
form is checked on hand-built fields and on the seed catalog's 开办餐饮店.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.cases import forms
from onething.cases.deadlines import Clock, projected, remaining, restarted, start
from onething.cases.workflow import (
    CASE_STATUS_NAMES,
    CASE_TRANSITIONS,
    CLOCK_STOPPED,
    OPEN_TASK,
    TASK_STATUS_NAMES,
    TASK_TRANSITIONS,
    Actor,
    CaseStatus,
    IllegalTransition,
    TaskStatus,
    Transition,
    blocked,
    case_move,
    outcome,
    ready_to_dispatch,
    task_move,
)
from onething.catalog.model import Catalog
from onething.guide.engine import generate
from onething.guide.model import FormField, FormGroup, Guide
from onething.kit import validators as v
from onething.kit.calendar import build_calendar
from onething.kit.errors import ValidationFailed

D = dt.date
FAST = settings(max_examples=60, deadline=None)
CAL = build_calendar((), (), "weekends")  # 2026 is bundled: the State Council's holidays apply

CASE_TERMINAL = (CaseStatus.closed, CaseStatus.refused, CaseStatus.withdrawn)
DEAD_END = frozenset({TaskStatus.rejected, TaskStatus.cancelled, TaskStatus.revoked})
DECIDED = frozenset(TaskStatus) - OPEN_TASK


# --- workflow: the tables ---------------------------------------------------------------------------

MOVES = {
    "case": (CASE_TRANSITIONS, CASE_STATUS_NAMES, case_move),
    "task": (TASK_TRANSITIONS, TASK_STATUS_NAMES, task_move),
}
STATUSES: dict[str, list[str]] = {"case": list(CaseStatus), "task": list(TaskStatus)}
NOUN = {"case": "办件", "task": "子件"}


def _legal() -> list[tuple[str, str, str, Actor]]:
    return [
        (kind, t.action, source, actor)
        for kind, (table, _, _) in MOVES.items()
        for t in table.values()
        for source in sorted(t.sources)
        for actor in sorted(t.actors)
    ]


def _wrong_state() -> list[tuple[str, str, str]]:
    return [
        (kind, t.action, status)
        for kind, (table, _, _) in MOVES.items()
        for t in table.values()
        for status in STATUSES[kind]
        if status not in t.sources
    ]


def _wrong_actor() -> list[tuple[str, str, str, Actor]]:
    return [
        (kind, t.action, sorted(t.sources)[0], actor)
        for kind, (table, _, _) in MOVES.items()
        for t in table.values()
        if t.sources
        for actor in Actor
        if actor not in t.actors
    ]


def test_tables_name_every_state_and_only_real_states() -> None:
    assert set(CASE_STATUS_NAMES) == set(CaseStatus)
    assert set(TASK_STATUS_NAMES) == set(TaskStatus)
    assert all(name.strip() for name in [*CASE_STATUS_NAMES.values(), *TASK_STATUS_NAMES.values()])
    for table, names, _ in MOVES.values():
        for action, t in table.items():
            assert t.action == action
            assert t.name.strip() and t.actors, action
            assert t.sources <= set(names), action
            assert t.target is None or t.target in names, action


@pytest.mark.parametrize(("kind", "action", "status", "actor"), _legal())
def test_every_legal_move_lands_on_its_target(kind: str, action: str, status: str, actor: Actor) -> None:
    table, _, move = MOVES[kind]
    t = move(status, action, actor)
    assert t is table[action]
    assert t.action == action
    expected = table[action].target
    assert (t.target or status) == (expected or status)


@pytest.mark.parametrize(("kind", "action", "status"), _wrong_state())
def test_every_move_from_a_state_not_among_its_sources_is_a_409_naming_the_state(
    kind: str, action: str, status: str
) -> None:
    table, names, move = MOVES[kind]
    t = table[action]
    for actor in sorted(t.actors):  # a permitted actor: the state alone is at fault
        with pytest.raises(IllegalTransition) as err:
            move(status, action, actor)
        e = err.value
        assert e.status == 409
        assert e.code == "illegal_transition"
        assert e.field == "status"
        assert f"「{names[status]}」" in e.message
        assert f"「{t.name}」" in e.message
        assert e.message.startswith(NOUN[kind])


@pytest.mark.parametrize(("kind", "action", "status", "actor"), _wrong_actor())
def test_a_legal_move_by_the_wrong_actor_is_wrong_actor(kind: str, action: str, status: str, actor: Actor) -> None:
    table, _, move = MOVES[kind]
    with pytest.raises(IllegalTransition) as err:
        move(status, action, actor)
    assert err.value.status == 409
    assert err.value.code == "wrong_actor"
    assert err.value.field == "action"
    assert f"「{table[action].name}」" in err.value.message


def test_the_wrong_actor_sweep_is_not_empty() -> None:
    # e.g. an applicant cannot accept their own case, a clerk cannot approve a department's task
    cases = {(a, s, actor) for k, a, s, actor in _wrong_actor() if k == "case"}
    assert ("accept", CaseStatus.submitted, Actor.applicant) in cases
    tasks = {(a, actor) for k, a, _, actor in _wrong_actor() if k == "task"}
    assert ("approve", Actor.clerk) in tasks and ("approve", Actor.system) in tasks


@pytest.mark.parametrize("move", [case_move, task_move])
@pytest.mark.parametrize("action", ["", "approve_all", "DELETE", "submit "])
def test_an_unknown_action_is_unknown_action(move: Any, action: str) -> None:
    with pytest.raises(IllegalTransition) as err:
        move("draft" if move is case_move else "claimed", action, Actor.system)
    assert err.value.status == 409
    assert err.value.code == "unknown_action"
    assert err.value.field == "action"
    assert action in err.value.message


def test_case_actions_are_not_task_actions_and_back() -> None:
    with pytest.raises(IllegalTransition) as err:
        task_move(TaskStatus.claimed, "accept", Actor.clerk)
    assert err.value.code == "unknown_action"
    with pytest.raises(IllegalTransition) as err:
        case_move(CaseStatus.submitted, "claim", Actor.approver)
    assert err.value.code == "unknown_action"


@pytest.mark.parametrize("status", CASE_TERMINAL)
def test_terminal_case_states_allow_nothing_that_changes_the_state(status: CaseStatus) -> None:
    for action in CASE_TRANSITIONS:
        for actor in Actor:
            try:
                t = case_move(status, action, actor)
            except IllegalTransition:
                continue
            assert t.target is None, (status, action, actor)


def test_only_an_archived_case_still_takes_an_event_and_it_is_a_revocation() -> None:
    allowed = {
        (status, action) for status in CASE_TERMINAL for action, t in CASE_TRANSITIONS.items() if status in t.sources
    }
    assert allowed == {(CaseStatus.closed, "result_revoked")}


@pytest.mark.parametrize("status", sorted(DECIDED - {TaskStatus.approved}))
def test_decided_tasks_other_than_approved_allow_nothing(status: TaskStatus) -> None:
    for action in TASK_TRANSITIONS:
        for actor in Actor:
            with pytest.raises(IllegalTransition):
                task_move(status, action, actor)


def test_an_approved_task_can_only_be_revoked_by_the_system() -> None:
    assert task_move(TaskStatus.approved, "revoke", Actor.system).target == TaskStatus.revoked
    legal = {a for a, t in TASK_TRANSITIONS.items() if TaskStatus.approved in t.sources}
    assert legal == {"revoke"}


@pytest.mark.parametrize(
    "status",
    [CaseStatus.concluded, CaseStatus.delivered, CaseStatus.closed, CaseStatus.refused, CaseStatus.withdrawn],
)
def test_withdraw_is_impossible_after_conclusion(status: CaseStatus) -> None:
    with pytest.raises(IllegalTransition) as err:
        case_move(status, "withdraw", Actor.applicant)
    assert err.value.code == "illegal_transition"
    assert err.value.message == f"办件当前状态为「{CASE_STATUS_NAMES[status]}」，不能执行「申请人撤回」"


@pytest.mark.parametrize(
    "status",
    [
        CaseStatus.draft,
        CaseStatus.submitted,
        CaseStatus.correction_requested,
        CaseStatus.accepted,
        CaseStatus.processing,
    ],
)
def test_withdraw_before_conclusion_is_the_applicants_alone(status: CaseStatus) -> None:
    assert case_move(status, "withdraw", Actor.applicant).target == CaseStatus.withdrawn
    for actor in (Actor.clerk, Actor.approver, Actor.system):
        with pytest.raises(IllegalTransition) as err:
            case_move(status, "withdraw", actor)
        assert err.value.code == "wrong_actor"


def test_create_starts_a_draft_and_is_never_a_move_from_a_state() -> None:
    assert CASE_TRANSITIONS["create"].target == CaseStatus.draft
    for status in CaseStatus:
        with pytest.raises(IllegalTransition):
            case_move(status, "create", Actor.applicant)


def _reachable(table: Mapping[str, Transition], start_at: set[str]) -> set[str]:
    seen = set(start_at)
    frontier = list(start_at)
    while frontier:
        here = frontier.pop()
        for t in table.values():
            if here in t.sources and t.target and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen


def test_every_case_state_is_reachable_from_a_draft_and_every_one_can_end() -> None:
    assert _reachable(CASE_TRANSITIONS, {CaseStatus.draft}) == set(CaseStatus)
    for status in CaseStatus:
        assert _reachable(CASE_TRANSITIONS, {status}) & set(CASE_TERMINAL), status


def test_every_task_state_is_reachable_from_waiting_and_open_ones_can_be_decided() -> None:
    assert _reachable(TASK_TRANSITIONS, {TaskStatus.waiting}) == set(TaskStatus)
    for status in OPEN_TASK:
        assert _reachable(TASK_TRANSITIONS, {status}) & DECIDED, status


def test_a_typical_journey_walks_through_the_tables() -> None:
    case = CaseStatus.draft
    for action, actor in [
        ("save", Actor.applicant),
        ("submit", Actor.applicant),
        ("request_correction", Actor.clerk),
        ("resubmit", Actor.applicant),
        ("accept_with_shortfall", Actor.clerk),
        ("start", Actor.system),
        ("task_returned", Actor.system),
        ("correction_supplied", Actor.applicant),
        ("supply_shortfall", Actor.applicant),
        ("conclude", Actor.system),
        ("deliver", Actor.clerk),
        ("close", Actor.applicant),
        ("result_revoked", Actor.system),
    ]:
        case = CaseStatus(case_move(case, action, actor).target or case)
    assert case == CaseStatus.closed
    task = TaskStatus.waiting
    for action, actor in [
        ("dispatch", Actor.system),
        ("claim", Actor.approver),
        ("suspend", Actor.approver),
        ("resume", Actor.approver),
        ("return", Actor.approver),
        ("correction_supplied", Actor.system),
        ("approve", Actor.approver),
        ("revoke", Actor.system),
    ]:
        task = TaskStatus(task_move(task, action, actor).target or task)
    assert task == TaskStatus.revoked


def test_stopped_clock_states_are_open_and_each_has_its_way_back() -> None:
    assert CLOCK_STOPPED <= OPEN_TASK
    assert task_move(TaskStatus.suspended, "resume", Actor.approver).target == TaskStatus.claimed
    assert task_move(TaskStatus.returned, "correction_supplied", Actor.system).target == TaskStatus.claimed


# --- workflow: dependencies between tasks -----------------------------------------------------------

W, P, C, A, R, X, V = (
    TaskStatus.waiting,
    TaskStatus.pending,
    TaskStatus.claimed,
    TaskStatus.approved,
    TaskStatus.rejected,
    TaskStatus.cancelled,
    TaskStatus.revoked,
)
# A; B after A; C after A; D after B and C; E stands alone.
DIAMOND = {"A": (), "B": ("A",), "C": ("A",), "D": ("B", "C"), "E": ()}


def diamond(**statuses: str) -> dict[str, str]:
    return {item: statuses.get(item, W) for item in DIAMOND}


@pytest.mark.parametrize(
    ("statuses", "ready"),
    [
        (diamond(), ["A", "E"]),
        (diamond(A=P), ["E"]),
        (diamond(A=A), ["B", "C", "E"]),
        (diamond(A=A, E=C), ["B", "C"]),
        (diamond(A=A, B=A, C=C), ["E"]),  # D waits for C too
        (diamond(A=A, B=A, C=A), ["D", "E"]),
        (diamond(A=A, B=A, C=A, D=P, E=A), []),  # only waiting tasks are dispatched
        (diamond(A=V, B=A, C=A), ["D", "E"]),  # direct prerequisites only: D's are approved
    ],
)
def test_ready_to_dispatch_on_a_diamond(statuses: dict[str, str], ready: list[str]) -> None:
    assert ready_to_dispatch(statuses, DIAMOND) == ready


@pytest.mark.parametrize(
    ("statuses", "dead"),
    [
        (diamond(), []),
        (diamond(A=R), ["B", "C", "D"]),  # every transitive dependant, not E
        (diamond(A=X), ["B", "C", "D"]),
        (diamond(A=V, B=C), ["B", "C", "D"]),  # a claimed task is open: it goes too
        (diamond(A=A, B=R), ["D"]),  # C still has an approved prerequisite
        (diamond(A=A, C=X, B=P), ["D"]),
        (diamond(A=R, B=A, C=A), []),  # approved tasks stop the spread: D's own prerequisites are approved
        (diamond(A=A, B=A, C=A, D=R), []),  # nothing depends on D
        (diamond(E=R), []),
        (diamond(A=R, D=A), ["B", "C"]),
    ],
)
def test_blocked_on_a_diamond(statuses: dict[str, str], dead: list[str]) -> None:
    assert blocked(statuses, DIAMOND) == dead


def test_blocked_reaches_through_a_chain_listed_backwards() -> None:
    chain = {"t4": ("t3",), "t3": ("t2",), "t2": ("t1",), "t1": ("t0",), "t0": ()}
    statuses = {"t4": W, "t3": W, "t2": W, "t1": W, "t0": R}
    assert blocked(statuses, chain) == ["t4", "t3", "t2", "t1"]
    statuses["t0"] = A
    assert blocked(statuses, chain) == []
    assert ready_to_dispatch(statuses, chain) == ["t1"]


@pytest.mark.parametrize(
    ("statuses", "result"),
    [
        ([], None),
        ([A, A, W], None),
        ([A, C], None),
        ([R, TaskStatus.suspended], None),
        ([R, TaskStatus.returned], None),
        ([A], "approved"),
        ([A, A, A], "approved"),
        ([A, R], "partly_approved"),
        ([A, X, X], "partly_approved"),
        ([V, A], "partly_approved"),
        ([R], "rejected"),
        ([R, X, V], "rejected"),
    ],
)
def test_outcome(statuses: list[str], result: str | None) -> None:
    assert outcome(statuses) == result
    assert outcome(iter(statuses)) == result  # any iterable, consumed once


@st.composite
def task_graphs(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A random DAG (each task may wait for earlier ones) with random statuses, listed in random order."""
    n = draw(st.integers(1, 8))
    names = [f"t{i}" for i in range(n)]
    after = {
        name: draw(st.lists(st.sampled_from(names[:i]), unique=True, max_size=3)) if i else []
        for i, name in enumerate(names)
    }
    status = st.sampled_from(sorted(TaskStatus))
    order = draw(st.permutations(names))
    return {name: draw(status) for name in order}, after


def reference_blocked(statuses: Mapping[str, str], after: Mapping[str, Sequence[str]]) -> set[str]:
    """Open tasks with a path of open tasks back to one that ended without approval."""

    def doomed(item: str) -> bool:
        if statuses[item] in DEAD_END:
            return True
        return statuses[item] in OPEN_TASK and any(doomed(d) for d in after[item])

    return {item for item, s in statuses.items() if s in OPEN_TASK and any(doomed(d) for d in after[item])}


@FAST
@given(task_graphs())
def test_blocked_and_ready_on_random_dags(graph: tuple[dict[str, str], dict[str, list[str]]]) -> None:
    statuses, after = graph
    dead = blocked(statuses, after)
    ready = ready_to_dispatch(statuses, after)
    assert not [item for item in dead if statuses[item] in DECIDED]
    assert len(dead) == len(set(dead))
    assert set(dead) == reference_blocked(statuses, after)
    for item in ready:
        assert statuses[item] == W
        assert all(statuses[dep] == A for dep in after[item]), (item, after[item])
    # and every waiting task with only approved prerequisites is ready, in the given order
    assert ready == [i for i, s in statuses.items() if s == W and all(statuses[d] == A for d in after[i])]
    assert not set(ready) & set(dead)


@FAST
@given(st.lists(st.sampled_from(sorted(TaskStatus)), max_size=8))
def test_outcome_on_random_statuses(statuses: list[str]) -> None:
    result = outcome(statuses)
    if not statuses or any(s in OPEN_TASK for s in statuses):
        assert result is None
    elif all(s == A for s in statuses):
        assert result == "approved"
    elif A in statuses:
        assert result == "partly_approved"
    else:
        assert result == "rejected"


# --- deadlines ---------------------------------------------------------------------------------------


def test_the_2026_calendar_this_file_relies_on() -> None:
    off = [D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27), *(D(2026, 10, d) for d in range(1, 8))]
    assert not any(CAL.is_workday(d) for d in off)
    assert CAL.is_workday(D(2026, 10, 10))  # a Saturday worked in lieu
    assert CAL.is_workday(D(2026, 9, 20))  # a Sunday worked in lieu
    assert not CAL.is_workday(D(2026, 10, 11))


@pytest.mark.parametrize(
    ("day", "days", "deadline"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # over National Day
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # the Saturday worked
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # over Mid-autumn
        (D(2026, 9, 21), 5, D(2026, 9, 29)),  # 22, 23, 24, 28, 29
        (D(2026, 9, 29), 10, D(2026, 10, 19)),
        (D(2026, 10, 3), 0, D(2026, 10, 3)),  # nothing to count: the day itself
        (D(2026, 10, 3), 1, D(2026, 10, 8)),  # started on a holiday
    ],
)
def test_start(day: dt.date, days: int, deadline: dt.date) -> None:
    assert start(CAL, day, days) == deadline


@pytest.mark.parametrize(
    ("deadline", "stopped_on", "today", "moved", "stopped"),
    [
        # 28, 29, 30 Sep and 8 Oct were lost; then 10 (Sat), 12, 13, 14 Oct
        (D(2026, 10, 9), D(2026, 9, 24), D(2026, 10, 8), D(2026, 10, 14), 4),
        (D(2026, 10, 9), D(2026, 9, 29), D(2026, 9, 29), D(2026, 10, 9), 0),  # stopped and restarted the same day
        (D(2026, 10, 9), D(2026, 9, 25), D(2026, 9, 27), D(2026, 10, 9), 0),  # only Mid-autumn holidays stopped
        (D(2026, 10, 9), D(2026, 9, 30), D(2026, 10, 7), D(2026, 10, 9), 0),  # only National Day stopped
        (D(2026, 10, 9), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 10), 1),
        (D(2026, 10, 9), D(2026, 10, 8), D(2026, 9, 30), D(2026, 10, 9), 0),  # "today" before the stop: no move
    ],
)
def test_restarted(deadline: dt.date, stopped_on: dt.date, today: dt.date, moved: dt.date, stopped: int) -> None:
    assert restarted(CAL, deadline, stopped_on, today) == (moved, stopped)


def test_remaining_counts_working_days_and_goes_negative_when_overdue() -> None:
    deadline = D(2026, 10, 14)
    assert remaining(CAL, deadline, D(2026, 9, 24), None) == 9  # 28, 29, 30 Sep; 8, 9, 10, 12, 13, 14 Oct
    assert remaining(CAL, deadline, D(2026, 10, 1), None) == 6
    assert remaining(CAL, deadline, D(2026, 10, 7), None) == 6  # holidays do not eat into it
    assert remaining(CAL, deadline, deadline, None) == 0
    assert remaining(CAL, D(2026, 10, 8), D(2026, 10, 12), None) == -3  # 9, 10, 12 Oct overdue
    assert remaining(CAL, None, D(2026, 10, 12), None) is None
    assert remaining(CAL, None, D(2026, 10, 12), D(2026, 10, 1)) is None


@pytest.mark.parametrize("today", [D(2026, 9, 24), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 20), D(2026, 12, 31)])
def test_remaining_is_frozen_while_the_clock_is_stopped(today: dt.date) -> None:
    deadline, stopped_on = D(2026, 10, 14), D(2026, 9, 24)
    assert remaining(CAL, deadline, today, stopped_on) == 9


def test_the_frozen_remaining_is_what_is_left_after_the_restart() -> None:
    deadline, stopped_on, today = D(2026, 10, 9), D(2026, 9, 24), D(2026, 10, 8)
    frozen = remaining(CAL, deadline, today, stopped_on)
    moved, _ = restarted(CAL, deadline, stopped_on, today)
    assert remaining(CAL, moved, today, None) == frozen == 5  # 28, 29, 30 Sep; 8, 9 Oct


def test_an_override_moves_a_deadline() -> None:
    local = build_calendar([(D(2026, 9, 28), False), (D(2026, 10, 11), True)], (), "weekends")
    assert start(CAL, D(2026, 9, 24), 1) == D(2026, 9, 28)
    assert start(local, D(2026, 9, 24), 1) == D(2026, 9, 29)
    assert start(local, D(2026, 10, 9), 2) == D(2026, 10, 11)  # 10 Oct (Sat worked) and the Sunday made a workday


def test_a_year_without_holiday_data_counts_weekends_only() -> None:
    cal = build_calendar((), (2031,), "error")
    assert start(cal, D(2031, 10, 1), 5) == D(2031, 10, 8)  # Wed 1 Oct: no National Day known here
    assert restarted(cal, D(2031, 10, 8), D(2031, 10, 3), D(2031, 10, 6)) == (D(2031, 10, 9), 1)


dates_2026 = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31))
first_half = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 6, 30))  # chains stay inside 2026


@FAST
@given(st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 9, 30)), dates_2026, st.integers(0, 60))
def test_restart_moves_the_deadline_by_exactly_the_working_days_stopped(
    deadline: dt.date, stopped_on: dt.date, gap: int
) -> None:
    today = min(stopped_on + dt.timedelta(days=gap), D(2026, 12, 31))
    lost = CAL.working_days_between(stopped_on, today)
    moved, stopped = restarted(CAL, deadline, stopped_on, today)
    assert stopped == lost >= 0
    assert CAL.working_days_between(deadline, moved) == lost
    assert moved >= deadline
    if lost:
        assert CAL.is_workday(moved)
    else:
        assert moved == deadline
    # what was left when it stopped is what is left when it starts again
    assert remaining(CAL, moved, today, None) == remaining(CAL, deadline, D(2026, 6, 1), stopped_on)
    # a restart that is not after the stop moves nothing
    assert restarted(CAL, deadline, today, stopped_on) == (deadline, 0)


@FAST
@given(dates_2026, st.integers(0, 40))
def test_start_is_promised_working_days_later(day: dt.date, days: int) -> None:
    deadline = start(CAL, day, days)
    assert CAL.working_days_between(day, deadline) == days
    if days:
        assert CAL.is_workday(deadline)
        assert CAL.working_days_between(day, deadline - dt.timedelta(days=1)) == days - 1


@FAST
@given(dates_2026, dates_2026, dates_2026)
def test_remaining_while_stopped_ignores_today(deadline: dt.date, stopped_on: dt.date, today: dt.date) -> None:
    assert remaining(CAL, deadline, today, stopped_on) == CAL.working_days_between(stopped_on, deadline)


def clock(promised: int, deadline: dt.date | None = None, stopped_on: dt.date | None = None) -> Clock:
    dispatched = None if deadline is None else D(2026, 9, 21)
    return Clock(promised, dispatched, deadline, stopped_on)


def test_projected_chain_and_diamond_start_from_their_prerequisites() -> None:
    today = D(2026, 9, 21)
    clocks = {
        "A": clock(5, start(CAL, today, 5)),  # 29 Sep
        "B": clock(3),
        "C": clock(1),
        "D": clock(2),
        "E": clock(4),
    }
    found = projected(CAL, clocks, DIAMOND, today, frozenset(clocks))
    assert found == {
        "A": D(2026, 9, 29),
        "B": D(2026, 10, 9),  # 30 Sep, 8, 9 Oct
        "C": D(2026, 9, 30),
        "D": D(2026, 10, 12),  # from the later of B and C: 10 (Sat), 12 Oct
        "E": D(2026, 9, 28),  # from today: 22, 23, 24, 28 Sep
    }


def test_projected_pushes_a_stopped_prerequisite_and_its_dependants_on() -> None:
    today = D(2026, 9, 30)
    clocks = {"A": clock(5, D(2026, 9, 29), stopped_on=D(2026, 9, 22)), "B": clock(3)}
    found = projected(CAL, clocks, {"B": ["A"]}, today, frozenset(clocks))
    # stopped 23, 24, 28, 29, 30 Sep: five working days -> 30 Sep, 8, 9, 10, 12 Oct
    assert found["A"] == restarted(CAL, D(2026, 9, 29), D(2026, 9, 22), today)[0] == D(2026, 10, 12)
    assert found["B"] == D(2026, 10, 15)


def test_projected_waiting_task_after_an_overdue_prerequisite_starts_today() -> None:
    today = D(2026, 10, 8)
    clocks = {"A": clock(1, D(2026, 9, 22)), "B": clock(2)}
    assert projected(CAL, clocks, {"B": ["A"]}, today, frozenset(clocks)) == {
        "A": D(2026, 9, 22),
        "B": D(2026, 10, 10),
    }


def test_projected_only_reports_counted_items_that_nothing_counted_waits_for() -> None:
    today = D(2026, 9, 21)
    clocks = {"A": clock(5, D(2026, 9, 29)), "B": clock(2, D(2026, 9, 23)), "E": clock(1)}
    found = projected(CAL, clocks, {}, today, frozenset({"A", "E"}))
    assert found == {"A": D(2026, 9, 29), "E": D(2026, 9, 22)}


def test_an_uncounted_prerequisite_holds_nothing_up() -> None:
    today = D(2026, 9, 21)
    clocks = {"A": clock(5, D(2026, 11, 30)), "B": clock(2)}  # A cancelled, its old deadline far off
    found = projected(CAL, clocks, {"B": ["A"]}, today, frozenset({"B"}))
    assert found == {"B": D(2026, 9, 23)}


@FAST
@given(task_graphs(), st.data())
def test_projected_waiting_tasks_end_after_their_prerequisites(
    graph: tuple[dict[str, str], dict[str, list[str]]], data: st.DataObject
) -> None:
    statuses, after = graph
    today = data.draw(first_half, label="today")
    clocks: dict[str, Clock] = {}
    for item, s in statuses.items():
        promised = data.draw(st.integers(1, 15), label=f"{item} promised")
        if s == W:
            clocks[item] = clock(promised)
        else:
            deadline = data.draw(first_half, label=f"{item} deadline")
            stop = data.draw(st.none() | first_half, label=f"{item} stopped") if s in CLOCK_STOPPED else None
            clocks[item] = clock(promised, deadline, stop)
    found = projected(CAL, clocks, after, today, frozenset(clocks))
    assert set(found) == set(clocks)
    for item, c in clocks.items():
        if c.deadline is None:
            begin = max([today, *(found[d] for d in after[item])])
            assert CAL.working_days_between(begin, found[item]) == c.promised_days
            assert all(found[item] > found[d] for d in after[item])
        elif c.stopped_on is None:
            assert found[item] == c.deadline
        else:
            assert found[item] == restarted(CAL, c.deadline, c.stopped_on, today)[0]


# --- forms: autofill ---------------------------------------------------------------------------------


def field(
    code: str,
    label: str,
    type: str = "string",
    *,
    fmt: str | None = None,
    required: bool = True,
    options: tuple[tuple[str, str], ...] = (),
    autofill: str | None = None,
    max_length: int | None = None,
    minimum: float | None = None,
) -> FormField:
    return FormField(code, label, type, fmt, required, options, autofill, max_length, minimum, None, None, ("item",))


GENDERS = (("male", "男"), ("female", "女"))
ENTITY_TYPES = (("llc", "有限责任公司"), ("sole_proprietorship", "个人独资企业"), ("individual_business", "个体工商户"))
FORM = (
    FormGroup(
        "applicant",
        "申请人",
        (
            field("applicant_name", "申请人姓名", autofill="population.name", max_length=50),
            field("applicant_id_number", "申请人公民身份号码", fmt="id_number", autofill="population.id_number"),
            field("applicant_gender", "性别", "enum", options=GENDERS, autofill="derived.gender_from_id"),
            field("applicant_birth_date", "出生日期", "date", autofill="derived.birth_date_from_id"),
            field("applicant_mobile", "联系电话（手机）", fmt="mobile", autofill="population.mobile"),
            field("applicant_household_address", "户籍地址", autofill="population.household_address"),
            field("applicant_shoe_size", "鞋码", required=False, autofill="population.shoe_size"),
        ),
    ),
    FormGroup(
        "enterprise",
        "企业",
        (
            field("enterprise_name", "企业名称", autofill="legal_person.name"),
            field("enterprise_credit_code", "统一社会信用代码", fmt="credit_code", autofill="legal_person.credit_code"),
            field("enterprise_type", "市场主体类型", "enum", options=ENTITY_TYPES, autofill="legal_person.entity_type"),
            field(
                "registered_capital", "注册资本（万元）", "money", minimum=0, autofill="legal_person.registered_capital"
            ),
            field("established_date", "成立日期", "date", autofill="legal_person.established_date"),
            field("employee_count", "从业人数", "integer", minimum=0),
        ),
    ),
    FormGroup(
        "subject",
        "新生儿",
        (
            field("newborn_name", "新生儿姓名", autofill="license.birth_medical_certificate.name"),
            field(
                "newborn_gender",
                "新生儿性别",
                "enum",
                options=GENDERS,
                autofill="license.birth_medical_certificate.gender",
            ),
            field("newborn_birth_date", "出生日期", "date", autofill="license.birth_medical_certificate.birth_date"),
            field("property_certificate_number", "不动产权证书号", autofill="license.real_estate_certificate.number"),
            field("remarks", "备注", "text", required=False, max_length=10),
        ),
    ),
)


def id_number(first17: str) -> str:
    return first17 + v.id_number_check_char(first17)


WOMAN = id_number("43010219850615122")  # born 15 Jun 1985, 17th digit even
MAN = id_number("43010219900101123")
CREDIT = "91430100MA4L12345"
CREDIT_CODE = CREDIT + v.credit_code_check_char(CREDIT)
PERSON = {
    "name": "李四",
    "id_number": WOMAN,
    "phone": "13800138000",
    "address": "长沙市芙蓉区五一大道1号",
    "region_code": "430102",
}
ENTERPRISE = {
    "name": "长沙市芙蓉区李四餐饮有限公司",
    "credit_code": CREDIT_CODE,
    "type": "有限责任公司",  # the library holds the label
    "legal_rep_name": "李四",
    "legal_rep_id_number": WOMAN,
    "registered_capital": Decimal("50.50"),
    "address": "长沙市芙蓉区五一大道1号",
    "industry_code": "H6210",
    "founded_on": D(2020, 5, 20),
}
LICENSES: dict[str, dict[str, Any]] = {
    "birth_medical_certificate": {"name": "李小宝", "gender": "男", "birth_date": D(2024, 3, 8)},
    "real_estate_certificate": {"number": "湘(2021)长沙市不动产权第0001号"},
}


def test_the_identities_used_here_are_valid() -> None:
    assert v.id_number(WOMAN) == WOMAN and v.id_number(MAN) == MAN
    assert v.credit_code(CREDIT_CODE) == CREDIT_CODE


def test_autofill_fills_from_every_source_in_form_terms() -> None:
    filled = forms.autofill(FORM, PERSON, ENTERPRISE, LICENSES)
    assert filled == {
        "applicant_name": forms.Filled("李四", "population"),
        "applicant_id_number": forms.Filled(WOMAN, "population"),
        "applicant_gender": forms.Filled("female", "derived"),
        "applicant_birth_date": forms.Filled("1985-06-15", "derived"),
        "applicant_mobile": forms.Filled("13800138000", "population"),  # the column is "phone"
        "applicant_household_address": forms.Filled("长沙市芙蓉区五一大道1号", "population"),
        "enterprise_name": forms.Filled("长沙市芙蓉区李四餐饮有限公司", "legal_person"),
        "enterprise_credit_code": forms.Filled(CREDIT_CODE, "legal_person"),
        "enterprise_type": forms.Filled("llc", "legal_person"),  # label -> code
        "registered_capital": forms.Filled(50.5, "legal_person"),  # Decimal -> float
        "established_date": forms.Filled("2020-05-20", "legal_person"),  # date -> ISO text
        "newborn_name": forms.Filled("李小宝", "license"),
        "newborn_gender": forms.Filled("male", "license"),
        "newborn_birth_date": forms.Filled("2024-03-08", "license"),
        "property_certificate_number": forms.Filled("湘(2021)长沙市不动产权第0001号", "license"),
    }
    assert type(filled["registered_capital"].value) is float
    assert all(f.source in forms.SOURCE_NAMES for f in filled.values())
    # what was filled passes the form's own checks
    assert forms.validate(FORM, {k: f.value for k, f in filled.items()}, complete=False) == []


def test_autofill_derives_a_mans_gender_and_birth_date() -> None:
    filled = forms.autofill(FORM, {**PERSON, "id_number": MAN}, None, {})
    assert filled["applicant_gender"] == forms.Filled("male", "derived")
    assert filled["applicant_birth_date"] == forms.Filled("1990-01-01", "derived")


def test_autofill_leaves_out_what_it_does_not_hold() -> None:
    filled = forms.autofill(FORM, None, None, {})
    assert filled == {}
    person_only = forms.autofill(FORM, {**PERSON, "phone": "", "address": None}, None, {})
    assert set(person_only) == {"applicant_name", "applicant_id_number", "applicant_gender", "applicant_birth_date"}
    assert "applicant_shoe_size" not in person_only  # a name the library does not map
    enterprise_only = forms.autofill(FORM, None, ENTERPRISE, {})
    assert {f.source for f in enterprise_only.values()} == {"legal_person"}
    assert "employee_count" not in enterprise_only  # no autofill on the field


def test_autofill_enum_keeps_a_code_and_drops_an_unknown_label() -> None:
    as_code = forms.autofill(FORM, None, {**ENTERPRISE, "type": "individual_business"}, {})
    assert as_code["enterprise_type"] == forms.Filled("individual_business", "legal_person")
    unknown = forms.autofill(FORM, None, {**ENTERPRISE, "type": "外资企业"}, {})
    assert "enterprise_type" not in unknown
    assert "enterprise_name" in unknown


def test_autofill_from_a_license_needs_that_license_and_that_key() -> None:
    only_estate = forms.autofill(FORM, None, None, {"real_estate_certificate": {"number": "X1"}})
    assert only_estate == {"property_certificate_number": forms.Filled("X1", "license")}
    assert forms.autofill(FORM, None, None, {"birth_medical_certificate": {"nickname": "宝宝"}}) == {}


def test_autofill_multi_enum_from_a_list_of_codes() -> None:
    form = (
        FormGroup(
            "g",
            "组",
            (field("kinds", "类别", "multi_enum", options=(("a", "甲"), ("b", "乙")), autofill="license.x.kinds"),),
        ),
    )
    filled = forms.autofill(form, None, None, {"x": {"kinds": ["a", "b"]}})
    assert filled["kinds"].value == ["a", "b"]


# --- forms: validation -------------------------------------------------------------------------------

GOOD = {
    "applicant_name": "李四",
    "applicant_id_number": WOMAN,
    "applicant_gender": "female",
    "applicant_birth_date": "1985-06-15",
    "applicant_mobile": "13800138000",
    "applicant_household_address": "长沙市芙蓉区五一大道1号",
    "enterprise_name": "长沙市芙蓉区李四餐饮有限公司",
    "enterprise_credit_code": CREDIT_CODE,
    "enterprise_type": "llc",
    "registered_capital": 50.5,
    "established_date": "2020-05-20",
    "employee_count": 3,
    "newborn_name": "李小宝",
    "newborn_gender": "male",
    "newborn_birth_date": "2024-03-08",
    "property_certificate_number": "X1",
}
REQUIRED = [f.code for g in FORM for f in g.fields if f.required]
LABEL = {f.code: f.label for g in FORM for f in g.fields}


def test_a_complete_good_form_has_no_problems() -> None:
    assert set(REQUIRED) <= set(GOOD)
    assert forms.validate(FORM, GOOD, complete=True) == []
    assert forms.validate(FORM, {**GOOD, "remarks": "无"}, complete=True) == []


def test_a_draft_may_be_partial_but_not_wrong() -> None:
    assert forms.validate(FORM, {}, complete=False) == []
    assert forms.validate(FORM, {"applicant_name": "李四"}, complete=False) == []
    bad_check = WOMAN[:17] + ("0" if WOMAN[17] != "0" else "1")
    problems = forms.validate(
        FORM,
        {"applicant_name": "李四", "applicant_id_number": bad_check, "applicant_mobile": "12345678901"},
        complete=False,
    )
    assert problems == [
        forms.Problem("applicant_id_number", "「申请人公民身份号码」公民身份号码校验码不正确，请核对是否输错"),
        forms.Problem("applicant_mobile", "「联系电话（手机）」手机号码应为 11 位数字，以 1 开头"),
    ]
    assert all(bad_check not in p.message for p in problems)  # the value is not echoed


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        (
            "enterprise_credit_code",
            CREDIT_CODE[:17] + "I",
            "「统一社会信用代码」统一社会信用代码含有不允许的字符 I（不使用 I、O、Z、S、V）",
        ),
        ("applicant_gender", "男", "「性别」请从给定选项中选择"),  # the label is not the value
        ("employee_count", "三", "「从业人数」填写的类型不正确"),
        ("employee_count", 2.5, "「从业人数」填写的类型不正确"),
        ("employee_count", -1, "「从业人数」不能小于 0"),
        ("registered_capital", 12.345, "「注册资本（万元）」金额最多保留两位小数（精确到分）"),
        ("registered_capital", -1, "「注册资本（万元）」不能小于 0"),  # one message, not two
        ("applicant_birth_date", "85-2-3", "「出生日期」应为有效日期，格式 YYYY-MM-DD"),
        ("applicant_birth_date", "1985-02-30", "「出生日期」应为有效日期，格式 YYYY-MM-DD"),
        ("applicant_birth_date", "1985-13-01", "「出生日期」应为有效日期，格式 YYYY-MM-DD"),
        ("remarks", "一二三四五六七八九十一", "「备注」不能超过 10 个字"),
    ],
)
def test_a_wrong_value_names_its_field_in_chinese(code: str, value: Any, message: str) -> None:
    problems = forms.validate(FORM, {code: value}, complete=False)
    assert [p.field for p in problems] == [code]
    assert problems[0].message == message


def test_a_submission_names_every_missing_required_field_in_form_order() -> None:
    problems = forms.validate(FORM, {}, complete=True)
    assert [p.field for p in problems] == REQUIRED
    assert [p.message for p in problems] == [f"请填写「{LABEL[c]}」" for c in REQUIRED]
    assert "remarks" not in [p.field for p in problems]


def test_optional_relaxes_a_required_field_but_not_its_format() -> None:
    without = {k: val for k, val in GOOD.items() if k != "enterprise_credit_code"}
    assert forms.validate(FORM, without, complete=True) == [
        forms.Problem("enterprise_credit_code", "请填写「统一社会信用代码」")
    ]
    assert forms.validate(FORM, without, complete=True, optional={"enterprise_credit_code"}) == []
    wrong = {**GOOD, "enterprise_credit_code": "123"}
    assert [p.field for p in forms.validate(FORM, wrong, complete=True, optional=["enterprise_credit_code"])] == [
        "enterprise_credit_code"
    ]


def test_an_unknown_field_is_reported_last() -> None:
    problems = forms.validate(FORM, {"colour": "red", "applicant_mobile": "1"}, complete=False)
    assert problems == [
        forms.Problem("applicant_mobile", "「联系电话（手机）」手机号码应为 11 位数字，以 1 开头"),
        forms.Problem("colour", "表单中没有「colour」这一项"),
    ]


@FAST
@given(st.sets(st.sampled_from(sorted(GOOD))))
def test_leaving_out_fields_is_fine_in_a_draft_and_named_on_submission(left_out: set[str]) -> None:
    data = {k: val for k, val in GOOD.items() if k not in left_out}
    assert forms.validate(FORM, data, complete=False) == []
    missing = [c for c in REQUIRED if c in left_out]
    assert [p.field for p in forms.validate(FORM, data, complete=True)] == missing
    assert forms.validate(FORM, data, complete=True, optional=left_out) == []


def test_raise_problems_reports_the_first_and_counts_the_rest() -> None:
    forms.raise_problems([])
    problems = forms.validate(FORM, {}, complete=True)
    with pytest.raises(ValidationFailed) as err:
        forms.raise_problems(problems)
    assert err.value.code == "form_invalid"
    assert err.value.field == "form.applicant_name"
    assert err.value.message == f"请填写「申请人姓名」（共 {len(REQUIRED)} 处需要修改）"


# --- forms on the seed catalog -----------------------------------------------------------------------

NEW_RESTAURANT = {
    "has_license": "no",
    "premises": "leased",
    "area": "m50_300",
    "extras": ["signboard", "alcohol", "tobacco"],
}
LICENSED_RESTAURANT = {"has_license": "yes", "premises": "owned", "area": "lt50"}


def valid_value(f: FormField) -> Any:
    """A value every field of its kind accepts."""
    by_format = {
        "id_number": WOMAN,
        "credit_code": CREDIT_CODE,
        "mobile": "13800138000",
        "phone": "0731-88888888",
        "email": "li@example.com",
        "region_code": "430102",
        "postal_code": "410000",
    }
    if f.format in by_format:
        return by_format[f.format]
    if f.type == "enum":
        return f.options[0][0]
    if f.type == "multi_enum":
        return [f.options[0][0]]
    if f.type in ("integer", "decimal", "money", "area"):
        return max(1, int(f.minimum or 0))
    if f.type == "date":
        return "2026-01-02"
    if f.type == "boolean":
        return True
    return "测试"


@pytest.fixture(scope="module")
def new_restaurant(seed_catalog: Catalog) -> Guide:
    return generate(seed_catalog, "open_restaurant", NEW_RESTAURANT)


def test_a_full_catalog_form_passes_and_each_missing_field_is_named(new_restaurant: Guide) -> None:
    every = forms.fields(new_restaurant.form)
    data = {code: valid_value(f) for code, f in every.items()}
    assert forms.validate(new_restaurant.form, data, complete=True) == []
    required = [code for code, f in every.items() if f.required]
    assert "enterprise_credit_code" in required and "agent_name" not in required
    for code in required:
        problems = forms.validate(new_restaurant.form, {k: x for k, x in data.items() if k != code}, complete=True)
        assert problems == [forms.Problem(code, f"请填写「{every[code].label}」")]


def test_a_new_enterprise_is_not_asked_its_credit_code(new_restaurant: Guide, seed_catalog: Catalog) -> None:
    assert forms.produced_in_bundle(new_restaurant) == {"enterprise_credit_code"}
    licensed = generate(seed_catalog, "open_restaurant", LICENSED_RESTAURANT)
    assert forms.produced_in_bundle(licensed) == set()
    data = {code: valid_value(f) for code, f in forms.fields(new_restaurant.form).items()}
    del data["enterprise_credit_code"]
    optional = forms.produced_in_bundle(new_restaurant)
    assert forms.validate(new_restaurant.form, data, complete=True, optional=optional) == []


def test_catalog_form_flags_a_bad_id_number_in_a_draft(new_restaurant: Guide) -> None:
    bad = MAN[:17] + ("X" if MAN[17] != "X" else "0")
    problems = forms.validate(
        new_restaurant.form, {"legal_representative_id_number": bad, "enterprise_name": "某某"}, complete=False
    )
    assert problems == [
        forms.Problem(
            "legal_representative_id_number", "「法定代表人公民身份号码」公民身份号码校验码不正确，请核对是否输错"
        )
    ]


def test_catalog_form_autofills_an_enterprise(new_restaurant: Guide) -> None:
    filled = forms.autofill(new_restaurant.form, PERSON, ENTERPRISE, {})
    assert filled["enterprise_type"] == forms.Filled("llc", "legal_person")
    assert filled["registered_capital"] == forms.Filled(50.5, "legal_person")
    assert filled["legal_representative_id_number"] == forms.Filled(WOMAN, "legal_person")
    assert {f.source for f in filled.values()} == {"legal_person"}  # this form asks nothing of the person
    assert forms.validate(new_restaurant.form, {k: f.value for k, f in filled.items()}, complete=False) == []


# --- forms: what must be uploaded --------------------------------------------------------------------


def codes(materials: Sequence[Any]) -> list[str]:
    return [m.code for m in materials]


def test_bundle_produced_materials_are_never_asked(new_restaurant: Guide) -> None:
    produced = [m.code for m in new_restaurant.materials if m.exempt == "bundle"]
    assert produced == ["business_license"]
    for commitments in ((), forms.committable(new_restaurant)):
        assert "business_license" not in codes(forms.to_upload(new_restaurant, commitments))
    asked = codes(forms.to_upload(new_restaurant, ()))
    assert asked == [m.code for m in new_restaurant.materials if m.exempt != "bundle"]


def test_committed_items_need_no_material_of_their_own(new_restaurant: Guide) -> None:
    committable = forms.committable(new_restaurant)
    assert {
        "public_gathering_fire_check",
        "drainage_permit",
        "outdoor_signboard_permit",
        "food_business_permit",
    } <= set(committable)
    assert "tobacco_retail_license" not in committable
    asked = codes(forms.to_upload(new_restaurant, ["public_gathering_fire_check", "drainage_permit"]))
    # needed only by the two committed items
    for gone in ("commitment_letter", "premises_floor_plan", "fire_safety_rules", "drainage_facility_plan"):
        assert gone not in asked
    # also needed by an item not committed
    assert "power_of_attorney" in asked  # business registration and others too
    assert "premises_layout_plan" in asked  # food permit


def test_a_material_one_non_committed_item_needs_is_still_asked(new_restaurant: Guide) -> None:
    lease = next(m for m in new_restaurant.materials if m.code == "lease_contract")
    assert set(lease.items) == {"food_business_permit", "outdoor_signboard_permit", "tobacco_retail_license"}
    asked = codes(forms.to_upload(new_restaurant, forms.committable(new_restaurant)))
    assert "lease_contract" in asked  # tobacco retail cannot be committed
    assert "storefront_photo" in asked
    assert "signboard_design" not in asked and "food_safety_rules" not in asked
    # once every item needing the lease is committed it goes too (to_upload does not second-guess the list)
    everything = [i.code for i in new_restaurant.items]
    assert "lease_contract" not in codes(forms.to_upload(new_restaurant, everything))


def test_to_upload_on_a_hand_made_guide(new_restaurant: Guide) -> None:
    base = new_restaurant.materials[0]
    materials = (
        replace(base, code="m_shared", items=("x", "y"), exempt=None),
        replace(base, code="m_x", items=("x",), exempt=None),
        replace(base, code="m_bundle", items=("y",), exempt="bundle"),
        replace(base, code="m_license", items=("y",), exempt="license"),
    )
    guide = replace(new_restaurant, materials=materials)
    assert codes(forms.to_upload(guide, ())) == ["m_shared", "m_x", "m_license"]
    assert codes(forms.to_upload(guide, ["x"])) == ["m_shared", "m_license"]
    assert codes(forms.to_upload(guide, ["x", "y"])) == []
    assert codes(forms.to_upload(guide, iter(["y"]))) == ["m_shared", "m_x"]


@FAST
@given(st.data())
def test_to_upload_for_any_choice_of_commitments(new_restaurant: Guide, data: st.DataObject) -> None:
    chosen = set(data.draw(st.sets(st.sampled_from(forms.committable(new_restaurant)))))
    asked = forms.to_upload(new_restaurant, chosen)
    for m in new_restaurant.materials:
        expected = m.exempt != "bundle" and any(item not in chosen for item in m.items)
        assert (m in asked) is expected, m.code
    assert codes(asked) == [m.code for m in new_restaurant.materials if m in asked]  # guide order
