from datetime import timedelta

import sqlalchemy as sa
import time_machine

from lms.accounts.models import SignInAttempt, User
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import count, post_form


def sign_in(client, email, password, **extra):
    return post_form(client, "/sign-in", {"email": email, "password": password, **extra})


def test_signing_in_and_out(client, make_user, login):
    person = make_user(name="Zoë 李")
    login(person)
    assert "Welcome, Zoë 李" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/sign-out", {}, token_from="/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You have signed out" in page
    assert "Welcome" not in page


def test_email_is_matched_in_any_letter_case(client, make_user):
    person = make_user("amina@example.org")
    assert sign_in(client, "  AMINA@Example.org ", person.password).status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    person = make_user()
    wrong = sign_in(client, person.email, "not the password").get_data(as_text=True)
    unknown = sign_in(client, "nobody@example.org", "not the password").get_data(as_text=True)
    message = "Enter a correct email address and password"
    assert message in wrong and message in unknown
    assert 'value="nobody@example.org"' in unknown


def test_deactivated_account_cannot_sign_in(client, make_user):
    person = make_user(active=False)
    response = sign_in(client, person.email, person.password)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_the_eleventh_wrong_password_in_five_minutes_is_refused_even_when_right(
    app, client, make_user
):
    person = make_user()
    for _ in range(10):
        assert sign_in(client, person.email, "wrong password").status_code == 200
    refused = sign_in(client, person.email, person.password)
    assert refused.status_code == 429
    assert "Too many attempts to sign in to this account" in refused.get_data(as_text=True)
    assert "Welcome" not in client.get("/").get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(minutes=5, seconds=1)):
        assert sign_in(client, person.email, person.password).status_code == 302


def test_guessing_one_account_does_not_lock_out_another(client, make_user):
    target, other = make_user(), make_user()
    for _ in range(10):
        sign_in(client, target.email, "wrong password")
    assert sign_in(client, other.email, other.password).status_code == 302


def test_sign_in_attempts_are_recorded_without_the_password(app, client, make_user):
    person = make_user()
    sign_in(client, person.email, "wrong password")
    with app.app_context():
        attempt = db.session.scalar(sa.select(SignInAttempt))
        assert (attempt.email, attempt.succeeded) == (person.email, False)


def test_sign_in_starts_a_new_session(client, make_user):
    person = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, person.email, person.password)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_a_cookie_replayed_after_sign_out_is_refused(app, make_user, login):
    person = make_user()
    client = app.test_client()
    login(person, using=client)
    stolen = client.get_cookie("session").value
    post_form(client, "/sign-out", {}, token_from="/")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").status_code == 302


def test_deactivation_ends_the_persons_session_at_once(app, client, make_user, login):
    person = make_user()
    login(person)
    assert client.get("/account").status_code == 200
    with app.app_context():
        user = db.session.get(User, person.id)
        from lms.accounts.services import set_active

        admin = db.session.get(User, make_user().id)
        set_active(user, False, by=admin)
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_remember_me_survives_the_end_of_the_browser_session(app, client, make_user, login):
    person = make_user()
    login(person, remember=True)
    remembered = client.get_cookie("remember_token")
    assert remembered is not None and remembered.http_only and remembered.secure
    later = app.test_client()
    later.set_cookie("remember_token", remembered.value)
    assert later.get("/account").status_code == 200


def test_without_remember_me_there_is_no_lasting_cookie(client, make_user, login):
    login(make_user())
    assert client.get_cookie("remember_token") is None
    session = client.get_cookie("session")
    assert session.http_only and session.secure and session.same_site == "Lax"


def test_an_idle_session_is_signed_out(client, make_user, login):
    login(make_user())
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        response = client.get("/account")
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


def test_a_session_ends_after_twelve_hours_even_when_busy(client, make_user, login):
    login(make_user())
    start = utcnow()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/account").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1)):
        assert client.get("/account").status_code == 302


def test_next_only_follows_paths_on_this_site(client, make_user):
    person = make_user()
    data = {"email": person.email, "password": person.password}
    response = post_form(client, "/sign-in?next=//evil.example/", data, token_from="/sign-in")
    assert response.headers["Location"] == "/"
    post_form(client, "/sign-out", {}, token_from="/")
    response = post_form(client, "/sign-in?next=/account", data, token_from="/sign-in")
    assert response.headers["Location"] == "/account"


def test_signing_in_records_when(app, client, make_user):
    person = make_user()
    sign_in(client, person.email, person.password)
    assert count(app, User, User.last_signed_in_at.is_not(None)) == 1
