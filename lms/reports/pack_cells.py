"""A cell of the annual pack's figures as its files show it, shared by the PDF and the workbook.

The figures hold numbers (money in pounds, percentages to one decimal place), text, null for
no figure, ISO dates, or the strings that stand for a hidden count; a row lists in `too_few`
the columns whose share or average rests on too few responses."""

from datetime import date
from typing import Any

from lms.core.numbers import decimal_text
from lms.core.timefmt import long_date
from lms.reports import headlines
from lms.reports.tables import COUNT, DATE, MEAN, MONEY, PERCENT, TEXT, TOO_FEW

NO_FIGURE = "–"


def kind(row: dict[str, Any], column: dict[str, Any]) -> str:
    """A cell's kind: its column's, unless the row says otherwise (the comparison's measures)."""
    if column["kind"] in (TEXT, DATE):
        return column["kind"]
    return row.get("kind") or column["kind"]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value(row: dict[str, Any], column: dict[str, Any]) -> Any:
    """The cell as data: a number, a date, text (a hidden count stays as written), or None."""
    key = column["key"]
    if key in (row.get("too_few") or ()):
        return TOO_FEW.text
    found = row.get(key)
    if kind(row, column) == DATE and isinstance(found, str):
        try:
            return date.fromisoformat(found)
        except ValueError:
            return found
    return found


def text(row: dict[str, Any], column: dict[str, Any]) -> str:
    """The cell as a page shows it: 1,234, 87.5%, £1,250.00, 12 May 2025, or a dash."""
    found = value(row, column)
    cell_kind = kind(row, column)
    if found is None:
        return NO_FIGURE
    if isinstance(found, date):
        return long_date(found)
    if not is_number(found):
        return str(found)
    if cell_kind == COUNT:
        return f"{found:,}" if isinstance(found, int) else decimal_text(found)
    if cell_kind == PERCENT:
        return f"{decimal_text(found)}%"
    if cell_kind == MEAN:
        return decimal_text(found)
    if cell_kind == MONEY:
        return f"£{found:,.2f}"
    return str(found)


def heading(column: dict[str, Any]) -> str:
    """A column's label with its unit, as a download's header row shows it."""
    unit = {PERCENT: " (%)", MONEY: " (£)"}.get(column["kind"], "")
    return f"{column['label']}{unit}"


def columns_of(table: dict[str, Any], chosen: list[str] | None) -> list[dict[str, Any]]:
    """The table's columns, or the subset a section's entry names, in the table's order."""
    if not chosen:
        return list(table["columns"])
    return [column for column in table["columns"] if column["key"] in chosen]


def rows_of(table: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows, then its total row (if any)."""
    return [*table.get("rows", []), *([table["total"]] if table.get("total") else [])]


def table_heading(key: str, table: dict[str, Any], tables: dict[str, dict[str, Any]]) -> str:
    """A table's title, told apart from the pack's other tables of the same report by what it
    is grouped by ("Programme delivered by level")."""
    title = table.get("title") or key
    same = [other for other in tables.values() if other.get("title") == title]
    if len(same) > 1 and "-by-" in key:
        return f"{title} by {key.rsplit('-by-', 1)[1].replace('-', ' ')}"
    return title


def version_text(figures: dict[str, Any]) -> str:
    if figures.get("version") == "publication":
        return "For publication: small numbers hidden"
    return "Internal: exact figures"


def headline_sentences(figures: dict[str, Any]) -> list[str]:
    """The headline sentences; in the publication version written again from its facts (where
    small counts are hidden), so a sentence cannot give a hidden count away."""
    if figures.get("version") == "publication" and figures.get("facts"):
        return headlines.sentences(figures["facts"], year=figures.get("year", ""))
    return list(figures.get("headlines") or [])
