"""What the comprehensive window prints for an applicant: the acceptance receipt (受理回执) and the
one-time correction notice (一次性补正告知书), as A4 PDFs.

The caller hands over what may be printed, already masked (:class:`Receipt`, :class:`CorrectionNotice`);
nothing here reads the database or decides what to hide. The CJK font cut per document, text measuring
and line breaking, and the QR code come from :mod:`onething.licenses.render`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from fpdf.enums import TextMode

from onething.kit.calendar import workdays
from onething.licenses.render import Page, cjk_document, qr_png

__all__ = [
    "CORRECTION_RULE",
    "PLATFORM",
    "Applicant",
    "Correction",
    "CorrectionNotice",
    "Item",
    "Receipt",
    "Shortfall",
    "correction_pdf",
    "receipt_pdf",
]

PLATFORM = "湖南省“一件事一次办”综合服务平台"
CORRECTION_RULE = "补正期间不计入办理时限；请一次性补齐后重新提交。"


@dataclass(frozen=True)
class Applicant:
    """Who applied, as printed: ``code`` is a masked ID number, or an enterprise's credit code."""

    kind: Literal["person", "enterprise"]
    name: str
    code: str
    agent_name: str | None = None  # 经办人: who applied on the applicant's behalf
    agent_code: str | None = None  # the agent's ID number, masked


@dataclass(frozen=True)
class Item:
    """One item (事项) of the case and the department that decides it."""

    name: str
    department: str
    promised_days: int


@dataclass(frozen=True)
class Shortfall:
    """容缺受理: materials accepted as missing, to be supplied by ``due``."""

    materials: tuple[str, ...]
    due: dt.date
    commitment: str
    supplied_on: dt.date | None = None


@dataclass(frozen=True)
class Receipt:
    number: str
    thing_name: str
    applicant: Applicant
    receiving_org: str
    window: str | None
    accepted_on: dt.date
    promised_days: int
    promised_date: dt.date | None
    items: tuple[Item, ...]
    materials: tuple[str, ...]  # received, by name
    shortfall: Shortfall | None
    case_url: str
    printed_on: dt.date


@dataclass(frozen=True)
class Correction:
    """One thing to correct: a form field or a material, and why."""

    kind: Literal["field", "material"]
    name: str
    reason: str
    raised_by: str | None = None  # the item whose department asked, when it came back from one


@dataclass(frozen=True)
class CorrectionNotice:
    number: str
    thing_name: str
    applicant: Applicant
    requested_on: dt.date
    org: str
    clerk: str
    corrections: tuple[Correction, ...]
    note: str | None
    case_url: str
    printed_on: dt.date


# ---------------------------------------------------------------------------------------------- blocks

Style = Literal["platform", "title", "subtitle", "heading", "field", "item", "text", "rule", "sign"]


@dataclass(frozen=True)
class _Block:
    """One paragraph of a notice: a field's value after its label, an item after its number, or text."""

    style: Style
    text: str
    label: str = ""


def _date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"


def _numbered(texts: Iterable[str]) -> Iterator[_Block]:
    for n, text in enumerate(texts, 1):
        yield _Block("item", text, f"{n}.")


def _headings() -> Iterator[str]:
    yield from "一二三四五六七八九"


def _applicant(a: Applicant) -> Iterator[_Block]:
    if a.kind == "enterprise":
        yield _Block("field", a.name, "申请单位")
        yield _Block("field", a.code, "统一社会信用代码")
    else:
        yield _Block("field", a.name, "申请人")
        yield _Block("field", a.code, "公民身份号码")
    if a.agent_name:
        yield _Block("field", f"{a.agent_name}（{a.agent_code}）" if a.agent_code else a.agent_name, "经办人")


