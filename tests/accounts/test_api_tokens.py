"""API tokens on the account page: only PDL viewers and admins have them; the secret is shown
once and stored hashed; each person revokes only their own, and both are audited."""

import hashlib
import re

import pytest
import sqlalchemy as sa

from lms.accounts import tokens
from lms.accounts.models import PersonalToken, Role, TokenKind, User
from lms.audit.models import AuditEvent
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import count, post_form

SECRET = re.compile(r'<code class="app-code" id="api-token">([^<]+)</code>')


def create_token(client, label="Annual report spreadsheet"):
    return post_form(client, "/account/api-tokens", {"label": label}, token_from="/account")


def api_tokens(app, person) -> list[PersonalToken]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(PersonalToken)
                .where(PersonalToken.user_id == person.id, PersonalToken.kind == TokenKind.API)
                .order_by(PersonalToken.id)
            )
        )


@pytest.fixture
def viewer(make_user, login):
    person = make_user(roles=(Role.PDL_VIEWER,))
    login(person)
    return person


def test_a_new_token_is_shown_once_with_an_example_and_stored_only_as_its_hash(app, client, viewer):
    response = create_token(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "API token created" in page and "Annual report spreadsheet" in page
    secret = SECRET.search(page).group(1)
    assert len(secret) >= 40
    assert (
        f'curl -H "Authorization: Bearer {secret}" '
        '"https://localhost/api/v1/reports/programme?period=' in page
    )
    assert response.headers["Cache-Control"] == "no-store"

    (token,) = api_tokens(app, viewer)
    assert token.label == "Annual report spreadsheet"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.revoked_at is None and token.last_used_at is None
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                assert secret not in repr(tuple(row)), table.name
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_id == token.id))
        assert event.action == "api_token.created" and event.actor_id == viewer.id

    account = client.get("/account").get_data(as_text=True)
    assert 'id="api-access"' in account
    assert "Annual report spreadsheet" in account and "Not used yet" in account
    assert secret not in account


def test_several_tokens_may_be_live_at_once(app, client, viewer):
    create_token(client, "Spreadsheet")
    create_token(client, "Dashboard")
    assert [(t.label, t.revoked_at) for t in api_tokens(app, viewer)] == [
        ("Spreadsheet", None),
        ("Dashboard", None),
    ]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Enter a name for the token"),
        ("   ", "Enter a name for the token"),
        ("x" * 101, "The name must be 100 characters or fewer"),
    ],
)
def test_a_missing_or_long_name_is_shown_on_the_page_and_nothing_is_created(
    app, client, viewer, label, message
):
    response = create_token(client, label)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: Your account" in page
    assert "There is a problem" in page and message in page
    assert 'href="#label"' in page
    assert api_tokens(app, viewer) == []
    assert count(app, AuditEvent) == 0


def test_a_name_of_100_characters_is_accepted(app, client, viewer):
    assert create_token(client, "x" * 100).status_code == 200
    assert [token.label for token in api_tokens(app, viewer)] == ["x" * 100]


def test_revoking_a_token_stops_it_and_is_audited(app, client, viewer):
    create_token(client, "Spreadsheet")
    create_token(client, "Dashboard")
    first, second = api_tokens(app, viewer)
    response = post_form(
        client, f"/account/api-tokens/{first.id}/revoke", {}, token_from="/account"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account#api-access")
    page = client.get("/account").get_data(as_text=True)
    assert "The token ‘Spreadsheet’ has been revoked" in page
    assert [(t.label, t.revoked_at is None) for t in api_tokens(app, viewer)] == [
        ("Spreadsheet", False),
        ("Dashboard", True),
    ]
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "api_token.revoked")
        )
        assert (event.object_id, event.actor_id) == (first.id, viewer.id)
    again = post_form(client, f"/account/api-tokens/{first.id}/revoke", {}, token_from="/account")
    assert again.status_code == 302
    assert "already revoked" in client.get("/account").get_data(as_text=True)


def test_another_persons_token_cannot_be_revoked(app, client, make_user, viewer):
    other = make_user(roles=(Role.PDL_VIEWER,))
    with app.app_context():
        tokens.issue(db.session.get(User, other.id), TokenKind.API, now=utcnow(), replace=False)
        calendar = tokens.issue(db.session.get(User, viewer.id), TokenKind.CALENDAR, now=utcnow())
        db.session.commit()
        calendar_id = db.session.scalar(
            sa.select(PersonalToken.id).where(
                PersonalToken.token_hash == hashlib.sha256(calendar.encode()).hexdigest()
            )
        )
    (theirs,) = api_tokens(app, other)
    for token_id in (theirs.id, calendar_id, 999_999):
        response = post_form(
            client, f"/account/api-tokens/{token_id}/revoke", {}, token_from="/account"
        )
        assert response.status_code == 404
    assert count(app, PersonalToken, PersonalToken.revoked_at.is_not(None)) == 0
    assert "api_token.revoked" not in {event.action for event in _events(app)}


def _events(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent)))


def test_admins_have_api_access_too(app, client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    assert "API access" in client.get("/account").get_data(as_text=True)
    assert create_token(client).status_code == 200


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.COORDINATOR, Role.TRAINER])
def test_other_people_have_no_api_access(app, client, make_user, login, role):
    person = make_user(roles=(role,))
    login(person)
    page = client.get("/account").get_data(as_text=True)
    assert "API access" not in page and "/account/api-tokens" not in page
    assert create_token(client).status_code == 403
    with app.app_context():
        tokens.issue(db.session.get(User, person.id), TokenKind.API, now=utcnow())
        db.session.commit()
    (token,) = api_tokens(app, person)
    response = post_form(
        client, f"/account/api-tokens/{token.id}/revoke", {}, token_from="/account"
    )
    assert response.status_code == 403
    assert api_tokens(app, person)[0].revoked_at is None
