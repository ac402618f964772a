"""Email addresses are proven by a link: new accounts before they book, and email changes before
they take effect. The registration form's default action is creating the account."""

import re
from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.bookings.models import Booking
from lms.cli import account_jobs
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.accounts.test_registration import registration
from tests.conftest import PASSWORD, count, post_form

CONFIRM = re.compile(r"https?://\S+(/confirm-email/\S+)")
CHANGE = re.compile(r"https?://\S+(/account/email/\S+)")


def last_message(app, recipient: str) -> OutboxMessage:
    with app.app_context():
        return db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id.desc())
        ).first()


def register(client, agency_id, **overrides):
    return post_form(client, "/register", registration(agency_id, **overrides))


def book(client, session_id):
    return post_form(
        client,
        f"/sessions/{session_id}/book",
        {},
        token_from=f"/sessions/{session_id}",
        follow_redirects=True,
    ).get_data(as_text=True)


def test_a_new_account_books_only_after_following_the_link(
    app, client, make_agency, make_course_session, login
):
    agency_id = make_agency()
    session_id = make_course_session()
    register(client, agency_id)
    email = "siobhan.obrien@ruh.nhs.example"
    post_form(client, "/sign-in", {"email": email, "password": "tidal-marmalade-kettle"})
    page = book(client, session_id)
    assert "Confirm your email address before you book" in page
    assert count(app, Booking) == 0

    link = CONFIRM.search(last_message(app, email).body_text).group(1)
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Your email address is confirmed" in page
    assert client.get(link).status_code == 410  # single use
    assert "You have a place" in book(client, session_id)
    assert count(app, Booking) == 1


def test_the_link_can_be_sent_again_and_only_the_newest_works(app, client, make_agency):
    agency_id = make_agency()
    register(client, agency_id)
    email = "siobhan.obrien@ruh.nhs.example"
    first = CONFIRM.search(last_message(app, email).body_text).group(1)
    post_form(client, "/sign-in", {"email": email, "password": "tidal-marmalade-kettle"})
    assert "Confirm your email address" in client.get("/account").get_data(as_text=True)
    post_form(client, "/account/confirmation", {}, token_from="/account")
    second = CONFIRM.search(last_message(app, email).body_text).group(1)
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User)).email_confirmed_at is not None


def test_accounts_never_confirmed_are_removed_after_a_week(app, client, make_agency, make_user):
    agency_id = make_agency()
    confirmed = make_user(agency_id=agency_id)
    register(client, agency_id)
    with app.app_context():
        assert account_jobs(now=utcnow())["unconfirmed accounts removed"] == 0
        assert account_jobs(now=utcnow() + timedelta(days=8))["unconfirmed accounts removed"] == 1
        assert [user.id for user in db.session.scalars(sa.select(User))] == [confirmed.id]


def test_pressing_enter_on_the_registration_form_creates_the_account(client, make_agency):
    page = client.get("/register").get_data(as_text=True)
    form = page[page.index('<form method="post"') :]
    first_button = re.search(r"<(button|input)[^>]*type=\"submit\"[^>]*>([^<]*)", form)
    assert 'name="action"' not in first_button.group(0)  # not "Suggest my agency"
    assert first_button.group(2).strip() == "Create account"
    password = re.search(r"<input[^>]*type=\"password\"[^>]*>", form).group(0)
    assert password.count("autocomplete=") == 1
    assert 'autocomplete="new-password"' in password
    # What a browser sends on Enter: the form's fields and the first button (no name).
    agency_id = make_agency()
    response = register(client, agency_id)
    assert "Check your email" in response.get_data(as_text=True)


