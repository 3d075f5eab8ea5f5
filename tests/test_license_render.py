"""License rendering: a one-page A4 PDF with an embedded Chinese font and real text, and its QR codes."""

from __future__ import annotations

import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
import zxingcpp
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image, ImageDraw

from onething.licenses import render
from onething.licenses.render import FONT_ENV, FontMissing, Sheet, cjk_font, pdf, qr_png, qr_svg

IDENTIFIER = "1.2.156.3005.2.11100000000013338W.430104.2026112200001.0001"
URL = f"https://zwfw.hunan.gov.cn/onething/licenses/verify/{IDENTIFIER}"
SIGNATURE = "9f2c4be01d7a3365" + "ab" * 56
SCOPE = (
    "一般项目：餐饮管理；食品销售（仅销售预包装食品）；日用百货销售；烟草制品零售；技术服务、技术开发、"
    "技术咨询（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）。许可项目：餐饮服务（依法须经"
    "批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）。"
)


def make_sheet(**changes: object) -> Sheet:
    sheet = Sheet(
        identifier=IDENTIFIER,
        type_name="营业执照",
        holder_label="名称",
        holder_name="长沙湘味轩餐饮管理有限公司",
        holder_code="91430104MA4L******",
        fields=[
            ("类型", "有限责任公司（自然人投资或控股）"),
            ("法定代表人", "欧阳*䶮"),
            ("注册资本", "伍佰万元整"),
            ("住所", "湖南省长沙市岳麓区麓谷街道麓松路459号中电软件园总部大楼1号栋8楼801室"),
            ("经营范围", SCOPE),
        ],
        issuer_name="长沙市岳麓区市场监督管理局",
        issue_date=date(2026, 11, 22),
        valid_until=None,
        status_name="有效",
        verify_url=URL,
        seal_key_id="430104-scjg-2026-01",
        signature_hex=SIGNATURE,
        watermark=None,
    )
    return replace(sheet, **changes)  # type: ignore[arg-type]


def only_page(data: bytes) -> pypdf.PageObject:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def decode(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image.convert("L"))]


def test_pdf_is_one_a4_page_whose_chinese_text_can_be_extracted() -> None:
    page = only_page(pdf(make_sheet()))
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    text = page.extract_text()
    for expected in (
        "营业执照",
        "长沙湘味轩餐饮管理有限公司",
        "长沙市岳麓区市场监督管理局",
        IDENTIFIER,
        "2026年11月22日",
    ):
        assert expected in text
    assert "有效期至：长期" in text
    assert "证照状态：有效" in text
    assert "欧阳*䶮" in text  # CJK Extension A, where rare characters of names live
    assert "扫码或访问核验地址验证真伪" in text
    assert f"签名：{SIGNATURE[:16]}…" in text
    assert SIGNATURE[:17] not in text
    assert "430104-scjg-2026-01" in text
    assert flat(SCOPE) in flat(text)  # the long value is there whole, across its wrapped lines


def test_font_is_an_embedded_truetype_subset_with_the_page_glyphs() -> None:
    page = only_page(pdf(make_sheet()))
    resources: Any = page["/Resources"]  # pypdf types a dictionary lookup as any PDF object
    fonts = [font.get_object() for font in resources["/Font"].values()]
    assert len(fonts) == 1
    font = fonts[0]
    assert font["/Subtype"] == "/Type0"
    assert re.fullmatch(r"/[A-Z]{6}\+.+", font["/BaseFont"])  # a subset, by PDF's naming rule
    descendant = font["/DescendantFonts"][0].get_object()
    assert descendant["/Subtype"] == "/CIDFontType2"
    descriptor = descendant["/FontDescriptor"].get_object()
    assert isinstance(descriptor, pypdf.generic.DictionaryObject)
    stream = descriptor["/FontFile2"].get_object()
    assert isinstance(stream, pypdf.generic.StreamObject)
    program = stream.get_data()
    assert len(program) < 150_000  # a few hundred glyphs, not the 17 MB font
    assert "glyf" in TTFont(io.BytesIO(program))  # parses as TrueType
    # fpdf2 numbers the glyphs of the subset itself; the ToUnicode map says which characters they are.
    to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    mapped = {chr(int(code, 16)) for code in re.findall(r"<[0-9A-F]{4}> <([0-9A-F]{4})>", to_unicode)}
    assert set("营业执照长沙湘味轩欧阳䶮") <= mapped


def test_page_text_covers_every_glyph_drawn(caplog: pytest.LogCaptureFixture) -> None:
    # fpdf2 logs the characters its font lacks; the per-document font must hold all that is drawn.
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf(make_sheet(watermark="样例", valid_until=date(2031, 1, 1), status_name="吊销"))
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_text_is_measured_as_fpdf2_places_it(tmp_path: Path) -> None:
    source = render._glyph_source(cjk_font())
    text = "营业执照 Licence-No.91430104MA4L（长期）…，。"
    font_file = tmp_path / "cut.ttf"
    font_file.write_bytes(source.cut(set(text)))
    doc = FPDF(unit="mm")
    doc.add_font("cut", fname=font_file)
    doc.set_font("cut", size=10.5)
    page = render.Page(doc, source)
    assert page.width(text, 10.5) == pytest.approx(doc.get_string_width(text), abs=1e-6)
    doc.add_page()
    doc.output()  # closes the font file


