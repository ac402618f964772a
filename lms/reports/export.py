"""A report's table as a download: CSV text, an Excel workbook's bytes, or JSON for the API.

All three hold the same figures, taken from `plain`: money in pounds, percentages to one decimal
place, dates as dates. Text in the spreadsheets cannot run as a formula.
"""

import csv
import io
import re
from datetime import date
from typing import Any

from lms.core.cells import safe_cell
from lms.core.numbers import decimal_text
from lms.core.timefmt import long_date
from lms.reports.tables import COUNT, DATE, MEAN, MONEY, PERCENT, TOO_FEW, Table, kind_of, plain

NUMBER_FORMATS = {
    COUNT: "#,##0",
    PERCENT: "0.0",
    MEAN: "0.0",
    MONEY: "£#,##0.00",
    DATE: "d mmmm yyyy",
}
SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60
NO_FILTERS = "None (every course, agency and sector)"


def _csv_cell(value: Any, kind: str) -> Any:
    value = plain(value, kind)
    if isinstance(value, str):
        return safe_cell(value)
    if kind == MONEY:
        return f"{value:.2f}"
    return value


def about(table: Table) -> list[tuple[str, str]]:
    """What a download says above its table: which report, the period and the filters."""
    lines = [("Report", table.title)]
    if table.period:
        lines.append(("Period", table.period))
    lines.extend(table.filters.items() or [("Filters", NO_FILTERS)])
    return lines


def to_csv(table: Table) -> str:
    """A block naming the report, period and filters, a blank line, then the row of column
    headings, the rows and the total row."""
    out = io.StringIO()
    writer = csv.writer(out)
    for label, value in about(table):
        writer.writerow([safe_cell(label), safe_cell(value)])
    writer.writerow([])
    writer.writerow([column.heading for column in table.columns])
    for row in table.all_rows():
        writer.writerow(
            [_csv_cell(row.get(column.key), kind_of(row, column)) for column in table.columns]
        )
    return out.getvalue()


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters (whole words), none of []:*?/\\."""
    title = " ".join(SHEET_TITLE_UNSAFE.sub(" ", title).split()).strip("'")
    if len(title) > 31:
        cut = title[:32].rfind(" ")
        title = title[: cut if cut > 0 else 31]
    return title or "Report"


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == DATE and isinstance(value, date):
        return value
    value = plain(value, kind)
    return safe_cell(value) if isinstance(value, str) else value


def to_xlsx(table: Table) -> bytes:
    """A workbook of one sheet: the title, period and filters (as the CSV names them) above
    the table."""
    # Imported here: openpyxl is a tenth of a second to import, and only a download needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.title)
    workbook.properties.title = table.title
    workbook.properties.creator = "lms"
    sheet.append([safe_cell(table.title)])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for label, value in about(table)[1:]:
        sheet.append([safe_cell(f"{label}: {value}")])
    sheet.append([])

    sheet.append([safe_cell(column.heading) for column in table.columns])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    sheet.freeze_panes = f"A{header + 1}"  # a string: making the cell would add a row

    widths = [len(column.heading) for column in table.columns]
    for row in table.all_rows():
        values = []
        for index, column in enumerate(table.columns):
            kind = kind_of(row, column)
            value = _xlsx_value(row.get(column.key), kind)
            values.append(value)
            shown = _width_text(value, kind)
            widths[index] = max(widths[index], len(shown))
        sheet.append(values)
        for column, cell in zip(table.columns, sheet[sheet.max_row], strict=True):
            number_format = NUMBER_FORMATS.get(kind_of(row, column))
            if number_format and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = number_format
        if row is table.total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)

    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _width_text(value: Any, kind: str) -> str:
    """Roughly what Excel will show in a cell, to size its column."""
    if value is None:
        return ""
    if kind == MONEY and not isinstance(value, str):
        return f"£{value:,.2f}"
    if kind in (PERCENT, MEAN) and not isinstance(value, str):
        return decimal_text(value)
    if kind == COUNT and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return long_date(value)
    return str(value)


def _json_value(value: Any, kind: str) -> Any:
    return None if value is None or value is TOO_FEW else plain(value, kind)


def _json_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    record = {
        column.key: _json_value(row.get(column.key), kind_of(row, column))
        for column in table.columns
    }
    if "_kind" in row:
        record["kind"] = row["_kind"]
    too_few = [column.key for column in table.columns if row.get(column.key) is TOO_FEW]
    if too_few:
        record["too_few"] = too_few
    return record


def to_json(table: Table) -> dict[str, Any]:
    """The table for the API: the same figures as the CSV, with no figure as null."""
    return {
        "report": table.name,
        "title": table.title,
        "period": table.period_code,
        "period_label": table.period,
        "filters": dict(table.filters),
        "columns": [
            {"key": column.key, "label": column.label, "kind": column.kind}
            for column in table.columns
        ],
        "rows": [_json_row(table, row) for row in table.rows],
        "total": _json_row(table, table.total) if table.total else None,
        "summary": [{"label": label, "value": value} for label, value in table.summary],
    }
