"""The words on booking actions say what happens: leaving a waiting list is not cancelling a
booking, and a coordinator books a colleague only once they have chosen one."""

import re

import sqlalchemy as sa

from lms.accounts.models import Role
from lms.bookings.models import Booking, BookingStatus
from lms.extensions import db
from tests.conftest import count, post_form


def statuses(app, session_id):
    with app.app_context():
        return dict(
            db.session.execute(
                sa.select(Booking.user_id, Booking.status).where(Booking.session_id == session_id)
            ).all()
        )


def book(client, session_id):
    post_form(client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}")


def training_rows(page: str) -> dict[str, str]:
    """Each upcoming row of "Your training": course title -> the text of its actions cell."""
    rows = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S):
        cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S)
        if cells:
            title = re.search(r">([^<]+)</a>", cells[0]).group(1)
            rows[title] = " ".join(re.sub(r"<[^>]+>", " ", cells[-1]).split())
    return rows


def test_someone_waiting_leaves_the_waiting_list_in_those_words(
    app, client, make_user, make_course, make_course_session, login
):
    full = make_course_session(make_course("Neglect: the basics"), capacity=1, places_taken=1)
    booked = make_course_session(make_course("Domestic abuse awareness"))
    person = make_user()
    login(person)
    book(client, full)
    book(client, booked)
    rows = training_rows(client.get("/my-training").get_data(as_text=True))
    assert rows["Neglect: the basics"] == "Leave the waiting list for Neglect: the basics"
    assert rows["Domestic abuse awareness"].startswith("Cancel Domestic abuse awareness")
    assert "Cancel" not in rows["Neglect: the basics"]

    with app.app_context():
        waiting_id = db.session.scalar(sa.select(Booking.id).where(Booking.session_id == full))
    page = client.get(f"/bookings/{waiting_id}/cancel").get_data(as_text=True)
    assert "<title>Leave the waiting list" in page
    assert "Leave the waiting list for Neglect: the basics</h1>" in page
    assert "Why are you leaving the waiting list?" in page
    assert re.search(r"<button[^>]*>\s*Leave the waiting list\s*</button>", page)
    assert "Cancel the booking" not in page

    page = post_form(
        client,
        f"/bookings/{waiting_id}/cancel",
        {"reason": "My manager needs me that day"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You have left the waiting list." in page
    assert "The booking has been cancelled" not in page
    assert statuses(app, full)[person.id] is BookingStatus.CANCELLED


def test_a_coordinator_taking_someone_off_the_waiting_list_is_told_so(
    app, client, make_user, make_agency, make_course_session, login
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    person = make_user(agency_id=agency, name="Amina Colleague")
    session_id = make_course_session(capacity=1, places_taken=1)
    login(person)
    book(client, session_id)
    post_form(client, "/sign-out", {}, token_from="/")
    login(coordinator)
    with app.app_context():
        booking_id = db.session.scalar(sa.select(Booking.id).where(Booking.user_id == person.id))
    page = post_form(
        client,
        f"/bookings/{booking_id}/cancel",
        {"reason": "Training budget moved"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Amina Colleague has been taken off the waiting list." in page


def test_the_colleague_list_starts_with_no_one_chosen(
    app, client, make_user, make_agency, make_course_session, login
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency, name="Cara Coordinator")
    make_user(agency_id=agency, name="Amina Colleague")
    session_id = make_course_session()
    login(coordinator)
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    select = page.split('<select class="govuk-select" id="person_id" name="person_id"', 1)[1]
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', select)
    assert (options[0][0], options[0][2]) == ("", "Select a colleague")
    assert [label for _, _, label in options[1:]] == ["Amina Colleague", "Cara Coordinator"]
    assert not any(selected for _, selected, _ in options[1:])


def test_booking_a_colleague_without_choosing_one_is_explained(
    app, client, make_user, make_agency, make_course_session, login
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    make_user(agency_id=agency, name="Amina Colleague")
    session_id = make_course_session()
    login(coordinator)
    for chosen in ("", "someone"):
        response = post_form(
            client,
            f"/sessions/{session_id}/book-colleague",
            {"person_id": chosen},
            token_from=f"/sessions/{session_id}",
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<title>Error: " in page
        summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
        assert re.search(r'<a href="#person_id">\s*Select the colleague to book\s*</a>', summary)
        assert page.count('id="person_id"') == 1
        assert 'id="person_id-error"' in page
    assert count(app, Booking) == 0


def test_a_coordinator_takes_a_colleague_off_a_waiting_list_in_those_words(
    client, make_user, make_course, make_course_session, login
):
    full = make_course_session(make_course("Neglect: the basics"), capacity=1, places_taken=1)
    coordinator = make_user(roles=(Role.PRACTITIONER, Role.COORDINATOR))
    colleague = make_user(agency_id=coordinator.agency_id, name="Sam Waiting")
    login(colleague)
    book(client, full)
    post_form(client, "/sign-out", {}, token_from="/my-training")
    login(coordinator)
    page = client.get("/agency/bookings").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr.*?</tr>", page, re.S) if "Sam Waiting" in r)
    actions = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert "Take off the waiting list : Sam Waiting" in actions
    assert "Cancel" not in actions
