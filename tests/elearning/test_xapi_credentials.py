"""Admins create and revoke the key and secret a provider's system sends statements with."""

import hashlib
import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.catalogue.models import Course
from lms.elearning.models import XapiCredential, XapiStatement
from lms.extensions import db
from tests.conftest import count, post_form
from tests.elearning.xapi_helpers import basic, make_sender, post, statement


@pytest.fixture
def admin(make_user, login):
    person = make_user(roles=(Role.ADMIN,))
    login(person)
    return person


@pytest.fixture
def module(app, make_module):
    module_id = make_module("Safeguarding children level 1")
    with app.app_context():
        course = db.session.get(Course, module_id)
        return {"id": module_id, "provider": course.provider_id, "activity": course.activity_id}


def credentials_of(app, provider_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(XapiCredential).where(XapiCredential.provider_id == provider_id)
        ).all()


def audit_actions(app):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def shown(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]+)<', page).group(1)


def test_a_new_credentials_secret_is_shown_once_and_only_its_hash_kept(
    app, client, admin, module, make_user
):
    path = f"/admin/providers/{module['provider']}/xapi"
    response = post_form(client, path, {"label": "Learning Pool LRS"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    key, secret = shown(page, "xapi-key"), shown(page, "xapi-secret")
    assert shown(page, "xapi-endpoint").endswith("://localhost/xapi/statements")
    assert len(secret) >= 40
    [credential] = credentials_of(app, module["provider"])
    assert (credential.key, credential.label) == (key, "Learning Pool LRS")
    assert credential.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(
        [getattr(credential, column.key) for column in XapiCredential.__table__.columns]
    )
    assert audit_actions(app) == ["elearning.xapi_credential_created"]
    # Never shown again.
    listing = client.get(path).get_data(as_text=True)
    assert key in listing and "Learning Pool LRS" in listing and secret not in listing
    # And it works.
    learner = make_user()
    sent = statement(learner.email, module["activity"])
    answer = post(client, None, sent, headers=basic(key, secret))
    assert answer.status_code == 200
    assert "Not used yet" not in client.get(path).get_data(as_text=True)


def test_a_credential_needs_a_name(app, client, admin, module):
    response = post_form(client, f"/admin/providers/{module['provider']}/xapi", {"label": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Enter a name for the credential" in page
    assert credentials_of(app, module["provider"]) == []


def test_a_name_too_long_is_refused_and_kept_in_the_box(app, client, admin, module):
    typed = "L" * 101
    response = post_form(client, f"/admin/providers/{module['provider']}/xapi", {"label": typed})
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and f'value="{typed}"' in page
    assert credentials_of(app, module["provider"]) == []


def test_revoking_asks_first_then_refuses_the_credential(
    app, client, admin, make_module, make_user
):
    sender = make_sender(app, make_module, make_user)
    path = f"/admin/providers/{sender.provider_id}/xapi/{sender.credential_id}/revoke"
    confirm = client.get(path).get_data(as_text=True)
    assert "Revoke the credential ‘Learning record store’" in confirm
    assert "will be refused from now on" in confirm
    assert credentials_of(app, sender.provider_id)[0].revoked_at is None
    response = post_form(client, path, {})
    assert response.status_code == 302
    [credential] = credentials_of(app, sender.provider_id)
    assert credential.revoked_at is not None
    assert audit_actions(app)[-1] == "elearning.xapi_credential_revoked"
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been revoked" in listing and "Revoked" in listing
    learner = make_user()
    assert post(client, sender, statement(learner.email, sender.activity_id)).status_code == 401
    assert count(app, XapiStatement) == 0


def test_revoking_twice_says_so(app, client, admin, make_module, make_user):
    sender = make_sender(app, make_module, make_user)
    path = f"/admin/providers/{sender.provider_id}/xapi/{sender.credential_id}/revoke"
    token_page = path
    post_form(client, path, {})
    again = post_form(client, path, {}, token_from=token_page, follow_redirects=True)
    assert "already been revoked" in again.get_data(as_text=True)
    assert audit_actions(app).count("elearning.xapi_credential_revoked") == 1


def test_another_providers_credential_is_not_found(
    client, admin, make_module, make_user, app, make_provider
):
    sender = make_sender(app, make_module, make_user)
    other = make_provider()
    assert (
        client.get(f"/admin/providers/{other}/xapi/{sender.credential_id}/revoke").status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PDL_VIEWER, Role.PRACTITIONER])
def test_only_admins_create_credentials(app, client, make_user, login, module, role):
    login(make_user(roles=(role,)))
    response = post_form(
        client, f"/admin/providers/{module['provider']}/xapi", {"label": "Mine"}, token_from="/"
    )
    assert response.status_code == 403
    assert credentials_of(app, module["provider"]) == []


def test_only_admins_revoke_credentials(app, client, make_user, login, make_module):
    sender = make_sender(app, make_module, make_user)
    login(make_user(roles=(Role.COORDINATOR,)))
    path = f"/admin/providers/{sender.provider_id}/xapi/{sender.credential_id}/revoke"
    assert post_form(client, path, {}, token_from="/").status_code == 403
    assert credentials_of(app, sender.provider_id)[0].revoked_at is None


def test_the_overview_lists_providers_with_modules_and_the_address(
    app, client, admin, module, make_provider
):
    make_provider("Face to face only")
    page = client.get("/admin/xapi").get_data(as_text=True)
    assert "://localhost/xapi/statements" in page
    assert "1 module, 1 with an activity id" in page and "None live" in page
    assert "Face to face only" not in page
    post_form(client, f"/admin/providers/{module['provider']}/xapi", {"label": "Learning Pool"})
    page = client.get("/admin/xapi").get_data(as_text=True)
    assert "Learning Pool: live, not used yet" in page and "None live" not in page
    assert "Live e-learning" in page  # the admin sub-navigation


def test_a_name_with_markup_is_shown_escaped(app, client, admin, module):
    label = '"><img src=x onerror=alert(1)>'
    path = f"/admin/providers/{module['provider']}/xapi"
    created = post_form(client, path, {"label": label}).get_data(as_text=True)
    listing = client.get(path).get_data(as_text=True)
    for page in (created, listing):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert credentials_of(app, module["provider"])[0].label == label
