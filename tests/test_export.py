"""CSV and XLSX exports of a statistics table, and the download header."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import openpyxl  # type: ignore[import-untyped]

from onething.kit.export import NOTES_SHEET, Table, content_disposition, sheet_name, to_csv, to_xlsx

BOM = "\ufeff"

TABLE = Table(
    title="2024年各部门办件统计",
    columns=[
        ("org", "部门"),
        ("count", "办件量"),
        ("avg_days", "平均办理天数"),
        ("on_time", "全部按时"),
        ("note", "备注"),
    ],
    rows=[
        {"org": "市场监管局", "count": 120, "avg_days": 3.25, "on_time": True, "note": "正常"},
        {"org": "人社局", "count": 8, "avg_days": 1 / 3, "on_time": False, "note": None},
        {"org": "公安局", "count": -2, "avg_days": 2.0, "on_time": True},
    ],
    notes=["办件量：统计期内受理的件数。", "平均办理天数：按工作日计。"],
)


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_has_bom_headers_rows_and_notes() -> None:
    data = to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_csv(data) == [
        ["部门", "办件量", "平均办理天数", "全部按时", "备注"],
        ["市场监管局", "120", "3.25", "是", "正常"],
        ["人社局", "8", "0.3333", "否", ""],
        ["公安局", "-2", "2", "是", ""],
        [],
        ["说明：办件量：统计期内受理的件数。"],
        ["说明：平均办理天数：按工作日计。"],
    ]


def test_csv_without_notes_ends_with_the_rows() -> None:
    rows = read_csv(to_csv(Table("t", [("a", "甲")], [{"a": 1}])))
    assert rows == [["甲"], ["1"]]


def test_csv_quotes_commas_and_newlines() -> None:
    table = Table("t", [("a", "甲"), ("b", "乙")], [{"a": "x,y", "b": '说"明\n第二行'}])
    assert read_csv(to_csv(table))[1] == ["x,y", '说"明\n第二行']


def test_csv_guards_formulas_but_not_numbers() -> None:
    cells = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "a=b", "正常"]
    table = Table("t", [("v", "值"), ("n", "数")], [{"v": c, "n": -5} for c in cells] + [{"v": -1.5, "n": 0}])
    body = read_csv(to_csv(table))[1:]
    assert [row[0] for row in body] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "a=b",
        "正常",
        "-1.5",
    ]
    assert {row[1] for row in body} == {"-5", "0"}


def test_csv_formats_floats_and_other_values() -> None:
    columns = [("v", "值")]
    values = [1.0, 0.1 + 0.2, 12.34567, -0.00001, 1e6, Decimal("2.50"), float("nan"), date(2024, 5, 1)]
    body = read_csv(to_csv(Table("t", columns, [{"v": v} for v in values])))[1:]
    assert [row[0] for row in body] == ["1", "0.3", "12.3457", "0", "1000000", "2.5", "", "2024-05-01"]


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_headers_rows_and_types() -> None:
    book = load(to_xlsx(TABLE))
    sheet = book.worksheets[0]
    assert sheet.title == "2024年各部门办件统计"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("部门", "办件量", "平均办理天数", "全部按时", "备注")
    assert rows[1] == ("市场监管局", 120, 3.25, "是", "正常")
    assert rows[3] == ("公安局", -2, 2.0, "是", None)
    assert isinstance(sheet["B2"].value, int) and sheet["B2"].data_type == "n"
    assert isinstance(sheet["C3"].value, float)
    assert sheet["C3"].value == 1 / 3  # stored at full precision, not as text
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"


def test_xlsx_notes_sheet() -> None:
    book = load(to_xlsx(TABLE))
    assert book.sheetnames == ["2024年各部门办件统计", NOTES_SHEET]
    notes = [row[0] for row in book[NOTES_SHEET].iter_rows(values_only=True)]
    assert notes == list(TABLE.notes)
    assert load(to_xlsx(Table("t", [("a", "甲")], [{"a": 1}]))).sheetnames == ["t"]


def test_xlsx_column_widths_count_cjk_double() -> None:
    table = Table("t", [("a", "部门"), ("b", "code")], [{"a": "不动产登记中心", "b": "abcdefghijklmn"}])
    sheet = load(to_xlsx(table)).worksheets[0]
    cjk, latin = sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width
    assert cjk == 7 * 2 + 2
    assert latin == 14 + 2


def test_xlsx_guards_formulas() -> None:
    table = Table("t", [("v", "值"), ("n", "数")], [{"v": "=1+2", "n": -3}, {"v": "@cmd", "n": 1.5}])
    sheet = load(to_xlsx(table)).worksheets[0]
    assert sheet["A2"].value == "'=1+2" and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "'@cmd"
    assert sheet["B2"].value == -3 and sheet["B2"].data_type == "n"
    assert sheet["B3"].value == 1.5


def test_sheet_names_are_sanitised() -> None:
    assert sheet_name("办件[2024]:统计*?/\\") == "办件_2024__统计____"
    assert sheet_name("'引号'") == "引号"
    assert sheet_name("") == "Sheet1"
    long = "一" * 40
    assert sheet_name(long) == "一" * 31
    title = "a/b:c" + "长" * 40
    book = load(to_xlsx(Table(title, [("a", "甲")], [{"a": 1}])))
    name = book.sheetnames[0]
    assert len(name) == 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert name.startswith("a_b_c")


# --- Content-Disposition ------------------------------------------------------------------------


def test_content_disposition_with_a_chinese_name() -> None:
    name = "2024年 办件统计（全市）.xlsx"
    header = content_disposition(name)
    match = re.fullmatch(r'attachment; filename="([ -~]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', header)
    assert match, header
    fallback, encoded = match.groups()
    assert unquote(encoded, encoding="utf-8") == name
    assert fallback.endswith(".xlsx") and '"' not in fallback and "\\" not in fallback
    assert header.isascii()


def test_content_disposition_fallbacks() -> None:
    assert content_disposition("办件统计.csv").startswith('attachment; filename="download.csv"; ')
    assert content_disposition("report.csv") == "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv"
    header = content_disposition('a"b\r\nc/d.csv')
    assert "\r" not in header and "\n" not in header
    assert 'filename="a_b__c_d.csv"' in header
    assert unquote(header.split("''", 1)[1]) == 'a"b__c_d.csv'
