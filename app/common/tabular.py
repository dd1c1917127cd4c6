"""Reading uploaded tables: CSV (UTF-8 with or without BOM, or GB18030) and XLSX.

Every import (rosters, library-use data, result files from other systems) reads its file
here, so the rules are the same everywhere:

- the format is recognised from the content, not the file name: a zip holding an Excel
  workbook is XLSX, anything else must be text in UTF-8 (BOM optional) or GB18030;
  binary files, old `.xls` workbooks, UTF-16 text and other zip files are refused;
- headers are normalised (full-width characters, spaces, case, a trailing `*`, a trailing
  "(note)") and mapped to canonical names through an alias table; a missing required
  column refuses the whole file;
- cells come back as stripped text; a number in an XLSX cell comes back without `.0` and
  without scientific notation (2023141001, not 2023141001.0 or 2.023141001E9);
- the size, an XLSX's unpacked size, the number of rows and columns and the reading time
  are capped, and the cost of reading follows the cells really there: a sheet's declared
  size (`<dimension ref="A1:XFD1048576"/>`) is ignored, empty rows are skipped without
  being built, and a row is never built wider than the column cap.

A refusal is a `TableError` (an `InvalidInput`) with a message for the person who uploaded.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from time import monotonic

from flask import current_app, has_app_context
from flask_babel import gettext as _

from app.errors import InvalidInput

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
# Ceilings for every import, whatever an import allows itself (settings IMPORT_MAX_ROWS,
# IMPORT_MAX_COLUMNS, IMPORT_MAX_SECONDS override them): the largest real file is a
# library-use export of 200,000 rows.
DEFAULT_IMPORT_MAX_ROWS = 200_000
DEFAULT_IMPORT_MAX_COLUMNS = 200
DEFAULT_IMPORT_MAX_SECONDS = 60.0
# How much an XLSX may unpack to, as a multiple of the upload cap (a zip bomb stops here).
XLSX_UNPACKED_FACTOR = 20
# How many non-blank rows at the top may be titles before the header row.
HEADER_SEARCH_ROWS = 10
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_SCIENTIFIC = re.compile(r"^([0-9])(?:\.([0-9]+))?[eE]\+?([0-9]{1,2})$")


class TableError(InvalidInput):
    """The file as a whole cannot be read; nothing in it was used."""


@dataclass(frozen=True)
class Limits:
    """How much of a file is read: data rows, columns, and seconds on `clock`."""

    rows: int
    columns: int
    seconds: float
    clock: Callable[[], float] = monotonic


@dataclass
class TableRow:
    """One data row: `number` is the row number a spreadsheet shows (the header row
    included), `values` maps canonical column names to stripped text, `extra` holds
    non-empty cells outside any named column (often a comma inside an unquoted value)."""

    number: int
    values: dict[str, str]
    extra: list[str] = field(default_factory=list)

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    columns: list[str]
    rows: list[TableRow]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None  # for CSV: "utf-8", "utf-8-sig" or "gb18030"
    header_row: int = 1


def normalise_header(text: object) -> str:
    """`" 学号* "`, `"Student Number"`, `"student-number (required)"` → a comparable key."""
    value = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "").strip()
    value = re.sub(r"\s*\([^()]*\)\s*$", "", value)  # a trailing "(note)"
    value = value.strip().strip("*").strip()
    value = re.sub(r"[\s\-]+", "_", value)
    return value.lower()


def looks_like_formula(text: str) -> bool:
    """A cell a spreadsheet would run as a formula when the data goes back to Excel."""
    return bool(text) and text.startswith(FORMULA_PREFIXES)


def integer_text(text: str) -> str | None:
    """`"2.023141001E9"` → `"2023141001"`, when every digit is written in the mantissa.

    Excel writes long numbers to CSV in scientific notation and drops digits
    (`2.02314E+09`); such a value is not a number we can trust, so None.
    Text that is not scientific notation comes back unchanged.
    """
    match = _SCIENTIFIC.match(text)
    if not match:
        return text
    lead, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    if len(fraction) != exponent:
        return None  # a fraction, or digits Excel dropped (2.02314E+09)
    return lead + fraction


def cell_text(value: object) -> str:
    """A cell's value as the text a person typed: no `.0`, no scientific notation."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        try:
            return format(Decimal(repr(value)).normalize(), "f")
        except InvalidOperation:
            return repr(value)
    if isinstance(value, datetime):
        if value.time() == time.min:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _max_bytes() -> int:
    if has_app_context():
        megabytes = current_app.config.get("MAX_UPLOAD_MB")
        if megabytes:
            return int(megabytes) * 1024 * 1024
    return DEFAULT_MAX_BYTES


