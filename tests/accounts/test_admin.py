import sqlalchemy as sa

from lms.accounts.models import Agency, Role, Sector, User
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.mail.models import OutboxMessage
from tests.conftest import count, post_form


def agency_form(**overrides):
    data = {
        "name": "Oakfield Academy",
        "sector": "education",
        "domains": "oakfield.sch.example\n@Trust.example",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_agency_with_sector_and_domains(app, client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    response = post_form(
        client, "/admin/agencies/new", agency_form(is_statutory_partner="y"), follow_redirects=True
    )
    assert "Oakfield Academy has been saved" in response.get_data(as_text=True)
    with app.app_context():
        agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Oakfield Academy"))
        assert agency.sector is Sector.EDUCATION and agency.is_statutory_partner
        assert agency.domain_names == ["oakfield.sch.example", "trust.example"]


def test_agency_names_are_unique_ignoring_case(app, client, make_user, make_agency, login):
    make_agency("Oakfield Academy")
    login(make_user(roles=(Role.ADMIN,)))
    page = post_form(client, "/admin/agencies/new", agency_form(name="OAKFIELD academy")).get_data(
        as_text=True
    )
    assert "An agency with this name already exists" in page
    assert count(app, Agency, sa.func.lower(Agency.name) == "oakfield academy") == 1


def test_a_malformed_domain_is_refused(app, client, make_user, login):
    admin = make_user(roles=(Role.ADMIN,))
    login(admin)
    page = post_form(client, "/admin/agencies/new", agency_form(domains="not a domain!")).get_data(
        as_text=True
    )
    assert "is not an email domain" in page
    assert count(app, Agency) == 1  # the admin's own agency only


def test_an_unknown_sector_is_refused(app, client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    page = post_form(client, "/admin/agencies/new", agency_form(sector="pirates")).get_data(
        as_text=True
    )
    assert "Not a valid choice" in page
    assert count(app, Agency) == 1


def test_deactivated_agency_is_no_longer_offered_at_registration(
    app, client, make_user, make_agency, login
):
    agency = make_agency("Closed Nursery")
    login(make_user(roles=(Role.ADMIN,)))
    post_form(
        client, f"/admin/agencies/{agency}/active", {"active": "0"}, token_from="/admin/agencies"
    )
    with app.app_context():
        assert db.session.get(Agency, agency).is_active is False
    post_form(client, "/sign-out", {}, token_from="/")
    assert "Closed Nursery" not in client.get("/register").get_data(as_text=True)


def user_form(agency_id, **overrides):
    data = {
        "name": "Tomasz Nowak",
        "email": "tomasz@riverside-council.example",
        "job_title": "Safeguarding trainer",
        "agency_id": str(agency_id),
        "line_manager_email": "",
        "roles": ["trainer"],
        "is_active": "y",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_person_who_is_invited_to_choose_a_password(
    app, client, make_user, make_agency, login
):
    agency = make_agency()
    admin = make_user(roles=(Role.ADMIN,))
    login(admin)
    assert post_form(client, "/admin/users/new", user_form(agency)).status_code == 302
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email == "tomasz@riverside-council.example")
        )
        assert user.roles == {Role.TRAINER}
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.recipient == user.email and "/password/reset/" in message.body_text
        assert (
            db.session.scalar(
                sa.select(AuditEvent.actor_id).where(AuditEvent.action == "user.created")
            )
            == admin.id
        )


def test_granting_roles_is_audited_and_one_person_holds_several(app, client, make_user, login):
    admin = make_user(roles=(Role.ADMIN,))
    person = make_user()
    login(admin)
    form = user_form(
        person.agency_id,
        name=person.name,
        email=person.email,
        roles=["practitioner", "coordinator", "trainer"],
    )
    assert post_form(client, f"/admin/users/{person.id}", form).status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id).roles == {
            Role.PRACTITIONER,
            Role.COORDINATOR,
            Role.TRAINER,
        }
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "user.roles_changed")
        )
        assert event.before == {"roles": ["practitioner"]}
        assert event.after == {"roles": ["coordinator", "practitioner", "trainer"]}


def test_an_admin_cannot_remove_their_own_admin_role(app, client, make_user, login):
    admin = make_user(roles=(Role.ADMIN,))
    login(admin)
    form = user_form(admin.agency_id, name=admin.name, email=admin.email, roles=["practitioner"])
    page = post_form(client, f"/admin/users/{admin.id}", form).get_data(as_text=True)
    assert "You cannot remove your own administrator role" in page
    with app.app_context():
        user = db.session.get(User, admin.id)
        assert user.roles == {Role.ADMIN} and user.name == admin.name


def test_a_role_that_does_not_exist_is_refused(app, client, make_user, login):
    admin = make_user(roles=(Role.ADMIN,))
    person = make_user()
    login(admin)
    form = user_form(person.agency_id, name=person.name, email=person.email, roles=["superuser"])
    page = post_form(client, f"/admin/users/{person.id}", form).get_data(as_text=True)
    assert "is not a valid choice" in page
    with app.app_context():
        assert db.session.get(User, person.id).roles == {Role.PRACTITIONER}


def test_people_list_searches_and_filters(client, make_user, make_agency, login):
    agency = make_agency("Riverside Youth Trust")
    make_user(name="Kwame Mensah", agency_id=agency)
    make_user(name="Laura Quinn")
    login(make_user(roles=(Role.ADMIN,), name="Alex Admin"))
    page = client.get("/admin/users?q=mensah").get_data(as_text=True)
    assert "Kwame Mensah" in page and "Laura Quinn" not in page
    page = client.get(f"/admin/users?agency={agency}").get_data(as_text=True)
    assert "Kwame Mensah" in page and "Laura Quinn" not in page
    page = client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "Alex Admin" in page and "Kwame Mensah" not in page


def test_people_list_is_paginated(app, client, make_user, make_agency, login):
    agency = make_agency()
    for _ in range(55):
        make_user(agency_id=agency)
    login(make_user(roles=(Role.ADMIN,)))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "56 people" in page and "govuk-pagination" in page
    assert client.get("/admin/users?page=2").status_code == 200
