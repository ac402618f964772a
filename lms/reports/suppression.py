"""Small numbers hidden for publication: the annual pack's publication version.

Primary suppression: a count from 1 to `suppress_below - 1` (1 to 4 by default) is shown as
"fewer than 5"; a true zero stays 0, as Ofqual does. Percentages, averages and amounts in a row
with a hidden count are "withheld", since they could give the count back.

Secondary suppression, so that no total, difference or figure shown twice reveals a hidden
count: `suppression_rules.relations` lists every linear relation among the figures (a whole and
its parts). For each relation, each hidden cell's feasible values are worked out from the cells
still shown, as a reader would: a count shown as "fewer than 5" is 1 to 4, a count withheld is 5
or more (only counts shown as 5 or more are ever withheld), an amount withheld is 0 or more, a
change withheld any number. When a hidden cell's feasible values narrow to one, one more cell of
that relation is withheld: its smallest non-zero part still shown, else its whole. This repeats
until no relation gives a hidden cell away. Where nothing is left to withhold and the "fewer
than" markers alone pin each other (a hidden 4 made of four hidden 1s, below 5), one of them is
shown as withheld instead. A total of 0 gives nothing away (every part is 0). The same figures
always give the same result.

A chart's bar for a hidden figure is left out (its value null) with a note; the headline facts are
hidden alike and the headline sentences rewritten from them.
"""

import copy
import math
import re
from typing import Any

from lms.reports import headlines
from lms.reports.suppression_rules import MEASURE_DEPENDS, Cell, Relation, relations, row_of

COUNT, PERCENT, MEAN, MONEY = "count", "percent", "mean", "money"
CHANGE = "change"  # the comparison's change: a difference, not a count
WITHHELD = "withheld"
DERIVED = (PERCENT, MEAN, MONEY)
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})*")
INTEGER_IN_TEXT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*(?![\d,]|\.\d)")


def fewer_than(suppress_below: int) -> str:
    return f"fewer than {suppress_below}"


def is_small(value: Any, suppress_below: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < suppress_below


def note(suppress_below: int) -> str:
    return (
        f'Counts from 1 to {suppress_below - 1} are shown as "{fewer_than(suppress_below)}" (a '
        'true zero is shown as 0). A figure shown as "withheld" is hidden because it could give '
        "a hidden count back: a rate, average or amount beside one, or a figure from which a "
        "hidden count could be worked out through a total, a difference or the same figure "
        "shown elsewhere."
    )


class _Pack:
    """The publication copy's cells: reading, kinds and hiding."""

    def __init__(self, published: dict[str, Any]):
        self.figures = published
        self.n = published["suppress_below"]
        self.hidden: dict[Cell, tuple[float, float]] = {}  # cell -> the values a reader allows
        self.exact: dict[Cell, int | None] = {}  # the figures before anything was hidden

    def table(self, name: str) -> dict[str, Any]:
        return self.figures["comparison"] if name == "comparison" else self.figures["tables"][name]

    def _slot(self, cell: Cell) -> tuple[dict[str, Any], str]:
        name, ref, column = cell
        if name == "facts":
            return self.figures["facts"], column
        table = self.table(name)
        if isinstance(ref, tuple):
            return table["summary"][ref[1]], "value"
        return row_of(table, ref), column

    def raw(self, cell: Cell) -> Any:
        holder, key = self._slot(cell)
        return holder.get(key)

    def kind(self, cell: Cell) -> str:
        name, ref, column = cell
        value = self.raw(cell)
        if name == "facts":
            return COUNT if isinstance(value, int) and not isinstance(value, bool) else MEAN
        if isinstance(ref, tuple):
            return COUNT if isinstance(value, str) and NUMBER.fullmatch(value) else "text"
        table = self.table(name)
        kind = next((c["kind"] for c in table["columns"] if c["key"] == column), "text")
        if kind in ("text", "date"):
            return kind
        row_kind = row_of(table, ref).get("kind", kind)
        if name == "comparison" and column == "change" and row_kind in (COUNT, MONEY):
            return CHANGE
        return row_kind

    def number(self, cell: Cell) -> int | None:
        """The cell's figure as a whole number (money in pence), or None when it has none."""
        value, kind = self.raw(cell), self.kind(cell)
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, str):
            return (
                int(value.replace(",", "")) if kind == COUNT and NUMBER.fullmatch(value) else None
            )
        if kind in (MONEY, CHANGE) and isinstance(value, float):
            return round(value * 100)
        return value if isinstance(value, int) else None

    def hide(self, cell: Cell, marker: str, bounds: tuple[float, float]) -> None:
        holder, key = self._slot(cell)
        holder[key] = marker
        self.hidden[cell] = bounds

    def bounds(self, cell: Cell) -> tuple[float, float] | None:
        """The values a reader allows the cell: one when shown; None when it has no figure."""
        if cell[0] == "?":
            return (0, math.inf)
        if cell in self.hidden:
            return self.hidden[cell]
        value = self.number(cell)
        return None if value is None else (value, value)

    def withhold(self, cell: Cell) -> None:
        kind = self.kind(cell)
        if kind == COUNT:
            bounds = (self.n, math.inf)  # only counts shown as n or more are withheld
        elif kind == CHANGE:
            bounds = (-math.inf, math.inf)
        else:
            bounds = (0, math.inf)
        self.hide(cell, WITHHELD, bounds)


