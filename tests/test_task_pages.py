"""The department workbench through the plain pages (no JavaScript): the inbox most urgent first with
a claim button per row, standard opinions taken by the server when the opinion box is left empty,
the special procedures, and refusals shown next to their field with nothing changed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from cases_support import accepted, pin, snapshot, task_id
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_case_pages import _as, _csrf

from onething.models import Task, TaskEvent, User
from onething.web.tasks import OPINIONS

FOOD = "food_business_permit"  # 荷塘区市场监管局: ht_market
MONDAY = dt.date(2026, 9, 14)


def _task(db: Session, tid: int) -> Task:
    db.expire_all()
    return db.scalars(select(Task).where(Task.id == tid)).one()


def _claimed(client: TestClient, login: Any) -> int:
    """An accepted restaurant case whose food permit ht_market has claimed from the task page."""
    _, case = accepted(client, login)
    food = task_id(case, FOOD)
    _as(client, "ht_market")
    page = f"/tasks/{food}"
    r = client.post(f"{page}/claim", data={"csrf_token": _csrf(client.get(page).text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?ok=claimed"  # with its 已认领 note
    return food


def _post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    page = path.rsplit("/", 1)[0]
    return client.post(path, data={**data, "csrf_token": _csrf(client.get(page).text)}, follow_redirects=False)


def _tabs(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r"(待认领|办理中)（(\d+)）", page)}


def test_inbox_claims_from_the_list(client: TestClient, db: Session, login: Any) -> None:
    _, case = accepted(client, login)
    food = task_id(case, FOOD)
    _as(client, "ht_market")
    page = client.get("/inbox?state=pending").text
    # Other tests may leave committed tasks in this inbox: the tab's count is the rows it lists.
    pending = re.search(r"待认领（(\d+)）", page)
    assert pending and int(pending[1]) == len(re.findall(r'action="/tasks/\d+/claim"', page)) >= 1
    assert f'action="/tasks/{food}/claim"' in page and '<div class="scroll"' in page
    r = client.post(
        f"/tasks/{food}/claim",
        data={"csrf_token": _csrf(page), "inbox": "pending"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/inbox?state=pending"  # back to the tab
    task = _task(db, food)
    me = db.scalars(select(User).where(User.username == "ht_market")).one()
    assert task.status == "claimed" and task.assignee_id == me.id
    after = client.get("/inbox").text
    assert f'action="/tasks/{food}/claim"' not in after
    assert _tabs(after)["办理中"] == _tabs(page)["办理中"] + 1 and _tabs(after)["待认领"] == _tabs(page)["待认领"] - 1
    page = after

    # Claimed meanwhile: the refusal is shown on the list, and nothing changes.
    before = snapshot(db)
    r = client.post(f"/tasks/{food}/claim", data={"csrf_token": _csrf(page), "inbox": ""})
    assert r.status_code == 409 and "部门待办" in r.text and 'class="error" role="alert"' in r.text
    assert snapshot(db) == before


def test_inbox_puts_the_most_urgent_first(
    client: TestClient, db: Session, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, MONDAY)
    first = task_id(accepted(client, login)[1], FOOD)
    second = task_id(accepted(client, login)[1], FOOD)
    # The older task is due tomorrow; the newer one was due last Friday.
    older, newer = _task(db, first), _task(db, second)
    older.deadline, newer.deadline = MONDAY + dt.timedelta(days=1), MONDAY - dt.timedelta(days=3)
    db.flush()
    _as(client, "ht_market")
    page = client.get("/inbox").text
    rows = re.findall(r'<tr( class="\w+")?>\s*<td><a href="/tasks/(\d+)">', page)
    assert [(cls, int(tid)) for cls, tid in rows[:2]] == [(' class="late"', second), (' class="near"', first)]
    assert '<span class="clock red">-1</span> <small>已超期</small>' in page
    assert '<span class="clock yellow">1</span> <small>临近时限</small>' in page


def test_the_most_urgent_are_chosen_in_sql_not_only_sorted_on_the_page(
    client: TestClient, db: Session, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for one task only, the one due soonest is shown, though it is the newest."""
    from onething.cases import views
    from onething.identity import auth

    pin(monkeypatch, MONDAY)
    first = task_id(accepted(client, login)[1], FOOD)
    second = task_id(accepted(client, login)[1], FOOD)
    older, newer = _task(db, first), _task(db, second)
    older.deadline, newer.deadline = MONDAY + dt.timedelta(days=5), MONDAY - dt.timedelta(days=3)
    db.flush()
    me = db.scalars(select(User).where(User.username == "ht_market")).one()
    principal = auth.principal_for(db, me.id, "test")
    assert principal is not None
    shown = views.inbox(db, principal, "pending", None, 1, urgent=True)
    assert [t.id for t in shown.items] == [second] and shown.next is not None
    by_id = views.inbox(db, principal, "pending", None, 1)
    assert [t.id for t in by_id.items] != [second]  # paging by id alone would have hidden it