def test_cut_font_draws_every_glyph_as_the_full_font_does() -> None:
    source = render._glyph_source(cjk_font())
    # Composite glyphs name their parts by glyph number, which the cut renumbers.
    composites = [chr(code) for code, name in source.cmap.items() if render.Glyph(source._raw(name)).isComposite()][:20]
    chars = set("营业执照欧阳䶮（），。ABC123") | set(composites)
    cut = TTFont(io.BytesIO(source.cut(chars)))
    whole_glyphs, cut_glyphs = source.font.getGlyphSet(), cut.getGlyphSet()
    cut_cmap = cut.getBestCmap()
    for char in chars:
        if ord(char) not in source.cmap:
            continue
        drawn = []
        for glyphs, name in ((whole_glyphs, source.cmap[ord(char)]), (cut_glyphs, cut_cmap[ord(char)])):
            pen = DecomposingRecordingPen(glyphs)
            glyphs[name].draw(pen)
            drawn.append((pen.value, glyphs[name].width))
        assert drawn[0] == drawn[1], char


def test_qr_code_in_the_pdf_decodes_to_the_verification_url() -> None:
    images = only_page(pdf(make_sheet())).images
    assert len(images) == 1
    image = images[0].image
    assert image is not None
    assert decode(image) == [URL]


def test_qr_png_decodes() -> None:
    assert decode(Image.open(io.BytesIO(qr_png(URL, scale=4)))) == [URL]


def test_qr_svg_is_inline_and_decodes() -> None:
    svg = qr_svg(URL)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "xmlns" not in svg  # fit to drop into an HTML page
    # Draw the path back into pixels: segno writes each dark run as a horizontal 1-module line
    # ("M x y.5" / "m dx dy" moves, "h n" runs), scaled by the transform.
    width = int(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))  # type: ignore[union-attr]
    path = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    modules = width // scale
    image = Image.new("L", (modules * 4, modules * 4), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            row = int(y)
            draw.rectangle((int(x) * 4, row * 4, int(x + numbers[0]) * 4 - 1, row * 4 + 3), fill=0)
            x += numbers[0]
    assert decode(image) == [URL]


def test_long_values_wrap_and_the_page_stays_one() -> None:
    endless = "依法须经批准的项目，经相关部门批准后方可开展经营活动。" * 12
    code_run = "A1B2C3D4E5" * 30  # one Latin run longer than a line: cut by characters
    fields = [(f"第{i}项较长的字段名称", endless if i % 2 else f"{code_run}") for i in range(20)]
    page = only_page(pdf(make_sheet(fields=fields, type_name="中华人民共和国道路运输经营许可证")))
    text = page.extract_text()
    assert "中华人民共和国道路运输经营许可证" in text
    assert "第19项较长的字段名称" in text
    assert "…" in text  # too long even at the smallest size: cut, the verification page has it whole


def test_wrapping_rules() -> None:
    with render._document(make_sheet()) as page:
        text = "经营范围：餐饮服务；食品销售（仅销售预包装食品），技术服务。代码 91430104MA4L0XXXX 在此。" * 3
        lines = page.wrap(text, 60.0, 10.5)
        assert len(lines) > 3
        assert all(page.width(line, 10.5) <= 60.0 + 1e-6 for line in lines)
        assert not any(line[0] in "，。；：）" for line in lines)  # no closing punctuation starts a line
        assert not any(line[-1] in "（" for line in lines)  # no opening punctuation ends one
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert any("91430104MA4L0XXXX" in line for line in lines)  # a code is not split
        assert page.wrap("第一行\n第二行", 60.0, 10.5) == ["第一行", "第二行"]


def test_watermark_is_drawn_only_when_set() -> None:
    assert "已撤销" in only_page(pdf(make_sheet(watermark="已撤销", status_name="撤销"))).extract_text()
    assert "样例" not in only_page(pdf(make_sheet())).extract_text()


def test_missing_font_says_which_debian_package_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(FONT_ENV, raising=False)
    monkeypatch.setattr(render, "KNOWN_FONTS", (tmp_path / "wqy-zenhei.ttc",))
    with pytest.raises(FontMissing, match="fonts-wqy-zenhei"):
        cjk_font()
    with pytest.raises(FontMissing, match="fonts-wqy-zenhei"):
        pdf(make_sheet())


def test_font_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(FontMissing, match=FONT_ENV):
        cjk_font()
    chosen = render.KNOWN_FONTS[0]
    if not chosen.is_file():
        pytest.skip("no TrueType CJK font installed")
    monkeypatch.setenv(FONT_ENV, str(chosen))
    assert cjk_font() == chosen


def test_a_cff_font_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not noto.is_file():
        pytest.skip("fonts-noto-cjk is not installed")
    monkeypatch.setenv(FONT_ENV, str(noto))
    with pytest.raises(FontMissing, match="TrueType"):
        pdf(make_sheet())


def test_threads_render_at_once() -> None:
    sheets = [make_sheet(holder_name=f"长沙第{i}号餐饮店", verify_url=f"{URL}.{i}") for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = [only_page(data) for data in pool.map(pdf, sheets)]
    for i, page in enumerate(pages):
        assert f"长沙第{i}号餐饮店" in page.extract_text()
