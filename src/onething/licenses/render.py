"""Electronic licenses on paper: an A4 PDF and the QR code that points at the verification page.

The caller hands over a :class:`Sheet` that is already what may be shown (masked where needed); nothing
here reads the database or decides what to hide.

Fonts. The PDF must carry its own Chinese font so it looks the same everywhere and its text can be
searched and copied. fpdf2 embeds TrueType (``glyf``) fonts as plain CIDFontType2 with an Identity
encoding, which every viewer and text extractor reads. Noto CJK on Debian is CFF-flavoured OpenType,
which fpdf2 embeds as CIDFontType0 through its own CMap; pypdf extracts text from that with NULs and
stray spaces between the characters. So a TrueType CJK font is used: WenQuanYi Zen Hei
(``fonts-wqy-zenhei``, GPL with a font-embedding exception), which also covers CJK Extension A, where
rare characters of personal names live.

Speed. Zen Hei has ~42,000 glyphs. Handing the whole font to fpdf2 costs ~0.7 s per document (parsing
it, then subsetting it), far more than drawing a page. So the font is parsed once per process
(:func:`_glyph_source`), and each PDF gets a small font cut from it with only the glyphs its page uses,
which fpdf2 loads and embeds in a few milliseconds. A PDF takes ~50 ms, a third of it encoding the QR code.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

__all__ = [
    "FONT_ENV",
    "FONT_PACKAGE",
    "FontMissing",
    "Page",
    "Sheet",
    "cjk_document",
    "cjk_font",
    "pdf",
    "qr_png",
    "qr_svg",
]

FONT_ENV = "ONETHING_CJK_FONT"
FONT_PACKAGE = "fonts-wqy-zenhei"
# Debian paths, best first. Both are TrueType collections; the first face is the proportional one.
KNOWN_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),  # fonts-wqy-zenhei
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # fonts-wqy-microhei (no Extension A)
)


class FontMissing(RuntimeError):
    """No usable Chinese font: a deployment problem, not something a user can fix."""


@dataclass(frozen=True)
class Sheet:
    """One license as it is printed: every value already formatted and masked for its reader."""

    identifier: str  # 证照标识, e.g. 1.2.156.3005.2.11100000000013338W.…
    type_name: str  # 营业执照
    holder_label: str  # the label of the holder's name on this type: 名称, 姓名, 持证人…
    holder_name: str
    holder_code: str  # already masked
    fields: list[tuple[str, str]]  # (label, value), already masked
    issuer_name: str
    issue_date: date
    valid_until: date | None  # None: 长期
    status_name: str  # 有效 / 撤销 / 注销 / 失效 / 吊销
    verify_url: str
    seal_key_id: str
    signature_hex: str
    watermark: str | None = None  # 样例, 已撤销… drawn across the page when set


# ---------------------------------------------------------------------------------------------- QR code


@lru_cache(maxsize=256)  # the web page and the PDF of one license ask for the same symbol
def _qr(url: str) -> segno.QRCode:
    # Level M survives a crease or a smudge on a printout without making the symbol much denser.
    return segno.make(url, error="m", micro=False, boost_error=False)


def qr_svg(url: str, *, scale: int = 4) -> str:
    """An inline ``<svg>`` element (no XML declaration, no namespace) for an HTML page."""
    return str(_qr(url).svg_inline(scale=scale, border=4, svgclass="license-qr", title="扫码核验证照"))


def qr_png(url: str, scale: int = 8, *, border: int = 4) -> bytes:
    """A black-and-white PNG of the QR code, ``scale`` pixels per module."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- fonts


def cjk_font() -> Path:
    """The TrueType CJK font to embed: ``ONETHING_CJK_FONT`` if set, else the first known Debian font."""
    configured = os.environ.get(FONT_ENV, "").strip()
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"{FONT_ENV}={configured}: no such font file")
        return path
    for path in KNOWN_FONTS:
        if path.is_file():
            return path
    raise FontMissing(
        f"no Chinese TrueType font found (looked for {', '.join(str(p) for p in KNOWN_FONTS)}): "
        f"install the Debian package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}, "
        f"or run scripts/ensure-system.sh), or point {FONT_ENV} at a .ttf/.ttc with TrueType outlines"
    )


