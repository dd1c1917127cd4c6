"""Writing tables people download: one formula guard, one BOM rule, one XLSX library, and
one download response.

- Every text cell that starts with = + - @ tab or CR gets an apostrophe in front, so a
  spreadsheet shows it instead of running it (OWASP, CSV injection). Numbers are ours, never
  user text, and are written as they are.
- CSV has CRLF line ends, as Excel writes it. UTF-8 starts with the BOM Excel needs to read
  Chinese; GB18030 (for older Excel) has none.
- XLSX is written with openpyxl (the library that reads uploads): a bold, frozen header
  row, and the `text_columns` stored as text so student and record numbers keep their
  leading zeros and never turn into scientific notation.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Literal
from urllib.parse import quote

from flask import Response

from app.common.tabular import looks_like_formula

Format = Literal["csv", "xlsx"]
# What each CSV encoding is written as: UTF-8 with the BOM, GB18030 without.
CSV_CODECS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# RFC 5987 attr-chars kept as they are in `filename*`.
_ATTR_CHARS = "!#$&+-.^_`|~"


def neutralise(value: object) -> object:
    """`value`, with an apostrophe in front when it is text a spreadsheet would run as a
    formula."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def write_table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    format: Format = "csv",
    *,
    encoding: str = "utf-8",
    title: str | None = None,
    text_columns: Iterable[int] = (),
    widths: dict[int, float] | None = None,
) -> bytes:
    """The table as file bytes, every cell guarded. `encoding` (CSV) is "utf-8" or
    "gb18030"; `title`, `text_columns` and `widths` (by column index) are for XLSX."""
    if format == "xlsx":
        return _xlsx(header, rows, title, frozenset(text_columns), widths or {})
    return _csv(header, rows, CSV_CODECS[encoding])


def _csv(header: Sequence[object], rows: Iterable[Sequence[object]], codec: str) -> bytes:
    output = io.BytesIO()
    text = io.TextIOWrapper(output, encoding=codec, newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for cells in rows:
        writer.writerow([neutralise(cell) for cell in cells])
    text.flush()
    content = output.getvalue()
    text.detach()
    return content


def _xlsx(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    title: str | None,
    text_columns: frozenset[int],
    widths: dict[int, float],
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title
    sheet.append([neutralise(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells in rows:
        sheet.append([neutralise(cell) for cell in cells])
    for index in text_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.data_type = "s"
            cell.number_format = "@"
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header value naming a download: a quoted ASCII `filename` every client reads,
    plus RFC 6266/5987 `filename*` in UTF-8 when the name has other characters (Chinese)."""
    kind = "inline" if inline else "attachment"
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = fallback.replace("\\", "").replace('"', "")
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, _ATTR_CHARS)}"


def download(
    body: bytes | str, filename: str, content_type: str, *, inline: bool = False
) -> Response:
    """`body` as a download named `filename`. `content_type` is sent exactly as given, so a
    text type carries its one charset and no second one is appended."""
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response
