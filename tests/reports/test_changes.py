"""What changed between two snapshots of the annual pack."""

import copy

import sqlalchemy as sa

from lms.bookings.models import Booking
from lms.extensions import db
from lms.reports import pack
from lms.reports.changes import Change, changes
from lms.reports.periods import financial_year
from tests.reports.conftest import NOW


def by_sector(*rows):
    return {
        "title": "Attendance by sector",
        "columns": [
            {"key": "sector", "label": "Sector", "kind": "text"},
            {"key": "booked", "label": "Booked", "kind": "count"},
            {"key": "attendance_rate", "label": "Attendance rate", "kind": "percent"},
        ],
        "rows": [{"sector": s, "booked": b, "attendance_rate": r} for s, b, r in rows],
        "total": {
            "sector": "Total",
            "booked": sum(b for _s, b, _r in rows),
            "attendance_rate": 50.0,
        },
        "summary": [],
        "chart": None,
    }


def programme(by, *rows):
    return {
        "title": "Programme delivered",
        "columns": [
            {"key": "group", "label": by, "kind": "text"},
            {"key": "sessions_run", "label": "Sessions run", "kind": "count"},
        ],
        "rows": [{"group": g, "sessions_run": n} for g, n in rows],
        "total": {"group": "Total", "sessions_run": sum(n for _g, n in rows)},
        "summary": [],
        "chart": None,
    }


def figures():
    return {
        "year": "2025-26",
        "headlines": ["In 2025-26 we ran 12 sessions, all face to face."],
        "facts": {"sessions_run": 12, "people_attended": 80},
        "sections": [
            {
                "key": "programme",
                "tables": [
                    {"table": "programme-by-level", "columns": None},
                    {"table": "programme-by-mode", "columns": None},
                ],
            },
            {"key": "attendance", "tables": [{"table": "attendance-by-sector", "columns": None}]},
            {
                "key": "wasted",
                "tables": [{"table": "attendance-by-sector", "columns": ["sector", "booked"]}],
            },
        ],
        "tables": {
            "attendance-by-sector": by_sector(("Health", 40, 75.0), ("Education", 30, 60.0)),
            "programme-by-mode": programme("Delivery mode", ("Face to face", 12)),
            "programme-by-level": programme("Level", ("Level 2", 5), ("Level 3", 7)),
        },
        "comparison": None,
    }


def test_identical_figures_have_no_changes():
    assert changes(figures(), figures()) == []


def test_each_changed_figure_is_named_by_table_row_and_column_in_the_order_the_pack_reads():
    old, new = figures(), figures()
    new["headlines"] = ["In 2025-26 we ran 13 sessions, all face to face."]
    new["facts"]["sessions_run"] = 13
    new["tables"]["attendance-by-sector"] = by_sector(("Health", 41, 75.0), ("Education", 30, 60.0))
    new["tables"]["programme-by-level"] = programme("Level", ("Level 2", 5), ("Level 3", 8))
    new["tables"]["programme-by-mode"] = programme("Delivery mode", ("Face to face", 13))
    assert changes(old, new) == [
        Change(
            "Headlines",
            "",
            "",
            "In 2025-26 we ran 12 sessions, all face to face.",
            "In 2025-26 we ran 13 sessions, all face to face.",
        ),
        Change("Headline figures", "Sessions run", "", 12, 13),
        Change("Programme delivered by level", "Level 3", "Sessions run", 7, 8),
        Change("Programme delivered by level", "Total", "Sessions run", 12, 13),
        Change("Programme delivered by delivery mode", "Face to face", "Sessions run", 12, 13),
        Change("Programme delivered by delivery mode", "Total", "Sessions run", 12, 13),
        Change("Attendance by sector", "Health", "Booked", 40, 41),
        Change("Attendance by sector", "Total", "Booked", 70, 71),
    ]


def test_rows_are_matched_by_label_and_a_row_found_once_is_a_change_from_or_to_nothing():
    old, new = figures(), figures()
    new["tables"]["attendance-by-sector"] = by_sector(
        ("Education", 30, 60.0), ("Health", 40, 75.0), ("Police", 0, None)
    )
    new["tables"]["programme-by-level"] = programme("Level", ("Level 3", 12))
    assert changes(old, new) == [
        Change("Programme delivered by level", "Level 2", "Sessions run", 5, None),
        Change("Programme delivered by level", "Level 3", "Sessions run", 7, 12),
        Change("Attendance by sector", "Police", "Booked", None, 0),
    ]


def test_a_comparison_that_appears_is_all_changes():
    old, new = figures(), figures()
    new["comparison"] = {
        "title": "2025-26 compared with 2024-25",
        "columns": [
            {"key": "measure", "label": "Measure", "kind": "text"},
            {"key": "2024-25", "label": "2024-25", "kind": "count"},
            {"key": "2025-26", "label": "2025-26", "kind": "count"},
            {"key": "change", "label": "Change", "kind": "count"},
        ],
        "rows": [
            {"measure": "Sessions run", "kind": "count", "2024-25": 10, "2025-26": 12, "change": 2}
        ],
        "total": None,
    }
    assert changes(old, new) == [
        Change("2025-26 compared with 2024-25", "Sessions run", column, None, value)
        for column, value in (("2024-25", 10), ("2025-26", 12), ("Change", 2))
    ]


def test_a_corrected_register_shows_in_the_next_snapshots_changes(app, history):
    year = financial_year(2025)
    with app.app_context():
        first = pack.gather(year, now=NOW, partnership="Riverside", suppress_below=5)
        # P11's partial attendance at S2 is corrected to attended.
        booking = db.session.scalar(
            sa.select(Booking).where(
                Booking.user_id == history.people["P11"].id,
                Booking.session_id == history.sessions["S2"],
            )
        )
        booking.outcome = "completed"
        db.session.commit()
        second = pack.gather(year, now=NOW, partnership="Riverside", suppress_below=5)
    found = changes(first, copy.deepcopy(second))
    assert Change("Programme delivered by level", "Level 2", "Attended", 5, 6) in found
    assert Change("Programme delivered by level", "Level 2", "Partial", 1, 0) in found
    assert Change("Attendance by sector", "Health", "Attended", 1, 2) in found
    assert [c for c in found if c.table == "Headlines"] == []  # the same people came
    assert changes(second, second) == []
