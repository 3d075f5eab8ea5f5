"""Issue 17, what outside testers found on the supervisor's dashboard, error pages, the home page's
tiles and the rating link: each test fails on the code as it was before the fix.

- the dashboard's headline figures are numbers with a small label and a unit, regions are chosen by
  name (codes stay in the address), and a chart with nothing to draw says so instead of flat bars;
- a signed-in person's 404 and 403 pages keep their header (the API keeps its JSON);
- the 建房 tile opens rural self-built housing, not everything of 置业;
- 评价本次服务 is offered only while an occasion is open for this person and case, and the rating
  page says why not otherwise;
- working days in plain words (即办, 第 1 个工作日).
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from cases_support import AGENT, accepted, ok, pin
from evaluations_support import GOOD_ONLINE, concluded, run_job
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from test_case_pages import _as

from onething.evaluations import service as evaluations
from onething.identity import auth
from onething.identity import repository as identity_repo
from onething.identity.principal import Principal

HTML = {"accept": "text/html,application/xhtml+xml"}
DAY = dt.date(2026, 11, 20)  # a Friday


def _text(html: str) -> str:
    """What a person reads: the page without its tags (attributes and addresses gone)."""
    body = html[html.find("<main") : html.find("</main>")]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def _principal(db: Session, login: str) -> Principal:
    db.expire_all()
    user = identity_repo.user_by_login(db, auth.normalise_login(login))
    assert user is not None
    found = auth.principal_for(db, user.id, "127.0.0.1")
    assert found is not None
    return found


# -- the supervisor's dashboard ----------------------------------------------------------------------


def _figures(html: str) -> dict[str, tuple[str, str]]:
    """label -> (number, unit) of each headline figure."""
    found = re.findall(
        r'<dt class="figure-label">([^<]+)</dt>\s*<dd class="figure-value">(?:<a [^>]+>)?'
        r'<span class="figure-number">([^<]+)</span>(?:<span class="figure-unit">([^<]*)</span>)?',
        html,
    )
    return {label: (number, unit) for label, number, unit in found}


def test_headline_figures_are_big_numbers_with_small_labels_and_units(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    _as(client, "ht_supervisor")
    page = client.get("/supervision?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    figures = _figures(page.text)
    assert figures["在办办件"] == ("0", "件")
    assert figures["红牌预警"] == ("0", "张") and figures["黄牌预警"] == ("0", "张")
    assert figures["差评整改积压"] == ("0", "件")
    # A rate with nothing to divide by is a dash, without a unit, and says why.
    assert figures["按期办结率"] == ("—", "") and figures["好评率"] == ("—", "")
    text = _text(page.text)
    assert "本期暂无办结办件" in text and "本期暂无评价" in text
    assert "—%" not in text
    # The labels are not headings any more (they were <h2>, larger than the numbers).
    assert "<h2>在办办件</h2>" not in page.text
    css = client.get("/static/site.css").text
    block = css[css.index("/* -- supervision figures -- */") :]
    label = re.search(r"\.figure \.figure-label \{[^}]*font-size: ([.\d]+)rem", block)
    number = re.search(r"\.figure-number \{[^}]*font-size: ([.\d]+)rem", block)
    assert label and number and float(number.group(1)) > 2 * float(label.group(1))


@pytest.mark.parametrize("path", ["/supervision", "/supervision/stats"])
def test_regions_are_chosen_by_name_and_their_codes_stay_in_the_address(client: TestClient, path: str) -> None:
    _as(client, "cs_supervisor")  # 长沙市: the city, its counties and the townships the catalog knows
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    assert 'name="region"' in page.text and "区划代码" not in page.text
    select = re.search(r'<select id="region" name="region">(.*?)</select>', page.text, flags=re.S)
    assert select, "no list of regions to choose from"
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select.group(1)))
    assert options["430100"] == "长沙市"
    assert options["430102"].strip("\u3000") == "芙蓉区" and options["430102"] != "芙蓉区"  # indented below 长沙市
    assert options["430102001"].strip("\u3000") == "文艺路街道"
    assert "430200" not in options  # 株洲 is not this supervisor's
    assert re.search(r'<option value="430100" selected>', select.group(1))
    assert not re.search(r"43\d{4}", _text(page.text)), "a region code is shown to people"
    # Choosing a region by name still puts its code in the address.
    chosen = client.get(f"{path}?region=430102")
    assert chosen.status_code == 200 and re.search(r'<option value="430102" selected>', chosen.text)
    assert "芙蓉区" in _text(chosen.text).split("区划")[0]  # the heading names it


def test_export_names_the_region_without_its_code(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, DAY)
    _as(client, "ht_supervisor")
    csv = client.get("/supervision/stats/export?format=csv&region=430202&from=2026-11-01&to=2026-11-30")
    text = csv.content.decode("utf-8-sig")
    assert "范围：荷塘区，2026-11-01 至 2026-11-30" in text and "430202" not in text


def test_an_empty_period_says_so_instead_of_drawing_bars(client: TestClient) -> None:
    _as(client, "ht_supervisor")
    page = client.get("/supervision?from=2001-01-01&to=2001-03-31")  # long before any data
    assert page.status_code == 200
    said = re.findall(r'<text [^>]*class="chart-empty">([^<]+)</text>', page.text)
    assert said.count("本期暂无数据") == 5 and "目前没有在办办件" in said
    assert 'class="bar"' not in page.text and 'class="series"' not in page.text


def test_zero_only_figures_are_words_not_flat_bars(
    client: TestClient, login: Any, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case accepted and concluded the same day: 0 working days used everywhere, and its occasion
    not rated yet (0 %). Before, each chart drew its bars flat on the axis."""
    pin(monkeypatch, DAY)
    concluded(client, login)
    run_job(connection, DAY)  # enrols the occasion and fills the rollup
    _as(client, "ht_supervisor")
    page = client.get("/supervision?region=430202&from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert not re.search(r'<rect class="bar"[^>]* height="0"', page.text), "a flat bar is drawn"
    said = re.findall(r'<text [^>]*class="chart-empty">([^<]+)</text>', page.text)
    assert "期内办结的办件均在受理当日办结（即办），见下表" in said
    assert "期内各部门均在收到子件当日办结（即办），见下表" in said
    assert "期内的服务均未获评价（实际评价率 0%）" in said
    assert "目前没有在办办件" in said
    text = _text(page.text)
    # The tables say the same in words: same-day work, and a promise of 0 working days is 即办.
    assert "当日办结" in text and "即办" in text
    assert not re.search(r"(?<![\d.])0(\.0)? 个工作日", text)


# -- error pages ---------------------------------------------------------------------------------------


def test_a_signed_in_persons_error_pages_keep_their_header(client: TestClient) -> None:
    _as(client, AGENT)
    for path, status in (("/no-such-page", 404), ("/cases/no/such/page", 404), ("/supervision", 403)):
        page = client.get(path, headers=HTML)
        assert page.status_code == status, path
        header = page.text[page.text.find("<header") : page.text.find("</header>")]
        assert "王磊" in header and "退出" in header and "我的办件" in header, path
        assert 'href="/login"' not in header, path
        assert page.headers["cache-control"] == "private, no-store"  # a personal page
    # The API keeps its JSON, whoever asks and however.
    for headers in (HTML, {"accept": "application/json"}):
        r = client.get("/api/v1/no-such-thing", headers=headers)
        assert r.status_code == 404
        assert r.json() == {"error": {"code": "not_found", "message": "找不到该地址", "field": None}}
    # Signed out: the signed-out header.
    client.cookies.clear()
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and 'href="/login"' in page.text and "退出" not in page.text


# -- the home page's tiles ---------------------------------------------------------------------------------


def test_the_building_tile_opens_rural_house_building(client: TestClient) -> None:
    home = client.get("/").text
    tile = re.search(r'<a href="([^"]+)">建房<small>', home)
    assert tile, "no 建房 tile"
    page = client.get(unescape(tile.group(1)))
    assert page.status_code == 200
    text = _text(page.text)
    assert "农村村民建房" in text
    assert "买房落户" not in text and "二手房" not in text
    assert "建房（1 项）" in text
    # The stage's other things are one link away.
    stage = client.get("/?audience=individual&stage=置业").text
    assert "买房落户" in stage and "农村村民建房" in stage
    # Other tiles still open their whole stage.
    birth = re.search(r'<a href="([^"]+)">出生<small>', home)
    assert birth and "event=" not in birth.group(1)


# -- 评价本次服务 ---------------------------------------------------------------------------------------------


def test_rating_is_offered_only_while_an_occasion_is_open(
    client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    agent = _principal(db, AGENT)
    running, _ = accepted(client, login)  # accepted, not concluded
    assert evaluations.rateable(db, agent, running) is False
    _as(client, AGENT)
    page = client.get(f"/cases/{running}/evaluation")
    assert page.status_code == 200
    assert "办结后可评价" in _text(page.text) and "提交评价" not in page.text
    assert f'href="/cases/{running}"' in page.text  # a way back, not a dead end

    number = concluded(client, login)
    assert evaluations.rateable(db, agent, number) is True
    assert evaluations.rateable(db, _principal(db, "ht_clerk"), number) is False  # not the applicant
    assert evaluations.rateable(db, Principal(), number) is False  # signed out
    assert evaluations.rateable(db, _principal(db, "430202197809210244"), number) is False  # 赵敏 cannot read it
    assert "提交评价" in client.get(f"/cases/{number}/evaluation").text

    # Past the rating window, before the job has marked the occasion: no form that could only be refused.
    pin(monkeypatch, DAY + dt.timedelta(days=40))
    _as(client, AGENT)  # (the session of 40 days ago has expired)
    db.expire_all()
    assert evaluations.rateable(db, agent, number) is False
    late = client.get(f"/cases/{number}/evaluation")
    assert "提交评价" not in late.text and "评价期已于" in _text(late.text) and "结束" in _text(late.text)

    # Rated: nothing more to rate, and the page shows the rating.
    pin(monkeypatch, DAY + dt.timedelta(days=1))
    _as(client, AGENT)
    body = {"level": 5, "scores": GOOD_ONLINE, "tags": [], "comment": "很好"}
    ok(client.post(f"/api/v1/cases/{number}/evaluation", json=body, headers=login(AGENT)), 201)
    db.expire_all()
    assert evaluations.rateable(db, agent, number) is False
    rated = _text(client.get(f"/cases/{number}/evaluation").text)
    assert "您的评价" in rated and "都已评价" in rated and "提交评价" not in rated


def test_the_clerk_reads_why_the_applicant_rates(
    client: TestClient, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, DAY)
    number = concluded(client, login)
    _as(client, "ht_clerk")
    page = client.get(f"/cases/{number}/evaluation")
    assert page.status_code == 200
    text = _text(page.text)
    assert "待申请人评价" in text and "只有本办件的申请人可以评价" in text and "提交评价" not in page.text


# -- working days in words -----------------------------------------------------------------------------------


def test_working_days_in_plain_words() -> None:
    from onething.web.render import workday_span, workdays  # the Jinja filters of the same names

    assert workdays(0) == "即办" and workdays(0.0) == "即办" and workdays(0, "当日办结") == "当日办结"
    assert workdays(1) == "1 个工作日" and workdays(2.5) == "2.5 个工作日" and workdays(10.0) == "10 个工作日"
    assert workdays(None) == "—"
    assert workday_span(0, 1) == "第 1 个工作日"
    assert workday_span(0, 3) == "第 1–3 个工作日"
    assert workday_span(2, 3) == "第 3 个工作日"
    assert workday_span(0, 0) == "受理当天" and workday_span(2, 2) == "第 2 个工作日当天"