def _cells(pack: _Pack) -> list[Cell]:
    """Every cell of the tables, the comparison and the facts, in the order the pack reads."""
    found = []
    for name in [
        *pack.figures["tables"],
        *(["comparison"] if pack.figures.get("comparison") else []),
    ]:
        table = pack.table(name)
        for ref in [*range(len(table["rows"])), *(["total"] if table.get("total") else [])]:
            found += [(name, ref, column["key"]) for column in table["columns"]]
        found += [(name, ("summary", i), "value") for i in range(len(table.get("summary") or []))]
    found += [("facts", None, name) for name in pack.figures.get("facts") or {}]
    return found


def _primary(pack: _Pack, cells: list[Cell]) -> None:
    for cell in cells:
        if pack.kind(cell) == COUNT and is_small(pack.number(cell), pack.n):
            pack.hide(cell, fewer_than(pack.n), (1, pack.n - 1))


def _derived(pack: _Pack) -> None:
    """Rates, averages and amounts beside a hidden count are withheld too."""
    rows = {}
    for name, ref, _column in pack.hidden:
        if name not in ("facts", "comparison", "?") and not isinstance(ref, tuple):
            rows[(name, ref)] = True
    for name, ref in rows:
        for column in pack.table(name)["columns"]:
            cell = (name, ref, column["key"])
            if (
                cell not in pack.hidden
                and pack.kind(cell) in DERIVED
                and pack.raw(cell) is not None
            ):
                pack.withhold(cell)
    comparison = pack.figures.get("comparison")
    if comparison:
        labels = {row["measure"]: index for index, row in enumerate(comparison["rows"])}
        years = [c["key"] for c in comparison["columns"] if c["key"] not in ("measure", "change")]
        for measure, needs in MEASURE_DEPENDS.items():
            if measure not in labels:
                continue
            index = labels[measure]
            for year in years:
                cell = ("comparison", index, year)
                if (
                    cell not in pack.hidden
                    and pack.raw(cell) is not None
                    and any(("comparison", labels.get(need), year) in pack.hidden for need in needs)
                ):
                    pack.withhold(cell)
            change = ("comparison", index, "change")
            if (
                pack.kind(change) != CHANGE
                and change not in pack.hidden
                and any(("comparison", index, year) in pack.hidden for year in years)
                and pack.raw(change) is not None
            ):
                pack.withhold(change)
    facts = pack.figures.get("facts") or {}
    for name, needs in headlines.DEPENDS.items():
        cell = ("facts", None, name)
        if (
            name in facts
            and facts[name] is not None
            and cell not in pack.hidden
            and any(("facts", None, need) in pack.hidden for need in needs)
        ):
            pack.withhold(cell)


def _feasible(terms: list[tuple[int, tuple[float, float]]], index: int) -> tuple[float, float]:
    """The values term `index` can take for the signed sum of the terms to be 0."""
    low = high = 0.0
    for position, (sign, (lo, hi)) in enumerate(terms):
        if position != index:
            low, high = low + min(sign * lo, sign * hi), high + max(sign * lo, sign * hi)
    sign, (lo, hi) = terms[index]
    first, last = (-high, -low) if sign > 0 else (low, high)  # sign * x = -(the others)
    return max(first, lo), min(last, hi)


def disclosed(terms: list[tuple[int, tuple[float, float]]], index: int) -> bool:
    """Whether a hidden term's value follows from the relation (when its marker alone does not
    say it already, as "fewer than 2" does)."""
    lo, hi = terms[index][1]
    if lo == hi:
        return False
    first, last = _feasible(terms, index)
    return first == last


def _reveals(pack: _Pack, relation: Relation) -> bool:
    terms = []
    for sign, cell in relation:
        bounds = pack.bounds(cell)
        if bounds is None:
            return False  # a relation with a cell that has no figure holds no information
        terms.append((sign, bounds))
    return any(
        disclosed(terms, index)
        for index, (_sign, cell) in enumerate(relation)
        if cell in pack.hidden
    )


