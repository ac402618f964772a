import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from lms.accounts.models import PasswordResetRequest, PasswordResetToken
from lms.cli import account_jobs
from lms.core.models import utcnow
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import count, counting_statements, post_form

LINK = re.compile(r"https?://\S+/password/reset/(\S+)")


def request_reset(client, email):
    """Ask for a reset link, then let run-jobs answer the request as cron would."""
    response = post_form(client, "/password/forgotten", {"email": email})
    with client.application.app_context():
        account_jobs(now=utcnow())
    return response


def reset_link(app) -> str:
    with app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
        ).first()
        return "/password/reset/" + LINK.search(message.body_text).group(1)


def test_reset_link_is_emailed_through_the_outbox(app, client, make_user):
    person = make_user()
    page = request_reset(client, person.email.upper()).get_data(as_text=True)
    assert "Check your email" in page
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.recipient == person.email
        assert message.subject == "Reset your password"
        assert message.user_id == person.id
        token = LINK.search(message.body_text).group(1)
        stored = db.session.scalar(sa.select(PasswordResetToken))
        assert stored.token_hash != token and len(token) >= 43


def _without_varying_parts(page: str) -> str:
    return re.sub(r"<strong>[^<]*</strong>|nonce=\"[^\"]+\"|value=\"[^\"]+\"", "", page)


def test_unknown_email_gets_the_same_page_and_no_message(app, client, make_user):
    make_user()
    known = request_reset(client, "person1@example.org").get_data(as_text=True)
    unknown = request_reset(client, "nobody@example.org").get_data(as_text=True)
    assert _without_varying_parts(known) == _without_varying_parts(unknown)
    assert count(app, OutboxMessage) == 1


def test_a_reset_link_works_once(app, client, make_user):
    person = make_user()
    request_reset(client, person.email)
    link = reset_link(app)
    response = post_form(client, link, {"password": "a brand new passphrase"})
    assert response.headers["Location"] == "/sign-in"
    assert (
        post_form(
            client, "/sign-in", {"email": person.email, "password": "a brand new passphrase"}
        ).status_code
        == 302
    )
    post_form(client, "/sign-out", {}, token_from="/")
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used or is not valid" in again.get_data(as_text=True)


def test_an_expired_reset_link_is_refused_and_changes_nothing(app, client, make_user):
    person = make_user()
    request_reset(client, person.email)
    link = reset_link(app)
    with time_machine.travel(utcnow() + timedelta(hours=1, seconds=1)):
        response = client.get(link)
        assert response.status_code == 410
        assert "This password reset link has expired" in response.get_data(as_text=True)
    assert (
        post_form(
            client, "/sign-in", {"email": person.email, "password": person.password}
        ).status_code
        == 302
    )


def test_a_made_up_link_is_refused(client):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 410


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, make_user):
    person = make_user()
    request_reset(client, person.email)
    link = reset_link(app)
    page = post_form(client, link, {"password": "password1"}).get_data(as_text=True)
    assert "This password is too common" in page
    assert count(app, PasswordResetToken, PasswordResetToken.used_at.is_(None)) == 1
    assert post_form(client, link, {"password": "kestrel over the marsh"}).status_code == 302


def test_resetting_ends_other_sessions_and_spends_other_links(app, make_user, login):
    person = make_user()
    elsewhere = app.test_client()
    login(person, using=elsewhere)
    client = app.test_client()
    request_reset(client, person.email)
    first = reset_link(app)
    request_reset(client, person.email)
    second = reset_link(app)
    post_form(client, second, {"password": "kestrel over the marsh"})
    assert elsewhere.get("/account").status_code == 302
    assert client.get(first).status_code == 410


def test_a_deactivated_account_gets_no_reset_link(app, client, make_user):
    person = make_user(active=False)
    request_reset(client, person.email)
    assert count(app, OutboxMessage) == 0


def test_reset_requests_do_the_same_work_for_known_and_unknown_addresses(app, client, make_user):
    """The page that takes a request writes one row either way; run-jobs does the rest."""
    person = make_user()
    post_form(client, "/password/forgotten", {"email": "warm-up@example.org"})
    statements = {}
    for email in (person.email, "nobody@example.org"):
        with counting_statements(app) as seen:
            response = post_form(client, "/password/forgotten", {"email": email})
        assert response.status_code == 200
        statements[email] = len(seen)
    assert statements[person.email] == statements["nobody@example.org"]
    with app.app_context():
        assert count(app, OutboxMessage) == 0
        assert count(app, PasswordResetRequest) == 3
        account_jobs(now=utcnow())
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        assert [message.recipient for message in messages] == [person.email]
        # Asked twice before one run: one link, not two.
        post_form(client, "/password/forgotten", {"email": person.email})
        post_form(client, "/password/forgotten", {"email": person.email})
        account_jobs(now=utcnow())
        assert count(app, OutboxMessage) == 2
        account_jobs(now=utcnow())
        assert count(app, OutboxMessage) == 2
