"""Booking through the pages: wiring, permissions and the messages people see."""

import re

import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.bookings import services
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import count, post_form, settings_form


def statuses(app, session_id):
    with app.app_context():
        return dict(
            db.session.execute(
                sa.select(Booking.user_id, Booking.status).where(Booking.session_id == session_id)
            ).all()
        )


def test_a_practitioner_books_from_the_session_page(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session(capacity=1)
    person = make_user()
    login(person)
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Book a place" in page
    page = post_form(
        client,
        f"/sessions/{session_id}/book",
        {},
        token_from=f"/sessions/{session_id}",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You have a place" in page and "Your booking:" in page
    assert statuses(app, session_id) == {person.id: BookingStatus.CONFIRMED}


def test_booking_twice_is_explained_and_changes_nothing(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session()
    person = make_user()
    login(person)
    path = f"/sessions/{session_id}/book"
    post_form(client, path, {}, token_from=f"/sessions/{session_id}")
    page = post_form(
        client, path, {}, token_from=f"/sessions/{session_id}", follow_redirects=True
    ).get_data(as_text=True)
    assert "You already have a booking for this session" in page
    assert count(app, Booking) == 1


def test_a_full_session_offers_the_waiting_list(app, client, make_user, make_course_session, login):
    session_id = make_course_session(capacity=1, places_taken=1)
    login(make_user())
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Join the waiting list" in page
    page = post_form(
        client,
        f"/sessions/{session_id}/book",
        {},
        token_from=f"/sessions/{session_id}",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You are number 1 on the waiting list" in page


def test_anonymous_visitors_are_asked_to_sign_in_to_book(client, make_course_session):
    session_id = make_course_session()
    assert "to book" in client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert client.post(f"/sessions/{session_id}/book").status_code in (302, 400)


def test_a_coordinator_books_a_colleague_but_not_another_agencys_staff(
    app, client, make_user, make_agency, make_course_session, login
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    colleague, stranger = make_user(agency_id=agency, name="Amina Colleague"), make_user()
    session_id = make_course_session()
    login(coordinator)
    assert "Amina Colleague" in client.get(f"/sessions/{session_id}").get_data(as_text=True)
    path = f"/sessions/{session_id}/book-colleague"
    assert (
        post_form(
            client, path, {"person_id": str(colleague.id)}, token_from=f"/sessions/{session_id}"
        ).status_code
        == 302
    )
    assert (
        post_form(
            client, path, {"person_id": str(stranger.id)}, token_from=f"/sessions/{session_id}"
        ).status_code
        == 403
    )
    assert statuses(app, session_id) == {colleague.id: BookingStatus.CONFIRMED}


def test_practitioners_cannot_cancel_someone_elses_booking(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session()
    owner, other = make_user(), make_user()
    with app.test_request_context():
        from lms.accounts.models import User
        from lms.bookings.services import book_place
        from lms.core.models import utcnow

        person = db.session.get(User, owner.id)
        booking_id = book_place(
            db.session.get(CourseSession, session_id), person, by=person, now=utcnow()
        ).id
        db.session.commit()
    login(other)
    assert client.get(f"/bookings/{booking_id}/cancel").status_code == 403
    response = client.post(
        f"/bookings/{booking_id}/cancel",
        data={
            "reason": "x",
            "csrf_token": re.search(
                r'value="([^"]+)"',
                client.get("/my-training").get_data(as_text=True).split('name="csrf_token"')[1],
            ).group(1),
        },
        headers={"Referer": "https://localhost/"},
    )
    assert response.status_code == 403
    assert statuses(app, session_id) == {owner.id: BookingStatus.CONFIRMED}


def test_cancelling_from_your_training_promotes_the_next_person(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session(capacity=1)
    first, second = make_user(), make_user()
    for person in (first, second):
        login(person)
        post_form(client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}")
        post_form(client, "/sign-out", {}, token_from="/")
    login(first)
    page = client.get("/my-training").get_data(as_text=True)
    booking_id = int(re.search(r"/bookings/(\d+)/cancel", page).group(1))
    page = post_form(client, f"/bookings/{booking_id}/cancel", {"reason": ""}).get_data(
        as_text=True
    )
    assert "Enter the reason" in page
    assert (
        post_form(client, f"/bookings/{booking_id}/cancel", {"reason": "Court hearing"}).status_code
        == 302
    )
    assert statuses(app, session_id) == {
        first.id: BookingStatus.CANCELLED,
        second.id: BookingStatus.CONFIRMED,
    }


def test_the_join_link_shows_only_to_people_with_a_confirmed_place(
    app, client, make_user, make_course, make_course_session, login
):
    session_id = make_course_session(make_course(mode="virtual"), virtual=True, capacity=1)
    first, second = make_user(), make_user()
    login(first)
    post_form(client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}")
    assert "https://teams.example/meet/abc" in client.get(f"/sessions/{session_id}").get_data(
        as_text=True
    )
    post_form(client, "/sign-out", {}, token_from="/")
    login(second)
    post_form(client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}")
    assert "teams.example" not in client.get(f"/sessions/{session_id}").get_data(as_text=True)


def test_personal_calendar_feed_lists_confirmed_sessions_and_a_new_link_replaces_the_old(
    app, client, make_user, make_course, make_course_session, login
):
    mine = make_course_session(make_course("Booked course"))
    make_course_session(make_course("Other course"))
    person = make_user()
    login(person)
    post_form(client, f"/sessions/{mine}/book", {}, token_from=f"/sessions/{mine}")
    page = post_form(
        client, "/my-training/calendar", {}, token_from="/my-training", follow_redirects=True
    ).get_data(as_text=True)
    first = re.search(r"/calendar/me/([\w-]+)\.ics", page).group(0)
    feed = client.get(first).get_data(as_text=True)
    assert "Booked course" in feed and "Other course" not in feed
    page = post_form(
        client, "/my-training/calendar", {}, token_from="/my-training", follow_redirects=True
    ).get_data(as_text=True)
    second = re.search(r"/calendar/me/([\w-]+)\.ics", page).group(0)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.get("/calendar/me/forged-token.ics").status_code == 404


def test_a_coordinator_approves_and_declines_only_for_their_agency(
    app, client, make_user, make_agency, make_course, make_course_session, login
):
    ours, theirs = make_agency(), make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=ours)
    course = make_course(approval_required=True)
    session_id = make_course_session(course, capacity=5)
    mine, stranger = make_user(agency_id=ours, name="Our Nurse"), make_user(agency_id=theirs)
    for person in (mine, stranger):
        login(person)
        post_form(client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}")
        post_form(client, "/sign-out", {}, token_from="/")
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Booking.user_id, Booking.id)).all())
    login(coordinator)
    page = client.get("/agency/bookings").get_data(as_text=True)
    assert "Our Nurse" in page and "Waiting for your approval" in page
    assert (
        post_form(
            client, f"/bookings/{ids[stranger.id]}/approve", {}, token_from="/agency/bookings"
        ).status_code
        == 403
    )
    assert client.get(f"/bookings/{ids[stranger.id]}/decline").status_code == 403
    assert (
        post_form(
            client, f"/bookings/{ids[mine.id]}/approve", {}, token_from="/agency/bookings"
        ).status_code
        == 302
    )
    assert statuses(app, session_id) == {
        mine.id: BookingStatus.CONFIRMED,
        stranger.id: BookingStatus.PENDING,
    }


def test_session_bookings_csv_neutralises_formulas(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session()
    person = make_user(name='=HYPERLINK("http://evil")')
    login(person)
    post_form(client, f"/sessions/{session_id}/book", {}, token_from=f"/sessions/{session_id}")
    post_form(client, "/sign-out", {}, token_from="/")
    login(make_user(roles=(Role.ADMIN,)))
    response = client.get(f"/sessions/{session_id}/bookings.csv")
    text = response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_admin_adds_over_capacity_only_with_explicit_confirmation(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session(capacity=1, places_taken=1)
    extra = make_user(email="extra@example.org")
    login(make_user(roles=(Role.ADMIN,)))
    path, source = f"/sessions/{session_id}/add", f"/sessions/{session_id}/bookings"
    assert "even if the session is full" in client.get(source).get_data(as_text=True)
    page = post_form(
        client,
        path,
        {"email": extra.email, "reason": "Designated lead"},
        token_from=source,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "There is a problem" in page
    assert (
        'href="#confirm">Confirm that this person gets a place even if the session is full' in page
    )
    # What was typed is kept.
    assert 'value="extra@example.org"' in page and ">Designated lead</textarea>" in page
    assert count(app, Booking) == 0
    post_form(
        client,
        path,
        {"email": extra.email, "reason": "Designated lead", "confirm": "y"},
        token_from=source,
    )
    assert statuses(app, session_id) == {extra.id: BookingStatus.CONFIRMED}
    with app.app_context():
        assert db.session.get(CourseSession, session_id).places_taken == 2


def test_admin_adds_someone_to_a_session_with_places_free_and_the_history_names_them(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session(capacity=5, places_taken=1)
    extra = make_user(email="zoe@example.org", name="Zoë O'Brien")
    login(make_user(roles=(Role.ADMIN,), name="Alex Morgan"))
    path, source = f"/sessions/{session_id}/add", f"/sessions/{session_id}/bookings"
    assert "even if the session is full" not in client.get(source).get_data(as_text=True)

    page = post_form(
        client,
        path,
        {"email": extra.email, "reason": "Designated lead"},
        token_from=source,
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "Zoë O&#39;Brien has been added." in page
    assert statuses(app, session_id) == {extra.id: BookingStatus.CONFIRMED}
    history = re.search(r"Decisions by administrators</h2>(.*?)</ul>", page, re.S).group(1)
    assert "Zoë O&#39;Brien added with a confirmed place by Alex Morgan" in history
    assert "(Designated lead)" in history
    assert "added by admin" not in history and "over capacity" not in history


def test_the_history_says_when_a_waiting_person_was_given_a_place_over_capacity(
    app, client, make_user, make_course_session, login
):
    session_id = make_course_session(capacity=1)
    first, waiting = make_user(), make_user(name="Sam Patel")
    with app.test_request_context():
        for person in (first, waiting):
            person = db.session.get(User, person.id)
            booking = services.book_place(
                db.session.get(CourseSession, session_id), person, by=person, now=utcnow()
            )
            db.session.commit()
        booking_id = booking.id
    assert statuses(app, session_id)[waiting.id] is BookingStatus.WAITLISTED
    login(make_user(roles=(Role.ADMIN,), name="Alex Morgan"))
    source = f"/sessions/{session_id}/bookings"

    post_form(
        client,
        f"/bookings/{booking_id}/confirm",
        {"reason": "Designated lead", "confirm": "y"},
        token_from=source,
    )
    page = client.get(source).get_data(as_text=True)

    assert statuses(app, session_id)[waiting.id] is BookingStatus.CONFIRMED
    assert "Sam Patel given a place from the waiting list by Alex Morgan (user " in page
    assert "over the session&#39;s capacity (Designated lead)" in page


def test_interest_is_registered_from_a_course_page_and_shown_to_admins(
    app, client, make_user, make_course, login
):
    make_course("Private fostering", code="SCP-PF2")
    person = make_user()
    login(person)
    page = client.get("/courses/SCP-PF2").get_data(as_text=True)
    assert "Tell me when there is a date I can book" in page
    post_form(client, "/courses/SCP-PF2/interest", {}, token_from="/courses/SCP-PF2")
    assert "We will email you when a session opens" in client.get("/courses/SCP-PF2").get_data(
        as_text=True
    )
    post_form(client, "/sign-out", {}, token_from="/")
    login(make_user(roles=(Role.ADMIN,)))
    page = client.get("/admin/demand").get_data(as_text=True)
    assert "Private fostering" in page


def test_settings_are_edited_by_admins_with_ranges_checked(app, client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    form = settings_form(
        approval_hold_days=7,
        auto_promotion_days=2,
        offer_hours=500,
        no_show_charge=50,
        late_cancellation_charge="25.50",
        exempt_statutory_partners="y",
    )
    page = post_form(client, "/admin/settings", form).get_data(as_text=True)
    assert "hours a person has to accept an offered place must be from 1 to 168" in page
    assert post_form(client, "/admin/settings", {**form, "offer_hours": "12"}).status_code == 302
    from lms.settings.models import PartnershipSettings

    with app.app_context():
        row = db.session.get(PartnershipSettings, 1)
        assert (row.approval_hold_days, row.offer_hours) == (7, 12)
        assert (row.no_show_charge_pence, row.late_cancellation_charge_pence) == (5000, 2550)


def test_the_session_trainer_sees_the_join_link_and_other_trainers_do_not(
    client, make_user, make_course, make_course_session, login
):
    trainer, other = make_user(roles=(Role.TRAINER,)), make_user(roles=(Role.TRAINER,))
    session_id = make_course_session(
        make_course(mode="virtual"), virtual=True, trainer_ids=[trainer.id]
    )
    login(trainer)
    assert "https://teams.example/meet/abc" in client.get(f"/sessions/{session_id}").get_data(
        as_text=True
    )
    assert "https://teams.example/meet/abc" in client.get("/trainer/sessions").get_data(
        as_text=True
    )
    post_form(client, "/sign-out", {}, token_from="/")
    login(other)
    assert "teams.example" not in client.get(f"/sessions/{session_id}").get_data(as_text=True)