class _GlyphSource:
    """A CJK font parsed once; cuts per-document fonts holding just the glyphs a page needs.

    Simple glyphs are copied as the font stores them (compiled bytes, hinting and all) and the cut font
    is saved without recomputing bounding boxes, so cutting costs little more than copying bytes. The
    maxima in ``head``, ``hhea`` and ``maxp`` are the full font's, which bound the cut's.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.font = TTFont(path, fontNumber=0, lazy=True, recalcTimestamp=False)
        if "glyf" not in self.font:
            self.font.close()
            raise FontMissing(
                f"{path} has no TrueType outlines (CFF fonts such as Noto CJK cannot be used): "
                f"install {FONT_PACKAGE} or point {FONT_ENV} at a TrueType font"
            )
        font = self.font
        self.cmap: dict[int, str] = font.getBestCmap()
        self.metrics: dict[str, tuple[int, int]] = font["hmtx"].metrics
        self.units_per_em: int = font["head"].unitsPerEm
        # Everything a cut copies besides glyphs, read now: tables load lazily, and so not thread-safely.
        hhea, head, maxp, os2, names = font["hhea"], font["head"], font["maxp"], font["OS/2"], font["name"]
        self.hhea = {
            key: getattr(hhea, key)
            for key in (
                "ascent",
                "descent",
                "lineGap",
                "advanceWidthMax",
                "minLeftSideBearing",
                "minRightSideBearing",
                "xMaxExtent",
            )
        }
        self.head = {key: getattr(head, key) for key in ("xMin", "yMin", "xMax", "yMax", "macStyle", "lowestRecPPEM")}
        self.maxp = {key: value for key, value in vars(maxp).items() if key.startswith("max")}
        self.os2 = {
            key: getattr(os2, key)
            for key in (
                "fsType",
                "usWeightClass",
                "sTypoAscender",
                "sTypoDescender",
                "sTypoLineGap",
                "usWinAscent",
                "usWinDescent",
                "yStrikeoutSize",
                "yStrikeoutPosition",
                "sCapHeight",
                "sxHeight",
            )
            if hasattr(os2, key)
        }
        # The cut keeps the font's own name and its copyright and licence notices.
        self.names = {
            key: text
            for key, name_id in (("familyName", 1), ("styleName", 2), ("copyright", 0), ("licenseDescription", 13))
            if (text := names.getDebugName(name_id))
        }
        self.cvt = font.get("cvt ")  # control values that glyph programs may read
        self.notdef: str = font.getGlyphOrder()[0]  # glyph 0 is what a missing character shows
        self.glyf = font["glyf"]  # its glyphs are decompiled on first use: shared state, see lock
        self._advances: dict[str, int] = {}
        self.lock = threading.Lock()

    def advance(self, char: str) -> int:
        """The advance width of ``char`` in thousandths of an em, rounded as fpdf2 writes it."""
        width = self._advances.get(char)
        if width is None:
            name = self.cmap.get(ord(char), self.notdef)
            width = round(self.metrics[name][0] * 1000 / self.units_per_em + 0.001)
            self._advances[char] = width  # a benign race: every thread computes the same number
        return width

    def _raw(self, name: str) -> bytes:
        glyph = self.glyf.glyphs[name]
        data: bytes = glyph.data if hasattr(glyph, "data") else glyph.compile(self.glyf, recalcBBoxes=False)
        return data

    def cut(self, chars: Iterable[str]) -> bytes:
        """A small TrueType font with the glyphs of ``chars`` (and glyph 0, ``.notdef``)."""
        mapping = {ord(c): self.cmap[ord(c)] for c in chars if ord(c) in self.cmap}
        glyphs: dict[str, Glyph] = {}
        todo = [self.notdef, *mapping.values()]
        with self.lock:
            while todo:
                name = todo.pop()
                if name in glyphs:
                    continue
                glyph = Glyph(self._raw(name))
                if glyph.isComposite():
                    # Its bytes name the parts by glyph number, which differs in the cut: keep it
                    # decoded (parts by name) so that saving renumbers them, and bring the parts along.
                    glyph.expand(self.glyf)
                    todo.extend(component.glyphName for component in glyph.components)
                glyphs[name] = glyph
        order = [self.notdef, *sorted(set(glyphs) - {self.notdef})]

        builder = FontBuilder(self.units_per_em, isTTF=True)
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap(mapping)
        font = builder.font
        font["loca"] = newTable("loca")
        font["glyf"] = newTable("glyf")
        font["glyf"].glyphs = glyphs
        font["glyf"].glyphOrder = order
        builder.setupHorizontalMetrics({name: self.metrics[name] for name in order})
        builder.setupHorizontalHeader(**self.hhea)
        builder.setupOS2(**self.os2)
        builder.setupNameTable(self.names)
        builder.setupPost()
        for key, value in self.head.items():
            setattr(font["head"], key, value)
        for key, value in self.maxp.items():
            setattr(font["maxp"], key, value)
        if self.cvt is not None:
            font["cvt "] = self.cvt
        font.recalcBBoxes = False  # keep the glyphs' stored bytes; the bounds above are the full font's
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()


@lru_cache(maxsize=4)
def _glyph_source(path: Path) -> _GlyphSource:
    return _GlyphSource(path)


# ---------------------------------------------------------------------------------------------- layout

_PAGE_W, _PAGE_H = 210.0, 297.0
_PT = 25.4 / 72  # mm per point
_INK = (33, 37, 41)
_MUTED = (105, 105, 105)
_RULE = (120, 120, 120)
_LABEL_FILL = (246, 241, 232)
_FRAME = (150, 46, 38)
_RED = (204, 28, 28)
_GREEN = (22, 128, 61)

_TABLE_X, _TABLE_W, _LABEL_W = 18.0, 174.0, 40.0
_TABLE_TOP = 50.0
_BAND_TOP = 214.0  # QR code, dates, issuer and seal
_FOOTER_RULE = 273.0
_CELL_PAD_X, _CELL_PAD_Y = 2.4, 1.7
_SIZES = (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)  # tried in turn until the table fits
_LINE_SPACING = 1.45
_MIDDLE = 0.36  # a CJK glyph's middle sits this many ems above its baseline

_HOLDER_CODE_LABEL = "持证主体代码"
_FIXED_TEXT = (  # every fixed string drawn below: their glyphs go into the per-document font
    "电子证照",
    _HOLDER_CODE_LABEL,
    "证照标识",
    "证照状态",
    "发证日期",
    "有效期至",
    "长期",
    "扫码核验",
    "签章密钥",
    "签名",
    "扫码或访问核验地址验证真伪",
    "核验地址",
    "年月日：·…　",
)
_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))

# Kinsoku: what may not start a line (it hangs at the end of the previous one instead) and what may not
# end one (it moves down to the next).
_NO_LINE_START = set("，。、；：？！）》」』】〕”’%‰…·,.;:!?)]}")
_NO_LINE_END = set("（《「『【〔“‘([{")
# Atoms of line breaking: a run of Latin letters and digits (a code, a number), a run of spaces, or
# any other single character.
_ATOMS = re.compile(r"[A-Za-z0-9@#&*+\-_=/\\.:~]+|\s+|.", re.DOTALL)


def _date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _rows(sheet: Sheet) -> list[tuple[str, str]]:
    return [(sheet.holder_label, sheet.holder_name), (_HOLDER_CODE_LABEL, sheet.holder_code), *sheet.fields]


def _page_text(sheet: Sheet) -> Iterator[str]:
    yield from _FIXED_TEXT
    yield _ASCII
    yield from (sheet.identifier, sheet.type_name, sheet.issuer_name, sheet.status_name)
    yield from (sheet.verify_url, sheet.seal_key_id, sheet.signature_hex, sheet.watermark or "")
    yield _date(sheet.issue_date)
    if sheet.valid_until is not None:
        yield _date(sheet.valid_until)
    for label, value in _rows(sheet):
        yield label
        yield value


@dataclass
class _Row:
    label: list[str]
    value: list[str]


class Page:
    """The FPDF being drawn, with text measured from the font's own advance widths.

    fpdf2 measures the same way (its widths come from the same ``hmtx``, rounded to thousandths of an
    em), but its ``get_string_width`` copies the graphics state on every call, which made wrapping a
    long table cost a quarter of a second.
    """

    def __init__(self, doc: FPDF, source: _GlyphSource) -> None:
        self.doc = doc
        self.source = source

    def width(self, text: str, size: float) -> float:
        """The width in mm of ``text`` at ``size`` points."""
        return sum(self.source.advance(c) for c in text) * size * _PT / 1000

    def text(self, x: float, baseline: float, text: str, size: float) -> None:
        self.doc.set_font_size(size)
        self.doc.text(x, baseline, text)

    def centred(self, text: str, cx: float, baseline: float, size: float, max_w: float) -> None:
        """One line centred on ``cx``, made smaller until it fits ``max_w``."""
        width = self.width(text, size)
        if width > max_w:
            size *= max_w / width
            width = max_w
        self.text(cx - width / 2, baseline, text, size)

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Break ``text`` into lines no wider than ``width`` mm at ``size`` points.

        Chinese breaks between any two characters; a Latin run stays whole unless it alone is wider
        than a line. Closing punctuation never starts a line (it takes the character before it
        along) and opening punctuation never ends one.
        """
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, line_w = "", 0.0
            for atom in _ATOMS.findall(paragraph):
                atom_w = self.width(atom, size)
                if line_w + atom_w <= width or not line:
                    line, line_w = line + atom, line_w + atom_w
                    continue
                if atom.isspace():  # a space at a break disappears
                    lines.append(line)
                    line, line_w = "", 0.0
                    continue
                carry = ""
                if atom in _NO_LINE_START and len(line) > 1:
                    carry, line = line[-1], line[:-1]
                while line and line[-1] in _NO_LINE_END:
                    carry, line = line[-1] + carry, line[:-1]
                if line.strip():
                    lines.append(line.rstrip())
                line = carry + atom
                while len(line) > 1 and self.width(line, size) > width:  # one atom wider than a line
                    cut = 1
                    while cut < len(line) - 1 and self.width(line[: cut + 1], size) <= width:
                        cut += 1
                    lines.append(line[:cut])
                    line = line[cut:]
                line_w = self.width(line, size)
            lines.append(line)
        return lines

    def shorten(self, line: str, width: float, size: float) -> str:
        """``line`` ending in an ellipsis, cut so that it stays within ``width``."""
        while line and self.width(line + "…", size) > width:
            line = line[:-1]
        return line + "…"


