"""The annual report pack as an Excel workbook, from a snapshot's figures (see `lms.reports.pack`).

A "Headlines" sheet (the pack's title, version, when the figures were taken, the sentences,
the notes and which sheet holds each section's tables), then a sheet per table in the order the
sections meet them, "Comparison", "Quotes" and "Definitions". Numbers are numbers in the
reports' formats; a hidden count is the text standing for it; no cell can run as a formula.
The workbook's dates are when the figures were taken, so the same figures give the same bytes."""

import io
from datetime import UTC, date, datetime
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from lms.core.cells import safe_cell
from lms.reports import pack_cells
from lms.reports.export import MAX_WIDTH, MIN_WIDTH, NUMBER_FORMATS, sheet_title
from lms.reports.pack_pdf import taken_text, title_of

SHEET_LIMIT = 31  # characters Excel allows in a sheet's name
FIXED_SHEETS = ("Headlines", "Comparison", "Quotes", "Definitions")
EPOCH = datetime(2000, 1, 1)


class _StampedZip(ZipFile):
    """A ZIP whose every member is dated `stamp`, not the moment it was written."""

    def __init__(self, *args, stamp: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.stamp = stamp.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=self.stamp)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        return super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        """A file written to disk first (openpyxl's sheets), dated `stamp` like the rest."""
        with open(filename, "rb") as file:
            self.writestr(arcname or str(filename), file.read())


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, date) or pack_cells.is_number(value):
        return value
    return safe_cell(value)


def _taken_at(figures: dict[str, Any]) -> datetime:
    """When the figures were taken, as the naive UTC time the workbook's properties hold."""
    try:
        moment = datetime.fromisoformat(figures["taken_at"])
    except (KeyError, TypeError, ValueError):
        return EPOCH
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def sheet_name(heading: str, taken: set[str]) -> str:
    """A sheet name Excel accepts and no other sheet has: a long "X by Y" keeps its "by Y"
    (which tells the pack's tables apart), and a name already taken is numbered."""
    name = sheet_title(heading)
    if len(" ".join(heading.split())) > SHEET_LIMIT and " by " in heading:
        head, by = heading.rsplit(" by ", 1)
        words = head.split()
        while len(words) > 1 and len(" ".join(words)) + len(by) + 4 > SHEET_LIMIT:
            words.pop()
        name = sheet_title(f"{' '.join(words)} by {by}")
    base, number = name, 1
    while name.casefold() in {other.casefold() for other in taken}:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_LIMIT - len(suffix)].rstrip() + suffix
    taken.add(name)
    return name


def _write_table(sheet: Worksheet, table: dict[str, Any], heading: str, period: str) -> None:
    """The table's heading and period above its header row, rows and total, then its summary."""
    sheet.append([safe_cell(heading)])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    if period:
        sheet.append([safe_cell(period)])
    sheet.append([])
    columns = list(table.get("columns") or [])
    sheet.append([safe_cell(pack_cells.heading(column)) for column in columns])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    sheet.freeze_panes = f"A{header + 1}"
    widths = [len(pack_cells.heading(column)) for column in columns]
    total = table.get("total")
    for row in pack_cells.rows_of(table):
        values = [_cell(pack_cells.value(row, column)) for column in columns]
        sheet.append(values)
        for index, (column, cell) in enumerate(zip(columns, sheet[sheet.max_row], strict=False)):
            number_format = NUMBER_FORMATS.get(pack_cells.kind(row, column))
            if number_format and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = number_format
            if row is total:
                cell.font = Font(bold=True)
            widths[index] = max(widths[index], len(pack_cells.text(row, column)))
    if not table.get("rows"):
        sheet.append(["No figures for this year."])
    summary = [item for item in table.get("summary") or [] if item.get("value") not in (None, "")]
    if summary:
        sheet.append([])
        for item in summary:
            sheet.append([safe_cell(item["label"]), _cell(item["value"])])
    _size(sheet, widths)


