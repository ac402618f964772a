"""The annual pack's comparison with the year before, on the hand-counted history
(tests/reports/conftest.py): 2024-25 had one session (S7, 10 places, P8 attending)."""

from datetime import date

from lms.reports import comparison
from lms.reports.periods import financial_year
from tests.reports.conftest import NOW, day

THIS, LAST = financial_year(2025), financial_year(2024)


def test_the_previous_year_is_compared_only_where_training_was_recorded(app, history):
    with app.app_context():
        assert comparison.previous_year(THIS, now=NOW) == LAST
        assert comparison.previous_year(LAST, now=NOW) is None  # nothing in 2023-24
        assert comparison.table(LAST, None, now=NOW) is None


def rows_by_measure(app):
    with app.app_context():
        found = comparison.table(THIS, LAST, now=NOW)
    return found, {row["measure"]: row for row in found["rows"]}


def test_counts_change_by_their_difference_and_rates_in_percentage_points(app, history):
    table, rows = rows_by_measure(app)
    assert [column["key"] for column in table["columns"]] == [
        "measure",
        "2024-25",
        "2025-26",
        "change",
    ]
    assert table["title"] == "2025-26 compared with 2024-25"

    def figures(measure):
        row = rows[measure]
        return row["kind"], row["2024-25"], row["2025-26"], row["change"]

    assert figures("Sessions run") == ("count", 1, 4, 3)
    assert figures("Sessions cancelled") == ("count", 0, 1, 1)
    assert figures("Booked") == ("count", 1, 13, 12)
    assert figures("Places wasted") == ("count", 0, 3, 3)
    # 13 booked of 23 places (10 + 5 + 2 + 6), against 1 of 10.
    assert figures("Fill rate") == ("percent", 10.0, 56.5, 46.5)
    # 8 attended of 13 booked, against 1 of 1.
    assert figures("Attendance rate") == ("percent", 100.0, 61.5, -38.5)
    # In pounds, as the pack's tables hold money: P2's £50 and P7's disputed £50; P3's waived.
    assert figures("Amount charged") == ("money", 0.0, 100.0, 100.0)
    assert table["summary"] == [
        {"label": "Rates", "value": "A rate's change is in percentage points"}
    ]


def test_a_rate_with_no_figure_last_year_has_no_change(
    app, make_user, make_module, make_completion, make_course_session
):
    person = make_user()
    make_completion(person.id, make_module(), date(2024, 6, 1))  # 2024-25: e-learning only
    make_course_session(dates=[day(2025, 6, 2)], capacity=8)
    _table, rows = rows_by_measure(app)
    assert (rows["Fill rate"]["2024-25"], rows["Fill rate"]["2025-26"]) == (None, 0.0)
    assert rows["Fill rate"]["change"] is None
    assert rows["Sessions run"]["change"] == 1
