"""What every report returns: a table of figures with its columns, totals and chart data."""

from dataclasses import dataclass, field
from typing import Any

from lms.core.numbers import decimal_text, percentage
from lms.core.timefmt import long_date

TEXT, COUNT, PERCENT, MONEY, DATE = "text", "count", "percent", "money", "date"
MEAN = "mean"  # an average, to one decimal place


class TooFew:
    """The marker a cell holds in place of a share or an average resting on fewer respondents
    than the partnership's `fewest_responses`: pages, the command line and downloads write
    "too few responses"; the API gives null and lists the column in the row's `too_few`."""

    text = "too few responses"

    def __repr__(self) -> str:
        return "TOO_FEW"

    def __str__(self) -> str:
        return self.text


TOO_FEW = TooFew()


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT  # text, date, count, percent (0-100 or None), mean or money (pence)

    @property
    def numeric(self) -> bool:
        return self.kind not in (TEXT, DATE)

    @property
    def heading(self) -> str:
        """The label with its unit, as a download's header row shows it."""
        return {PERCENT: f"{self.label} (%)", MONEY: f"{self.label} (£)"}.get(self.kind, self.label)


@dataclass(frozen=True)
class Chart:
    """Bars drawn beside a table: one group per label, one bar per series."""

    title: str
    series: tuple[str, ...]
    groups: list[tuple[str, tuple[float, ...]]]
    unit: str = ""  # "%" for rates
    note: str = ""  # e.g. which rows were left out of a long chart


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    chart: Chart | None = None
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, value) pairs
    period: str = ""  # as a page shows it: 2025-26 financial year
    period_code: str = ""  # as the command line and the API write it: 2025-26
    filters: dict[str, str] = field(default_factory=dict)  # what narrowed it, for headings

    def all_rows(self) -> list[dict[str, Any]]:
        return [*self.rows, *([self.total] if self.total else [])]


def kind_of(row: dict, column: Column) -> str:
    """A cell's kind: its column's, unless the row says otherwise (the trend's measures)."""
    return row.get("_kind", column.kind) if column.numeric else column.kind


def rate(part: int | None, whole: int | None) -> float | None:
    """A percentage to one decimal place, halves rounded up; None when there is nothing to
    divide by."""
    return percentage(part, whole)


def show(value: Any, kind: str) -> str:
    """A figure as a page shows it: 1,234, 87.5%, £1,250.00, or a dash for no figure."""
    if value is None:
        return "–"
    if value is TOO_FEW:
        return TOO_FEW.text
    if kind == MEAN:
        return decimal_text(value)
    if kind == COUNT:
        return f"{value:,}"
    if kind == PERCENT:
        return f"{decimal_text(value)}%"
    if kind == MONEY:
        return f"£{value / 100:,.2f}"
    if kind == DATE:
        return long_date(value)
    return str(value)


def plain(value: Any, kind: str) -> Any:
    """A figure as a download holds it: numbers stay numbers, money in pounds, none is empty."""
    if value is None:
        return ""
    if value is TOO_FEW:
        return TOO_FEW.text
    if kind == MONEY:
        return round(value / 100, 2)
    if kind == DATE:
        return value.isoformat()
    return value
