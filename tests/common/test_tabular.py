"""Reading uploaded CSV and XLSX files: encodings, headers, numbers, refusals."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from app.common import tabular
from app.common.tabular import TableError
from tests.common.spreadsheets import WHOLE_SHEET, count_cells_read, hostile_xlsx

pytestmark = pytest.mark.usefixtures("english_messages")


ALIASES = {"student_number": ("学号", "工号"), "name": ("姓名",), "phone": ("手机", "电话")}


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CSV_TEXT = "学号,姓名\n2023141001,张三\n2023141002,李四\n"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (CSV_TEXT.encode("utf-8"), "utf-8"),
        (CSV_TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (CSV_TEXT.encode("gb18030"), "gb18030"),
    ],
)
def test_utf8_with_or_without_bom_and_gb18030_read_the_same(app, data, encoding):
    table = tabular.read_table(data, aliases=ALIASES, required=("student_number",))
    assert table.encoding == encoding
    assert [row.values for row in table.rows] == [
        {"student_number": "2023141001", "name": "张三"},
        {"student_number": "2023141002", "name": "李四"},
    ]
    assert [row.number for row in table.rows] == [2, 3]


def test_gb18030_is_not_mistaken_for_utf8():
    # These bytes are valid GB18030 and not valid UTF-8.
    text, encoding = tabular.decode_text("姓名,学院\n王五,计算机学院\n".encode("gb18030"))
    assert encoding == "gb18030" and "计算机学院" in text


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"   \n  \n", "empty"),
        ("学号,姓名\n1,张三\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"%PDF-1.7\n\x00\x01\x02 stream", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (b"\xff\xd8\xff\xe0\x80\x80\x81\xfe\xfe\x1b\x1c", "encoding"),
    ],
)
def test_files_that_are_not_tables_are_refused_with_a_message(app, data, message):
    with pytest.raises(TableError) as error:
        tabular.read_table(data, aliases=ALIASES)
    assert message in error.value.message


def test_a_zip_that_is_not_a_workbook_is_refused(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(TableError) as error:
        tabular.read_table(buffer.getvalue())
    assert "not an Excel workbook" in error.value.message


def test_size_and_row_caps(app):
    with pytest.raises(TableError) as too_big:
        tabular.read_table(CSV_TEXT.encode(), max_bytes=10)
    assert "larger than" in too_big.value.message
    many = "学号,姓名\n" + "".join(f"{n},x\n" for n in range(1000, 1100))
    with pytest.raises(TableError) as too_many:
        tabular.read_table(many.encode(), max_rows=50)
    assert "more than 50 rows" in too_many.value.message


def test_missing_required_column_is_named(app):
    with pytest.raises(TableError) as error:
        tabular.read_table(
            "姓名,手机\n张三,138\n".encode(), aliases=ALIASES, required=["student_number"]
        )
    assert "学号 / 工号" in error.value.message


def test_a_duplicated_column_is_refused(app):
    with pytest.raises(TableError) as error:
        tabular.read_table("学号,姓名,工号\n1,a,2\n".encode(), aliases=ALIASES)
    assert "appears twice" in error.value.message


def test_headers_are_normalised_and_title_rows_skipped(app):
    data = (
        "2024级学生名单,,\n\n 学号* ,ＮＡＭＥ,手机 (选填),备注\n"
        "2024000001,张三,+86 138 0000 1111,x\n"
    )
    table = tabular.read_table(data.encode(), aliases={**ALIASES, "name": ("姓名", "name")})
    assert table.header_row == 3
    assert table.columns == ["student_number", "name", "phone", "备注"]
    assert table.rows[0].values["phone"] == "+86 138 0000 1111"
    assert table.rows[0].number == 4


def test_cells_beyond_the_header_are_reported_as_extra(app):
    table = tabular.read_table("学号,姓名\n2024000001,张,三\n".encode(), aliases=ALIASES)
    assert table.rows[0].extra == ["三"]


def test_semicolon_and_tab_separated_files_are_read(app):
    assert tabular.read_table(b"a;b\n1;2\n").rows[0].values == {"a": "1", "b": "2"}
    assert tabular.read_table(b"a\tb\n1\t2\n").rows[0].values == {"a": "1", "b": "2"}


def test_an_unclosed_quote_is_a_clear_refusal(app):
    with pytest.raises(TableError) as error:
        tabular.read_table(b'a,b\n1,"2\n3,4\n')
    assert "malformed" in error.value.message


def test_xlsx_numbers_come_back_as_written(app):
    data = xlsx(
        [
            ["学号", "姓名", "手机"],
            [2023141001, "张三", 13800001111],
            [2.023141002e9, "李四", "+86 13800002222"],
            ["00123", "王五", None],
            [None, None, None],
            ["2024000004", '=HYPERLINK("http://x")', datetime(2024, 9, 1)],
        ]
    )
    table = tabular.read_table(data, aliases=ALIASES)
    assert table.format == "xlsx"
    values = [row.values for row in table.rows]
    assert values[0] == {"student_number": "2023141001", "name": "张三", "phone": "13800001111"}
    assert values[1]["student_number"] == "2023141002"
    assert values[2] == {"student_number": "00123", "name": "王五", "phone": ""}
    assert values[3]["name"].startswith("=HYPERLINK")
    assert values[3]["phone"] == "2024-09-01"
    assert [row.number for row in table.rows] == [2, 3, 4, 6]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2023141001", "2023141001"),
        ("2.023141001E9", "2023141001"),
        ("2.023141001e+09", "2023141001"),
        ("2.02314E+09", None),
        ("1.5E0", None),
        ("abc", "abc"),
    ],
)
def test_scientific_notation_is_trusted_only_with_every_digit(text, expected):
    assert tabular.integer_text(text) == expected


@pytest.mark.parametrize(
    "text,formula",
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ("+86 138", True),
        ("-2", True),
        ("张三", False),
        ("", False),
    ],
)
def test_formula_detection(text, formula):
    assert tabular.looks_like_formula(text) is formula


def test_cell_text_has_no_float_noise():
    assert tabular.cell_text(2023141001.0) == "2023141001"
    assert tabular.cell_text(0.1) == "0.1"
    assert tabular.cell_text(1e-7) == "0.0000001"
    assert tabular.cell_text(None) == ""


# Bounded reading: the cost follows the cells really there -----------------------------------

ROWS = [["学号", "姓名"], ["2023141001", "张三"], ["2023141002", "李四"]]


def test_a_sheet_declaring_the_whole_grid_reads_only_its_cells(app, monkeypatch):
    data = hostile_xlsx(
        ROWS, dimension=WHOLE_SHEET, cells={"XFD2": None, "A1048576": None, "XFD1048576": None}
    )
    read = count_cells_read(monkeypatch)
    table = tabular.read_table(data, aliases=ALIASES, required=("student_number",))
    assert [row.values for row in table.rows] == [
        {"student_number": "2023141001", "name": "张三"},
        {"student_number": "2023141002", "name": "李四"},
    ]
    assert read[0] <= 3 * tabular.DEFAULT_IMPORT_MAX_COLUMNS


def test_a_stray_value_far_down_is_a_row_of_its_own_found_without_walking_the_gap(app, monkeypatch):
    data = hostile_xlsx(ROWS, dimension="A1:B1000000", cells={"A1000000": "2023141003"})
    count_cells_read(monkeypatch)
    table = tabular.read_table(data, aliases=ALIASES)
    assert [row.number for row in table.rows] == [2, 3, 1_000_000]
    assert table.rows[-1].values == {"student_number": "2023141003", "name": ""}


@pytest.mark.parametrize(
    "refused,read",
    [
        (
            hostile_xlsx(ROWS, dimension=WHOLE_SHEET, cells={"XFD3": "x"}),
            hostile_xlsx(ROWS, dimension=WHOLE_SHEET, cells={"XFD3": " ", "XFD1": None}),
        ),
        (
            ("学号,姓名\n2023141001,张三\n2023141002,李四" + "," * 300 + "x\n").encode(),
            ("学号,姓名\n2023141001,张三\n2023141002,李四" + "," * 300 + "\n").encode(),
        ),
    ],
    ids=["xlsx", "csv"],
)
def test_a_value_beyond_the_column_limit_is_refused_naming_the_limit(app, refused, read):
    with pytest.raises(TableError) as error:
        tabular.read_table(refused, aliases=ALIASES)
    assert error.value.message.startswith("Row 3 has a value in column ")
    assert "at most 200 columns are read" in error.value.message
    assert len(tabular.read_table(read, aliases=ALIASES).rows) == 2


def test_the_row_ceiling_is_a_setting_over_every_import(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    data = hostile_xlsx([*ROWS, ["2023141003", "王五"]], dimension=WHOLE_SHEET)
    with pytest.raises(TableError) as error:
        tabular.read_table(data, aliases=ALIASES, max_rows=20_000)
    assert "more than 2 rows" in error.value.message
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    assert len(tabular.read_table(data, aliases=ALIASES, max_rows=20_000).rows) == 3


def test_reading_stops_at_the_time_limit_with_a_message(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_SECONDS", 5)
    ticks = iter(range(1000))  # a clock where each row takes a second
    data = "学号,姓名\n" + "".join(f"20231410{n:02d},某人\n" for n in range(20))
    with pytest.raises(TableError) as error:
        tabular.read_table(data.encode(), aliases=ALIASES, clock=lambda: next(ticks))
    assert "longer than the limit of 5 seconds" in error.value.message
    monkeypatch.setitem(app.config, "IMPORT_MAX_SECONDS", 60)
    ticks = iter(range(1000))
    table = tabular.read_table(data.encode(), aliases=ALIASES, clock=lambda: next(ticks))
    assert len(table.rows) == 20


def test_a_huge_csv_cell_is_refused_naming_the_limit(app):
    data = ("学号,姓名\n2023141001,张三\n2023141002," + "李" * 200_000 + "\n").encode()
    with pytest.raises(TableError) as error:
        tabular.read_table(data, aliases=ALIASES)
    assert error.value.message == (
        "A cell near line 3 is longer than 131072 characters (an unclosed quote?)."
    )
