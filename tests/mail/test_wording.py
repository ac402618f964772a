"""Counts in messages read as English: "for 1 minute", "for 2 minutes", never "for 1 minutes".

Each message is made through the service that sends it, so the mail templates are rendered as
they are in use (with the application's template filters)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts import auth, emails
from lms.accounts.models import Role, User
from lms.accounts.services import PersonDetails
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import PASSWORD

NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)
COUNTS = [(1, ""), (2, "s")]


def link(token: str) -> str:
    return f"https://training.example/link/{token}"


def body(kind: str) -> str:
    (message,) = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind))
    return message.body_text


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(("count", "ending"), COUNTS)
def test_password_reset_link_lasts_minutes(ctx, make_user, count, ending):
    person = make_user()
    auth.request_password_reset(person.email, now=NOW)
    auth.send_requested_resets(now=NOW, valid_for=timedelta(minutes=count), link_for=link)
    assert f"It works once, for {count} minute{ending}:" in body("password_reset")


@pytest.mark.parametrize(("count", "ending"), COUNTS)
def test_new_account_link_lasts_days(ctx, make_user, make_agency, count, ending):
    admin = db.session.get(User, make_user(roles=(Role.ADMIN,)).id)
    details = PersonDetails("Zoë Clarke", "zoe.clarke@example.org", "Social worker", make_agency())
    auth.add_person(
        details,
        roles={Role.PRACTITIONER},
        active=True,
        by=admin,
        now=NOW,
        valid_for=timedelta(days=count),
        link_for=link,
    )
    assert f"It works once, for {count} day{ending}:" in body("account_created")


@pytest.mark.parametrize(("count", "ending"), COUNTS)
def test_confirmation_link_lasts_days(ctx, make_user, monkeypatch, count, ending):
    monkeypatch.setattr(emails, "CONFIRM_VALID_FOR", timedelta(days=count))
    user = db.session.get(User, make_user().id)
    user.email_confirmed_at = None
    emails.send_confirmation(user, now=NOW, link_for=link)
    assert f"It works once, for {count} day{ending}:" in body("confirm_email")


@pytest.mark.parametrize(("count", "ending"), COUNTS)
def test_email_change_link_lasts_hours(ctx, make_user, monkeypatch, count, ending):
    monkeypatch.setattr(emails, "CHANGE_VALID_FOR", timedelta(hours=count))
    user = db.session.get(User, make_user().id)
    emails.request_email_change(
        user, "new.address@example.org", password=PASSWORD, now=NOW, link_for=link
    )
    assert f"It works once, for {count} hour{ending}:" in body("email_change_confirm")
