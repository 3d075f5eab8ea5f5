"""Exports of a statistics table as CSV (for Excel) and XLSX, and the download header for them.

Both formats guard against formula injection: a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading ``'`` so a spreadsheet shows it as text instead
of running it. Numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

__all__ = ["NOTES_SHEET", "Table", "content_disposition", "sheet_name", "to_csv", "to_xlsx"]

NOTES_SHEET = "口径说明"
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60  # column width cap, in Excel character units


@dataclass(frozen=True)
class Table:
    """A statistics table: ``columns`` are (key in each row, Chinese header); ``notes`` define the figures."""

    title: str
    columns: Sequence[tuple[str, str]]
    rows: Sequence[Mapping[str, object]]
    notes: Sequence[str] = ()


def _guard(text: str) -> str:
    """Leading ``'`` for text a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(_RISKY_START) else text


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _format_number(value: float | Decimal) -> str:
    """Up to 4 decimals, no trailing zeros; integers as they are."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(value: object) -> str:
    """A cell as text, the way the CSV shows it (and the XLSX shows text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return _format_number(value)
    return _guard(str(value))


# --- CSV ----------------------------------------------------------------------------------------


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM (Excel then reads the Chinese right); the notes follow after an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_guard(header) for _, header in table.columns])
    for row in table.rows:
        writer.writerow([_text(row.get(key)) for key, _ in table.columns])
    if table.notes:
        writer.writerow([])
        for note in table.notes:
            writer.writerow([f"说明：{note}"])
    return buffer.getvalue().encode("utf-8-sig")


# --- XLSX ---------------------------------------------------------------------------------------


def sheet_name(title: str) -> str:
    """``title`` as a legal Excel sheet name: no ``[]:*?/\\``, no edge apostrophes, at most 31 characters."""
    name = _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", title)).strip().strip("'")
    name = name[:31].strip().strip("'")
    return name or "Sheet1"


def _cell(value: object) -> object:
    """A value for openpyxl: numbers and dates stay typed, everything else becomes guarded text."""
    if isinstance(value, bool) or value is None:
        return _text(value) or None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: keep the wall-clock time
    if isinstance(value, date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", _text(value))


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK and other wide characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_xlsx(table: Table) -> bytes:
    """A workbook with the table (bold, frozen header) and, when there are notes, a sheet "口径说明"."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(table.title)
    headers = [_guard(header) for _, header in table.columns]
    sheet.append(headers)
    widths = [_display_width(h) for h in headers]
    for row in table.rows:
        values = [row.get(key) for key, _ in table.columns]
        sheet.append([_cell(v) for v in values])
        widths = [max(w, _display_width(_text(v))) for w, v in zip(widths, values, strict=True)]
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, _MAX_WIDTH)
    if table.notes:
        notes = book.create_sheet(NOTES_SHEET)
        for note in table.notes:
            notes.append([ILLEGAL_CHARACTERS_RE.sub("", _guard(note))])
        notes.column_dimensions["A"].width = min(max(_display_width(n) for n in table.notes) + 2, 120)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- download header ----------------------------------------------------------------------------


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one percent-encoded (RFC 6266, RFC 5987)."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "_", filename).strip() or "download"
    stem, _, ext = name.rpartition(".")
    if not stem:  # no dot, or only a leading one
        stem, ext = name, ""
    fallback = (_ascii(stem) or "download") + (f".{_ascii(ext)}" if _ascii(ext) else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    """Letters, digits and ``._-`` of ``text`` after dropping accents; other runs become one ``_``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("_")
