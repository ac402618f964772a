import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, Role, User
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import count, post_form


def registration(agency_id, **overrides):
    data = {
        "name": "Siobhan O'Brien",
        "email": "Siobhan.OBrien@RUH.nhs.example",
        "job_title": "Health visitor",
        "agency_id": str(agency_id),
        "line_manager_email": "manager@ruh.nhs.example",
        "password": "tidal-marmalade-kettle",
    }
    data.update(overrides)
    return data


def test_registering_creates_an_unconfirmed_practitioner_and_emails_a_link(
    app, client, make_agency
):
    agency_id = make_agency("Riverside University Hospitals NHS Trust")
    response = post_form(client, "/register", registration(agency_id))
    page = response.get_data(as_text=True)
    assert "Check your email" in page
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email == "siobhan.obrien@ruh.nhs.example"
        assert user.roles == {Role.PRACTITIONER}
        assert user.agency_id == agency_id
        assert user.line_manager_email == "manager@ruh.nhs.example"
        assert user.password_hash.startswith("$argon2id$")
        assert user.email_confirmed_at is None
        assert [m.agency_id for m in user.memberships] == [agency_id]
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.recipient == user.email
        assert message.subject == "Confirm your email address"
    # Not signed in by registering: the page looks the same for a taken address.
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def _without_varying_parts(page: str) -> str:
    return re.sub(r"<strong>[^<]*</strong>|nonce=\"[^\"]+\"|value=\"[^\"]+\"", "", page)


def test_an_address_already_registered_gets_the_same_page_and_its_owner_an_email(
    app, client, make_agency, make_user
):
    agency_id = make_agency()
    owner = make_user("siobhan.obrien@ruh.nhs.example", agency_id=agency_id)
    taken = post_form(client, "/register", registration(agency_id))
    fresh = post_form(client, "/register", registration(agency_id, email="new@ruh.nhs.example"))
    assert taken.status_code == fresh.status_code == 200
    assert _without_varying_parts(taken.get_data(as_text=True)) == _without_varying_parts(
        fresh.get_data(as_text=True)
    )
    assert "An account already exists" not in taken.get_data(as_text=True)
    assert count(app, User) == 2
    with app.app_context():
        to_owner = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == owner.email)
        ).all()
        assert [message.subject for message in to_owner] == ["You already have an account"]


@pytest.mark.parametrize("agency_id", ["999999", "", "not-a-number"])
def test_unknown_agency_is_refused(app, client, make_agency, agency_id):
    make_agency()
    response = post_form(client, "/register", registration(agency_id))
    page = response.get_data(as_text=True)
    assert "Select your agency from the list" in page
    assert 'class="govuk-error-summary' in page
    assert count(app, User) == 0


def test_inactive_agency_cannot_be_chosen(app, client, make_agency):
    agency_id = make_agency(active=False)
    response = post_form(client, "/register", registration(agency_id))
    assert "Select your agency from the list" in response.get_data(as_text=True)
    assert count(app, User) == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Password must be 8 characters or more"),
        ("password123", "This password is too common"),
        ("qwertyuiop", "This password is too common"),
        ("siobhan.obrien", "must not be based on your name or email address"),
        ("x" * 129, "Password must be 128 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, client, make_agency, password, message):
    agency_id = make_agency()
    response = post_form(client, "/register", registration(agency_id, password=password))
    assert message in response.get_data(as_text=True)
    assert count(app, User) == 0


def test_a_long_passphrase_with_spaces_and_symbols_is_accepted(app, client, make_agency):
    agency_id = make_agency()
    passphrase = "the blue heron waits by the lock gates at dawn, £5 & 李!"
    post_form(client, "/register", registration(agency_id, password=passphrase))
    assert count(app, User) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your full name"),
        ("email", "", "Enter your work email address"),
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("job_title", "   ", "Enter your job title"),
        ("line_manager_email", "boss@", "Enter an email address in the correct format"),
        ("line_manager_email", "siobhan.obrien@ruh.nhs.example", "must be different from your own"),
    ],
)
def test_missing_or_malformed_details_are_refused_and_what_was_typed_is_kept(
    app, client, make_agency, field, value, message
):
    agency_id = make_agency()
    response = post_form(client, "/register", registration(agency_id, **{field: value}))
    page = response.get_data(as_text=True)
    assert message in page
    assert "Error: Create an account" in page
    assert 'value="Health visitor"' in page or field == "job_title"
    assert count(app, User) == 0


def test_agency_is_suggested_from_the_email_domain(client, make_agency):
    make_agency("Alder Road Primary School", domains=["alderroad.sch.example"])
    make_agency("Another School", domains=["another.sch.example"])
    page = client.get("/register?email=dsl@alderroad.sch.example").get_data(as_text=True)
    assert "Your email address suggests <strong>Alder Road Primary School</strong>" in page
    assert (
        "selected>Alder Road Primary School"
        in page.replace('" selected', " selected").replace('selected="selected"', "selected")
        or "selected" in page.split("Alder Road Primary School</option>")[0].rsplit("<option", 1)[1]
    )


def test_suggestion_without_javascript_posts_back_and_keeps_what_was_typed(client, make_agency):
    make_agency(
        "Riverside University Hospitals NHS Trust", domains=["ruh.nhs.example", "nhs.example"]
    )
    make_agency("St Bride's Hospital NHS Foundation Trust", domains=["nhs.example"])
    response = post_form(
        client,
        "/register",
        {"action": "suggest", "name": "Amina Patel", "email": "amina.patel@nhs.example"},
    )
    page = response.get_data(as_text=True)
    assert "Your email address is used by several agencies" in page
    assert "St Bride&#39;s Hospital NHS Foundation Trust" in page
    assert 'value="Amina Patel"' in page


def test_a_subdomain_suggests_its_parent_domains_agency(app, make_agency):
    from lms.accounts.services import suggest_agencies

    make_agency("Riverside Council", domains=["riverside-council.example"])
    with app.app_context():
        names = [
            agency.name for agency in suggest_agencies("a@education.riverside-council.example")
        ]
    assert names == ["Riverside Council"]


def test_membership_history_starts_at_registration(app, client, make_agency):
    agency_id = make_agency()
    post_form(client, "/register", registration(agency_id))
    assert count(app, AgencyMembership, AgencyMembership.ended_at.is_(None)) == 1
