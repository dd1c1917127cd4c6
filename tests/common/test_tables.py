"""Tables people download, read back the way Excel and campus importers read them."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from app.common.tables import CSV_CODECS, content_disposition, download, write_table
from tests.common.spreadsheets import read_xlsx
from tests.helpers import text_download

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]


def read_csv(content: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    ("fmt", "encoding"), [("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", "utf-8")]
)
def test_every_format_neutralises_cells_a_spreadsheet_would_run(prefix, fmt, encoding):
    formula = f'{prefix}HYPERLINK("http://evil.example")'

    content = write_table([f"{prefix}名称"], [[formula], [-2]], fmt, encoding=encoding)

    lines = read_xlsx(content) if fmt == "xlsx" else read_csv(content, CSV_CODECS[encoding])
    number = -2 if fmt == "xlsx" else "-2"  # numbers are ours: never quoted
    assert [line[0] for line in lines] == [f"'{prefix}名称", "'" + formula, number]


def test_harmless_text_is_written_as_it_is():
    content = write_table(["名称"], [["王=五"], ["读书会 - 第3期"]])

    assert read_csv(content) == [["名称"], ["王=五"], ["读书会 - 第3期"]]


def test_utf8_csv_starts_with_a_bom_and_gb18030_does_not():
    utf8 = write_table(["学号"], [["0012345"]])
    gb18030 = write_table(["学号"], [["0012345"]], encoding="gb18030")

    assert utf8.startswith(b"\xef\xbb\xbf")
    assert not gb18030.startswith(b"\xef\xbb\xbf")
    assert utf8.count(b"\r\n") == gb18030.count(b"\r\n") == 2  # CRLF, as Excel writes
    assert not write_table(["学号"], [], "xlsx").startswith(b"\xef\xbb\xbf")


def test_gb18030_round_trips_characters_outside_gbk():
    content = write_table(["姓名"], [["𠮷野 😀"]], encoding="gb18030")

    assert read_csv(content, "gb18030") == [["姓名"], ["𠮷野 😀"]]


def test_xlsx_keeps_text_columns_as_text_with_a_bold_header():
    content = write_table(
        ["学号", "姓名", "学时"],
        [["0012345", "张三", 12.5]],
        "xlsx",
        text_columns=[0],
        title="名单",
    )

    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "名单"
    assert read_xlsx(content) == [("学号", "姓名", "学时"), ("0012345", "张三", 12.5)]
    assert [cell.data_type for cell in sheet[2]] == ["s", "s", "n"]
    assert sheet["A2"].number_format == "@"
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"


def test_a_chinese_filename_is_named_for_every_client():
    value = content_disposition("志愿者名单-2026.csv")

    assert value == (
        'attachment; filename="-2026.csv"; '
        "filename*=UTF-8''%E5%BF%97%E6%84%BF%E8%80%85%E5%90%8D%E5%8D%95-2026.csv"
    )
    assert content_disposition("roster.csv") == 'attachment; filename="roster.csv"'
    assert content_disposition("a.png", inline=True) == 'inline; filename="a.png"'


def test_download_sends_exactly_one_charset(app):
    with app.test_request_context():
        response = download("学号\r\n".encode("gb18030"), "名单.csv", "text/csv; charset=gb18030")

    assert text_download(response, "text/csv; charset=gb18030") == "学号\r\n"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