def test_task_page_shows_the_shared_data_and_the_parallel_tasks(client: TestClient, login: Any) -> None:
    food = _claimed(client, login)
    page = client.get(f"/tasks/{food}").text
    assert "来源：法人基础信息库" in page and "株洲市荷塘区敏记餐饮有限公司" in page
    parallel = page.split('id="parallel"', 1)[1].split("</section>", 1)[0]
    assert "公众聚集场所投入使用、营业前消防安全检查" in parallel and "待认领" in parallel
    assert '<label for="approve_template">' in page and '<label for="approve_opinion">' in page
    assert '<script src="/static/opinions.js" defer></script>' in page
    assert OPINIONS["approve"]["approval"]["complete"] in page
    assert client.get("/static/opinions.js").status_code == 200


def test_a_standard_opinion_is_used_when_the_box_is_empty(client: TestClient, db: Session, login: Any) -> None:
    food = _claimed(client, login)
    before = snapshot(db)
    # 准予 issues a permit: the first post only says so, on a page that posts the same again.
    r = _post(client, f"/tasks/{food}/approve", {"template": "complete", "opinion": ""})
    assert r.status_code == 200 and "确认准予" in r.text
    assert "将签发《食品经营许可证》电子证照并推送至申请人证照夹" in r.text
    assert OPINIONS["approve"]["approval"]["complete"] in r.text  # the opinion it will carry
    assert 'name="confirmed" value="1"' in r.text and 'name="template" value="complete"' in r.text
    assert snapshot(db) == before and _task(db, food).status == "claimed"
    r = _post(client, f"/tasks/{food}/approve", {"template": "complete", "opinion": "", "confirmed": "1"})
    assert r.status_code == 303
    task = _task(db, food)
    assert task.status == "approved" and task.opinion == "经审查，申请材料齐全，符合法定形式，准予许可。"
    assert OPINIONS["approve"]["approval"]["complete"] == task.opinion


def test_typed_opinion_wins_over_the_template(client: TestClient, db: Session, login: Any) -> None:
    food = _claimed(client, login)
    refusal = {"template": "premises", "opinion": "经现场核查，后厨面积不足，不予许可。"}
    r = _post(client, f"/tasks/{food}/reject", refusal)
    assert r.status_code == 200 and "不予许可「食品经营许可」" in r.text and "决定作出后不能撤回" in r.text
    assert _task(db, food).status == "claimed"
    r = _post(client, f"/tasks/{food}/reject", {**refusal, "confirmed": "1"})
    assert r.status_code == 303
    assert _task(db, food).opinion == "经现场核查，后厨面积不足，不予许可。"


