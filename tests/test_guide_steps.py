"""智能导办 step by step, as a browser without JavaScript walks it: one GET form per question."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

HTML = {"accept": "text/html"}


def _step(client: TestClient, path: str, choose: str | None) -> str:
    """Submit the page's step form as a browser would: its hidden inputs plus one chosen option."""
    page = client.get(path, headers=HTML)
    assert page.status_code == 200
    form = re.search(r'<form method="get" action="(/things/[a-z_]+)"[^>]*>(.*?)</form>', page.text, re.S)
    assert form is not None, page.text[:3000]
    pairs = [
        (unescape(n), unescape(v)) for n, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form[2])
    ]
    if choose:
        question = re.search(r'<input type="(?:radio|checkbox)" id="[^"]+" name="([^"]+)"', form[2])
        assert question is not None
        pairs.append((question[1], choose))
    r = client.get(form[1], params=pairs, headers=HTML)
    assert r.status_code == 200
    return r.url.raw_path.decode()


def test_newborn_questions_one_at_a_time_then_the_guide(client: TestClient) -> None:
    path = "/things/newborn_birth"
    first = client.get(path, headers=HTML).text
    assert "第 1 步（共 5 步）" in first and "宝宝是在哪里出生的？" in first
    for choice in ("elsewhere", "yes", "no", "no"):
        path = _step(client, path, choice)
    page = client.get(path, headers=HTML).text
    assert "第 5 步" in page and "妈妈所在单位" in page
    # Earlier answers are listed with a way back to each.
    assert "在省外出生，已经拿到出生医学证明" in page and page.count(">修改</a>") == 4
    path = _step(client, path, "yes")
    done = client.get(path, headers=HTML).text
    assert "问题已全部回答" in done and 'action="/things/newborn_birth/guide"' in done
    guide_query = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', done))
    assert guide_query == {
        "birth_place": "elsewhere",
        "has_vaccination_card": "yes",
        "join_medical": "no",
        "need_ssc": "no",
        "maternity_insured": "yes",
    }
    guide = client.get("/things/newborn_birth/guide", params=guide_query, headers=HTML).text
    assert "一次告知书" in guide and "出生登记" in guide and "生育" in guide


def test_a_required_question_left_blank_is_asked_again_with_the_error_beside_it(client: TestClient) -> None:
    path = _step(client, "/things/newborn_birth", None)
    page = client.get(path, headers=HTML).text
    assert "第 1 步" in page and "宝宝是在哪里出生的？" in page
    error = re.search(r'<small class="error" role="alert" id="q-error"[^>]*>([^<]+)</small>', page)
    assert error is not None and "请选择" in error[1]
    assert 'aria-describedby="q-error"' in page


def test_changing_an_answer_goes_back_to_that_question(client: TestClient) -> None:
    path = "/things/newborn_birth"
    for choice in ("elsewhere", "yes"):
        path = _step(client, path, choice)
    page = client.get(path, headers=HTML).text
    links = re.findall(r'href="(/things/newborn_birth\?[^"]*)" aria-label="修改：([^"]+)"', page)
    assert [text for _, text in links] == ["宝宝是在哪里出生的？", "出生医院是否已经给宝宝办了预防接种证？"]
    back = client.get(unescape(links[1][0]), headers=HTML).text
    assert "第 2 步" in back and "出生医院是否已经给宝宝办了预防接种证？" in back
    assert "在省外出生，已经拿到出生医学证明" in back
