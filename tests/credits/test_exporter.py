"""Export files read back the way a campus importer reads them: XLSX with openpyxl, CSV with
the csv module."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.credits import export_templates, exporter
from app.credits.exporter import ExportRow
from app.credits.models import CreditTemplate
from tests.common.spreadsheets import read_xlsx

EXPORT_DAY = date(2026, 10, 8)


def row(**changes) -> ExportRow:
    values = {
        "student_number": "0012345",
        "name": "张三",
        "college": "计算机学院",
        "class_name": "",
        "activity_name": "总服务台值班",
        "category": "志愿公益",
        "level": "校级",
        "role": "志愿者",
        "started_on": date(2026, 9, 1),
        "ended_on": date(2026, 9, 30),
        "hours": Decimal("12.50"),
        "credits": Decimal("1.20"),
        "recognised_on": EXPORT_DAY,
        "organiser": "图书馆",
        "line_number": "GCA00000042",
        "note": "",
        "major": "软件工程",
        "enrolment_year": "2024",
        "kind": "新增",
    }
    return ExportRow(**{**values, **changes})


def default_template(file_type: str = "xlsx") -> CreditTemplate:
    return CreditTemplate(
        name="默认",
        file_type=file_type,
        date_format="%Y-%m-%d",
        columns=[
            {"field": field, "header": header} for field, header in export_templates.DEFAULT_COLUMNS
        ],
    )


def read_csv(content: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


def by_header(lines: list) -> list[dict]:
    """Each line after the header as {header: value}."""
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


ADJUSTMENT = row(
    student_number="2024000007",
    name="李四",
    hours=Decimal("-1.50"),
    credits=Decimal("-0.15"),
    line_number="GCA00000042-3",
    note="调整 GCA00000042",
    kind="调整",
)


def test_xlsx_has_the_headers_in_order_then_the_rows_in_order():
    content, count = exporter.render(default_template(), [row(), ADJUSTMENT])

    lines = read_xlsx(content)
    assert count == 2
    assert list(lines[0]) == [header for _field, header in export_templates.DEFAULT_COLUMNS]
    assert [line[0] for line in lines[1:]] == ["0012345", "2024000007"]


def test_xlsx_writes_identifiers_and_dates_as_text_and_amounts_as_numbers():
    content, _count = exporter.render(default_template(), [row(), ADJUSTMENT])

    first, adjustment = by_header(read_xlsx(content))
    assert first["学号"] == "0012345"  # leading zeros kept: a text cell
    assert first["记录编号"] == "GCA00000042"
    assert first["开始日期"] == "2026-09-01"
    assert first["结束日期"] == "2026-09-30"
    assert first["认定日期"] == "2026-10-08"
    assert first["学时"] == 12.5
    assert first["学分"] == 1.2
    assert first["班级"] == ""  # empty, not the text "None"
    assert adjustment["学时"] == -1.5  # a negative amount stays a number
    assert adjustment["学分"] == -0.15
    assert adjustment["记录编号"] == "GCA00000042-3"
    assert adjustment["备注"] == "调整 GCA00000042"


def test_xlsx_cell_types_are_text_for_identifiers():
    template = CreditTemplate(
        name="t",
        file_type="xlsx",
        date_format="%Y/%m/%d",
        columns=[
            {"field": "student_number", "header": "学号"},
            {"field": "enrolment_year", "header": "年级"},
            {"field": "line_number", "header": "记录编号"},
            {"field": "credits", "header": "学分"},
        ],
    )
    content, _count = exporter.render(template, [row(student_number="20240001")])

    sheet = load_workbook(io.BytesIO(content)).active
    assert [cell.data_type for cell in sheet[2]] == ["s", "s", "s", "n"]
    assert sheet["A1"].font.bold


def test_the_same_rows_render_to_the_same_bytes():
    first, _count = exporter.render(default_template(), [row(), ADJUSTMENT])
    again, _count = exporter.render(default_template(), [row(), ADJUSTMENT])

    assert first == again


def test_an_empty_batch_gives_the_headers_only():
    content, count = exporter.render(default_template(), iter(()))

    assert count == 0
    assert len(read_xlsx(content)) == 1


@pytest.mark.parametrize(
    ("file_type", "encoding"), [("csv_utf8", "utf-8-sig"), ("csv_gb18030", "gb18030")]
)
def test_csv_reads_back_in_its_encoding(file_type, encoding):
    content, count = exporter.render(default_template(file_type), [row(), ADJUSTMENT])

    lines = read_csv(content, encoding)
    assert count == 2
    assert lines[0] == [header for _field, header in export_templates.DEFAULT_COLUMNS]
    first, adjustment = by_header(lines)
    assert first["学号"] == "0012345"
    assert first["姓名"] == "张三"
    assert first["开始日期"] == "2026-09-01"
    assert first["学时"] == "12.50"
    assert adjustment["学时"] == "-1.50"  # our number, not neutralised
    assert adjustment["学分"] == "-0.15"
    assert content.count(b"\r\n") == 3  # CRLF line ends, as Excel writes


def test_utf8_csv_starts_with_a_bom_and_gb18030_does_not():
    utf8, _count = exporter.render(default_template("csv_utf8"), [row()])
    gb18030, _count = exporter.render(default_template("csv_gb18030"), [row()])

    assert utf8.startswith(b"\xef\xbb\xbf")
    assert not gb18030.startswith(b"\xef\xbb\xbf")
    assert "学号".encode("gb18030") in gb18030


def test_gb18030_keeps_characters_outside_gbk():
    content, _count = exporter.render(default_template("csv_gb18030"), [row(name="𠮷野 😀")])

    assert read_csv(content, "gb18030")[1][1] == "𠮷野 😀"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
@pytest.mark.parametrize("file_type", ["xlsx", "csv_utf8"])
def test_cells_a_spreadsheet_would_run_get_an_apostrophe(prefix, file_type):
    name = f'{prefix}HYPERLINK("http://evil.example")'
    rows = [row(name=name, activity_name=f"{prefix}1+1", note=f"{prefix}cmd")]

    content, _count = exporter.render(default_template(file_type), rows)

    lines = read_xlsx(content) if file_type == "xlsx" else read_csv(content, "utf-8-sig")
    line = by_header(lines)[0]
    assert line["姓名"] == "'" + name
    assert line["项目名称"] == f"'{prefix}1+1"
    assert line["备注"] == f"'{prefix}cmd"


def test_harmless_text_is_written_as_it_is():
    content, _count = exporter.render(
        default_template("csv_utf8"), [row(name="王=五", activity_name="读书会 - 第3期")]
    )

    line = read_csv(content, "utf-8-sig")[1]
    assert line[1] == "王=五"
    assert line[4] == "读书会 - 第3期"


def test_a_custom_template_has_its_columns_headers_date_format_and_encoding():
    template = CreditTemplate(
        name="Campus import",
        file_type="csv_gb18030",
        date_format="%d.%m.%Y",
        columns=[
            {"field": "line_number", "header": "Record"},
            {"field": "credits", "header": "Credits"},
            {"field": "student_number", "header": "Student No."},
            {"field": "started_on", "header": "From"},
            {"field": "kind", "header": "Kind"},
            {"field": "enrolment_year", "header": "Year"},
        ],
    )

    content, count = exporter.render(template, [row(), replace(ADJUSTMENT, kind="撤销")])

    assert count == 2
    assert read_csv(content, "gb18030") == [
        ["Record", "Credits", "Student No.", "From", "Kind", "Year"],
        ["GCA00000042", "1.20", "0012345", "01.09.2026", "新增", "2024"],
        ["GCA00000042-3", "-0.15", "2024000007", "01.09.2026", "撤销", "2024"],
    ]


def test_each_file_type_has_a_media_type_and_an_extension():
    assert exporter.EXTENSIONS == {"xlsx": ".xlsx", "csv_utf8": ".csv", "csv_gb18030": ".csv"}
    assert exporter.MEDIA_TYPES["xlsx"].endswith("spreadsheetml.sheet")
    assert exporter.MEDIA_TYPES["csv_gb18030"] == "text/csv; charset=gb18030"
