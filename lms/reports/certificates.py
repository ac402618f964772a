"""Certificates issued, revoked, replaced and checked on the verify page, by agency and by sector:
the figures (one SQL statement per table, totals by window sums as in `figures`) and the tables
the reports pages, downloads, command line and API show.

Each figure counts an event in the period, by the UK day it happened on (the period's first
midnight to the midnight after its last day, UK time): a certificate issued, revoked or replaced
then, and a check of a certificate made then on the verify page, by its code or a pasted
credential. The events of one certificate count for the agency recorded on it (the person's
agency when they completed the training) and for its course's theme, level, mode and audience.
A certificate belongs to one agency, so the different certificates checked add up across the
rows to the total."""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency
from lms.catalogue.models import Course
from lms.certificates.models import Certificate, CertificateCheck
from lms.privacy.erasure_map import CERTIFICATE_REASON
from lms.reports.figures import _count, _totalled
from lms.reports.filters import Filters
from lms.reports.periods import Period
from lms.reports.tables import TEXT, Chart, Column, Table

CHART_ROWS = 20
# What happened to a certificate: written into the statement as numbers, the same type on both
# databases in every branch of the union.
ISSUED, REVOKED, REPLACED, CHECKED = 1, 2, 3, 4
FIGURES = ("issued", "revoked", "replaced", "checks", "certificates_checked")


def _within(moment, period: Period) -> list:
    return [moment >= period.starts_at, moment < period.ends_at]


def _events(period: Period) -> sa.Subquery:
    """One row per event in the period: the certificate and what happened to it."""

    def kind(number: int) -> sa.ColumnElement:
        return sa.literal_column(str(number), sa.Integer).label("kind")

    def of(number: int, moment, *also) -> sa.Select:
        return sa.select(Certificate.id.label("certificate_id"), kind(number)).where(
            *_within(moment, period), *also
        )

    checks = (
        sa.select(Certificate.id.label("certificate_id"), kind(CHECKED))
        .join(CertificateCheck, CertificateCheck.certificate_id == Certificate.id)
        .where(*_within(CertificateCheck.checked_at, period))
    )
    return sa.union_all(
        of(ISSUED, Certificate.issued_at),
        # A certificate revoked because its holder was erased is not counted as revoked: the
        # training stands, and erasing someone changes no figure.
        of(REVOKED, Certificate.revoked_at, Certificate.revoked_reason != CERTIFICATE_REASON),
        of(REPLACED, Certificate.replaced_at),
        checks,
    ).subquery("events")


def counts(f: Filters, *, by: str) -> list[sa.RowMapping]:
    """The figures by agency or sector, of the certificates the filters choose; each row also
    carries the totals (`total_<name>`)."""
    events = _events(f.period)
    is_check = events.c.kind == CHECKED
    keys, order = {
        "agency": (
            [Agency.id.label("agency_id"), Agency.name.label("agency"), Agency.sector],
            ["agency", "agency_id"],
        ),
        "sector": ([Agency.sector], ["sector"]),
    }[by]
    query = (
        sa.select(
            *keys,
            _count(events.c.kind == ISSUED).label("issued"),
            _count(events.c.kind == REVOKED).label("revoked"),
            _count(events.c.kind == REPLACED).label("replaced"),
            _count(is_check).label("checks"),
            sa.func.count(sa.distinct(sa.case((is_check, events.c.certificate_id)))).label(
                "certificates_checked"
            ),
        )
        .select_from(events)
        .join(Certificate, Certificate.id == events.c.certificate_id)
        .join(Course, Course.id == Certificate.course_id)
        .join(Agency, Agency.id == Certificate.agency_id)
        .where(*f.course_conditions(), *f.agency_conditions(Certificate.agency_id, Agency.sector))
        .group_by(*keys)
    )
    return _totalled(query, FIGURES, order)


# The tables ---------------------------------------------------------------------------------

COLUMNS = [
    Column("issued", "Issued"),
    Column("revoked", "Revoked"),
    Column("replaced", "Replaced"),
    Column("checks", "Checks on the verify page"),
    Column("certificates_checked", "Certificates checked"),
]
FIRST_COLUMNS = {
    "agency": [Column("agency", "Agency", TEXT), Column("sector", "Sector", TEXT)],
    "sector": [Column("sector", "Sector", TEXT)],
}
PLURALS = {"agency": "agencies", "sector": "sectors"}


def _table(f: Filters, by: str) -> Table:
    found = counts(f, by=by)
    # No certificate events: no rows and no totals row, as the page shows it ("No figures").
    total = {name: found[0][f"total_{name}"] for name in FIGURES} if found else None
    rows = []
    for row in found:
        row = {k: v for k, v in row.items() if not k.startswith("total_")}
        row["sector"] = row["sector"].label
        rows.append(row)
    rows.sort(key=lambda row: (row[by].lower(), row.get("agency_id") or 0))
    first = FIRST_COLUMNS[by]
    if total is not None:
        total |= {column.key: "" for column in first} | {first[0].key: "Total"}
    ranked = sorted(rows, key=lambda row: (-row["issued"], row[by]))[:CHART_ROWS]
    note = ""
    if len(rows) > CHART_ROWS:
        note = (
            f"The {CHART_ROWS} {PLURALS[by]} with the most certificates issued; "
            f"the table has all {len(rows)}"
        )
    chart = Chart(
        f"Certificates issued, revoked and checked by {by}",
        ("Issued", "Revoked", "Checks"),
        [(row[by], (row["issued"], row["revoked"], row["checks"])) for row in ranked],
        note=note,
    )
    title = f"Certificates by {by}"
    return Table(f"certificates-by-{by}", title, first + COLUMNS, rows, total, chart)


def by_agency(f: Filters, *, now: datetime) -> Table:
    return _table(f, "agency")


def by_sector(f: Filters, *, now: datetime) -> Table:
    return _table(f, "sector")


def reports(report) -> tuple:
    """The two reports, as `build.REPORTS` lists them (`report` is `build.Report`)."""
    return (
        report(
            "certificates-by-agency",
            "Certificates by agency",
            "Certificates issued, revoked and replaced, and the checks made of them on the "
            "public verify page, for each agency (the person's agency when they completed).",
            by_agency,
            {},
        ),
        report(
            "certificates-by-sector",
            "Certificates by sector",
            "The same certificate figures for each sector.",
            by_sector,
            {},
        ),
    )
