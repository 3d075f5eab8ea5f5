"""Server-rendered SVG charts: pure functions that return SVG markup.

No JavaScript and no external assets: the markup is inlined in a page or saved as a file. Every chart
has a ``<title>`` and a ``<desc>`` that sums up its data in words for screen readers, scales with its
container (a ``viewBox`` only, sizes in user units) and inherits the page's font. Ids are unique per
call, so several charts can share one page. Colours have WCAG AA contrast (4.5:1) against white.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

__all__ = [
    "AMBER",
    "BLUE",
    "GREEN",
    "GREY",
    "PALETTE",
    "RED",
    "bar_chart",
    "hbar_chart",
    "line_chart",
    "nice_ticks",
    "stacked_bar",
]

BLUE = "#1f5fa8"
RED = "#b3261e"
AMBER = "#b06000"
GREEN = "#2e7d32"
GREY = "#5f6368"
PALETTE: tuple[str, ...] = (BLUE, AMBER, GREEN, RED, GREY)

_INK = "#202124"  # text
_GRID = "#dadce0"  # grid lines
_FONT = 12  # default font size, user units
_SMALL = 11
_EMPTY = "暂无数据"  # what an empty chart says unless its caller words it (``empty=``)
_LEFT = 44.0  # left edge of the plot: room for the y tick labels
_DESC_ITEMS = 20  # at most this many values are read out in a <desc>
_ids = itertools.count(1)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round ticks covering ``lo..hi``, spaced 1, 2 or 5 times a power of ten.

    The step chosen gives the tick count closest to ``count`` (the fewer ticks on a tie).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("nice_ticks needs finite bounds")
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    count = max(count, 2)
    exponent = math.floor(math.log10((hi - lo) / (count - 1)))
    best: list[float] = []
    for e in (exponent - 1, exponent, exponent + 1):
        for factor in (1, 2, 5):
            step = factor * 10.0**e
            first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
            ticks = [round(i * step, max(0, -e)) + 0.0 for i in range(first, last + 1)]
            if not best or abs(len(ticks) - count) <= abs(len(best) - count):
                best = ticks
    return best


# --- small helpers ------------------------------------------------------------------------------


def _n(v: float) -> str:
    """A coordinate, at most one decimal."""
    text = f"{v:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _fmt(value: float | None, digits: int = 2) -> str:
    """A value for people: up to ``digits`` decimals, no trailing zeros; a dash when missing."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return "0" if text == "-0" else text


def _text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK characters are square, others about 0.6 em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def _short(text: str, limit: int, room: float = math.inf) -> str:
    """At most ``limit`` characters and about ``room`` units wide, cut with "…" (keeps one character)."""
    if len(text) <= limit and _text_width(text, _SMALL) <= room:
        return text
    cut = text[: max(limit - 1, 1)]
    while len(cut) > 1 and _text_width(cut + "…", _SMALL) > room:
        cut = cut[:-1]
    return cut + "…"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "middle",
    size: int = _SMALL,
    fill: str = _INK,
    cls: str = "",
    tooltip: str = "",
) -> str:
    attrs = f' class="{escape(cls)}"' if cls else ""
    hover = f"<title>{escape(tooltip)}</title>" if tooltip and tooltip != content else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{attrs}>'
        f"{hover}{escape(content)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, cls: str, tooltip: str) -> str:
    return (
        f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(max(h, 0.0))}" '
        f'fill="{fill}"><title>{escape(tooltip)}</title></rect>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, extra: str = "") -> str:
    return f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"{extra}/>'


def _chart_id(kind: str, *data: object) -> str:
    digest = hashlib.blake2s(repr((kind, data)).encode(), digest_size=4).hexdigest()
    return f"chart-{digest}-{next(_ids)}"


def _svg(cid: str, title: str, desc: str, width: int, height: float, body: Sequence[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_n(height)}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" class="chart" font-family="inherit" font-size="{_FONT}">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
    )
    heading = _text(8, 18, title, anchor="start", size=14, cls="chart-title")
    return "".join([head, heading, *body, "</svg>"])


