"""The Done-when journey through the plain pages: the applicant rates a concluded case badly, the
serving org calls back and classifies it as unfounded, the supervisor rejects the appeal, the org
rectifies and answers, the applicant re-rates; the deadlines are working days; the supervisor's
dashboard, warnings, statistics and exports show it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from cases_support import AGENT, pin
from evaluations_support import concluded, run_job, snapshot
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from test_case_pages import _as, _csrf


def _post(client: TestClient, page: str, path: str, data: dict[str, Any], status: int = 200) -> str:
    token = _csrf(client.get(page).text)
    r = client.post(path, data={**data, "csrf_token": token}, follow_redirects=True)
    assert r.status_code == status, r.text[:3000]
    return r.text


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_bad_review_loop_through_the_pages(
    client: TestClient, login: Any, db: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2026, 11, 20)  # Friday
    pin(monkeypatch, day)
    number = concluded(client, login)

    _as(client, AGENT)
    case_page = client.get(f"/cases/{number}").text
    assert f"/cases/{number}/evaluation" in case_page
    page = f"/cases/{number}/evaluation"
    form = client.get(page).text
    assert "办事效率" in form and "平台易用性" in form and "提交评价" in form
    # A bad review without a reason is refused on the page, next to the form, and nothing is saved.
    scores = {"score_efficiency": "1", "score_guide": "2", "score_convenience": "2", "score_usability": "3"}
    bare = {"level": "1", "occasion": "case", "service_kind": "online", **scores}
    client.get(page)  # (the page enrols the occasion on a plain visit)
    before = snapshot(db)
    refused = _post(client, page, page, bare, status=422)
    assert snapshot(db) == before
    assert "差评请选择原因或写明意见" in refused and "提交评价" in refused
    done = _post(
        client,
        page,
        page,
        {
            "level": "2",
            "occasion": "case",
            "service_kind": "online",
            **scores,
            "tags": "多次跑动",
            "comment": "材料要交两次",
        },
    )
    assert "您的评价" in done and "不满意" in done and "待回访核实" in done
    evaluation = re.search(r'href="/evaluations/(\d+)"', done)
    assert evaluation
    detail = f"/evaluations/{evaluation.group(1)}"

    _as(client, "ht_clerk")
    inbox = _text(client.get("/rectifications").text)
    assert number in inbox and "2026-11-23" in inbox  # the call-back is due the next working day
    _post(
        client, detail, f"/rectifications/{_rid(client, detail)}/callback", {"contacted": "yes", "note": "已电话回访"}
    )
    text = _text(
        _post(
            client,
            detail,
            f"/rectifications/{_rid(client, detail)}/classify",
            {"classification": "unfounded", "note": "材料系申请人重复上传"},
        )
    )
    assert "申诉审核中" in text

    _as(client, "ht_supervisor")
    appeals = _text(client.get("/rectifications?status=appealing").text)
    assert number in appeals
    text = _text(
        _post(
            client,
            detail,
            f"/rectifications/{_rid(client, detail)}/appeal",
            {"decision": "rejected", "opinion": "窗口未告知可免提交"},
        )
    )
    assert "申诉不成立" in text and "整改中" in text

    _as(client, "ht_clerk")
    _post(client, detail, f"/rectifications/{_rid(client, detail)}/rectify", {"measures": "开启电子证照免提交提示"})
    text = _text(
        _post(client, detail, f"/rectifications/{_rid(client, detail)}/answer", {"answer": "已整改，今后免提交"})
    )
    assert "已反馈，待追评" in text

    _as(client, AGENT)
    mine = _text(client.get(detail).text)
    assert "已整改，今后免提交" in mine and "提交追评" in mine
    text = _text(_post(client, detail, f"{detail}/rerate", {"level": "4", "comment": "改进了"}))
    assert "追评 满意" in text and "已办结" in text
    assert "提交追评" not in text

    # The supervisor's pages show the figures for it.
    run_job(connection, day)
    _as(client, "ht_supervisor")
    dashboard = client.get("/supervision?region=430202&from=2026-11-01&to=2026-11-30")
    assert dashboard.status_code == 200
    assert dashboard.text.count("<svg") >= 5 and "按期办结率" in dashboard.text and "开办餐饮店" in dashboard.text
    stats = client.get("/supervision/stats?region=430202&by=thing&from=2026-11-01&to=2026-11-30").text
    assert "实际评价率" in stats and "评价数 ÷ 服务量" in stats and "开办餐饮店" in stats
    csv = client.get("/supervision/stats/export?format=csv&region=430202&by=thing&from=2026-11-01&to=2026-11-30")
    assert csv.status_code == 200 and "开办餐饮店" in csv.content.decode("utf-8-sig")
    assert client.get("/supervision/warnings").status_code == 200


def _rid(client: TestClient, detail: str) -> str:
    found = re.search(r'action="/rectifications/(\d+)/', client.get(detail).text)
    assert found, "no step form on the page"
    return found.group(1)


def test_out_of_scope_pages_refuse(client: TestClient) -> None:
    _as(client, "ht_clerk")
    assert client.get("/supervision").status_code == 403
    _as(client, "ht_supervisor")
    r = client.get("/supervision?region=430100")  # 长沙: not this county supervisor's
    assert r.status_code == 403 and "不在您的监察范围" in r.text
    assert client.get("/supervision?from=yesterday").status_code == 422
