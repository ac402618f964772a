"""Which figures of the annual pack add up to which: the linear relations secondary suppression
protects (`suppression.publish`), so that no hidden count can be worked out from a total, a
difference or the same figure shown elsewhere.

A relation is a list of (sign, cell) whose signed sum is 0, the first cell being the whole. A
cell is (table, row, column): the table's key in the pack ("comparison" for the comparison,
"facts" for the headline facts, "?" for a figure the pack does not show), the row's index,
"total" or ("summary", index), and the column's key. A figure the pack does not show (the
bookings not yet marked in the programme tables, say) is a part no one can see, known only to be
0 or more: it turns an identity into an "at least".

The rules, decided from how lms/reports/figures.py, elearning.py and impact.py count:

Table: columns that add up over the rows to the total / not additive / within each row.

- Programme by level, mode, time: sessions run, cancelled and still to run, places offered,
  booked, attended, partial, no-shows, places wasted, and courses run by level and by mode (a
  course has one level and one mode, but can run both in the daytime and at twilight) / the
  rates, courses run by time of day / booked = attended + partial +
  places wasted + (not yet marked, not shown); places wasted = no-shows + (late cancellations).
- Programme by theme: none, a course with several themes counts under each / the rates / as above.
- Attendance by sector, by agency: booked, attended, partial, no-shows, late cancellations, not
  yet marked, places wasted, charges raised, amount charged / attendance rate / booked =
  attended + partial + no-shows + late cancellations + not yet marked; places wasted = no-shows
  + late cancellations.
- Multi-agency mix: none (a row per session, no total).
- E-learning by sector, agency, module: completions, declared / people (different people: one
  person can count in two rows) / completions = declared + (the rest).
- Unmet demand: sessions run, sessions that filled, interest, interest not told / still waiting
  (different people) / sessions run = filled + (the rest); interest = not told + (the rest).
- Compliance by sector, by agency (a row per requirement and sector or agency): people it applies
  to, compliant, due soon, overdue, never done / the rate / applies = compliant + overdue + never
  done; compliant = due soon + (the rest).
- Impact by level, by sector: every count (invited, responses, the people each figure rests on,
  gained, stayed, fell) / means and shares / invited = responses + (no answer); people = gained
  + stayed + fell.

Across tables: a sector's row is the sum of the rows of the agencies in that sector (attendance,
e-learning, and compliance for the same requirement); the programme tables' totals are the same
figures as each other and as the attendance totals (booked, attended, partial, no-shows, places
wasted), the unmet-demand total and the multi-agency mix's "Sessions run"; the e-learning
tables' totals are the same figures (people too), as are the impact tables'. The comparison:
this year's column is the same figures as the tables' totals, this year = the previous year +
the change, and each year's column keeps the attendance identities. A section that shows some of
a table's columns shows the same cells (the pack stores the table once), so it needs no relation
of its own. The headline facts are the same figures as the cells they restate, and the sessions
by mode and by level add up to the sessions run.
"""

import itertools
from typing import Any

Cell = tuple[str, Any, str]
Relation = list[tuple[int, Cell]]