def _layout_table(page: Page, rows: list[tuple[str, str]], height: float) -> tuple[float, list[_Row]]:
    """The largest font size at which the table fits ``height``; at the smallest, long values are cut."""
    value_w = _TABLE_W - _LABEL_W - 2 * _CELL_PAD_X
    label_w = _LABEL_W - 2 * _CELL_PAD_X

    def lay(size: float) -> list[_Row]:
        return [_Row(page.wrap(label, label_w, size), page.wrap(value, value_w, size)) for label, value in rows]

    # Binary search over the sizes (largest first): a smaller size never needs more height.
    best: tuple[float, list[_Row]] | None = None
    lo, hi = 0, len(_SIZES) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        laid = lay(_SIZES[mid])
        if _table_height(laid, _SIZES[mid]) <= height:
            best, hi = (_SIZES[mid], laid), mid - 1
        else:
            lo = mid + 1
    if best is not None:
        return best
    # Too tall even at the smallest size: shorten the longest values; the verification page has them whole.
    size = _SIZES[-1]
    laid = lay(size)
    while _table_height(laid, size) > height:
        longest = max(laid, key=lambda row: len(row.value))
        if len(longest.value) <= max(1, len(longest.label)):
            break  # nothing left worth cutting
        longest.value = [*longest.value[:-2], page.shorten(longest.value[-2], value_w, size)]
    return size, laid


