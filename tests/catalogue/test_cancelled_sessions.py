"""A cancelled session: its reason shown as one sentence, and nothing left to edit."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from lms.accounts.models import Role
from lms.catalogue.models import CourseSession, SessionStatus
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import post_form

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    return client


def cancel(client, session_id, reason):
    response = post_form(client, f"/admin/sessions/{session_id}/cancel", {"reason": reason})
    assert response.status_code == 302


def text_of(html: str) -> str:
    """A page's visible text, tags removed and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Heavy snow closed the venue", "Heavy snow closed the venue."),
        ("Heavy snow closed the venue.", "Heavy snow closed the venue."),
        ("Heavy snow closed the venue..  ", "Heavy snow closed the venue."),
        ("Heavy snow closed the venue . ", "Heavy snow closed the venue."),
        ("Is the venue open?", "Is the venue open?"),
        ("Snow!", "Snow!"),
    ],
)
def test_the_reason_is_shown_as_one_sentence_whatever_was_typed(
    app, admin_client, make_course, make_course_session, typed, shown
):
    session_id = make_course_session(make_course("Working with neglect"))
    cancel(admin_client, session_id, typed)
    notice = f"This session has been cancelled: {shown}"

    public = text_of(admin_client.get(f"/sessions/{session_id}").get_data(as_text=True))
    admin = text_of(admin_client.get(f"/admin/sessions/{session_id}").get_data(as_text=True))
    (event,) = Calendar.from_ical(admin_client.get(f"/sessions/{session_id}.ics").data).events

    assert f"Warning {notice} " in public
    assert f"{notice} It can no longer be changed." in admin
    assert str(event["DESCRIPTION"]).startswith(f"{notice}\n")
    # (The admin page's history quotes the reason as typed.)
    for text in (public, str(event["DESCRIPTION"])):
        assert ".." not in text and " ." not in text and "?." not in text and "!." not in text


def test_a_cancelled_session_without_a_reason_still_says_so_in_a_sentence(
    app, admin_client, make_course_session
):
    session_id = make_course_session(status="cancelled")

    public = text_of(admin_client.get(f"/sessions/{session_id}").get_data(as_text=True))

    assert "Warning This session has been cancelled. " in public


def test_a_cancelled_session_offers_no_editing(app, admin_client, make_course, make_course_session):
    session_id = make_course_session(make_course("Working with neglect"))
    cancel(admin_client, session_id, "Trainer unwell")

    page = admin_client.get(f"/admin/sessions/{session_id}").get_data(as_text=True)

    assert "Edit session" not in page
    assert "<title>Cancelled session" in page
    assert '<h1 class="govuk-heading-xl">Cancelled session</h1>' in page
    assert 'name="capacity"' not in page and "Save" not in page
    assert "Cancel this session" not in page
    assert "Copy to new dates" in page  # to run it again on other dates


def test_the_edit_route_refuses_a_cancelled_session_with_a_clear_message(
    app, admin_client, make_course, make_venue, make_course_session
):
    course, venue = make_course(), make_venue()
    session_id = make_course_session(course, capacity=12)
    cancel(admin_client, session_id, "Trainer unwell")
    with app.app_context():
        sequence = db.session.get(CourseSession, session_id).sequence
    day = (utcnow() + timedelta(days=40)).astimezone(LONDON).date()
    changes = {
        "course_id": str(course),
        "dates-0-day": [str(day.day), str(day.month), str(day.year)],
        "dates-0-starts": "09:30",
        "dates-0-ends": "12:30",
        "venue_id": str(venue),
        "capacity": "30",
        "cancellation_notice_hours": "48",
    }

    for data in (changes, {}):
        response = post_form(admin_client, f"/admin/sessions/{session_id}", data)
        assert response.status_code == 303
        assert response.headers["Location"] == f"/admin/sessions/{session_id}"
        page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
        assert "This session has been cancelled, so it can no longer be changed" in page
        assert "Enter" not in text_of(page)  # no complaint about the fields of the form

    with app.app_context():
        session = db.session.get(CourseSession, session_id)
        assert session.status is SessionStatus.CANCELLED
        assert (session.capacity, session.sequence) == (12, sequence)