PROGRAMME = ("programme-by-level", "programme-by-mode", "programme-by-time", "programme-by-theme")
PROGRAMME_COUNTS = (
    "sessions_run",
    "sessions_cancelled",
    "sessions_upcoming",
    "places_offered",
    "booked",
    "attended",
    "partial",
    "no_shows",
    "places_wasted",
)
ATTENDANCE_SUMS = (
    "booked",
    "attended",
    "partial",
    "no_shows",
    "late_cancellations",
    "not_marked",
    "places_wasted",
    "charges_raised",
    "charged_pence",
)
ELEARNING_SUMS = ("completions", "declared")
IMPACT_COUNTS = tuple(
    [
        f"{stage}_{what}"
        for stage in ("before", "after", "follow_up", "manager")
        for what in ("invited", "answered")
    ]
    + ["rating_n"]
    + [
        f"{name}_{what}"
        for name in ("knowledge", "confidence")
        for what in ("gained", "stayed", "fell", "n")
    ]
    + ["changed_n", "seen_n"]
)
# (whole, parts, whether a part the pack does not show makes up the rest)
PROGRAMME_IDENTITIES = (
    ("booked", ("attended", "partial", "places_wasted"), True),
    ("places_wasted", ("no_shows",), True),
)
ATTENDANCE_IDENTITIES = (
    ("booked", ("attended", "partial", "no_shows", "late_cancellations", "not_marked"), False),
    ("places_wasted", ("no_shows", "late_cancellations"), False),
)
IMPACT_IDENTITIES = (
    *(
        (f"{stage}_invited", (f"{stage}_answered",), True)
        for stage in ("before", "after", "follow_up", "manager")
    ),
    *(
        (f"{name}_n", (f"{name}_gained", f"{name}_stayed", f"{name}_fell"), False)
        for name in ("knowledge", "confidence")
    ),
)
COMPLIANCE_COUNTS = ("applies", "compliant", "due", "overdue", "never")
# Compliant includes those due soon.
COMPLIANCE_IDENTITIES = (
    ("applies", ("compliant", "overdue", "never"), False),
    ("compliant", ("due",), True),
)
# table key -> (columns adding up to the total, identities within each row)
RULES = {
    "programme-by-level": ((*PROGRAMME_COUNTS, "courses_run"), PROGRAMME_IDENTITIES),
    "programme-by-mode": ((*PROGRAMME_COUNTS, "courses_run"), PROGRAMME_IDENTITIES),
    "programme-by-time": (PROGRAMME_COUNTS, PROGRAMME_IDENTITIES),
    "programme-by-theme": ((), PROGRAMME_IDENTITIES),
    "attendance-by-sector": (ATTENDANCE_SUMS, ATTENDANCE_IDENTITIES),
    "attendance-by-agency": (ATTENDANCE_SUMS, ATTENDANCE_IDENTITIES),
    "multi-agency-mix": ((), ()),
    "elearning-by-sector": (ELEARNING_SUMS, (("completions", ("declared",), True),)),
    "elearning-by-agency": (ELEARNING_SUMS, (("completions", ("declared",), True),)),
    "elearning-by-module": (ELEARNING_SUMS, (("completions", ("declared",), True),)),
    "unmet-demand": (
        ("sessions_run", "sessions_full", "interest", "interest_not_told"),
        (("sessions_run", ("sessions_full",), True), ("interest", ("interest_not_told",), True)),
    ),
    "impact-by-level": (IMPACT_COUNTS, IMPACT_IDENTITIES),
    "impact-by-sector": (IMPACT_COUNTS, IMPACT_IDENTITIES),
    "compliance-by-sector": (COMPLIANCE_COUNTS, COMPLIANCE_IDENTITIES),
    "compliance-by-agency": (COMPLIANCE_COUNTS, COMPLIANCE_IDENTITIES),
}
# A sector's row is the sum of its agencies' rows: (sector table, agency table, columns).
BY_SECTOR = (
    ("attendance-by-sector", "attendance-by-agency", ATTENDANCE_SUMS),
    ("elearning-by-sector", "elearning-by-agency", ELEARNING_SUMS),
    ("compliance-by-sector", "compliance-by-agency", COMPLIANCE_COUNTS),
)
# Tables whose totals are the same figures: (tables, columns).
SAME_TOTALS = (
    (PROGRAMME, (*PROGRAMME_COUNTS, "courses_run")),
    (
        ("attendance-by-sector", "attendance-by-agency", "programme-by-level"),
        ("booked", "attended", "partial", "no_shows", "places_wasted"),
    ),
    (("attendance-by-sector", "attendance-by-agency"), ATTENDANCE_SUMS),
    (("programme-by-level", "unmet-demand"), ("sessions_run",)),
    (
        ("elearning-by-sector", "elearning-by-agency", "elearning-by-module"),
        (*ELEARNING_SUMS, "people"),
    ),
    (("impact-by-level", "impact-by-sector"), IMPACT_COUNTS),
    (("compliance-by-sector", "compliance-by-agency"), COMPLIANCE_COUNTS),
)
# The comparison's measures (trend labels) and the total they are the same figure as.
MEASURES = {
    "Sessions run": ("programme-by-level", "sessions_run"),
    "Sessions cancelled": ("programme-by-level", "sessions_cancelled"),
    "Places offered": ("programme-by-level", "places_offered"),
    "Booked": ("programme-by-level", "booked"),
    "Attended": ("programme-by-level", "attended"),
    "Partial": ("programme-by-level", "partial"),
    "No-shows": ("programme-by-level", "no_shows"),
    "Late cancellations": ("attendance-by-sector", "late_cancellations"),
    "Places wasted": ("programme-by-level", "places_wasted"),
    "Charges raised": ("attendance-by-sector", "charges_raised"),
    "Amount charged": ("attendance-by-sector", "charged_pence"),
    "People still waiting when sessions started": ("unmet-demand", "waiting"),
}
MEASURE_IDENTITIES = (
    ("Places wasted", ("No-shows", "Late cancellations"), False),
    ("Booked", ("Attended", "Partial", "Places wasted"), True),
)
# A comparison measure that is a rate or an amount, and the counts it would give back.
MEASURE_DEPENDS = {
    "Fill rate": ("Booked", "Places offered"),
    "Attendance rate": ("Attended", "Booked"),
    "Amount charged": ("Charges raised",),
}
# Headline facts that restate a cell: fact -> (table, column), on the total row.
FACT_TOTALS = {
    "sessions_run": ("programme-by-level", "sessions_run"),
    "booked": ("programme-by-level", "booked"),
    "places_wasted": ("programme-by-level", "places_wasted"),
    "elearning_completions": ("elearning-by-sector", "completions"),
    "elearning_people": ("elearning-by-sector", "people"),
    "rating_n": ("impact-by-level", "rating_n"),
    "changed_n": ("impact-by-level", "changed_n"),
    "compliance_assessed": ("compliance-by-sector", "applies"),
    "compliance_met": ("compliance-by-sector", "compliant"),
}
MODE_LABELS = {
    "classroom": "Face to face",
    "virtual": "Virtual (live online)",
    "blended": "Blended",
    "elearning": "E-learning",
}


