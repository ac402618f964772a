"""The reports by name: each turns the SQL figures into a `Table` with its chart."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency
from lms.catalogue.models import CourseSession
from lms.core.errors import DomainError
from lms.core.numbers import decimal_text
from lms.core.timefmt import local
from lms.reports import certificates, compliance, elearning, figures, impact, periods
from lms.reports.filters import NAMES, Filters
from lms.reports.tables import COUNT, DATE, MONEY, PERCENT, TEXT, Chart, Column, Table, rate

CHART_ROWS = 20
BOOKING_COLUMNS = [
    Column("booked", "Booked"),
    Column("attended", "Attended"),
    Column("partial", "Partial"),
    Column("no_shows", "No-shows"),
    Column("late_cancellations", "Late cancellations"),
    Column("not_marked", "Not yet marked"),
    Column("attendance_rate", "Attendance rate", PERCENT),
    Column("places_wasted", "Places wasted"),
    Column("charges_raised", "Charges raised"),
    Column("charged_pence", "Amount charged", MONEY),
]
PROGRAMME_GROUPS = {
    "mode": "Delivery mode",
    "level": "Level",
    "theme": "Theme",
    "time": "Daytime or twilight",
}


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    build: Callable[..., Table]
    options: dict[str, dict[str, str]]  # option name -> {value: label}; first is the default
    # The filters it takes (of `filters.NAMES`): `run` refuses any other, and the API neither
    # documents nor accepts it.
    filters: tuple[str, ...] = NAMES


def _with_rates(row) -> dict:
    row = dict(row)
    if "booked" in row:
        row["attendance_rate"] = rate(row["attended"], row["booked"])
    if "places_offered" in row:
        row["fill_rate"] = rate(row["booked"], row["places_offered"])
    return row


def _group_label(by: str, key) -> str:
    if by == "level":
        return f"Level {key}"
    if by == "theme":
        return key or "No theme"
    if by == "time":
        return "Twilight (starts 4pm or later)" if key else "Daytime"
    return key.label


def _split(rows, names) -> tuple[list[dict], dict]:
    """Rows that carry the totals (`total_<name>`, from the query's window sums) as the rows
    without them and the total row; no rows means totals of nothing."""
    total = {name: rows[0][f"total_{name}"] if rows else 0 for name in names}
    plain = [{k: v for k, v in row.items() if not k.startswith("total_")} for row in rows]
    return plain, total


def programme(f: Filters, *, now: datetime, by: str = "mode") -> Table:
    # A course with several themes counts under each, so the theme rows cannot be summed.
    if by == "theme":
        found = figures.programme(f, by=by, now=now)
        total = figures.programme(f, by="total", now=now)[0]
    else:
        found, total = _split(
            figures.programme(f, by=by, now=now, totals=True), figures.PROGRAMME_FIGURES
        )
    rows = []
    for row in found:
        row = _with_rates(row)
        row["group"] = _group_label(by, row.pop("key"))
        rows.append(row)
    if by != "theme":  # different courses: a course can run in two groups (daytime and twilight)
        total["courses_run"] = figures.programme(f, by="total", now=now)[0]["courses_run"]
    total = _with_rates(total) | {"group": "Total"}
    columns = [
        Column("group", PROGRAMME_GROUPS[by], TEXT),
        Column("sessions_run", "Sessions run"),
        Column("courses_run", "Courses run"),
        Column("sessions_cancelled", "Sessions cancelled"),
        Column("sessions_upcoming", "Sessions still to run"),
        Column("places_offered", "Places offered"),
        Column("booked", "Booked"),
        Column("fill_rate", "Fill rate", PERCENT),
        Column("attended", "Attended"),
        Column("partial", "Partial"),
        Column("no_shows", "No-shows"),
        Column("places_wasted", "Places wasted"),
        Column("attendance_rate", "Attendance rate", PERCENT),
    ]
    chart = Chart(
        f"Places offered, booked and attended by {PROGRAMME_GROUPS[by].lower()}",
        ("Places offered", "Booked", "Attended"),
        [(r["group"], (r["places_offered"], r["booked"], r["attended"])) for r in rows],
    )
    summary = []
    if by == "theme":
        summary.append(("Note", "A course with several themes counts under each of them"))
    return Table("programme", "Programme delivered", columns, rows, total, chart, summary)


def _attendance(f: Filters, now: datetime, by: str) -> Table:
    found, total = _split(
        figures.attendance(f, by=by, now=now, totals=True), figures.ATTENDANCE_FIGURES
    )
    rows = [_with_rates(row) | {"sector": row["sector"].label} for row in found]
    rows.sort(key=lambda row: row.get("agency") or row["sector"])
    total = _with_rates(total)
    if by == "agency":
        first = [Column("agency", "Agency", TEXT), Column("sector", "Sector", TEXT)]
        total |= {"agency": "Total", "sector": ""}
        label = "agency"
    else:
        first = [Column("sector", "Sector", TEXT)]
        total |= {"sector": "Total"}
        label = "sector"
    ranked = sorted(rows, key=lambda row: -row["booked"])[:CHART_ROWS]
    note = ""
    if len(rows) > CHART_ROWS:
        note = f"The {CHART_ROWS} agencies with the most bookings; the table has all {len(rows)}"
    chart = Chart(
        f"Places booked, attended and wasted by {label}",
        ("Booked", "Attended", "Places wasted"),
        [(r[label], (r["booked"], r["attended"], r["places_wasted"])) for r in ranked],
        note=note,
    )
    title = f"Attendance by {label}"
    return Table(f"attendance-by-{label}", title, first + BOOKING_COLUMNS, rows, total, chart)


def attendance_by_agency(f: Filters, *, now: datetime) -> Table:
    return _attendance(f, now, "agency")


def attendance_by_sector(f: Filters, *, now: datetime) -> Table:
    return _attendance(f, now, "sector")


def multi_agency_mix(f: Filters, *, now: datetime) -> Table:
    found = figures.mix_sessions(f, now=now)
    rows = [dict(row) | {"date": local(row["starts_at"]).date()} for row in found]
    summary = found[0] if found else {"sessions": 0, "sessions_attended": 0, "one_sector": 0}
    summary = {"one_agency": 0, "average_agencies": None, "average_sectors": None} | dict(summary)
    # Sessions by how many sectors attended them, counted by the query's window function.
    distribution = sorted(
        {(r["sectors"], r["sessions_with_as_many_sectors"]) for r in found if r["attended"]}
    )
    columns = [
        Column("course", "Session", TEXT),
        Column("date", "First date", DATE),
        Column("agencies", "Agencies attending"),
        Column("sectors", "Sectors attending"),
        Column("attended", "People attending"),
    ]
    chart = Chart(
        "Sessions by the number of sectors attending",
        ("Sessions",),
        [
            (f"{sectors} sector{'s' if sectors != 1 else ''}", (sessions,))
            for sectors, sessions in distribution
        ],
    )
    shown = [
        ("Sessions run", f"{summary['sessions']:,}"),
        ("Sessions with attendance recorded", f"{summary['sessions_attended']:,}"),
        ("Average agencies per session", _average(summary["average_agencies"])),
        ("Average sectors per session", _average(summary["average_sectors"])),
        ("Sessions attended by one sector only", f"{summary['one_sector']:,}"),
        ("Sessions attended by one agency only", f"{summary['one_agency']:,}"),
    ]
    return Table("multi-agency-mix", "Multi-agency mix", columns, rows, None, chart, shown)


def _average(value) -> str:
    return "–" if value is None else decimal_text(value)


def unmet_demand(f: Filters, *, now: datetime) -> Table:
    rows, total = _split(figures.unmet_demand(f, now=now), figures.UNMET_FIGURES)
    for row in rows:
        row["all_full"] = "Yes" if row["all_full"] else "No"
    all_full = total.pop("all_full")
    waiting = figures.waiting_by(f, now=now)
    total |= {"code": "Total", "course": "", "all_full": "", "waiting": waiting[0]["waiting"]}
    columns = [
        Column("code", "Code", TEXT),
        Column("course", "Course", TEXT),
        Column("sessions_run", "Sessions run"),
        Column("sessions_full", "Sessions that filled"),
        Column("all_full", "Every session filled", TEXT),
        Column("waiting", "Still waiting when sessions started"),
        Column("interest", "Interest registered"),
        Column("interest_not_told", "Interest not yet told of a session"),
    ]
    ranked = sorted(
        (r for r in rows if r["waiting"] or r["interest"]),
        key=lambda r: (-(r["waiting"] + r["interest"]), r["course"]),
    )
    chart = Chart(
        "People waiting and interest registered by course",
        ("Still waiting", "Interest registered"),
        [(r["course"], (r["waiting"], r["interest"])) for r in ranked[:CHART_ROWS]],
        note=f"The {CHART_ROWS} courses with the most unmet demand" if len(ranked) > 20 else "",
    )
    summary = [("Courses whose sessions all filled", f"{all_full:,}")]
    return Table("unmet-demand", "Unmet demand", columns, rows, total, chart, summary)


TREND_MEASURES = {
    "sessions_run": ("Sessions run", COUNT),
    "sessions_cancelled": ("Sessions cancelled", COUNT),
    "places_offered": ("Places offered", COUNT),
    "booked": ("Booked", COUNT),
    "fill_rate": ("Fill rate", PERCENT),
    "attended": ("Attended", COUNT),
    "partial": ("Partial", COUNT),
    "no_shows": ("No-shows", COUNT),
    "late_cancellations": ("Late cancellations", COUNT),
    "places_wasted": ("Places wasted", COUNT),
    "attendance_rate": ("Attendance rate", PERCENT),
    "charges_raised": ("Charges raised", COUNT),
    "charged_pence": ("Amount charged", MONEY),
    "waiting": ("People still waiting when sessions started", COUNT),
}


def trend(f: Filters, *, now: datetime, measures: list[str] | None = None) -> Table:
    years = periods.last_three_years(f.period)
    unknown = [name for name in measures or [] if name not in TREND_MEASURES]
    if unknown:
        raise DomainError(f"There is no measure '{unknown[0]}'", field="measure")
    measures = measures or list(TREND_MEASURES)
    spanning = f.for_period(periods.date_range(years[0].first, years[-1].last))
    key = sa.case(
        (CourseSession.starts_at < years[1].starts_at, years[0].code),
        (CourseSession.starts_at < years[2].starts_at, years[1].code),
        else_=years[2].code,
    )
    by_year = {year.code: {} for year in years}
    for row in figures.programme(spanning, by="year", now=now, key=key):
        by_year[row["key"]].update(_with_rates(row))
    for row in figures.attendance(spanning, by="total", now=now, key=key):
        by_year[row["key"]].update(charges_raised=row["charges_raised"])
        by_year[row["key"]].update(charged_pence=row["charged_pence"])
    for row in figures.waiting_by(spanning, now=now, key=key):
        by_year[row["key"]]["waiting"] = row["waiting"]
    rows = []
    for name in measures:
        label, kind = TREND_MEASURES[name]
        values = {y.code: by_year[y.code].get(name, None if kind == PERCENT else 0) for y in years}
        rows.append({"measure": label, "key": name, "_kind": kind} | values)
    columns = [Column("measure", "Measure", TEXT)] + [Column(y.code, y.code) for y in years]
    counts = [row for row in rows if row["_kind"] == COUNT]
    charted = counts or [row for row in rows if row["_kind"] == PERCENT]
    chart = Chart(
        "The last three financial years side by side",
        tuple(year.code for year in years),
        [(row["measure"], tuple(row[year.code] or 0 for year in years)) for row in charted],
        unit="%" if not counts else "",
    )
    return Table("trend", "Trend over three financial years", columns, rows, None, chart)


def staff(agency: Agency, f: Filters, *, now: datetime) -> Table:
    """A coordinator's staff with their figures for the period (bookings made as the agency's)."""
    rows = []
    for row in figures.staff(agency, f, now=now):
        row = dict(row)
        row["now"] = "" if row["agency_id"] == agency.id else "Now at another agency"
        rows.append(row)
    columns = [
        Column("name", "Name", TEXT),
        Column("job_title", "Job title", TEXT),
        Column("booked", "Booked"),
        Column("attended", "Attended"),
        Column("partial", "Partial"),
        Column("no_shows", "No-shows"),
        Column("late_cancellations", "Late cancellations"),
        Column("waiting", "Still waiting when sessions started"),
        Column("now", "Notes", TEXT),
    ]
    ranked = sorted((r for r in rows if r["booked"]), key=lambda r: (-r["booked"], r["name"]))
    chart = Chart(
        "Places booked, attended and not attended by person",
        ("Booked", "Attended", "No-shows"),
        [(r["name"], (r["booked"], r["attended"], r["no_shows"])) for r in ranked[:CHART_ROWS]],
        note=f"The {CHART_ROWS} people with the most bookings" if len(ranked) > CHART_ROWS else "",
    )
    return _labelled(Table("staff", f"{agency.name}: staff", columns, rows, chart=chart), f)


REPORTS = {
    report.name: report
    for report in (
        Report(
            "programme",
            "Programme delivered",
            "Sessions run and cancelled, places offered and booked, fill rate and attendance, "
            "by delivery mode, level, theme or time of day.",
            programme,
            {"by": PROGRAMME_GROUPS},
        ),
        Report(
            "attendance-by-agency",
            "Attendance by agency",
            "Booked, attended, partial, no-shows, late cancellations, places wasted and charges "
            "for each agency.",
            attendance_by_agency,
            {},
        ),
        Report(
            "attendance-by-sector",
            "Attendance by sector",
            "The same figures for each sector: health, education, police and the rest.",
            attendance_by_sector,
            {},
        ),
        Report(
            "multi-agency-mix",
            "Multi-agency mix",
            "How many agencies and sectors attended each session, the average, and the sessions "
            "only one sector attended.",
            multi_agency_mix,
            {},
        ),
        Report(
            "unmet-demand",
            "Unmet demand",
            "People still waiting when sessions started, interest registered, and the courses "
            "whose sessions all filled.",
            unmet_demand,
            {},
        ),
        Report(
            "trend",
            "Trend over three years",
            "The chosen measures for the last three financial years side by side.",
            trend,
            {},
        ),
        *elearning.reports(Report),
        *impact.reports(Report),
        *certificates.reports(Report),
        *compliance.reports(Report),
    )
}
# The filters as a message names them.
FILTER_WORDS = {
    "theme": "theme",
    "level": "level",
    "mode": "delivery mode",
    "audience": "audience",
    "sector": "sector",
    "agency": "agency",
}


def run(name: str, f: Filters, *, now: datetime, **options) -> Table:
    """The named report for these filters, labelled with its period and filters."""
    report = REPORTS.get(name)
    if report is None:
        names = ", ".join(REPORTS)
        raise DomainError(f"There is no report called '{name}': choose one of {names}")
    for option, value in options.items():
        allowed = report.options.get(option)
        if allowed is not None and value not in allowed:
            raise DomainError(f"The {option} must be one of {', '.join(allowed)}", field=option)
    chosen = [each for each in NAMES if getattr(f, each) is not None]
    refused = [each for each in chosen if each not in report.filters]
    if refused:
        words = [FILTER_WORDS[each] for each in refused]
        words = " and ".join(filter(None, [", ".join(words[:-1]), words[-1]]))
        raise DomainError(
            f"The {words} filter{'s do' if len(refused) > 1 else ' does'} not apply to "
            f"{report.title.lower()}: clear {'them' if len(refused) > 1 else 'it'} to see the "
            "figures"
        )
    return _labelled(report.build(f, now=now, **{k: v for k, v in options.items() if v}), f)


def _labelled(table: Table, f: Filters) -> Table:
    """The table with the period and filters it was built for, for headings and downloads."""
    table.period, table.period_code = f.period.label, f.period.code
    table.filters = f.described()
    return table
