"""Every figure of every report on the hand-counted history (tests/reports/conftest.py)."""

import pytest

from lms.reports import build, filters
from tests.reports.conftest import NOW

PERIOD = "2025-26"
ATTENDANCE = (
    "booked",
    "attended",
    "partial",
    "no_shows",
    "late_cancellations",
    "places_wasted",
    "attendance_rate",
    "charges_raised",
    "charged_pence",
)
PROGRAMME = (
    "sessions_run",
    "sessions_cancelled",
    "sessions_upcoming",
    "places_offered",
    "booked",
    "fill_rate",
    "attended",
    "partial",
    "no_shows",
    "places_wasted",
    "attendance_rate",
)


def run(app, name, **args):
    options = {key: args.pop(key) for key in ("by", "measures") if key in args}
    with app.app_context():
        chosen = filters.parse_args({"period": PERIOD, **args}, now=NOW)
        return build.run(name, chosen, now=NOW, **options)


def figures(row, names):
    return tuple(row[name] for name in names)


def by_first_column(table):
    key = table.columns[0].key
    return {row[key]: row for row in table.rows}


def test_programme_by_delivery_mode(app, history):
    table = run(app, "programme", by="mode")
    rows = by_first_column(table)
    assert list(rows) == ["Face to face", "Virtual (live online)"]
    # Face to face: S1, S4 ran and S3 was cancelled; 10 + 2 places offered.
    assert figures(rows["Face to face"], PROGRAMME) == (2, 1, 0, 12, 6, 50.0, 3, 1, 1, 2, 50.0)
    # Virtual: S2 (full, a walk-in) and S5 (across the year end).
    assert figures(rows["Virtual (live online)"], PROGRAMME) == (
        2, 0, 0, 11, 7, 63.6, 5, 1, 1, 1, 71.4,
    )  # fmt: skip
    assert figures(table.total, PROGRAMME) == (4, 1, 0, 23, 13, 56.5, 8, 2, 2, 3, 61.5)


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("level", {"Level 2": "virtual", "Level 3": "face to face"}),
        ("theme", {"Exploitation": "virtual", "Neglect": "face to face"}),
    ],
)
def test_programme_by_level_and_theme(app, history, by, groups):
    rows = by_first_column(run(app, "programme", by=by))
    expected = {
        "virtual": (2, 0, 0, 11, 7, 63.6, 5, 1, 1, 1, 71.4),
        "face to face": (2, 1, 0, 12, 6, 50.0, 3, 1, 1, 2, 50.0),
    }
    assert {label: figures(row, PROGRAMME) for label, row in rows.items()} == {
        label: expected[kind] for label, kind in groups.items()
    }


def test_programme_by_time_of_day(app, history):
    rows = by_first_column(run(app, "programme", by="time"))
    assert figures(rows["Twilight (starts 4pm or later)"], PROGRAMME) == (
        1, 0, 0, 5, 5, 100.0, 4, 1, 0, 0, 80.0,
    )  # fmt: skip
    assert figures(rows["Daytime"], PROGRAMME) == (3, 1, 0, 18, 8, 44.4, 4, 1, 2, 3, 50.0)


def test_a_session_across_the_year_end_counts_in_the_year_of_its_first_date(app, history):
    later = run(app, "programme", by="mode", period="2026-27")
    # Only S6 (2 April 2026): S5 started on 30 March 2026.
    assert figures(later.total, ("sessions_run", "places_offered", "booked")) == (1, 10, 1)
    quarter = run(app, "programme", by="mode", period="2025-26 Q4")
    assert figures(quarter.total, ("sessions_run", "booked", "no_shows")) == (2, 4, 1)


