"""Every date and time field explains bad input the GOV.UK way: a plain message in the summary,
linked to the input in error, with what was typed kept."""

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.catalogue.models import CourseSession, Provider
from lms.core.models import utcnow
from lms.core.timefmt import parse_clock
from lms.extensions import db
from tests.conftest import count, post_form

LONDON = ZoneInfo("Europe/London")
SUMMARY_LINK = re.compile(r'<a href="#([^"]+)">([^<]+)</a>')


@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    return client


@pytest.fixture
def next_year():
    return (utcnow() + timedelta(days=365)).astimezone(LONDON).year


def summary(page: str) -> list[tuple[str, str]]:
    """The error summary's (link target, message) pairs."""
    assert 'class="govuk-error-summary"' in page, "no error summary"
    block = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [(target, " ".join(text.split())) for target, text in SUMMARY_LINK.findall(block)]


def assert_linked(page: str, message: str) -> str:
    """The message is in the summary, linked to an element that exists; returns its id."""
    links = dict((text, target) for target, text in summary(page))
    assert message in links, f"{message!r} not in {list(links)}"
    target = links[message]
    assert page.count(f'id="{target}"') == 1, f"#{target} is not one element of the page"
    return target


def input_value(page: str, element_id: str) -> str:
    tag = re.search(rf'<input[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    assert tag, f"no input #{element_id}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def session_form(course, venue, year, **overrides):
    data = {
        "course_id": str(course),
        "dates-0-day": ["10", "3", str(year)],
        "dates-0-starts": "09:30",
        "dates-0-ends": "12:30",
        "venue_id": str(venue),
        "capacity": "20",
        "cancellation_notice_hours": "48",
    }
    data.update(overrides)
    return data


def post_session(client, make_course, make_venue, year, **overrides) -> str:
    form = session_form(make_course(), make_venue(), year, **overrides)
    response = post_form(client, "/admin/sessions/new", form)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "message", "target"),
    [
        (["31", "2", "{year}"], "Date of day 1 must be a real date", "dates-0-day-day"),
        (["12", "13", "{year}"], "Date of day 1 must be a real date", "dates-0-day-month"),
        (["x", "3", "{year}"], "Date of day 1 must be a real date", "dates-0-day-day"),
        (["12", "", ""], "Date of day 1 must include a month and year", "dates-0-day-month"),
        (["", "3", "{year}"], "Date of day 1 must include a day", "dates-0-day-day"),
        (["12", "3", "27"], "Date of day 1 must include a year with 4 numbers", "dates-0-day-year"),
        (["9" * 20, "3", "{year}"], "Date of day 1 must be a real date", "dates-0-day-day"),
        (["12", "3", "0000"], "Date of day 1 must be a real date", "dates-0-day-year"),
        (["٣", "3", "{year}"], "Date of day 1 must be a real date", "dates-0-day-day"),
    ],
)
def test_a_bad_session_date_is_explained_linked_and_kept(
    app, admin_client, make_course, make_venue, next_year, typed, message, target
):
    typed = [part.format(year=next_year) for part in typed]
    page = post_session(admin_client, make_course, make_venue, next_year, **{"dates-0-day": typed})
    assert "{'" not in page and "[]" not in page
    assert assert_linked(page, message) == target
    assert [input_value(page, f"dates-0-day-{part}") for part in ("day", "month", "year")] == typed
    assert input_value(page, "dates-0-starts") == "09:30"
    assert count(app, CourseSession) == 0


def test_only_the_parts_in_error_are_highlighted(admin_client, make_course, make_venue, next_year):
    page = post_session(
        admin_client, make_course, make_venue, next_year, **{"dates-0-day": ["12", "", ""]}
    )

    def classes(element_id):
        return re.search(rf'class="([^"]*)"[^>]*id="{element_id}"', page).group(1)

    assert "govuk-input--error" not in classes("dates-0-day-day")
    assert "govuk-input--error" in classes("dates-0-day-month")
    assert "govuk-input--error" in classes("dates-0-day-year")


@pytest.mark.parametrize("typed", ["25:00", "half nine", "9", "13pm", "9.3"])
def test_a_bad_time_is_explained_linked_and_kept(
    app, admin_client, make_course, make_venue, next_year, typed
):
    page = post_session(
        admin_client, make_course, make_venue, next_year, **{"dates-0-starts": typed}
    )
    message = "Start time of day 1 must be a time like 09:30 or 16:00"
    assert assert_linked(page, message) == "dates-0-starts"
    assert input_value(page, "dates-0-starts") == typed
    assert input_value(page, "dates-0-day-day") == "10"
    assert count(app, CourseSession) == 0


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        ("9.30am", "12:30pm", (time(9, 30), time(12, 30))),
        ("9:30am", "4pm", (time(9, 30), time(16, 0))),
        ("2pm", "4.15 PM", (time(14, 0), time(16, 15))),
        ("0930", "1600", (time(9, 30), time(16, 0))),
        ("12am", "midday", (time(0, 0), time(12, 0))),
    ],
)
def test_times_written_as_people_write_them_are_accepted(
    app, admin_client, make_course, make_venue, next_year, starts, ends, expected
):
    form = session_form(
        make_course(),
        make_venue(),
        next_year,
        **{"dates-0-starts": starts, "dates-0-ends": ends},
    )
    assert post_form(admin_client, "/admin/sessions/new", form).status_code == 302
    with app.app_context():
        session = db.session.scalar(sa.select(CourseSession))
        assert (
            session.starts_at.astimezone(LONDON).time(),
            session.ends_at.astimezone(LONDON).time(),
        ) == expected
        assert session.starts_at.astimezone(LONDON).date() == date(next_year, 3, 10)