def decode_text(data: bytes) -> tuple[str, str]:
    """Text from UTF-8 (BOM optional) or GB18030; returns (text, encoding).

    GB18030 can decode almost any byte string, so UTF-8 is tried first and the result
    is checked for control and private-use characters, which real tables never hold.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(
            _(
                "The file is in UTF-16, which is not accepted. In Excel choose "
                "“CSV UTF-8 (comma delimited)” or save as .xlsx."
            )
        )
    if b"\x00" in data:
        raise TableError(_("This is not a CSV or XLSX file (it contains binary data)."))
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" and text.startswith("\ufeff"):
            text, encoding = text[1:], "utf-8-sig"
        if _CONTROL_CHARS.search(text) or _PRIVATE_USE.search(text):
            break
        return text, encoding
    raise TableError(
        _(
            "The file's text encoding is not recognised. Please save it as UTF-8 "
            "(with or without BOM) or GB18030, or as .xlsx."
        )
    )


def _csv_rows(text: str) -> Iterator[list[str]]:
    # The delimiter most used in the first lines (a title row may have none).
    sample = "\n".join(text.split("\n", 6)[:6])
    delimiter = max((",", "\t", ";"), key=sample.count)
    if sample.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        yield from reader
    except csv.Error as error:
        if "field limit" in str(error):  # csv's own cap on one cell (131,072 characters)
            raise TableError(
                _(
                    "A cell near line %(line)d is longer than %(n)d characters (an unclosed "
                    "quote?).",
                    line=reader.line_num,
                    n=csv.field_size_limit(),
                )
            ) from error
        raise TableError(
            _(
                "The CSV file is malformed near line %(line)d (an unclosed quote?).",
                line=reader.line_num,
            )
        ) from error


def _check_zip(data: bytes, max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TableError(_("The file looks like an Excel file but is damaged.")) from error
    if "xl/workbook.xml" not in names:
        raise TableError(
            _("This zip file is not an Excel workbook (.xlsx). Please upload a CSV or XLSX file.")
        )
    if unpacked > max_bytes * XLSX_UNPACKED_FACTOR:
        raise TableError(_("The workbook is too large once unpacked."))


def _xlsx_rows(data: bytes) -> Iterator[Sequence[object]]:
    """The first sheet's rows as raw values. Rows missing from the file come back empty, and
    a row is as wide as its last cell: the sheet's declared size is not trusted."""
    from openpyxl import load_workbook

    try:
        # Formulas are read as written (`=...`), not as their cached results, so a
        # formula is seen and refused rather than silently imported.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # any parser failure on an untrusted file is a bad file
        raise TableError(_("The Excel file could not be read; it may be damaged.")) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except TableError:
        raise
    except Exception as error:
        raise TableError(_("The Excel file could not be read; it may be damaged.")) from error
    finally:
        workbook.close()


def _setting(name: str, default: float) -> float:
    if has_app_context():
        value = current_app.config.get(name)
        if value:
            return value
    return default


def _limits(max_rows: int | None, clock: Callable[[], float]) -> Limits:
    """The import's own row cap under the installation's ceilings."""
    ceiling = int(_setting("IMPORT_MAX_ROWS", DEFAULT_IMPORT_MAX_ROWS))
    return Limits(
        rows=min(max_rows or DEFAULT_MAX_ROWS, ceiling),
        columns=int(_setting("IMPORT_MAX_COLUMNS", DEFAULT_IMPORT_MAX_COLUMNS)),
        seconds=float(_setting("IMPORT_MAX_SECONDS", DEFAULT_IMPORT_MAX_SECONDS)),
        clock=clock,
    )


