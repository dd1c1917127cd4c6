"""Writing tables people download: one formula guard, one BOM rule, one XLSX library, and
one download response.

- Every text cell that starts with = + - @ tab or CR gets an apostrophe in front, so a
  spreadsheet shows it instead of running it (OWASP, CSV injection). Numbers are ours, never
  user text, and are written as they are.
- CSV has CRLF line ends, as Excel writes it. UTF-8 starts with the BOM Excel needs to read
  Chinese; GB18030 (for older Excel) has none.
- XLSX is written with XlsxWriter, streamed in constant memory: a bold, frozen header row,
  and the `text_columns` stored as text so student and record numbers keep their leading
  zeros and never turn into scientific notation. (openpyxl, which reads uploads, stamps
  every save with the time, so the same rows would not give the same bytes, and it writes
  a CR in a cell as a bare CR, which comes back as LF.)
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

import xlsxwriter
from flask import Response

from app.common.tabular import FORMULA_PREFIXES, looks_like_formula

Format = Literal["csv", "xlsx"]
# What each CSV encoding is written as: UTF-8 with the BOM, GB18030 without.
CSV_CODECS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
_NUMBERS = (int, float, Decimal)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class _XlsxOptions:
    title: str | None
    text_columns: frozenset[int]
    widths: dict[int, float]
    created: datetime | None


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
    created: datetime | None = None,
) -> bytes:
    """The table as file bytes, every text cell guarded. `encoding` (CSV) is "utf-8" or
    "gb18030". For XLSX: the sheet's `title`, the `text_columns` and `widths` (by column
    index), and the workbook's `created` date (give one and the same rows give the same
    bytes); other numbers are number cells."""
    if format == "xlsx":
        options = _XlsxOptions(title, frozenset(text_columns), widths or {}, created)
        return _xlsx(header, rows, options)
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
    options: _XlsxOptions,
) -> bytes:
    output = io.BytesIO()
    # constant_memory writes each row out to a temporary file as soon as the next one
    # starts (it needs in_memory off), so memory stays flat however long the table is.
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    if options.created is not None:
        workbook.set_properties({"created": options.created})
    sheet = workbook.add_worksheet(options.title)
    for index, width in options.widths.items():
        sheet.set_column(index, index, width)
    sheet.write_row(0, 0, [_text(cell) for cell in header], workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    text = workbook.add_format({"num_format": "@"})
    formats = [text if index in options.text_columns else None for index in range(len(header))]
    write_string, write_number = sheet.write_string, sheet.write_number
    for number, cells in enumerate(rows, start=1):
        # The hot loop of a 100,000-line credit export: the guard is inlined.
        for index, value in enumerate(cells):
            if type(value) is str:
                if value.startswith(FORMULA_PREFIXES):
                    value = "'" + value
                write_string(number, index, value, formats[index])
            elif value is None:
                continue
            elif isinstance(value, _NUMBERS) and formats[index] is None:
                write_number(number, index, float(value))
            else:
                write_string(number, index, _text(value), formats[index])
    workbook.close()
    return output.getvalue()


def _text(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return "'" + text if looks_like_formula(text) else text


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
