"""Compliance with the training requirements by sector and by agency, for the PDL subgroup: the
tables the reports pages, downloads, command line and API show.

Compliance is never stored: `lms.compliance.status` derives it, and these reports count what it
finds as at one day, the last day of the period, or today when the period has not ended yet.
People are as they were that day (their agency and job title from the membership covering it,
the role tags set by then) with the training they had done by then; inactive requirements are
not counted. Each row is a requirement and a sector (or agency): the people it applies to there,
how many are compliant (including those due soon), due soon, overdue and have never done it.
The total adds up the rows, so it counts pairs of a person and a requirement.

The sector and agency filters choose people by their agency on the day. The course filters do
not apply (compliance counts people, not courses): `build.run` refuses them."""

from datetime import date, datetime

from lms.compliance import status
from lms.compliance.status import State
from lms.core.timefmt import local, long_date
from lms.reports.filters import Filters
from lms.reports.tables import PERCENT, TEXT, Chart, Column, Table, rate
from lms.settings import services as settings

CHART_ROWS = 20
FILTERS = ("sector", "agency")  # the filters these reports take
NAMES = ("compliance-by-sector", "compliance-by-agency")
FIGURES = ("applies", "compliant", "due", "overdue", "never")
# The figure each state adds to besides "applies"; due soon is compliant too.
COUNTED = {
    State.COMPLIANT: ("compliant",),
    State.DUE: ("compliant", "due"),
    State.OVERDUE: ("overdue",),
    State.NEVER: ("never",),
}
COLUMNS = [
    Column("applies", "People it applies to"),
    Column("compliant", "Compliant (including due soon)"),
    Column("due", "Due soon"),
    Column("overdue", "Overdue"),
    Column("never", "Never done"),
    Column("compliance_rate", "Compliance rate", PERCENT),
]
FIRST_COLUMNS = {
    "sector": [Column("requirement", "Requirement", TEXT), Column("sector", "Sector", TEXT)],
    "agency": [
        Column("requirement", "Requirement", TEXT),
        Column("agency", "Agency", TEXT),
        Column("sector", "Sector", TEXT),
    ],
}
PLURALS = {"agency": "agencies", "sector": "sectors"}


def as_at(f: Filters, *, now: datetime) -> date:
    """The UK day compliance is counted on: the period's last day, or today if it is later."""
    return min(f.period.last, local(now).date())


def counts(f: Filters, *, by: str, day: date, due_months: int) -> list[dict]:
    """One row per requirement and sector (or agency) with people it applies to there, in the
    order of requirement and then sector (or agency) name."""
    found: dict[tuple, dict] = {}
    for item in status.for_everyone(on=day, due_months=due_months):
        person = item.person
        if f.agency is not None and person.agency_id != f.agency.id:
            continue
        if f.sector is not None and person.sector is not f.sector:
            continue
        place = person.sector if by == "sector" else person.agency_id
        row = found.get((item.rule.id, place))
        if row is None:
            row = {"requirement": item.rule.name, "requirement_id": item.rule.id}
            if by == "agency":
                row |= {"agency": person.agency, "agency_id": person.agency_id}
            row |= {"sector": person.sector.label} | dict.fromkeys(FIGURES, 0)
            found[(item.rule.id, place)] = row
        row["applies"] += 1
        for figure in COUNTED[item.state]:
            row[figure] += 1
    rows = sorted(
        found.values(),
        key=lambda row: (
            row["requirement"].lower(),
            row["requirement_id"],
            row.get("agency", row["sector"]).lower(),
            row.get("agency_id", 0),
        ),
    )
    for row in rows:
        row["compliance_rate"] = rate(row["compliant"], row["applies"])
    return rows


def _chart(rows: list[dict], by: str) -> Chart:
    """The compliance rate of each row; the lowest rates when there are too many to draw."""
    chosen, note = rows, ""
    if len(rows) > CHART_ROWS:
        chosen = sorted(rows, key=lambda row: row["compliance_rate"])[:CHART_ROWS]
        note = (
            f"The {CHART_ROWS} requirements and {PLURALS[by]} with the lowest compliance rates; "
            f"the table has all {len(rows)}"
        )
    return Chart(
        f"Compliance rate by requirement and {by}",
        ("Compliance rate",),
        [(f"{row['requirement']}: {row[by]}", (row["compliance_rate"],)) for row in chosen],
        unit="%",
        note=note,
    )


def _table(f: Filters, by: str, now: datetime) -> Table:
    day = as_at(f, now=now)
    due_months = settings.current().compliance_due_months
    rows = counts(f, by=by, day=day, due_months=due_months)
    first = FIRST_COLUMNS[by]
    total = None
    if rows:  # no requirement applies to anyone: no rows and no totals row
        total = {name: sum(row[name] for row in rows) for name in FIGURES}
        total["compliance_rate"] = rate(total["compliant"], total["applies"])
        total |= {column.key: "" for column in first} | {"requirement": "Total"}
    when = "today: the period has not ended yet" if day < f.period.last else "the period's last day"
    months = f"{due_months} month{'s' if due_months != 1 else ''}"
    summary = [
        ("As at", f"{long_date(day)}, {when}"),
        ("Due soon", f"Compliant, but it runs out within {months}"),
    ]
    title = f"Compliance by {by} as at {long_date(day)}"
    return Table(
        f"compliance-by-{by}", title, first + COLUMNS, rows, total, _chart(rows, by), summary
    )


def by_sector(f: Filters, *, now: datetime) -> Table:
    return _table(f, "sector", now)


def by_agency(f: Filters, *, now: datetime) -> Table:
    return _table(f, "agency", now)


def reports(report) -> tuple:
    """The two reports, as `build.REPORTS` lists them (`report` is `build.Report`)."""
    return (
        report(
            "compliance-by-sector",
            "Compliance by sector",
            "For each training requirement and sector: the people it applies to, how many are "
            "compliant (including due soon), due soon, overdue or have never done it, and the "
            "compliance rate, as at the period's last day (or today, if it has not ended).",
            by_sector,
            {},
            FILTERS,
        ),
        report(
            "compliance-by-agency",
            "Compliance by agency",
            "The same compliance figures for each requirement and agency (the person's agency "
            "on the day counted).",
            by_agency,
            {},
            FILTERS,
        ),
    )