def _bounded(
    raw_rows: Iterable[Sequence[object]], limits: Limits
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of each row holding cells, within the column and time caps.

    Rows without cells (the gaps a stray cell far down leaves) are skipped unbuilt; cells
    beyond the column cap are dropped when empty and refuse the file otherwise.
    """
    deadline = limits.clock() + limits.seconds
    for number, cells in enumerate(raw_rows, start=1):
        if limits.clock() > deadline:
            raise TableError(
                _(
                    "Reading the file took longer than the limit of %(n)d seconds. Please "
                    "split it into smaller files, or delete the empty rows and columns "
                    "below and right of the table.",
                    n=limits.seconds,
                )
            )
        if not cells:
            continue
        if len(cells) > limits.columns:
            _refuse_cells_beyond(cells, number, limits.columns)
            cells = cells[: limits.columns]
        yield number, [cell_text(value) for value in cells]


def _refuse_cells_beyond(cells: Sequence[object], number: int, columns: int) -> None:
    from openpyxl.utils import get_column_letter

    for position in range(columns, len(cells)):
        value = cells[position]
        if value is not None and str(value).strip():
            raise TableError(
                _(
                    "Row %(row)d has a value in column %(column)s; at most %(n)d columns "
                    "are read. Please delete the cells right of the table.",
                    row=number,
                    column=get_column_letter(position + 1),
                    n=columns,
                )
            )


def _alias_index(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    index = {}
    for column, names in aliases.items():
        index[normalise_header(column)] = column
        for name in names:
            index[normalise_header(name)] = column
    return index


def column_label(column: str, aliases: Mapping[str, Iterable[str]] | None) -> str:
    """How to name a column in a message: its accepted headers, e.g. "学号 / 工号"."""
    names = list((aliases or {}).get(column, ()))
    return " / ".join(names[:3]) if names else column


def read_table(
    data: bytes,
    *,
    aliases: Mapping[str, Iterable[str]] | None = None,
    required: Iterable[str] = (),
    max_bytes: int | None = None,
    max_rows: int | None = None,
    clock: Callable[[], float] = monotonic,
) -> Table:
    """Read a CSV or XLSX upload into rows of canonical-name → text.

    `aliases` maps each canonical column name to the headers that mean it (any case,
    half- or full-width); columns with other headers keep their normalised header.
    `max_rows` is this import's own cap on data rows (under the IMPORT_MAX_ROWS ceiling).
    """
    max_bytes = max_bytes or _max_bytes()
    if not data or not data.strip():
        raise TableError(_("The file is empty."))
    if len(data) > max_bytes:
        raise TableError(
            _("The file is larger than %(n)d MB.", n=max(1, max_bytes // (1024 * 1024)))
        )
    if data.startswith(_OLE_MAGIC):
        raise TableError(
            _(
                "Old Excel files (.xls) and password-protected workbooks are not accepted. "
                "Please save the file as .xlsx or CSV."
            )
        )
    if data.startswith(_ZIP_MAGIC):
        _check_zip(data, max_bytes)
        raw_rows, file_format, encoding = _xlsx_rows(data), "xlsx", None
    else:
        text, encoding = decode_text(data)
        raw_rows, file_format = _csv_rows(text), "csv"
    limits = _limits(max_rows, clock)
    numbered = _bounded(raw_rows, limits)
    return _build_table(numbered, file_format, encoding, aliases, tuple(required), limits.rows)


def _is_blank(cells: list[str]) -> bool:
    return not any((cell or "").strip() for cell in cells)


def _build_table(
    numbered: Iterator[tuple[int, list[str]]],
    file_format: str,
    encoding: str | None,
    aliases: Mapping[str, Iterable[str]] | None,
    required: tuple[str, ...],
    max_rows: int,
) -> Table:
    index = _alias_index(aliases or {})
    # The header is the first non-blank row naming a known column (titles above it, such
    # as "2024级学生名单", are skipped); without an alias table, the first non-blank row.
    header: list[str] | None = None
    header_number = 0
    skipped: list[tuple[int, list[str]]] = []
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        if not index or any(normalise_header(cell) in index for cell in cells):
            header, header_number = cells, number
            break
        skipped.append((number, cells))
        if len(skipped) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not skipped:
            raise TableError(_("The file has no header row."))
        header_number, header = skipped[0]
        numbered = iter([*skipped[1:], *numbered])
    columns = _header_columns(header, index, aliases)
    missing = [column for column in required if column not in columns]
    if missing:
        raise TableError(
            _(
                "The file has no column %(names)s. The first row must name the columns.",
                names="、".join(column_label(column, aliases) for column in missing),
            )
        )
    rows = []
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        if len(rows) >= max_rows:
            raise TableError(_("The file has more than %(n)d rows.", n=max_rows))
        if file_format == "xlsx":  # a sheet row ends at its last cell: empty cells after it
            cells = cells + [""] * (len(columns) - len(cells))
        values, extra = {}, []
        for position, cell in enumerate(cells):
            column = columns[position] if position < len(columns) else None
            if column:
                values[column] = cell
            elif cell:
                extra.append(cell)
        rows.append(TableRow(number=number, values=values, extra=extra))
    return Table(
        columns=[column for column in columns if column],
        rows=rows,
        format=file_format,
        encoding=encoding,
        header_row=header_number,
    )


def _header_columns(
    header: list[str], index: dict[str, str], aliases: Mapping[str, Iterable[str]] | None
) -> list[str | None]:
    columns: list[str | None] = []
    seen: set[str] = set()
    for cell in header:
        key = normalise_header(cell)
        if not key:
            columns.append(None)
            continue
        column = index.get(key, key)
        if column in seen:
            raise TableError(
                _(
                    "The column %(name)s appears twice in the header.",
                    name=column_label(column, aliases) if column in (aliases or {}) else cell,
                )
            )
        seen.add(column)
        columns.append(column)
    return columns
