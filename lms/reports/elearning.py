"""E-learning completions by agency, by sector and by module: the figures (one SQL statement per
table, totals by window sums as in `figures`) and the tables the reports pages, downloads,
command line and API show.

A completion belongs to the period of its completion date (a UK date, compared as a date on both
databases) and counts for the agency recorded on it: the person's agency on that day. Only
completions still held count (not withdrawn, for instance by undoing an import). Rows that matched
nobody are not completions yet, and declared training counts only once verified (it is then a
completion whose source is `self_declared`)."""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency
from lms.catalogue.models import Course, Provider
from lms.elearning.models import Completion, CompletionSource
from lms.reports.figures import _count, _rows, _totalled
from lms.reports.filters import Filters
from lms.reports.tables import TEXT, Chart, Column, Table

CHART_ROWS = 20
FIGURES = ("completions", "declared")
HELD = Completion.withdrawn_at.is_(None)
DECLARED = Completion.source == CompletionSource.SELF_DECLARED


def in_period(f: Filters) -> list:
    """Completions dated within the period's UK dates, both included."""
    return [Completion.completed_on >= f.period.first, Completion.completed_on <= f.period.last]


def _measures() -> list:
    return [
        sa.func.count(Completion.id).label("completions"),
        sa.func.count(sa.distinct(Completion.user_id)).label("people"),
        _count(DECLARED).label("declared"),
    ]


def _counted(f: Filters, *keys) -> sa.Select:
    """Held completions in the period, of the modules and agencies the filters choose."""
    return (
        sa.select(*keys, *_measures())
        .select_from(Completion)
        .join(Course, Course.id == Completion.course_id)
        .join(Agency, Agency.id == Completion.agency_id)
        .where(HELD, *in_period(f), *f.course_conditions())
        .where(*f.agency_conditions(Completion.agency_id, Agency.sector))
    )


def completions(f: Filters, *, by: str) -> list[sa.RowMapping]:
    """Completions, different people and verified declarations by agency, sector or module;
    each row also carries the totals of completions and declarations (`total_<name>`)."""
    keys, order = {
        "agency": (
            [Agency.id.label("agency_id"), Agency.name.label("agency"), Agency.sector],
            ["agency", "agency_id"],
        ),
        "sector": ([Agency.sector], ["sector"]),
        "module": (
            [
                Course.id.label("course_id"),
                Course.title.label("module"),
                sa.func.coalesce(Course.module_code, "").label("module_code"),
                sa.func.coalesce(Provider.name, "").label("provider"),
                Course.level,
            ],
            ["module", "course_id"],
        ),
    }[by]
    query = _counted(f, *keys)
    if by == "module":
        query = query.outerjoin(Provider, Provider.id == Course.provider_id)
    return _totalled(query.group_by(*keys), FIGURES, order)


def people(f: Filters) -> int:
    """Different people with a completion counted: a person who counted for two agencies (or
    did two modules) is one person in the total."""
    return _rows(_counted(f))[0]["people"]


# The tables ---------------------------------------------------------------------------------

COLUMNS = [
    Column("completions", "Completions"),
    Column("people", "People"),
    Column("declared", "Of which declared and verified"),
]
FIRST_COLUMNS = {
    "agency": [Column("agency", "Agency", TEXT), Column("sector", "Sector", TEXT)],
    "sector": [Column("sector", "Sector", TEXT)],
    "module": [
        Column("module", "Module", TEXT),
        Column("module_code", "Module code", TEXT),
        Column("provider", "Provider", TEXT),
        Column("level", "Level", TEXT),
    ],
}


def _table(f: Filters, by: str) -> Table:
    found = completions(f, by=by)
    total = {name: found[0][f"total_{name}"] if found else 0 for name in FIGURES}
    total["people"] = people(f)
    rows = []
    for row in found:
        row = {k: v for k, v in row.items() if not k.startswith("total_")}
        if "sector" in row:
            row["sector"] = row["sector"].label
        if "level" in row:
            row["level"] = f"Level {row['level']}"
        rows.append(row)
    label = by  # the column naming each row
    rows.sort(key=lambda row: (row[label].lower(), row.get("agency_id") or row.get("course_id")))
    first = FIRST_COLUMNS[by]
    total |= {column.key: "" for column in first} | {first[0].key: "Total"}
    ranked = sorted(rows, key=lambda row: (-row["completions"], row[label]))[:CHART_ROWS]
    plural = {"agency": "agencies", "sector": "sectors", "module": "modules"}[by]
    note = ""
    if len(rows) > CHART_ROWS:
        note = f"The {CHART_ROWS} {plural} with the most completions; the table has all {len(rows)}"
    chart = Chart(
        f"E-learning completions and people by {label}",
        ("Completions", "People"),
        [(row[label], (row["completions"], row["people"])) for row in ranked],
        note=note,
    )
    title = f"E-learning completions by {label}"
    return Table(f"elearning-by-{label}", title, first + COLUMNS, rows, total, chart)


def by_agency(f: Filters, *, now: datetime) -> Table:
    return _table(f, "agency")


def by_sector(f: Filters, *, now: datetime) -> Table:
    return _table(f, "sector")


def by_module(f: Filters, *, now: datetime) -> Table:
    return _table(f, "module")


def reports(report) -> tuple:
    """The three reports, as `build.REPORTS` lists them (`report` is `build.Report`)."""
    return (
        report(
            "elearning-by-agency",
            "E-learning completions by agency",
            "E-learning completions and the different people completing them, for each agency "
            "(the person's agency on the day they completed).",
            by_agency,
            {},
        ),
        report(
            "elearning-by-sector",
            "E-learning completions by sector",
            "The same e-learning figures for each sector.",
            by_sector,
            {},
        ),
        report(
            "elearning-by-module",
            "E-learning completions by module",
            "E-learning completions and people for each module, with its provider and level.",
            by_module,
            {},
        ),
    )
