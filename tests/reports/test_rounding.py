"""One rounding rule for every published figure: exact halves round up, as official statistics
do. 52 attended of 64 booked is 81.25%, shown as 81.3% everywhere (Python's `round` gives 81.2)."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest

from lms.accounts.models import Role, Sector, TokenKind, User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.core.numbers import decimal_text, percentage, round_half_up
from lms.extensions import db
from lms.reports import charts
from lms.reports.build import _average
from lms.reports.tables import Chart, rate, show
from tests.reports.conftest import day
from tests.reports.test_pages import csv_rows, table_part


def test_exact_halves_round_up():
    assert round(81.25, 1) == 81.2  # the rule this replaces
    assert percentage(52, 64) == 81.3 and rate(52, 64) == 81.3
    assert percentage(1, 8) == 12.5 and percentage(1, 16) == 6.3 and percentage(1, 3) == 33.3
    assert percentage(3, 0) is None and percentage(None, 4) == 0.0
    assert round_half_up(2.675, 2) == Decimal("2.68")  # as written, not its binary value
    assert round_half_up(Decimal("0.05")) == Decimal("0.1")
    assert decimal_text(1234.25) == "1,234.3" and decimal_text(7) == "7.0"


def test_every_text_form_of_a_figure_rounds_the_same_way():
    assert show(81.25, "percent") == "81.3%"
    assert charts.figure(81.25, "%") == "81.3%" and charts.figure(2.25) == "2.3"
    assert _average(2.25) == "2.3" and _average(Decimal("2.2500000000000000")) == "2.3"
    chart = Chart("Rates", ("Rate",), [("Health", (81.25,))], unit="%")
    assert "Health: Rate 81.3%." in charts.description(chart)


@pytest.fixture
def fifty_two_of_sixty_four(app, make_agency, make_user, make_course, make_course_session):
    """One agency that booked 64 places on a session in 2025-26; 52 people attended."""
    agency = make_agency("Elm Tree Surgery", sector=Sector.HEALTH)
    course = make_course("Safer sleep")
    session_id = make_course_session(course, dates=[day(2025, 6, 4)], capacity=64)
    with app.app_context():
        for number in range(64):
            person = User(
                email=f"staff{number}@elm-tree.example",
                name=f"Staff {number}",
                job_title="Nurse",
                agency_id=agency,
                password_hash="unused",
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Booking(
                    user_id=person.id,
                    session_id=session_id,
                    agency_id=agency,
                    status=BookingStatus.CONFIRMED,
                    outcome="completed" if number < 52 else "no_show",
                    created_at=datetime(2025, 5, 1, tzinfo=UTC),
                )
            )
        db.session.get(CourseSession, session_id).places_taken = 64
        db.session.commit()
    return make_user(name="PDL viewer", roles=(Role.PDL_VIEWER,), agency_id=agency)


def test_52_of_64_is_81_3_percent_in_the_page_downloads_api_and_command(
    app, client, login, runner, fifty_two_of_sixty_four
):
    login(fifty_two_of_sixty_four)
    url = "/reports/attendance-by-agency?period=2025-26"

    page = client.get(url).get_data(as_text=True)
    assert "81.3%" in page and "81.2%" not in page

    text = client.get(url.replace("?", ".csv?")).get_data(as_text=True)
    rows = table_part(csv_rows(text))
    rate_at = rows[0].index("Attendance rate (%)")
    assert [row[rate_at] for row in rows[1:]] == ["81.3", "81.3"]  # the agency and the total

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url.replace("?", ".xlsx?")).data)).active
    values = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Elm Tree Surgery"]
    assert values[0][rate_at] == 81.3

    with app.app_context():
        secret = issue_token(fifty_two_of_sixty_four.id)
    answer = client.get(
        "/api/v1/reports/attendance-by-agency?period=2025-26",
        headers={"Authorization": f"Bearer {secret}"},
    ).json
    assert answer["rows"][0]["attendance_rate"] == 81.3
    assert answer["total"]["attendance_rate"] == 81.3

    printed = runner.invoke(args=["report", "attendance-by-agency", "--period", "2025-26"])
    assert printed.exit_code == 0, printed.output
    assert "81.3%" in printed.output and "81.2%" not in printed.output
    as_json = runner.invoke(
        args=["report", "attendance-by-agency", "--period", "2025-26", "--format", "json"]
    )
    assert json.loads(as_json.output)["rows"][0]["attendance_rate"] == 81.3


def issue_token(user_id: int) -> str:
    from lms.accounts.tokens import issue

    secret = issue(db.session.get(User, user_id), TokenKind.API, now=utcnow())
    db.session.commit()
    return secret
