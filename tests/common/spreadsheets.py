"""Workbooks for upload tests, hostile ones included: a sheet that declares a huge size, or
holds one stray cell far down or far right, as real exports from other systems sometimes do.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import coordinate_from_string

from app.common import tabular

SHEET = "xl/worksheets/sheet1.xml"
# The largest sheet Excel knows: what a careless exporter declares.
WHOLE_SHEET = "A1:XFD1048576"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def hostile_xlsx(rows, *, dimension: str | None = None, cells: dict | None = None) -> bytes:
    """`rows` as a workbook whose sheet declares `dimension` and also holds `cells`
    (reference → text, or None for an empty formatted cell, which Excel writes too)."""
    data = xlsx(rows)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == SHEET:
                body = _edited_sheet(body.decode(), dimension, cells or {}).encode()
            target.writestr(info, body)
    return buffer.getvalue()


def _edited_sheet(xml: str, dimension: str | None, cells: dict) -> str:
    if dimension:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', xml)
    for reference, value in cells.items():
        _column, row = coordinate_from_string(reference)
        if value is None:
            cell = f'<c r="{reference}" s="0"/>'
        else:
            cell = f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        existing = re.search(rf'<row r="{row}"[^>]*>.*?(?=</row>)', xml, re.S)
        if existing:
            xml = xml[: existing.end()] + cell + xml[existing.end() :]
        else:
            xml = xml.replace("</sheetData>", f'<row r="{row}">{cell}</row></sheetData>')
    return xml


def count_cells_read(monkeypatch, limit: int = 10_000) -> list[int]:
    """Count the cells turned into text; past `limit` the reading stops with an error, so a
    reader that walks a sheet's declared million rows fails at once instead of hanging."""
    read = [0]
    original = tabular.cell_text

    def counted(value: object) -> str:
        read[0] += 1
        if read[0] > limit:
            raise AssertionError(f"more than {limit} cells read")
        return original(value)

    monkeypatch.setattr(tabular, "cell_text", counted)
    return read


def read_xlsx(content: bytes) -> list[tuple]:
    """The sheet's values; a carriage return is stored as "_x000D_", which Excel reads back
    and openpyxl leaves as it is."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [
        tuple(value.replace("_x000D_", "\r") if isinstance(value, str) else value for value in line)
        for line in sheet.iter_rows(values_only=True)
    ]
