"""Reading a provider's completion file, CSV or XLSX, a row at a time and never whole.

The kind is told from the content, not the name: an XLSX workbook is a zip holding
`xl/workbook.xml`; anything else must be text (UTF-8, with or without a byte-order mark, else
Windows-1252). Images, PDFs, other zips and binary files are refused with a message saying so.
Blank lines and trailing empty columns are ignored; each cell is text on one line (control
characters removed), except the dates and numbers an XLSX cell holds as such."""

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from lms.core.errors import DomainError
from lms.core.text import single_line

CHUNK = 1 << 16
# What single_line removes: C0 and C1 controls, DEL, and the line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Longest cell kept: longer text is cut (no column of the service holds more).
CELL_MAX = 500

SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"BM": "a bitmap image",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file: save it as .xlsx or .csv",
}


def megabytes(size: int) -> str:
    """A size in MB as people read it: 0.2 MB, 4.5 MB, 20 MB."""
    number = size / 1_048_576
    return f"{number:.0f} MB" if number >= 10 else f"{number:.1f} MB".replace(".0 ", " ")


class FileRefused(DomainError):
    """The file cannot be read as a completion report; nothing was imported."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass
class Table:
    """A file opened for reading: its column headings and its data rows, each as
    (row number as a spreadsheet shows it, cells), blank rows left out."""

    kind: str  # "CSV" or "XLSX"
    headings: list[str]
    rows: Iterator[tuple[int, list]]
    encoding: str | None = None
    # Closes the file (and the workbook) underneath, whether or not the rows were read.
    release: Callable[[], None] | None = None

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self.release is not None:
            self.release()


def _size(source) -> int:
    if isinstance(source, bytes | bytearray):
        return len(source)
    return os.path.getsize(source)


def _open_binary(source) -> BinaryIO:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    return open(source, "rb")  # noqa: SIM115 - closed by the reader's generator


def open_table(source: bytes | str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Table:
    """Open a completion file (its bytes, or a path) for reading; FileRefused when it is empty,
    too large, not a CSV or XLSX file, or holds no rows after its headings."""
    size = _size(source)
    if size == 0:
        raise FileRefused("The file is empty. Export the completion report again")
    if size > max_bytes:
        raise FileRefused(
            f"The file is {megabytes(size)}; the largest that can be imported is "
            f"{megabytes(max_bytes)}. Export a shorter period and import each part"
        )
    with _open_binary(source) as handle:
        start = handle.read(8)
    for signature, what in SIGNATURES.items():
        if start.startswith(signature):
            raise FileRefused(f"The file is {what}, not a CSV or Excel (.xlsx) file")
    if start.startswith(b"PK\x03\x04") or start.startswith(b"PK\x05\x06"):
        table = _open_xlsx(source)
    else:
        table = _open_csv(source, _encoding(source))
    return _with_rows(table)


def _with_rows(table: Table) -> Table:
    """Refuse a file with headings but no rows, without reading more than its first row."""
    first = next(table.rows, None)
    if first is None:
        table.close()
        raise FileRefused(
            "The file has only a heading row and no completions. Check you exported the "
            "right report"
        )
    rest = table.rows

    def rows():
        yield first
        yield from rest

    table.rows = rows()
    return table


def _encoding(source) -> str:
    """UTF-8 (with its byte-order mark, "utf-8-sig", read the same way) when every byte of
    the file decodes as strict UTF-8, else Windows-1252. A NUL byte means a binary file (or
    UTF-16 text), which is refused."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    with _open_binary(source) as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise FileRefused(
                    "The file is not a CSV or Excel (.xlsx) file: it holds binary data. If it "
                    "is a CSV file, save it as “CSV UTF-8” and try again"
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return "utf-8-sig" if utf8 else "cp1252"


def _delimiter(sample: str) -> str:
    """The separator the heading row uses most: a comma, semicolon, tab or bar."""
    first = sample.lstrip("\ufeff\r\n").split("\n", 1)[0]
    return max(",;\t|", key=lambda mark: (first.count(mark), mark == ","))


def _clean(value) -> str:
    return single_line(value).strip()[:CELL_MAX] if value else ""


def _trimmed(cells: list) -> list:
    """Cells with the empty ones at the end removed."""
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return cells[:end]


def _open_csv(source, encoding: str) -> Table:
    binary = _open_binary(source)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    sample = text.read(8192)
    text.seek(0)
    reader = csv.reader(text, delimiter=_delimiter(sample))

    def records():
        try:
            for number, cells in enumerate(reader, start=1):
                if CONTROL.search("".join(cells)):
                    cells = [_clean(cell) for cell in cells]
                else:  # the usual row: nothing to clean but the spaces around each cell
                    cells = [cell.strip()[:CELL_MAX] for cell in cells]
                yield number, _trimmed(cells)
        except csv.Error as error:
            raise FileRefused(f"The file cannot be read as CSV: {error}") from None
        finally:
            text.close()

    return _split_headings(Table("CSV", [], records(), encoding, text.close), text.close)


def _split_headings(table: Table, close) -> Table:
    """Take the first non-blank row as the headings; the rows after it stay to be read."""
    records = table.rows
    try:
        for _number, cells in records:
            if cells:
                table.headings = [str(cell) for cell in cells]
                break
    except FileRefused:
        close()
        raise
    if not table.headings:
        close()
        raise FileRefused("The file has no rows: it is blank")

    def rows():
        for number, cells in records:
            if any(cell not in (None, "") for cell in cells):
                yield number, cells

    table.rows = rows()
    return table


def _xlsx_cell(value):
    if isinstance(value, datetime | date | int | float) and not isinstance(value, bool):
        return value
    return _clean(str(value)) if value is not None else ""


def _open_xlsx(source) -> Table:
    from openpyxl import load_workbook

    handle = _open_binary(source)
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        handle.close()
        raise FileRefused("The file is a damaged zip or Excel file and cannot be read") from None
    if "xl/workbook.xml" not in names:
        handle.close()
        raise FileRefused(
            "The file is a zip archive, not a CSV or Excel (.xlsx) file. Unzip it and import "
            "the report inside"
        )
    handle.seek(0)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
    except Exception:  # openpyxl raises many kinds of error for a damaged workbook
        handle.close()
        raise FileRefused("The Excel file is damaged and cannot be read") from None

    def close():
        workbook.close()
        handle.close()

    def records():
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, _trimmed([_xlsx_cell(value) for value in values])
        except Exception:  # noqa: BLE001 - a damaged sheet part
            raise FileRefused("The Excel file is damaged and cannot be read") from None
        finally:
            close()

    return _split_headings(Table("XLSX", [], records(), None, close), close)
