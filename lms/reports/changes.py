"""What changed between two snapshots of the annual pack: every figure that differs, named by
its table, row and column, in the order the pack reads (the headlines, the facts they are written
from, the sections' tables, then the comparison with the year before).

A row is matched by its label (its text cells, e.g. the agency and its sector), so a row that
moved in a table is not a change; a row, column or table found in only one snapshot gives its
figures with None on the other side."""

from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

HEADLINES = "Headlines"
FACTS = "Headline figures"
TEXT_KINDS = ("text", "date")


@dataclass(frozen=True)
class Change:
    table: str  # the table's title as the pack shows it
    row: str  # the row's label: its text cells
    column: str  # the column's label
    before: Any
    after: Any


def _table_order(figures: dict[str, Any]) -> list[str]:
    """The tables' keys as the pack's sections first show them."""
    order = []
    for section in figures.get("sections") or []:
        for entry in section["tables"]:
            if entry["table"] not in order:
                order.append(entry["table"])
    return order + [key for key in figures.get("tables") or {} if key not in order]


def _titles(figures: dict[str, Any]) -> dict[str, str]:
    """Each table's title, told apart by its first column where two share one ("Programme
    delivered by level")."""
    tables = figures.get("tables") or {}
    titles = [table["title"] for table in tables.values()]
    found = {}
    for key, table in tables.items():
        title = table["title"]
        if titles.count(title) > 1 and table["columns"]:
            title = f"{title} by {table['columns'][0]['label'].lower()}"
        found[key] = title
    return found


def _label(table: dict[str, Any], row: dict[str, Any]) -> str:
    texts = [c["key"] for c in table["columns"] if c["kind"] in TEXT_KINDS]
    return ", ".join(str(row[key]) for key in texts if row.get(key) not in (None, ""))


def _rows(table: dict[str, Any] | None) -> dict[tuple[str, int], dict[str, Any]]:
    """The rows by label (and, for two rows with the same label, their place among them)."""
    if not table:
        return {}
    found, seen = {}, {}
    for row in [*table["rows"], *([table["total"]] if table.get("total") else [])]:
        label = _label(table, row)
        seen[label] = seen.get(label, -1) + 1
        found[(label, seen[label])] = row
    return found


def _columns(*tables: dict[str, Any] | None) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for table in tables:
        for column in (table or {}).get("columns", []):
            if column["kind"] not in TEXT_KINDS:
                found.setdefault(column["key"], column["label"])
    return list(found.items())


def _table(title: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Change]:
    before, after = _rows(old), _rows(new)
    found = []
    for label in _merged(list(before), list(after)):
        was, now = before.get(label) or {}, after.get(label) or {}
        for key, heading in _columns(old, new):
            if was.get(key) != now.get(key):
                found.append(Change(title, label[0], heading, was.get(key), now.get(key)))
    return found


def _merged(before: list, after: list) -> list:
    """The labels of both, each list's order kept: the new order, a removed label placed after
    the label that preceded it before."""
    merged = list(after)
    for index, label in enumerate(before):
        if label not in merged:
            at = merged.index(before[index - 1]) + 1 if index and before[index - 1] in merged else 0
            merged.insert(at, label)
    return merged


def _facts(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    names = list(new) + [name for name in old if name not in new]
    return [
        Change(FACTS, name.replace("_", " ").capitalize(), "", old.get(name), new.get(name))
        for name in names
        if old.get(name) != new.get(name)
    ]


def changes(old_figures: dict[str, Any], new_figures: dict[str, Any]) -> list[Change]:
    """Every figure that differs between two versions of the pack's figures; empty when they
    are the same."""
    found = [
        Change(HEADLINES, "", "", was, now)
        for was, now in zip_longest(
            old_figures.get("headlines") or [], new_figures.get("headlines") or []
        )
        if was != now
    ]
    found += _facts(old_figures.get("facts") or {}, new_figures.get("facts") or {})
    old_tables, new_tables = old_figures.get("tables") or {}, new_figures.get("tables") or {}
    titles = _titles(old_figures) | _titles(new_figures)
    keys = _table_order(new_figures)
    keys += [key for key in _table_order(old_figures) if key not in keys]
    for key in keys:
        found += _table(titles[key], old_tables.get(key), new_tables.get(key))
    old_comparison, new_comparison = old_figures.get("comparison"), new_figures.get("comparison")
    if old_comparison or new_comparison:
        title = (new_comparison or old_comparison)["title"]
        found += _table(title, old_comparison, new_comparison)
    return found