def _table_height(rows: list[_Row], size: float) -> float:
    line_h = size * _PT * _LINE_SPACING
    return sum(max(len(row.label), len(row.value)) * line_h + 2 * _CELL_PAD_Y for row in rows)


def _draw_table(page: Page, rows: list[_Row], size: float) -> None:
    doc = page.doc
    line_h = size * _PT * _LINE_SPACING
    baseline = line_h / 2 + size * _PT * _MIDDLE  # the middle of a glyph in the middle of its line
    y = _TABLE_TOP
    doc.set_line_width(0.2)
    doc.set_draw_color(*_RULE)
    doc.set_fill_color(*_LABEL_FILL)
    for row in rows:
        lines = max(len(row.label), len(row.value))
        h = lines * line_h + 2 * _CELL_PAD_Y
        doc.rect(_TABLE_X, y, _LABEL_W, h, style="DF")
        doc.rect(_TABLE_X + _LABEL_W, y, _TABLE_W - _LABEL_W, h, style="D")
        doc.set_text_color(*_MUTED)
        top = y + _CELL_PAD_Y + (lines - len(row.label)) * line_h / 2  # a label is centred on its row
        for i, text in enumerate(row.label):
            page.text(_TABLE_X + _CELL_PAD_X, top + i * line_h + baseline, text, size)
        doc.set_text_color(*_INK)
        for i, text in enumerate(row.value):
            page.text(_TABLE_X + _LABEL_W + _CELL_PAD_X, y + _CELL_PAD_Y + i * line_h + baseline, text, size)
        y += h
    doc.set_line_width(0.45)
    doc.rect(_TABLE_X, _TABLE_TOP, _TABLE_W, y - _TABLE_TOP, style="D")


