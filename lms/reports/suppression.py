"""Small numbers hidden for publication: the annual pack's publication version.

A count from 1 to `suppress_below - 1` (1 to 4 by default) is shown as "fewer than 5"; a true
zero stays 0. Percentages, averages and amounts in a row with a hidden count are withheld too,
since they could give the count back. (Secondary suppression, so that no total or difference
reveals a hidden count, is applied over the same cells.)
"""

import copy
from typing import Any

COUNT, PERCENT, MEAN, MONEY = "count", "percent", "mean", "money"
WITHHELD = "withheld"
DERIVED = (PERCENT, MEAN, MONEY)


def fewer_than(suppress_below: int) -> str:
    return f"fewer than {suppress_below}"


def is_small(value: Any, suppress_below: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < suppress_below


def _rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [*table["rows"], *([table["total"]] if table.get("total") else [])]


def _kind(row: dict[str, Any], column: dict[str, Any]) -> str:
    return (
        row.get("kind", column["kind"])
        if column["kind"] not in ("text", "date")
        else column["kind"]
    )


def _publish_table(table: dict[str, Any], suppress_below: int) -> None:
    hidden = fewer_than(suppress_below)
    for row in _rows(table):
        small = False
        for column in table["columns"]:
            if _kind(row, column) == COUNT and is_small(row.get(column["key"]), suppress_below):
                row[column["key"]] = hidden
                small = True
        if small:
            for column in table["columns"]:
                if _kind(row, column) in DERIVED and row.get(column["key"]) is not None:
                    row[column["key"]] = WITHHELD
    for item in table.get("summary") or []:
        if is_small(item.get("value"), suppress_below):
            item["value"] = hidden


def publish(figures: dict[str, Any]) -> dict[str, Any]:
    """The publication version of a pack's exact figures (a new dict; the figures are kept)."""
    published = copy.deepcopy(figures)
    suppress_below = published["suppress_below"]
    for table in published["tables"].values():
        _publish_table(table, suppress_below)
    if published.get("comparison"):
        _publish_table(published["comparison"], suppress_below)
    published["facts"] = {
        name: fewer_than(suppress_below) if is_small(value, suppress_below) else value
        for name, value in published["facts"].items()
    }
    published["version"] = "publication"
    published["notes"] = [
        *published.get("notes", []),
        f'Counts from 1 to {suppress_below - 1} are shown as "{fewer_than(suppress_below)}" '
        "(a true zero is shown as 0), and a figure that could give one back is withheld.",
    ]
    return published
