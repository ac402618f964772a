import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, Role, User
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import count, post_form


def account_form(person, agency_id, **overrides):
    data = {
        "name": person.name,
        "email": person.email,
        "job_title": "Health visitor",
        "agency_id": str(agency_id),
        "line_manager_email": "",
    }
    data.update(overrides)
    return data


def test_moving_agency_keeps_the_history(app, client, make_user, make_agency, login):
    old = make_agency("Riverside Council")
    new = make_agency("St Bride's Hospital", domains=("example.org",))
    person = make_user(agency_id=old)
    login(person)
    response = post_form(client, "/account", account_form(person, new, job_title="School nurse"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.agency_id == new and user.job_title == "School nurse"
        history = [(m.agency_id, m.job_title, m.ended_at is None) for m in user.memberships]
        assert history == [(old, "Health visitor", False), (new, "School nurse", True)]
    page = client.get("/account").get_data(as_text=True)
    assert "Riverside Council" in page and "St Bride&#39;s Hospital" in page


def test_posting_a_role_to_the_account_form_grants_nothing(app, client, make_user, login):
    person = make_user()
    login(person)
    post_form(
        client,
        "/account",
        {
            **account_form(person, person.agency_id),
            "roles": "admin",
            "role": "admin",
            "is_active": "",
        },
    )
    with app.app_context():
        assert db.session.get(User, person.id).roles == {Role.PRACTITIONER}
    assert client.get("/admin/users").status_code == 403


def test_names_and_script_round_trip_unchanged_and_are_shown_escaped(app, client, make_user, login):
    person = make_user()
    login(person)
    for name in [
        "O'Brien",
        "Zoë 李",
        "'; DROP TABLE users;--",
        '"><img src=x onerror=alert(1)>',
        "<script>alert(1)</script>",
    ]:
        post_form(client, "/account", account_form(person, person.agency_id, name=name))
        with app.app_context():
            assert db.session.get(User, person.id).name == name
        page = client.get("/").get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_the_account_form_does_not_change_the_email_address(app, client, make_user, login):
    person = make_user()
    login(person)
    post_form(client, "/account", account_form(person, person.agency_id, email="new@example.org"))
    with app.app_context():
        assert db.session.get(User, person.id).email == person.email


def test_changing_password_needs_the_current_one(app, client, make_user, login):
    person = make_user()
    login(person)
    page = post_form(
        client,
        "/account/password",
        {"current_password": "guess", "password": "river otter lantern"},
    ).get_data(as_text=True)
    assert "Your current password is not correct" in page
    assert (
        post_form(
            client,
            "/account/password",
            {"current_password": person.password, "password": "river otter lantern"},
        ).status_code
        == 302
    )
    assert client.get("/account").status_code == 200


def staff_form(**overrides):
    data = {
        "name": "Amina Patel",
        "job_title": "Midwife",
        "line_manager_email": "",
        "is_active": "y",
    }
    data.update(overrides)
    return data


def test_coordinator_lists_only_their_own_agencys_staff(client, make_user, make_agency, login):
    ours, theirs = make_agency("Riverside University Hospitals"), make_agency("Riverside Police")
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=ours)
    make_user(name="Amina Colleague", agency_id=ours)
    make_user(name="Ben Outsider", agency_id=theirs)
    login(coordinator)
    page = client.get("/agency/staff").get_data(as_text=True)
    assert "Amina Colleague" in page
    assert "Ben Outsider" not in page


def test_coordinator_edits_own_staff_but_not_another_agencys(
    app, client, make_user, make_agency, login
):
    ours, theirs = make_agency(), make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=ours)
    colleague = make_user(agency_id=ours)
    outsider = make_user(agency_id=theirs)
    login(coordinator)
    assert (
        post_form(
            client,
            f"/agency/staff/{colleague.id}",
            staff_form(agency_id=str(theirs), roles="admin"),
        ).status_code
        == 302
    )
    with app.app_context():
        edited = db.session.get(User, colleague.id)
        assert (edited.name, edited.job_title, edited.agency_id) == ("Amina Patel", "Midwife", ours)
        assert edited.roles == {Role.PRACTITIONER}
    assert client.get(f"/agency/staff/{outsider.id}").status_code == 403
    token_page = f"/agency/staff/{colleague.id}"
    assert (
        post_form(
            client, f"/agency/staff/{outsider.id}", staff_form(), token_from=token_page
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(User, outsider.id).name != "Amina Patel"


def test_coordinator_deactivates_a_leaver_and_it_is_audited(
    app, client, make_user, make_agency, login
):
    agency = make_agency()
    coordinator = make_user(roles=(Role.COORDINATOR,), agency_id=agency)
    leaver = make_user(agency_id=agency)
    login(coordinator)
    post_form(client, f"/agency/staff/{leaver.id}", staff_form(is_active=""))
    with app.app_context():
        assert db.session.get(User, leaver.id).is_active is False
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "user.deactivated")
        )
        assert event.actor_id == coordinator.id and event.object_id == leaver.id


def test_practitioner_cannot_see_staff_lists(client, make_user, login):
    login(make_user())
    assert client.get("/agency/staff").status_code == 403


def test_memberships_are_not_touched_by_editing_details_in_place(app, client, make_user, login):
    person = make_user()
    login(person)
    post_form(client, "/account", account_form(person, person.agency_id, name="New Name"))
    assert count(app, AgencyMembership) == 1