def _next_to_hide(pack: _Pack, relation: Relation) -> Cell | None:
    shown = [
        (abs(pack.number(cell)), position, cell)
        for position, (_sign, cell) in enumerate(relation)
        if position > 0 and cell[0] != "?" and cell not in pack.hidden and pack.number(cell)
    ]
    if shown:
        return min(shown)[2]
    whole = relation[0][1]
    if whole[0] != "?" and whole not in pack.hidden and pack.number(whole):
        return whole
    return None


def _pinned_small(pack: _Pack, relation: Relation) -> Cell | None:
    """With nothing left to withhold, the "fewer than" markers alone can pin each other (4 = 1
    + 1 + 1 + 1 below 5): the whole, or else the first part, so pinned is shown as withheld
    instead, which says nothing of its size."""
    small = (1, pack.n - 1)
    for _sign, cell in relation:
        if pack.hidden.get(cell) == small:
            return cell
    return None


def _secondary(pack: _Pack) -> None:
    found = relations(pack.figures)
    stuck: set[int] = set()
    while True:
        _derived(pack)
        for number, relation in enumerate(found):
            if number not in stuck and _reveals(pack, relation):
                cell = _next_to_hide(pack, relation)
                if cell is not None:
                    pack.withhold(cell)
                    break
                cell = _pinned_small(pack, relation)
                if cell is not None:
                    pack.hide(cell, WITHHELD, (0, math.inf))
                    break
                stuck.add(number)
        else:
            return


def _chart(pack: _Pack, name: str) -> None:
    table = pack.table(name)
    chart = table.get("chart")
    if not chart:
        return
    texts = [c["key"] for c in table["columns"] if c["kind"] == "text"]
    by_label: dict[Any, int] = {}
    for index, row in enumerate(table["rows"]):
        for key in texts:
            by_label.setdefault(row.get(key), index)
    columns = {c["label"]: c["key"] for c in table["columns"]}
    dropped = 0
    for group in chart["groups"]:
        label, values = group
        index = by_label.get(label)
        hidden_row = index is not None and any(
            (name, index, c["key"]) in pack.hidden for c in table["columns"]
        )
        for position, series in enumerate(chart["series"]):
            key = columns.get(series) or next(
                (k for lbl, k in columns.items() if lbl.startswith(series)), None
            )
            if values[position] is None:
                continue
            if index is not None and key is not None:
                hide = (name, index, key) in pack.hidden
            elif index is not None:
                hide = hidden_row
            else:
                hide = is_small(values[position], pack.n)
            if hide:
                values[position] = None
                dropped += 1
    if dropped:
        chart["note"] = "; ".join(
            filter(None, [chart.get("note"), "Bars for hidden figures are left out"])
        )


def _summaries(pack: _Pack, name: str) -> None:
    """A summary line stating a hidden count in words is withheld."""
    table = pack.table(name)
    total = table.get("total") or {}
    secret = {
        pack_value
        for column, pack_value in (
            (c["key"], _exact(pack, name, c["key"])) for c in table["columns"]
        )
        if (name, "total", column) in pack.hidden and pack_value is not None
    }
    for index, item in enumerate(table.get("summary") or []):
        value = item.get("value")
        if (name, ("summary", index), "value") in pack.hidden or not isinstance(value, str):
            continue
        if NUMBER.fullmatch(value):
            continue
        numbers = {int(n.replace(",", "")) for n in INTEGER_IN_TEXT.findall(value)}
        if any(0 < n < pack.n for n in numbers) or (numbers & secret and total):
            item["value"] = WITHHELD


def _exact(pack: _Pack, name: str, column: str) -> int | None:
    value = pack.exact.get((name, "total", column))
    return value if isinstance(value, int) else None


def publish(figures: dict[str, Any]) -> dict[str, Any]:
    """The publication version of a pack's exact figures (a new dict; the figures are kept)."""
    published = copy.deepcopy(figures)
    pack = _Pack(published)
    cells = _cells(pack)
    pack.exact = {cell: pack.number(cell) for cell in cells}
    _primary(pack, cells)
    _secondary(pack)
    names = [*published["tables"], *(["comparison"] if published.get("comparison") else [])]
    for name in names:
        _chart(pack, name)
        _summaries(pack, name)
    if published.get("facts"):
        published["headlines"] = headlines.sentences(published["facts"], year=published["year"])
    published["version"] = "publication"
    published["notes"] = [*published.get("notes", []), note(pack.n)]
    return published