def _frame(page: Page) -> None:
    doc = page.doc
    doc.set_draw_color(*_FRAME)
    doc.set_line_width(0.9)
    doc.rect(8, 8, _PAGE_W - 16, _PAGE_H - 16)
    doc.set_line_width(0.25)
    doc.rect(10.5, 10.5, _PAGE_W - 21, _PAGE_H - 21)


def _header(page: Page, sheet: Sheet) -> None:
    doc = page.doc
    doc.set_text_color(*_FRAME)
    page.centred("电子证照", _PAGE_W / 2, 22, 10, 60)
    doc.set_text_color(*_INK)
    # The font has no bold face: fill and stroke the glyph outlines to make the title heavier. (fpdf2
    # writes this stroke width in points.)
    with doc.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.8, draw_color=_INK):
        page.centred(sheet.type_name, _PAGE_W / 2, 36, 26, 170)
    doc.set_text_color(*_MUTED)
    page.centred(f"证照标识：{sheet.identifier}", _PAGE_W / 2, 45, 8.5, 170)


def _band(page: Page, sheet: Sheet) -> None:
    """QR code on the left, status and dates in the middle, the issuer under the seal on the right."""
    doc = page.doc
    top = _BAND_TOP
    qr_x, qr_size = 18.0, 38.0
    doc.image(io.BytesIO(qr_png(sheet.verify_url, scale=8, border=2)), x=qr_x, y=top, w=qr_size, h=qr_size)
    doc.set_text_color(*_MUTED)
    page.centred("扫码核验", qr_x + qr_size / 2, top + qr_size + 4.5, 8.5, qr_size)

    x, y, size, line = 64.0, top + 12, 10.5, 9.0
    entries = [
        ("证照状态", sheet.status_name, _GREEN if sheet.status_name == "有效" else _RED),
        ("发证日期", _date(sheet.issue_date), _INK),
        ("有效期至", _date(sheet.valid_until) if sheet.valid_until else "长期", _INK),
    ]
    for i, (label, value, colour) in enumerate(entries):
        doc.set_text_color(*_MUTED)
        page.text(x, y + i * line, f"{label}：", size)
        doc.set_text_color(*colour)
        page.text(x + page.width(f"{label}：", size), y + i * line, value, size)

    # The seal is stamped over the lower half of the issuer's name and the date, as on paper.
    cx, cy = 160.0, top + 19
    doc.set_text_color(*_INK)
    page.centred(sheet.issuer_name, cx, cy + 11, 11, 58)
    page.centred(_date(sheet.issue_date), cx, cy + 18, 10, 58)
    _seal(page, cx, cy, sheet.issuer_name)


def _seal(page: Page, cx: float, cy: float, issuer: str) -> None:
    """A round red mark standing for the electronic seal: ring, the issuer along the arc, a star.

    Drawn from vector paths and multiplied onto the page, so the issuer and date under it show through
    like ink. It is only a picture of the seal: what proves the license is the signature.
    """
    doc = page.doc
    radius, ring = 21.0, 1.1
    with doc.local_context(
        draw_color=_RED, fill_color=_RED, text_color=_RED, fill_opacity=0.88, stroke_opacity=0.88, blend_mode="MULTIPLY"
    ):
        doc.set_line_width(ring)
        doc.circle(cx, cy, radius - ring / 2, style="D")
        doc.star(cx, cy, r_in=2.5, r_out=6.4, corners=5, rotate_degrees=180, style="F")  # a point up
        chars = [c for c in issuer if not c.isspace()]
        if not chars:
            return
        span = min(250.0, 26.0 * len(chars))  # degrees of arc the name covers, centred on the top
        step = span / len(chars)
        em = 5.2  # glyph size in mm, made smaller until the glyphs fit side by side on their circle
        for _ in range(3):
            em = min(5.2, 0.86 * (radius - ring - 0.9 - em / 2) * math.radians(step))
        centre_r = radius - ring - 0.9 - em / 2
        size = em / _PT
        for i, char in enumerate(chars):
            angle = -span / 2 + (i + 0.5) * step  # clockwise from the top
            px = cx + centre_r * math.sin(math.radians(angle))
            py = cy - centre_r * math.cos(math.radians(angle))
            with doc.rotation(-angle, px, py):  # fpdf2 turns counter-clockwise
                page.text(px - page.width(char, size) / 2, py + em * _MIDDLE, char, size)


