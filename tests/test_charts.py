"""SVG charts: well-formed markup, geometry proportional to the data, accessible text, edge cases."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from onething.kit.charts import (
    BLUE,
    PALETTE,
    RED,
    bar_chart,
    hbar_chart,
    line_chart,
    nice_ticks,
    stacked_bar,
)

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def of_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if e.get("class") == cls]


def texts(root: ET.Element) -> list[str]:
    """The visible text of every <text> element (its own text, without a hover <title>)."""
    return ["".join(e.itertext()).removeprefix(e.findtext(f"{NS}title") or "") for e in root.iter(f"{NS}text")]


def title_and_desc(root: ET.Element) -> tuple[str, str]:
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return title.text or "", desc.text or ""


# --- nice_ticks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 7, [0, 2, 4, 6, 8]),
        (0, 8, [0, 2, 4, 6, 8]),
        (0, 100, [0, 20, 40, 60, 80, 100]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (0, 0.35, [0, 0.1, 0.2, 0.3, 0.4]),
        (-3, 7, [-5, 0, 5, 10]),
        (12, 47, [10, 20, 30, 40, 50]),
        (7, 0, [0, 2, 4, 6, 8]),
        (1200, 5300, [0, 2000, 4000, 6000]),  # 4 ticks beat 6 (1000..6000) on a tie
    ],
)
def test_nice_ticks(lo: float, hi: float, expected: list[float]) -> None:
    assert nice_ticks(lo, hi) == expected


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    for lo, hi in [(0.0, 3.3), (-17.0, 4.0), (0.001, 0.0093), (5.0, 5.0), (-2.0, -1.0), (0.0, 123456.0)]:
        ticks = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi
        assert 3 <= len(ticks) <= 7
        steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1
        mantissa = f"{steps.pop():e}".split("e")[0]
        assert float(mantissa) in (1.0, 2.0, 5.0)


def test_nice_ticks_rejects_non_finite_bounds() -> None:
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0, float("inf"))


# --- bar chart ----------------------------------------------------------------------------------


def test_bar_chart_draws_one_bar_per_value_with_proportional_heights() -> None:
    root = parse(bar_chart("平均办理时长", ["市场监管局", "人社局", "公安局"], [2, 4, 8], unit="天"))
    bars = of_class(root, "rect", "bar")
    assert len(bars) == len(list(root.iter(f"{NS}rect"))) == 3
    heights = [float(b.get("height", "nan")) for b in bars]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    # Bars stand on the same baseline.
    bottoms = {round(float(b.get("y", "0")) + float(b.get("height", "0")), 1) for b in bars}
    assert len(bottoms) == 1
    assert {b.get("fill") for b in bars} == {BLUE}
    shown = texts(root)
    assert {"2天", "4天", "8天", "人社局"} <= set(shown)
    assert [b.findtext(f"{NS}title") for b in bars] == ["市场监管局：2天", "人社局：4天", "公安局：8天"]


def test_bar_chart_title_desc_and_root_attributes() -> None:
    svg = bar_chart("平均办理时长", ["市场监管局", "人社局"], [2.5, 4], unit="天")
    root = parse(svg)
    title, desc = title_and_desc(root)
    assert title == "平均办理时长"
    assert "柱状图" in desc and "市场监管局 2.5天" in desc and "人社局 4天" in desc
    assert root.get("role") == "img"
    assert root.get("class") == "chart"
    assert root.get("font-family") == "inherit"
    assert root.get("viewBox") == "0 0 640 260"
    assert root.get("width") is None  # scales with its container


def test_long_labels_are_cut_but_kept_whole_in_the_tooltip() -> None:
    root = parse(bar_chart("t", ["不动产登记中心窗口", "人社局"], [1, 2]))
    shown = texts(root)
    assert "不动产登记…" in shown and "不动产登记中心窗口" not in shown
    bar = of_class(root, "rect", "bar")[0]
    assert bar.findtext(f"{NS}title") == "不动产登记中心窗口：1"
    label = next(e for e in of_class(root, "text", "label") if e.findtext(f"{NS}title"))
    assert label.findtext(f"{NS}title") == "不动产登记中心窗口"


def test_markup_in_labels_and_title_is_escaped() -> None:
    svg = bar_chart('A<&>"B', ["<script>", "a&b"], [1, 2], unit="<u>")
    assert "<script>" not in svg
    root = parse(svg)
    assert title_and_desc(root)[0] == 'A<&>"B'
    assert "a&b" in texts(root)
    assert of_class(root, "rect", "bar")[0].findtext(f"{NS}title") == "<script>：1<u>"


def test_reference_line_only_when_asked() -> None:
    without = parse(bar_chart("t", ["a", "b"], [3, 5]))
    assert of_class(without, "line", "reference") == []
    with_ref = parse(bar_chart("t", ["a", "b"], [3, 5], unit="天", reference=10, reference_label="承诺时限"))
    (line,) = of_class(with_ref, "line", "reference")
    assert line.get("stroke-dasharray") and line.get("stroke") == RED
    assert line.get("y1") == line.get("y2")
    assert "承诺时限 10天" in texts(with_ref)
    assert "参考线：承诺时限 10天" in title_and_desc(with_ref)[1]
    # The axis reaches the reference even above every bar, and the line sits above the tallest bar.
    tallest = min(float(b.get("y", "0")) for b in of_class(with_ref, "rect", "bar"))
    assert float(line.get("y1", "0")) < tallest


def test_empty_data_says_so() -> None:
    for svg in (
        bar_chart("办件量", [], []),
        hbar_chart("办件量", [], []),
        line_chart("办件量", [], {}),
        line_chart("办件量", ["1月", "2月"], {"申请": [None, None]}),
        stacked_bar("办件量", [], {}),
        stacked_bar("办件量", ["a"], {}),
    ):
        root = parse(svg)
        assert "暂无数据" in texts(root)
        assert title_and_desc(root) == ("办件量", "办件量：暂无数据。")
        assert list(root.iter(f"{NS}rect")) == []


def test_negative_values_are_clamped_but_labelled() -> None:
    root = parse(bar_chart("t", ["a", "b"], [-3, 6]))
    bars = of_class(root, "rect", "bar")
    assert float(bars[0].get("height", "nan")) == 0
    assert float(bars[1].get("height", "nan")) > 0
    assert "-3" in texts(root)


def test_all_zero_or_missing_values_say_so_instead_of_flat_bars() -> None:
    """A period with nothing in it is words, not a row of bars sitting flat on the axis."""
    for svg in (
        bar_chart("实际评价率", ["a", "b"], [0, 0], empty="本期暂无数据"),
        bar_chart("实际评价率", ["a", "b"], [None, 0], empty="本期暂无数据"),
        bar_chart("实际评价率", ["a"], [0], reference=10, empty="本期暂无数据"),
        hbar_chart("实际评价率", ["a", "b"], [0, 0], empty="本期暂无数据"),
        stacked_bar("实际评价率", ["a"], {"x": [0], "y": [0]}, empty="本期暂无数据"),
        line_chart("实际评价率", ["1月", "2月"], {"申请": [None, None]}, empty="本期暂无数据"),
    ):
        root = parse(svg)
        assert "本期暂无数据" in texts(root)
        assert title_and_desc(root) == ("实际评价率", "实际评价率：本期暂无数据。")
        assert list(root.iter(f"{NS}rect")) == []
    # One value above zero is something to show: the zero beside it is drawn (and labelled) too.
    root = parse(bar_chart("t", ["a", "b"], [0, 2]))
    assert [float(h.get("height", "nan")) == 0 for h in of_class(root, "rect", "bar")] == [True, False]
    # A line at zero is a value, and visible.
    assert of_class(parse(line_chart("t", ["1月", "2月"], {"申请": [0, 0]})), "polyline", "series")


def test_ids_are_unique_across_charts() -> None:
    first, second = bar_chart("t", ["a"], [1]), bar_chart("t", ["a"], [1])
    ids = re.findall(r'id="([^"]+)"', first + second)
    assert len(ids) == 4 and len(set(ids)) == 4


# --- horizontal bars ----------------------------------------------------------------------------


def test_hbar_chart_highlights_bars_over_the_limit() -> None:
    root = parse(
        hbar_chart("最慢的部门", ["不动产登记中心", "人社局", "公安局"], [15, 9, 3], unit="天", highlight_over=8)
    )
    bars = of_class(root, "rect", "bar")
    assert [b.get("fill") for b in bars] == [RED, RED, BLUE]
    widths = [float(b.get("width", "nan")) for b in bars]
    assert widths[0] == pytest.approx(5 * widths[2], abs=0.2)
    assert {"不动产登记中心", "15天", "3天"} <= set(texts(root))
    assert len(of_class(root, "line", "reference")) == 1
    assert "超过8天的有2项：不动产登记中心，人社局" in title_and_desc(root)[1]


def test_hbar_chart_without_limit_is_all_blue_and_grows_with_the_rows() -> None:
    short = parse(hbar_chart("t", ["a"], [1]))
    tall = parse(hbar_chart("t", ["a", "b", "c"], [1, 2, 3]))
    assert {b.get("fill") for b in of_class(tall, "rect", "bar")} == {BLUE}
    assert of_class(tall, "line", "reference") == []
    assert float(tall.get("viewBox", "").split()[3]) > float(short.get("viewBox", "").split()[3])


# --- line chart ---------------------------------------------------------------------------------


def test_line_chart_splits_a_series_at_gaps() -> None:
    months = ["1月", "2月", "3月", "4月", "5月", "6月"]
    root = parse(line_chart("月度办件量", months, {"申请": [1, 2, 3, None, 5, 6], "办结": [1, 1, 2, 2, 3, 3]}))
    lines = of_class(root, "polyline", "series")
    by_colour = [[pl for pl in lines if pl.get("stroke") == c] for c in PALETTE[:2]]
    assert [len(group) for group in by_colour] == [2, 1]
    assert [len(pl.get("points", "").split()) for pl in by_colour[0]] == [3, 2]
    markers = of_class(root, "circle", "marker")
    assert len(markers) == 11
    assert markers[3].findtext(f"{NS}title") == "申请 5月：5"
    assert {"申请", "办结"} <= set(texts(root))  # legend
    desc = title_and_desc(root)[1]
    assert "折线图" in desc and "1月至6月" in desc and "申请最高6" in desc


def test_line_chart_heights_follow_the_values() -> None:
    root = parse(line_chart("t", ["a", "b", "c"], {"s": [0, 5, 10]}))
    ys = [float(c.get("cy", "nan")) for c in of_class(root, "circle", "marker")]
    assert ys[0] > ys[1] > ys[2]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.2)


def test_line_chart_thins_out_many_x_labels() -> None:
    labels = [f"第{i}周" for i in range(40)]
    root = parse(line_chart("t", labels, {"s": list(range(40))}))
    shown = of_class(root, "text", "label")
    assert 6 <= len(shown) <= 12
    assert texts(root).count("第0周") == 1


def test_line_chart_respects_fixed_bounds() -> None:
    root = parse(line_chart("满意度", ["一季度", "二季度"], {"满意度": [92, 96]}, unit="%", y_min=80, y_max=100))
    ticks = [float(e.text or "nan") for e in of_class(root, "text", "tick")]
    assert ticks[0] == 80 and ticks[-1] == 100


# --- stacked bars -------------------------------------------------------------------------------


def test_stacked_bar_segments_add_up() -> None:
    stacks = {"待受理": [3, 0], "办理中": [1, 4], "已超期": [4, 0]}
    root = parse(stacked_bar("在办件", ["市场监管局", "人社局"], stacks))
    segments = of_class(root, "rect", "segment")
    assert len(segments) == 4  # zero segments are not drawn
    first = [s for s in segments if (s.findtext(f"{NS}title") or "").startswith("市场监管局")]
    second = [s for s in segments if (s.findtext(f"{NS}title") or "").startswith("人社局")]
    total = [sum(float(s.get("height", "nan")) for s in group) for group in (first, second)]
    assert total[0] == pytest.approx(2 * total[1], abs=0.3)
    # Segments of one bar touch: each one's top is the next one's bottom.
    tops = sorted(float(s.get("y", "nan")) for s in first)
    bottoms = sorted(float(s.get("y", "nan")) + float(s.get("height", "nan")) for s in first)
    assert tops[1:] == pytest.approx(bottoms[:-1], abs=0.2)
    assert {"8", "4"} <= set(texts(root))
    assert len(of_class(root, "rect", "swatch")) == 3
    assert "市场监管局合计8（待受理 3，办理中 1，已超期 4）" in title_and_desc(root)[1]
