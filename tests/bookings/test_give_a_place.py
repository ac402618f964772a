"""An administrator gives a waiting person a place: a refusal shows the session's bookings again
with the error by that person's boxes and the reason as typed, and changes nothing."""

import re

import pytest

from lms.accounts.models import Role, User
from lms.bookings import services
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import post_form


@pytest.fixture
def waiting(app, make_user, make_course_session):
    """A full session of one place, and the booking of the person waiting for it."""
    session_id = make_course_session(capacity=1)
    with app.test_request_context():
        for person in (make_user(), make_user(name="Sam Patel")):
            person = db.session.get(User, person.id)
            booking = services.book_place(
                db.session.get(CourseSession, session_id), person, by=person, now=utcnow()
            )
            db.session.commit()
        assert booking.status is BookingStatus.WAITLISTED
        return session_id, booking.id


def state(app, session_id, booking_id):
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        course_session = db.session.get(CourseSession, session_id)
        return booking.status, booking.decision_reason, course_session.places_taken


def box(page: str, booking_id: int | None = None) -> str:
    """What the "Give a place" reason box of the booking holds (of "Add someone" without one)."""
    booking_id = "" if booking_id is None else f"-{booking_id}"
    found = re.search(rf'<textarea[^>]*id="reason{booking_id}"[^>]*>([^<]*)</textarea>', page)
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        (
            {"reason": "Designated lead for the new team & needs it now"},
            "confirm",
            "Confirm that this person gets a place even if the session is full",
        ),
        ({"reason": "", "confirm": "y"}, "reason", "Enter the reason"),
        ({"reason": "   ", "confirm": "y"}, "reason", "Enter the reason for confirming this place"),
    ],
)
def test_a_refused_place_shows_the_page_again_with_the_reason_typed(
    app, client, make_user, login, waiting, sent, field, message
):
    session_id, booking_id = waiting
    login(make_user(roles=(Role.ADMIN,)))
    source = f"/sessions/{session_id}/bookings"
    before = state(app, session_id, booking_id)

    response = post_form(client, f"/bookings/{booking_id}/confirm", sent, token_from=source)

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert f'<a href="#{field}-{booking_id}">{message}</a>' in page
    assert f'id="{field}-{booking_id}"' in page and f'id="{field}-{booking_id}-error"' in page
    assert box(page, booking_id) == sent["reason"].strip().replace("&", "&amp;")
    assert re.search(r'<details class="govuk-details" open>', page)
    # "Add someone" stays empty: the reason belongs to the person waiting.
    assert box(page) == ""
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert state(app, session_id, booking_id) == before


def test_a_place_given_goes_back_to_the_bookings(app, client, make_user, login, waiting):
    session_id, booking_id = waiting
    login(make_user(roles=(Role.ADMIN,)))
    source = f"/sessions/{session_id}/bookings"
    response = post_form(
        client,
        f"/bookings/{booking_id}/confirm",
        {"reason": "Designated lead", "confirm": "y"},
        token_from=source,
    )
    assert response.status_code == 302 and response.location == source
    assert state(app, session_id, booking_id) == (BookingStatus.CONFIRMED, "Designated lead", 2)


def test_a_place_given_meanwhile_keeps_the_reason_typed_in_the_page(
    app, client, make_user, login, waiting
):
    session_id, booking_id = waiting
    login(make_user(roles=(Role.ADMIN,)))
    source = f"/sessions/{session_id}/bookings"
    post_form(
        client,
        f"/bookings/{booking_id}/confirm",
        {"reason": "First", "confirm": "y"},
        token_from=source,
    )
    typed = "Lead for the new team <Elm Tree>"

    response = post_form(
        client,
        f"/bookings/{booking_id}/confirm",
        {"reason": typed, "confirm": "y"},
        token_from=source,
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a href="#main-content">This booking is confirmed, not on the waiting list</a>' in page
    assert "Your reason, not sent: Lead for the new team &lt;Elm Tree&gt;" in page
    assert state(app, session_id, booking_id) == (BookingStatus.CONFIRMED, "First", 2)