def _receipt_blocks(r: Receipt) -> Iterator[_Block]:
    n = _headings()
    yield from (_Block("platform", PLATFORM), _Block("title", "受理回执"), _Block("subtitle", f"办件编号：{r.number}"))
    yield _Block("heading", f"{next(n)}、申请信息")
    yield _Block("field", r.thing_name, "一件事名称")
    yield from _applicant(r.applicant)
    yield _Block("heading", f"{next(n)}、受理信息")
    yield _Block("field", r.receiving_org, "受理机构")
    if r.window:
        yield _Block("field", r.window, "受理窗口")
    yield _Block("field", _date(r.accepted_on), "受理日期")
    yield _Block("field", workdays(r.promised_days), "承诺办理时限")
    yield _Block("field", _date(r.promised_date), "承诺办结日")
    yield _Block("heading", f"{next(n)}、办理事项")
    yield from _numbered(f"{i.name}（{i.department}，承诺 {workdays(i.promised_days)}）" for i in r.items)
    yield _Block("heading", f"{next(n)}、已收材料")
    if r.materials:
        yield from _numbered(r.materials)
    else:
        yield _Block("text", "无")
    if r.shortfall is not None:
        s = r.shortfall
        yield _Block("heading", f"{next(n)}、容缺受理")
        yield _Block("text", f"以下材料容缺受理，申请人应于{_date(s.due)}前补齐：")
        yield from _numbered(s.materials)
        yield _Block("field", s.commitment, "申请人承诺")
        if s.supplied_on:
            yield _Block("text", f"容缺材料已于{_date(s.supplied_on)}补齐。")
        else:
            yield _Block("text", "容缺材料补齐前，审批结果暂缓发放。")
    yield _Block("heading", f"{next(n)}、进度查询")
    yield _Block(
        "text",
        f"凭办件编号 {r.number} 登录{PLATFORM}，在“我的办件”中查询办理进度；也可扫描右上角二维码查看办件：{r.case_url}",
    )
    yield from (_Block("sign", r.receiving_org), _Block("sign", f"打印日期：{_date(r.printed_on)}"))


def _correction_blocks(c: CorrectionNotice) -> Iterator[_Block]:
    yield from (_Block("platform", PLATFORM), _Block("title", "一次性补正告知书"))
    yield _Block("subtitle", f"办件编号：{c.number}")
    yield _Block("field", c.thing_name, "一件事名称")
    yield from _applicant(c.applicant)
    you = "贵单位" if c.applicant.kind == "enterprise" else "您"
    yield _Block("text", f"{c.applicant.name}：")
    yield _Block(
        "text",
        f"{you}提交的「{c.thing_name}」申请，经审查，尚需补正以下 {len(c.corrections)} 项内容，现一次性告知如下：",
    )
    yield from _numbered(
        f"【{'材料' if i.kind == 'material' else '表单'}】{i.name}：{i.reason}"
        + (f"（{i.raised_by}办理部门提出）" if i.raised_by else "")
        for i in c.corrections
    )
    if c.note:
        yield _Block("field", c.note, "说明")
    yield _Block("rule", CORRECTION_RULE)
    yield _Block("text", f"请凭办件编号 {c.number} 登录{PLATFORM}，或扫描右上角二维码补正：{c.case_url}")
    yield from (_Block("sign", c.org), _Block("sign", f"承办人：{c.clerk}"))
    yield _Block("sign", f"告知日期：{_date(c.requested_on)}")
    yield _Block("sign", f"打印日期：{_date(c.printed_on)}")


# ---------------------------------------------------------------------------------------------- layout

_PT = 25.4 / 72  # mm per point
_LEFT, _RIGHT, _TOP, _BOTTOM = 22.0, 188.0, 20.0, 277.0
_LABEL_W, _NUMBER_W = 36.0, 8.0
_LINE_SPACING = 1.55
_MIDDLE = 0.36  # a CJK glyph's middle sits this many ems above its baseline
_QR_SIZE, _QR_CAPTION = 28.0, "扫码查看办件"
_INK, _MUTED, _ACCENT = (33, 37, 41), (105, 105, 105), (150, 46, 38)
_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
# Style: size in points, colour, space before in mm, heavier (stroked) glyphs.
_STYLES: dict[Style, tuple[float, tuple[int, int, int], float, bool]] = {
    "platform": (11.0, _MUTED, 0.0, False),
    "title": (24.0, _INK, 3.0, True),
    "subtitle": (10.0, _MUTED, 2.0, False),
    "heading": (12.0, _ACCENT, 5.0, True),
    "field": (10.5, _INK, 0.8, False),
    "item": (10.5, _INK, 0.8, False),
    "text": (10.5, _INK, 1.6, False),
    "rule": (11.0, _ACCENT, 4.0, True),
    "sign": (10.5, _INK, 1.2, False),
}
_CENTRED = frozenset({"platform", "title", "subtitle"})