def test_an_email_change_needs_the_password_and_a_link_to_the_new_address(
    app, client, make_user, login
):
    person = make_user()
    login(person)
    page = post_form(
        client, "/account/email", {"email": "new@example.org", "current_password": "wrong one"}
    ).get_data(as_text=True)
    assert "Your current password is not correct" in page
    assert 'value="new@example.org"' in page
    assert count(app, OutboxMessage) == 0

    page = post_form(
        client, "/account/email", {"email": "New@Example.org", "current_password": PASSWORD}
    ).get_data(as_text=True)
    assert "Check your new email address" in page
    with app.app_context():
        assert db.session.get(User, person.id).email == person.email  # not yet
    told = last_message(app, person.email)
    assert "new@example.org" in told.body_text
    link = CHANGE.search(last_message(app, "new@example.org").body_text).group(1)
    client.get(link)
    with app.app_context():
        assert db.session.get(User, person.id).email == "new@example.org"
    assert last_message(app, person.email).subject == "Your email address has been changed"
    assert client.get(link).status_code == 410


def test_an_email_change_to_a_taken_address_tells_its_owner_and_changes_nothing(
    app, client, make_user, login
):
    person, other = make_user(), make_user()
    login(person)
    page = post_form(
        client, "/account/email", {"email": other.email, "current_password": PASSWORD}
    ).get_data(as_text=True)
    assert "Check your new email address" in page
    assert last_message(app, other.email).subject == "Someone tried to use your email address"
    with app.app_context():
        assert db.session.get(User, person.id).email == person.email


def test_a_password_change_needs_the_current_one_and_is_told_by_email(
    app, client, make_user, login
):
    person = make_user()
    login(person)
    page = post_form(
        client,
        "/account/password",
        {"current_password": "not it", "password": "a brand new passphrase"},
    ).get_data(as_text=True)
    assert "Your current password is not correct" in page
    post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": "a brand new passphrase"},
    )
    assert last_message(app, person.email).subject == "Your password has been changed"


def test_my_agency_is_not_listed_asks_the_administrators(app, client, make_agency, make_user):
    from lms.accounts.models import Role

    admin = make_user(roles=(Role.ADMIN,))
    assert "My agency is not listed" in client.get("/register").get_data(as_text=True)
    page = post_form(client, "/register/agency-not-listed", {}).get_data(as_text=True)
    assert "Enter the name of your agency" in page
    page = post_form(
        client,
        "/register/agency-not-listed",
        {
            "agency_name": "Little Acorns Nursery",
            "sector": "early_years",
            "requester_name": "Amal Haddad",
            "email": "amal@littleacorns.example",
        },
    ).get_data(as_text=True)
    assert "We have your request" in page
    asked = last_message(app, admin.email)
    assert asked.subject == "Please add an agency: Little Acorns Nursery"


def test_a_place_cannot_be_passed_to_a_colleague_who_has_not_confirmed(
    app, make_user, make_course_session
):
    from lms.bookings.places import BookingError
    from lms.bookings.services import book_place, substitute
    from lms.catalogue.models import CourseSession

    session_id = make_course_session()
    person = make_user()
    colleague = make_user(agency_id=person.agency_id)
    with app.test_request_context():
        holder = db.session.get(User, person.id)
        other = db.session.get(User, colleague.id)
        other.email_confirmed_at = None
        course_session = db.session.get(CourseSession, session_id)
        booking = book_place(course_session, holder, by=holder, now=utcnow())
        try:
            substitute(booking, other, by=holder, now=utcnow())
        except BookingError as error:
            assert "has not confirmed their email address" in str(error)
        else:
            raise AssertionError("the place was passed to an unconfirmed colleague")


def test_registering_again_before_confirming_sends_a_fresh_link(app, client, make_agency):
    agency_id = make_agency()
    email = "siobhan.obrien@ruh.nhs.example"
    register(client, agency_id)
    first = CONFIRM.search(last_message(app, email).body_text).group(1)
    page = register(client, agency_id).get_data(as_text=True)
    assert "Check your email" in page
    again = last_message(app, email)
    assert again.subject == "Confirm your email address"
    second = CONFIRM.search(again.body_text).group(1)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 302
    assert count(app, User) == 1
