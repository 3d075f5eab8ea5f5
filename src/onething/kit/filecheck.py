"""Is an upload what its magic bytes claim? Opened with bounded effort, never rendered.

Magic bytes alone let through a PDF that is also an HTML page (a browser sniffing it runs its script),
a 2 MB PDF whose streams inflate to gigabytes, a PDF that runs JavaScript or launches a program when a
reviewer opens it, and a PNG header announcing a billion pixels. So:

- a PDF must parse (pypdf), have at most ``max_pages`` pages, carry no active content (JavaScript,
  automatic or launch actions, embedded files, forms that submit, rich media), and its streams must use
  the usual filters and inflate, all together, to at most ``inflate_max_bytes`` — measured by inflating
  into a running budget, never by decoding a stream whole; its images may not exceed ``max_pixels``;
- an image must decode (Pillow: ``verify`` then a load bounded by ``max_pixels``) as the format its
  magic bytes say;
- neither may carry HTML markers outside a PDF's streams (their compressed bytes are not text).

Every refusal is a ``ValidationFailed`` on field "file" saying what is wrong, in Chinese.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from onething.kit.errors import ValidationFailed

if TYPE_CHECKING:
    from onething.kit.settings import Settings

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

# A process-wide backstop for any other Pillow use; uploads are held to ``Limits.max_pixels``.
Image.MAX_IMAGE_PIXELS = 50_000_000
logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken xref is the uploader's, not our warning

_HTML = re.compile(rb"<(?:html|head|body|script|iframe|svg|!doctype)\b", re.IGNORECASE)
_STREAMS = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
# Keys that make a PDF do something when opened, or carry another file inside.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia"}
    | {"/XFA", "/SubmitForm", "/ImportData", "/EF"}
)
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute"})
# Filters whose output is at most a few times their input, or an image bounded by its pixels.
_SHRINKING = frozenset({"/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"})
_IMAGE_CODECS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})
_FLATE = frozenset({"/FlateDecode", "/Fl"})
_CHUNK = 1024 * 1024
MAX_OBJECTS = 200_000


@dataclass(frozen=True, slots=True)
class Limits:
    inflate_max_bytes: int = 256 * 1024 * 1024
    max_pages: int = 500
    max_pixels: int = 50_000_000

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.upload_inflate_max_bytes, settings.upload_max_pages, settings.upload_max_pixels)


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, field="file", code=code)


def check_content(data: bytes, content_type: str, limits: Limits) -> None:
    if content_type == PDF:
        check_pdf(data, limits)
    elif content_type in _FORMATS:
        check_image(data, content_type, limits)


def _no_html(text: bytes) -> None:
    if _HTML.search(text):
        raise _refuse("文件中含有网页代码，不是有效的材料文件，请上传原始的 PDF 或图片", "file_html")


def check_image(data: bytes, content_type: str, limits: Limits) -> None:
    _no_html(data)
    broken = _refuse("图片文件已损坏或无法识别，请重新扫描或拍照后上传", "file_broken")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != _FORMATS[content_type]:
                    raise _refuse("图片的实际格式与文件头不符", "file_type")
                _pixels_ok(probe.width, probe.height, limits)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limits) from None
    except Exception:  # Pillow reports a bad file with many exception types (OSError, SyntaxError…)
        raise broken from None


def _pixels_ok(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0 or width * height > limits.max_pixels:
        raise _too_many_pixels(limits)


def _too_many_pixels(limits: Limits) -> ValidationFailed:
    mp = limits.max_pixels / 1_000_000
    return _refuse(f"图片尺寸过大（超过 {mp:.3g} 百万像素），请降低分辨率后上传", "file_too_many_pixels")


def check_pdf(data: bytes, limits: Limits) -> None:
    _no_html(data[:1024])
    _no_html(_STREAMS.sub(b"", data))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse("PDF 文件已加密，请上传未加密的文件", "file_encrypted")
        if len(reader.pages) > limits.max_pages:
            raise _refuse(f"PDF 文件不能超过 {limits.max_pages} 页", "file_too_many_pages")
        _check_objects(reader, limits)
    except ValidationFailed:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise _refuse("PDF 文件已损坏或无法解析，请重新导出后上传", "file_broken") from None


def _objects(reader: PdfReader) -> list[Any]:
    """Every object the file holds, those packed in object streams too (where raw scans cannot see)."""
    ids: set[tuple[int, int]] = set()
    for generation, numbers in reader.xref.items():
        ids.update((number, generation) for number in numbers)
    ids.update((number, 0) for number in reader.xref_objStm)
    if len(ids) > MAX_OBJECTS:
        raise _refuse("PDF 文件结构过于复杂，无法检查", "file_too_complex")
    found: list[Any] = [IndirectObject(n, g, reader).get_object() for n, g in sorted(ids)]
    found.append(reader.trailer)
    return [obj for obj in found if obj is not None]


def _check_objects(reader: PdfReader, limits: Limits) -> None:
    budget = [limits.inflate_max_bytes]
    for obj in _objects(reader):
        if isinstance(obj, DictionaryObject):
            _no_active(obj)
        if isinstance(obj, StreamObject):
            _check_stream(obj, limits, budget)


def _no_active(obj: DictionaryObject) -> None:
    active = sorted(_ACTIVE_KEYS.intersection(str(k) for k in obj))
    action, kind = obj.get("/S"), obj.get("/Type")
    if not active and isinstance(action, NameObject) and str(action) in _ACTIVE_ACTIONS:
        active = [str(action)]
    if not active and isinstance(kind, NameObject) and str(kind) == "/EmbeddedFile":
        active = [str(kind)]
    if active:
        raise _refuse(
            "PDF 文件含有脚本、自动动作或嵌入文件，出于安全原因不予接收，请打印为普通 PDF 后重新上传",
            "file_active_content",
        )


def _filters(obj: StreamObject) -> list[str]:
    value = obj.get("/Filter")
    if value is None:
        return []
    value = value.get_object()
    if isinstance(value, ArrayObject):
        return [str(v.get_object()) for v in value]
    return [str(value)]


def _check_stream(obj: StreamObject, limits: Limits, budget: list[int]) -> None:
    filters = _filters(obj)
    unknown = [f for f in filters if f not in _SHRINKING | _IMAGE_CODECS | _FLATE]
    if unknown:
        raise _refuse(f"PDF 文件使用了不支持的压缩方式 {unknown[0][1:]}，请重新导出后上传", "file_filter")
    if str(obj.get("/Subtype", "")) == "/Image":
        width, height = obj.get("/Width", 0), obj.get("/Height", 0)
        if not isinstance(width, int) or not isinstance(height, int):
            raise _refuse("PDF 文件已损坏或无法解析，请重新导出后上传", "file_broken")
        _pixels_ok(width, height, limits)
    raw: bytes = getattr(obj, "_data", b"") or b""
    if not any(f in _FLATE for f in filters):
        _spend(budget, len(raw))
        return
    # Only the filters before the first Flate run first (they shrink); Flate inflates into the budget.
    first = next(i for i, f in enumerate(filters) if f in _FLATE)
    data = _ascii_decode(raw, filters[:first])
    _spend(budget, _inflated_size(data, budget[0]))


def _ascii_decode(data: bytes, filters: list[str]) -> bytes:
    from pypdf.filters import ASCII85Decode, ASCIIHexDecode

    for f in filters:
        if f in ("/ASCIIHexDecode", "/AHx"):
            data = ASCIIHexDecode.decode(data)
        elif f in ("/ASCII85Decode", "/A85"):
            data = ASCII85Decode.decode(data)
        else:  # an image codec before Flate: not a layout any producer writes
            raise _refuse(f"PDF 文件使用了不支持的压缩方式 {f[1:]}，请重新导出后上传", "file_filter")
    return data


def _inflated_size(data: bytes, allowed: int) -> int:
    """How many bytes ``data`` inflates to, stopping one past ``allowed``; memory stays one chunk."""
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending and total <= allowed:
            total += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # a damaged stream: what inflated so far counts, readers stop at the damage too
    return total


def _spend(budget: list[int], amount: int) -> None:
    budget[0] -= amount
    if budget[0] < 0:
        raise _refuse("PDF 文件解压后过大，疑似恶意构造的文件，请重新导出后上传", "file_too_large_inflated")