class _Flow:
    """Draws blocks top to bottom, starting a new page when the next line would not fit."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.y = _TOP

    def draw(self, block: _Block) -> None:
        size, colour, before, heavy = _STYLES[block.style]
        self.y += before
        self.page.doc.set_text_color(*colour)
        if heavy:  # the font has no bold face: fill and stroke the outlines instead
            with self.page.doc.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.35, draw_color=colour):
                self._lines(block, size)
        else:
            self._lines(block, size)

    def _lines(self, block: _Block, size: float) -> None:
        page, width = self.page, _RIGHT - _LEFT
        line_h = size * _PT * _LINE_SPACING
        if block.style in _CENTRED:
            self._room(line_h)
            page.centred(block.text, (_LEFT + _RIGHT) / 2, self._baseline(line_h, size), size, width - 2 * _QR_SIZE)
            self.y += line_h
            return
        if block.style == "heading":  # never alone at the foot of a page: keep a line of its section
            self._room(2.5 * line_h)
        indent = {"field": _LABEL_W, "item": _NUMBER_W}.get(block.style, 0.0)
        for i, line in enumerate(page.wrap(block.text, width - indent, size)):
            self._room(line_h)
            baseline = self._baseline(line_h, size)
            if i == 0 and block.label:
                with page.doc.local_context(text_color=_MUTED if block.style == "field" else _INK):
                    page.text(_LEFT, baseline, f"{block.label}：" if block.style == "field" else block.label, size)
            x = _RIGHT - page.width(line, size) if block.style == "sign" else _LEFT + indent
            page.text(x, baseline, line, size)
            self.y += line_h

    def _room(self, height: float) -> None:
        if self.y + height > _BOTTOM:
            self.page.doc.add_page()
            self.y = _TOP

    def _baseline(self, line_h: float, size: float) -> float:
        return self.y + line_h / 2 + size * _PT * _MIDDLE


def _pdf(blocks: list[_Block], *, title: str, author: str, qr_url: str) -> bytes:
    text = [_ASCII, _QR_CAPTION, title, "：　第页共", *(b.text for b in blocks), *(b.label for b in blocks)]
    with cjk_document(text, title=title, author=author) as page:
        # The QR code sits in the top right corner of the first page, beside the centred title.
        x, y = _RIGHT - _QR_SIZE, _TOP - 6
        page.doc.image(io.BytesIO(qr_png(qr_url, scale=8, border=2)), x=x, y=y, w=_QR_SIZE, h=_QR_SIZE)
        page.doc.set_text_color(*_MUTED)
        page.centred(_QR_CAPTION, x + _QR_SIZE / 2, y + _QR_SIZE + 3.5, 8.0, _QR_SIZE)
        flow = _Flow(page)
        for block in blocks:
            flow.draw(block)
        # Every page names its case, in case the pages come apart.
        pages = page.doc.pages_count
        page.doc.set_text_color(*_MUTED)
        for n in range(1, pages + 1):
            page.doc.page = n
            page.centred(f"{title}　第 {n} 页 共 {pages} 页", (_LEFT + _RIGHT) / 2, _BOTTOM + 10, 8.0, _RIGHT - _LEFT)
        return bytes(page.doc.output())


def receipt_pdf(receipt: Receipt) -> bytes:
    """The acceptance receipt as an A4 PDF (more pages when the lists are long)."""
    blocks = list(_receipt_blocks(receipt))
    return _pdf(blocks, title=f"受理回执 {receipt.number}", author=receipt.receiving_org, qr_url=receipt.case_url)


def correction_pdf(notice: CorrectionNotice) -> bytes:
    """The one-time correction notice as an A4 PDF."""
    blocks = list(_correction_blocks(notice))
    return _pdf(blocks, title=f"一次性补正告知书 {notice.number}", author=notice.org, qr_url=notice.case_url)