def row_refs(table: dict[str, Any]) -> list[Any]:
    return [*range(len(table["rows"])), *(["total"] if table.get("total") else [])]


def row_of(table: dict[str, Any], ref: Any) -> dict[str, Any]:
    return table["total"] if ref == "total" else table["rows"][ref]


def _find(table: dict[str, Any] | None, column: str, label: str) -> int | None:
    if table is None:
        return None
    for index, row in enumerate(table["rows"]):
        if row.get(column) == label:
            return index
    return None


def _keys(table: dict[str, Any]) -> set[str]:
    return {column["key"] for column in table["columns"]}


def _whole(whole: Cell, parts: list[Cell]) -> Relation:
    return [(1, whole), *((-1, part) for part in parts)]


class _Builder:
    def __init__(self, figures: dict[str, Any]):
        self.figures = figures
        self.tables = figures.get("tables") or {}
        self.found: list[Relation] = []
        self.unseen = itertools.count()

    def add(self, relation: Relation) -> None:
        if len(relation) > 1:
            self.found.append(relation)

    def identity(self, name: str, ref: Any, whole: str, parts, rest: bool, column=None) -> None:
        """Within one row (or, for the comparison, one column: `column` set)."""
        cell = (
            (lambda key: (name, ref, key)) if column is None else (lambda key: (name, key, column))
        )
        relation = _whole(cell(whole), [cell(part) for part in parts])
        if rest:
            relation.append((-1, ("?", next(self.unseen), "")))
        self.add(relation)

    def tables_rules(self) -> None:
        for name, table in self.tables.items():
            sums, identities = RULES.get(name, ((), ()))
            keys = _keys(table)
            if table.get("total"):
                for column in sums:
                    if column in keys:
                        parts = [(name, index, column) for index in range(len(table["rows"]))]
                        self.add(_whole((name, "total", column), parts))
            for whole, parts, rest in identities:
                if whole in keys and all(part in keys for part in parts):
                    for ref in row_refs(table):
                        self.identity(name, ref, whole, parts, rest)

    def across(self) -> None:
        for sectors, agencies, columns in BY_SECTOR:
            by_sector, by_agency = self.tables.get(sectors), self.tables.get(agencies)
            if by_sector is None or by_agency is None:
                continue
            for index, row in enumerate(by_sector["rows"]):
                theirs = [
                    i
                    for i, other in enumerate(by_agency["rows"])
                    if other.get("sector") == row.get("sector")
                    and other.get("requirement") == row.get("requirement")
                ]
                for column in columns:
                    parts = [(agencies, i, column) for i in theirs]
                    self.add(_whole((sectors, index, column), parts))
        for names, columns in SAME_TOTALS:
            present = [n for n in names if (self.tables.get(n) or {}).get("total")]
            for column in columns:
                having = [n for n in present if column in _keys(self.tables[n])]
                for other in having[1:]:
                    self.add(_whole((having[0], "total", column), [(other, "total", column)]))
        mix = self.tables.get("multi-agency-mix")
        if mix and self._has_total("programme-by-level"):
            for index, item in enumerate(mix.get("summary") or []):
                if item.get("label") == "Sessions run":
                    self.add(
                        _whole(
                            ("programme-by-level", "total", "sessions_run"),
                            [("multi-agency-mix", ("summary", index), "value")],
                        )
                    )

    def _has_total(self, name: str) -> bool:
        return bool((self.tables.get(name) or {}).get("total"))

    def comparison(self) -> None:
        table = self.figures.get("comparison")
        if not table:
            return
        this, last = self.figures["year"], self.figures.get("previous_year")
        for index, row in enumerate(table["rows"]):
            if row.get("kind") in ("count", "money") and last:
                self.add(
                    _whole(
                        ("comparison", index, this),
                        [("comparison", index, last), ("comparison", index, "change")],
                    )
                )
            source = MEASURES.get(row["measure"])
            if source and self._has_total(source[0]) and source[1] in _keys(self.tables[source[0]]):
                self.add(_whole(("comparison", index, this), [(source[0], "total", source[1])]))
        for whole, parts, rest in MEASURE_IDENTITIES:
            refs = [_find(table, "measure", label) for label in (whole, *parts)]
            if None in refs:
                continue
            for column in (this, last):
                if column:
                    self.identity("comparison", None, refs[0], refs[1:], rest, column=column)

    def facts(self) -> None:
        facts = self.figures.get("facts") or {}
        for name, (table, column) in FACT_TOTALS.items():
            if name in facts and self._has_total(table) and column in _keys(self.tables[table]):
                self.add(_whole(("facts", None, name), [(table, "total", column)]))
        if "evaluation_responses" in facts and self._has_total("impact-by-level"):
            stages = ("before", "after", "follow_up", "manager")
            parts = [("impact-by-level", "total", f"{stage}_answered") for stage in stages]
            if all(part[2] in _keys(self.tables["impact-by-level"]) for part in parts):
                self.add(_whole(("facts", None, "evaluation_responses"), parts))
        comparison = self.figures.get("comparison")
        ref = _find(comparison, "measure", "Sessions run")
        if (
            "previous_sessions_run" in facts
            and ref is not None
            and self.figures.get("previous_year")
        ):
            self.add(
                _whole(
                    ("facts", None, "previous_sessions_run"),
                    [("comparison", ref, self.figures["previous_year"])],
                )
            )
        modes = [
            name
            for name in facts
            if name.startswith("sessions_") and name.removeprefix("sessions_") in MODE_LABELS
        ]
        levels = [
            name for name in facts if name.startswith("level_") and name.endswith("_sessions")
        ]
        for names in (modes, levels):
            if names and "sessions_run" in facts:
                self.add(
                    _whole(("facts", None, "sessions_run"), [("facts", None, n) for n in names])
                )
        by_mode = self.tables.get("programme-by-mode")
        for name in modes:
            index = _find(by_mode, "group", MODE_LABELS[name.removeprefix("sessions_")])
            if index is not None:
                self.add(
                    _whole(("facts", None, name), [("programme-by-mode", index, "sessions_run")])
                )
        by_level = self.tables.get("programme-by-level")
        for name in levels:
            level = name.removeprefix("level_").removesuffix("_sessions")
            index = _find(by_level, "group", f"Level {level}")
            if index is not None:
                self.add(
                    _whole(("facts", None, name), [("programme-by-level", index, "sessions_run")])
                )
                courses = f"level_{level}_courses"
                if courses in facts and "courses_run" in _keys(by_level):
                    self.add(
                        _whole(
                            ("facts", None, courses), [("programme-by-level", index, "courses_run")]
                        )
                    )


def relations(figures: dict[str, Any]) -> list[Relation]:
    """Every linear relation among the pack's figures, in the order the pack reads."""
    builder = _Builder(figures)
    builder.tables_rules()
    builder.across()
    builder.comparison()
    builder.facts()
    return builder.found