def test_unknown_template_is_refused_next_to_the_field(client: TestClient, db: Session, login: Any) -> None:
    food = _claimed(client, login)
    before = snapshot(db)
    r = _post(client, f"/tasks/{food}/approve", {"template": "no_such_opinion", "opinion": ""})
    assert r.status_code == 422
    assert re.search(r'</select>\s*<small class="error" role="alert">请从列表中选择审批意见范本</small>', r.text)
    # A refusal without a reason, template or text: next to the reason box.
    r = _post(client, f"/tasks/{food}/reject", {"template": "", "opinion": " "})
    assert r.status_code == 422
    assert re.search(
        r'id="reject_opinion"[^>]*>[^<]*</textarea>\s*<small class="hint">[^<]*</small>\s*'
        r'<small class="error" role="alert">请填写不予办理的理由',
        r.text,
    )
    # 准予 states its reasons too: no empty opinion, confirmed or not.
    for confirmed in ("", "1"):
        r = _post(client, f"/tasks/{food}/approve", {"template": "", "opinion": "", "confirmed": confirmed})
        assert r.status_code == 422 and "请填写审批意见，或选择意见范本" in r.text
    assert snapshot(db) == before
    assert _task(db, food).status == "claimed"


def test_special_procedure_starts_and_ends_on_the_page(client: TestClient, db: Session, login: Any) -> None:
    food = _claimed(client, login)
    before = snapshot(db)
    r = _post(client, f"/tasks/{food}/suspend", {"kind": "sightseeing", "reason": "无"})
    assert r.status_code == 422 and re.search(
        r'</select>\s*<small class="error" role="alert">请选择特别程序的类型', r.text
    )
    assert snapshot(db) == before

    r = _post(client, f"/tasks/{food}/suspend", {"kind": "expert_review", "reason": "组织食品安全专家评审"})
    assert r.status_code == 303
    task = _task(db, food)
    assert task.status == "suspended" and task.suspension is not None
    assert task.suspension["kind"] == "expert_review" and task.clock_stopped_on is not None
    page = client.get(f"/tasks/{food}").text
    assert "特别程序进行中：专家评审" in page and "组织食品安全专家评审" in page
    assert f'action="/tasks/{food}/resume"' in page and '<label for="resume_comment">' in page

    r = _post(client, f"/tasks/{food}/resume", {"comment": "专家评审通过"})
    assert r.status_code == 303
    task = _task(db, food)
    assert task.status == "claimed" and task.suspension is None and task.clock_stopped_on is None
    last = db.scalars(select(TaskEvent).where(TaskEvent.task_id == food).order_by(TaskEvent.id.desc())).first()
    assert last is not None and (last.action, last.comment) == ("resume", "专家评审通过")


def test_another_department_cannot_see_the_task(client: TestClient, db: Session, login: Any) -> None:
    _, case = accepted(client, login)
    food = task_id(case, FOOD)
    _as(client, "ht_fire")
    assert client.get(f"/tasks/{food}", headers={"accept": "text/html"}).status_code == 404
    assert f"/tasks/{food}" not in client.get("/inbox").text
    before = snapshot(db)
    token = _csrf(client.get("/inbox").text)
    r = client.post(f"/tasks/{food}/claim", data={"csrf_token": token}, headers={"accept": "text/html"})
    assert r.status_code == 404
    assert snapshot(db) == before


def test_a_template_code_reads_the_text_for_the_task_s_own_kind() -> None:
    """The same code names different texts for an approval and for a 告知承诺 check."""
    from starlette.datastructures import FormData

    from onething.web.tasks import OPINIONS, _chosen_opinion

    shared = set(OPINIONS["reject"]["approval"]) & set(OPINIONS["reject"]["verification"])
    assert shared, "the case this test guards needs a code used by both kinds"
    code = sorted(shared)[0]
    form = FormData([("template", code)])
    assert _chosen_opinion(form, "reject", lambda: "verification") == OPINIONS["reject"]["verification"][code]
    assert _chosen_opinion(form, "reject", lambda: "approval") == OPINIONS["reject"]["approval"][code]
    typed = FormData([("template", code), ("opinion", "经核查，承诺内容与实际不符。")])
    assert _chosen_opinion(typed, "reject", lambda: "verification") == "经核查，承诺内容与实际不符。"