def _size(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)


def _lines(sheet: Worksheet, heading: str, lines: list[str]) -> None:
    sheet.append([])
    sheet.append([safe_cell(heading)])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    for line in lines:
        sheet.append([safe_cell(line)])


def _headlines(sheet: Worksheet, figures: dict[str, Any], contents: list[tuple[str, str]]) -> None:
    sheet.append([safe_cell(title_of(figures))])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for label, text in (
        ("Partnership", figures.get("partnership", "")),
        ("Version", pack_cells.version_text(figures)),
        ("Financial year", figures.get("year_label") or figures.get("year") or ""),
        ("Figures taken", taken_text(figures)),
    ):
        sheet.append([safe_cell(label), safe_cell(text)])
    sentences = pack_cells.headline_sentences(figures) or ["No training was recorded this year."]
    _lines(sheet, "Headlines", sentences)
    if figures.get("notes"):
        _lines(sheet, "Notes", figures["notes"])
    sheet.append([])
    sheet.append([safe_cell("Section"), safe_cell("Sheet")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for section, name in contents:
        sheet.append([safe_cell(section), safe_cell(name)])
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = MAX_WIDTH


def _rows_sheet(sheet: Worksheet, heading: str, labels: list[str], rows: list[list]) -> None:
    sheet.append([safe_cell(heading)])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append([safe_cell(label) for label in labels])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    widths = [
        max([len(label), *(len(str(row[index])) for row in rows)])
        for index, label in enumerate(labels)
    ]
    _size(sheet, widths)
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def render(figures: dict[str, Any]) -> bytes:
    """The pack's workbook: the same figures always give the same bytes."""
    workbook = Workbook()
    headlines = workbook.active
    headlines.title = "Headlines"
    taken: set[str] = set(FIXED_SHEETS)
    tables = figures.get("tables") or {}
    period = figures.get("year_label") or ""
    sheets: dict[str, str] = {}
    contents: list[tuple[str, str]] = []
    for section in figures.get("sections") or []:
        for entry in section.get("tables") or []:
            key = entry["table"]
            if key not in tables:
                continue
            if key not in sheets:
                heading = pack_cells.table_heading(key, tables[key], tables)
                sheets[key] = sheet_name(heading, taken)
                _write_table(workbook.create_sheet(sheets[key]), tables[key], heading, period)
            contents.append((section.get("title", ""), sheets[key]))

    comparison = workbook.create_sheet("Comparison")
    if figures.get("comparison"):
        table = figures["comparison"]
        _write_table(comparison, table, table.get("title", "Comparison"), period)
    else:
        comparison.append(["There is no previous year's training to compare with."])
    contents.append(("Compared with the year before", "Comparison"))

    quotes = figures.get("quotes") or []
    _rows_sheet(
        workbook.create_sheet("Quotes"),
        "What practitioners said",
        ["Quote", "Course", "Month"],
        [[q.get("text", ""), q.get("course", ""), q.get("month", "")] for q in quotes],
    )
    contents.append(("What practitioners said", "Quotes"))
    _rows_sheet(
        workbook.create_sheet("Definitions"),
        "Definitions: how each figure is counted",
        ["Term", "Meaning"],
        [list(pair) for pair in figures.get("definitions") or []],
    )
    contents.append(("Definitions", "Definitions"))
    _headlines(headlines, figures, contents)

    properties = workbook.properties
    properties.title = f"{title_of(figures)} ({pack_cells.version_text(figures)})"
    properties.creator = "lms"
    properties.created = properties.modified = _taken_at(figures)
    out = io.BytesIO()
    # Not workbook.save, which dates the workbook (and each part of its ZIP) now.
    with _StampedZip(out, "w", ZIP_DEFLATED, allowZip64=True, stamp=_taken_at(figures)) as archive:
        ExcelWriter(workbook, archive).write_data()
    return out.getvalue()