def test_attendance_by_agency_counts_the_agency_on_the_booking(app, history):
    table = run(app, "attendance-by-agency")
    rows = by_first_column(table)
    assert list(rows) == [
        "Alder Road School",
        "Hope Church",
        "Riverside Council",
        "Riverside NHS Trust",
    ]
    # P1 booked S1 at the school and S4 at the council: one each.
    assert figures(rows["Alder Road School"], ATTENDANCE) == (3, 3, 0, 0, 0, 0, 100.0, 0, 0)
    assert figures(rows["Riverside Council"], ATTENDANCE) == (4, 3, 0, 1, 0, 1, 75.0, 1, 5000)
    # The NHS's waived charge is raised but not charged; the disputed one still is.
    assert figures(rows["Riverside NHS Trust"], ATTENDANCE) == (5, 1, 2, 1, 1, 2, 20.0, 2, 5000)
    assert figures(rows["Hope Church"], ATTENDANCE) == (1, 1, 0, 0, 0, 0, 100.0, 0, 0)
    assert rows["Riverside NHS Trust"]["sector"] == "Health"
    assert figures(table.total, ATTENDANCE) == (13, 8, 2, 2, 1, 3, 61.5, 3, 10000)
    assert all(row["not_marked"] == 0 for row in table.rows)


def test_attendance_by_sector(app, history):
    table = run(app, "attendance-by-sector")
    rows = by_first_column(table)
    assert list(rows) == ["Education", "Faith", "Health", "Local authority"]
    assert figures(rows["Education"], ATTENDANCE) == (3, 3, 0, 0, 0, 0, 100.0, 0, 0)
    assert figures(rows["Health"], ATTENDANCE) == (5, 1, 2, 1, 1, 2, 20.0, 2, 5000)
    assert figures(table.total, ATTENDANCE) == (13, 8, 2, 2, 1, 3, 61.5, 3, 10000)


def test_level_3_neglect_by_sector_answers_the_subgroups_question(app, history):
    table = run(app, "attendance-by-sector", level="3", theme="neglect")
    rows = by_first_column(table)
    assert {sector: figures(row, ATTENDANCE[:6]) for sector, row in rows.items()} == {
        "Education": (1, 1, 0, 0, 0, 0),
        "Faith": (1, 1, 0, 0, 0, 0),
        "Health": (2, 0, 1, 0, 1, 1),
        "Local authority": (2, 1, 0, 1, 0, 1),
    }
    assert table.filters == {"Theme": "Neglect", "Level": "Level 3"}
    wasters = run(app, "attendance-by-agency", level="3", theme="neglect")
    wasted = {row["agency"]: row["places_wasted"] for row in wasters.rows}
    assert wasted == {
        "Alder Road School": 0,
        "Hope Church": 0,
        "Riverside Council": 1,
        "Riverside NHS Trust": 1,
    }


def test_agency_and_sector_filters_narrow_the_bookings(app, history):
    council = str(history.agencies["council"])
    table = run(app, "attendance-by-agency", agency=council)
    assert [row["agency"] for row in table.rows] == ["Riverside Council"]
    programme = run(app, "programme", by="mode", sector="health")
    # Sessions and places are the programme's; the bookings are health's only.
    assert figures(programme.total, ("sessions_run", "places_offered", "booked", "attended")) == (
        4,
        23,
        5,
        1,
    )


def test_multi_agency_mix(app, history):
    table = run(app, "multi-agency-mix")
    names = ("course", "agencies", "sectors", "attended")
    assert [tuple(row[name] for name in names) for row in table.rows] == [
        ("Neglect", 2, 2, 2),
        ("Exploitation", 3, 3, 5),
        ("Neglect two-day", 2, 2, 2),
        ("Exploitation", 1, 1, 1),
    ]  # fmt: skip
    assert [row["date"].isoformat() for row in table.rows] == [
        "2025-05-12",
        "2025-10-08",
        "2026-01-20",
        "2026-03-30",
    ]
    assert dict(table.summary) == {
        "Sessions run": "4",
        "Sessions with attendance recorded": "4",
        "Average agencies per session": "2.0",
        "Average sectors per session": "2.0",
        "Sessions attended by one sector only": "1",
        "Sessions attended by one agency only": "1",
    }
    assert table.chart.groups == [("1 sector", (1,)), ("2 sectors", (2,)), ("3 sectors", (1,))]