def test_every_problem_on_the_dates_is_listed_on_its_own(
    app, admin_client, make_course, make_venue, next_year
):
    page = post_session(
        admin_client,
        make_course,
        make_venue,
        next_year,
        **{
            "dates-0-day": ["31", "2", str(next_year)],
            "dates-0-starts": "9.30",
            "dates-0-ends": "late",
            "dates-1-day": ["11", "3", str(next_year)],
            "dates-1-starts": "13:00",
            "dates-2-ends": "17:00",
            "booking_opens": ["30", "2", str(next_year)],
        },
    )
    assert summary(page) == [
        ("dates-0-day-day", "Date of day 1 must be a real date"),
        ("dates-0-ends", "End time of day 1 must be a time like 09:30 or 16:00"),
        ("dates-1-ends", "Enter the end time of day 2"),
        ("dates-2-day-day", "Enter the date of day 3"),
        ("dates-2-starts", "Enter the start time of day 3"),
        ("booking_opens-day", "Booking opens must be a real date"),
    ]
    for target, _ in summary(page):
        assert page.count(f'id="{target}"') == 1
    assert input_value(page, "dates-0-ends") == "late"
    assert input_value(page, "dates-2-ends") == "17:00"
    assert input_value(page, "booking_opens-day") == "30"
    assert count(app, CourseSession) == 0


def test_an_end_before_the_start_is_linked_to_the_end_time(
    app, admin_client, make_course, make_venue, next_year
):
    page = post_session(
        admin_client,
        make_course,
        make_venue,
        next_year,
        **{"dates-0-starts": "2pm", "dates-0-ends": "12:00"},
    )
    assert assert_linked(page, "End time of day 1 must be after the start time") == ("dates-0-ends")
    assert input_value(page, "dates-0-starts") == "2pm"


def test_a_session_with_no_dates_links_to_the_first_date(
    app, admin_client, make_course, make_venue, next_year
):
    page = post_session(
        admin_client,
        make_course,
        make_venue,
        next_year,
        **{"dates-0-day": ["", "", ""], "dates-0-starts": "", "dates-0-ends": ""},
    )
    assert assert_linked(page, "Enter at least one date for the session") == "dates-0-day-day"


def test_booking_that_opens_after_the_start_is_linked_to_its_field(
    admin_client, make_course, make_venue, next_year
):
    page = post_session(
        admin_client,
        make_course,
        make_venue,
        next_year,
        booking_opens=["11", "3", str(next_year)],
    )
    assert assert_linked(page, "Booking must open before it closes") == "booking_opens-day"


def test_copying_a_session_explains_bad_dates_too(
    app, admin_client, make_course, make_course_session, next_year
):
    session_id = make_course_session(make_course())
    page = post_form(
        admin_client,
        f"/admin/sessions/{session_id}/copy",
        {"dates-0-day": ["29", "2", "2031"], "dates-0-starts": "9.30am", "dates-0-ends": "noonish"},
    ).get_data(as_text=True)
    assert assert_linked(page, "Date of day 1 must be a real date") == "dates-0-day-day"
    assert (
        assert_linked(page, "End time of day 1 must be a time like 09:30 or 16:00")
        == "dates-0-ends"
    )
    assert input_value(page, "dates-0-starts") == "9.30am"
    assert count(app, CourseSession) == 1


def test_a_providers_contract_dates_are_explained_the_same_way(app, admin_client):
    page = post_form(
        admin_client,
        "/admin/providers/new",
        {
            "name": "Safer Together",
            "contract_starts_on": ["1", "4", ""],
            "contract_ends_on": ["31", "4", "2027"],
        },
    ).get_data(as_text=True)
    assert assert_linked(page, "Contract starts must include a year") == "contract_starts_on-year"
    assert assert_linked(page, "Contract ends must be a real date") == "contract_ends_on-day"
    assert input_value(page, "contract_ends_on-day") == "31"
    assert count(app, Provider) == 0


def test_report_filter_dates_are_explained_the_same_way(client, make_user, login):
    login(make_user(roles=(Role.PDL_VIEWER,)))
    page = client.get(
        "/reports/programme?start=31&start=2&start=2027&end=1&end=&end=2027"
    ).get_data(as_text=True)
    assert assert_linked(page, "From must be a real date") == "start-day"
    assert assert_linked(page, "To must include a month") == "end-month"
    assert [input_value(page, f"start-{part}") for part in ("day", "month", "year")] == [
        "31",
        "2",
        "2027",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9.30", time(9, 30)),
        (" 16:00 ", time(16, 0)),
        ("0:15", time(0, 15)),
        ("9am", time(9, 0)),
        ("9 a.m.", time(9, 0)),
        ("12pm", time(12, 0)),
        ("12:30am", time(0, 30)),
        ("11.45PM", time(23, 45)),
        ("noon", time(12, 0)),
        ("930", time(9, 30)),
        ("9", None),
        ("16", None),
        ("24:00", None),
        ("9:60", None),
        ("0am", None),
        ("14:00pm", None),
        ("٩:٣٠", None),
        ("", None),
    ],
)
def test_clock_times(text, expected):
    assert parse_clock(text) == expected