def _empty(title: str, width: int, height: float, message: str = _EMPTY) -> str:
    cid, height = _chart_id("empty", title), min(height, 120)
    body = [_text(width / 2, height / 2 + 8, message, size=_FONT, fill=GREY, cls="chart-empty")]
    return _svg(cid, title, f"{title}：{message}。", width, height, body)


def _nothing_to_draw(values: Sequence[float | None]) -> bool:
    """No value, or only zeros: bars would all sit flat on the axis and say nothing."""
    return not any(v for v in values if v is not None)


def _number(values: Sequence[float | None], i: int) -> float | None:
    """The i-th value, or None when it is missing or not finite."""
    v = values[i] if i < len(values) else None
    return v if v is not None and math.isfinite(v) else None


def _listing(items: Sequence[str]) -> str:
    more = f"等共{len(items)}项" if len(items) > _DESC_ITEMS else ""
    return "，".join(items[:_DESC_ITEMS]) + more


def _scale(lo: float, hi: float, start: float, end: float) -> Callable[[float], float]:
    """Linear map of ``lo..hi`` onto ``start..end``; values outside are clamped."""
    span = (hi - lo) or 1.0
    return lambda v: start + (end - start) * (min(max(v, lo), hi) - lo) / span


def _y_axis(ticks: Sequence[float], y: Callable[[float], float], left: float, right: float) -> list[str]:
    out = []
    for t in ticks:
        out.append(_line(left, y(t), right, y(t), _GRID))
        out.append(_text(left - 6, y(t) + 4, _fmt(t, 4), anchor="end", fill=GREY, cls="tick"))
    return out


def _frame(ticks: Sequence[float], width: int, height: float, top: float) -> tuple[Callable[[float], float], list[str]]:
    """The y scale of a vertical chart (plot from x=_LEFT to width-12, y=top to height-28) and its axis."""
    y = _scale(ticks[0], ticks[-1], height - 28.0, top)
    return y, _y_axis(ticks, y, _LEFT, width - 12.0)


def _dashed(x1: float, y1: float, x2: float, y2: float) -> str:
    return _line(x1, y1, x2, y2, RED, ' class="reference" stroke-dasharray="6 4" stroke-width="1.5"')


def _readout(labels: Sequence[str], values: Sequence[float | None], unit: str) -> str:
    return _listing([f"{a} {_fmt(v)}{unit}" for a, v in zip(labels, values, strict=False)])


def _legend(names: Sequence[str], width: int, y: float) -> tuple[list[str], float]:
    """Swatches and names in rows from the left; returns the markup and the y below the legend."""
    out: list[str] = []
    x = 8.0
    for i, name in enumerate(names):
        label = _short(name, 12)
        step = 14 + _text_width(label, _SMALL) + 16
        if x > 8 and x + step > width - 8:
            x, y = 8.0, y + 16
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect class="swatch" x="{_n(x)}" y="{_n(y - 9)}" width="10" height="10" fill="{colour}"/>')
        out.append(_text(x + 14, y, label, anchor="start", cls="legend", tooltip=name))
        x += step
    return out, y + 14


# --- charts -------------------------------------------------------------------------------------


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 260,
    reference: float | None = None,
    reference_label: str = "",
    empty: str = _EMPTY,
) -> str:
    """Vertical bars with their values; ``reference`` adds a dashed line (e.g. the promised days).
    With no value above or below zero there is nothing to draw: the chart says ``empty`` instead."""
    n = min(len(labels), len(values))
    vals = [_number(values, i) for i in range(n)]
    if _nothing_to_draw(vals):
        return _empty(title, width, height, empty)
    ref = reference if reference is not None and math.isfinite(reference) else None
    ticks = nice_ticks(0.0, max([v or 0.0 for v in vals] + [ref or 0.0]) or 1.0)
    right, bottom = width - 12.0, height - 28.0
    y, body = _frame(ticks, width, height, 36.0)
    slot = (right - _LEFT) / n
    for i, label in enumerate(labels[:n]):
        v, cx = vals[i], _LEFT + slot * (i + 0.5)
        bar_top, shown = y(max(v or 0.0, 0.0)), _fmt(v) + unit
        body.append(_rect(cx - slot * 0.31, bar_top, slot * 0.62, bottom - bar_top, BLUE, "bar", f"{label}：{shown}"))
        body.append(_text(cx, bar_top - 4, shown, cls="value"))
        body.append(_text(cx, bottom + 16, _short(label, 6, slot - 2), cls="label", tooltip=label))
    body.append(_line(_LEFT, bottom, right, bottom, GREY))
    desc = f"{title}：柱状图，共{n}项：{_readout(labels, vals, unit)}。"
    if ref is not None:
        ref_text = f"{reference_label} {_fmt(ref)}{unit}".strip()
        body.append(_dashed(_LEFT, y(ref), right, y(ref)))
        body.append(_text(right, y(ref) - 4, ref_text, anchor="end", fill=RED, cls="reference-label"))
        desc += f"参考线：{ref_text}。"
    return _svg(_chart_id("bar", title, labels, values, reference), title, desc, width, height, body)