def test_unmet_demand(app, history):
    table = run(app, "unmet-demand")
    rows = {row["course"]: row for row in table.rows}
    names = (
        "sessions_run",
        "sessions_full",
        "all_full",
        "waiting",
        "interest",
        "interest_not_told",
    )
    assert {course: figures(row, names) for course, row in rows.items()} == {
        "Exploitation": (2, 1, "No", 1, 0, 0),
        "Neglect": (1, 0, "No", 0, 1, 0),
        "Neglect two-day": (1, 1, "Yes", 0, 1, 1),
    }
    assert figures(table.total, names) == (4, 2, "", 1, 2, 1)
    assert dict(table.summary) == {"Courses whose sessions all filled": "1"}


def test_trend_sets_three_years_side_by_side(app, history):
    table = run(app, "trend", measures=["sessions_run", "booked", "attendance_rate", "waiting"])
    assert [column.key for column in table.columns] == ["measure", "2023-24", "2024-25", "2025-26"]
    values = {row["key"]: (row["2023-24"], row["2024-25"], row["2025-26"]) for row in table.rows}
    assert values == {
        "sessions_run": (0, 1, 4),
        "booked": (0, 1, 13),
        "attendance_rate": (None, 100.0, 61.5),
        "waiting": (0, 0, 1),
    }


def test_trend_all_measures_agree_with_the_other_reports(app, history):
    table = run(app, "trend")
    year = {row["key"]: row["2025-26"] for row in table.rows}
    assert year == {
        "sessions_run": 4,
        "sessions_cancelled": 1,
        "places_offered": 23,
        "booked": 13,
        "fill_rate": 56.5,
        "attended": 8,
        "partial": 2,
        "no_shows": 2,
        "late_cancellations": 1,
        "places_wasted": 3,
        "attendance_rate": 61.5,
        "charges_raised": 3,
        "charged_pence": 10000,
        "waiting": 1,
    }


def test_staff_list_of_a_coordinators_agency(app, history):
    from lms.accounts.models import Agency
    from lms.extensions import db

    with app.app_context():
        chosen = filters.parse_args({"period": PERIOD}, now=NOW)
        school = db.session.get(Agency, history.agencies["school"])
        table = build.staff(school, chosen, now=NOW)
    rows = {row["name"]: row for row in table.rows}
    names = ("booked", "attended", "partial", "no_shows", "late_cancellations", "waiting", "now")
    assert {name: figures(row, names) for name, row in rows.items()} == {
        "Coordinator school": (0, 0, 0, 0, 0, 0, ""),
        "Person P1": (1, 1, 0, 0, 0, 0, "Now at another agency"),
        "Person P6": (1, 1, 0, 0, 0, 0, ""),
        "Person P9": (1, 1, 0, 0, 0, 0, ""),
    }


def test_unknown_names_are_refused_with_a_clear_message(app, history):
    from lms.core.errors import DomainError

    with pytest.raises(DomainError, match="There is no report called 'nope'"):
        run(app, "nope")
    with pytest.raises(DomainError, match="by must be one of mode, level, theme, time"):
        run(app, "programme", by="colour")
    with pytest.raises(DomainError, match="There is no theme 'knitting'"):
        run(app, "programme", theme="knitting")
    with pytest.raises(DomainError, match="2025-27 is not a financial year"):
        run(app, "programme", period="2025-27")


@pytest.mark.parametrize("name", sorted(build.REPORTS))
def test_a_period_without_sessions_gives_empty_tables_and_zero_totals(app, history, name):
    table = run(app, name, period="2030-31")
    if name == "trend":
        assert all(row["2030-31"] in (0, None) for row in table.rows)
        return
    assert table.rows == []
    if table.total:
        numbers = [value for value in table.total.values() if not isinstance(value, str)]
        assert numbers and all(value in (0, None) for value in numbers)
    if name == "multi-agency-mix":
        assert dict(table.summary)["Average agencies per session"] == "–"
        assert table.chart.groups == []