def _footer(page: Page, sheet: Sheet) -> None:
    doc = page.doc
    doc.set_draw_color(*_RULE)
    doc.set_line_width(0.2)
    doc.line(18, _FOOTER_RULE, _PAGE_W - 18, _FOOTER_RULE)
    doc.set_text_color(*_MUTED)
    signed = f"签章密钥：{sheet.seal_key_id}　签名：{sheet.signature_hex[:16]}…　扫码或访问核验地址验证真伪"
    page.centred(signed, _PAGE_W / 2, _FOOTER_RULE + 4.8, 7.5, 174)
    page.centred(f"核验地址：{sheet.verify_url}", _PAGE_W / 2, _FOOTER_RULE + 9.0, 7.5, 174)


def _watermark(page: Page, text: str) -> None:
    cx, cy = _PAGE_W / 2, _PAGE_H / 2
    size = min(110.0, 160 / max(page.width(text, 1), 0.01))  # about 160 mm long, across the middle
    width = page.width(text, size)
    with page.doc.local_context(fill_opacity=0.14, text_color=_RED), page.doc.rotation(35, cx, cy):
        page.text(cx - width / 2, cy + size * _PT * _MIDDLE, text, size)


@contextmanager
def _document(sheet: Sheet) -> Iterator[Page]:
    """An A4 page whose font ``cjk`` is cut from the CJK font for exactly this sheet's text."""
    with cjk_document(
        _page_text(sheet), title=f"{sheet.type_name} {sheet.identifier}", author=sheet.issuer_name
    ) as page:
        yield page


@contextmanager
def cjk_document(text: Iterable[str], *, title: str, author: str) -> Iterator[Page]:
    """An A4 document, its first page added, whose font ``cjk`` holds every character of ``text``.

    Whatever is drawn must be in ``text``: the font is cut for it. Automatic page breaks are off; a
    caller that needs more pages adds them. Write the PDF (``page.doc.output()``) inside the block.
    """
    source = _glyph_source(cjk_font())
    font = source.cut(set().union(*text))
    doc = FPDF(orientation="P", unit="mm", format="A4")
    doc.set_auto_page_break(False)
    doc.set_lang("zh-CN")
    doc.set_title(title)
    doc.set_author(author)
    doc.set_creator("OneThing 一件事一次办")
    # fpdf2 reads fonts from a path; the file lives until the PDF is written (which closes it).
    with tempfile.TemporaryDirectory(prefix="onething-font-") as tmp:
        path = Path(tmp) / "cjk.ttf"
        path.write_bytes(font)
        doc.add_font("cjk", fname=path)
        # fpdf2 subsets the font again when writing; the glyph bounds of the cut are right already, so
        # let it copy the glyphs' bytes rather than recompile every outline.
        embedded = doc.fonts.get("cjk")
        if embedded is not None and hasattr(embedded, "ttfont"):
            embedded.ttfont.recalcBBoxes = False
        doc.set_font("cjk", size=10)
        doc.add_page()
        try:
            yield Page(doc, source)
        finally:  # output() closes the font file; close it as well when drawing failed half-way
            for loaded in doc.fonts.values():
                if isinstance(loaded, TTFFont):
                    loaded.close()


def pdf(sheet: Sheet) -> bytes:
    """The license as a one-page A4 PDF with its font embedded."""
    with _document(sheet) as page:
        _frame(page)
        _header(page, sheet)
        size, rows = _layout_table(page, _rows(sheet), _BAND_TOP - 6 - _TABLE_TOP)
        _draw_table(page, rows, size)
        _band(page, sheet)
        _footer(page, sheet)
        if sheet.watermark:
            _watermark(page, sheet.watermark)
        return bytes(page.doc.output())