def hbar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    width: int = 640,
    bar_height: int = 22,
    highlight_over: float | None = None,
    empty: str = _EMPTY,
) -> str:
    """Horizontal bars, label on the left and value on the right; bars over ``highlight_over`` in red.
    With no value above or below zero the chart says ``empty`` instead."""
    n = min(len(labels), len(values))
    vals = [_number(values, i) for i in range(n)]
    if _nothing_to_draw(vals):
        return _empty(title, width, 120, empty)
    limit = highlight_over if highlight_over is not None and math.isfinite(highlight_over) else None
    gap, top = max(4, bar_height // 3), 32.0
    height = top + n * (bar_height + gap) + (22 if limit is not None else 8)
    left = 8 + min(width * 0.3, max(_text_width(_short(a, 10), _SMALL) for a in labels[:n]) + 8)
    right = width - 64.0
    x = _scale(0.0, max([v or 0.0 for v in vals] + [limit or 0.0]) or 1.0, left, right)
    body: list[str] = []
    over: list[str] = []
    for i, label in enumerate(labels[:n]):
        v, ty = vals[i], top + i * (bar_height + gap)
        hot = limit is not None and v is not None and v > limit
        if hot:
            over.append(label)
        end, shown = x(max(v or 0.0, 0.0)), _fmt(v) + unit
        body.append(_rect(left, ty, end - left, bar_height, RED if hot else BLUE, "bar", f"{label}：{shown}"))
        mid = ty + bar_height / 2 + 4
        body.append(_text(left - 6, mid, _short(label, 10), anchor="end", cls="label", tooltip=label))
        body.append(_text(end + 4, mid, shown, anchor="start", cls="value"))
    desc = f"{title}：条形图，共{n}项：{_readout(labels, vals, unit)}。"
    if limit is not None:
        body.append(_dashed(x(limit), top - 4, x(limit), height - 18))
        body.append(_text(x(limit), height - 6, f"{_fmt(limit)}{unit}", fill=RED, cls="reference-label"))
        desc += f"超过{_fmt(limit)}{unit}的有{len(over)}项" + (f"：{_listing(over)}。" if over else "。")
    return _svg(_chart_id("hbar", title, labels, values, highlight_over), title, desc, width, height, body)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 260,
    y_min: float | None = None,
    y_max: float | None = None,
    empty: str = _EMPTY,
) -> str:
    """One polyline per series; ``None`` leaves a gap. ``y_min``/``y_max`` fix the axis bounds. With
    no value at all the chart says ``empty`` (a line at zero is drawn: it is a value, and visible)."""
    n = len(x_labels)
    data = {name: [_number(vals, i) for i in range(n)] for name, vals in series.items()}
    present = [v for vals in data.values() for v in vals if v is not None]
    if not present:
        return _empty(title, width, height, empty)
    ticks = nice_ticks(min(0.0, *present) if y_min is None else y_min, max(present) if y_max is None else y_max)
    lo = ticks[0] if y_min is None else y_min
    hi = ticks[-1] if y_max is None else max(y_max, lo + 1e-9)
    ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    legend, top = _legend(list(data), width, 38.0)
    right, bottom = width - 24.0, height - 28.0
    y = _scale(lo, hi, bottom, top + 4)
    step = (right - _LEFT) / (n - 1) if n > 1 else 0.0
    xs = [_LEFT + i * step if n > 1 else (_LEFT + right) / 2 for i in range(n)]
    body = _y_axis(ticks, y, _LEFT, right) + legend
    every = math.ceil(n / 12)  # at most 12 x labels
    for i in range(0, n, every):
        room = every * step - 4 if n > 1 else right - _LEFT
        body.append(_text(xs[i], bottom + 16, _short(x_labels[i], 10, room), cls="label", tooltip=x_labels[i]))
    summary = []
    for k, (name, vals) in enumerate(data.items()):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vals):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{_n(xs[i])},{_n(y(v))}")
            tip = f"{name} {x_labels[i]}：{_fmt(v)}{unit}"
            body.append(
                f'<circle class="marker" cx="{_n(xs[i])}" cy="{_n(y(v))}" r="3" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        body += [
            f'<polyline class="series" points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            for run in runs
            if len(run) > 1
        ]
        known = [(v, x_labels[i]) for i, v in enumerate(vals) if v is not None]
        if known:
            (top_v, top_x), (low_v, low_x) = max(known), min(known)
            summary.append(
                f"{name}最高{_fmt(top_v)}{unit}（{top_x}），最低{_fmt(low_v)}{unit}（{low_x}），"
                f"最近一期{_fmt(known[-1][0])}{unit}（{known[-1][1]}）"
            )
    body.append(_line(_LEFT, bottom, right, bottom, GREY))
    span = f"{x_labels[0]}至{x_labels[-1]}" if n > 1 else x_labels[0]
    desc = f"{title}：折线图，{span}共{n}期，{len(data)}条序列。" + "；".join(summary) + "。"
    return _svg(_chart_id("line", title, x_labels, series, y_min, y_max), title, desc, width, height, body)


def stacked_bar(
    title: str,
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[float]],
    *,
    width: int = 640,
    height: int = 260,
    empty: str = _EMPTY,
) -> str:
    """Bars split into coloured segments, one per key of ``stacks``; the total above each bar. With
    nothing above zero the chart says ``empty`` instead."""
    n, names = len(labels), list(stacks)
    grid = [[_number(stacks[name], i) or 0.0 for name in names] for i in range(n)]
    totals = [sum(max(v, 0.0) for v in row) for row in grid]
    if n == 0 or not names or not any(totals):
        return _empty(title, width, height, empty)
    ticks = nice_ticks(0.0, max(totals) or 1.0)
    legend, top = _legend(names, width, 38.0)
    right, bottom = width - 12.0, height - 28.0
    y, body = _frame(ticks, width, height, top + 14)
    body += legend
    slot = (right - _LEFT) / n
    summary = []
    for i, label in enumerate(labels):
        cx, base = _LEFT + slot * (i + 0.5), 0.0
        for k, (name, v) in enumerate(zip(names, grid[i], strict=True)):
            if v > 0:
                seg_top, tip = y(base + v), f"{label} · {name}：{_fmt(v)}"
                colour = PALETTE[k % len(PALETTE)]
                body.append(_rect(cx - slot * 0.31, seg_top, slot * 0.62, y(base) - seg_top, colour, "segment", tip))
                base += v
        body.append(_text(cx, y(base) - 4, _fmt(totals[i]), cls="value"))
        body.append(_text(cx, bottom + 16, _short(label, 6, slot - 2), cls="label", tooltip=label))
        parts = "，".join(f"{name} {_fmt(v)}" for name, v in zip(names, grid[i], strict=True) if v)
        summary.append(f"{label}合计{_fmt(totals[i])}" + (f"（{parts}）" if parts else ""))
    body.append(_line(_LEFT, bottom, right, bottom, GREY))
    desc = f"{title}：堆积柱状图，共{n}项，分{len(names)}类（{'、'.join(names)}）。{_listing(summary)}。"
    return _svg(_chart_id("stacked", title, labels, stacks), title, desc, width, height, body)
